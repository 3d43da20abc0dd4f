package dev.packetflow.net.socket;

import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.trace.Journey;
import dev.packetflow.testing.VethHosts;
import dev.packetflow.trace.JourneyRecorder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SocketLayer#sendmmsg} and {@link SocketLayer#recvmmsg} over real UDP (and TCP) between two
 * stacks joined by a veth, in virtual time: batch results, Linux's error rules, MSG_WAITFORONE,
 * the timeout, and blocking on virtual threads.
 */
class MMsgTest {
    static final int A = InetAddr.parse("198.18.0.1");
    static final int B = InetAddr.parse("198.18.0.2");

    final VethHosts h = new VethHosts(17);
    final Simulation sim = h.sim;
    final NetStack a = h.a;
    final NetStack b = h.b;
    final SocketLayer sa = h.sa;
    final SocketLayer sb = h.sb;

    @AfterEach
    void close() {
        h.close();
    }

    static int udp(SocketLayer s, int addr, int port) {
        int fd = s.socket(AF_INET, SOCK_DGRAM, 0);
        assertThat(s.bind(fd, new SockAddrIn(addr, port))).isZero();
        return fd;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Sends {@code payloads} from A:4000 to B:5000 one sendto each and delivers them. */
    void deliver(int tx, String... payloads) {
        for (String p : payloads) {
            byte[] d = bytes(p);
            assertThat(sa.sendto(tx, d, 0, d.length, 0, new SockAddrIn(B, 5000))).isEqualTo(d.length);
        }
        sim.run();
    }

    /** A receive vector of {@code n} entries with 64-byte buffers. */
    static MMsgHdr[] rxVec(int n, byte[][] bufs) {
        MMsgHdr[] v = MMsgHdr.array(n);
        for (int i = 0; i < n; i++) {
            bufs[i] = new byte[64];
            v[i].msg.setBuffer(bufs[i], 0, 64);
        }
        return v;
    }

    static String text(MMsgHdr e, byte[] buf) {
        return new String(buf, 0, e.msgLen, StandardCharsets.US_ASCII);
    }

    int soError(SocketLayer s, int fd) {
        int[] v = new int[1];
        assertThat(s.getsockopt(fd, SOL_SOCKET, SO_ERROR, v)).isZero();
        return v[0];
    }

    // ================================================================ sendmmsg

    @Test
    void sendmmsg_fiveDatagrams_allArriveInOrder_withTheirLengthsInMsgLen() {
        int rx = udp(sb, B, 5000);
        int tx = udp(sa, A, 4000);
        String[] p = {"a", "bb", "ccc", "dddd", "eeeee"};
        MMsgHdr[] v = MMsgHdr.array(5);
        for (int i = 0; i < 5; i++) {
            v[i].msg.setName(new SockAddrIn(B, 5000)).setBuffer(bytes(p[i]), 0, p[i].length());
            v[i].msgLen = -1;
        }
        assertThat(sa.sendmmsg(tx, v, 5, 0)).isEqualTo(5);
        for (int i = 0; i < 5; i++) {
            assertThat(v[i].msgLen).isEqualTo(i + 1);
        }
        assertThat(a.mib("Udp").get("OutDatagrams")).isEqualTo(5);
        sim.run();
        byte[] buf = new byte[16];
        SockAddrIn[] from = new SockAddrIn[1];
        for (int i = 0; i < 5; i++) {
            int n = sb.recvfrom(rx, buf, 0, buf.length, MSG_DONTWAIT, from);
            assertThat(new String(buf, 0, n, StandardCharsets.US_ASCII)).isEqualTo(p[i]);
            assertThat(from[0]).isEqualTo(new SockAddrIn(A, 4000));
        }
        assertThat(sb.recvfrom(rx, buf, 0, buf.length, MSG_DONTWAIT, from)).isEqualTo(-Errno.EAGAIN.code);
    }

    @Test
    void sendmmsg_errorOnFirstMessage_returnsErrno_laterError_returnsCountSentSoFar() {
        udp(sb, B, 5000);
        int tx = udp(sa, A, 4000);
        byte[] big = new byte[65508]; // one more than a UDP datagram can carry
        byte[] ok = bytes("ok");
        SockAddrIn to = new SockAddrIn(B, 5000);
        MMsgHdr[] v = MMsgHdr.array(3);
        v[0].msg.setName(to).setBuffer(big, 0, big.length);
        v[1].msg.setName(to).setBuffer(ok, 0, 2);
        v[2].msg.setName(to).setBuffer(ok, 0, 2);
        assertThat(sa.sendmmsg(tx, v, 3, 0)).isEqualTo(-Errno.EMSGSIZE.code);
        assertThat(a.mib("Udp").get("OutDatagrams")).isZero();

        v[0].msg.setName(to).setBuffer(ok, 0, 2);
        v[1].msg.setName(to).setBuffer(big, 0, big.length);
        v[2].msg.setName(to).setBuffer(ok, 0, 2);
        v[2].msgLen = -1;
        assertThat(sa.sendmmsg(tx, v, 3, 0)).isEqualTo(1);
        assertThat(v[0].msgLen).isEqualTo(2);
        assertThat(v[2].msgLen).as("not reached").isEqualTo(-1);
        assertThat(a.mib("Udp").get("OutDatagrams")).isEqualTo(1);
        assertThat(soError(sa, tx)).as("sendmmsg keeps no pending error").isZero();
    }

    @Test
    void sendmmsg_vlenIsCappedAtUioMaxiov() {
        int tx = udp(sa, A, 4000);
        assertThat(sa.setsockopt(tx, SOL_SOCKET, SO_SNDBUFFORCE, 64 << 20)).isZero();
        byte[] d = {1};
        MMsgHdr[] v = MMsgHdr.array(MsgHdr.UIO_MAXIOV + 6);
        for (MMsgHdr e : v) {
            e.msg.setName(new SockAddrIn(B, 9)).setBuffer(d, 0, 1);
        }
        assertThat(sa.sendmmsg(tx, v, v.length, MSG_DONTWAIT)).isEqualTo(MsgHdr.UIO_MAXIOV);
        assertThat(a.mib("Udp").get("OutDatagrams")).isEqualTo(MsgHdr.UIO_MAXIOV);
        sim.run();
    }

    @Test
    void sendmmsg_journeyOfEachDatagramStartsAtTheCall() {
        udp(sb, B, 5000);
        int tx = udp(sa, A, 4000);
        MMsgHdr[] v = MMsgHdr.array(1);
        v[0].msg.setName(new SockAddrIn(B, 5000)).setBuffer(bytes("j"), 0, 1);
        try (JourneyRecorder rec = JourneyRecorder.start()) {
            Journey j = rec.follow(() -> assertThat(sa.sendmmsg(tx, v, 1, 0)).isEqualTo(1));
            assertThat(j.stageNames()).startsWith("sendmmsg", "sock_sendmsg");
            sim.run();
        }
    }

    // ================================================================ recvmmsg

    @Test
    void recvmmsg_fillsUpToVlen_returnsCount_thenTheRest() {
        int rx = udp(sb, B, 5000);
        int tx = udp(sa, A, 4000);
        deliver(tx, "one", "two", "three", "four", "five");
        byte[][] bufs = new byte[3][];
        MMsgHdr[] v = rxVec(3, bufs);
        assertThat(sb.recvmmsg(rx, v, 3, MSG_DONTWAIT, -1)).isEqualTo(3);
        assertThat(text(v[0], bufs[0])).isEqualTo("one");
        assertThat(text(v[1], bufs[1])).isEqualTo("two");
        assertThat(text(v[2], bufs[2])).isEqualTo("three");
        assertThat(v[2].msg.nameAddr).isEqualTo(A);
        assertThat(v[2].msg.namePort).isEqualTo(4000);
        for (int i = 0; i < 3; i++) {
            v[i].msg.setBuffer(bufs[i], 0, 64);
            v[i].msgLen = -1;
        }
        // Two left: the queue running dry (EAGAIN) ends the batch without an error.
        assertThat(sb.recvmmsg(rx, v, 3, MSG_DONTWAIT, -1)).isEqualTo(2);
        assertThat(text(v[0], bufs[0])).isEqualTo("four");
        assertThat(text(v[1], bufs[1])).isEqualTo("five");
        assertThat(v[2].msgLen).isEqualTo(-1);
        assertThat(soError(sb, rx)).isZero();
    }

    @Test
    void recvmmsg_emptyQueue_dontwaitOrNonBlockingSocket_returnsEagain() {
        int rx = udp(sb, B, 5000);
        MMsgHdr[] v = rxVec(4, new byte[4][]);
        assertThat(sb.recvmmsg(rx, v, 4, MSG_DONTWAIT, -1)).isEqualTo(-Errno.EAGAIN.code);
        assertThat(sb.fcntl(rx, F_SETFL, O_NONBLOCK)).isZero();
        assertThat(sb.recvmmsg(rx, v, 4, 0, -1)).isEqualTo(-Errno.EAGAIN.code);
        assertThat(sb.recvmmsg(rx, v, 4, MSG_WAITFORONE, 0)).isEqualTo(-Errno.EAGAIN.code);
        assertThat(soError(sb, rx)).isZero();
    }

    @Test
    void recvmmsg_waitforone_withFewerQueuedThanVlen_returnsWhatIsQueued() throws Exception {
        int rx = udp(sb, B, 5000);
        int tx = udp(sa, A, 4000);
        deliver(tx, "x", "y");
        byte[][] bufs = new byte[8][];
        MMsgHdr[] v = rxVec(8, bufs);
        int[] r = {Integer.MIN_VALUE};
        // On a virtual thread so that a wrong wait for the third is a failure, not a hang.
        Thread app = Thread.ofVirtual().start(() -> r[0] = sb.recvmmsg(rx, v, 8, MSG_WAITFORONE, -1));
        Blocking.join(app);
        assertThat(r[0]).isEqualTo(2);
        assertThat(text(v[0], bufs[0])).isEqualTo("x");
        assertThat(text(v[1], bufs[1])).isEqualTo("y");
    }

    @Test
    void recvmmsg_blockingOnVirtualThread_isWokenByArrivingDatagram_andItsJourneyEndsAtTheCall() throws Exception {
        int rx = udp(sb, B, 5000);
        int tx = udp(sa, A, 4000);
        byte[][] bufs = new byte[4][];
        MMsgHdr[] v = rxVec(4, bufs);
        int[] r = {Integer.MIN_VALUE};
        Thread app = Thread.ofVirtual().start(() -> r[0] = sb.recvmmsg(rx, v, 4, MSG_WAITFORONE, -1));
        Blocking.awaitSleepers(sb, rx, 1);
        assertThat(app.isAlive()).isTrue();
        try (JourneyRecorder rec = JourneyRecorder.start()) {
            Journey j = rec.follow(() -> sa.sendto(tx, bytes("wake"), 0, 4, 0, new SockAddrIn(B, 5000)));
            sim.run();
            Blocking.join(app);
            assertThat(j.stageNames()).startsWith("sendto").endsWith("recvmmsg");
            assertThat(j.consumed()).isTrue();
        }
        assertThat(r[0]).isEqualTo(1);
        assertThat(v[0].msgLen).isEqualTo(4);
        assertThat(text(v[0], bufs[0])).isEqualTo("wake");
        assertThat(sb.sleepers(rx)).isZero();
    }

    @Test
    void recvmmsg_errorOnFirstMessage_returnsErrno_andLeavesNoPendingError() {
        int rx = udp(sb, B, 5000);
        int tx = udp(sa, A, 4000);
        deliver(tx, "lost", "kept");
        byte[][] bufs = new byte[2][];
        MMsgHdr[] v = rxVec(2, bufs);
        v[0].msg.setBuffer(ByteBuffer.allocate(64).asReadOnlyBuffer()); // a fault: udp_recvmsg drops it
        assertThat(sb.recvmmsg(rx, v, 2, MSG_DONTWAIT, -1)).isEqualTo(-Errno.EFAULT.code);
        assertThat(soError(sb, rx)).isZero();
        v[0].msg.setBuffer(bufs[0], 0, 64);
        assertThat(sb.recvmmsg(rx, v, 2, MSG_DONTWAIT, -1)).isEqualTo(1);
        assertThat(text(v[0], bufs[0])).isEqualTo("kept");
    }

    @Test
    void recvmmsg_errorAfterFirstMessage_returnsCount_andTheNextCallReportsTheError() {
        int rx = udp(sb, B, 5000);
        int tx = udp(sa, A, 4000);
        deliver(tx, "one", "lost", "three");
        byte[][] bufs = new byte[3][];
        MMsgHdr[] v = rxVec(3, bufs);
        v[1].msg.setBuffer(ByteBuffer.allocate(64).asReadOnlyBuffer());
        assertThat(sb.recvmmsg(rx, v, 3, MSG_DONTWAIT, -1)).isEqualTo(1);
        assertThat(text(v[0], bufs[0])).isEqualTo("one");
        // Kept as sk_err: the next call reports it before receiving anything, once.
        for (int i = 0; i < 3; i++) {
            v[i].msg.setBuffer(bufs[i], 0, 64);
        }
        assertThat(sb.recvmmsg(rx, v, 3, MSG_DONTWAIT, -1)).isEqualTo(-Errno.EFAULT.code);
        assertThat(sb.recvmmsg(rx, v, 3, MSG_DONTWAIT, -1)).isEqualTo(1);
        assertThat(text(v[0], bufs[0])).isEqualTo("three");
    }

    @Test
    void recvmmsg_pendingErrorAfterMessages_isAlsoSoError() {
        int rx = udp(sb, B, 5000);
        int tx = udp(sa, A, 4000);
        deliver(tx, "one", "two");
        byte[][] bufs = new byte[1][];
        MMsgHdr[] v = rxVec(1, bufs);
        // vlen beyond the vector: the missing entry is a bad address, as in C.
        assertThat(sb.recvmmsg(rx, v, 2, MSG_DONTWAIT, -1)).isEqualTo(1);
        assertThat(soError(sb, rx)).isEqualTo(Errno.EFAULT.code);
        assertThat(soError(sb, rx)).isZero();
        v[0].msg.setBuffer(bufs[0], 0, 64);
        assertThat(sb.recvmmsg(rx, v, 1, MSG_DONTWAIT, -1)).isEqualTo(1);
        assertThat(text(v[0], bufs[0])).isEqualTo("two");
    }

    @Test
    void recvmmsg_zeroTimeout_returnsAfterTheFirstMessage_longTimeout_fillsTheVector() {
        int rx = udp(sb, B, 5000);
        int tx = udp(sa, A, 4000);
        deliver(tx, "1", "2", "3", "4");
        byte[][] bufs = new byte[3][];
        MMsgHdr[] v = rxVec(3, bufs);
        assertThat(sb.recvmmsg(rx, v, 3, 0, 0)).isEqualTo(1);
        assertThat(text(v[0], bufs[0])).isEqualTo("1");
        for (int i = 0; i < 3; i++) {
            v[i].msg.setBuffer(bufs[i], 0, 64);
        }
        assertThat(sb.recvmmsg(rx, v, 3, 0, 10_000_000_000L)).isEqualTo(3);
        assertThat(text(v[2], bufs[2])).isEqualTo("4");
    }

    @Test
    void recvmmsg_timeout_isCheckedOnlyAfterEachMessage_likeLinux() throws Exception {
        int rx = udp(sb, B, 5000);
        int tx = udp(sa, A, 4000);
        deliver(tx, "first");
        byte[][] bufs = new byte[3][];
        MMsgHdr[] v = rxVec(3, bufs);
        int[] r = {Integer.MIN_VALUE};
        long[] returnedAt = new long[1];
        long t0 = sim.nowNs();
        Thread app = Thread.ofVirtual().start(() -> {
            r[0] = sb.recvmmsg(rx, v, 3, 0, 1_000_000L); // 1 ms
            returnedAt[0] = sim.nowNs();
        });
        // The first is there; the call then waits for the second well past its 1 ms.
        Blocking.awaitSleepers(sb, rx, 1);
        sim.runFor(Duration.ofMillis(5));
        assertThat(app.isAlive()).isTrue();
        sa.sendto(tx, bytes("second"), 0, 6, 0, new SockAddrIn(B, 5000));
        sim.run();
        Blocking.join(app);
        // After the second the deadline has passed: it returns without waiting for a third.
        assertThat(r[0]).isEqualTo(2);
        assertThat(text(v[1], bufs[1])).isEqualTo("second");
        assertThat(returnedAt[0] - t0).isGreaterThanOrEqualTo(5_000_000L);
    }

    // ================================================================ bad arguments

    @Test
    void badDescriptorOrNotASocket_returnEbadfAndEnotsock() {
        MMsgHdr[] v = MMsgHdr.array(1);
        assertThat(sa.sendmmsg(99, v, 1, 0)).isEqualTo(-Errno.EBADF.code);
        assertThat(sa.recvmmsg(99, v, 1, 0, -1)).isEqualTo(-Errno.EBADF.code);
        assertThat(sa.recvmmsg(-1, v, 1, 0, 0)).isEqualTo(-Errno.EBADF.code);
        int ep = sa.epollCreate1(0);
        assertThat(sa.sendmmsg(ep, v, 1, 0)).isEqualTo(-Errno.ENOTSOCK.code);
        assertThat(sa.recvmmsg(ep, v, 1, 0, -1)).isEqualTo(-Errno.ENOTSOCK.code);
    }

    @Test
    void nullVectorOrCompatFlag_returnLinuxErrors_zeroVlenReturnsZero() {
        int rx = udp(sb, B, 5000);
        int tx = udp(sa, A, 4000);
        // A NULL mmsg is a bad address when an entry is read; with vlen 0 none is.
        assertThat(sa.sendmmsg(tx, null, 1, 0)).isEqualTo(-Errno.EFAULT.code);
        assertThat(sb.recvmmsg(rx, null, 1, MSG_DONTWAIT, -1)).isEqualTo(-Errno.EFAULT.code);
        assertThat(sa.sendmmsg(tx, null, 0, 0)).isZero();
        assertThat(sb.recvmmsg(rx, null, 0, 0, -1)).isZero();
        assertThat(sb.recvmmsg(rx, new MMsgHdr[] {null}, 1, MSG_DONTWAIT, -1)).isEqualTo(-Errno.EFAULT.code);
        // MSG_CMSG_COMPAT is refused by the 64-bit system calls.
        MMsgHdr[] v = MMsgHdr.array(1);
        assertThat(sa.sendmmsg(tx, v, 1, 0x80000000)).isEqualTo(-Errno.EINVAL.code);
        assertThat(sb.recvmmsg(rx, v, 1, 0x80000000, -1)).isEqualTo(-Errno.EINVAL.code);
        assertThat(a.mib("Udp").get("OutDatagrams")).isZero();
    }

    @Test
    void negativeVlen_isAnUnsignedCount_likeC() {
        int rx = udp(sb, B, 5000);
        int tx = udp(sa, A, 4000);
        MMsgHdr[] out = MMsgHdr.array(3);
        for (MMsgHdr e : out) {
            e.msg.setName(new SockAddrIn(B, 5000)).setBuffer(bytes("n"), 0, 1);
        }
        // 0xffffffff is capped at UIO_MAXIOV; the fourth entry does not exist (EFAULT) after three sent.
        assertThat(sa.sendmmsg(tx, out, -1, 0)).isEqualTo(3);
        sim.run();
        byte[][] bufs = new byte[5][];
        MMsgHdr[] v = rxVec(5, bufs);
        // The queue runs dry (EAGAIN) before the vector ends: three, and no pending error.
        assertThat(sb.recvmmsg(rx, v, -1, MSG_DONTWAIT, -1)).isEqualTo(3);
        assertThat(soError(sb, rx)).isZero();
    }

    // ================================================================ TCP

    @Test
    void tcp_sendmmsgThenRecvmmsg_moveTheStreamInOrder() {
        int l = sb.socket(AF_INET, SOCK_STREAM, 0);
        assertThat(sb.bind(l, new SockAddrIn(B, 7000))).isZero();
        assertThat(sb.listen(l, 8)).isZero();
        int c = sa.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        assertThat(sa.connect(c, new SockAddrIn(B, 7000))).isEqualTo(-Errno.EINPROGRESS.code);
        sim.run();
        int s = sb.accept4(l, null, SOCK_NONBLOCK);
        assertThat(s).isGreaterThanOrEqualTo(3);
        MMsgHdr[] out = MMsgHdr.array(3);
        out[0].msg.setBuffer(bytes("abc"), 0, 3);
        out[1].msg.setBuffer(bytes("de"), 0, 2);
        out[2].msg.setBuffer(bytes("fghij"), 0, 5);
        assertThat(sa.sendmmsg(c, out, 3, 0)).isEqualTo(3);
        assertThat(out[2].msgLen).isEqualTo(5);
        sim.run();
        byte[] b0 = new byte[4];
        byte[] b1 = new byte[16];
        MMsgHdr[] in = MMsgHdr.array(2);
        in[0].msg.setBuffer(b0, 0, 4);
        in[1].msg.setBuffer(b1, 0, 16);
        assertThat(sb.recvmmsg(s, in, 2, 0, -1)).isEqualTo(2);
        assertThat(in[0].msgLen).isEqualTo(4);
        assertThat(in[1].msgLen).isEqualTo(6);
        assertThat(new String(b0, StandardCharsets.US_ASCII) + new String(b1, 0, 6, StandardCharsets.US_ASCII))
                .isEqualTo("abcdefghij");
        sa.close(c);
        sb.close(s);
        sb.close(l);
        sim.run();
    }
}
