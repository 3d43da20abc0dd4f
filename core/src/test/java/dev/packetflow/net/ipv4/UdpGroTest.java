package dev.packetflow.net.ipv4;

import static dev.packetflow.net.ipv4.UdpGsoTest.A;
import static dev.packetflow.net.ipv4.UdpGsoTest.B;
import static dev.packetflow.net.ipv4.UdpGsoTest.assertPieces;
import static dev.packetflow.net.ipv4.UdpGsoTest.bound;
import static dev.packetflow.net.ipv4.UdpGsoTest.drain;
import static dev.packetflow.net.ipv4.UdpGsoTest.pattern;
import static dev.packetflow.net.ipv4.UdpGsoTest.watchUdpTx;
import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.MMsgHdr;
import dev.packetflow.net.socket.MsgHdr;
import dev.packetflow.net.socket.Scm;
import dev.packetflow.net.socket.Sock;
import dev.packetflow.net.socket.SockAddrIn;
import dev.packetflow.net.socket.SocketLayer;
import dev.packetflow.testing.VethHosts;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The per-send {@code UDP_SEGMENT} control message ({@code udp_cmsg_send}) and {@code UDP_GRO}: a
 * super-packet from a {@code UDP_SEGMENT} sender, carried whole by the veth or the loopback, is
 * read whole by a socket with {@code UDP_GRO} on, with its segment size in a {@code UDP_GRO}
 * control message, as Linux up to 6.10 does it.
 */
class UdpGroTest {
    static final SockAddrIn TO_B = new SockAddrIn(B, 6000);

    // ---------------------------------------------------------------- helpers

    /** One control message as an application lays it out on x86-64: header, data, padding. */
    static byte[] cmsg(long cmsgLen, int level, int type, byte[] data) {
        byte[] b = new byte[Scm.cmsgSpace(data.length)];
        Scm.putLe64(b, 0, cmsgLen);
        Scm.putLe32(b, 8, level);
        Scm.putLe32(b, 12, type);
        System.arraycopy(data, 0, b, 16, data.length);
        return b;
    }

