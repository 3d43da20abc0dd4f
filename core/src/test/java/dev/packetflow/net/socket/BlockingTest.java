package dev.packetflow.net.socket;

import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.drivers.net.channel.ChannelDevice;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.trace.Journey;
import dev.packetflow.trace.JourneyRecorder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Blocking calls on virtual threads in lockstep with a simulation: woken by stack events and by
 * virtual-time timers only.
 */
class BlockingTest {
    static final int A = InetAddr.parse("198.18.0.1");
    static final int B = InetAddr.parse("198.18.0.2");

    final Simulation sim = new Simulation(11);
    final NetStack net = NetStack.create(sim, "h");
    final SocketLayer sys = net.sockets();

    BlockingTest() {
        LoopDgram.register(net);
        ChannelDevice eth0 = net.addDevice(new ChannelDevice("eth0", Eth.localMac(1)));
        // No address announcements: these tests count the stack's buffers.
        net.arp().setGratuitousArpOnAddressAdd(false);
        net.devices().open(eth0);
        net.ipv4().addAddress(eth0, A, 24);
        net.ipv4().addAddress(eth0, B, 24);
    }

    @AfterEach
    void close() {
        net.close();
    }

    int bound(int addr, int port) {
        int fd = sys.socket(AF_INET, SOCK_DGRAM, 0);
        assertThat(sys.bind(fd, new SockAddrIn(addr, port))).isZero();
        return fd;
    }

    @Test
    void blockingRecvfrom_onVirtualThread_isWokenByQueuedDatagram_andJourneyEndsAtRecvfrom() throws Exception {
        int fd = bound(A, 5000);
        byte[] buf = new byte[32];
        SockAddrIn[] from = new SockAddrIn[1];
        int[] n = {Integer.MIN_VALUE};
        Thread app = Thread.ofVirtual().start(() -> n[0] = sys.recvfrom(fd, buf, 0, buf.length, 0, from));
        Blocking.awaitSleepers(sys, fd, 1);
        assertThat(app.isAlive()).isTrue();
        try (JourneyRecorder rec = JourneyRecorder.start()) {
            SkBuff[] skb = new SkBuff[1];
            Journey j = rec.follow(() -> skb[0] = LoopDgram.datagram(net, "wake".getBytes(StandardCharsets.UTF_8), B, 6000));
            assertThat(sys.sock(fd).sockQueueRcvSkb(skb[0])).isZero();
            Blocking.join(app);
            assertThat(j.stageNames()).containsExactly("sock_queue_rcv_skb", "sk_data_ready", "recvfrom");
            assertThat(j.consumed()).isTrue();
        }
        assertThat(n[0]).isEqualTo(4);
        assertThat(new String(buf, 0, 4, StandardCharsets.UTF_8)).isEqualTo("wake");
        assertThat(from[0]).isEqualTo(new SockAddrIn(B, 6000));
        assertThat(sys.sleepers(fd)).isZero();
    }

    @Test
    void tenThousandVirtualThreads_eachBlockedOnItsOwnSocket_allWake() throws Exception {
        int n = 10_000;
        int[] fds = new int[n];
        for (int i = 0; i < n; i++) {
            fds[i] = bound(A, 20000 + i);
        }
        int[] got = new int[n];
        Thread[] apps = new Thread[n];
        for (int i = 0; i < n; i++) {
            int k = i;
            apps[i] = Thread.ofVirtual().start(() -> {
                byte[] b = new byte[8];
                got[k] = sys.recvfrom(fds[k], b, 0, 8, 0, null) == 4 ? ByteBuffer.wrap(b).getInt() : -1;
            });
        }
        for (int i = 0; i < n; i++) {
            Blocking.awaitSleepers(sys, fds[i], 1);
        }
        for (int i = 0; i < n; i++) {
            byte[] p = ByteBuffer.allocate(4).putInt(i).array();
            assertThat(sys.sock(fds[i]).sockQueueRcvSkb(LoopDgram.datagram(net, p, B, 6000))).isZero();
        }
        for (Thread t : apps) {
            Blocking.join(t);
        }
        for (int i = 0; i < n; i++) {
            assertThat(got[i]).isEqualTo(i);
        }
        assertThat(net.pool().live()).isZero();
    }

