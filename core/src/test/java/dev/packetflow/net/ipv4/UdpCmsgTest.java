package dev.packetflow.net.ipv4;

import static dev.packetflow.net.ipv4.TestNet.A;
import static dev.packetflow.net.ipv4.TestNet.B;
import static dev.packetflow.net.ipv4.TestNet.R0;
import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.MsgHdr;
import dev.packetflow.net.socket.PollFd;
import dev.packetflow.net.socket.Scm;
import dev.packetflow.net.socket.SockAddrIn;
import dev.packetflow.net.socket.SocketLayer;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Control messages of UDP's {@code recvmsg} ({@code IP_PKTINFO}, {@code IP_RECVTTL},
 * {@code IP_RECVTOS}, {@code SO_TIMESTAMPNS}) and the {@code IP_RECVERR} error queue, across
 * A ── R ── B, checked byte by byte against Linux's x86-64 layout.
 */
class UdpCmsgTest {
    final TestNet n = new TestNet().router();
    final SocketLayer sa = n.a.sockets();
    final SocketLayer sb = n.b.sockets();

    @AfterEach
    void close() {
        n.close();
    }

    int bound(SocketLayer s, int addr, int port) {
        return TestNet.udpBound(s, addr, port);
    }

    static long le64(byte[] b, int o) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[o + i] & 0xff);
        }
        return v;
    }

    static int le32(byte[] b, int o) {
        return (int) (le64(Arrays.copyOfRange(b, o, o + 8), 0) & 0xffffffffL);
    }

    static int be32(byte[] b, int o) {
        return (b[o] & 0xff) << 24 | (b[o + 1] & 0xff) << 16 | (b[o + 2] & 0xff) << 8 | (b[o + 3] & 0xff);
    }

    static int be16(byte[] b, int o) {
        return (b[o] & 0xff) << 8 | (b[o + 1] & 0xff);
    }

    /** Asserts a cmsghdr at {@code o}: cmsg_len (8 bytes), level, type. */
    static void assertCmsg(byte[] c, int o, int len, int level, int type) {
        assertThat(le64(c, o)).as("cmsg_len at " + o).isEqualTo(len);
        assertThat(le32(c, o + 8)).as("cmsg_level at " + o).isEqualTo(level);
        assertThat(le32(c, o + 12)).as("cmsg_type at " + o).isEqualTo(type);
    }

    /** A → B:5000 datagram from a socket with TOS {@code tos}; returns B's socket. */
    int sendOne(byte[] payload, int tos, int... rxOpts) {
        int rx = bound(sb, B, 5000);
        for (int opt : rxOpts) {
            assertThat(sb.setsockopt(rx, SOL_IP, opt, 1)).isZero();
        }
        int tx = bound(sa, A, 4000);
        if (tos != 0) {
            assertThat(sa.setsockopt(tx, SOL_IP, IpSockglue.IP_TOS, tos)).isZero();
        }
        assertThat(sa.sendto(tx, payload, 0, payload.length, 0, new SockAddrIn(B, 5000))).isEqualTo(payload.length);
        n.sim.run();
        return rx;
    }

    MsgHdr recvmsg(SocketLayer s, int fd, byte[] data, byte[] control, int flags, int expect) {
        MsgHdr m = new MsgHdr().setBuffer(data, 0, data.length).setControl(control);
        assertThat(s.recvmsg(fd, m, flags | MSG_DONTWAIT)).isEqualTo(expect);
        return m;
    }

    @Test
    void ipRecvttlAndRecvtos_giveTheArrivingHeadersTtlAfterAHop_andTheSendersTos() {
        int rx = sendOne(new byte[] {1, 2, 3}, 0x28, IpSockglue.IP_RECVTTL, IpSockglue.IP_RECVTOS);
        byte[] c = new byte[64];
        MsgHdr m = recvmsg(sb, rx, new byte[16], c, 0, 3);
        assertCmsg(c, 0, Scm.cmsgLen(4), SOL_IP, IpSockglue.IP_TTL);
        assertThat(le32(c, 16)).isEqualTo(63); // 64, less one at R
        assertCmsg(c, 24, Scm.cmsgLen(1), SOL_IP, IpSockglue.IP_TOS);
        assertThat(c[40] & 0xff).isEqualTo(0x28);
        assertThat(m.controllen).isEqualTo(Scm.cmsgSpace(4) + Scm.cmsgSpace(1));
        assertThat(m.flags & MSG_CTRUNC).isZero();
    }

    @Test
    void ipPktinfo_givesArrivalIfindex_specificDestination_andHeaderDestination() {
        int rx = sendOne(new byte[] {9}, 0, IpSockglue.IP_PKTINFO);
        byte[] c = new byte[64];
        MsgHdr m = recvmsg(sb, rx, new byte[16], c, 0, 1);
        assertCmsg(c, 0, Scm.cmsgLen(12), SOL_IP, IpSockglue.IP_PKTINFO);
        assertThat(le32(c, 16)).isEqualTo(n.bEth0.ifindex());
        assertThat(be32(c, 20)).isEqualTo(B); // ipi_spec_dst
        assertThat(be32(c, 24)).isEqualTo(B); // ipi_addr
        assertThat(m.controllen).isEqualTo(Scm.cmsgSpace(12));
        assertThat(m.nameAddr).isEqualTo(A);
    }

    @Test
    void allThree_comeInLinuxOrder_pktinfoTtlTos() {
        int rx = sendOne(new byte[] {9}, 0x10, IpSockglue.IP_RECVTOS, IpSockglue.IP_RECVTTL, IpSockglue.IP_PKTINFO);
        byte[] c = new byte[128];
        MsgHdr m = recvmsg(sb, rx, new byte[16], c, 0, 1);
        assertCmsg(c, 0, 28, SOL_IP, IpSockglue.IP_PKTINFO);
        assertCmsg(c, 32, 20, SOL_IP, IpSockglue.IP_TTL);
        assertCmsg(c, 56, 17, SOL_IP, IpSockglue.IP_TOS);
        assertThat(c[72] & 0xff).isEqualTo(0x10);
        assertThat(m.controllen).isEqualTo(80);
    }

    @Test
    void noControlOption_writesNothing_andControllenBecomesZero() {
        int rx = sendOne(new byte[] {9}, 0x10);
        byte[] c = new byte[64];
        Arrays.fill(c, (byte) 0x5a);
        MsgHdr m = recvmsg(sb, rx, new byte[16], c, 0, 1);
        assertThat(m.controllen).isZero();
        assertThat(m.flags & MSG_CTRUNC).isZero();
        assertThat(c).containsOnly((byte) 0x5a);
    }

    @Test
    void controlBufferTooSmall_msgCtrunc_withWhatFitsWritten() {
        int rx = sendOne(new byte[] {9}, 0, IpSockglue.IP_PKTINFO, IpSockglue.IP_RECVTTL);
        // Room for in_pktinfo (32) and 18 bytes of the TTL message: its header and 2 of its 4 bytes.
        byte[] c = new byte[64];
        MsgHdr m = new MsgHdr().setBuffer(new byte[16], 0, 16).setControl(c);
        m.controllen = 50;
        assertThat(sb.recvmsg(rx, m, MSG_DONTWAIT)).isEqualTo(1);
        assertThat(m.flags & MSG_CTRUNC).isEqualTo(MSG_CTRUNC);
        assertCmsg(c, 0, 28, SOL_IP, IpSockglue.IP_PKTINFO);
        assertCmsg(c, 32, 18, SOL_IP, IpSockglue.IP_TTL);
        assertThat(c[48] & 0xff).isEqualTo(63);
        assertThat(c[50]).isZero(); // not written
        assertThat(m.controllen).isEqualTo(50);
    }

    @Test
    void noRoomForAHeader_msgCtrunc_nothingWritten() {
        int rx = sendOne(new byte[] {9}, 0, IpSockglue.IP_RECVTTL);
        MsgHdr m = recvmsg(sb, rx, new byte[16], new byte[15], 0, 1);
        assertThat(m.flags & MSG_CTRUNC).isEqualTo(MSG_CTRUNC);
        assertThat(m.controllen).isZero();
        // recvfrom has no control buffer: the datagram still arrives.
        int tx = bound(sa, A, 4001);
        sa.sendto(tx, new byte[] {7}, 0, 1, 0, new SockAddrIn(B, 5000));
        n.sim.run();
        assertThat(sb.recvfrom(rx, new byte[4], 0, 4, MSG_DONTWAIT, null)).isEqualTo(1);
    }

    @Test
    void soTimestampns_givesTheArrivalTime_notTheReadTime() {
        int rx = bound(sb, B, 5000);
        assertThat(sb.setsockopt(rx, SOL_SOCKET, SO_TIMESTAMPNS, 1)).isZero();
        int[] v = new int[1];
        sb.getsockopt(rx, SOL_SOCKET, SO_TIMESTAMPNS, v);
        assertThat(v[0]).isEqualTo(1);
        int tx = bound(sa, A, 4000);
        n.sim.runFor(Duration.ofMillis(1234));
        long sent = n.b.clock().nanoTime();
        sa.sendto(tx, new byte[] {1}, 0, 1, 0, new SockAddrIn(B, 5000));
        n.sim.run();
        n.sim.runFor(Duration.ofSeconds(3));
        byte[] c = new byte[64];
        MsgHdr m = recvmsg(sb, rx, new byte[4], c, 0, 1);
        assertCmsg(c, 0, Scm.cmsgLen(16), SOL_SOCKET, SCM_TIMESTAMPNS);
        long ts = le64(c, 16) * 1_000_000_000L + le64(c, 24);
        assertThat(le64(c, 24)).isBetween(0L, 999_999_999L);
        assertThat(ts).isBetween(sent, sent + 1_000_000L);
        assertThat(n.b.clock().nanoTime() - ts).isGreaterThanOrEqualTo(3_000_000_000L);
        assertThat(m.controllen).isEqualTo(32);
    }

    // ================================================================ the error queue

    int pollRevents(SocketLayer s, int fd) {
        PollFd[] p = {new PollFd(fd, POLLIN)};
        assertThat(s.poll(p, 1, 0)).isGreaterThanOrEqualTo(0);
        return p[0].revents;
    }

    @Test
    void errorQueue_afterPortUnreachable_givesPayloadDestinationAndEveryExtendedErrorField() {
        int tx = bound(sa, A, 4000);
        assertThat(sa.setsockopt(tx, SOL_IP, IpSockglue.IP_RECVERR, 1)).isZero();
        byte[] p = "probe!".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        sa.sendto(tx, p, 0, p.length, 0, new SockAddrIn(B, 5555)); // nobody listens on B:5555
        n.sim.run();
        assertThat(pollRevents(sa, tx) & POLLERR).isEqualTo(POLLERR);

        byte[] data = new byte[64];
        byte[] c = new byte[64];
        MsgHdr m = recvmsg(sa, tx, data, c, MSG_ERRQUEUE, p.length);
        assertThat(Arrays.copyOf(data, p.length)).isEqualTo(p);
        assertThat(m.flags & MSG_ERRQUEUE).isEqualTo(MSG_ERRQUEUE);
        assertThat(m.flags & (MSG_TRUNC | MSG_CTRUNC)).isZero();
        assertThat(m.nameFamily).isEqualTo(AF_INET);
        assertThat(m.nameAddr).isEqualTo(B);
        assertThat(m.namePort).isEqualTo(5555);
        assertCmsg(c, 0, Scm.cmsgLen(32), SOL_IP, IpSockglue.IP_RECVERR);
        assertThat(le32(c, 16)).as("ee_errno").isEqualTo(Errno.ECONNREFUSED.code);
        assertThat(c[20]).as("ee_origin").isEqualTo((byte) 2); // SO_EE_ORIGIN_ICMP
        assertThat(c[21]).as("ee_type").isEqualTo((byte) IcmpHeader.ICMP_DEST_UNREACH);
        assertThat(c[22]).as("ee_code").isEqualTo((byte) IcmpHeader.ICMP_PORT_UNREACH);
        assertThat(c[23]).as("ee_pad").isZero();
        assertThat(le32(c, 24)).as("ee_info").isZero();
        assertThat(le32(c, 28)).as("ee_data").isZero();
        // SO_EE_OFFENDER: the host that sent the ICMP error
        assertThat(c[32] & 0xff | (c[33] & 0xff) << 8).as("sin_family").isEqualTo(AF_INET);
        assertThat(be16(c, 34)).as("sin_port").isZero();
        assertThat(be32(c, 36)).as("sin_addr").isEqualTo(B);
        assertThat(le64(c, 40)).as("sin_zero").isZero();
        assertThat(m.controllen).isEqualTo(48);

        // Read: the queue is empty, POLLERR and the pending error are gone with it.
        assertThat(pollRevents(sa, tx) & POLLERR).isZero();
        recvmsg(sa, tx, data, new byte[64], MSG_ERRQUEUE, Errno.EAGAIN.neg());
        int[] soError = new int[1];
        sa.getsockopt(tx, SOL_SOCKET, SO_ERROR, soError);
        assertThat(soError[0]).isZero();
    }

    @Test
    void errorQueue_fragmentationNeeded_givesNextHopMtuInEeInfo_theRouterAsOffender_andTheIcmpTtl() {
        n.r.devices().setMtu(n.rEth1, 1000);
        int tx = bound(sa, A, 4000);
        assertThat(sa.setsockopt(tx, SOL_IP, IpSockglue.IP_RECVERR, 1)).isZero();
        assertThat(sa.setsockopt(tx, SOL_IP, IpSockglue.IP_RECVTTL, 1)).isZero();
        byte[] p = new byte[1200];
        for (int i = 0; i < p.length; i++) {
            p[i] = (byte) (i * 13);
        }
        sa.sendto(tx, p, 0, p.length, 0, new SockAddrIn(B, 5000)); // DF set (IP_PMTUDISC_WANT)
        n.sim.run();
        assertThat(n.mib(n.r, "Icmp", "OutDestUnreachs")).isEqualTo(1);

        byte[] data = new byte[2000];
        byte[] c = new byte[128];
        MsgHdr m = new MsgHdr().setBuffer(data, 0, data.length).setControl(c);
        int r = sa.recvmsg(tx, m, MSG_ERRQUEUE | MSG_DONTWAIT);
        // R quotes at most 576 bytes of ICMP packet: 576 - 20 - 8 - 20 - 8 bytes of our payload.
        assertThat(r).isEqualTo(520);
        assertThat(Arrays.copyOf(data, r)).isEqualTo(Arrays.copyOf(p, r));
        assertThat(m.nameAddr).isEqualTo(B);
        assertThat(m.namePort).isEqualTo(5000);
        assertCmsg(c, 0, Scm.cmsgLen(4), SOL_IP, IpSockglue.IP_TTL);
        assertThat(le32(c, 16)).isEqualTo(64); // the ICMP packet's TTL: R is one hop away
        int e = 24;
        assertCmsg(c, e, 48, SOL_IP, IpSockglue.IP_RECVERR);
        assertThat(le32(c, e + 16)).as("ee_errno").isEqualTo(Errno.EMSGSIZE.code);
        assertThat(c[e + 20]).as("ee_origin").isEqualTo((byte) 2);
        assertThat(c[e + 21]).as("ee_type").isEqualTo((byte) IcmpHeader.ICMP_DEST_UNREACH);
        assertThat(c[e + 22]).as("ee_code").isEqualTo((byte) IcmpHeader.ICMP_FRAG_NEEDED);
        assertThat(c[e + 23]).as("ee_pad").isZero();
        assertThat(le32(c, e + 24)).as("ee_info: next-hop MTU").isEqualTo(1000);
        assertThat(le32(c, e + 28)).as("ee_data").isZero();
        assertThat(be32(c, e + 36)).as("offender").isEqualTo(R0);
        assertThat(m.controllen).isEqualTo(24 + 48);
    }

    @Test
    void errorQueue_datagramTooLong_leavesALocalReport_withTheMtu_andNoOffender() {
        int tx = bound(sa, A, 4000);
        sa.setsockopt(tx, SOL_IP, IpSockglue.IP_RECVERR, 1);
        byte[] big = new byte[Udp.MAX_PAYLOAD + 1];
        assertThat(sa.sendto(tx, big, 0, big.length, 0, new SockAddrIn(B, 5000))).isEqualTo(Errno.EMSGSIZE.neg());
        assertThat(pollRevents(sa, tx) & POLLERR).isEqualTo(POLLERR);
        byte[] c = new byte[64];
        MsgHdr m = recvmsg(sa, tx, new byte[16], c, MSG_ERRQUEUE, 0);
        assertThat(m.flags & MSG_ERRQUEUE).isEqualTo(MSG_ERRQUEUE);
        assertThat(m.nameAddr).isEqualTo(B);
        assertThat(m.namePort).isZero(); // Linux reports the socket's own peer port: none
        assertCmsg(c, 0, 48, SOL_IP, IpSockglue.IP_RECVERR);
        assertThat(le32(c, 16)).as("ee_errno").isEqualTo(Errno.EMSGSIZE.code);
        assertThat(c[20]).as("ee_origin").isEqualTo((byte) 1); // SO_EE_ORIGIN_LOCAL
        assertThat(c[21] | c[22] | c[23]).isZero();
        assertThat(le32(c, 24)).as("ee_info: the MTU").isEqualTo(1500);
        assertThat(Arrays.copyOfRange(c, 32, 48)).as("no offender").containsOnly(0);
        int[] soError = new int[1];
        sa.getsockopt(tx, SOL_SOCKET, SO_ERROR, soError);
        assertThat(soError[0]).isZero();
        assertThat(pollRevents(sa, tx) & POLLERR).isZero();
        // Corked: the same report, and the pending data is gone.
        sa.setsockopt(tx, SOL_UDP, Udp.UDP_CORK, 1);
        assertThat(sa.sendto(tx, big, 0, 40000, 0, new SockAddrIn(B, 5000))).isEqualTo(40000);
        assertThat(sa.sendto(tx, big, 0, 30000, 0, new SockAddrIn(B, 5000))).isEqualTo(Errno.EMSGSIZE.neg());
        m = recvmsg(sa, tx, new byte[16], c, MSG_ERRQUEUE, 0);
        assertThat(le32(c, 16)).isEqualTo(Errno.EMSGSIZE.code);
        assertThat(c[20]).isEqualTo((byte) 1);
    }

    @Test
    void errorQueue_ttlExceededAtTheRouter_tracerouteSeesTheRouter() {
        int tx = bound(sa, A, 4000);
        sa.setsockopt(tx, SOL_IP, IpSockglue.IP_RECVERR, 1);
        sa.setsockopt(tx, SOL_IP, IpSockglue.IP_TTL, 1);
        sa.sendto(tx, new byte[] {42}, 0, 1, 0, new SockAddrIn(B, 33434));
        n.sim.run();
        byte[] c = new byte[64];
        byte[] d = new byte[8];
        MsgHdr m = recvmsg(sa, tx, d, c, MSG_ERRQUEUE, 1);
        assertThat(d[0]).isEqualTo((byte) 42);
        assertThat(m.nameAddr).isEqualTo(B);
        assertThat(m.namePort).isEqualTo(33434);
        assertThat(le32(c, 16)).as("ee_errno").isEqualTo(Errno.EHOSTUNREACH.code);
        assertThat(c[20]).isEqualTo((byte) 2);
        assertThat(c[21]).as("ee_type").isEqualTo((byte) IcmpHeader.ICMP_TIME_EXCEEDED);
        assertThat(c[22]).as("ee_code").isEqualTo((byte) IcmpHeader.ICMP_EXC_TTL);
        assertThat(be32(c, 36)).as("offender").isEqualTo(R0);
    }

    @Test
    void errorQueue_truncatedPayload_msgTrunc() {
        int tx = bound(sa, A, 4000);
        sa.setsockopt(tx, SOL_IP, IpSockglue.IP_RECVERR, 1);
        sa.sendto(tx, new byte[] {1, 2, 3, 4, 5}, 0, 5, 0, new SockAddrIn(B, 5555));
        n.sim.run();
        byte[] data = new byte[2];
        MsgHdr m = recvmsg(sa, tx, data, new byte[64], MSG_ERRQUEUE, 2);
        assertThat(m.flags & (MSG_TRUNC | MSG_ERRQUEUE)).isEqualTo(MSG_TRUNC | MSG_ERRQUEUE);
        assertThat(data).containsExactly(1, 2);
    }

    @Test
    void errorQueue_emptyOrWithoutIpRecverr_eagain() {
        int tx = bound(sa, A, 4000);
        recvmsg(sa, tx, new byte[16], new byte[64], MSG_ERRQUEUE, Errno.EAGAIN.neg());
        // Unconnected and without IP_RECVERR: a port unreachable is neither queued nor reported.
        sa.sendto(tx, new byte[] {1}, 0, 1, 0, new SockAddrIn(B, 5555));
        n.sim.run();
        assertThat(n.mib(n.a, "Icmp", "InDestUnreachs")).isEqualTo(1);
        assertThat(pollRevents(sa, tx) & POLLERR).isZero();
        MsgHdr m = recvmsg(sa, tx, new byte[16], new byte[64], MSG_ERRQUEUE, Errno.EAGAIN.neg());
        assertThat(m.flags & MSG_ERRQUEUE).isZero();
        assertThat(m.controllen).isZero();
    }

    @Test
    void errorQueue_twoErrors_readInOrder_pendingErrorFollowsTheQueue() {
        int tx = bound(sa, A, 4000);
        sa.setsockopt(tx, SOL_IP, IpSockglue.IP_RECVERR, 1);
        sa.sendto(tx, new byte[] {1}, 0, 1, 0, new SockAddrIn(B, 5555));
        n.sim.run();
        n.sim.runFor(Duration.ofSeconds(2)); // past B's ICMP rate limit
        // The first error is also pending (sk_err): the next send reports it, as in Linux.
        assertThat(sa.sendto(tx, new byte[] {2}, 0, 1, 0, new SockAddrIn(B, 5556))).isEqualTo(Errno.ECONNREFUSED.neg());
        assertThat(sa.sendto(tx, new byte[] {2}, 0, 1, 0, new SockAddrIn(B, 5556))).isEqualTo(1);
        n.sim.run();
        byte[] d = new byte[4];
        MsgHdr m = recvmsg(sa, tx, d, new byte[64], MSG_ERRQUEUE, 1);
        assertThat(d[0]).isEqualTo((byte) 1);
        assertThat(m.namePort).isEqualTo(5555);
        // One more report queued: still POLLERR, and the pending error is that report's errno.
        assertThat(pollRevents(sa, tx) & POLLERR).isEqualTo(POLLERR);
        int[] soError = new int[1];
        sa.getsockopt(tx, SOL_SOCKET, SO_ERROR, soError);
        assertThat(soError[0]).isEqualTo(Errno.ECONNREFUSED.code);
        m = recvmsg(sa, tx, d, new byte[64], MSG_ERRQUEUE, 1);
        assertThat(d[0]).isEqualTo((byte) 2);
        assertThat(m.namePort).isEqualTo(5556);
        assertThat(pollRevents(sa, tx) & POLLERR).isZero();
    }
}
