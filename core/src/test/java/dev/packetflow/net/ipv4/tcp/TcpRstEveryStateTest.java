package dev.packetflow.net.ipv4.tcp;

import static dev.packetflow.net.socket.Sock.*;
import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.SockAddrIn;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An incoming RST in every TCP state, as Linux handles it (RFC 9293 3.10.7 with RFC 5961 3.2):
 * no socket ({@code tcp_v4_rcv()}'s {@code no_tcp_socket}), LISTEN and SYN_SENT
 * ({@code tcp_rcv_state_process()}, {@code tcp_rcv_synsent_state_process()}), a request sock
 * ({@code tcp_check_req()}), the synchronized states ({@code tcp_validate_incoming()},
 * {@code tcp_reset()}: the error the application sees, the MIB counters {@code tcp_done()} and
 * {@code tcp_set_state()} bump) and the TIME_WAIT sock in both its substates
 * ({@code tcp_timewait_state_process()}). The remote peer is played with packetdrill lines
 * ({@link Pd}); the SUT's sequence numbers are relative to its ISN.
 *
 * <p>Also covered elsewhere: ESTABLISHED in {@code rst-established.pkt} and
 * {@link TcpAttackTest#rstInWindowButNotAtRcvNxt_getsChallengeAck_connectionLives}, TIME_WAIT with
 * and without {@code tcp_rfc1337} in {@link TcpAttackTest#timeWait_rstKillsIt_unlessRfc1337}, a
 * SYN to a closed port in {@code rst-for-closed-port.pkt}.
 */
class TcpRstEveryStateTest {
    final Pd pd = new Pd();
    int listener;

    @AfterEach
    void close() {
        pd.close();
    }

    /** A passive open without timestamps; the accepted socket (the listener in {@link #listener}). */
    int established() {
        listener = pd.listen(4);
        pd.in("S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>");
        pd.out("S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>");
        pd.t(.01).in(". 1:1(0) ack 1 win 257");
        return pd.accept(listener);
    }

    long mib(int field) {
        return pd.net.tcp().mib().get(field);
    }

    long ext(String name) {
        return pd.net.tcp().extMib().get(name);
    }

    int soError(int fd) {
        int[] err = new int[1];
        assertThat(pd.sys.getsockopt(fd, SOL_SOCKET, SO_ERROR, err)).isZero();
        return err[0];
    }

    int writeNoSignal(int fd, int len) {
        return pd.sys.send(fd, ByteBuffer.allocate(len), MSG_DONTWAIT | MSG_NOSIGNAL);
    }

    /** The sockets of the stack in {@code state} (full socks; TIME_WAIT socks are counted apart). */
    long socksIn(int state) {
        return pd.net.tcp().socks().stream().filter(s -> s.state == state).count();
    }

    // ================================================================ no socket, LISTEN

    @Test
    void closed_rstGetsNoReply_otherSegmentsGetReset() {
        List<Pd.Seg> tx = new ArrayList<>();
        pd.eth0.setTxSink(skb -> {
            tx.add(Pd.Seg.of(skb.toByteArray()));
            Skb.consumeSkb(skb);
        });
        long noSocketDrops = pd.net.drops().get(DropReason.NO_SOCKET);
        // RFC 9293 3.10.7.1: "An incoming segment containing a RST is discarded."
        pd.in("R 1000:1000(0) win 0");
        pd.in("R. 1000:1000(0) ack 5000 win 0");
        pd.t(.1);
        assertThat(tx).isEmpty();
        assertThat(mib(TcpMib.OUT_RSTS)).isZero();
        assertThat(pd.net.drops().get(DropReason.NO_SOCKET)).isEqualTo(noSocketDrops + 2);
        // Anything else is answered: an ACK with a RST at its ACK number (no ACK flag), a SYN with
        // RST|ACK acknowledging it (seq 0)
        pd.in(". 1000:1000(0) ack 5000 win 257");
        pd.in("S 7000:7000(0) win 32792 <mss 1000>");
        assertThat(tx).hasSize(2);
        // Pd writes its ACK numbers relative to an ISN of -1 before any SYN of the SUT
        assertThat(tx.get(0).flags()).isEqualTo(TcpHeader.RST);
        assertThat(tx.get(0).seq()).isEqualTo(4999);
        assertThat(tx.get(1).flags()).isEqualTo(TcpHeader.RST | TcpHeader.ACK);
        assertThat(tx.get(1).seq()).isZero();
        assertThat(tx.get(1).ack()).isEqualTo(7001);
        assertThat(tx.get(1).win()).isZero();
        assertThat(mib(TcpMib.OUT_RSTS)).isEqualTo(2);
        assertThat(pd.net.drops().get(DropReason.NO_SOCKET)).isEqualTo(noSocketDrops + 4);
    }

    @Test
    void listen_rstIgnored_listenerStillAccepts() {
        int l = pd.listen(4);
        // tcp_rcv_state_process(), TCP_LISTEN: an RST is discarded; an RST|ACK is "answered" by
        // tcp_v4_send_reset(), which never answers an RST
        pd.in("R 0:0(0) win 0");
        pd.in("R. 0:0(0) ack 1 win 0");
        pd.t(.1).none();
        assertThat(pd.tcp(l).state).isEqualTo(TCP_LISTEN);
        assertThat(pd.tcp(l).synQueueLen()).isZero();
        assertThat(pd.sys.accept4(l, null, 0)).isEqualTo(-Errno.EAGAIN.code);
        assertThat(mib(TcpMib.OUT_RSTS)).isZero();
        pd.in("S 0:0(0) win 32792 <mss 1000,nop,wscale 7>");
        pd.out("S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>");
        pd.t(.01).in(". 1:1(0) ack 1 win 257");
        int fd = pd.accept(l);
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_ESTABLISHED);
    }

    // ================================================================ SYN_SENT

    @Test
    void synSent_rstWithAcceptableAck_econnrefused() {
        int fd = pd.connect();
        pd.out("S 0:0(0) <...>");
        // RFC 9293 3.10.7.3: the ACK acknowledges our SYN; the RST's sequence number is not checked
        pd.t(.01).in("R. 777:777(0) ack 1 win 0");
        pd.none();
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_CLOSE);
        assertThat(mib(TcpMib.ATTEMPT_FAILS)).isEqualTo(1);
        // the non-blocking connect's result: a second connect() (__inet_stream_connect()'s
        // sock_error) or SO_ERROR, whichever comes first, takes it
        assertThat(pd.sys.connect(fd, new SockAddrIn(Pd.REMOTE, 8080))).isEqualTo(-Errno.ECONNREFUSED.code);
        assertThat(soError(fd)).isZero();
        assertThat(mib(TcpMib.ESTAB_RESETS)).isZero();
        assertThat(mib(TcpMib.OUT_RSTS)).isZero();
        // the SYN's retransmission timer went with the connection
        pd.t(3).none();
    }

    @Test
    void synSent_rstWithoutAckOrWithWrongAck_ignored() {
        int fd = pd.connect();
        pd.out("S 0:0(0) <...>");
        // No ACK: "drop the segment and return"
        pd.t(.01).in("R 0:0(0) win 0");
        pd.none();
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_SYN_SENT);
        // An ACK of something never sent: dropped (no reset to a reset); since the SYN has not been
        // retransmitted yet, Linux re-arms its timer at TCP_TIMEOUT_MIN (2 jiffies) in case this
        // was a stale RST|ACK ("Previous FIN/ACK or RST/ACK might be ignored")
        pd.t(.01).in("R. 0:0(0) ack 5 win 0");
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_SYN_SENT);
        pd.t(.002).out("S 0:0(0) <...>");
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_SYN_SENT);
        assertThat(soError(fd)).isZero();
        assertThat(mib(TcpMib.ATTEMPT_FAILS)).isZero();
        assertThat(mib(TcpMib.OUT_RSTS)).isZero();
        // the connection still completes
        pd.t(.01).in("S. 0:0(0) ack 1 win 65535 <mss 1000,nop,wscale 7>");
        pd.out(". 1:1(0) ack 1");
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_ESTABLISHED);
    }

    // ================================================================ SYN_RECV

    @Test
    void synRecv_inWindowRst_removesTheRequestSilently() {
        int l = pd.listen(4);
        pd.in("S 0:0(0) win 32792 <mss 1000,nop,wscale 7>");
        pd.out("S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>");
        assertThat(pd.tcp(l).synQueueLen()).isEqualTo(1);
        // tcp_check_req(): an ACK that is not ISN+1 hands the segment to the listener, which does
        // not answer an RST: the request lives on
        pd.t(.01).in("R. 1:1(0) ack 5 win 0");
        pd.none();
        assertThat(pd.tcp(l).synQueueLen()).isEqualTo(1);
        // Any RST in the window (RFC 5961's exact match is not applied to request socks) removes
        // the request without a reply
        // Outside the window (the SYN's own sequence number): dropped, no ACK to an RST
        pd.t(.01).in("R 0:0(0) win 0");
        pd.none();
        assertThat(pd.tcp(l).synQueueLen()).isEqualTo(1);
        pd.t(.01).in("R 500:500(0) win 0");
        pd.none();
        assertThat(pd.tcp(l).synQueueLen()).isZero();
        assertThat(ext("EmbryonicRsts")).isEqualTo(1);
        assertThat(mib(TcpMib.ATTEMPT_FAILS)).isEqualTo(1);
        assertThat(mib(TcpMib.OUT_RSTS)).isZero();
        // no SYN-ACK retransmission at 1 s; the handshake's ACK now meets only the listener
        pd.t(1.5).none();
        pd.in(". 1:1(0) ack 1 win 257");
        pd.out("R 1:1(0) win 0");
        assertThat(pd.sys.accept4(l, null, 0)).isEqualTo(-Errno.EAGAIN.code);
        assertThat(pd.tcp(l).state).isEqualTo(TCP_LISTEN);
        // the listener takes the next connection
        pd.in("S 0:0(0) win 32792 <mss 1000,nop,wscale 7>");
        pd.out("S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>");
        pd.in(". 1:1(0) ack 1 win 257");
        assertThat(pd.tcp(pd.accept(l)).state).isEqualTo(TCP_ESTABLISHED);
    }

    @Test
    void synRecvSimultaneousOpen_rstAtRcvNxt_econnresetAndAttemptFail() {
        int fd = pd.connect();
        pd.out("S 0:0(0) <...>");
        // crossed SYNs: the full socket goes to SYN_RECV and answers with a SYN-ACK
        pd.t(.01).inSameConnection("S 0:0(0) win 32792 <mss 1000,nop,wscale 7>");
        pd.out("S. 0:0(0) ack 1 <...>");
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_SYN_RECV);
        pd.t(.01).in("R 1:1(0) win 0");
        pd.none();
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_CLOSE);
        // tcp_reset(): only SYN_SENT reports ECONNREFUSED; tcp_done() counts the failed attempt
        assertThat(soError(fd)).isEqualTo(Errno.ECONNRESET.code);
        assertThat(mib(TcpMib.ATTEMPT_FAILS)).isEqualTo(1);
        assertThat(mib(TcpMib.ESTAB_RESETS)).isZero();
        pd.t(3).none();
    }

    // ================================================================ ESTABLISHED

    @Test
    void established_rstAtRcvNxt_econnreset_otherInWindowGetsChallengeAck() {
        int fd = established();
        assertThat(pd.write(fd, 1000)).isEqualTo(1000);
        pd.out("P. 1:1001(1000) ack 1");
        // RFC 5961 3.2: in the window but not RCV.NXT: a challenge ACK, nothing else
        pd.t(.01).in("R 300:300(0) win 0");
        pd.out(". 1001:1001(0) ack 1");
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_ESTABLISHED);
        assertThat(ext("TCPChallengeACK")).isEqualTo(1);
        pd.t(.01).in("R 1:1(0) win 0");
        pd.none();
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_CLOSE);
        assertThat(mib(TcpMib.ESTAB_RESETS)).isEqualTo(1);
        assertThat(mib(TcpMib.CURR_ESTAB)).isZero();
        assertThat(pd.read(fd, 100)).isEqualTo(-Errno.ECONNRESET.code);
        assertThat(pd.read(fd, 100)).isZero();
        assertThat(writeNoSignal(fd, 10)).isEqualTo(-Errno.EPIPE.code);
        // the unacknowledged data went with the write queue: nothing is retransmitted
        pd.t(3).none();
    }

    @Test
    void established_rstAtRightEdgeOfSackBlock_resets() {
        int fd = established();
        // out of order: RCV.NXT stays 1, the SACK block is 1001:2001
        pd.t(.01).in("P. 1001:2001(1000) ack 1 win 257");
        pd.out(". 1:1(0) ack 1 <nop,nop,sack 1001:2001>");
        // tcp_validate_incoming(): the right edge of the right-most SACK block resets too (the
        // peer's RST after data we have not acknowledged cumulatively)
        pd.t(.01).in("R 2001:2001(0) win 0");
        pd.none();
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_CLOSE);
        assertThat(pd.read(fd, 100)).isEqualTo(-Errno.ECONNRESET.code);
        assertThat(ext("TCPChallengeACK")).isZero();
    }

    @Test
    void established_notYetAccepted_acceptStillReturnsIt_readEconnreset() {
        int l = pd.listen(4);
        pd.in("S 0:0(0) win 32792 <mss 1000,nop,wscale 7>");
        pd.out("S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>");
        pd.t(.01).in(". 1:1(0) ack 1 win 257");
        assertThat(pd.tcp(l).acceptQueueLen()).isEqualTo(1);
        pd.t(.01).in("R 1:1(0) win 0");
        pd.none();
        assertThat(mib(TcpMib.ESTAB_RESETS)).isEqualTo(1);
        assertThat(mib(TcpMib.CURR_ESTAB)).isZero();
        // Linux leaves the reset child in the accept queue (inet_csk_accept() hands it out); its
        // first read reports the reset
        int fd = pd.accept(l);
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_CLOSE);
        assertThat(pd.read(fd, 100)).isEqualTo(-Errno.ECONNRESET.code);
        assertThat(pd.tcp(l).state).isEqualTo(TCP_LISTEN);
    }

    @Test
    void established_blockedReaderWokenWithEconnreset() {
        int fd = established();
        pd.sys.fcntl(fd, F_SETFL, 0);
        Pd.Call read = pd.blocking(fd, () -> pd.sys.recv(fd, ByteBuffer.allocate(100), 0));
        pd.t(.1).in("R 1:1(0) win 0");
        read.returns(-Errno.ECONNRESET.code, .1);
        assertThat(soError(fd)).isZero();
    }

    // ================================================================ FIN_WAIT1, FIN_WAIT2

    @Test
    void finWait1_rstAtRcvNxt_econnresetOnRead() {
        int fd = established();
        pd.t(.01);
        assertThat(pd.sys.shutdown(fd, SHUT_WR)).isZero();
        pd.out("F. 1:1(0) ack 1");
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_FIN_WAIT1);
        pd.t(.01).in("R 1:1(0) win 0");
        pd.none();
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_CLOSE);
        assertThat(pd.read(fd, 100)).isEqualTo(-Errno.ECONNRESET.code);
        assertThat(pd.read(fd, 100)).isZero();
        // only ESTABLISHED and CLOSE_WAIT count as EstabResets (tcp_set_state())
        assertThat(mib(TcpMib.ESTAB_RESETS)).isZero();
        assertThat(mib(TcpMib.CURR_ESTAB)).isZero();
        pd.t(3).none(); // the FIN is not retransmitted
    }

    @Test
    void finWait1Orphan_rstDestroysIt() {
        int fd = established();
        pd.sys.close(listener);
        pd.t(.01);
        assertThat(pd.sys.close(fd)).isZero();
        pd.out("F. 1:1(0) ack 1");
        assertThat(socksIn(TCP_FIN_WAIT1)).isEqualTo(1);
        pd.t(.01).in("R 1:1(0) win 0");
        pd.none();
        assertThat(pd.net.tcp().socks()).isEmpty();
        assertThat(pd.net.tcp().timeWaitCount()).isZero();
        pd.t(3).none();
        // the 4-tuple is free: what follows meets no socket
        pd.in(". 1:1(0) ack 2 win 257");
        pd.out("R 2:2(0) win 0");
    }

    @Test
    void finWait2_rstAtRcvNxt_econnresetOnRead_otherInWindowGetsChallengeAck() {
        int fd = established();
        pd.t(.01);
        assertThat(pd.sys.shutdown(fd, SHUT_WR)).isZero();
        pd.out("F. 1:1(0) ack 1");
        pd.t(.01).in(". 1:1(0) ack 2 win 257");
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_FIN_WAIT2);
        pd.t(.01).in("R 300:300(0) win 0");
        pd.out(". 2:2(0) ack 1");
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_FIN_WAIT2);
        pd.t(.01).in("R 1:1(0) win 0");
        pd.none();
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_CLOSE);
        assertThat(pd.read(fd, 100)).isEqualTo(-Errno.ECONNRESET.code);
        assertThat(mib(TcpMib.ESTAB_RESETS)).isZero();
        assertThat(pd.net.tcp().timeWaitCount()).isZero();
    }

    @Test
    void finWait2Orphan_anyInWindowRstKillsTheTimeWaitSock() {
        int fd = established();
        pd.sys.close(listener);
        pd.t(.01);
        assertThat(pd.sys.close(fd)).isZero();
        pd.out("F. 1:1(0) ack 1");
        pd.t(.01).in(". 1:1(0) ack 2 win 257");
        // the orphan waits in FIN_WAIT2 as a TIME_WAIT sock (tcp_time_wait(sk, TCP_FIN_WAIT2, tmo))
        assertThat(pd.net.tcp().socks()).isEmpty();
        assertThat(pd.net.tcp().timeWaitCount()).isEqualTo(1);
        // Outside the window even an RST is answered with an ACK, rate-limited like any
        // out-of-window answer (tcp_timewait_check_oow_rate_limit(), TCPACKSkippedFinWait2)
        pd.t(.01).in("R 4000000:4000000(0) win 0");
        pd.out(". 2:2(0) ack 1");
        pd.t(.01).in("R 4000000:4000000(0) win 0");
        pd.none();
        assertThat(ext("TCPACKSkippedFinWait2")).isEqualTo(1);
        assertThat(ext("TCPACKSkippedTimeWait")).isZero();
        assertThat(pd.net.tcp().timeWaitCount()).isEqualTo(1);
        // tcp_timewait_state_process() repeats tcp_rcv_state_process()'s checks for FIN_WAIT2 but
        // kills on any RST in the window, not only at RCV.NXT
        pd.t(.01).in("R 300:300(0) win 0");
        pd.none();
        assertThat(pd.net.tcp().timeWaitCount()).isZero();
        pd.in(". 1:1(0) ack 2 win 257");
        pd.out("R 2:2(0) win 0");
    }

    // ================================================================ CLOSING

    @Test
    void closing_rstAtRcvNxtMinusOne_resets_readSeesEofThenSoErrorEconnreset() {
        int fd = established();
        pd.t(.01);
        assertThat(pd.sys.shutdown(fd, SHUT_WR)).isZero();
        pd.out("F. 1:1(0) ack 1");
        // the FINs cross: the peer's does not acknowledge ours
        pd.t(.01).in("F. 1:1(0) ack 1 win 257");
        pd.out(". 2:2(0) ack 2");
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_CLOSING);
        // tcp_reset_check(): after a FIN, RCV.NXT-1 (the FIN's own sequence number) is accepted
        pd.t(.01).in("R 1:1(0) win 0");
        pd.none();
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_CLOSE);
        // the FIN was received (SOCK_DONE): read reports end of file, the error stays pending
        assertThat(pd.read(fd, 100)).isZero();
        assertThat(soError(fd)).isEqualTo(Errno.ECONNRESET.code);
        assertThat(mib(TcpMib.ESTAB_RESETS)).isZero();
        assertThat(pd.net.tcp().timeWaitCount()).isZero();
        pd.t(3).none();
    }

    // ================================================================ CLOSE_WAIT, LAST_ACK

    @Test
    void closeWait_rstAtRcvNxt_epipeOnWrite() {
        int fd = established();
        pd.t(.01).in("F. 1:1(0) ack 1 win 257");
        pd.out(". 1:1(0) ack 2");
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_CLOSE_WAIT);
        pd.t(.01).in("R 2:2(0) win 0");
        pd.none();
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_CLOSE);
        // tcp_reset(): CLOSE_WAIT reports EPIPE; the write takes the pending error
        assertThat(writeNoSignal(fd, 10)).isEqualTo(-Errno.EPIPE.code);
        assertThat(soError(fd)).isZero();
        assertThat(pd.read(fd, 100)).isZero();
        assertThat(mib(TcpMib.ESTAB_RESETS)).isEqualTo(1);
        assertThat(mib(TcpMib.CURR_ESTAB)).isZero();
    }

    @Test
    void lastAck_rstAtRcvNxt_readSeesEofThenSoErrorEconnreset() {
        int fd = established();
        pd.t(.01).in("F. 1:1(0) ack 1 win 257");
        pd.out(". 1:1(0) ack 2");
        assertThat(pd.sys.shutdown(fd, SHUT_WR)).isZero();
        pd.out("F. 1:1(0) ack 2");
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_LAST_ACK);
        pd.t(.01).in("R 2:2(0) win 0");
        pd.none();
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_CLOSE);
        assertThat(pd.read(fd, 100)).isZero();
        assertThat(soError(fd)).isEqualTo(Errno.ECONNRESET.code);
        assertThat(mib(TcpMib.ESTAB_RESETS)).isZero();
        pd.t(3).none(); // the FIN is not retransmitted
    }

    @Test
    void lastAckOrphan_rstAtRcvNxtMinusOne_destroysIt() {
        int fd = established();
        pd.sys.close(listener);
        pd.t(.01).in("F. 1:1(0) ack 1 win 257");
        pd.out(". 1:1(0) ack 2");
        assertThat(pd.sys.close(fd)).isZero();
        pd.out("F. 1:1(0) ack 2");
        assertThat(socksIn(TCP_LAST_ACK)).isEqualTo(1);
        pd.t(.01).in("R 1:1(0) win 0");
        pd.none();
        assertThat(pd.net.tcp().socks()).isEmpty();
        assertThat(pd.net.tcp().timeWaitCount()).isZero();
        pd.t(3).none();
    }

    // ================================================================ TIME_WAIT

    @Test
    void timeWait_rstAtRcvNxtKillsIt_elsewhereIgnored() {
        int fd = established();
        pd.t(.01);
        assertThat(pd.sys.close(fd)).isZero();
        pd.out("F. 1:1(0) ack 1");
        pd.in("F. 1:1(0) ack 2 win 257");
        pd.out(". 2:2(0) ack 2");
        assertThat(pd.net.tcp().timeWaitCount()).isEqualTo(1);
        // not at RCV.NXT: neither kills the TIME_WAIT sock nor draws an answer
        pd.t(.01).in("R 100:100(0) win 0");
        pd.none();
        assertThat(pd.net.tcp().timeWaitCount()).isEqualTo(1);
        // at RCV.NXT: TIME_WAIT assassination (RFC 1337), which Linux allows unless tcp_rfc1337
        pd.t(.01).in("R 2:2(0) win 0");
        pd.none();
        assertThat(pd.net.tcp().timeWaitCount()).isZero();
        assertThat(mib(TcpMib.OUT_RSTS)).isZero();
    }
}
