package dev.packetflow.net.ipv4;

import static dev.packetflow.net.ipv4.TestNet.A;
import static dev.packetflow.net.ipv4.TestNet.B;
import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.SockAddrIn;
import dev.packetflow.net.socket.SocketLayer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * UDP corking ({@code UDP_CORK}, {@code MSG_MORE}) across A ── R ── B: what leaves A, what B
 * receives, and the limits.
 */
class UdpCorkTest {
    final TestNet n = new TestNet().router();
    final SocketLayer sa = n.a.sockets();
    final SocketLayer sb = n.b.sockets();
    final SockAddrIn toB = new SockAddrIn(B, 5000);

    @AfterEach
    void close() {
        n.close();
    }

    int bound(SocketLayer s, int addr, int port) {
        return TestNet.udpBound(s, addr, port);
    }

    /** The UDP datagrams (or fragments) A put on its link: IP packets from A with A's TTL, in order. */
    List<byte[]> udpFromA() {
        List<byte[]> l = new ArrayList<>();
        for (byte[] p : n.ipPackets()) {
            if ((p[9] & 0xff) == 17 && u32(p, 12) == A && (p[8] & 0xff) == 64) {
                l.add(p);
            }
        }
        return l;
    }

    static int u16(byte[] b, int o) {
        return ((b[o] & 0xff) << 8) | (b[o + 1] & 0xff);
    }

    static int u32(byte[] b, int o) {
        return (u16(b, o) << 16) | u16(b, o + 2);
    }

