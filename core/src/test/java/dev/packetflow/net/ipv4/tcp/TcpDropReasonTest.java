package dev.packetflow.net.ipv4.tcp;

import static dev.packetflow.net.socket.Sock.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.Skb;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every segment TCP refuses is counted under the reason Linux gives it
 * ({@code include/net/dropreason-core.h}), so that the stack's drop counters say why: each test
 * provokes one refusal with packetdrill lines ({@link Pd}) and checks that exactly that reason's
 * counter went up, and by exactly one.
 */
class TcpDropReasonTest {
    final Pd pd = new Pd();
    private final Map<DropReason, Long> before = new EnumMap<>(DropReason.class);

    @AfterEach
    void close() {
        pd.close();
    }

    /** Remembers every counter; {@link #dropped} then tells what changed since. */
    void mark() {
        for (DropReason r : DropReason.values()) {
            before.put(r, pd.net.drops().get(r));
        }
    }

    /** The counters that went up since {@link #mark}, by how much. */
    Map<DropReason, Long> dropped() {
        Map<DropReason, Long> d = new EnumMap<>(DropReason.class);
        for (DropReason r : DropReason.values()) {
            long n = pd.net.drops().get(r) - before.getOrDefault(r, 0L);
            if (n != 0) {
                d.put(r, n);
            }
        }
        return d;
    }

    int established(boolean timestamps) {
        return pd.established(timestamps);
    }

    // ================================================================ tcp_v4_rcv

    @Test
    void badChecksum_tcpCsum() {
        pd.listen(4);
        byte[] f = Segments.frame(pd.eth0.mac(), Pd.REMOTE_MAC, Pd.REMOTE, 40001, Pd.LOCAL, Pd.LOCAL_PORT, 0, 0,
                TcpHeader.SYN, 32792, new byte[] {2, 4, 3, (byte) 0xe8}, new byte[0]);
        f[14 + 20 + 16] ^= 0x5a; // the TCP checksum
        mark();
        pd.eth0.inject(f);
        pd.sim.runForNs(0);
        pd.t(.01).none();
        assertThat(dropped()).containsExactly(Map.entry(DropReason.TCP_CSUM, 1L));
        assertThat(pd.net.tcp().mib().get(TcpMib.IN_CSUM_ERRORS)).isEqualTo(1);
    }

    @Test
    void segmentToClosedPort_noSocket_answeredWithReset() {
        mark();
        pd.in("S 0:0(0) win 32792 <mss 1000>");
        pd.t(.01);
        assertThat(dropped()).containsExactly(Map.entry(DropReason.NO_SOCKET, 1L));
        assertThat(pd.net.tcp().mib().get(TcpMib.OUT_RSTS)).isEqualTo(1);
    }

    // ================================================================ LISTEN

    @Test
    void ackToListener_tcpFlags_answeredWithReset() {
        pd.listen(4);
        mark();
        pd.in(". 1000:1000(0) ack 5000 win 257");
        pd.t(.01);
        assertThat(dropped()).containsExactly(Map.entry(DropReason.TCP_FLAGS, 1L));
        assertThat(pd.net.tcp().mib().get(TcpMib.OUT_RSTS)).isEqualTo(1);
    }

    @Test
    void rstToListener_tcpReset() {
        pd.listen(4);
        mark();
        pd.in("R 0:0(0) win 0");
        pd.t(.01).none();
        assertThat(dropped()).containsExactly(Map.entry(DropReason.TCP_RESET, 1L));
    }

