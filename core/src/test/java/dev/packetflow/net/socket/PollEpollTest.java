package dev.packetflow.net.socket;

import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.drivers.net.channel.ChannelDevice;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.net.ipv4.InetAddr;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** poll() and epoll over datagram sockets whose receive queues the test fills directly. */
class PollEpollTest {
    static final int A = InetAddr.parse("198.18.0.1");
    static final int B = InetAddr.parse("198.18.0.2");

    final Simulation sim = new Simulation(5);
    final NetStack net = NetStack.create(sim, "h");
    final SocketLayer sys = net.sockets();

    PollEpollTest() {
        LoopDgram.register(net);
        ChannelDevice eth0 = net.addDevice(new ChannelDevice("eth0", Eth.localMac(1)));
        // No address announcements: these tests count the stack's buffers.
        net.arp().setGratuitousArpOnAddressAdd(false);
        net.devices().open(eth0);
        net.ipv4().addAddress(eth0, A, 24);
    }

    @AfterEach
    void close() {
        net.close();
    }

    int bound(int port) {
        int fd = sys.socket(AF_INET, SOCK_DGRAM, 0);
        assertThat(sys.bind(fd, new SockAddrIn(A, port))).isZero();
        return fd;
    }

    void queue(int fd, int n) {
        for (int i = 0; i < n; i++) {
            assertThat(sys.sock(fd).sockQueueRcvSkb(LoopDgram.datagram(net, new byte[] {(byte) i}, B, 9))).isZero();
        }
    }

    int drain(int fd) {
        int n = 0;
        while (sys.recv(fd, ByteBuffer.allocate(8), MSG_DONTWAIT) > 0) {
            n++;
        }
        return n;
    }

    // ================================================================ poll

    @Test
    void poll_reportsReadableWritableAndInvalidDescriptors() {
        int a = bound(5000);
        int b = bound(5001);
        PollFd[] p = {new PollFd(a, POLLIN), new PollFd(b, POLLIN | POLLOUT), new PollFd(77, POLLIN), new PollFd(-1, POLLIN)};
        assertThat(sys.poll(p, 4, 0)).isEqualTo(2);
        assertThat(p[0].revents).isZero();
        assertThat(p[1].revents).isEqualTo(POLLOUT);
        assertThat(p[2].revents).isEqualTo(POLLNVAL);
        assertThat(p[3].revents).isZero();
        queue(a, 1);
        assertThat(sys.poll(p, 2, 0)).isEqualTo(2);
        assertThat(p[0].revents).isEqualTo(POLLIN);
        assertThat(sys.poll(p, -1, 0)).isEqualTo(-Errno.EINVAL.code);
    }

    @Test
    void poll_timeoutExpiresInVirtualTime() throws Exception {
        int a = bound(5000);
        int[] result = {Integer.MIN_VALUE};
        long t0 = sim.nowNs();
        long[] woke = new long[1];
        Thread app = Thread.ofVirtual().start(() -> {
            result[0] = sys.poll(new PollFd[] {new PollFd(a, POLLIN)}, 1, 250);
            woke[0] = sim.nowNs();
        });
        Blocking.awaitSleepers(sys, a, 1);
        sim.runFor(Duration.ofMillis(249));
        assertThat(app.isAlive()).isTrue();
        sim.runFor(Duration.ofMillis(1));
        Blocking.join(app);
        assertThat(result[0]).isZero();
        assertThat(woke[0] - t0).isEqualTo(250_000_000L);
        assertThat(sys.sleepers(a)).isZero();
    }

    @Test
    void poll_blockedCaller_isWokenByDataOnAnyOfItsDescriptors() throws Exception {
        int a = bound(5000);
        int b = bound(5001);
        PollFd[] p = {new PollFd(a, POLLIN), new PollFd(b, POLLIN)};
        int[] result = {Integer.MIN_VALUE};
        Thread app = Thread.ofVirtual().start(() -> result[0] = sys.poll(p, 2, -1));
        Blocking.awaitSleepers(sys, b, 1);
        queue(b, 1);
        Blocking.join(app);
        assertThat(result[0]).isEqualTo(1);
        assertThat(p[0].revents).isZero();
        assertThat(p[1].revents).isEqualTo(POLLIN);
        assertThat(sys.sleepers(a)).isZero(); // registrations removed
    }

    // ================================================================ epoll

    @Test
    void epoll_levelTriggered_reportsUntilDrained() {
        int ep = sys.epollCreate1(0);
        int a = bound(5000);
        assertThat(sys.epollCtl(ep, EPOLL_CTL_ADD, a, new EpollEvent(EPOLLIN, 42))).isZero();
        EpollEvent[] ev = EpollEvent.array(4);
        assertThat(sys.epollWait(ep, ev, 4, 0)).isZero();
        queue(a, 2);
        assertThat(sys.epollWait(ep, ev, 4, 0)).isEqualTo(1);
        assertThat(ev[0].events).isEqualTo(EPOLLIN);
        assertThat(ev[0].data).isEqualTo(42);
        assertThat(sys.epollWait(ep, ev, 4, 0)).isEqualTo(1); // still readable: reported again
        sys.recv(a, ByteBuffer.allocate(8), 0);
        assertThat(sys.epollWait(ep, ev, 4, 0)).isEqualTo(1);
        sys.recv(a, ByteBuffer.allocate(8), 0);
        assertThat(sys.epollWait(ep, ev, 4, 0)).isZero();
        assertThat(sys.epoll(ep).readyCount()).isZero();
    }

