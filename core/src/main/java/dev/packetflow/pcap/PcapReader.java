package dev.packetflow.pcap;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads classic libpcap files: either byte order, microsecond or nanosecond timestamps. Meant for
 * tests and tools that check what a {@link PcapWriter} (or tcpdump) wrote; a file that is not
 * pcap, or is cut short inside a record, is an {@link IOException}.
 */
public final class PcapReader implements AutoCloseable {
    /** One captured frame: its timestamp in nanoseconds, its length on the wire and the bytes kept. */
    public record Record(long tsNs, int origLen, byte[] data) {
        /** Bytes captured (Linux/tcpdump: {@code caplen}), at most the snaplen. */
        public int inclLen() {
            return data.length;
        }
    }

    private final InputStream in;
    private final ByteOrder order;
    private final boolean nanos;
    private final int versionMajor;
    private final int versionMinor;
    private final int thiszone;
    private final int snaplen;
    private final int linktype;
    private final byte[] hdr = new byte[PcapWriter.RECORD_HEADER_LEN];

    /** Reads and checks the file header. */
    public PcapReader(InputStream in) throws IOException {
        this.in = in instanceof BufferedInputStream ? in : new BufferedInputStream(in);
        byte[] fh = new byte[PcapWriter.FILE_HEADER_LEN];
        readFully(fh, "file header");
        int magicLe = le32(fh, 0);
        int magicBe = Integer.reverseBytes(magicLe);
        if (magicLe == PcapWriter.MAGIC_NANOS || magicLe == PcapWriter.MAGIC_MICROS) {
            order = ByteOrder.LITTLE_ENDIAN;
            nanos = magicLe == PcapWriter.MAGIC_NANOS;
        } else if (magicBe == PcapWriter.MAGIC_NANOS || magicBe == PcapWriter.MAGIC_MICROS) {
            order = ByteOrder.BIG_ENDIAN;
            nanos = magicBe == PcapWriter.MAGIC_NANOS;
        } else {
            throw new IOException(String.format("not a pcap file (magic 0x%08x)", magicBe));
        }
        versionMajor = u16(fh, 4);
        versionMinor = u16(fh, 6);
        thiszone = u32(fh, 8);
        snaplen = u32(fh, 16);
        linktype = u32(fh, 20);
    }

    public static PcapReader open(Path file) throws IOException {
        return new PcapReader(Files.newInputStream(file));
    }

    /** Every record of {@code file}. */
    public static List<Record> readAll(Path file) throws IOException {
        try (PcapReader r = open(file)) {
            return r.readAll();
        }
    }

    /** Every record of a capture held in memory. */
    public static List<Record> readAll(byte[] pcap) throws IOException {
        try (PcapReader r = new PcapReader(new ByteArrayInputStream(pcap))) {
            return r.readAll();
        }
    }

    /** The remaining records. */
    public List<Record> readAll() throws IOException {
        List<Record> l = new ArrayList<>();
        Record r;
        while ((r = next()) != null) {
            l.add(r);
        }
        return l;
    }

    /** The next record, or null at the end of the file. */
    public Record next() throws IOException {
        int n = in.readNBytes(hdr, 0, hdr.length);
        if (n == 0) {
            return null;
        }
        if (n < hdr.length) {
            throw new EOFException("pcap record header cut short (" + n + " of 16 bytes)");
        }
        long sec = u32(hdr, 0) & 0xffffffffL;
        long frac = u32(hdr, 4) & 0xffffffffL;
        int incl = u32(hdr, 8);
        int orig = u32(hdr, 12);
        if (incl < 0 || incl > Math.max(snaplen, PcapWriter.DEFAULT_SNAPLEN)) {
            throw new IOException("pcap record length " + Integer.toUnsignedString(incl) + " exceeds snaplen " + snaplen);
        }
        byte[] data = new byte[incl];
        readFully(data, "record data");
        long tsNs = sec * 1_000_000_000L + (nanos ? frac : frac * 1000);
        return new Record(tsNs, orig, data);
    }

    public ByteOrder byteOrder() {
        return order;
    }

    /** Whether record timestamps carry nanoseconds (magic 0xa1b23c4d) rather than microseconds. */
    public boolean nanosecond() {
        return nanos;
    }

    public int versionMajor() {
        return versionMajor;
    }

    public int versionMinor() {
        return versionMinor;
    }

    public int thiszone() {
        return thiszone;
    }

    public int snaplen() {
        return snaplen;
    }

    public int linktype() {
        return linktype;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    private void readFully(byte[] b, String what) throws IOException {
        int n = in.readNBytes(b, 0, b.length);
        if (n < b.length) {
            throw new EOFException("pcap " + what + " cut short (" + n + " of " + b.length + " bytes)");
        }
    }

    private int u16(byte[] b, int off) {
        int v = (b[off] & 0xff) | (b[off + 1] & 0xff) << 8;
        return order == ByteOrder.LITTLE_ENDIAN ? v : Integer.reverseBytes(v) >>> 16;
    }

    private int u32(byte[] b, int off) {
        int v = le32(b, off);
        return order == ByteOrder.LITTLE_ENDIAN ? v : Integer.reverseBytes(v);
    }

    private static int le32(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }
}