    /**
     * Two handshakes in flight on a listener whose accept queue holds one: the second ACK finds the
     * queue full and is dropped (Linux 6.15: {@code tcp_check_req()}'s {@code listen_overflow}; the
     * cookie path here, since the second SYN overflowed the SYN queue of one).
     */
    @Test
    void finalAckWhileAcceptQueueFull_tcpListenOverflow() {
        List<byte[]> tx = new ArrayList<>();
        pd.eth0.setTxSink(skb -> {
            tx.add(skb.toByteArray());
            Skb.consumeSkb(skb);
        });
        int l = pd.listen(0);
        byte[] mss = {2, 4, 3, (byte) 0xe8};
        inject(40001, 100, 0, TcpHeader.SYN, mss);
        inject(40002, 200, 0, TcpHeader.SYN, mss);
        assertThat(tx).hasSize(2);
        long isnA = Pd.Seg.of(tx.get(0)).seq();
        long isnB = Pd.Seg.of(tx.get(1)).seq();
        inject(40001, 101, (int) (isnA + 1), TcpHeader.ACK, new byte[0]);
        assertThat(pd.tcp(l).acceptQueueLen()).isEqualTo(1);
        mark();
        inject(40002, 201, (int) (isnB + 1), TcpHeader.ACK, new byte[0]);
        assertThat(dropped()).containsExactly(Map.entry(DropReason.TCP_LISTEN_OVERFLOW, 1L));
        assertThat(pd.tcp(l).acceptQueueLen()).isEqualTo(1);
        assertThat(pd.net.tcp().extMib().get(TcpMib.LISTEN_OVERFLOWS)).isEqualTo(1);
    }

    private void inject(int sport, int seq, int ack, int flags, byte[] opts) {
        pd.eth0.inject(Segments.frame(pd.eth0.mac(), Pd.REMOTE_MAC, Pd.REMOTE, sport, Pd.LOCAL, Pd.LOCAL_PORT, seq, ack,
                flags, 32792, opts, new byte[0]));
        pd.sim.runForNs(0);
    }

    // ================================================================ SYN_SENT

    @Test
    void synSent_ackOfSomethingElse_tcpInvalidAckSequence_answeredWithReset() {
        pd.connect();
        pd.out("S 0:0(0) <...>");
        mark();
        pd.t(.01).in("S. 0:0(0) ack 5 win 5792 <mss 1460>");
        pd.out("R 5:5(0)");
        assertThat(dropped()).containsExactly(Map.entry(DropReason.TCP_INVALID_ACK_SEQUENCE, 1L));
    }

    // ================================================================ tcp_validate_incoming

    @Test
    void oldTimestamp_tcpRfc7323Paws() {
        established(true);
        pd.t(.01).in("P. 1:101(100) ack 1 win 257 <nop,nop,TS val 200 ecr 1>");
        pd.out(". 1:1(0) ack 101 <nop,nop,TS val 0 ecr 200>");
        mark();
        pd.t(.01).in("P. 101:201(100) ack 1 win 257 <nop,nop,TS val 150 ecr 1>");
        pd.out(". 1:1(0) ack 101 <nop,nop,TS val 0 ecr 200>");
        assertThat(dropped()).containsExactly(Map.entry(DropReason.TCP_RFC7323_PAWS, 1L));
    }

    @Test
    void segmentBeyondTheWindow_tcpInvalidSequence() {
        established(false);
        mark();
        pd.t(.1).in("P. 4000000:4000010(10) ack 1 win 257");
        pd.out(". 1:1(0) ack 1");
        assertThat(dropped()).containsExactly(Map.entry(DropReason.TCP_INVALID_SEQUENCE, 1L));
    }

    @Test
    void segmentBeforeTheWindow_tcpOldSequence() {
        established(false);
        mark();
        pd.t(.1).in("P. 4294867296:4294867306(10) ack 1 win 257"); // 100000 below RCV.NXT
        pd.out(". 1:1(0) ack 1 <nop,nop,sack 4294867296:4294867306>"); // the dup ACK reports it (D-SACK)
        assertThat(dropped()).containsExactly(Map.entry(DropReason.TCP_OLD_SEQUENCE, 1L));
    }