    @Test
    void epoll_edgeTriggered_reportsOncePerArrival() {
        int ep = sys.epollCreate1(0);
        int a = bound(5000);
        assertThat(sys.epollCtl(ep, EPOLL_CTL_ADD, a, new EpollEvent(EPOLLIN | EPOLLET, 7))).isZero();
        EpollEvent[] ev = EpollEvent.array(4);
        queue(a, 2);
        assertThat(sys.epollWait(ep, ev, 4, 0)).isEqualTo(1);
        assertThat(sys.epollWait(ep, ev, 4, 0)).isZero(); // unread, but no new edge
        queue(a, 1);
        assertThat(sys.epollWait(ep, ev, 4, 0)).isEqualTo(1);
        assertThat(ev[0].data).isEqualTo(7);
        assertThat(drain(a)).isEqualTo(3);
        assertThat(sys.epollWait(ep, ev, 4, 0)).isZero();
    }

    @Test
    void epoll_oneshot_disarmsUntilModRearms() {
        int ep = sys.epollCreate1(0);
        int a = bound(5000);
        sys.epollCtl(ep, EPOLL_CTL_ADD, a, new EpollEvent(EPOLLIN | EPOLLONESHOT, 1));
        EpollEvent[] ev = EpollEvent.array(4);
        queue(a, 1);
        assertThat(sys.epollWait(ep, ev, 4, 0)).isEqualTo(1);
        queue(a, 1);
        assertThat(sys.epollWait(ep, ev, 4, 0)).isZero();
        assertThat(sys.epollCtl(ep, EPOLL_CTL_MOD, a, new EpollEvent(EPOLLIN | EPOLLONESHOT, 2))).isZero();
        assertThat(sys.epollWait(ep, ev, 4, 0)).isEqualTo(1); // MOD found it ready
        assertThat(ev[0].data).isEqualTo(2);
    }

    @Test
    void epoll_addOnAlreadyReadySocket_isReportedAtOnce_andWritableInterestToo() {
        int ep = sys.epollCreate1(0);
        int a = bound(5000);
        queue(a, 1);
        sys.epollCtl(ep, EPOLL_CTL_ADD, a, new EpollEvent(EPOLLIN | EPOLLOUT, 3));
        EpollEvent[] ev = EpollEvent.array(1);
        assertThat(sys.epollWait(ep, ev, 1, 0)).isEqualTo(1);
        assertThat(ev[0].events).isEqualTo(EPOLLIN | EPOLLOUT);
    }

    @Test
    void epollCtl_errors() {
        int ep = sys.epollCreate1(0);
        int a = bound(5000);
        EpollEvent e = new EpollEvent(EPOLLIN, 0);
        assertThat(sys.epollCreate1(1)).isEqualTo(-Errno.EINVAL.code);
        assertThat(sys.epollCreate(0)).isEqualTo(-Errno.EINVAL.code);
        assertThat(sys.epollCtl(ep, EPOLL_CTL_MOD, a, e)).isEqualTo(-Errno.ENOENT.code);
        assertThat(sys.epollCtl(ep, EPOLL_CTL_DEL, a, null)).isEqualTo(-Errno.ENOENT.code);
        assertThat(sys.epollCtl(ep, EPOLL_CTL_ADD, a, null)).isEqualTo(-Errno.EFAULT.code);
        assertThat(sys.epollCtl(ep, EPOLL_CTL_ADD, 99, e)).isEqualTo(-Errno.EBADF.code);
        assertThat(sys.epollCtl(99, EPOLL_CTL_ADD, a, e)).isEqualTo(-Errno.EBADF.code);
        assertThat(sys.epollCtl(ep, EPOLL_CTL_ADD, ep, e)).isEqualTo(-Errno.EINVAL.code);
        assertThat(sys.epollCtl(a, EPOLL_CTL_ADD, ep, e)).isEqualTo(-Errno.EINVAL.code);
        assertThat(sys.epollCtl(ep, 7, a, e)).isEqualTo(-Errno.EINVAL.code);
        assertThat(sys.epollCtl(ep, EPOLL_CTL_ADD, a, new EpollEvent(EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 0)))
                .isEqualTo(-Errno.EINVAL.code);
        assertThat(sys.epollCtl(ep, EPOLL_CTL_ADD, a, e)).isZero();
        assertThat(sys.epollCtl(ep, EPOLL_CTL_ADD, a, e)).isEqualTo(-Errno.EEXIST.code);
        assertThat(sys.epollWait(ep, EpollEvent.array(1), 0, 0)).isEqualTo(-Errno.EINVAL.code);
        assertThat(sys.epollWait(ep, EpollEvent.array(1), 2, 0)).isEqualTo(-Errno.EFAULT.code);
        assertThat(sys.epollWait(a, EpollEvent.array(1), 1, 0)).isEqualTo(-Errno.EINVAL.code);
        assertThat(sys.epoll(ep).size()).isEqualTo(1);
        assertThat(sys.epollCtl(ep, EPOLL_CTL_DEL, a, null)).isZero();
        assertThat(sys.epoll(ep).size()).isZero();
    }

