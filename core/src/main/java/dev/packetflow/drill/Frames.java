package dev.packetflow.drill;

import dev.packetflow.net.ipv4.InetChecksum;

/**
 * Builds the Ethernet/IPv4 frames the runner injects as the remote peer, with correct IPv4 and
 * transport checksums. Payloads are zeros (GRAMMAR.md 4: written data is zero-filled).
 */
final class Frames {
    static final int ETH_HLEN = 14;
    static final int IP_HLEN = 20;
    static final int TCP_HLEN = 20;
    static final int UDP_HLEN = 8;
    static final int ICMP_HLEN = 8;
    static final int IPPROTO_ICMP = 1;
    static final int IPPROTO_TCP = 6;
    static final int IPPROTO_UDP = 17;

    private Frames() {}

    /** IPv4 header fields of a packet the runner builds. */
    record Ip(long dstMac, long srcMac, int saddr, int daddr, int tos, int ttl, int id) {}

    /**
     * A TCP segment. {@code flags} uses {@link PacketSpec} bits (AE goes into the header's NS bit).
     */
    static byte[] tcp(Ip ip, int sport, int dport, long seq, long ack, int flags, int win, int urg, byte[] options,
            int payloadLen) {
        int optLen = (options.length + 3) & ~3;
        int tcpLen = TCP_HLEN + optLen + payloadLen;
        byte[] f = frame(ip, IPPROTO_TCP, tcpLen);
        int t = ETH_HLEN + IP_HLEN;
        Bytes.put16(f, t, sport);
        Bytes.put16(f, t + 2, dport);
        Bytes.put32(f, t + 4, seq);
        Bytes.put32(f, t + 8, ack);
        f[t + 12] = (byte) ((((TCP_HLEN + optLen) / 4) << 4) | ((flags & PacketSpec.AE) != 0 ? 1 : 0));
        f[t + 13] = (byte) flags;
        Bytes.put16(f, t + 14, win);
        Bytes.put16(f, t + 18, urg);
        System.arraycopy(options, 0, f, t + TCP_HLEN, options.length);
        Bytes.put16(f, t + 16, transportChecksum(f, ip, IPPROTO_TCP, tcpLen));
        return f;
    }

    static byte[] udp(Ip ip, int sport, int dport, int payloadLen) {
        int udpLen = UDP_HLEN + payloadLen;
        byte[] f = frame(ip, IPPROTO_UDP, udpLen);
        int u = ETH_HLEN + IP_HLEN;
        Bytes.put16(f, u, sport);
        Bytes.put16(f, u + 2, dport);
        Bytes.put16(f, u + 4, udpLen);
        int c = transportChecksum(f, ip, IPPROTO_UDP, udpLen);
        Bytes.put16(f, u + 6, c == 0 ? 0xffff : c);
        return f;
    }

    /**
     * An ICMP message: {@code rest} is the second 32-bit word (next-hop MTU for "fragmentation
     * needed", id and sequence for echo), {@code quoted} the quoted packet (IP header and the start
     * of its payload) or data.
     */
    static byte[] icmp(Ip ip, int type, int code, long rest, byte[] quoted) {
        int len = ICMP_HLEN + quoted.length;
        byte[] f = frame(ip, IPPROTO_ICMP, len);
        int i = ETH_HLEN + IP_HLEN;
        f[i] = (byte) type;
        f[i + 1] = (byte) code;
        Bytes.put32(f, i + 4, rest);
        System.arraycopy(quoted, 0, f, i + ICMP_HLEN, quoted.length);
        Bytes.put16(f, i + 2, InetChecksum.compute(f, i, len));
        return f;
    }

    /** Ethernet and IPv4 headers, checksummed, with room for {@code l4Len} bytes. */
    private static byte[] frame(Ip ip, int protocol, int l4Len) {
        int totLen = IP_HLEN + l4Len;
        if (totLen > 0xffff) {
            throw new IllegalArgumentException("IPv4 packet of " + totLen + " bytes");
        }
        byte[] f = new byte[ETH_HLEN + totLen];
        Bytes.putMac(f, 0, ip.dstMac());
        Bytes.putMac(f, 6, ip.srcMac());
        Bytes.put16(f, 12, 0x0800);
        ipHeader(f, ETH_HLEN, ip, protocol, totLen);
        return f;
    }

    /** Writes a 20-byte IPv4 header at {@code b[off]} (no fragmentation, DF clear) with its checksum. */
    static void ipHeader(byte[] b, int off, Ip ip, int protocol, int totLen) {
        b[off] = 0x45;
        b[off + 1] = (byte) ip.tos();
        Bytes.put16(b, off + 2, totLen);
        Bytes.put16(b, off + 4, ip.id());
        Bytes.put16(b, off + 6, 0);
        b[off + 8] = (byte) ip.ttl();
        b[off + 9] = (byte) protocol;
        Bytes.put32(b, off + 12, ip.saddr() & 0xffffffffL);
        Bytes.put32(b, off + 16, ip.daddr() & 0xffffffffL);
        Bytes.put16(b, off + 10, InetChecksum.compute(b, off, IP_HLEN));
    }

    private static int transportChecksum(byte[] f, Ip ip, int protocol, int l4Len) {
        long sum = InetChecksum.pseudoHeader(ip.saddr(), ip.daddr(), protocol, l4Len);
        sum = InetChecksum.partial(f, ETH_HLEN + IP_HLEN, l4Len, sum);
        return InetChecksum.fold(sum);
    }
}
