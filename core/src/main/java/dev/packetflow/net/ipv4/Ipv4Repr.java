package dev.packetflow.net.ipv4;

import dev.packetflow.net.core.SkBuff;
import java.util.Arrays;

/**
 * An IPv4 header as a value: what tests build and check, and what slow paths (error reporting,
 * diagnostics) use. The packet path reads the {@link Ipv4Header} view instead, since a record
 * allocates.
 *
 * @param tos the type-of-service octet (DSCP and ECN)
 * @param id identification
 * @param df don't fragment
 * @param mf more fragments
 * @param fragOffset fragment offset in bytes (a multiple of 8)
 * @param ttl time to live
 * @param protocol the payload's protocol number
 * @param src source address
 * @param dst destination address
 * @param options option bytes (a multiple of 4, at most 40), empty for none
 * @param payloadLen bytes after the header; total length is header length plus this
 */
public record Ipv4Repr(int tos, int id, boolean df, boolean mf, int fragOffset, int ttl, int protocol,
                       int src, int dst, byte[] options, int payloadLen) {
    public Ipv4Repr {
        if (options == null) {
            options = new byte[0];
        }
        if (options.length % 4 != 0 || options.length > 40) {
            throw new IllegalArgumentException("options must be a multiple of 4 bytes, at most 40: " + options.length);
        }
        if (fragOffset % 8 != 0 || fragOffset < 0 || fragOffset > 0x1fff * 8) {
            throw new IllegalArgumentException("fragment offset must be a multiple of 8 below 65536: " + fragOffset);
        }
        if (20 + options.length + payloadLen > Ipv4Header.MAX_TOTAL_LEN || payloadLen < 0) {
            throw new IllegalArgumentException("total length out of range: " + (20 + options.length + payloadLen));
        }
    }

    /** A plain datagram: no options, not a fragment. */
    public static Ipv4Repr of(int src, int dst, int protocol, int ttl, int payloadLen) {
        return new Ipv4Repr(0, 0, false, false, 0, ttl, protocol, src, dst, new byte[0], payloadLen);
    }

    public int headerLen() {
        return 20 + options.length;
    }

    public int totalLength() {
        return headerLen() + payloadLen;
    }

    /** Writes the header (with a correct checksum) at {@code off} of {@code b}; returns its length. */
    public int emit(byte[] b, int off) {
        int hl = headerLen();
        b[off] = (byte) (0x40 | (hl >> 2));
        b[off + 1] = (byte) tos;
        put16(b, off + 2, totalLength());
        put16(b, off + 4, id);
        put16(b, off + 6, (df ? Ipv4Header.IP_DF : 0) | (mf ? Ipv4Header.IP_MF : 0) | (fragOffset >> 3));
        b[off + 8] = (byte) ttl;
        b[off + 9] = (byte) protocol;
        put16(b, off + 10, 0);
        put32(b, off + 12, src);
        put32(b, off + 16, dst);
        System.arraycopy(options, 0, b, off + 20, options.length);
        put16(b, off + 10, InetChecksum.compute(b, off, hl));
        return hl;
    }

    /** Writes the header at absolute offset {@code off} of {@code skb} (which must have room). */
    public int emit(SkBuff skb, int off) {
        byte[] h = new byte[headerLen()];
        emit(h, 0);
        skb.write(off, h, 0, h.length);
        return h.length;
    }

    /** The header alone, as bytes. */
    public byte[] toBytes() {
        byte[] h = new byte[headerLen()];
        emit(h, 0);
        return h;
    }

    /**
     * Parses the header at {@code off} of {@code b} ({@code len} bytes available). Returns null
     * for anything {@code ip_rcv_core} would drop: short, wrong version, bad IHL or total length,
     * bad checksum. Never throws on bad bytes.
     */
    public static Ipv4Repr parse(byte[] b, int off, int len) {
        if (len < 20 || off < 0 || off + len > b.length) {
            return null;
        }
        int vihl = b[off] & 0xff;
        int hl = (vihl & 0x0f) << 2;
        int tl = get16(b, off + 2);
        if ((vihl >> 4) != 4 || hl < 20 || hl > len || tl < hl || tl > len) {
            return null;
        }
        if (InetChecksum.compute(b, off, hl) != 0) {
            return null;
        }
        int fo = get16(b, off + 6);
        return new Ipv4Repr(b[off + 1] & 0xff, get16(b, off + 4), (fo & Ipv4Header.IP_DF) != 0,
                (fo & Ipv4Header.IP_MF) != 0, (fo & Ipv4Header.IP_OFFSET) << 3, b[off + 8] & 0xff,
                b[off + 9] & 0xff, get32(b, off + 12), get32(b, off + 16),
                Arrays.copyOfRange(b, off + 20, off + hl), tl - hl);
    }

    /** Parses the packet at {@code skb}'s data. */
    public static Ipv4Repr parse(SkBuff skb) {
        return parse(skb.toByteArray(), 0, skb.len());
    }

    static void put16(byte[] b, int o, int v) {
        b[o] = (byte) (v >>> 8);
        b[o + 1] = (byte) v;
    }

    static void put32(byte[] b, int o, int v) {
        b[o] = (byte) (v >>> 24);
        b[o + 1] = (byte) (v >>> 16);
        b[o + 2] = (byte) (v >>> 8);
        b[o + 3] = (byte) v;
    }

    static int get16(byte[] b, int o) {
        return ((b[o] & 0xff) << 8) | (b[o + 1] & 0xff);
    }

    static int get32(byte[] b, int o) {
        return ((b[o] & 0xff) << 24) | ((b[o + 1] & 0xff) << 16) | ((b[o + 2] & 0xff) << 8) | (b[o + 3] & 0xff);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ipv4Repr r && tos == r.tos && id == r.id && df == r.df && mf == r.mf
                && fragOffset == r.fragOffset && ttl == r.ttl && protocol == r.protocol && src == r.src
                && dst == r.dst && Arrays.equals(options, r.options) && payloadLen == r.payloadLen;
    }

    @Override
    public int hashCode() {
        return ((src * 31 + dst) * 31 + id) * 31 + Arrays.hashCode(options) + payloadLen;
    }

    @Override
    public String toString() {
        return InetAddr.toString(src) + " > " + InetAddr.toString(dst) + " proto " + protocol + " ttl " + ttl
                + " id " + id + (df ? " DF" : "") + (mf ? " MF" : "") + " off " + fragOffset
                + " tos 0x" + Integer.toHexString(tos) + " optlen " + options.length + " len " + totalLength();
    }
}
