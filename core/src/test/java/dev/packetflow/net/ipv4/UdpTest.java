package dev.packetflow.net.ipv4;

import static dev.packetflow.net.ipv4.UdpNet.A;
import static dev.packetflow.net.ipv4.UdpNet.B;
import static dev.packetflow.net.ipv4.UdpNet.BCAST;
import static dev.packetflow.net.ipv4.UdpNet.bound;
import static dev.packetflow.net.ipv4.UdpNet.udp;
import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.MsgHdr;
import dev.packetflow.net.socket.Sock;
import dev.packetflow.net.socket.SockAddrIn;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** UDP between two stacks over a veth pair: delivery, addresses, options, buffers, broadcast, fragments. */
class UdpTest {
    final UdpNet n = new UdpNet();

    @AfterEach
    void close() {
        n.close();
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void sendto_deliversPayloadAndSenderAddress_andCountsBothSides() {
        int rx = bound(n.sb, B, 5000);
        int tx = bound(n.sa, A, 4000);
        assertThat(n.sa.sendto(tx, text("hello, B"), 0, 8, 0, new SockAddrIn(B, 5000))).isEqualTo(8);
        n.sim.run();
        byte[] buf = new byte[64];
        SockAddrIn[] from = new SockAddrIn[1];
        assertThat(n.sb.recvfrom(rx, buf, 0, 64, MSG_DONTWAIT, from)).isEqualTo(8);
        assertThat(new String(buf, 0, 8, StandardCharsets.US_ASCII)).isEqualTo("hello, B");
        assertThat(from[0]).isEqualTo(new SockAddrIn(A, 4000));
        assertThat(udp(n.a, "OutDatagrams")).isEqualTo(1);
        assertThat(udp(n.b, "InDatagrams")).isEqualTo(1);
        assertThat(udp(n.b, "InErrors") + udp(n.b, "NoPorts") + udp(n.b, "RcvbufErrors")).isZero();
        assertThat(dev.packetflow.iproute2.Nstat.format(n.b)).contains("UdpInDatagrams                  1");
        assertThat(dev.packetflow.iproute2.Nstat.format(n.a)).contains("UdpOutDatagrams                 1");
    }

    @Test
    void datagramToOwnAddress_loopsBackThroughIp() {
        int rx = bound(n.sa, A, 5000);
        int tx = bound(n.sa, INADDR_ANY, 4000);
        assertThat(n.sa.sendto(tx, text("me"), 0, 2, 0, new SockAddrIn(A, 5000))).isEqualTo(2);
        n.sim.run();
        SockAddrIn[] from = new SockAddrIn[1];
        assertThat(n.sa.recvfrom(rx, new byte[8], 0, 8, MSG_DONTWAIT, from)).isEqualTo(2);
        assertThat(from[0]).isEqualTo(new SockAddrIn(A, 4000));
        assertThat(n.veth.a().stats().get(dev.packetflow.net.core.LinkStats64.TX_PACKETS)).isZero(); // not on the wire
    }

    @Test
    void unboundSender_getsEphemeralPortInLocalRange_andWildcardReceiverGetsIt() {
        int rx = bound(n.sb, INADDR_ANY, 5000);
        int tx = n.sa.socket(AF_INET, SOCK_DGRAM, 0);
        assertThat(n.sa.sendto(tx, text("x"), 0, 1, 0, new SockAddrIn(B, 5000))).isEqualTo(1);
        SockAddrIn[] name = new SockAddrIn[1];
        n.sa.getsockname(tx, name);
        assertThat(name[0].addr()).isZero();
        assertThat(name[0].port()).isBetween(32768, 60999); // ip_local_port_range default
        n.sim.run();
        SockAddrIn[] from = new SockAddrIn[1];
        assertThat(n.sb.recvfrom(rx, new byte[4], 0, 4, MSG_DONTWAIT, from)).isEqualTo(1);
        assertThat(from[0]).isEqualTo(new SockAddrIn(A, name[0].port()));
    }

    @Test
    void connectedSocket_receivesOnlyFromItsPeer_andSendsWithoutAddress() {
        int rx = bound(n.sb, B, 5000);
        assertThat(n.sb.connect(rx, new SockAddrIn(A, 4000))).isZero();
        int peer = bound(n.sa, A, 4000);
        int other = bound(n.sa, A, 4001);
        n.sa.sendto(other, text("other"), 0, 5, 0, new SockAddrIn(B, 5000));
        n.sa.sendto(peer, text("peer"), 0, 4, 0, new SockAddrIn(B, 5000));
        n.sim.run();
        byte[] buf = new byte[16];
        assertThat(n.sb.recvfrom(rx, buf, 0, 16, MSG_DONTWAIT, null)).isEqualTo(4);
        assertThat(n.sb.recvfrom(rx, buf, 0, 16, MSG_DONTWAIT, null)).isEqualTo(Errno.EAGAIN.neg());
        assertThat(udp(n.b, "NoPorts")).isEqualTo(1); // "other" found no socket
        // sends without an address go to the peer, from the connected address
        assertThat(n.sb.write(rx, text("back"), 0, 4)).isEqualTo(4);
        n.sim.run();
        SockAddrIn[] from = new SockAddrIn[1];
        assertThat(n.sa.recvfrom(peer, buf, 0, 16, MSG_DONTWAIT, from)).isEqualTo(4);
        assertThat(from[0]).isEqualTo(new SockAddrIn(B, 5000));
        SockAddrIn[] p = new SockAddrIn[1];
        assertThat(n.sb.getpeername(rx, p)).isZero();
        assertThat(p[0]).isEqualTo(new SockAddrIn(A, 4000));
    }

    @Test
    void connectUnbound_choosesSourceFromRoute_andDisconnectReleasesAutoboundPort() {
        int fd = n.sa.socket(AF_INET, SOCK_DGRAM, 0);
        assertThat(n.sa.connect(fd, new SockAddrIn(B, 5000))).isZero();
        SockAddrIn[] name = new SockAddrIn[1];
        n.sa.getsockname(fd, name);
        assertThat(name[0].addr()).isEqualTo(A);
        assertThat(name[0].port()).isNotZero();
        assertThat(n.a.udp().table().size()).isEqualTo(1);
        assertThat(n.sa.connect(fd, SockAddrIn.UNSPEC)).isZero();
        n.sa.getsockname(fd, name);
        assertThat(name[0]).isEqualTo(new SockAddrIn(0, 0));
        assertThat(n.a.udp().table().size()).isZero();
        // bound explicitly: disconnect keeps address and port
        int fd2 = bound(n.sa, A, 4000);
        n.sa.connect(fd2, new SockAddrIn(B, 5000));
        n.sa.connect(fd2, SockAddrIn.UNSPEC);
        n.sa.getsockname(fd2, name);
        assertThat(name[0]).isEqualTo(new SockAddrIn(A, 4000));
        assertThat(n.sa.getpeername(fd2, name)).isEqualTo(Errno.ENOTCONN.neg());
    }

    @Test
    void peekAndTrunc_asLinux_andSiocinqIsNextDatagramLength() {
        int rx = bound(n.sb, B, 5000);
        int tx = bound(n.sa, A, 4000);
        n.sa.sendto(tx, text("0123456789"), 0, 10, 0, new SockAddrIn(B, 5000));
        n.sa.sendto(tx, text("abc"), 0, 3, 0, new SockAddrIn(B, 5000));
        n.sim.run();
        int[] inq = new int[1];
        assertThat(n.sb.ioctl(rx, SIOCINQ, inq)).isZero();
        assertThat(inq[0]).isEqualTo(10);
        MsgHdr m = new MsgHdr();
        byte[] small = new byte[4];
        m.setBuffer(small, 0, 4);
        assertThat(n.sb.recvmsg(rx, m, MSG_PEEK | MSG_DONTWAIT)).isEqualTo(4);
        assertThat(m.flags & MSG_TRUNC).isEqualTo(MSG_TRUNC);
        assertThat(new String(small, StandardCharsets.US_ASCII)).isEqualTo("0123");
        assertThat(udp(n.b, "InDatagrams")).isZero(); // peeking does not count
        m.setBuffer(small, 0, 4);
        assertThat(n.sb.recvmsg(rx, m, MSG_TRUNC | MSG_DONTWAIT)).isEqualTo(10); // the real length
        assertThat(m.name()).isEqualTo(new SockAddrIn(A, 4000));
        byte[] big = new byte[16];
        m.setBuffer(big, 0, 16);
        assertThat(n.sb.recvmsg(rx, m, MSG_DONTWAIT)).isEqualTo(3);
        assertThat(m.flags & MSG_TRUNC).isZero();
        assertThat(udp(n.b, "InDatagrams")).isEqualTo(2);
        assertThat(n.sb.ioctl(rx, SIOCINQ, inq)).isZero();
        assertThat(inq[0]).isZero();
    }

    @Test
    void receiveBufferOverflow_dropsAndCountsExactlyTheExcess() {
        int rx = bound(n.sb, B, 5000);
        int tx = bound(n.sa, A, 4000);
        assertThat(n.sb.setsockopt(rx, SOL_SOCKET, SO_RCVBUF, 4608)).isZero();
        Sock sk = n.sb.sock(rx);
        assertThat(sk.rcvbuf).isEqualTo(9216); // doubled, as Linux does
        int sent = 20;
        for (int i = 0; i < sent; i++) {
            n.sa.sendto(tx, new byte[] {(byte) i}, 0, 1, 0, new SockAddrIn(B, 5000));
        }
        n.sim.run();
        // Each small datagram costs its buffer's truesize (2048 + 256); the queue takes packets while
        // it holds less than rcvbuf bytes.
        int truesize = Sock.SOCK_MIN_RCVBUF;
        int fits = (sk.rcvbuf + truesize - 1) / truesize;
        assertThat(fits).isEqualTo(4);
        assertThat(sk.receiveQueueLen()).isEqualTo(fits);
        assertThat(udp(n.b, "RcvbufErrors")).isEqualTo(sent - fits);
        assertThat(udp(n.b, "InErrors")).isEqualTo(sent - fits);
        assertThat(sk.drops()).isEqualTo(sent - fits);
        assertThat(n.b.drops().snapshot().get(DropReason.SOCKET_RCVBUFF)).isEqualTo(sent - fits);
        byte[] b = new byte[4];
        for (int i = 0; i < fits; i++) {
            assertThat(n.sb.recvfrom(rx, b, 0, 4, MSG_DONTWAIT, null)).isEqualTo(1);
            assertThat(b[0]).isEqualTo((byte) i); // the first ones, in order
        }
        assertThat(n.sb.recvfrom(rx, b, 0, 4, MSG_DONTWAIT, null)).isEqualTo(Errno.EAGAIN.neg());
        assertThat(udp(n.b, "InDatagrams")).isEqualTo(fits);
    }

    @Test
    void broadcast_needsSoBroadcast_reachesEverySocketOnThePort_butNotOneBoundToAUnicastAddress() {
        int any = n.sb.socket(AF_INET, SOCK_DGRAM, 0);
        int bc = n.sb.socket(AF_INET, SOCK_DGRAM, 0);
        int uni = n.sb.socket(AF_INET, SOCK_DGRAM, 0);
        for (int fd : new int[] {any, bc, uni}) {
            n.sb.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
        }
        assertThat(n.sb.bind(any, new SockAddrIn(INADDR_ANY, 6000))).isZero();
        assertThat(n.sb.bind(bc, new SockAddrIn(BCAST, 6000))).isZero();
        assertThat(n.sb.bind(uni, new SockAddrIn(B, 6000))).isZero();
        int tx = bound(n.sa, A, 4000);
        assertThat(n.sa.sendto(tx, text("all"), 0, 3, 0, new SockAddrIn(BCAST, 6000))).isEqualTo(Errno.EACCES.neg());
        assertThat(n.sa.setsockopt(tx, SOL_SOCKET, SO_BROADCAST, 1)).isZero();
        assertThat(n.sa.sendto(tx, text("all"), 0, 3, 0, new SockAddrIn(BCAST, 6000))).isEqualTo(3);
        n.sim.run();
        byte[] buf = new byte[8];
        assertThat(n.sb.recvfrom(any, buf, 0, 8, MSG_DONTWAIT, null)).isEqualTo(3);
        assertThat(n.sb.recvfrom(bc, buf, 0, 8, MSG_DONTWAIT, null)).isEqualTo(3);
        assertThat(n.sb.recvfrom(uni, buf, 0, 8, MSG_DONTWAIT, null)).isEqualTo(Errno.EAGAIN.neg());
        assertThat(n.b.ipv4().ipExtMib().get("InBcastPkts")).isEqualTo(1);

        // to a port nobody has: IgnoredMulti, no ICMP (RFC 1122 3.2.2: no errors about broadcasts)
        assertThat(n.sa.sendto(tx, text("none"), 0, 4, 0, new SockAddrIn(BCAST, 6001))).isEqualTo(4);
        n.sim.run();
        assertThat(udp(n.b, "IgnoredMulti")).isEqualTo(1);
        assertThat(udp(n.b, "NoPorts")).isZero();
        assertThat(n.b.ipv4().icmpMib().get("OutDestUnreachs")).isZero();
    }

    @Test
    void datagramOf4000Bytes_isFragmentedIntoThree_andArrivesWhole() {
        int rx = bound(n.sb, B, 5000);
        int tx = bound(n.sa, A, 4000);
        byte[] p = new byte[4000];
        for (int i = 0; i < p.length; i++) {
            p[i] = (byte) (i * 7);
        }
        assertThat(n.sa.sendto(tx, p, 0, p.length, 0, new SockAddrIn(B, 5000))).isEqualTo(4000);
        n.sim.run();
        assertThat(n.a.ipv4().ipMib().get("FragCreates")).isEqualTo(3); // 1480 + 1480 + 1048
        assertThat(n.a.ipv4().ipMib().get("FragOKs")).isEqualTo(1);
        assertThat(n.b.ipv4().ipMib().get("ReasmReqds")).isEqualTo(3);
        assertThat(n.b.ipv4().ipMib().get("ReasmOKs")).isEqualTo(1);
        byte[] got = new byte[5000];
        assertThat(n.sb.recvfrom(rx, got, 0, got.length, MSG_DONTWAIT, null)).isEqualTo(4000);
        assertThat(Arrays.copyOf(got, 4000)).isEqualTo(p);
    }

    @Test
    void largestDatagram_65507Bytes_crossesInFortyFiveFragments() {
        int rx = bound(n.sb, B, 5000);
        int tx = bound(n.sa, A, 4000);
        n.sb.setsockopt(rx, SOL_SOCKET, SO_RCVBUF, 1 << 20);
        byte[] p = new byte[Udp.MAX_PAYLOAD];
        p[p.length - 1] = 42;
        assertThat(n.sa.sendto(tx, p, 0, p.length, 0, new SockAddrIn(B, 5000))).isEqualTo(65507);
        n.sim.run();
        assertThat(n.a.ipv4().ipMib().get("FragCreates")).isEqualTo(45); // 65515 / 1480, rounded up
        byte[] got = new byte[70000];
        assertThat(n.sb.recvfrom(rx, got, 0, got.length, MSG_DONTWAIT, null)).isEqualTo(65507);
        assertThat(got[65506]).isEqualTo((byte) 42);
    }

    @Test
    void unconnectedSocket_ignoresPortUnreachable_unlessIpRecverr() {
        int fd = bound(n.sa, A, 4000);
        n.sa.sendto(fd, text("x"), 0, 1, 0, new SockAddrIn(B, 9));
        n.sim.run();
        assertThat(n.sa.recvfrom(fd, new byte[4], 0, 4, MSG_DONTWAIT, null)).isEqualTo(Errno.EAGAIN.neg());
        assertThat(n.sa.setsockopt(fd, SOL_IP, IpSockglue.IP_RECVERR, 1)).isZero();
        n.sa.sendto(fd, text("x"), 0, 1, 0, new SockAddrIn(B, 9));
        n.sim.runFor(java.time.Duration.ofSeconds(1)); // past B's ICMP rate limit
        int[] err = new int[1];
        assertThat(n.sa.getsockopt(fd, SOL_SOCKET, SO_ERROR, err)).isZero();
        assertThat(err[0]).isEqualTo(Errno.ECONNREFUSED.code);
        assertThat(n.sa.getsockopt(fd, SOL_SOCKET, SO_ERROR, err)).isZero();
        assertThat(err[0]).isZero(); // read once
    }

    @Test
    void ipOptions_readBackAsLinuxReportsThem() {
        int fd = bound(n.sa, A, 4000);
        int[] v = new int[1];
        n.sa.getsockopt(fd, SOL_IP, IpSockglue.IP_TTL, v);
        assertThat(v[0]).isEqualTo(64);
        n.sa.setsockopt(fd, SOL_IP, IpSockglue.IP_TTL, 9);
        n.sa.getsockopt(fd, SOL_IP, IpSockglue.IP_TTL, v);
        assertThat(v[0]).isEqualTo(9);
        n.sa.setsockopt(fd, SOL_IP, IpSockglue.IP_TTL, -1);
        n.sa.getsockopt(fd, SOL_IP, IpSockglue.IP_TTL, v);
        assertThat(v[0]).isEqualTo(64);
        n.sa.getsockopt(fd, SOL_IP, IpSockglue.IP_MTU_DISCOVER, v);
        assertThat(v[0]).isEqualTo(IpSockglue.IP_PMTUDISC_WANT);
        // IP_TOS also sets the priority: 0x10 (low delay) is TC_PRIO_INTERACTIVE
        n.sa.setsockopt(fd, SOL_IP, IpSockglue.IP_TOS, 0x10);
        n.sa.getsockopt(fd, SOL_IP, IpSockglue.IP_TOS, v);
        assertThat(v[0]).isEqualTo(0x10);
        n.sa.getsockopt(fd, SOL_SOCKET, SO_PRIORITY, v);
        assertThat(v[0]).isEqualTo(6);
        // a one-byte read gets one byte, as Linux gives
        byte[] one = new byte[1];
        int[] len = {1};
        assertThat(n.sa.getsockopt(fd, SOL_IP, IpSockglue.IP_TOS, one, len)).isZero();
        assertThat(len[0]).isEqualTo(1);
        assertThat(one[0]).isEqualTo((byte) 0x10);
        assertThat(n.sa.setsockopt(fd, SOL_IP, IpSockglue.IP_PKTINFO, 1)).isZero();
        n.sa.getsockopt(fd, SOL_IP, IpSockglue.IP_PKTINFO, v);
        assertThat(v[0]).isEqualTo(1);
        assertThat(n.sa.setsockopt(fd, SOL_IP, 99, 1)).isEqualTo(Errno.ENOPROTOOPT.neg());
        assertThat(n.sa.setsockopt(fd, SOL_UDP, 2, 1)).isEqualTo(Errno.ENOPROTOOPT.neg()); // no SOL_UDP option 2
    }

    @Test
    void closingSocket_withQueuedDatagrams_freesThem_andUnhashes() {
        int rx = bound(n.sb, B, 5000);
        int tx = bound(n.sa, A, 4000);
        for (int i = 0; i < 3; i++) {
            n.sa.sendto(tx, text("q"), 0, 1, 0, new SockAddrIn(B, 5000));
        }
        n.sim.run();
        assertThat(n.sb.sock(rx).receiveQueueLen()).isEqualTo(3);
        assertThat(n.sb.close(rx)).isZero();
        assertThat(n.b.udp().table().size()).isZero();
        assertThat(n.b.pool().live()).isZero();
        assertThat(n.b.drops().snapshot().get(DropReason.SOCKET_CLOSE)).isEqualTo(3);
        // the port is free again
        assertThat(bound(n.sb, B, 5000)).isPositive();
    }

    @Test
    void sendBuffer_isReturnedWhenTheDeviceTookThePacket() {
        int tx = bound(n.sa, A, 4000);
        bound(n.sb, B, 5000);
        Sock sk = n.sa.sock(tx);
        n.sa.sendto(tx, ByteBuffer.allocate(100), 0, new SockAddrIn(B, 5000));
        n.sim.run();
        assertThat(sk.wmemAlloc()).isZero();
        int[] outq = new int[1];
        assertThat(n.sa.ioctl(tx, SIOCOUTQ, outq)).isZero();
        assertThat(outq[0]).isZero();
    }

    @Test
    void soPreferBusyPoll_readsBack_andNeedsPrivilege() {
        int fd = bound(n.sb, B, 5000);
        int[] v = new int[1];
        assertThat(n.sb.setsockopt(fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, 1)).isZero();
        n.sb.getsockopt(fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, v);
        assertThat(v[0]).isEqualTo(1);
        n.sb.setPrivileged(false);
        assertThat(n.sb.setsockopt(fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, 1)).isEqualTo(Errno.EPERM.neg());
        assertThat(n.sb.setsockopt(fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, 0)).isZero(); // turning it off is allowed
        assertThat(n.sb.sock(fd).preferBusyPoll).isFalse();
    }
}
