package dev.packetflow.net.ipv4.tcp;

import static dev.packetflow.net.ipv4.tcp.TcpSockOpts.*;
import static dev.packetflow.net.socket.Sock.*;
import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.SockAddrIn;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Timers: retransmission with backoff, SYN retries, user timeout, keepalive, zero-window probes. */
class TcpTimerTest {
    final TcpNet n = new TcpNet(21);

    @AfterEach
    void close() {
        n.close();
    }

    int soError(dev.packetflow.net.socket.SocketLayer s, int fd) {
        int[] err = new int[1];
        assertThat(s.getsockopt(fd, SOL_SOCKET, SO_ERROR, err)).isZero();
        return err[0];
    }

    static long ms(TcpNet.Seg s, long t0) {
        return (s.timeNs() - t0) / 1_000_000;
    }

    @Test
    void synRetransmits_1_3_7_15_31_63s_thenEtimedoutAt127s() {
        n.listenB(80, 16);
        n.blackhole(true);
        long t0 = n.sim.nowNs();
        int fd = n.connectA(80);
        n.runMs(126_000);
        assertThat(n.tcpA(fd).state).isEqualTo(TCP_SYN_SENT);
        n.runMs(2_000);
        List<TcpNet.Seg> syns = n.segsFrom(true);
        assertThat(syns).allMatch(TcpNet.Seg::syn);
        assertThat(syns.stream().map(s -> ms(s, t0)).toList()).containsExactly(0L, 1000L, 3000L, 7000L, 15000L, 31000L, 63000L);
        assertThat(n.tcpA(fd).state).isEqualTo(TCP_CLOSE);
        assertThat(soError(n.sa, fd)).isEqualTo(Errno.ETIMEDOUT.code);
        assertThat(n.a.tcp().mib().get(TcpMib.ATTEMPT_FAILS)).isEqualTo(1);
        // the same SYN each time: same sequence number and options
        assertThat(syns).allMatch(s -> s.seq() == syns.get(0).seq());
    }

    @Test
    void dataRetransmission_backsOffExponentially_andRecovers() {
        int[] c = n.establish(80);
        n.segs.clear();
        n.dropAtoB = s -> s.len() > 0;
        long t0 = n.sim.nowNs();
        assertThat(n.sa.send(c[0], ByteBuffer.wrap(new byte[100]), 0)).isEqualTo(100);
        n.runMs(7_000);
        List<TcpNet.Seg> tx = n.segsFrom(true);
        List<Long> times = tx.stream().map(s -> ms(s, t0)).toList();
        // first transmission, a tail loss probe, then RTOs doubling from the 200 ms minimum
        assertThat(times).as(n.dump()).containsExactly(0L, 200L, 400L, 800L, 1600L, 3200L, 6400L);
        assertThat(tx).allMatch(s -> s.seq() == tx.get(0).seq() && s.len() == 100);
        n.dropAtoB = null;
        n.runMs(13_000);
        ByteBuffer in = ByteBuffer.allocate(200);
        assertThat(n.sb.recv(c[1], in, MSG_DONTWAIT)).isEqualTo(100);
        assertThat(n.tcpA(c[0]).packetsOut()).isZero();
        assertThat(n.a.tcp().extMib().get("TCPTimeouts")).isEqualTo(6);
        assertThat(n.a.tcp().extMib().get("TCPLossProbes")).isEqualTo(1);
    }

    @Test
    void retransmissionsExhausted_connectionTimesOutAfterRetries2() {
        int[] c = n.establish(80);
        n.blackhole(true);
        long t0 = n.sim.nowNs();
        n.sa.send(c[0], ByteBuffer.wrap(new byte[100]), 0);
        n.runMs(900_000);
        assertThat(n.tcpA(c[0]).state).isEqualTo(TCP_ESTABLISHED);
        n.runMs(100_000);
        assertThat(n.tcpA(c[0]).state).isEqualTo(TCP_CLOSE);
        assertThat(n.sa.recv(c[0], ByteBuffer.allocate(10), MSG_DONTWAIT)).isEqualTo(-Errno.ETIMEDOUT.code);
        // tcp_retries2 = 15: 924.6 s modelled from the 200 ms minimum RTO
        long last = n.segsFrom(true).getLast().timeNs() - t0;
        assertThat(last / 1_000_000).isBetween(800_000L, 925_000L);
    }

