package dev.packetflow.net.ipv4.tcp;

import static dev.packetflow.net.ipv4.tcp.TcpSockOpts.*;
import static dev.packetflow.net.socket.Sock.*;
import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.socket.EpollEvent;
import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.PollFd;
import dev.packetflow.net.socket.SockAddrIn;
import dev.packetflow.net.socket.SockOpts;
import dev.packetflow.net.socket.SocketLayer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The socket calls on TCP: blocking calls in lockstep, poll and epoll, errors, options, ioctls. */
class TcpSocketApiTest {
    final TcpNet n = new TcpNet(41);

    @AfterEach
    void close() {
        n.close();
    }

    static final long GUARD_NS = 30_000_000_000L;

    static void awaitSleepers(SocketLayer s, int fd, int count) {
        long start = System.nanoTime();
        while (s.sleepers(fd) < count) {
            if (System.nanoTime() - start > GUARD_NS) {
                throw new AssertionError("fd " + fd + " never blocked");
            }
            Thread.yield();
        }
    }

    static void join(Thread t) throws InterruptedException {
        t.join(GUARD_NS / 1_000_000);
        assertThat(t.isAlive()).as("thread finished").isFalse();
    }

    static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void blockingAcceptConnectRecv_inLockstep() throws Exception {
        int lfd = TcpNet.tcpSocket(n.sb);
        n.sb.bind(lfd, new SockAddrIn(TcpNet.B, 7));
        n.sb.listen(lfd, 4);
        AtomicInteger accepted = new AtomicInteger();
        Thread server = Thread.ofVirtual().start(() -> accepted.set(n.sb.accept(lfd, null)));
        awaitSleepers(n.sb, lfd, 1);
        int cfd = TcpNet.tcpSocket(n.sa);
        AtomicInteger connected = new AtomicInteger(1);
        Thread client = Thread.ofVirtual().start(() -> connected.set(n.sa.connect(cfd, new SockAddrIn(TcpNet.B, 7))));
        awaitSleepers(n.sa, cfd, 1);
        long t0 = n.sim.nowNs();
        n.runMs(5);
        join(client);
        assertThat(connected.get()).isZero();
        // A blocking connect() adds nothing to sk_write_pending (Linux inet_wait_for_connect()'s
        // writebias is for Fast Open data only): the handshake's last ACK leaves at once.
        assertThat(n.segs).hasSize(3);
        assertThat(n.segs.get(2).timeNs()).isEqualTo(n.segs.get(1).timeNs());
        assertThat(n.segs.get(2).timeNs() - t0).isLessThan(5_000_000L);
        join(server);
        int afd = accepted.get();
        assertThat(afd).isGreaterThanOrEqualTo(3);
        // a blocking read wakes when data arrives
        ByteBuffer in = ByteBuffer.allocate(64);
        AtomicInteger got = new AtomicInteger();
        Thread reader = Thread.ofVirtual().start(() -> got.set(n.sb.recv(afd, in, 0)));
        awaitSleepers(n.sb, afd, 1);
        assertThat(n.sa.send(cfd, text("ping"), 0)).isEqualTo(4);
        n.runMs(5);
        join(reader);
        assertThat(got.get()).isEqualTo(4);
        // and returns 0 at end of stream
        Thread eof = Thread.ofVirtual().start(() -> got.set(n.sb.recv(afd, ByteBuffer.allocate(8), 0)));
        awaitSleepers(n.sb, afd, 1);
        n.sa.shutdown(cfd, SHUT_WR);
        n.runMs(5);
        join(eof);
        assertThat(got.get()).isZero();
    }

    @Test
    void blockingSend_waitsForAcksWhenTheBufferIsFull() throws Exception {
        int[] c = n.establish(80);
        n.sa.fcntl(c[0], F_SETFL, 0);
        n.dropAtoB = s -> true;
        AtomicInteger sent = new AtomicInteger();
        byte[] big = new byte[2 << 20];
        Thread writer = Thread.ofVirtual().start(() -> sent.set(n.sa.send(c[0], ByteBuffer.wrap(big), 0)));
        awaitSleepers(n.sa, c[0], 1);
        n.dropAtoB = null;
        ByteBuffer in = ByteBuffer.allocate(1 << 16);
        long total = 0;
        while (writer.isAlive() || total < big.length) {
            n.runMs(5);
            in.clear();
            int r = n.sb.recv(c[1], in, MSG_DONTWAIT);
            if (r > 0) total += r;
            if (!writer.isAlive() && r <= 0 && total < big.length && n.tcpA(c[0]).packetsOut() == 0) {
                break;
            }
        }
        join(writer);
        assertThat(sent.get()).isEqualTo(big.length);
        assertThat(total).isEqualTo(big.length);
    }

