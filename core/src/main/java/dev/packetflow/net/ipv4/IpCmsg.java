package dev.packetflow.net.ipv4;

import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.socket.Datagram;
import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.MsgHdr;
import dev.packetflow.net.socket.Scm;
import dev.packetflow.net.socket.Sock;
import dev.packetflow.net.socket.SockExterr;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * The {@code SOL_IP} control messages of a received datagram and the error queue of an AF_INET
 * socket: what {@code IP_PKTINFO}, {@code IP_RECVTTL}, {@code IP_RECVTOS} and {@code IP_RECVERR}
 * deliver through {@code msg_control}.
 *
 * <ul>
 * <li>{@code IP_PKTINFO}: a {@code struct in_pktinfo} (12 bytes: {@code ipi_ifindex} in host
 *     order, {@code ipi_spec_dst} and {@code ipi_addr} in network order): the arrival device, the
 *     local address a reply would come from, and the datagram's destination address.
 * <li>{@code IP_RECVTTL}: an {@code IP_TTL} message, the TTL as an {@code int}.
 * <li>{@code IP_RECVTOS}: an {@code IP_TOS} message, the TOS byte (1 byte of data).
 * <li>The error queue ({@code recvmsg(MSG_ERRQUEUE)}, with {@code IP_RECVERR}): the quoted
 *     payload of the datagram an ICMP error was about, msg_name its destination, and an
 *     {@code IP_RECVERR} message: {@code struct sock_extended_err} followed by the
 *     {@code sockaddr_in} of the host that sent the ICMP error ({@code SO_EE_OFFENDER}); or, for
 *     a datagram too long to send, a local report (no payload, no offender, the MTU in
 *     {@code ee_info}).
 * </ul>
 * {@code IP_RECVOPTS} and {@code IP_RETOPTS} are accepted but give nothing: received IP options
 * are not kept (Linux also gives nothing for a datagram without options).
 *
 * <p>Linux: {@code net/ipv4/ip_sockglue.c}.
 */
final class IpCmsg {
    private static final int IP_CMSG_PKTINFO = 1 << IpSockglue.IP_PKTINFO;
    private static final int IP_CMSG_TTL = 1 << IpSockglue.IP_RECVTTL;
    private static final int IP_CMSG_TOS = 1 << IpSockglue.IP_RECVTOS;
    /** {@code sizeof(struct in_pktinfo)}. */
    static final int IN_PKTINFO_LEN = 12;

    private IpCmsg() {}

    /**
     * Linux: {@code ipv4_pktinfo_prepare()}, when a datagram is queued: records in the control
     * block ({@code cb0} the arrival ifindex, {@code cb1} the specific destination) what
     * {@code IP_PKTINFO} reports once the route is gone. Zeros unless the socket asked for it.
     */
    static void pktinfoPrepare(UdpSock sk, SkBuff skb, Ipv4 ipv4) {
        Rtable rt = (Rtable) skb.dst;
        if ((sk.cmsgFlags & IP_CMSG_PKTINFO) != 0 && rt != null) {
            skb.cb0 = skb.dev != null ? skb.dev.ifindex() : 0;
            skb.cb1 = fibComputeSpecDst(skb, rt, ipv4);
        } else {
            skb.cb0 = 0;
            skb.cb1 = 0;
        }
    }

    /**
     * Linux: {@code net/ipv4/fib_frontend.c fib_compute_spec_dst()}: a unicast datagram's own
     * destination; for broadcast and multicast, the address of the arrival device a reply to the
     * sender would use (Linux takes the preferred source of the route back; here the device's
     * address on the sender's subnet, else its primary one).
     */
    private static int fibComputeSpecDst(SkBuff skb, Rtable rt, Ipv4 ipv4) {
        int nh = skb.networkHeader;
        if ((rt.flags & (Rtable.RTCF_BROADCAST | Rtable.RTCF_MULTICAST | Rtable.RTCF_LOCAL)) == Rtable.RTCF_LOCAL) {
            return Ipv4Header.destinationAddress(skb, nh);
        }
        return skb.dev != null ? ipv4.selectAddress(skb.dev, Ipv4Header.sourceAddress(skb, nh)) : 0;
    }

    /**
     * Linux: {@code ip_cmsg_recv_offset()}: the messages the socket's flags ask for, in Linux's
     * order (PKTINFO, TTL, TOS), from the IP header at {@code skb.networkHeader}; {@code ifindex}
     * and {@code specDst} are the {@code in_pktinfo} fields recorded at queueing.
     */
    static void cmsgRecv(int flags, MsgHdr msg, SkBuff skb, int ifindex, int specDst) {
        int nh = skb.networkHeader;
        byte[] d = Scm.data(msg);
        if ((flags & IP_CMSG_PKTINFO) != 0) {
            Scm.putLe32(d, 0, ifindex);
            Scm.putBe32(d, 4, specDst);
            Scm.putBe32(d, 8, Ipv4Header.destinationAddress(skb, nh));
            Scm.putCmsg(msg, SOL_IP, IpSockglue.IP_PKTINFO, IN_PKTINFO_LEN);
        }
        if ((flags & IP_CMSG_TTL) != 0) {
            Scm.putCmsgInt(msg, SOL_IP, IpSockglue.IP_TTL, skb.u8(nh + Ipv4Header.TTL));
        }
        if ((flags & IP_CMSG_TOS) != 0) {
            d[0] = (byte) Ipv4Header.tos(skb, nh);
            Scm.putCmsg(msg, SOL_IP, IpSockglue.IP_TOS, 1);
        }
    }

