package dev.packetflow.net.ipv4;

import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.MsgHdr;
import dev.packetflow.net.socket.Scm;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * The {@code SOL_UDP} control messages.
 *
 * <ul>
 * <li>On a send, {@code UDP_SEGMENT} ({@link Udp#UDP_SEGMENT}, a {@code __u16} in host order,
 *     {@code cmsg_len} exactly {@code CMSG_LEN(2)}): the segment size of this call only, in place
 *     of the socket's {@code UDP_SEGMENT} option (0 sends one plain datagram even when the option
 *     is set). Any other {@code SOL_UDP} type, a wrong length or a malformed message (not
 *     {@code CMSG_OK}) is EINVAL; the last {@code UDP_SEGMENT} message wins. These checks
 *     come first, over all the messages; then {@link IpCmsgSend} reads those of other levels.
 * <li>On a receive with {@code UDP_GRO} ({@link Udp#UDP_GRO}) on, a {@code UDP_GRO} message (an
 *     {@code int}, host order) with the segment size of a super-packet returned whole, after the
 *     timestamp and before the {@code SOL_IP} messages, as Linux orders them.
 * </ul>
 *
 * <p>Linux: {@code net/ipv4/udp.c udp_cmsg_send()}, {@code __udp_cmsg_send()};
 * {@code include/net/udp.h udp_cmsg_recv()}.
 */
final class UdpCmsg {
    private UdpCmsg() {}

    /**
     * Linux: {@code udp_cmsg_send()} (called only when {@code msg_controllen} is not 0): sets
     * {@code ipc.gsoSize} from a {@code UDP_SEGMENT} message. Returns 1 when a message of another
     * level is there for {@link IpCmsgSend#ipCmsgSend} ({@code need_ip}), 0 when not, or -errno:
     * EINVAL as the class comment says, ENOBUFS/EFAULT for an unreadable buffer
     * ({@link Scm#sendControlCheck}). Messages of other levels are only checked ({@code CMSG_OK}).
     */
    static int udpCmsgSend(MsgHdr msg, IpCmsgSend ipc) {
        int e = Scm.sendControlCheck(msg);
        if (e != 0) {
            return e;
        }
        int needIp = 0;
        for (int c = Scm.firstCmsg(msg); c >= 0; c = Scm.nextCmsg(msg, c)) {
            if (!Scm.cmsgOk(msg, c)) {
                return Errno.EINVAL.neg();
            }
            if (Scm.cmsgLevel(msg, c) != SOL_UDP) {
                needIp = 1;
                continue;
            }
            // __udp_cmsg_send()
            if (Scm.cmsgType(msg, c) != Udp.UDP_SEGMENT || Scm.cmsgLenAt(msg, c) != Scm.cmsgLen(2)) {
                return Errno.EINVAL.neg();
            }
            ipc.gsoSize = Scm.getLe16(msg.control, c + Scm.CMSG_HDR_LEN);
        }
        return needIp;
    }

    /**
     * Linux: {@code udp_recvmsg()}'s {@code if (GRO_ENABLED) udp_cmsg_recv()}: for a socket with
     * {@code UDP_GRO} on, a {@code UDP_GRO} message with the segment size of {@code skb} when it
     * is a UDP GSO super-packet taken whole; nothing for a plain datagram.
     */
    static void groRecv(UdpSock sk, MsgHdr msg, SkBuff skb) {
        if (sk.groEnabled && (skb.gsoType & SkBuff.SKB_GSO_UDP_L4) != 0) {
            Scm.putCmsgInt(msg, SOL_UDP, Udp.UDP_GRO, skb.gsoSize);
        }
    }
}