    @Test
    void rstInWindowNotAtRcvNxt_tcpReset_challengeAck() {
        int fd = established(false);
        mark();
        pd.t(.1).in("R 500:500(0) win 0");
        pd.out(". 1:1(0) ack 1");
        assertThat(dropped()).containsExactly(Map.entry(DropReason.TCP_RESET, 1L));
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_ESTABLISHED);
    }

    @Test
    void synOnEstablished_tcpInvalidSyn() {
        established(false);
        mark();
        pd.t(.1).inSameConnection("S 77:77(0) win 32792 <mss 1000>");
        pd.out(". 1:1(0) ack 1");
        assertThat(dropped()).containsExactly(Map.entry(DropReason.TCP_INVALID_SYN, 1L));
    }

    @Test
    void segmentWithoutAckRstOrSyn_tcpFlags() {
        established(false);
        mark();
        pd.t(.1).in("P 1:11(10) win 257");
        pd.t(.01).none();
        assertThat(dropped()).containsExactly(Map.entry(DropReason.TCP_FLAGS, 1L));
    }

    // ================================================================ tcp_ack

    @Test
    void ackOfDataNeverSent_tcpAckUnsentData() {
        established(false);
        mark();
        pd.t(.1).in(". 1:1(0) ack 5000 win 257");
        pd.out(". 1:1(0) ack 1");
        assertThat(dropped()).containsExactly(Map.entry(DropReason.TCP_ACK_UNSENT_DATA, 1L));
    }

    @Test
    void ackBelowTheWindowBeforeSndUna_tcpTooOldAck() {
        established(false);
        mark();
        // nothing acknowledged yet (bytes_acked 0): any ACK below SND.UNA is too old (RFC 5961 5.2).
        // A new window keeps it off the fast path, which (as in Linux) ignores tcp_ack()'s verdict
        // on a pure ACK and consumes it.
        pd.t(.1).in(". 1:1(0) ack 0 win 300");
        pd.out(". 1:1(0) ack 1");
        assertThat(dropped()).containsExactly(Map.entry(DropReason.TCP_TOO_OLD_ACK, 1L));
    }

    // ================================================================ tcp_data_queue

    @Test
    void retransmittedData_tcpOldData_answeredWithDsack() {
        int fd = established(false);
        pd.t(.1).in("P. 1:11(10) ack 1 win 257");
        pd.out(". 1:1(0) ack 11");
        mark();
        pd.t(.1).in("P. 1:11(10) ack 1 win 257");
        pd.out(". 1:1(0) ack 11 <nop,nop,sack 1:11>");
        assertThat(dropped()).containsExactly(Map.entry(DropReason.TCP_OLD_DATA, 1L));
        assertThat(pd.read(fd, 100)).isEqualTo(10);
    }

    @Test
    void inSequenceDataWhileTheWindowIsClosed_tcpZerowindow() {
        int l = pd.listenBlocking(4, 2048); // a receive buffer of 4 KB, a first window of 1460
        pd.in("S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>");
        pd.outAny("S. 0:0(0) ack 1 <...>");
        pd.t(.01).in(". 1:1(0) ack 1 win 257");
        int fd = pd.accept(l);
        TcpSock tp = pd.tcp(fd);
        // nobody reads: four 500-byte segments fill what the window offers
        for (int seq = 1; seq < 2001; seq += 500) {
            pd.t(.001).in("P. " + seq + ":" + (seq + 500) + "(500) ack 1 win 257");
        }
        assertThat(tp.rcvNxt - tp.irs).isEqualTo(2001);
        assertThat(tp.receiveWindow()).isZero();
        mark();
        pd.t(.001).in("P. 2001:2501(500) ack 1 win 257");
        assertThat(dropped()).containsExactly(Map.entry(DropReason.TCP_ZEROWINDOW, 1L));
        assertThat(pd.net.tcp().extMib().get("TCPZeroWindowDrop")).isEqualTo(1);
    }

    @Test
    void dataAtTheRightEdgeOfTheWindow_tcpOverwindow() {
        int fd = established(false);
        int edge = 1 + pd.tcp(fd).receiveWindow();
        mark();
        pd.t(.1).in("P. " + edge + ":" + (edge + 10) + "(10) ack 1 win 257");
        pd.out(". 1:1(0) ack 1");
        assertThat(dropped()).containsExactly(Map.entry(DropReason.TCP_OVERWINDOW, 1L));
    }

    @Test
    void outOfOrderSegmentAlreadyQueued_tcpOfomerge() {
        established(false);
        pd.t(.1).in("P. 11:21(10) ack 1 win 257");
        pd.out(". 1:1(0) ack 1 <nop,nop,sack 11:21>");
        mark();
        pd.t(.1).in("P. 11:21(10) ack 1 win 257");
        pd.out(". 1:1(0) ack 1 <nop,nop,sack 11:21 11:21>");
        assertThat(dropped()).containsExactly(Map.entry(DropReason.TCP_OFOMERGE, 1L));
    }

    @Test
    void outOfOrderQueueOverTheReceiveBuffer_newestPruned_tcpOfoQueuePrune() {
        int l = pd.listenBlocking(4, 2048); // 4 KB: two buffers of this stack
        pd.in("S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>");
        pd.outAny("S. 0:0(0) ack 1 <...>");
        pd.t(.01).in(". 1:1(0) ack 1 win 257");
        TcpSock tp = pd.tcp(pd.accept(l));
        // three holes' worth of out-of-order segments, highest first
        pd.t(.001).in("P. 601:701(100) ack 1 win 257");
        pd.t(.001).in("P. 401:501(100) ack 1 win 257");
        assertThat(tp.rmemAlloc).isGreaterThan(tp.rcvbuf);
        mark();
        // tcp_prune_ofo_queue(): the lower one is worth more; the highest goes
        pd.t(.001).in("P. 201:301(100) ack 1 win 257");
        assertThat(dropped()).containsExactly(Map.entry(DropReason.TCP_OFO_QUEUE_PRUNE, 1L));
        assertThat(pd.net.tcp().extMib().get("OfoPruned")).isEqualTo(1);
        assertThat(tp.ofoQueue.qlen()).isEqualTo(2);
    }

    // ================================================================ tcp_rcv_state_process

    @Test
    void dataAfterClose_tcpAbortOnData_answeredWithReset() {
        int fd = established(false);
        pd.t(.01);
        pd.sys.close(fd);
        pd.out("F. 1:1(0) ack 1");
        mark();
        pd.t(.01).in("P. 1:11(10) ack 1 win 257");
        pd.out("R 1:1(0)");
        // (the unacknowledged FIN freed by tcp_done() is counted as SOCKET_CLOSE)
        assertThat(dropped()).containsEntry(DropReason.TCP_ABORT_ON_DATA, 1L)
                .doesNotContainKey(DropReason.NOT_SPECIFIED);
        assertThat(pd.net.tcp().extMib().get("TCPAbortOnData")).isEqualTo(1);
    }

    // ================================================================ TIME_WAIT

    @Test
    void timeWait_oldTimestamp_tcpRfc7323TwPaws_stillAnsweredWithAck() {
        int fd = established(true);
        pd.t(.01);
        pd.sys.close(fd);
        pd.out("F. 1:1(0) ack 1 <nop,nop,TS val 0 ecr 110>");
        pd.t(.01).in("F. 1:1(0) ack 2 win 257 <nop,nop,TS val 200 ecr 1>");
        pd.out(". 2:2(0) ack 2 <nop,nop,TS val 0 ecr 200>");
        assertThat(pd.net.tcp().timeWaitCount()).isEqualTo(1);
        mark();
        pd.t(.01).in(". 2:2(0) ack 2 win 257 <nop,nop,TS val 150 ecr 1>");
        pd.out(". 2:2(0) ack 2 <nop,nop,TS val 0 ecr 200>");
        assertThat(dropped()).containsExactly(Map.entry(DropReason.TCP_RFC7323_TW_PAWS, 1L));
        // a segment it takes (a duplicate of the FIN, at RCV.NXT - 1 with a fresh timestamp) is
        // answered and consumed, not dropped
        mark();
        pd.t(.6).in("F. 1:1(0) ack 2 win 257 <nop,nop,TS val 300 ecr 1>");
        pd.out(". 2:2(0) ack 2 <nop,nop,TS val 0 ecr 300>");
        assertThat(dropped()).isEmpty();
    }
}