    /**
     * Linux: {@code ip_icmp_error()}. Queues a report of an ICMP error on {@code sk}'s error
     * queue: a clone of the ICMP packet {@code skb} ({@code networkHeader} its IP header,
     * {@code transportHeader} its ICMP header) cut to the quoted payload, which starts at absolute
     * offset {@code payload}; {@code daddr}/{@code port} are the offending datagram's destination.
     * Dropped (silently, as Linux does) when the receive buffer is full.
     */
    static void ipIcmpError(Sock sk, SkBuff skb, int err, int daddr, int port, int info, int payload) {
        SkBuff c = skb.cloneSkb();
        if (c == null) {
            return;
        }
        int th = c.transportHeader;
        SockExterr.set(c, err, SockExterr.SO_EE_ORIGIN_ICMP, IcmpHeader.type(c, th), IcmpHeader.code(c, th), info, 0);
        SockExterr.setAddr(c, daddr, port, c.dev != null ? c.dev.ifindex() : 0);
        c.pull(Math.min(payload - c.data, c.len()));
        c.resetTransportHeader();
        c.dst = null;
        c.journey = 0; // a report, not the ICMP packet's continuation: its journey ends with the original
        if (sk.sockQueueErrSkb(c) != 0) {
            Skb.kfreeSkb(sk.net, c, DropReason.SOCKET_RCVBUFF);
        }
    }

    /**
     * Linux: {@code ip_local_error()}: with {@code IP_RECVERR}, a report of an error found while
     * sending (EMSGSIZE from {@code __ip_append_data}): origin {@code SO_EE_ORIGIN_LOCAL}, no
     * payload, {@code info} the MTU; msg_name {@code daddr} and {@code port} (Linux passes the
     * socket's own peer port, 0 when unconnected). Does not touch the pending error.
     */
    static void ipLocalError(UdpSock sk, int err, int daddr, int port, int info) {
        if (!sk.recverr) {
            return;
        }
        SkBuff skb = sk.net.pool().alloc(Ipv4Header.MIN_LEN);
        if (skb == null) {
            return;
        }
        skb.resetNetworkHeader();
        skb.resetTransportHeader();
        SockExterr.set(skb, err, SockExterr.SO_EE_ORIGIN_LOCAL, 0, 0, info, 0);
        SockExterr.setAddr(skb, daddr, port, 0);
        if (sk.sockQueueErrSkb(skb) != 0) {
            Skb.kfreeSkb(sk.net, skb, DropReason.SOCKET_RCVBUFF);
        }
    }

    /**
     * Linux: {@code ip_recv_error()}: {@code recvmsg(MSG_ERRQUEUE)}. Returns the bytes of the
     * oldest report's payload copied (MSG_TRUNC when cut, MSG_ERRQUEUE always), with msg_name the
     * offending datagram's destination and an {@code IP_RECVERR} control message; EAGAIN when the
     * queue is empty.
     */
    static int ipRecvError(UdpSock sk, MsgHdr msg, int len) {
        SkBuff skb = sk.sockDequeueErrSkb();
        if (skb == null) {
            return Errno.EAGAIN.neg();
        }
        int copied = skb.len();
        if (copied > len) {
            msg.flags |= MSG_TRUNC;
            copied = len;
        }
        int e = Datagram.skbCopyDatagramMsg(skb, 0, msg, copied);
        if (e != 0) {
            Skb.kfreeSkb(sk.net, skb, DropReason.NOT_SPECIFIED);
            return e;
        }
        Scm.sockRecvTimestamp(msg, sk, skb);
        int origin = SockExterr.origin(skb);
        boolean icmp = origin == SockExterr.SO_EE_ORIGIN_ICMP;
        // ipv4_datagram_support_addr()
        if (icmp || origin == SockExterr.SO_EE_ORIGIN_LOCAL || SockExterr.port(skb) != 0) {
            msg.setName(SockExterr.addr(skb), SockExterr.port(skb));
        }
        // ipv4_datagram_support_cmsg(): for an ICMP report, the ICMP packet's own header
        int offender = 0;
        if (icmp) {
            offender = Ipv4Header.sourceAddress(skb, skb.networkHeader);
            int cf = sk.cmsgFlags;
            if (cf != 0) {
                cmsgRecv(cf, msg, skb, SockExterr.ifindex(skb), 0);
            }
        }
        byte[] d = Scm.data(msg);
        Scm.putLe32(d, 0, SockExterr.errno(skb));
        d[4] = (byte) origin;
        d[5] = (byte) SockExterr.type(skb);
        d[6] = (byte) SockExterr.code(skb);
        d[7] = (byte) SockExterr.pad(skb);
        Scm.putLe32(d, 8, SockExterr.info(skb));
        Scm.putLe32(d, 12, SockExterr.data(skb));
        Scm.putSockaddrIn(d, SockExterr.SOCK_EXTENDED_ERR_LEN, icmp ? AF_INET : 0, offender, 0);
        Scm.putCmsg(msg, SOL_IP, IpSockglue.IP_RECVERR, SockExterr.SOCK_EXTENDED_ERR_LEN + 16);
        msg.flags |= MSG_ERRQUEUE;
        Skb.consumeSkb(skb);
        return copied;
    }
}