    @Test
    void userTimeout_abortsAfterItsTime() {
        int[] c = n.establish(80);
        assertThat(n.sa.setsockopt(c[0], SOL_TCP, TCP_USER_TIMEOUT, 5000)).isZero();
        int[] v = new int[1];
        n.sa.getsockopt(c[0], SOL_TCP, TCP_USER_TIMEOUT, v);
        assertThat(v[0]).isEqualTo(5000);
        n.blackhole(true);
        n.segs.clear();
        long t0 = n.sim.nowNs();
        n.sa.send(c[0], ByteBuffer.wrap(new byte[100]), 0);
        // As in Linux the time counts from the first retransmission (the loss probe at 200 ms), and
        // the last RTO is clamped to the time that remains.
        n.runMs(5_150);
        assertThat(n.tcpA(c[0]).state).isEqualTo(TCP_ESTABLISHED);
        n.runMs(100);
        assertThat(n.tcpA(c[0]).state).isEqualTo(TCP_CLOSE);
        assertThat(soError(n.sa, c[0])).isEqualTo(Errno.ETIMEDOUT.code);
        // the peer is told nothing: the path is dead
        assertThat(n.segsFrom(true).getLast().rst()).isFalse();
        assertThat(n.segsFrom(true).stream().map(s -> ms(s, t0)).toList()).containsExactly(0L, 200L, 400L, 800L, 1600L, 3200L);
    }