    /** A well-formed {@code SOL_UDP}/{@code UDP_SEGMENT} message with a {@code __u16}. */
    static byte[] segCmsg(int size) {
        return cmsg(Scm.cmsgLen(2), SOL_UDP, Udp.UDP_SEGMENT, new byte[] {(byte) size, (byte) (size >>> 8)});
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    static int sendmsg(SocketLayer s, int fd, byte[] data, byte[] control, int flags) {
        MsgHdr m = new MsgHdr().setBuffer(data, 0, data.length).setName(TO_B).setControl(control);
        return s.sendmsg(fd, m, flags);
    }

    static void assertCmsg(byte[] c, int o, int len, int level, int type) {
        assertThat(UdpCmsgTest.le64(c, o)).as("cmsg_len at " + o).isEqualTo(len);
        assertThat(UdpCmsgTest.le32(c, o + 8)).as("cmsg_level at " + o).isEqualTo(level);
        assertThat(UdpCmsgTest.le32(c, o + 12)).as("cmsg_type at " + o).isEqualTo(type);
    }

    /** B's socket on 6000 with {@code UDP_GRO} as given and a receive buffer for 128 small skbs. */
    static int groSocket(VethHosts h, boolean gro) {
        int rx = bound(h.sb, B, 6000);
        assertThat(h.sb.setsockopt(rx, SOL_SOCKET, SO_RCVBUF, 1 << 20)).isZero();
        if (gro) {
            assertThat(h.sb.setsockopt(rx, SOL_UDP, Udp.UDP_GRO, 1)).isZero();
        }
        return rx;
    }

    /** A → B:6000, {@code len} bytes of {@link UdpGsoTest#pattern} cut in segments of {@code seg}. */
    static byte[] sendSegmented(VethHosts h, int fd, int len, int seg) {
        byte[] data = pattern(len);
        assertThat(sendmsg(h.sa, fd, data, segCmsg(seg), 0)).isEqualTo(len);
        h.sim.run();
        return data;
    }

    // ---------------------------------------------------------------- UDP_SEGMENT per send

    @Test
    void cmsgUdpSegment_withoutTheOption_sendsOneSuperPacket_readAsTenDatagrams() {
        try (VethHosts h = new VethHosts(21)) {
            List<UdpGsoTest.Tx> tx = watchUdpTx(h.a.device("eth0"));
            int rx = bound(h.sb, B, 6000);
            int fd = bound(h.sa, A, 5000);

            byte[] data = sendSegmented(h, fd, 1000, 100);

            assertThat(tx).containsExactly(new UdpGsoTest.Tx(100, 10, SkBuff.SKB_GSO_UDP_L4, 14 + 20 + 8 + 1000));
            assertPieces(drain(h.sb, rx), data, 100);
            int[] v = {-1};
            assertThat(h.sa.getsockopt(fd, SOL_UDP, Udp.UDP_SEGMENT, v)).isZero();
            assertThat(v[0]).as("the option is untouched").isZero();
        }
    }

    @Test
    void cmsgUdpSegment_overridesTheOption_forThisCallOnly() {
        try (VethHosts h = new VethHosts(22)) {
            List<UdpGsoTest.Tx> tx = watchUdpTx(h.a.device("eth0"));
            int rx = bound(h.sb, B, 6000);
            int fd = bound(h.sa, A, 5000);
            assertThat(h.sa.setsockopt(fd, SOL_UDP, Udp.UDP_SEGMENT, 100)).isZero();
            byte[] data = pattern(1000);

            assertThat(sendmsg(h.sa, fd, data, segCmsg(250), 0)).isEqualTo(1000);
            h.sim.run();
            assertPieces(drain(h.sb, rx), data, 250);
            // 0 in the message: one plain datagram although the option is set
            assertThat(sendmsg(h.sa, fd, data, segCmsg(0), 0)).isEqualTo(1000);
            h.sim.run();
            assertPieces(drain(h.sb, rx), data, 1000);
            // no message: the option again
            assertThat(sendmsg(h.sa, fd, data, null, 0)).isEqualTo(1000);
            h.sim.run();
            assertPieces(drain(h.sb, rx), data, 100);

            assertThat(tx).extracting(UdpGsoTest.Tx::gsoSize).containsExactly(250, 0, 100);
        }
    }

    @Test
    void cmsgUdpSegment_afterAMessageOfAnotherLevel_isFound_andTheLastOneWins() {
        try (VethHosts h = new VethHosts(23)) {
            int rx = bound(h.sb, B, 6000);
            int fd = bound(h.sa, A, 5000);
            byte[] ttl = cmsg(Scm.cmsgLen(4), SOL_IP, IpSockglue.IP_TTL, new byte[] {9, 0, 0, 0});
            byte[] data = pattern(900);

            assertThat(sendmsg(h.sa, fd, data, concat(ttl, segCmsg(100), segCmsg(300)), 0)).isEqualTo(900);
            h.sim.run();

            assertPieces(drain(h.sb, rx), data, 300);
        }
    }

    @Test
    void cmsgUdpSegment_badMessages_areEinval_andNothingIsSent() {
        try (VethHosts h = new VethHosts(24)) {
            int rx = bound(h.sb, B, 6000);
            int fd = bound(h.sa, A, 5000);
            byte[] data = pattern(1000);
            int einval = Errno.EINVAL.neg();
            // a u32 where Linux wants exactly CMSG_LEN(sizeof(__u16))
            assertThat(sendmsg(h.sa, fd, data, cmsg(Scm.cmsgLen(4), SOL_UDP, Udp.UDP_SEGMENT, new byte[] {100, 0, 0, 0}), 0))
                    .isEqualTo(einval);
            assertThat(sendmsg(h.sa, fd, data, cmsg(Scm.cmsgLen(1), SOL_UDP, Udp.UDP_SEGMENT, new byte[] {100}), 0))
                    .isEqualTo(einval);
            // a SOL_UDP type other than UDP_SEGMENT
            assertThat(sendmsg(h.sa, fd, data, cmsg(Scm.cmsgLen(4), SOL_UDP, Udp.UDP_GRO, new byte[4]), 0))
                    .isEqualTo(einval);
            // not CMSG_OK: shorter than a header, longer than the buffer, a huge size_t
            assertThat(sendmsg(h.sa, fd, data, cmsg(15, SOL_UDP, Udp.UDP_SEGMENT, new byte[2]), 0)).isEqualTo(einval);
            assertThat(sendmsg(h.sa, fd, data, cmsg(Scm.cmsgSpace(2) + 1, SOL_IP, IpSockglue.IP_TTL, new byte[2]), 0))
                    .isEqualTo(einval);
            assertThat(sendmsg(h.sa, fd, data, cmsg(-1L, SOL_UDP, Udp.UDP_SEGMENT, new byte[2]), 0)).isEqualTo(einval);
            // a good message followed by a bad one: the whole call fails
            assertThat(sendmsg(h.sa, fd, data, concat(segCmsg(100), cmsg(8, SOL_UDP, Udp.UDP_SEGMENT, new byte[2])), 0))
                    .isEqualTo(einval);
            // the per-call size goes through udp_send_skb's checks: a segment over the MTU
            assertThat(sendmsg(h.sa, fd, pattern(3000), segCmsg(1473), 0)).isEqualTo(einval);
            h.sim.run();

            assertThat(drain(h.sb, rx)).isEmpty();
            assertThat(h.a.udp().mib().get("OutDatagrams")).isZero();
        }
    }

    @Test
    void cmsgUdpSegment_unreadableControlBuffer_isEfaultOrEnobufs_andTooShortForAHeaderIsIgnored() {
        try (VethHosts h = new VethHosts(25)) {
            int rx = bound(h.sb, B, 6000);
            int fd = bound(h.sa, A, 5000);
            byte[] data = pattern(500);
            MsgHdr m = new MsgHdr().setBuffer(data, 0, data.length).setName(TO_B).setControl(segCmsg(100));
            m.controllen = 64; // more than the array holds: copy_from_user() faults
            assertThat(h.sa.sendmsg(fd, m, 0)).isEqualTo(Errno.EFAULT.neg());
            m.setBuffer(data, 0, data.length);
            m.controllen = -1; // over INT_MAX as a size_t
            assertThat(h.sa.sendmsg(fd, m, 0)).isEqualTo(Errno.ENOBUFS.neg());
            m.setBuffer(data, 0, data.length);
            m.controllen = 15; // no whole header: CMSG_FIRSTHDR() is NULL, nothing to read
            assertThat(h.sa.sendmsg(fd, m, 0)).isEqualTo(500);
            h.sim.run();

            assertPieces(drain(h.sb, rx), data, 500);
        }
    }

    @Test
    void cmsgUdpSegment_onAFirstCorkedSend_segmentsTheCorkedDatagram_laterMessagesAreNotRead() {
        try (VethHosts h = new VethHosts(26)) {
            List<UdpGsoTest.Tx> tx = watchUdpTx(h.a.device("eth0"));
            int rx = bound(h.sb, B, 6000);
            int fd = bound(h.sa, A, 5000);
            byte[] data = pattern(1000);

            assertThat(sendmsg(h.sa, fd, Arrays.copyOf(data, 600), segCmsg(200), MSG_MORE)).isEqualTo(600);
            // Linux appends to the pending datagram before it looks at the control buffer
            byte[] bad = cmsg(Scm.cmsgLen(4), SOL_UDP, Udp.UDP_SEGMENT, new byte[4]);
            assertThat(sendmsg(h.sa, fd, Arrays.copyOfRange(data, 600, 1000), bad, 0)).isEqualTo(400);
            h.sim.run();

            assertThat(tx).containsExactly(new UdpGsoTest.Tx(200, 5, SkBuff.SKB_GSO_UDP_L4, 14 + 20 + 8 + 1000));
            assertPieces(drain(h.sb, rx), data, 200);
        }
    }

    @Test
    void sendmmsg_eachMessageHasItsOwnSegmentSize() {
        try (VethHosts h = new VethHosts(27)) {
            int rx = bound(h.sb, B, 6000);
            int fd = bound(h.sa, A, 5000);
            byte[] d0 = pattern(400);
            byte[] d1 = pattern(600);
            MMsgHdr[] vec = MMsgHdr.array(2);
            vec[0].msg.setBuffer(d0, 0, d0.length).setName(TO_B).setControl(segCmsg(100));
            vec[1].msg.setBuffer(d1, 0, d1.length).setName(TO_B).setControl(segCmsg(300));

            assertThat(h.sa.sendmmsg(fd, vec, 2, 0)).isEqualTo(2);
            h.sim.run();

            List<byte[]> got = drain(h.sb, rx);
            assertPieces(got.subList(0, 4), d0, 100);
            assertPieces(got.subList(4, got.size()), d1, 300);
            assertThat(vec[1].msgLen).isEqualTo(600);
        }
    }

    // ---------------------------------------------------------------- UDP_GRO

    @Test
    void udpGro_on_oneRecvmsgGetsAllThirtyTwoSegments_withTheSegmentSizeInAControlMessage() {
        try (VethHosts h = new VethHosts(31)) {
            int rx = groSocket(h, true);
            int fd = bound(h.sa, A, 5000);
            Sock sk = h.sb.sock(rx);

            byte[] data = sendSegmented(h, fd, 32 * 64, 64);

            assertThat(h.b.udp().mib().get("InDatagrams")).as("counted when read").isZero();
            assertThat(sk.rmemAlloc()).as("one skb queued").isPositive();
            int[] inq = {0};
            assertThat(h.sb.ioctl(rx, SIOCINQ, inq)).isZero();
            assertThat(inq[0]).as("SIOCINQ: the whole payload").isEqualTo(2048);
            byte[] buf = new byte[4096];
            byte[] c = new byte[64];
            MsgHdr m = new MsgHdr().setBuffer(buf, 0, buf.length).setControl(c);

            assertThat(h.sb.recvmsg(rx, m, MSG_DONTWAIT)).isEqualTo(2048);

            assertThat(Arrays.copyOf(buf, 2048)).isEqualTo(data);
            assertThat(m.flags & (MSG_TRUNC | MSG_CTRUNC)).isZero();
            assertThat(m.name()).isEqualTo(new SockAddrIn(A, 5000));
            assertCmsg(c, 0, Scm.cmsgLen(4), SOL_UDP, Udp.UDP_GRO);
            assertThat(UdpCmsgTest.le32(c, 16)).isEqualTo(64);
            assertThat(m.controllen).isEqualTo(Scm.cmsgSpace(4));
            assertThat(h.sb.recvmsg(rx, m.setBuffer(buf, 0, buf.length), MSG_DONTWAIT)).isEqualTo(Errno.EAGAIN.neg());
            // Linux: udp_recvmsg() counts one datagram per skb read, whatever its gso_segs
            assertThat(h.b.udp().mib().get("InDatagrams")).isEqualTo(1);
            assertThat(h.b.udp().mib().get("InErrors")).isZero();
            assertThat(sk.rmemAlloc()).isZero();
        }
    }

    @Test
    void udpGro_off_thirtyTwoDatagramsAsBefore_withoutAControlMessage() {
        try (VethHosts h = new VethHosts(32)) {
            int rx = groSocket(h, false);
            int fd = bound(h.sa, A, 5000);
            byte[] data = sendSegmented(h, fd, 32 * 64, 64);

            byte[] buf = new byte[4096];
            byte[] c = new byte[64];
            MsgHdr m = new MsgHdr().setBuffer(buf, 0, buf.length).setControl(c);
            assertThat(h.sb.recvmsg(rx, m, MSG_DONTWAIT)).isEqualTo(64);
            assertThat(Arrays.copyOf(buf, 64)).isEqualTo(Arrays.copyOf(data, 64));
            assertThat(m.controllen).as("no UDP_GRO message").isZero();
            List<byte[]> rest = drain(h.sb, rx);
            assertThat(rest).hasSize(31);
            assertThat(h.b.udp().mib().get("InDatagrams")).isEqualTo(32);
        }
    }

    @Test
    void udpGro_smallBuffer_truncatesTheWholeSuperPacket_msgTruncGivesItsLength() {
        try (VethHosts h = new VethHosts(33)) {
            int rx = groSocket(h, true);
            int fd = bound(h.sa, A, 5000);
            byte[] data = sendSegmented(h, fd, 32 * 64, 64);
            sendSegmented(h, fd, 32 * 64, 64);

            byte[] buf = new byte[100];
            byte[] c = new byte[64];
            MsgHdr m = new MsgHdr().setBuffer(buf, 0, buf.length).setControl(c);
            assertThat(h.sb.recvmsg(rx, m, MSG_DONTWAIT)).isEqualTo(100);
            assertThat(m.flags & MSG_TRUNC).isNotZero();
            assertThat(buf).isEqualTo(Arrays.copyOf(data, 100));
            assertThat(UdpCmsgTest.le32(c, 16)).isEqualTo(64);

            m.setBuffer(buf, 0, buf.length).setControl(c);
            assertThat(h.sb.recvmsg(rx, m, MSG_DONTWAIT | MSG_TRUNC)).as("MSG_TRUNC: the real length").isEqualTo(2048);
            assertThat(h.sb.recvmsg(rx, m.setBuffer(buf, 0, buf.length), MSG_DONTWAIT)).isEqualTo(Errno.EAGAIN.neg());
            assertThat(h.b.udp().mib().get("InDatagrams")).isEqualTo(2);
        }
    }

    @Test
    void udpGro_controlBufferTooSmall_setsMsgCtrunc_butTheDataArrives() {
        try (VethHosts h = new VethHosts(34)) {
            int rx = groSocket(h, true);
            int fd = bound(h.sa, A, 5000);
            sendSegmented(h, fd, 4 * 64, 64);

            byte[] buf = new byte[512];
            MsgHdr m = new MsgHdr().setBuffer(buf, 0, buf.length).setControl(new byte[8]);
            assertThat(h.sb.recvmsg(rx, m, MSG_DONTWAIT)).isEqualTo(256);
            assertThat(m.flags & MSG_CTRUNC).isNotZero();
            assertThat(m.controllen).isZero();
        }
    }

    @Test
    void udpGro_messageOrder_timestampThenUdpGroThenIpTtl() {
        try (VethHosts h = new VethHosts(35)) {
            int rx = groSocket(h, true);
            assertThat(h.sb.setsockopt(rx, SOL_SOCKET, SO_TIMESTAMPNS, 1)).isZero();
            assertThat(h.sb.setsockopt(rx, SOL_IP, IpSockglue.IP_RECVTTL, 1)).isZero();
            int fd = bound(h.sa, A, 5000);
            sendSegmented(h, fd, 3 * 500, 500);

            byte[] buf = new byte[2000];
            byte[] c = new byte[128];
            MsgHdr m = new MsgHdr().setBuffer(buf, 0, buf.length).setControl(c);
            assertThat(h.sb.recvmsg(rx, m, MSG_DONTWAIT)).isEqualTo(1500);
            assertCmsg(c, 0, Scm.cmsgLen(16), SOL_SOCKET, SCM_TIMESTAMPNS);
            assertCmsg(c, 32, Scm.cmsgLen(4), SOL_UDP, Udp.UDP_GRO);
            assertThat(UdpCmsgTest.le32(c, 48)).isEqualTo(500);
            assertCmsg(c, 56, Scm.cmsgLen(4), SOL_IP, IpSockglue.IP_TTL);
            assertThat(UdpCmsgTest.le32(c, 72)).isEqualTo(64);
        }
    }

    @Test
    void udpGro_plainDatagram_isReadAsItIs_withoutAUdpGroMessage() {
        try (VethHosts h = new VethHosts(36)) {
            int rx = groSocket(h, true);
            int fd = bound(h.sa, A, 5000);
            byte[] data = pattern(64); // not longer than the segment: no super-packet
            assertThat(sendmsg(h.sa, fd, data, segCmsg(64), 0)).isEqualTo(64);
            h.sim.run();

            byte[] buf = new byte[512];
            byte[] c = new byte[64];
            MsgHdr m = new MsgHdr().setBuffer(buf, 0, buf.length).setControl(c);
            assertThat(h.sb.recvmsg(rx, m, MSG_DONTWAIT)).isEqualTo(64);
            assertThat(m.controllen).isZero();
        }
    }

    @Test
    void recvmmsg_withUdpGro_oneEntryPerSuperPacket_eachWithItsSegmentSize() {
        try (VethHosts h = new VethHosts(37)) {
            int rx = groSocket(h, true);
            int fd = bound(h.sa, A, 5000);
            byte[] d0 = sendSegmented(h, fd, 32 * 64, 64);
            byte[] d1 = sendSegmented(h, fd, 1000, 300);
            byte[] d2 = pattern(50);
            assertThat(sendmsg(h.sa, fd, d2, null, 0)).isEqualTo(50);
            h.sim.run();

            MMsgHdr[] vec = MMsgHdr.array(4);
            byte[][] bufs = new byte[4][4096];
            byte[][] ctl = new byte[4][64];
            for (int i = 0; i < 4; i++) {
                vec[i].msg.setBuffer(bufs[i], 0, 4096).setControl(ctl[i]);
            }
            assertThat(h.sb.recvmmsg(rx, vec, 4, MSG_DONTWAIT, -1)).isEqualTo(3);

            assertThat(vec[0].msgLen).isEqualTo(2048);
            assertThat(Arrays.copyOf(bufs[0], 2048)).isEqualTo(d0);
            assertThat(UdpCmsgTest.le32(ctl[0], 16)).isEqualTo(64);
            assertThat(vec[1].msgLen).isEqualTo(1000);
            assertThat(Arrays.copyOf(bufs[1], 1000)).isEqualTo(d1);
            assertCmsg(ctl[1], 0, Scm.cmsgLen(4), SOL_UDP, Udp.UDP_GRO);
            assertThat(UdpCmsgTest.le32(ctl[1], 16)).isEqualTo(300);
            assertThat(vec[2].msgLen).isEqualTo(50);
            assertThat(vec[2].msg.controllen).isZero();
            assertThat(h.b.udp().mib().get("InDatagrams")).isEqualTo(3);
        }
    }

    @Test
    void udpGro_toALocalAddress_overTheLoopback_isReadWhole() {
        try (VethHosts h = new VethHosts(38)) {
            int rx = bound(h.sa, A, 6000);
            assertThat(h.sa.setsockopt(rx, SOL_UDP, Udp.UDP_GRO, 1)).isZero();
            int fd = bound(h.sa, A, 5000);
            byte[] data = pattern(6000);
            MsgHdr s = new MsgHdr().setBuffer(data, 0, data.length).setName(new SockAddrIn(A, 6000))
                    .setControl(segCmsg(1400));
            assertThat(h.sa.sendmsg(fd, s, 0)).isEqualTo(6000);
            h.sim.run();

            byte[] buf = new byte[8000];
            byte[] c = new byte[64];
            MsgHdr m = new MsgHdr().setBuffer(buf, 0, buf.length).setControl(c);
            assertThat(h.sa.recvmsg(rx, m, MSG_DONTWAIT)).isEqualTo(6000);
            assertThat(Arrays.copyOf(buf, 6000)).isEqualTo(data);
            assertThat(UdpCmsgTest.le32(c, 16)).isEqualTo(1400);
        }
    }

    @Test
    void udpGro_fullReceiveBuffer_dropsTheSuperPacketAsOneSkb() {
        try (VethHosts h = new VethHosts(39)) {
            int rx = bound(h.sb, B, 6000);
            assertThat(h.sb.setsockopt(rx, SOL_UDP, Udp.UDP_GRO, 1)).isZero();
            int fd = bound(h.sa, A, 5000);
            Sock sk = h.sb.sock(rx);
            // fill the (default) buffer with super-packets until one is refused
            int sent = 0;
            while (h.b.udp().mib().get("RcvbufErrors") == 0) {
                sendSegmented(h, fd, 32 * 1000, 1000);
                sent++;
                assertThat(sent).isLessThan(1000);
            }
            long drops = sk.drops();

            assertThat(h.b.udp().mib().get("RcvbufErrors")).isEqualTo(1);
            assertThat(h.b.udp().mib().get("InErrors")).as("one skb, not its 32 segments").isEqualTo(1);
            assertThat(drops).isEqualTo(1);
            byte[] buf = new byte[40000];
            int n = 0;
            while (h.sb.recvfrom(rx, buf, 0, buf.length, MSG_DONTWAIT, null) == 32000) {
                n++;
            }
            assertThat(n).isEqualTo(sent - 1);
        }
    }

    @Test
    void udpGro_sockopt_getReturnsIt_anyNonZeroTurnsItOn_shortOptionIsEinval() {
        try (VethHosts h = new VethHosts(40)) {
            int fd = h.sb.socket(AF_INET, SOCK_DGRAM, 0);
            int[] v = {-1};
            assertThat(h.sb.getsockopt(fd, SOL_UDP, Udp.UDP_GRO, v)).isZero();
            assertThat(v[0]).isZero();
            assertThat(h.sb.setsockopt(fd, SOL_UDP, Udp.UDP_GRO, 7)).isZero();
            assertThat(h.sb.getsockopt(fd, SOL_UDP, Udp.UDP_GRO, v)).isZero();
            assertThat(v[0]).isEqualTo(1);
            assertThat(h.sb.setsockopt(fd, SOL_UDP, Udp.UDP_GRO, new byte[2], 2)).isEqualTo(Errno.EINVAL.neg());
            assertThat(h.sb.getsockopt(fd, SOL_UDP, Udp.UDP_GRO, v)).isZero();
            assertThat(v[0]).isEqualTo(1);
            assertThat(h.sb.setsockopt(fd, SOL_UDP, Udp.UDP_GRO, 0)).isZero();
            assertThat(h.sb.getsockopt(fd, SOL_UDP, Udp.UDP_GRO, v)).isZero();
            assertThat(v[0]).isZero();
        }
    }

    @Test
    void udpGro_turnedOffAfterQueueing_readsTheWholePacket_withoutTheMessage() {
        try (VethHosts h = new VethHosts(41)) {
            int rx = groSocket(h, true);
            int fd = bound(h.sa, A, 5000);
            sendSegmented(h, fd, 4 * 64, 64);
            assertThat(h.sb.setsockopt(rx, SOL_UDP, Udp.UDP_GRO, 0)).isZero();

            byte[] buf = new byte[512];
            byte[] c = new byte[64];
            MsgHdr m = new MsgHdr().setBuffer(buf, 0, buf.length).setControl(c);
            assertThat(h.sb.recvmsg(rx, m, MSG_DONTWAIT)).as("queued whole, read whole").isEqualTo(256);
            assertThat(m.controllen).as("udp_recvmsg() asks GRO_ENABLED at read time").isZero();
        }
    }
}
