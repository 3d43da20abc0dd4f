package dev.packetflow.net.socket;

import dev.packetflow.net.core.SkBuff;

/**
 * The control block of an skb on a socket's error queue: Linux's {@code struct sock_exterr_skb}
 * ({@code include/linux/errqueue.h}), whose {@code struct sock_extended_err}
 * ({@code include/uapi/linux/errqueue.h}) {@code recvmsg(MSG_ERRQUEUE)} hands to the application.
 *
 * <pre>
 *   cb0   ee_errno
 *   cb1   ee_origin | ee_type &lt;&lt; 8 | ee_code &lt;&lt; 16 | ee_pad &lt;&lt; 24
 *   cb2   ee_info     (ICMP "fragmentation needed": the next-hop MTU)
 *   cb3   ee_data
 *   cbl0  the original destination address (low 32 bits) and port (bits 32-47), Linux's
 *         addr_offset and port: what msg_name reports
 *   cbl1  ifindex of the device the report arrived on (IP_PKTINFO of the report)
 * </pre>
 */
public final class SockExterr {
    public static final int SO_EE_ORIGIN_NONE = 0;
    public static final int SO_EE_ORIGIN_LOCAL = 1;
    public static final int SO_EE_ORIGIN_ICMP = 2;
    public static final int SO_EE_ORIGIN_ICMP6 = 3;
    /** {@code sizeof(struct sock_extended_err)}. */
    public static final int SOCK_EXTENDED_ERR_LEN = 16;

    private SockExterr() {}

    /** Fills the extended error of {@code skb} (Linux: the {@code serr->ee} assignments). */
    public static void set(SkBuff skb, int errno, int origin, int type, int code, int info, int data) {
        skb.cb0 = errno;
        skb.cb1 = (origin & 0xff) | (type & 0xff) << 8 | (code & 0xff) << 16;
        skb.cb2 = info;
        skb.cb3 = data;
    }

    /** Records the offending datagram's destination (Linux: {@code serr->addr_offset}, {@code serr->port}). */
    public static void setAddr(SkBuff skb, int addr, int port, int ifindex) {
        skb.cbl0 = (addr & 0xffffffffL) | (long) (port & 0xffff) << 32;
        skb.cbl1 = ifindex;
    }

    public static int errno(SkBuff skb) {
        return skb.cb0;
    }

    public static int origin(SkBuff skb) {
        return skb.cb1 & 0xff;
    }

    public static int type(SkBuff skb) {
        return (skb.cb1 >>> 8) & 0xff;
    }

    public static int code(SkBuff skb) {
        return (skb.cb1 >>> 16) & 0xff;
    }

    public static int pad(SkBuff skb) {
        return skb.cb1 >>> 24;
    }

    public static int info(SkBuff skb) {
        return skb.cb2;
    }

    public static int data(SkBuff skb) {
        return skb.cb3;
    }

    public static int addr(SkBuff skb) {
        return (int) skb.cbl0;
    }

    public static int port(SkBuff skb) {
        return (int) (skb.cbl0 >>> 32) & 0xffff;
    }

    public static int ifindex(SkBuff skb) {
        return (int) skb.cbl1;
    }

    /** Linux: {@code is_icmp_err_skb()}. */
    public static boolean isIcmpErrSkb(SkBuff skb) {
        int o = origin(skb);
        return o == SO_EE_ORIGIN_ICMP || o == SO_EE_ORIGIN_ICMP6;
    }
}
