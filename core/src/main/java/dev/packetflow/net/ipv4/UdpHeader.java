package dev.packetflow.net.ipv4;

import dev.packetflow.net.core.SkBuff;

/**
 * The UDP header (RFC 768) as a view on packet bytes: accessors take the buffer and the absolute
 * offset of the header, so reading a datagram allocates nothing.
 *
 * <pre>
 *  0      7 8     15 16    23 24    31
 * +--------+--------+--------+--------+
 * |     Source      |   Destination   |
 * |      Port       |      Port       |
 * +--------+--------+--------+--------+
 * |     Length      |    Checksum     |
 * +--------+--------+--------+--------+
 * </pre>
 *
 * The length covers header and data (at least 8). The checksum covers the pseudo-header (source
 * and destination address, zero, protocol 17, UDP length), the header and the data; 0 means the
 * sender computed none, so a computed 0 is sent as 0xFFFF (RFC 768: "all ones").
 *
 * <p>Linux: {@code include/uapi/linux/udp.h struct udphdr}.
 */
public final class UdpHeader {
    /** Header length. */
    public static final int LEN = 8;
    public static final int SOURCE = 0;
    public static final int DEST = 2;
    public static final int LENGTH = 4;
    public static final int CHECK = 6;
    /** Linux: {@code CSUM_MANGLED_0}: how a computed checksum of 0 goes on the wire. */
    public static final int CSUM_MANGLED_0 = 0xffff;

    private UdpHeader() {}

    public static int source(SkBuff s, int o) {
        return s.u16(o + SOURCE);
    }

    public static int dest(SkBuff s, int o) {
        return s.u16(o + DEST);
    }

    public static int length(SkBuff s, int o) {
        return s.u16(o + LENGTH);
    }

    public static int check(SkBuff s, int o) {
        return s.u16(o + CHECK);
    }

    /**
     * The checksum over the pseudo-header and {@code len} bytes of datagram at {@code o}, with the
     * checksum field as it is: 0 when a received datagram is intact. Linux:
     * {@code csum_tcpudp_magic()} over {@code csum_partial()}.
     */
    public static int checksum(SkBuff s, int o, int len, int saddr, int daddr) {
        return InetChecksum.fold(InetChecksum.partial(s, o, len,
                InetChecksum.pseudoHeader(saddr, daddr, Ipv4Header.IPPROTO_UDP, len)));
    }

    /**
     * Fills the checksum of the {@code len}-byte datagram at {@code o} (its checksum field is
     * zeroed first); a result of 0 is sent as {@link #CSUM_MANGLED_0}. Linux: {@code udp_send_skb()}.
     */
    public static void fillChecksum(SkBuff s, int o, int len, int saddr, int daddr) {
        s.setU16(o + CHECK, 0);
        int c = checksum(s, o, len, saddr, daddr);
        s.setU16(o + CHECK, c == 0 ? CSUM_MANGLED_0 : c);
    }
}
