package dev.packetflow.net.ipv4;

import static dev.packetflow.net.ipv4.UdpNet.A;
import static dev.packetflow.net.ipv4.UdpNet.B;
import static dev.packetflow.net.ipv4.UdpNet.bound;
import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.PollFd;
import dev.packetflow.net.socket.SockAddrIn;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The errors a UDP application meets, with Linux's errno for each, and the rule that a call that
 * fails changes nothing: counters, tables, descriptors, socket addresses and buffers are compared
 * before and after.
 */
class UdpErrnoTest {
    final UdpNet n = new UdpNet();

    @AfterEach
    void close() {
        n.close();
    }

    private static byte[] bytes(int len) {
        return new byte[len];
    }

    @Test
    void bind_portTakenOnSameOrWildcardAddress_eaddrinuse_unchanged() {
        bound(n.sb, B, 5000);
        int fd = n.sb.socket(AF_INET, SOCK_DGRAM, 0);
        String before = n.state();
        assertThat(n.sb.bind(fd, new SockAddrIn(B, 5000))).isEqualTo(Errno.EADDRINUSE.neg());
        assertThat(n.sb.bind(fd, new SockAddrIn(INADDR_ANY, 5000))).isEqualTo(Errno.EADDRINUSE.neg());
        assertThat(n.state()).isEqualTo(before);
        SockAddrIn[] name = new SockAddrIn[1];
        assertThat(n.sb.getsockname(fd, name)).isZero();
        assertThat(name[0]).isEqualTo(new SockAddrIn(0, 0)); // still unbound
        assertThat(n.sb.bind(fd, new SockAddrIn(B, 5001))).isZero();
    }

    @Test
    void bind_addressNotOurs_eaddrnotavail_unchanged() {
        int fd = n.sb.socket(AF_INET, SOCK_DGRAM, 0);
        String before = n.state();
        assertThat(n.sb.bind(fd, SockAddrIn.of("198.18.0.77", 5000))).isEqualTo(Errno.EADDRNOTAVAIL.neg());
        assertThat(n.sb.bind(fd, new SockAddrIn(A, 5000))).isEqualTo(Errno.EADDRNOTAVAIL.neg()); // the peer's
        assertThat(n.state()).isEqualTo(before);
    }

    @Test
    void einval_bindTwice_sendToPortZero_badTtl_badShutdown_unchanged() {
        int fd = bound(n.sa, A, 4000);
        String before = n.state();
        assertThat(n.sa.bind(fd, new SockAddrIn(A, 4001))).isEqualTo(Errno.EINVAL.neg());
        assertThat(n.sa.sendto(fd, bytes(8), 0, 8, 0, new SockAddrIn(B, 0))).isEqualTo(Errno.EINVAL.neg());
        assertThat(n.sa.setsockopt(fd, SOL_IP, IpSockglue.IP_TTL, 0)).isEqualTo(Errno.EINVAL.neg());
        assertThat(n.sa.setsockopt(fd, SOL_IP, IpSockglue.IP_TTL, 256)).isEqualTo(Errno.EINVAL.neg());
        assertThat(n.sa.setsockopt(fd, SOL_IP, IpSockglue.IP_MTU_DISCOVER, 6)).isEqualTo(Errno.EINVAL.neg());
        assertThat(n.sa.shutdown(fd, 3)).isEqualTo(Errno.EINVAL.neg());
        assertThat(n.state()).isEqualTo(before);
        int[] ttl = new int[1];
        assertThat(n.sa.getsockopt(fd, SOL_IP, IpSockglue.IP_TTL, ttl)).isZero();
        assertThat(ttl[0]).isEqualTo(64);
    }

    @Test
    void emptyNonBlockingReceive_eagain_unchanged() {
        int fd = bound(n.sb, B, 5000);
        String before = n.state();
        assertThat(n.sb.recvfrom(fd, bytes(16), 0, 16, MSG_DONTWAIT, null)).isEqualTo(Errno.EAGAIN.neg());
        assertThat(n.sb.fcntl(fd, F_SETFL, O_NONBLOCK)).isZero();
        assertThat(n.sb.recv(fd, ByteBuffer.allocate(16), 0)).isEqualTo(Errno.EAGAIN.neg());
        assertThat(n.sb.read(fd, bytes(16), 0, 16)).isEqualTo(Errno.EAGAIN.neg());
        assertThat(n.state()).isEqualTo(before);
    }

