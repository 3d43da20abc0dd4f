package dev.packetflow.net.ipv4.tcp;

import static dev.packetflow.net.socket.Sock.*;
import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.SockOpts;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Closing connections: FIN in every state, half-close, TIME_WAIT, aborts with RST. */
class TcpCloseTest {
    final TcpNet n = new TcpNet(11);

    @AfterEach
    void close() {
        n.close();
    }

    static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    static String read(dev.packetflow.net.socket.SocketLayer s, int fd) {
        ByteBuffer in = ByteBuffer.allocate(4096);
        int r = s.recv(fd, in, MSG_DONTWAIT);
        if (r < 0) {
            return "errno " + -r;
        }
        return r == 0 ? "EOF" : new String(in.array(), 0, r, StandardCharsets.UTF_8);
    }

    void settle() {
        n.runMs(10);
    }

    static byte[] linger(int on, int secs) {
        byte[] v = new byte[8];
        SockOpts.putInt(v, 0, on);
        SockOpts.putInt(v, 4, secs);
        return v;
    }

    @Test
    void halfClose_peerReadsEofAndKeepsSending() {
        int[] c = n.establish(80);
        assertThat(n.sa.shutdown(c[0], SHUT_WR)).isZero();
        settle();
        assertThat(n.tcpA(c[0]).state).isEqualTo(TCP_FIN_WAIT2);
        assertThat(n.tcpB(c[1]).state).isEqualTo(TCP_CLOSE_WAIT);
        assertThat(read(n.sb, c[1])).isEqualTo("EOF");
        assertThat(read(n.sb, c[1])).isEqualTo("EOF");
        // A may no longer write; B may
        assertThat(n.sa.send(c[0], text("no"), MSG_NOSIGNAL)).isEqualTo(-Errno.EPIPE.code);
        assertThat(n.sb.send(c[1], text("still here"), 0)).isEqualTo(10);
        settle();
        assertThat(read(n.sa, c[0])).isEqualTo("still here");
        assertThat(n.sb.close(c[1])).isZero();
        settle();
        // A received B's FIN in FIN_WAIT2: the connection lives on as a TIME_WAIT mini socket
        assertThat(read(n.sa, c[0])).isEqualTo("EOF");
        assertThat(n.tcpA(c[0]).state).isEqualTo(TCP_CLOSE);
        assertThat(n.a.tcp().timeWaitCount()).isEqualTo(1);
        assertThat(n.b.tcp().socks()).hasSize(1); // only the listener remains on B
        TcpNet.Seg finA = n.segs.stream().filter(s -> s.fromA() && s.fin()).findFirst().orElseThrow();
        TcpNet.Seg finB = n.segs.stream().filter(s -> !s.fromA() && s.fin()).findFirst().orElseThrow();
        assertThat(finA.flags()).isEqualTo(TcpHeader.FIN | TcpHeader.ACK);
        assertThat(finB.ack()).isEqualTo(finA.seq() + 1);
    }

    @Test
    void timeWait_lastsTwoMslThenGoes() {
        int[] c = n.establish(80);
        assertThat(n.sa.close(c[0])).isZero();
        settle();
        assertThat(n.sb.close(c[1])).isZero();
        settle();
        long start = n.sim.nowNs();
        assertThat(n.a.tcp().timeWaitCount()).isEqualTo(1);
        assertThat(n.a.tcp().socks()).isEmpty();
        assertThat(n.b.tcp().socks()).hasSize(1);
        n.runMs(59_000);
        assertThat(n.a.tcp().timeWaitCount()).isEqualTo(1);
        n.runMs(1_100);
        assertThat(n.a.tcp().timeWaitCount()).isZero();
        assertThat(n.sim.nowNs() - start).isGreaterThanOrEqualTo(60_000_000_000L);
        // the active closer's sequence: FIN, then the last ACK; B: ACK of the FIN, its own FIN
        assertThat(n.segs.stream().filter(TcpNet.Seg::fin).count()).isEqualTo(2);
        assertThat(n.segs.stream().filter(TcpNet.Seg::rst).count()).isZero();
    }

    @Test
    void timeWait_retransmittedFinIsAckedAgain() {
        int[] c = n.establish(80);
        n.sa.close(c[0]);
        settle();
        // lose A's last ACK: B retransmits its FIN, the TIME_WAIT sock answers it
        n.dropAtoB = s -> !s.fin() && !s.syn();
        n.sb.close(c[1]);
        n.runMs(100);
        assertThat(n.droppedAtoB).isEqualTo(1);
        n.dropAtoB = null;
        n.runMs(1_500);
        assertThat(n.segs.stream().filter(s -> !s.fromA() && s.fin()).count()).isEqualTo(2);
        assertThat(n.b.tcp().socks()).hasSize(1);
        assertThat(n.a.tcp().timeWaitCount()).isEqualTo(1);
    }

