package dev.packetflow.net.ipv4;

import dev.packetflow.net.core.SkBuff;

/**
 * A view of an ICMP header inside an {@link SkBuff}. RFC 792: every message starts with the same
 * four bytes; the next four depend on the type.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |     Code      |          Checksum             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  echo: Identifier             |  echo: Sequence Number        |
 * |  redirect: Gateway Internet Address                           |
 * |  frag needed: unused          |  Next-Hop MTU (RFC 1191)      |
 * |  parameter problem: Pointer   |  unused                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  echo: data ... / errors: Internet Header + 64 bits of Data  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * The checksum covers the whole ICMP message (RFC 1071). As with {@link Ipv4Header}, the packet
 * path uses the static accessors; tests {@link #wrap} an instance.
 *
 * <p>Linux: {@code include/uapi/linux/icmp.h struct icmphdr}.
 */
public final class IcmpHeader {
    public static final int LEN = 8;

    // types (RFC 792, RFC 950 for address masks), Linux's ICMP_*
    public static final int ICMP_ECHOREPLY = 0;
    public static final int ICMP_DEST_UNREACH = 3;
    public static final int ICMP_SOURCE_QUENCH = 4;
    public static final int ICMP_REDIRECT = 5;
    public static final int ICMP_ECHO = 8;
    public static final int ICMP_TIME_EXCEEDED = 11;
    public static final int ICMP_PARAMETERPROB = 12;
    public static final int ICMP_TIMESTAMP = 13;
    public static final int ICMP_TIMESTAMPREPLY = 14;
    public static final int ICMP_INFO_REQUEST = 15;
    public static final int ICMP_INFO_REPLY = 16;
    public static final int ICMP_ADDRESS = 17;
    public static final int ICMP_ADDRESSREPLY = 18;
    /** Linux: {@code NR_ICMP_TYPES}, the highest type it knows. */
    public static final int NR_ICMP_TYPES = 18;

    // destination unreachable codes
    public static final int ICMP_NET_UNREACH = 0;
    public static final int ICMP_HOST_UNREACH = 1;
    public static final int ICMP_PROT_UNREACH = 2;
    public static final int ICMP_PORT_UNREACH = 3;
    public static final int ICMP_FRAG_NEEDED = 4;
    public static final int ICMP_SR_FAILED = 5;
    public static final int ICMP_PKT_FILTERED = 13;
    /** Linux: {@code NR_ICMP_UNREACH}. */
    public static final int NR_ICMP_UNREACH = 15;

    // redirect codes
    public static final int ICMP_REDIR_NET = 0;
    public static final int ICMP_REDIR_HOST = 1;

    // time exceeded codes
    public static final int ICMP_EXC_TTL = 0;
    public static final int ICMP_EXC_FRAGTIME = 1;

    public static final int TYPE = 0;
    public static final int CODE = 1;
    public static final int CHECKSUM = 2;
    public static final int REST = 4;

    private SkBuff skb;
    private int off;

    public IcmpHeader wrap(SkBuff skb, int off) {
        this.skb = skb;
        this.off = off;
        return this;
    }

    /** Linux: the {@code icmp_pointers[type].error} flag: whether a type is an error message. */
    public static boolean isError(int type) {
        return type == ICMP_DEST_UNREACH || type == ICMP_SOURCE_QUENCH || type == ICMP_REDIRECT
                || type == ICMP_TIME_EXCEEDED || type == ICMP_PARAMETERPROB;
    }

    public static int type(SkBuff s, int o) {
        return s.u8(o + TYPE);
    }

    public static int code(SkBuff s, int o) {
        return s.u8(o + CODE);
    }

    public static int checksum(SkBuff s, int o) {
        return s.u16(o + CHECKSUM);
    }

    /** The second word as one number (Linux: {@code icmph->un.gateway}). */
    public static int rest(SkBuff s, int o) {
        return s.u32(o + REST);
    }

    public static int identifier(SkBuff s, int o) {
        return s.u16(o + REST);
    }

    public static int sequence(SkBuff s, int o) {
        return s.u16(o + REST + 2);
    }

    /** RFC 1191: the next-hop MTU of a "fragmentation needed and DF set" message. */
    public static int nextHopMtu(SkBuff s, int o) {
        return s.u16(o + REST + 2);
    }

    /** Writes the checksum over {@code len} bytes of message at {@code o}. */
    public static void fillChecksum(SkBuff s, int o, int len) {
        s.setU16(o + CHECKSUM, 0);
        s.setU16(o + CHECKSUM, InetChecksum.compute(s, o, len));
    }

    public int type() {
        return type(skb, off);
    }

    public int code() {
        return code(skb, off);
    }

    public int checksum() {
        return checksum(skb, off);
    }

    public int identifier() {
        return identifier(skb, off);
    }

    public int sequence() {
        return sequence(skb, off);
    }

    public int nextHopMtu() {
        return nextHopMtu(skb, off);
    }

    public int gateway() {
        return rest(skb, off);
    }

    public int pointer() {
        return skb.u8(off + REST);
    }
}
