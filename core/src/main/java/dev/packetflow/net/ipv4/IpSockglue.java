package dev.packetflow.net.ipv4;

import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.Sock;
import dev.packetflow.net.socket.SockOpts;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * The {@code SOL_IP} socket options of AF_INET sockets ({@code include/uapi/linux/in.h} numbers):
 * Linux's {@code do_ip_setsockopt()} and {@code do_ip_getsockopt()}, shared by UDP and TCP (whose
 * {@code setsockopt} hands every level but {@code SOL_TCP} here, as Linux's {@code tcp_setsockopt()}
 * does through {@code icsk_af_ops}).
 *
 * <ul>
 * <li>{@link #IP_TOS}: the TOS byte of every packet sent; also sets {@code SO_PRIORITY} from the
 *     TOS bits ({@code rt_tos2priority()}), which picks the pfifo_fast band. On a stream socket
 *     the two ECN bits are TCP's, not the user's: the value's ECN bits are replaced by the
 *     socket's current ones ({@code __ip_sock_set_tos()}).
 * <li>{@link #IP_TTL}: 1..255, or -1 for {@code net.ipv4.ip_default_ttl}; read back as the TTL used.
 * <li>{@link #IP_MTU_DISCOVER}: DONT, WANT (default), DO, PROBE, INTERFACE, OMIT.
 * <li>{@link #IP_RECVERR}: every ICMP error is reported to the socket, not only hard errors on a
 *     connected one.
 * <li>{@link #IP_MTU} (get only): the path MTU of a connected socket, ENOTCONN otherwise.
 * <li>{@link #IP_MULTICAST_TTL}, {@link #IP_MULTICAST_LOOP}; {@link #IP_MINTTL} (TCP enforces it).
 * <li>The control-message flags ({@link #IP_PKTINFO}, {@link #IP_RECVTTL}, {@link #IP_RECVTOS},
 *     {@link #IP_RECVOPTS}, {@link #IP_RETOPTS}) and {@link #IP_FREEBIND},
 *     {@link #IP_BIND_ADDRESS_NO_PORT}, {@link #IP_MULTICAST_ALL} are stored and read back;
 *     {@link IpCmsg} delivers the control messages ({@code IP_RECVOPTS}/{@code IP_RETOPTS}: none).
 * </ul>
 * Values are read as Linux reads them: an {@code int} when 4 or more bytes are given, else one
 * unsigned byte, and nothing at all (0) when the length is 0. Other options: ENOPROTOOPT.
 */
public final class IpSockglue {
    public static final int IP_TOS = 1;
    public static final int IP_TTL = 2;
    public static final int IP_HDRINCL = 3;
    public static final int IP_OPTIONS = 4;
    public static final int IP_RECVOPTS = 6;
    public static final int IP_RETOPTS = 7;
    public static final int IP_PKTINFO = 8;
    public static final int IP_MTU_DISCOVER = 10;
    public static final int IP_RECVERR = 11;
    public static final int IP_RECVTTL = 12;
    public static final int IP_RECVTOS = 13;
    public static final int IP_MTU = 14;
    public static final int IP_FREEBIND = 15;
    public static final int IP_MINTTL = 21;
    public static final int IP_BIND_ADDRESS_NO_PORT = 24;
    public static final int IP_MULTICAST_TTL = 33;
    public static final int IP_MULTICAST_LOOP = 34;
    public static final int IP_MULTICAST_ALL = 49;

    public static final int IP_PMTUDISC_DONT = 0;
    public static final int IP_PMTUDISC_WANT = 1;
    public static final int IP_PMTUDISC_DO = 2;
    public static final int IP_PMTUDISC_PROBE = 3;
    public static final int IP_PMTUDISC_INTERFACE = 4;
    public static final int IP_PMTUDISC_OMIT = 5;

    /** Linux: {@code ip_tos2prio[]}: TC_PRIO_* for each of the 16 TOS values (bits 1-4). */
    private static final int[] IP_TOS2PRIO = {0, 0, 0, 0, 2, 2, 2, 2, 6, 6, 6, 6, 4, 4, 4, 4};

    /** Linux: {@code INET_ECN_MASK}, the ECN field of the TOS byte (RFC 3168). */
    public static final int INET_ECN_MASK = 3;

    private static final int CMSG_OPTS = (1 << IP_PKTINFO) | (1 << IP_RECVTTL) | (1 << IP_RECVTOS)
            | (1 << IP_RECVOPTS) | (1 << IP_RETOPTS);

    private IpSockglue() {}

    /** Linux: {@code rt_tos2priority()}: the skb priority the TOS byte implies. */
    public static int rtTos2priority(int tos) {
        return IP_TOS2PRIO[(tos & 0x1e) >> 1];
    }

    /** Linux: {@code do_ip_setsockopt()}. */
    public static int setsockopt(Sock sk, int level, int optname, byte[] optval, int optlen) {
        if (level != SOL_IP) {
            return Errno.ENOPROTOOPT.neg();
        }
        int val = 0;
        if (optlen >= 4) {
            if (optval == null || optval.length < 4) {
                return Errno.EFAULT.neg();
            }
            val = SockOpts.intAt(optval, 0);
        } else if (optlen >= 1) {
            if (optval == null || optval.length < 1) {
                return Errno.EFAULT.neg();
            }
            val = optval[0] & 0xff;
        }
        if (isCmsgOption(optname)) {
            sk.cmsgFlags = val != 0 ? sk.cmsgFlags | (1 << optname) : sk.cmsgFlags & ~(1 << optname);
            return 0;
        }
        switch (optname) {
            case IP_TOS -> ipSockSetTos(sk, val);
            case IP_TTL -> {
                if (optlen < 1) {
                    return Errno.EINVAL.neg();
                }
                if (val != -1 && (val < 1 || val > 255)) {
                    return Errno.EINVAL.neg();
                }
                sk.ucTtl = val;
            }
            case IP_MTU_DISCOVER -> {
                if (val < IP_PMTUDISC_DONT || val > IP_PMTUDISC_OMIT) {
                    return Errno.EINVAL.neg();
                }
                sk.pmtudisc = val;
            }
            case IP_RECVERR -> sk.recverr = val != 0;
            case IP_MINTTL -> {
                if (optlen < 1 || val < 0 || val > 255) {
                    return Errno.EINVAL.neg();
                }
                sk.minTtl = val;
            }
            case IP_MULTICAST_TTL -> {
                if (optlen < 1) {
                    return Errno.EINVAL.neg();
                }
                if (val == -1) {
                    val = 1;
                }
                if (val < 0 || val > 255) {
                    return Errno.EINVAL.neg();
                }
                sk.mcTtl = val;
            }
            case IP_MULTICAST_LOOP -> {
                if (optlen < 1) {
                    return Errno.EINVAL.neg();
                }
                sk.mcLoop = val != 0;
            }
            case IP_MULTICAST_ALL -> {
                if (optlen < 1) {
                    return Errno.EINVAL.neg();
                }
                if (val != 0 && val != 1) {
                    return Errno.EINVAL.neg();
                }
                sk.mcAll = val != 0;
            }
            case IP_FREEBIND -> sk.freebind = val != 0;
            case IP_BIND_ADDRESS_NO_PORT -> sk.bindAddressNoPort = val != 0;
            default -> {
                return Errno.ENOPROTOOPT.neg();
            }
        }
        return 0;
    }

    /**
     * Linux: {@code do_ip_getsockopt()}. {@code pathMtu} is the connected socket's path MTU for
     * {@link #IP_MTU} (0: not connected).
     */
    public static int getsockopt(Sock sk, int level, int optname, byte[] optval, int[] optlen, int defaultTtl,
                          int pathMtu) {
        if (level != SOL_IP) {
            return Errno.ENOPROTOOPT.neg();
        }
        if (optlen == null || optlen.length < 1) {
            return Errno.EFAULT.neg();
        }
        int len = optlen[0];
        if (len < 0) {
            return Errno.EINVAL.neg();
        }
        int val;
        if (isCmsgOption(optname)) {
            val = (sk.cmsgFlags >>> optname) & 1;
        } else {
            switch (optname) {
                case IP_TOS -> val = sk.tos;
                case IP_TTL -> {
                    val = sk.ucTtl;
                    if (val < 0) {
                        val = defaultTtl;
                    }
                }
                case IP_MTU_DISCOVER -> val = sk.pmtudisc;
                case IP_RECVERR -> val = sk.recverr ? 1 : 0;
                case IP_MTU -> {
                    if (pathMtu == 0) {
                        return Errno.ENOTCONN.neg();
                    }
                    val = pathMtu;
                }
                case IP_MINTTL -> val = sk.minTtl;
                case IP_MULTICAST_TTL -> val = sk.mcTtl;
                case IP_MULTICAST_LOOP -> val = sk.mcLoop ? 1 : 0;
                case IP_MULTICAST_ALL -> val = sk.mcAll ? 1 : 0;
                case IP_FREEBIND -> val = sk.freebind ? 1 : 0;
                case IP_BIND_ADDRESS_NO_PORT -> val = sk.bindAddressNoPort ? 1 : 0;
                default -> {
                    return Errno.ENOPROTOOPT.neg();
                }
            }
        }
        if (len < 4 && len > 0 && val >= 0 && val <= 255) {
            if (optval == null || optval.length < 1) {
                return Errno.EFAULT.neg();
            }
            optval[0] = (byte) val;
            optlen[0] = 1;
            return 0;
        }
        len = Math.min(4, len);
        if (len > 0) {
            if (optval == null || optval.length < len) {
                return Errno.EFAULT.neg();
            }
            byte[] b = SockOpts.intOpt(val);
            System.arraycopy(b, 0, optval, 0, len);
        }
        optlen[0] = len;
        return 0;
    }

    /**
     * Linux: {@code __ip_sock_set_tos()}. A stream socket keeps its own ECN bits (RFC 3168 6.1.1:
     * ECT is TCP's to set, once ECN is negotiated), whatever the value asks for.
     */
    static void ipSockSetTos(Sock sk, int val) {
        int old = sk.tos;
        val &= 0xff;
        if (sk.type == SOCK_STREAM) {
            val = (val & ~INET_ECN_MASK) | (old & INET_ECN_MASK);
        }
        if (old != val) {
            sk.tos = val;
            sk.priority = rtTos2priority(val);
        }
    }

    private static boolean isCmsgOption(int optname) {
        return optname >= 0 && optname < 32 && (CMSG_OPTS & (1 << optname)) != 0;
    }
}
