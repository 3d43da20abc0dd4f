package dev.packetflow.net.ipv4;

import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.MsgHdr;
import dev.packetflow.net.socket.Scm;
import dev.packetflow.net.socket.Sock;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * What the control messages of one UDP send change for that datagram (Linux's
 * {@code struct ipcm_cookie}), and their reading ({@code ip_cmsg_send()}), done only when the
 * call has a control buffer: a send without one reads the socket's values directly.
 *
 * <p>{@code SOL_IP} messages:
 * <ul>
 * <li>{@code IP_PKTINFO}, a {@code struct in_pktinfo} ({@code cmsg_len} exactly
 *     {@code CMSG_LEN(12)}): {@code ipi_spec_dst} becomes the source address the route is looked
 *     up with, in place of the bound one (0 lets the route choose, even on a socket bound to an
 *     address, as in Linux); a non-zero {@code ipi_ifindex} the output interface, in place of
 *     {@code SO_BINDTODEVICE}'s. {@code ipi_addr} is ignored. A source that is not local fails
 *     the route lookup with EINVAL, an unknown interface with ENODEV ({@link Route#ipRouteOutput}).
 * <li>{@code IP_TTL}, an {@code int} 1..255 (exactly {@code CMSG_LEN(4)}): the TTL, unicast or
 *     multicast.
 * <li>{@code IP_TOS}, an {@code int} or a single byte, 0..255: the TOS byte (route key and
 *     header), and the skb priority it implies ({@code rt_tos2priority()}).
 * <li>{@code IP_PROTOCOL}, an {@code int} 1..255: checked, then unused, as Linux uses it for raw
 *     sockets only.
 * <li>{@code IP_RETOPTS}: without data accepted (no options); with data EINVAL, where Linux
 *     would check the options and send them: IP options are not sent here.
 * <li>Any other type: EINVAL.
 * </ul>
 *
 * <p>{@code SOL_SOCKET} messages ({@code __sock_cmsg_send()}): {@code SO_MARK} (EPERM when the
 * stack is not privileged; a {@code __u32}) sets the skb mark, {@code SO_PRIORITY} (a {@code __u32};
 * above 6 EPERM unless privileged, Linux 6.13) the skb priority; {@code SO_TIMESTAMPING} (old and
 * new) is checked ({@code __u32}, only the TX record flags) and ignored, as no transmit
 * timestamps are taken here; {@code SCM_RIGHTS} and {@code SCM_CREDENTIALS} are ignored as Linux
 * ignores them on an inet socket; {@code SCM_TXTIME} and {@code SCM_TS_OPT_ID} are EINVAL, which
 * is Linux's answer for a socket without {@code SO_TXTIME} or {@code SOF_TIMESTAMPING_OPT_ID}
 * (neither exists here); other types EINVAL. Other levels are skipped.
 *
 * <p>One instance per thread, reused: reading the messages allocates nothing.
 *
 * <p>Linux: {@code include/net/ip.h struct ipcm_cookie, ipcm_init_sk()};
 * {@code net/ipv4/ip_sockglue.c ip_cmsg_send()}; {@code net/core/sock.c __sock_cmsg_send()}.
 */
final class IpCmsgSend {
    /** {@code IP_PROTOCOL}: on a send, the protocol of a raw socket's packet. */
    static final int IP_PROTOCOL = 52;
    static final int SO_TIMESTAMPING_OLD = 37;
    static final int SO_TIMESTAMPING_NEW = 65;
    static final int SCM_TXTIME = 61;
    static final int SCM_TS_OPT_ID = 81;
    static final int SCM_RIGHTS = 1;
    static final int SCM_CREDENTIALS = 2;
    /**
     * Linux: {@code SOF_TIMESTAMPING_TX_RECORD_MASK}: {@code TX_HARDWARE | TX_SOFTWARE | TX_SCHED |
     * TX_ACK}, the flags a send may ask for.
     */
    static final int SOF_TIMESTAMPING_TX_RECORD_MASK = 1 | 1 << 1 | 1 << 8 | 1 << 9;
    private static final int IN_PKTINFO_LEN = 12;

    private static final ThreadLocal<IpCmsgSend> SCRATCH = ThreadLocal.withInitial(IpCmsgSend::new);

    /** Source address for the route lookup; 0 to let it choose. */
    int addr;
    /** Output interface index; 0 for any. */
    int oif;
    /** TTL; 0 for the socket's ({@code IP_TTL} / {@code IP_MULTICAST_TTL}). */
    int ttl;
    int tos;
    int priority;
    int mark;
    /** Linux: {@code ipc.gso_size}: {@code UDP_SEGMENT} for this send ({@link UdpCmsg}). */
    int gsoSize;

    private IpCmsgSend() {}

    /**
     * Linux: {@code ipcm_init_sk()}: the calling thread's cookie, holding {@code sk}'s values and
     * segment size {@code gso}.
     */
    static IpCmsgSend init(Sock sk, int gso) {
        IpCmsgSend c = SCRATCH.get();
        c.addr = sk.saddr;
        c.oif = sk.boundDevIf;
        c.ttl = 0;
        c.tos = sk.tos;
        c.priority = sk.priority;
        c.mark = sk.mark;
        c.gsoSize = gso;
        return c;
    }

    /**
     * Linux: {@code udp_sendmsg()}'s {@code if (msg->msg_controllen)} part: {@code udp_cmsg_send()}
     * over all messages, then, if one was of another level, {@code ip_cmsg_send()}. Returns 0 or
     * -errno (the first error in that order); on error the cookie is to be discarded.
     */
    int udpSend(Sock sk, MsgHdr msg) {
        int e = UdpCmsg.udpCmsgSend(msg, this);
        return e > 0 ? ipCmsgSend(sk, msg) : e;
    }

    /** Linux: {@code ip_cmsg_send()}, without IPv6's {@code IPV6_PKTINFO} (no AF_INET6 sockets here). */
    int ipCmsgSend(Sock sk, MsgHdr msg) {
        byte[] b = msg.control;
        for (int c = Scm.firstCmsg(msg); c >= 0; c = Scm.nextCmsg(msg, c)) {
            if (!Scm.cmsgOk(msg, c)) {
                return Errno.EINVAL.neg();
            }
            int level = Scm.cmsgLevel(msg, c);
            if (level == SOL_SOCKET) {
                int e = sockCmsgSend(sk, msg, c);
                if (e != 0) {
                    return e;
                }
                continue;
            }
            if (level != SOL_IP) {
                continue;
            }
            long len = Scm.cmsgLenAt(msg, c);
            int d = c + Scm.CMSG_HDR_LEN;
            int val;
            switch (Scm.cmsgType(msg, c)) {
                case IpSockglue.IP_RETOPTS:
                    if (len != Scm.CMSG_HDR_LEN) {
                        return Errno.EINVAL.neg(); // options are not sent here; see the class comment
                    }
                    break;
                case IpSockglue.IP_PKTINFO:
                    if (len != Scm.cmsgLen(IN_PKTINFO_LEN)) {
                        return Errno.EINVAL.neg();
                    }
                    int ifindex = le32(b, d);
                    if (ifindex != 0) {
                        oif = ifindex;
                    }
                    addr = be32(b, d + 4);
                    break;
                case IpSockglue.IP_TTL:
                    if (len != Scm.cmsgLen(4)) {
                        return Errno.EINVAL.neg();
                    }
                    val = le32(b, d);
                    if (val < 1 || val > 255) {
                        return Errno.EINVAL.neg();
                    }
                    ttl = val;
                    break;
                case IpSockglue.IP_TOS:
                    if (len == Scm.cmsgLen(4)) {
                        val = le32(b, d);
                    } else if (len == Scm.cmsgLen(1)) {
                        val = b[d] & 0xff;
                    } else {
                        return Errno.EINVAL.neg();
                    }
                    if (val < 0 || val > 255) {
                        return Errno.EINVAL.neg();
                    }
                    tos = val;
                    priority = IpSockglue.rtTos2priority(val);
                    break;
                case IP_PROTOCOL:
                    if (len != Scm.cmsgLen(4)) {
                        return Errno.EINVAL.neg();
                    }
                    val = le32(b, d);
                    if (val < 1 || val > 255) {
                        return Errno.EINVAL.neg();
                    }
                    break;
                default:
                    return Errno.EINVAL.neg();
            }
        }
        return 0;
    }

    /** Linux: {@code net/core/sock.c __sock_cmsg_send()}: one {@code SOL_SOCKET} message; 0 or -errno. */
    private int sockCmsgSend(Sock sk, MsgHdr msg, int c) {
        boolean u32 = Scm.cmsgLenAt(msg, c) == Scm.cmsgLen(4);
        int val = u32 ? le32(msg.control, c + Scm.CMSG_HDR_LEN) : 0;
        switch (Scm.cmsgType(msg, c)) {
            case SO_MARK:
                if (!sk.net.sockets().privileged()) {
                    return Errno.EPERM.neg();
                }
                if (!u32) {
                    return Errno.EINVAL.neg();
                }
                mark = val;
                return 0;
            case SO_PRIORITY:
                if (!u32) {
                    return Errno.EINVAL.neg();
                }
                // Linux: sk_set_prio_allowed(), the value read as a __u32
                if ((val < 0 || val > 6) && !sk.net.sockets().privileged()) {
                    return Errno.EPERM.neg();
                }
                priority = val;
                return 0;
            case SO_TIMESTAMPING_OLD:
            case SO_TIMESTAMPING_NEW:
                return u32 && (val & ~SOF_TIMESTAMPING_TX_RECORD_MASK) == 0 ? 0 : Errno.EINVAL.neg();
            case SCM_RIGHTS:
            case SCM_CREDENTIALS:
                return 0;
            default: // SCM_TXTIME, SCM_TS_OPT_ID and unknown types
                return Errno.EINVAL.neg();
        }
    }

    private static int le32(byte[] b, int o) {
        return (b[o] & 0xff) | (b[o + 1] & 0xff) << 8 | (b[o + 2] & 0xff) << 16 | (b[o + 3] & 0xff) << 24;
    }

    private static int be32(byte[] b, int o) {
        return (b[o] & 0xff) << 24 | (b[o + 1] & 0xff) << 16 | (b[o + 2] & 0xff) << 8 | (b[o + 3] & 0xff);
    }
}