    @Test
    void poll_reportsConnectDataFinAndReset() {
        int lfd = n.listenB(80, 4);
        PollFd[] lp = {new PollFd(lfd, POLLIN)};
        assertThat(n.sb.poll(lp, 1, 0)).isZero();
        int cfd = n.connectA(80);
        PollFd[] cp = {new PollFd(cfd, POLLIN | POLLOUT | POLLRDHUP)};
        assertThat(n.sa.poll(cp, 1, 0)).isZero(); // connecting: nothing yet
        n.runMs(5);
        assertThat(n.sb.poll(lp, 1, 0)).isEqualTo(1);
        assertThat(lp[0].revents).isEqualTo(POLLIN);
        assertThat(n.sa.poll(cp, 1, 0)).isEqualTo(1);
        assertThat(cp[0].revents).isEqualTo(POLLOUT);
        int afd = n.sb.accept4(lfd, null, SOCK_NONBLOCK);
        n.sb.send(afd, text("data"), 0);
        n.runMs(5);
        n.sa.poll(cp, 1, 0);
        assertThat(cp[0].revents).isEqualTo(POLLIN | POLLOUT);
        n.sb.shutdown(afd, SHUT_WR);
        n.runMs(5);
        n.sa.poll(cp, 1, 0);
        assertThat(cp[0].revents).isEqualTo(POLLIN | POLLOUT | POLLRDHUP);
        n.sb.setsockopt(afd, SOL_SOCKET, SO_LINGER, TcpCloseTest.linger(1, 0), 8);
        n.sb.close(afd);
        n.runMs(5);
        n.sa.poll(cp, 1, 0);
        assertThat(cp[0].revents).isEqualTo(POLLIN | POLLOUT | POLLRDHUP | POLLERR | POLLHUP);
    }

    @Test
    void epoll_readyListTracksData() {
        int[] c = n.establish(80);
        int ep = n.sb.epollCreate1(0);
        assertThat(n.sb.epollCtl(ep, EPOLL_CTL_ADD, c[1], new EpollEvent(EPOLLIN, 42))).isZero();
        EpollEvent[] ev = {new EpollEvent()};
        assertThat(n.sb.epollWait(ep, ev, 1, 0)).isZero();
        n.sa.send(c[0], text("abc"), 0);
        n.runMs(5);
        assertThat(n.sb.epollWait(ep, ev, 1, 0)).isEqualTo(1);
        assertThat(ev[0].data).isEqualTo(42);
        assertThat(ev[0].events).isEqualTo(EPOLLIN);
        n.sb.recv(c[1], ByteBuffer.allocate(10), 0);
        assertThat(n.sb.epollWait(ep, ev, 1, 0)).isZero();
    }

    @Test
    void errors_asLinuxReportsThem() {
        int[] c = n.establish(80);
        // connect again on a connected socket
        assertThat(n.sa.connect(c[0], new SockAddrIn(TcpNet.B, 80))).isEqualTo(-Errno.EISCONN.code);
        // a second listener on the same address
        int l2 = TcpNet.tcpSocket(n.sb);
        assertThat(n.sb.bind(l2, new SockAddrIn(TcpNet.B, 80))).isEqualTo(-Errno.EADDRINUSE.code);
        // accept on a socket that does not listen
        assertThat(n.sb.accept(c[1], null)).isEqualTo(-Errno.EINVAL.code);
        // listen on a connected socket
        assertThat(n.sa.listen(c[0], 5)).isEqualTo(-Errno.EINVAL.code);
        // connect in progress
        int fd = n.connectA(80);
        assertThat(n.sa.connect(fd, new SockAddrIn(TcpNet.B, 80))).isEqualTo(-Errno.EALREADY.code);
        // send on a socket never connected
        int fresh = TcpNet.tcpSocket(n.sa);
        assertThat(n.sa.send(fresh, text("x"), MSG_NOSIGNAL)).isEqualTo(-Errno.EPIPE.code);
        assertThat(n.sa.recv(fresh, ByteBuffer.allocate(1), MSG_DONTWAIT)).isEqualTo(-Errno.ENOTCONN.code);
        assertThat(n.sa.shutdown(fresh, SHUT_RDWR)).isEqualTo(-Errno.ENOTCONN.code);
        // names
        SockAddrIn[] name = new SockAddrIn[1];
        assertThat(n.sa.getpeername(c[0], name)).isZero();
        assertThat(name[0]).isEqualTo(new SockAddrIn(TcpNet.B, 80));
        assertThat(n.sa.getsockname(c[0], name)).isZero();
        assertThat(name[0].addr()).isEqualTo(TcpNet.A);
        assertThat(name[0].port()).isBetween(32768, 60999);
        assertThat(n.sa.getpeername(fresh, name)).isEqualTo(-Errno.ENOTCONN.code);
    }