    @Test
    void payloadOver65507_orOverPathMtuWithDf_emsgsize_unchanged() {
        int fd = bound(n.sa, A, 4000);
        bound(n.sb, B, 5000);
        String before = n.state();
        SockAddrIn to = new SockAddrIn(B, 5000);
        assertThat(n.sa.sendto(fd, bytes(65508), 0, 65508, 0, to)).isEqualTo(Errno.EMSGSIZE.neg());
        assertThat(n.sa.sendto(fd, bytes(70000), 0, 70000, 0, to)).isEqualTo(Errno.EMSGSIZE.neg());
        assertThat(n.sa.setsockopt(fd, SOL_IP, IpSockglue.IP_MTU_DISCOVER, IpSockglue.IP_PMTUDISC_DO)).isZero();
        assertThat(n.sa.sendto(fd, bytes(1473), 0, 1473, 0, to)).isEqualTo(Errno.EMSGSIZE.neg());
        assertThat(n.state()).isEqualTo(before);
        assertThat(n.sa.sendto(fd, bytes(1472), 0, 1472, 0, to)).isEqualTo(1472); // 1472 + 8 + 20 = 1500
    }

    @Test
    void connectedSocket_afterIcmpPortUnreachable_nextCallFailsOnceWithEconnrefused() {
        int fd = bound(n.sa, A, 4000);
        assertThat(n.sa.connect(fd, new SockAddrIn(B, 9))).isZero(); // nothing listens on B:9
        assertThat(n.sa.send(fd, ByteBuffer.wrap(bytes(20)), 0)).isEqualTo(20);
        n.sim.run();
        assertThat(UdpNet.udp(n.b, "NoPorts")).isEqualTo(1);
        assertThat(n.b.ipv4().icmpMib().get("OutDestUnreachs")).isEqualTo(1);
        assertThat(n.a.ipv4().icmpMib().get("InDestUnreachs")).isEqualTo(1);
        PollFd[] p = {new PollFd(fd, POLLIN)};
        assertThat(n.sa.poll(p, 1, 0)).isEqualTo(1);
        assertThat(p[0].revents & POLLERR).isEqualTo(POLLERR);

        String before = n.state();
        assertThat(n.sa.send(fd, ByteBuffer.wrap(bytes(20)), 0)).isEqualTo(Errno.ECONNREFUSED.neg());
        assertThat(n.state()).isEqualTo(before);
        // reported once: the next send goes out (and is refused again by B)
        assertThat(n.sa.send(fd, ByteBuffer.wrap(bytes(20)), 0)).isEqualTo(20);
        n.sim.run();
        assertThat(n.sa.recvfrom(fd, bytes(8), 0, 8, MSG_DONTWAIT, null)).isEqualTo(Errno.ECONNREFUSED.neg());
        assertThat(n.sa.recvfrom(fd, bytes(8), 0, 8, MSG_DONTWAIT, null)).isEqualTo(Errno.EAGAIN.neg());
        assertThat(UdpNet.udp(n.a, "OutDatagrams")).isEqualTo(2);
    }

    @Test
    void closedDescriptor_ebadf_unchanged() {
        int fd = bound(n.sa, A, 4000);
        assertThat(n.sa.close(fd)).isZero();
        String before = n.state();
        assertThat(n.sa.sendto(fd, bytes(4), 0, 4, 0, new SockAddrIn(B, 5000))).isEqualTo(Errno.EBADF.neg());
        assertThat(n.sa.recvfrom(fd, bytes(4), 0, 4, MSG_DONTWAIT, null)).isEqualTo(Errno.EBADF.neg());
        assertThat(n.sa.bind(fd, new SockAddrIn(A, 4000))).isEqualTo(Errno.EBADF.neg());
        assertThat(n.sa.connect(fd, new SockAddrIn(B, 5000))).isEqualTo(Errno.EBADF.neg());
        assertThat(n.sa.close(fd)).isEqualTo(Errno.EBADF.neg());
        assertThat(n.sa.close(-1)).isEqualTo(Errno.EBADF.neg());
        assertThat(n.state()).isEqualTo(before);
        assertThat(n.a.udp().table().size()).isZero();
    }