    @Test
    void soRcvtimeo_expiresAtExactlyTheVirtualDeadline_withEagain() throws Exception {
        int fd = bound(A, 5000);
        int otherTimers = net.timers().size(); // the neighbour table's own
        assertThat(sys.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, SockOpts.timeval(1, 500_000), 16)).isZero();
        int[] r = {Integer.MIN_VALUE};
        long[] wokeAt = new long[1];
        long t0 = sim.nowNs();
        Thread app = Thread.ofVirtual().start(() -> {
            r[0] = sys.recv(fd, ByteBuffer.allocate(8), 0);
            wokeAt[0] = sim.nowNs();
        });
        Blocking.awaitSleepers(sys, fd, 1);
        sim.runFor(Duration.ofNanos(1_499_999_999L));
        assertThat(app.isAlive()).isTrue();
        assertThat(r[0]).isEqualTo(Integer.MIN_VALUE);
        sim.runFor(Duration.ofNanos(1));
        Blocking.join(app);
        assertThat(r[0]).isEqualTo(-Errno.EAGAIN.code);
        assertThat(wokeAt[0] - t0).isEqualTo(1_500_000_000L);
        assertThat(net.timers().size()).isEqualTo(otherTimers);
    }

    @Test
    void soRcvtimeo_dataBeforeDeadline_cancelsTheTimer() throws Exception {
        int fd = bound(A, 5000);
        int otherTimers = net.timers().size(); // the neighbour table's own
        sys.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, SockOpts.timeval(5, 0), 16);
        int[] r = {Integer.MIN_VALUE};
        Thread app = Thread.ofVirtual().start(() -> r[0] = sys.recv(fd, ByteBuffer.allocate(8), 0));
        Blocking.awaitSleepers(sys, fd, 1);
        sim.runFor(Duration.ofSeconds(2));
        sys.sock(fd).sockQueueRcvSkb(LoopDgram.datagram(net, new byte[3], B, 1));
        Blocking.join(app);
        assertThat(r[0]).isEqualTo(3);
        assertThat(net.timers().size()).isEqualTo(otherTimers);
    }

    @Test
    void closeFromAnotherThread_wakesBlockedReaderWithEbadf() throws Exception {
        int fd = bound(A, 5000);
        int[] r = {Integer.MIN_VALUE};
        Thread app = Thread.ofVirtual().start(() -> r[0] = sys.recv(fd, ByteBuffer.allocate(8), 0));
        Blocking.awaitSleepers(sys, fd, 1);
        assertThat(sys.close(fd)).isZero();
        Blocking.join(app);
        assertThat(r[0]).isEqualTo(-Errno.EBADF.code);
    }

    @Test
    void interrupt_wakesBlockedReaderWithEintr() throws Exception {
        int fd = bound(A, 5000);
        int[] r = {Integer.MIN_VALUE};
        Thread app = Thread.ofVirtual().start(() -> r[0] = sys.recv(fd, ByteBuffer.allocate(8), 0));
        Blocking.awaitSleepers(sys, fd, 1);
        app.interrupt();
        Blocking.join(app);
        assertThat(r[0]).isEqualTo(-Errno.EINTR.code);
        assertThat(sys.sleepers(fd)).isZero();
    }

    @Test
    void twoReadersOnOneSocket_eachDatagramWakesExactlyOne() throws Exception {
        int fd = bound(A, 5000);
        AtomicInteger done = new AtomicInteger();
        Runnable reader = () -> {
            if (sys.recv(fd, ByteBuffer.allocate(8), 0) == 1) {
                done.incrementAndGet();
            }
        };
        Thread r1 = Thread.ofVirtual().start(reader);
        Thread r2 = Thread.ofVirtual().start(reader);
        Blocking.awaitSleepers(sys, fd, 2);
        sys.sock(fd).sockQueueRcvSkb(LoopDgram.datagram(net, new byte[1], B, 1));
        // exactly one reader leaves: wait for it, then the other must still be asleep
        while (done.get() == 0) {
            Thread.yield();
        }
        Blocking.awaitSleepers(sys, fd, 1);
        assertThat(done.get()).isEqualTo(1);
        // The reader that got it counts before it returns: wait for that thread to end (a check
        // right after the count could still see both alive).
        while (r1.isAlive() && r2.isAlive()) {
            Thread.yield();
        }
        assertThat(r1.isAlive() ^ r2.isAlive()).isTrue();
        sys.sock(fd).sockQueueRcvSkb(LoopDgram.datagram(net, new byte[1], B, 1));
        Blocking.join(r1);
        Blocking.join(r2);
        assertThat(done.get()).isEqualTo(2);
    }

    @Test
    void fullSendBuffer_blocksSenderUntilWriteSpace_orSndtimeoGivesEagain() throws Exception {
        int fd = bound(A, 5000);
        Sock sk = sys.sock(fd);
        sys.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, 1); // sk_sndbuf = SOCK_MIN_SNDBUF = 4608: two small skbs
        MsgHdr m = new MsgHdr();
        SkBuff s1 = sk.sockAllocSendSkb(100, true, m);
        SkBuff s2 = sk.sockAllocSendSkb(100, true, m);
        assertThat(sk.wmemAlloc()).isEqualTo(2 * 2304);
        assertThat(sk.sockAllocSendSkb(100, true, m)).isNull();
        assertThat(m.err).isEqualTo(-Errno.EAGAIN.code);
        PollFd[] p = {new PollFd(fd, POLLOUT)};
        assertThat(sys.poll(p, 1, 0)).isZero();

        SkBuff[] got = new SkBuff[1];
        Thread app = Thread.ofVirtual().start(() -> got[0] = sk.sockAllocSendSkb(100, false, new MsgHdr()));
        Blocking.awaitSleepers(sys, fd, 1);
        Skb.consumeSkb(s1); // the "driver" frees a sent packet: sock_wfree -> sk_write_space
        assertThat(app.isAlive()).isTrue(); // still 2304 of 4608 in flight: not yet half free
        Skb.consumeSkb(s2);
        Blocking.join(app);
        assertThat(got[0]).isNotNull();
        assertThat(sk.wmemAlloc()).isEqualTo(2304);

        // and with SO_SNDTIMEO the wait ends in virtual time with EAGAIN
        SkBuff s3 = sk.sockAllocSendSkb(100, true, m);
        sys.setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, SockOpts.timeval(0, 300_000), 16);
        MsgHdr m2 = new MsgHdr();
        SkBuff[] none = {s3};
        Thread app2 = Thread.ofVirtual().start(() -> none[0] = sk.sockAllocSendSkb(100, false, m2));
        Blocking.awaitSleepers(sys, fd, 1);
        long t0 = sim.nowNs();
        sim.run();
        Blocking.join(app2);
        assertThat(none[0]).isNull();
        assertThat(m2.err).isEqualTo(-Errno.EAGAIN.code);
        assertThat(sim.nowNs() - t0).isEqualTo(300_000_000L);
        Skb.consumeSkb(got[0]);
        Skb.consumeSkb(s3);
        assertThat(sk.wmemAlloc()).isZero();
    }

    /** A protocol whose softnet receive path goes through the socket lock and backlog, as TCP's will. */
    static final class BacklogProto implements Proto {
        int backlogged;

        @Override
        public String name() {
            return "BACKLOG";
        }

        @Override
        public Sock newSock(NetStack n, int type, int protocol) {
            return new Sock(n, this, type, protocol);
        }

        @Override
        public void close(Sock sk, long timeoutNs) {
            sk.skCommonRelease();
        }

        @Override
        public int sendmsg(Sock sk, MsgHdr msg, int len) {
            return Errno.EOPNOTSUPP.neg();
        }

        @Override
        public int recvmsg(Sock sk, MsgHdr msg, int len, int flags) {
            return Datagram.recvmsg(sk, msg, len, flags, null);
        }

        @Override
        public int backlogRcv(Sock sk, SkBuff skb) {
            backlogged++;
            return sk.sockQueueRcvSkb(skb);
        }
    }

    @Test
    void packetsArrivingWhileAppOwnsTheSock_waitInBacklogUntilReleaseSock() {
        BacklogProto proto = new BacklogProto();
        Sock sk = proto.newSock(net, SOCK_DGRAM, 253);
        sk.skReceiveSkb(LoopDgram.datagram(net, new byte[] {1}, B, 1)); // not owned: processed at once
        assertThat(sk.receiveQueueLen()).isEqualTo(1);
        sk.lockSock();
        sk.skReceiveSkb(LoopDgram.datagram(net, new byte[] {2}, B, 1));
        sk.skReceiveSkb(LoopDgram.datagram(net, new byte[] {3}, B, 1));
        assertThat(sk.receiveQueueLen()).isEqualTo(1); // the two wait in the backlog
        assertThat(proto.backlogged).isEqualTo(1);
        sk.releaseSock();
        assertThat(sk.receiveQueueLen()).isEqualTo(3);
        assertThat(proto.backlogged).isEqualTo(3);
        byte[] b = new byte[1];
        for (int i = 1; i <= 3; i++) {
            SkBuff skb = sk.skbDequeue();
            skb.read(skb.data, b, 0, 1);
            assertThat(b[0]).isEqualTo((byte) i);
            Skb.consumeSkb(skb);
        }
        sk.skCommonRelease();
    }

    @Test
    void backlogOverflow_dropsWithSocketBacklogReason() {
        BacklogProto proto = new BacklogProto();
        Sock sk = proto.newSock(net, SOCK_DGRAM, 253);
        SockOpts.setRcvbuf(sk, 2304); // sk_rcvbuf 4608: two small packets
        sk.lockSock();
        for (int i = 0; i < 4; i++) {
            sk.skReceiveSkb(LoopDgram.datagram(net, new byte[1], B, 1));
        }
        sk.releaseSock();
        assertThat(sk.drops()).isEqualTo(2);
        assertThat(net.drops().get(DropReason.SOCKET_RCVBUFF) + net.drops().get(DropReason.SOCKET_BACKLOG))
                .isEqualTo(2);
        assertThat(sk.receiveQueueLen()).isEqualTo(2);
        sk.skCommonRelease();
    }
}