    @Test
    void simultaneousClose_bothPassThroughClosingToTimeWait() {
        int[] c = n.establish(80);
        // both FINs cross on the wire
        n.sa.close(c[0]);
        n.sb.close(c[1]);
        settle();
        assertThat(n.a.tcp().timeWaitCount()).isEqualTo(1);
        assertThat(n.b.tcp().timeWaitCount()).isEqualTo(1);
        assertThat(n.segs.stream().filter(TcpNet.Seg::rst).count()).isZero();
    }

    @Test
    void close_withUnreadData_sendsResetAndPeerSeesEconnreset() {
        int[] c = n.establish(80);
        n.sa.send(c[0], text("unread"), 0);
        settle();
        assertThat(n.sb.close(c[1])).isZero();
        settle();
        TcpNet.Seg rst = n.segs.get(n.segs.size() - 1);
        assertThat(rst.fromA()).isFalse();
        assertThat(rst.flags()).isEqualTo(TcpHeader.RST | TcpHeader.ACK);
        assertThat(read(n.sa, c[0])).isEqualTo("errno " + Errno.ECONNRESET.code);
        assertThat(read(n.sa, c[0])).isEqualTo("EOF");
        assertThat(n.sa.send(c[0], text("x"), MSG_NOSIGNAL)).isEqualTo(-Errno.EPIPE.code);
        assertThat(n.b.tcp().extMib().get("TCPAbortOnClose")).isEqualTo(1);
        assertThat(n.a.tcp().mib().get(TcpMib.ESTAB_RESETS)).isEqualTo(1);
        assertThat(n.b.tcp().mib().get(TcpMib.OUT_RSTS)).isEqualTo(1);
        assertThat(n.a.tcp().timeWaitCount() + n.b.tcp().timeWaitCount()).isZero();
    }

    @Test
    void lingerZero_closeAbortsWithReset() {
        int[] c = n.establish(80);
        assertThat(n.sa.setsockopt(c[0], SOL_SOCKET, SO_LINGER, linger(1, 0), 8)).isZero();
        assertThat(n.sa.close(c[0])).isZero();
        settle();
        assertThat(n.segs.get(n.segs.size() - 1).rst()).isTrue();
        assertThat(n.tcpB(c[1]).state).as(n.dump() + n.b.drops().snapshot() + TcpTransferTest.nz(n.b.tcp().mib()) + TcpTransferTest.nz(n.b.tcp().extMib())).isEqualTo(TCP_CLOSE);
        assertThat(read(n.sb, c[1])).isEqualTo("errno " + Errno.ECONNRESET.code);
        assertThat(n.a.tcp().timeWaitCount()).isZero();
        assertThat(n.a.tcp().extMib().get("TCPAbortOnData")).isEqualTo(1);
    }

    @Test
    void resetInCloseWait_reportsEpipe() {
        int[] c = n.establish(80);
        n.sa.shutdown(c[0], SHUT_WR);
        settle();
        assertThat(n.tcpB(c[1]).state).isEqualTo(TCP_CLOSE_WAIT);
        n.sa.setsockopt(c[0], SOL_SOCKET, SO_LINGER, linger(1, 0), 8);
        n.sa.close(c[0]); // FIN_WAIT2 + linger 0: RST
        settle();
        assertThat(n.tcpB(c[1]).state).isEqualTo(TCP_CLOSE);
        int[] err = new int[1];
        assertThat(n.sb.getsockopt(c[1], SOL_SOCKET, SO_ERROR, err)).isZero();
        assertThat(err[0]).isEqualTo(Errno.EPIPE.code);
    }

    @Test
    void resetInLastAck_closesTheOrphan() {
        int[] c = n.establish(80);
        n.sa.shutdown(c[0], SHUT_WR);
        settle();
        n.dropBtoA = TcpNet.Seg::fin; // B's FIN never reaches A
        n.sb.close(c[1]);
        settle();
        assertThat(n.b.tcp().socks()).hasSize(2); // the listener and the orphan in LAST_ACK
        assertThat(n.b.tcp().socks()).anyMatch(s -> s.state == TCP_LAST_ACK);
        n.sa.setsockopt(c[0], SOL_SOCKET, SO_LINGER, linger(1, 0), 8);
        n.sa.close(c[0]);
        settle();
        assertThat(n.b.tcp().socks()).hasSize(1);
        assertThat(n.b.tcp().timeWaitCount()).isZero();
    }