    void keepalive(int fd, int idle, int intvl, int cnt) {
        assertThat(n.sa.setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, 1)).isZero();
        assertThat(n.sa.setsockopt(fd, SOL_TCP, TCP_KEEPIDLE, idle)).isZero();
        assertThat(n.sa.setsockopt(fd, SOL_TCP, TCP_KEEPINTVL, intvl)).isZero();
        assertThat(n.sa.setsockopt(fd, SOL_TCP, TCP_KEEPCNT, cnt)).isZero();
    }

    @Test
    void keepalive_liveePeerAnswersProbes() {
        int[] c = n.establish(80);
        n.segs.clear();
        long t0 = n.sim.nowNs();
        keepalive(c[0], 10, 2, 3);
        n.runMs(35_000);
        List<TcpNet.Seg> probes = n.segsFrom(true);
        assertThat(probes.stream().map(s -> ms(s, t0)).toList()).containsExactly(10_000L, 20_000L, 30_000L);
        TcpNet.Seg answer = n.segsFrom(false).get(0);
        // a probe is a zero-length segment one below snd_una; the answer is a duplicate ACK
        assertThat(probes.get(0).seq()).isEqualTo(answer.ack() - 1);
        assertThat(probes.get(0).len()).isZero();
        assertThat(n.tcpA(c[0]).state).isEqualTo(TCP_ESTABLISHED);
    }

    @Test
    void keepalive_deadPeer_etimedoutAfterCountProbes() {
        int[] c = n.establish(80);
        n.segs.clear();
        long t0 = n.sim.nowNs();
        keepalive(c[0], 10, 2, 3);
        n.blackhole(true);
        n.runMs(15_990);
        assertThat(n.tcpA(c[0]).state).isEqualTo(TCP_ESTABLISHED);
        n.runMs(200);
        // three probes, then Linux gives up with a reset (tcp_keepalive_timer)
        List<TcpNet.Seg> tx = n.segsFrom(true);
        assertThat(tx.stream().map(s -> ms(s, t0)).toList()).containsExactly(10_000L, 12_000L, 14_000L, 16_000L);
        assertThat(tx.subList(0, 3)).noneMatch(TcpNet.Seg::rst);
        assertThat(tx.get(3).flags()).isEqualTo(TcpHeader.RST | TcpHeader.ACK);
        assertThat(n.tcpA(c[0]).state).isEqualTo(TCP_CLOSE);
        assertThat(soError(n.sa, c[0])).isEqualTo(Errno.ETIMEDOUT.code);
        assertThat(n.a.tcp().extMib().get("TCPKeepAlive")).isEqualTo(3);
    }

    @Test
    void zeroWindow_senderProbesWithBackoff_resumesWhenReaderReads() {
        int[] c = n.establish(80);
        // a small receive buffer fills quickly
        int[] cc = c;
        ByteBuffer out = ByteBuffer.wrap(new byte[1 << 20]);
        for (int i = 0; i < 1000; i++) {
            n.sa.send(cc[0], out, MSG_DONTWAIT);
            n.runMs(1);
        }
        n.runMs(100);
        assertThat(n.tcpA(c[0]).sndWnd()).isZero();
        long probesBefore = n.a.tcp().extMib().get("TCPWinProbe");
        n.segs.clear();
        n.runMs(10_000);
        List<TcpNet.Seg> probes = n.segsFrom(true);
        assertThat(probes).hasSizeBetween(3, 7);
        assertThat(probes).allMatch(s -> s.len() == 0);
        for (int i = 2; i < probes.size(); i++) {
            long gap = probes.get(i).timeNs() - probes.get(i - 1).timeNs();
            long prev = probes.get(i - 1).timeNs() - probes.get(i - 2).timeNs();
            assertThat(gap).isEqualTo(2 * prev);
        }
        assertThat(n.segsFrom(false)).allMatch(s -> s.win() == 0);
        assertThat(n.a.tcp().extMib().get("TCPWinProbe") - probesBefore).isEqualTo(probes.size());
        // the reader drains: a window update reopens the flow
        long got = 0;
        ByteBuffer in = ByteBuffer.allocate(1 << 16);
        for (int i = 0; i < 100_000 && got < out.position(); i++) {
            in.clear();
            int r = n.sb.recv(c[1], in, MSG_DONTWAIT);
            if (r > 0) got += r;
            else n.runMs(1);
            if (out.hasRemaining()) n.sa.send(c[0], out, MSG_DONTWAIT);
        }
        assertThat(got).isEqualTo(out.position());
    }

    @Test
    void simultaneousOpen_bothEndsConnect() {
        int fa = TcpNet.tcpSocket(n.sa);
        int fb = TcpNet.tcpSocket(n.sb);
        assertThat(n.sa.bind(fa, new SockAddrIn(TcpNet.A, 5000))).isZero();
        assertThat(n.sb.bind(fb, new SockAddrIn(TcpNet.B, 6000))).isZero();
        n.sa.fcntl(fa, F_SETFL, O_NONBLOCK);
        n.sb.fcntl(fb, F_SETFL, O_NONBLOCK);
        assertThat(n.sa.connect(fa, new SockAddrIn(TcpNet.B, 6000))).isEqualTo(-Errno.EINPROGRESS.code);
        assertThat(n.sb.connect(fb, new SockAddrIn(TcpNet.A, 5000))).isEqualTo(-Errno.EINPROGRESS.code);
        n.runMs(10);
        assertThat(n.tcpA(fa).state).as(n.dump()).isEqualTo(TCP_ESTABLISHED);
        assertThat(n.tcpB(fb).state).isEqualTo(TCP_ESTABLISHED);
        // SYN from both, then SYN-ACK from both, no resets
        assertThat(n.segs.stream().filter(TcpNet.Seg::syn).count()).isEqualTo(4);
        assertThat(n.segs.stream().filter(TcpNet.Seg::rst).count()).isZero();
        assertThat(n.sa.send(fa, ByteBuffer.wrap(new byte[10]), 0)).isEqualTo(10);
        n.runMs(10);
        assertThat(n.sb.recv(fb, ByteBuffer.allocate(20), MSG_DONTWAIT)).isEqualTo(10);
    }
}