    @Test
    void unconnected_getpeername_andIpMtu_enotconn_unchanged() {
        int fd = bound(n.sa, A, 4000);
        String before = n.state();
        assertThat(n.sa.getpeername(fd, new SockAddrIn[1])).isEqualTo(Errno.ENOTCONN.neg());
        assertThat(n.sa.getsockopt(fd, SOL_IP, IpSockglue.IP_MTU, new int[1])).isEqualTo(Errno.ENOTCONN.neg());
        assertThat(n.state()).isEqualTo(before);
        assertThat(n.sa.connect(fd, new SockAddrIn(B, 5000))).isZero();
        int[] mtu = new int[1];
        assertThat(n.sa.getsockopt(fd, SOL_IP, IpSockglue.IP_MTU, mtu)).isZero();
        assertThat(mtu[0]).isEqualTo(1500);
    }

    @Test
    void unconnectedSendWithoutAddress_edestaddrreq_unchanged() {
        int fd = bound(n.sa, A, 4000);
        String before = n.state();
        assertThat(n.sa.send(fd, ByteBuffer.wrap(bytes(4)), 0)).isEqualTo(Errno.EDESTADDRREQ.neg());
        assertThat(n.sa.write(fd, bytes(4), 0, 4)).isEqualTo(Errno.EDESTADDRREQ.neg());
        assertThat(n.state()).isEqualTo(before);
    }

    @Test
    void otherAddressFamilies_eafnosupport_unchanged() {
        int fd = bound(n.sa, A, 4000);
        int fresh = n.sa.socket(AF_INET, SOCK_DGRAM, 0);
        String before = n.state();
        assertThat(n.sa.socket(AF_INET6, SOCK_DGRAM, 0)).isEqualTo(Errno.EAFNOSUPPORT.neg());
        assertThat(n.sa.socket(AF_UNIX, SOCK_DGRAM, 0)).isEqualTo(Errno.EAFNOSUPPORT.neg());
        SockAddrIn v6 = new SockAddrIn(AF_INET6, B, 5000);
        assertThat(n.sa.bind(fresh, v6)).isEqualTo(Errno.EAFNOSUPPORT.neg());
        assertThat(n.sa.connect(fd, v6)).isEqualTo(Errno.EAFNOSUPPORT.neg());
        assertThat(n.sa.sendto(fd, bytes(4), 0, 4, 0, v6)).isEqualTo(Errno.EAFNOSUPPORT.neg());
        assertThat(n.state()).isEqualTo(before);
    }

    @Test
    void broadcastWithoutSoBroadcast_eacces_unchanged() {
        int fd = bound(n.sa, A, 4000);
        String before = n.state();
        assertThat(n.sa.sendto(fd, bytes(4), 0, 4, 0, new SockAddrIn(UdpNet.BCAST, 6000)))
                .isEqualTo(Errno.EACCES.neg());
        assertThat(n.sa.connect(fd, new SockAddrIn(UdpNet.BCAST, 6000))).isEqualTo(Errno.EACCES.neg());
        assertThat(n.state()).isEqualTo(before);
    }

    @Test
    void noRoute_enetunreach_countsOutNoRoutesOnly() {
        int fd = bound(n.sa, A, 4000);
        assertThat(n.sa.sendto(fd, bytes(4), 0, 4, 0, SockAddrIn.of("198.19.0.1", 53)))
                .isEqualTo(Errno.ENETUNREACH.neg());
        assertThat(n.a.ipv4().ipMib().get("OutNoRoutes")).isEqualTo(1);
        assertThat(UdpNet.udp(n.a, "OutDatagrams")).isZero();
        assertThat(n.a.pool().live()).isZero();
    }
}