    @Test
    void connectToAnUnreachableHost_failsWithEhostunreach() {
        int fd = TcpNet.tcpSocket(n.sa);
        n.sa.fcntl(fd, F_SETFL, O_NONBLOCK);
        assertThat(n.sa.connect(fd, new SockAddrIn(TcpNet.NOBODY, 80))).isEqualTo(-Errno.EINPROGRESS.code);
        n.runMs(130_000);
        int[] err = new int[1];
        n.sa.getsockopt(fd, SOL_SOCKET, SO_ERROR, err);
        assertThat(err[0]).isIn(Errno.EHOSTUNREACH.code, Errno.ETIMEDOUT.code);
        assertThat(n.tcpA(fd).state).isEqualTo(TCP_CLOSE);
    }

    @Test
    void ioctl_inqOutq() {
        int[] c = n.establish(80);
        n.sa.send(c[0], text("12345"), 0);
        int[] v = new int[1];
        assertThat(n.sa.ioctl(c[0], SIOCOUTQ, v)).isZero();
        assertThat(v[0]).isEqualTo(5);
        n.runMs(5);
        assertThat(n.sa.ioctl(c[0], SIOCOUTQ, v)).isZero();
        assertThat(v[0]).isZero();
        assertThat(n.sb.ioctl(c[1], SIOCINQ, v)).isZero();
        assertThat(v[0]).isEqualTo(5);
        assertThat(n.sb.ioctl(c[2], SIOCINQ, v)).isEqualTo(-Errno.EINVAL.code);
    }