    static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    static byte[] pattern(int len, int seed) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (i * 7 + seed);
        }
        return b;
    }

    int send(int fd, byte[] p, int flags, SockAddrIn to) {
        return sa.sendto(fd, p, 0, p.length, flags, to);
    }

    int cork(int fd, int on) {
        return sa.setsockopt(fd, SOL_UDP, Udp.UDP_CORK, on);
    }

    int corkOpt(int fd) {
        int[] v = new int[1];
        assertThat(sa.getsockopt(fd, SOL_UDP, Udp.UDP_CORK, v)).isZero();
        return v[0];
    }

    byte[] recv(int fd) {
        byte[] buf = new byte[70000];
        int r = sb.recvfrom(fd, buf, 0, buf.length, MSG_DONTWAIT, null);
        assertThat(r).as("recvfrom").isGreaterThanOrEqualTo(0);
        return Arrays.copyOf(buf, r);
    }

    /** Asserts {@code ip} is one whole datagram A:4000 → B:5000 carrying {@code payload}, checksum verified. */
    static void assertWholeDatagram(byte[] ip, byte[] payload) {
        int u = 20;
        assertThat(u16(ip, 2)).isEqualTo(20 + 8 + payload.length);
        assertThat(u16(ip, 6) & (Ipv4Header.IP_MF | Ipv4Header.IP_OFFSET)).isZero();
        assertThat(u16(ip, u)).isEqualTo(4000);
        assertThat(u16(ip, u + 2)).isEqualTo(5000);
        assertThat(u16(ip, u + 4)).isEqualTo(8 + payload.length);
        assertThat(u16(ip, u + 6)).isNotZero();
        assertThat(Arrays.copyOfRange(ip, u + 8, ip.length)).isEqualTo(payload);
        long sum = InetChecksum.partial(ip, u, 8 + payload.length,
                InetChecksum.pseudoHeader(A, B, 17, 8 + payload.length));
        assertThat(InetChecksum.fold(sum)).isZero();
    }

    @Test
    void udpCork_twoSends_leaveAsOneDatagramWithOneHeaderAndChecksum() {
        int rx = bound(sb, B, 5000);
        int tx = bound(sa, A, 4000);
        assertThat(corkOpt(tx)).isZero();
        assertThat(cork(tx, 1)).isZero();
        assertThat(corkOpt(tx)).isEqualTo(1);
        assertThat(send(tx, bytes("hello, "), 0, toB)).isEqualTo(7);
        assertThat(send(tx, bytes("corked world"), 0, toB)).isEqualTo(12);
        n.sim.run();
        assertThat(udpFromA()).isEmpty();
        assertThat(n.mib(n.a, "Udp", "OutDatagrams")).isZero();

        assertThat(cork(tx, 0)).isZero();
        assertThat(corkOpt(tx)).isZero();
        n.sim.run();
        List<byte[]> sent = udpFromA();
        assertThat(sent).hasSize(1);
        assertWholeDatagram(sent.getFirst(), bytes("hello, corked world"));
        assertThat(n.mib(n.a, "Udp", "OutDatagrams")).isEqualTo(1);
        assertThat(recv(rx)).isEqualTo(bytes("hello, corked world"));
        assertThat(sb.recvfrom(rx, new byte[8], 0, 8, MSG_DONTWAIT, null)).isEqualTo(Errno.EAGAIN.neg());
    }

    @Test
    void msgMore_appendsUntilASendWithoutIt() {
        int rx = bound(sb, B, 5000);
        int tx = bound(sa, A, 4000);
        assertThat(send(tx, bytes("ab"), MSG_MORE, toB)).isEqualTo(2);
        assertThat(send(tx, bytes("cd"), MSG_MORE, toB)).isEqualTo(2);
        n.sim.run();
        assertThat(udpFromA()).isEmpty();
        assertThat(send(tx, bytes("ef"), 0, toB)).isEqualTo(2);
        n.sim.run();
        List<byte[]> sent = udpFromA();
        assertThat(sent).hasSize(1);
        assertWholeDatagram(sent.getFirst(), bytes("abcdef"));
        assertThat(recv(rx)).isEqualTo(bytes("abcdef"));
        // Not corked any more: the next send is a datagram of its own.
        assertThat(send(tx, bytes("g"), 0, toB)).isEqualTo(1);
        n.sim.run();
        assertThat(udpFromA()).hasSize(2);
        assertThat(recv(rx)).isEqualTo(bytes("g"));
    }

    @Test
    void udpCork_zeroLengthSendsOnly_sendAnEmptyDatagram() {
        int rx = bound(sb, B, 5000);
        int tx = bound(sa, A, 4000);
        cork(tx, 1);
        assertThat(send(tx, new byte[0], 0, toB)).isZero();
        cork(tx, 0);
        n.sim.run();
        assertThat(udpFromA()).hasSize(1);
        assertWholeDatagram(udpFromA().getFirst(), new byte[0]);
        assertThat(recv(rx)).isEmpty();
    }

    @Test
    void corkedDatagramLargerThanMtu_isFragmented_andArrivesWhole() {
        int rx = bound(sb, B, 5000);
        int tx = bound(sa, A, 4000);
        byte[] p1 = pattern(1000, 1);
        byte[] p2 = pattern(1200, 2);
        byte[] p3 = pattern(800, 3);
        cork(tx, 1);
        send(tx, p1, 0, toB);
        send(tx, p2, 0, toB);
        send(tx, p3, 0, toB);
        cork(tx, 0);
        n.sim.run();
        List<byte[]> frags = udpFromA();
        // 8 + 3000 bytes of UDP in fragments of 1480: 1480, 1480, 48
        assertThat(frags).hasSize(3);
        assertThat(frags).extracting(f -> u16(f, 2) - 20).containsExactly(1480, 1480, 48);
        assertThat(frags).extracting(f -> u16(f, 6) & 0x3fff).containsExactly(
                Ipv4Header.IP_MF, Ipv4Header.IP_MF | 185, 370);
        assertThat(frags).extracting(f -> u16(f, 4)).containsOnly(u16(frags.getFirst(), 4));
        assertThat(u16(frags.getFirst(), 24)).isEqualTo(8 + 3000); // one UDP header, for the whole
        byte[] all = new byte[3000];
        System.arraycopy(p1, 0, all, 0, 1000);
        System.arraycopy(p2, 0, all, 1000, 1200);
        System.arraycopy(p3, 0, all, 2200, 800);
        assertThat(recv(rx)).isEqualTo(all); // B verified the one checksum over the reassembled whole
        assertThat(n.mib(n.b, "Udp", "InCsumErrors")).isZero();
    }

    @Test
    void corkedPayloadOf65507_isSentWhole() {
        int rx = bound(sb, B, 5000);
        int tx = bound(sa, A, 4000);
        byte[] p1 = pattern(60000, 5);
        byte[] p2 = pattern(5507, 6);
        cork(tx, 1);
        assertThat(send(tx, p1, 0, toB)).isEqualTo(60000);
        assertThat(send(tx, p2, 0, toB)).isEqualTo(5507);
        assertThat(cork(tx, 0)).isZero();
        n.sim.run();
        byte[] got = recv(rx);
        assertThat(got).hasSize(Udp.MAX_PAYLOAD);
        assertThat(Arrays.copyOfRange(got, 0, 60000)).isEqualTo(p1);
        assertThat(Arrays.copyOfRange(got, 60000, Udp.MAX_PAYLOAD)).isEqualTo(p2);
    }

    @Test
    void corkedPayloadOver65507_emsgsize_andThePendingDataIsDiscarded() {
        int rx = bound(sb, B, 5000);
        int tx = bound(sa, A, 4000);
        cork(tx, 1);
        assertThat(send(tx, pattern(60000, 1), 0, toB)).isEqualTo(60000);
        assertThat(send(tx, pattern(5508, 2), 0, toB)).isEqualTo(Errno.EMSGSIZE.neg());
        int[] outq = new int[1];
        assertThat(sa.ioctl(tx, SIOCOUTQ, outq)).isZero();
        assertThat(outq[0]).isZero(); // the 60000 bytes were freed
        // Still corked, but with nothing pending: the next send starts a new datagram.
        assertThat(send(tx, bytes("fresh"), 0, toB)).isEqualTo(5);
        cork(tx, 0);
        n.sim.run();
        List<byte[]> sent = udpFromA();
        assertThat(sent).hasSize(1);
        assertWholeDatagram(sent.getFirst(), bytes("fresh"));
        assertThat(recv(rx)).isEqualTo(bytes("fresh"));
        assertThat(n.mib(n.a, "Udp", "OutDatagrams")).isEqualTo(1);
    }

    @Test
    void corkedWithDontFragment_overPathMtu_emsgsize() {
        bound(sb, B, 5000);
        int tx = bound(sa, A, 4000);
        assertThat(sa.setsockopt(tx, SOL_IP, IpSockglue.IP_MTU_DISCOVER, IpSockglue.IP_PMTUDISC_DO)).isZero();
        cork(tx, 1);
        assertThat(send(tx, pattern(1000, 1), 0, toB)).isEqualTo(1000);
        assertThat(send(tx, pattern(472, 2), 0, toB)).isEqualTo(472); // 20 + 8 + 1472 = 1500
        assertThat(send(tx, pattern(1, 3), 0, toB)).isEqualTo(Errno.EMSGSIZE.neg());
        cork(tx, 0);
        n.sim.run();
        assertThat(udpFromA()).isEmpty();
    }

    @Test
    void corkedSendToAnotherAddress_joinsThePendingDatagram_asInLinux() {
        int rx = bound(sb, B, 5000);
        int other = bound(sb, B, 6000);
        int tx = bound(sa, A, 4000);
        cork(tx, 1);
        send(tx, bytes("first"), 0, toB);
        assertThat(send(tx, bytes("second"), 0, new SockAddrIn(B, 6000))).isEqualTo(6);
        // An unconnected socket's send without an address would be EDESTADDRREQ, but not while pending.
        assertThat(sa.send(tx, java.nio.ByteBuffer.wrap(bytes("third")), 0)).isEqualTo(5);
        cork(tx, 0);
        n.sim.run();
        assertThat(recv(rx)).isEqualTo(bytes("firstsecondthird"));
        assertThat(sb.recvfrom(other, new byte[8], 0, 8, MSG_DONTWAIT, null)).isEqualTo(Errno.EAGAIN.neg());
    }

    @Test
    void close_withPendingData_freesItAndSendsNothing() {
        bound(sb, B, 5000);
        int tx = bound(sa, A, 4000);
        int live = n.a.pool().live();
        cork(tx, 1);
        send(tx, pattern(3000, 1), 0, toB);
        send(tx, pattern(100, 2), MSG_MORE, toB);
        int[] outq = new int[1];
        sa.ioctl(tx, SIOCOUTQ, outq);
        assertThat(outq[0]).isPositive();
        assertThat(n.a.pool().live()).isGreaterThan(live);
        assertThat(sa.close(tx)).isZero();
        assertThat(n.a.pool().live()).isEqualTo(live);
        n.sim.run();
        assertThat(udpFromA()).isEmpty();
    }

    @Test
    void udpCorkOption_shortOrUnknown_einvalOrEnoprotoopt() {
        int tx = bound(sa, A, 4000);
        assertThat(sa.setsockopt(tx, SOL_UDP, Udp.UDP_CORK, new byte[] {1}, 1)).isEqualTo(Errno.EINVAL.neg());
        assertThat(corkOpt(tx)).isZero();
        assertThat(sa.setsockopt(tx, SOL_UDP, 99, 1)).isEqualTo(Errno.ENOPROTOOPT.neg());
        int[] len = {-1};
        assertThat(sa.getsockopt(tx, SOL_UDP, Udp.UDP_CORK, new byte[4], len)).isEqualTo(Errno.EINVAL.neg());
        cork(tx, 1);
        byte[] one = new byte[1];
        len[0] = 1;
        assertThat(sa.getsockopt(tx, SOL_UDP, Udp.UDP_CORK, one, len)).isZero();
        assertThat(len[0]).isEqualTo(1);
        assertThat(one[0]).isEqualTo((byte) 1);
    }
}
