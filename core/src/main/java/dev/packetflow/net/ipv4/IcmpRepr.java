package dev.packetflow.net.ipv4;

import java.util.Arrays;

/**
 * An ICMP message as a value, for tests and slow paths (see {@link IcmpHeader} for the layout).
 *
 * @param type message type
 * @param code message code
 * @param rest the second 32-bit word: identifier and sequence for echo, next-hop MTU for "frag
 *             needed", gateway for redirects, pointer for parameter problems
 * @param data everything after the 8-byte header (echo data, or the quoted datagram of an error)
 */
public record IcmpRepr(int type, int code, int rest, byte[] data) {
    public IcmpRepr {
        if (data == null) {
            data = new byte[0];
        }
    }

    public static IcmpRepr echo(int id, int seq, byte[] data) {
        return new IcmpRepr(IcmpHeader.ICMP_ECHO, 0, (id << 16) | (seq & 0xffff), data);
    }

    public int identifier() {
        return rest >>> 16;
    }

    public int sequence() {
        return rest & 0xffff;
    }

    public int length() {
        return IcmpHeader.LEN + data.length;
    }

    /** The message with a correct checksum. */
    public byte[] toBytes() {
        byte[] b = new byte[length()];
        b[0] = (byte) type;
        b[1] = (byte) code;
        Ipv4Repr.put32(b, 4, rest);
        System.arraycopy(data, 0, b, 8, data.length);
        Ipv4Repr.put16(b, 2, InetChecksum.compute(b, 0, b.length));
        return b;
    }

    /** Parses a message of {@code len} bytes at {@code off}; null if short or the checksum fails. */
    public static IcmpRepr parse(byte[] b, int off, int len) {
        if (len < IcmpHeader.LEN || off < 0 || off + len > b.length || InetChecksum.compute(b, off, len) != 0) {
            return null;
        }
        return new IcmpRepr(b[off] & 0xff, b[off + 1] & 0xff, Ipv4Repr.get32(b, off + 4),
                Arrays.copyOfRange(b, off + 8, off + len));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IcmpRepr r && type == r.type && code == r.code && rest == r.rest
                && Arrays.equals(data, r.data);
    }

    @Override
    public int hashCode() {
        return (type * 31 + code) * 31 + rest + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "icmp type " + type + " code " + code + " rest 0x" + Integer.toHexString(rest) + " len " + length();
    }
}