    @Test
    void finWait2Orphan_timesOutAfterFinTimeout() {
        int[] c = n.establish(80);
        n.sa.close(c[0]);
        settle();
        // B never closes: A's orphan waits in FIN_WAIT2 (as a TIME_WAIT mini sock) for tcp_fin_timeout
        assertThat(n.a.tcp().socks()).isEmpty();
        assertThat(n.a.tcp().timeWaitCount()).isEqualTo(1);
        n.runMs(61_000);
        assertThat(n.a.tcp().timeWaitCount()).isZero();
        // B's late FIN now meets no one and is answered with a reset
        n.sb.close(c[1]);
        settle();
        assertThat(n.segs.get(n.segs.size() - 1).rst()).isTrue();
        assertThat(n.segs.get(n.segs.size() - 1).fromA()).isTrue();
    }

    @Test
    void connectionRefused_nonBlockingConnectReportsEconnrefused() {
        int fd = n.connectA(81);
        settle();
        int[] err = new int[1];
        assertThat(n.sa.getsockopt(fd, SOL_SOCKET, SO_ERROR, err)).isZero();
        assertThat(err[0]).isEqualTo(Errno.ECONNREFUSED.code);
        assertThat(n.tcpA(fd).state).isEqualTo(TCP_CLOSE);
        TcpNet.Seg rst = n.segs.get(1);
        assertThat(rst.flags()).isEqualTo(TcpHeader.RST | TcpHeader.ACK);
        assertThat(rst.seq()).isZero();
        assertThat(rst.ack()).isEqualTo(n.segs.get(0).seq() + 1);
        assertThat(n.a.tcp().mib().get(TcpMib.ATTEMPT_FAILS)).isEqualTo(1);
        assertThat(n.b.tcp().mib().get(TcpMib.OUT_RSTS)).isEqualTo(1);
    }

    @Test
    void closeInSynSent_thenSynAckIsAnsweredWithReset() {
        int lfd = n.listenB(80, 16);
        n.dropBtoA = TcpNet.Seg::syn;
        int fd = n.connectA(80);
        settle();
        assertThat(n.tcpB(lfd).synQueueLen()).isEqualTo(1);
        n.sa.close(fd);
        n.dropBtoA = null;
        n.runMs(1_500); // B retransmits its SYN-ACK after 1 s
        TcpNet.Seg last = n.segs.get(n.segs.size() - 1);
        assertThat(last.fromA()).isTrue();
        assertThat(last.flags()).isEqualTo(TcpHeader.RST);
        assertThat(n.tcpB(lfd).synQueueLen()).isZero();
        assertThat(n.sb.accept4(lfd, null, 0)).isEqualTo(-Errno.EAGAIN.code);
    }

    @Test
    void closeListener_resetsConnectionsNotYetAccepted() {
        int lfd = n.listenB(80, 16);
        int fd = n.connectA(80);
        settle();
        assertThat(n.tcpB(lfd).acceptQueueLen()).isEqualTo(1);
        n.sb.close(lfd);
        settle();
        assertThat(n.tcpA(fd).state).isEqualTo(TCP_CLOSE);
        assertThat(read(n.sa, fd)).isEqualTo("errno " + Errno.ECONNRESET.code);
        assertThat(n.b.tcp().socks()).isEmpty();
    }

    @Test
    void closeBothSides_nothingLeftAfterTimeWait() {
        int[] c = n.establish(80);
        n.sa.send(c[0], text("bye"), 0);
        n.sa.close(c[0]);
        settle();
        assertThat(read(n.sb, c[1])).isEqualTo("bye");
        assertThat(read(n.sb, c[1])).isEqualTo("EOF");
        n.sb.close(c[1]);
        n.sb.close(c[2]);
        n.runMs(61_000);
        assertThat(n.a.tcp().socks()).isEmpty();
        assertThat(n.b.tcp().socks()).isEmpty();
        assertThat(n.a.tcp().timeWaitCount() + n.b.tcp().timeWaitCount()).isZero();
        assertThat(n.a.tcp().mib().get(TcpMib.CURR_ESTAB)).isZero();
        assertThat(n.b.tcp().mib().get(TcpMib.CURR_ESTAB)).isZero();
    }
}
