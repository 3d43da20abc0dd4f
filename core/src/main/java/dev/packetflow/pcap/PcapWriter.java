package dev.packetflow.pcap;

import dev.packetflow.net.core.SkBuff;
import java.io.BufferedOutputStream;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the classic libpcap file format with nanosecond timestamps, which tcpdump, tshark and
 * Wireshark read.
 *
 * <pre>
 * file header (24 bytes)                      record header (16 bytes), then incl_len bytes
 * +--------------------------------+          +--------------------------------+
 * | magic 0xa1b23c4d (ns)          |          | ts_sec                         |
 * | version 2 | 4                  |          | ts_nsec                        |
 * | thiszone (0)                   |          | incl_len (captured)            |
 * | sigfigs (0)                    |          | orig_len (on the wire)         |
 * | snaplen                        |          +--------------------------------+
 * | linktype (1 = Ethernet)        |
 * +--------------------------------+
 * </pre>
 *
 * <p>The format lets the writer pick its byte order and readers detect it from the magic; this
 * writer always uses little-endian, so the same capture gives the same bytes on every machine
 * (deterministic simulations promise byte-identical output).
 *
 * <p>Writes are serialised: a capture's tap is called from the softnet thread (RX) and from
 * sending threads (TX) at once. Copying a frame reuses one scratch array, so steady-state capture
 * allocates nothing.
 *
 * <p>Format: the libpcap file format (pcap-savefile(5)); the nanosecond variant's magic is
 * 0xa1b23c4d.
 */
public final class PcapWriter implements AutoCloseable, Flushable {
    /** Magic of a file whose record timestamps are in nanoseconds. */
    public static final int MAGIC_NANOS = 0xa1b23c4d;
    /** Magic of a file whose record timestamps are in microseconds (the original format). */
    public static final int MAGIC_MICROS = 0xa1b2c3d4;
    public static final int VERSION_MAJOR = 2;
    public static final int VERSION_MINOR = 4;
    /** tcpdump's default snapshot length since 4.99 ({@code MAXIMUM_SNAPLEN}). */
    public static final int DEFAULT_SNAPLEN = 262_144;
    /** LINKTYPE_ETHERNET: frames start with a 14-byte Ethernet II header. */
    public static final int LINKTYPE_ETHERNET = 1;
    public static final int FILE_HEADER_LEN = 24;
    public static final int RECORD_HEADER_LEN = 16;

    private static final long NS_PER_S = 1_000_000_000L;

    private final OutputStream out;
    private final int snaplen;
    private final int linktype;
    private final byte[] hdr = new byte[RECORD_HEADER_LEN];
    private byte[] scratch = new byte[2048];
    private long records;
    private boolean closed;

    /** A writer with the default snaplen and Ethernet link type; writes the file header now. */
    public PcapWriter(OutputStream out) throws IOException {
        this(out, DEFAULT_SNAPLEN, LINKTYPE_ETHERNET);
    }

    public PcapWriter(OutputStream out, int snaplen, int linktype) throws IOException {
        if (snaplen <= 0) {
            throw new IllegalArgumentException("snaplen must be positive: " + snaplen);
        }
        this.out = out instanceof BufferedOutputStream ? out : new BufferedOutputStream(out, 1 << 16);
        this.snaplen = snaplen;
        this.linktype = linktype;
        byte[] fh = new byte[FILE_HEADER_LEN];
        putLe32(fh, 0, MAGIC_NANOS);
        putLe16(fh, 4, VERSION_MAJOR);
        putLe16(fh, 6, VERSION_MINOR);
        putLe32(fh, 8, 0); // thiszone: timestamps are UTC
        putLe32(fh, 12, 0); // sigfigs: always 0 in practice
        putLe32(fh, 16, snaplen);
        putLe32(fh, 20, linktype);
        this.out.write(fh);
    }

    /** Creates (or truncates) {@code file} and writes the file header. */
    public static PcapWriter open(Path file) throws IOException {
        return new PcapWriter(Files.newOutputStream(file));
    }

    public int snaplen() {
        return snaplen;
    }

    public int linktype() {
        return linktype;
    }

    /** Records written so far. */
    public synchronized long records() {
        return records;
    }

    /** Writes one whole frame captured at {@code tsNs} (nanoseconds since the Unix epoch). */
    public void write(long tsNs, byte[] frame) throws IOException {
        write(tsNs, frame, 0, frame.length, frame.length);
    }

    /**
     * Writes {@code len} bytes of {@code frame} from {@code off} as one record of a frame that
     * was {@code origLen} bytes long on the wire; bytes past the snaplen are cut, as tcpdump does.
     */
    public synchronized void write(long tsNs, byte[] frame, int off, int len, int origLen) throws IOException {
        ensureOpen();
        int incl = Math.min(len, snaplen);
        writeRecordHeader(tsNs, incl, Math.max(origLen, len));
        out.write(frame, off, incl);
        records++;
    }

    /**
     * Writes bytes {@code [from, to)} of {@code skb}'s buffer (absolute offsets, as SkBuff uses)
     * as one record. The bytes are copied before this returns, so the caller may free the skb.
     */
    public synchronized void write(long tsNs, SkBuff skb, int from, int to) throws IOException {
        ensureOpen();
        int len = to - from;
        if (len < 0) {
            throw new IllegalArgumentException("negative frame length " + len);
        }
        int incl = Math.min(len, snaplen);
        if (scratch.length < incl) {
            scratch = new byte[Math.max(incl, scratch.length * 2)];
        }
        skb.read(from, scratch, 0, incl);
        writeRecordHeader(tsNs, incl, len);
        out.write(scratch, 0, incl);
        records++;
    }

    private void writeRecordHeader(long tsNs, int incl, int orig) throws IOException {
        long t = Math.max(0, tsNs);
        putLe32(hdr, 0, (int) (t / NS_PER_S));
        putLe32(hdr, 4, (int) (t % NS_PER_S));
        putLe32(hdr, 8, incl);
        putLe32(hdr, 12, orig);
        out.write(hdr, 0, RECORD_HEADER_LEN);
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("pcap writer is closed");
        }
    }

    @Override
    public synchronized void flush() throws IOException {
        if (!closed) {
            out.flush();
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        out.close();
    }

    static void putLe16(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
    }

    static void putLe32(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
        b[off + 2] = (byte) (v >>> 16);
        b[off + 3] = (byte) (v >>> 24);
    }
}
