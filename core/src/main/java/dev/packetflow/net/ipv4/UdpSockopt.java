package dev.packetflow.net.ipv4;

import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.SockOpts;

/**
 * The {@code SOL_UDP} socket options: {@link Udp#UDP_CORK}, {@link Udp#UDP_SEGMENT} and
 * {@link Udp#UDP_GRO}. The
 * {@code SOL_IP} ones a UDP socket also takes are {@link IpSockglue}'s.
 *
 * <p>Linux: {@code net/ipv4/udp.c udp_lib_setsockopt()}, {@code udp_lib_getsockopt()}.
 */
final class UdpSockopt {
    private UdpSockopt() {}

    /**
     * Linux: {@code udp_lib_setsockopt()}: {@code UDP_CORK} (clearing it sends the pending
     * datagram), {@code UDP_SEGMENT} (0 to 65535, else EINVAL) and {@code UDP_GRO} (any non-zero
     * value turns it on: Linux sets {@code GRO_ENABLED} and {@code ACCEPT_L4} together, so that a
     * super-packet is no longer cut at this socket); EINVAL for an option shorter
     * than an int, EFAULT for a missing buffer, ENOPROTOOPT for any other option.
     */
    static int setsockopt(Udp udp, UdpSock u, int optname, byte[] optval, int optlen) {
        if (optlen < 4) {
            return Errno.EINVAL.neg();
        }
        if (optval == null || optval.length < 4) {
            return Errno.EFAULT.neg();
        }
        if (optname == Udp.UDP_SEGMENT) {
            int v = SockOpts.intAt(optval, 0);
            if (v < 0 || v > 0xffff) {
                return Errno.EINVAL.neg();
            }
            u.gsoSize = v;
            return 0;
        }
        if (optname == Udp.UDP_GRO) {
            u.groEnabled = SockOpts.intAt(optval, 0) != 0;
            return 0;
        }
        if (optname != Udp.UDP_CORK) {
            return Errno.ENOPROTOOPT.neg();
        }
        if (SockOpts.intAt(optval, 0) != 0) {
            u.corkflag = true;
            return 0;
        }
        u.corkflag = false;
        u.lockSock();
        try {
            return u.cork.push(udp, u);
        } finally {
            u.releaseSock();
        }
    }

    /**
     * Linux: {@code udp_lib_getsockopt()}: the value as an int, cut to the caller's length
     * (Linux's {@code min(len, sizeof(int))}); EINVAL for a negative length, EFAULT for a missing
     * buffer, ENOPROTOOPT for any other option.
     */
    static int getsockopt(UdpSock u, int optname, byte[] optval, int[] optlen) {
        if (optlen == null || optlen.length < 1) {
            return Errno.EFAULT.neg();
        }
        int len = optlen[0];
        if (len < 0) {
            return Errno.EINVAL.neg();
        }
        if (optname != Udp.UDP_CORK && optname != Udp.UDP_SEGMENT && optname != Udp.UDP_GRO) {
            return Errno.ENOPROTOOPT.neg();
        }
        len = Math.min(len, 4);
        if (len > 0 && (optval == null || optval.length < len)) {
            return Errno.EFAULT.neg();
        }
        int val = switch (optname) {
            case Udp.UDP_SEGMENT -> u.gsoSize;
            case Udp.UDP_GRO -> u.groEnabled ? 1 : 0;
            default -> u.corkflag ? 1 : 0;
        };
        byte[] v = SockOpts.intOpt(val);
        if (len > 0) {
            System.arraycopy(v, 0, optval, 0, len);
        }
        optlen[0] = len;
        return 0;
    }
}