    @Test
    void options_maxsegNodelayCorkBuffers() {
        int fd = TcpNet.tcpSocket(n.sa);
        int[] v = new int[1];
        assertThat(n.sa.getsockopt(fd, SOL_TCP, TCP_MAXSEG, v)).isZero();
        assertThat(v[0]).isEqualTo(536);
        assertThat(n.sa.setsockopt(fd, SOL_TCP, TCP_MAXSEG, 1000)).isZero();
        assertThat(n.sa.setsockopt(fd, SOL_TCP, TCP_MAXSEG, 10)).isEqualTo(-Errno.EINVAL.code);
        assertThat(n.sa.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, 10_000)).isZero();
        n.sa.getsockopt(fd, SOL_SOCKET, SO_RCVBUF, v);
        assertThat(v[0]).isEqualTo(20_000);
        n.sa.setsockopt(fd, SOL_TCP, TCP_NODELAY, 1);
        n.sa.getsockopt(fd, SOL_TCP, TCP_NODELAY, v);
        assertThat(v[0]).isEqualTo(1);
        n.listenB(80, 4);
        n.sa.fcntl(fd, F_SETFL, O_NONBLOCK);
        n.sa.connect(fd, new SockAddrIn(TcpNet.B, 80));
        n.runMs(5);
        // the SYN announced the clamped MSS
        assertThat(n.segs.get(0).optHex()).startsWith("02 04 03 e8");
        assertThat(n.tcpA(fd).mss()).isEqualTo(1000 - 12);
        n.sa.getsockopt(fd, SOL_TCP, TCP_MAXSEG, v);
        assertThat(v[0]).isEqualTo(988);
    }

    @Test
    void nagle_holdsSmallSegmentsWhileDataIsInFlight_nodelayDoesNot() {
        int[] c = n.establish(80);
        n.segs.clear();
        n.dropBtoA = s -> true; // no ACKs come back for now
        n.sa.send(c[0], text("a"), 0);
        n.sa.send(c[0], text("b"), 0);
        n.sa.send(c[0], text("c"), 0);
        assertThat(n.segsFrom(true)).hasSize(1); // "b" and "c" wait for the ACK of "a"
        n.sa.setsockopt(c[0], SOL_TCP, TCP_NODELAY, 1); // setting it pushes what waits
        assertThat(n.segsFrom(true)).hasSize(2);
        assertThat(n.segsFrom(true).get(1).len()).isEqualTo(2);
        n.sa.send(c[0], text("d"), 0);
        assertThat(n.segsFrom(true)).hasSize(3);
        n.dropBtoA = null;
    }

    @Test
    void cork_holdsPartialSegmentsUntilUncorked() {
        int[] c = n.establish(80);
        n.segs.clear();
        n.sa.setsockopt(c[0], SOL_TCP, TCP_CORK, 1);
        n.sa.send(c[0], text("head"), 0);
        n.sa.send(c[0], text("body"), 0);
        assertThat(n.segsFrom(true)).isEmpty();
        n.sa.setsockopt(c[0], SOL_TCP, TCP_CORK, 0);
        assertThat(n.segsFrom(true)).hasSize(1);
        assertThat(n.segsFrom(true).get(0).len()).isEqualTo(8);
    }

    @Test
    void corkedPartialSegment_goesOutAfter200ms() {
        int[] c = n.establish(80);
        n.segs.clear();
        n.sa.setsockopt(c[0], SOL_TCP, TCP_CORK, 1);
        long t0 = n.sim.nowNs();
        n.sa.send(c[0], text("head"), 0);
        n.runMs(300);
        assertThat(n.segsFrom(true)).hasSize(1);
        assertThat((n.segsFrom(true).get(0).timeNs() - t0) / 1_000_000).isEqualTo(200);
    }

    @Test
    void tcpInfo_linuxLayout() {
        int[] c = n.establish(80);
        n.sa.send(c[0], ByteBuffer.wrap(new byte[5000]), 0);
        n.runMs(5);
        byte[] info = new byte[300];
        int[] len = {info.length};
        assertThat(n.sa.getsockopt(c[0], SOL_TCP, TCP_INFO, info, len)).isZero();
        assertThat(len[0]).isEqualTo(248);
        assertThat(info[0]).isEqualTo((byte) TCP_ESTABLISHED); // tcpi_state
        assertThat(info[5] & 0x07).isEqualTo(0x07); // TCPI_OPT_TIMESTAMPS | SACK | WSCALE
        assertThat(info[6]).isEqualTo((byte) 0x77); // snd_wscale 7 | rcv_wscale 7 << 4
        assertThat(SockOpts.intAt(info, 8)).isEqualTo(200_000); // tcpi_rto (µs)
        assertThat(SockOpts.intAt(info, 16)).isEqualTo(1448); // tcpi_snd_mss
        assertThat(SockOpts.intAt(info, 80)).isEqualTo(10); // tcpi_snd_cwnd: IW10, app-limited
        assertThat(SockOpts.longAt(info, 120)).isEqualTo(5001); // tcpi_bytes_acked (the SYN counts)
        assertThat(SockOpts.intAt(info, 156)).isEqualTo(4); // tcpi_data_segs_out
        // a short read gets a prefix, as Linux copies min(len, sizeof)
        byte[] small = new byte[8];
        int[] slen = {8};
        assertThat(n.sa.getsockopt(c[0], SOL_TCP, TCP_INFO, small, slen)).isZero();
        assertThat(slen[0]).isEqualTo(8);
        assertThat(small[0]).isEqualTo((byte) TCP_ESTABLISHED);
    }

    @Test
    void keepaliveOptions_validatedAndReadBack() {
        int fd = TcpNet.tcpSocket(n.sa);
        int[] v = new int[1];
        n.sa.getsockopt(fd, SOL_TCP, TCP_KEEPIDLE, v);
        assertThat(v[0]).isEqualTo(7200);
        n.sa.getsockopt(fd, SOL_TCP, TCP_KEEPINTVL, v);
        assertThat(v[0]).isEqualTo(75);
        n.sa.getsockopt(fd, SOL_TCP, TCP_KEEPCNT, v);
        assertThat(v[0]).isEqualTo(9);
        assertThat(n.sa.setsockopt(fd, SOL_TCP, TCP_KEEPIDLE, 0)).isEqualTo(-Errno.EINVAL.code);
        assertThat(n.sa.setsockopt(fd, SOL_TCP, TCP_KEEPIDLE, 32768)).isEqualTo(-Errno.EINVAL.code);
        assertThat(n.sa.setsockopt(fd, SOL_TCP, TCP_KEEPCNT, 128)).isEqualTo(-Errno.EINVAL.code);
        assertThat(n.sa.setsockopt(fd, SOL_TCP, TCP_USER_TIMEOUT, -1)).isEqualTo(-Errno.EINVAL.code);
    }

    @Test
    void bindToAPortHeldByTimeWait_needsSoReuseaddrOnBoth() {
        int fd = TcpNet.tcpSocket(n.sa);
        n.sa.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
        assertThat(n.sa.bind(fd, new SockAddrIn(TcpNet.A, 4000))).isZero();
        int lfd = n.listenB(80, 4);
        n.sa.fcntl(fd, F_SETFL, O_NONBLOCK);
        n.sa.connect(fd, new SockAddrIn(TcpNet.B, 80));
        n.runMs(5);
        int afd = n.sb.accept4(lfd, null, 0);
        n.sa.close(fd); // A closes first: A ends in TIME_WAIT on port 4000
        n.runMs(5);
        n.sb.close(afd);
        n.runMs(5);
        assertThat(n.a.tcp().timeWaitCount()).isEqualTo(1);
        int plain = TcpNet.tcpSocket(n.sa);
        assertThat(n.sa.bind(plain, new SockAddrIn(TcpNet.A, 4000))).isEqualTo(-Errno.EADDRINUSE.code);
        int reuse = TcpNet.tcpSocket(n.sa);
        n.sa.setsockopt(reuse, SOL_SOCKET, SO_REUSEADDR, 1);
        assertThat(n.sa.bind(reuse, new SockAddrIn(TcpNet.A, 4000))).isZero();
    }
}