    @Test
    void epoll_closingAWatchedSocket_removesItFromTheInterestSet() {
        int ep = sys.epollCreate1(0);
        int a = bound(5000);
        sys.epollCtl(ep, EPOLL_CTL_ADD, a, new EpollEvent(EPOLLIN, 1));
        queue(a, 1);
        assertThat(sys.epoll(ep).readyCount()).isEqualTo(1);
        assertThat(sys.close(a)).isZero();
        assertThat(sys.epoll(ep).size()).isZero();
        assertThat(sys.epoll(ep).readyCount()).isZero();
        assertThat(sys.epollWait(ep, EpollEvent.array(1), 1, 0)).isZero();
    }

    @Test
    void epoll_nested_reportsInnerReadinessAndRefusesLoops() {
        int outer = sys.epollCreate1(0);
        int inner = sys.epollCreate1(0);
        int a = bound(5000);
        sys.epollCtl(inner, EPOLL_CTL_ADD, a, new EpollEvent(EPOLLIN, 1));
        assertThat(sys.epollCtl(outer, EPOLL_CTL_ADD, inner, new EpollEvent(EPOLLIN, 2))).isZero();
        assertThat(sys.epollCtl(inner, EPOLL_CTL_ADD, outer, new EpollEvent(EPOLLIN, 3))).isEqualTo(-Errno.ELOOP.code);
        EpollEvent[] ev = EpollEvent.array(2);
        assertThat(sys.epollWait(outer, ev, 2, 0)).isZero();
        queue(a, 1);
        assertThat(sys.epollWait(outer, ev, 2, 0)).isEqualTo(1);
        assertThat(ev[0].data).isEqualTo(2);
        assertThat(sys.epollWait(inner, ev, 2, 0)).isEqualTo(1);
        assertThat(ev[0].data).isEqualTo(1);
    }

    @Test
    void epoll_thousandsOfSockets_waitReturnsExactlyTheOnesWithData() {
        int ep = sys.epollCreate1(0);
        int n = 5000;
        int[] fds = new int[n];
        for (int i = 0; i < n; i++) {
            fds[i] = bound(10000 + i);
            assertThat(sys.epollCtl(ep, EPOLL_CTL_ADD, fds[i], new EpollEvent(EPOLLIN, i))).isZero();
        }
        EpollEvent[] ev = EpollEvent.array(64);
        assertThat(sys.epollWait(ep, ev, 64, 0)).isZero();
        int[] hot = {17, 2500, 4999};
        for (int h : hot) {
            queue(fds[h], 1);
        }
        // only the three woken items sit on the ready list: nothing scans the 5000
        assertThat(sys.epoll(ep).readyCount()).isEqualTo(3);
        int got = sys.epollWait(ep, ev, 64, 0);
        assertThat(got).isEqualTo(3);
        Set<Long> data = new HashSet<>();
        for (int i = 0; i < got; i++) {
            data.add(ev[i].data);
        }
        assertThat(data).containsExactlyInAnyOrder(17L, 2500L, 4999L);
        // maxevents smaller than what is ready: the rest wait for the next call
        for (int i = 0; i < 10; i++) {
            queue(fds[i], 1);
        }
        assertThat(sys.epollWait(ep, ev, 4, 0)).isEqualTo(4);
        assertThat(sys.epoll(ep).readyCount()).isEqualTo(13);
    }

    @Test
    void epollWait_blocked_isWokenByArrival_orTimesOutInVirtualTime() throws Exception {
        int ep = sys.epollCreate1(0);
        int a = bound(5000);
        sys.epollCtl(ep, EPOLL_CTL_ADD, a, new EpollEvent(EPOLLIN, 9));
        EpollEvent[] ev = EpollEvent.array(2);
        int[] result = {Integer.MIN_VALUE};
        Thread app = Thread.ofVirtual().start(() -> result[0] = sys.epollWait(ep, ev, 2, -1));
        Blocking.awaitSleepers(sys, ep, 1);
        queue(a, 1);
        Blocking.join(app);
        assertThat(result[0]).isEqualTo(1);
        assertThat(ev[0].data).isEqualTo(9);
        drain(a);

        long t0 = sim.nowNs();
        Thread app2 = Thread.ofVirtual().start(() -> result[0] = sys.epollWait(ep, ev, 2, 1000));
        Blocking.awaitSleepers(sys, ep, 1);
        sim.run(); // advances straight to the timeout: the only timer pending
        Blocking.join(app2);
        assertThat(result[0]).isZero();
        assertThat(sim.nowNs() - t0).isEqualTo(1_000_000_000L);
    }
}
