package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.Mib;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.Sock;

import static dev.packetflow.net.ipv4.tcp.TcpHeader.*;
import static dev.packetflow.net.ipv4.tcp.TcpSock.*;
import static dev.packetflow.net.ipv4.tcp.TcpSkbCb.*;
import static dev.packetflow.net.socket.Uapi.*;

/**
 * Segment arrival on a sock: {@code tcp_rcv_established()} with header prediction, the RFC 9293
 * state machine for every other state ({@code tcp_rcv_state_process()},
 * {@code tcp_rcv_synsent_state_process()}), the acceptability checks of RFC 9293 3.10.7.4 with
 * PAWS (RFC 7323) and RFC 5961's challenge ACKs ({@code tcp_validate_incoming()}), FIN and RST
 * processing.
 *
 * <h2>Header prediction (the seed's fast path)</h2>
 * A segment takes the fast path when its flag word (header length, flags but PSH, window) equals
 * {@code pred_flags} (an ACK with the expected header length, no SYN/FIN/RST/URG, the window
 * unchanged), it starts at RCV.NXT and acknowledges nothing beyond SND.NXT, and its timestamp (if
 * any) is not older than TS.Recent. A pure ACK is then processed by the short ACK path, in-order data
 * is queued without the generic checks. Everything else takes the slow path. The counters TcpExt
 * {@code TCPFastPath} and {@code TCPSlowPath} count them, and the {@code tcp_rcv_established}
 * tracepoint says which (arg 1: fast, 0: slow).
 *
 * <p>Linux: {@code net/ipv4/tcp_input.c}.
 */
final class TcpInput {
    /** Linux: {@code TCP_HP_BITS}: the flag word without the reserved bits and PSH. */
    private static final int TCP_HP_BITS = ~(0x0E000000 | 0x00080000);
    private static final int TCP_PAWS_WINDOW = 1;
    private static final int TCP_PAWS_MSL = 60;
    private static final long TCP_PAWS_24DAYS = 60L * 60 * 24 * 24;

    private final Tcp tcp;
    private final Mib mib;
    private final Mib ext;

    TcpInput(Tcp tcp) {
        this.tcp = tcp;
        this.mib = tcp.mib();
        this.ext = tcp.extMib();
    }

    // ================================================================ ESTABLISHED

    /**
     * Linux: {@code tcp_rcv_established()}. {@code skb.data} is at the TCP header, the control block
     * filled by {@code tcp_v4_rcv}. Takes the skb.
     */
    void rcvEstablished(TcpSock tp, SkBuff skb) {
        if (Tcp.TP_TCP_PROBE.enabled) {
            tcp.fireProbe(tp);
        }
        int th = skb.data;
        int len = skb.len();
        tp.sawTstamp = false;
        if ((TcpHeader.flagWord(skb, th) & TCP_HP_BITS) == tp.predFlags && seq(skb) == tp.rcvNxt
                && !after(ackSeq(skb), tp.sndNxt)) {
            int hl = tp.tcpHeaderLen;
            boolean fast = true;
            if (hl == MIN_LEN + TCPOLEN_TSTAMP_ALIGNED) {
                if (!parseAlignedTimestamp(tp, skb, th) || tp.rcvTsval - tp.tsRecent < 0) {
                    fast = false;
                }
            }
            if (fast) {
                if (len <= hl) {
                    if (len == hl) {
                        ext.inc(TcpMib.FAST_PATH);
                        if (Tcp.TP_TCP_RCV_ESTABLISHED.enabled) {
                            Tcp.TP_TCP_RCV_ESTABLISHED.fire(tcp.net(), skb, 1);
                        }
                        if (hl == MIN_LEN + TCPOLEN_TSTAMP_ALIGNED && tp.rcvNxt == tp.rcvWup) {
                            storeTsRecent(tp);
                        }
                        tcp.inputAck.ack(tp, skb, 0);
                        Skb.consumeSkb(skb);
                        dataSndCheck(tp);
                        tp.rcvRttLastTsecr = tp.rcvTsecr;
                        return;
                    }
                    mib.inc(TcpMib.IN_ERRS);
                    Skb.kfreeSkb(tcp.net(), skb, DropReason.PKT_TOO_SMALL);
                    return;
                }
                if (tp.rmemAlloc < tp.rcvbuf) {
                    ext.inc(TcpMib.FAST_PATH);
                    if (Tcp.TP_TCP_RCV_ESTABLISHED.enabled) {
                        Tcp.TP_TCP_RCV_ESTABLISHED.fire(tcp.net(), skb, 1);
                    }
                    if (hl == MIN_LEN + TCPOLEN_TSTAMP_ALIGNED && tp.rcvNxt == tp.rcvWup) {
                        storeTsRecent(tp);
                    }
                    tcp.ackPolicy.rcvRttMeasureTs(tp, skb);
                    ext.inc(TcpMib.HP_HITS);
                    if (Tcp.TP_TCP_DATA_QUEUE.enabled) {
                        Tcp.TP_TCP_DATA_QUEUE.fire(tcp.net(), skb, 1);
                    }
                    skb.dst = null;
                    skb.pull(hl);
                    int ack = ackSeq(skb);
                    int seq = seq(skb);
                    boolean eaten = tcp.inputData.queueRcv(tp, skb);
                    tcp.ackPolicy.eventDataRecv(tp, skb);
                    boolean noAck = false;
                    if (ack != tp.sndUna) {
                        tcp.inputAck.ack(tp, skb, TcpInputAck.FLAG_DATA);
                        dataSndCheck(tp);
                        if ((tp.ackPending & ICSK_ACK_SCHED) == 0) {
                            noAck = true;
                        }
                    } else {
                        tp.sndWl1 = seq;
                    }
                    if (!noAck) {
                        tcp.ackPolicy.ackSndCheck(tp, false);
                    }
                    if (eaten) {
                        Skb.consumeSkb(skb);
                    }
                    tcp.proto().dataReady(tp, eaten ? null : skb);
                    return;
                }
                // no receive memory to spare: take the slow path's later steps
                ext.inc(TcpMib.SLOW_PATH);
                if (Tcp.TP_TCP_RCV_ESTABLISHED.enabled) {
                    Tcp.TP_TCP_RCV_ESTABLISHED.fire(tcp.net(), skb, 0);
                }
                step5(tp, skb);
                return;
            }
        }
        ext.inc(TcpMib.SLOW_PATH);
        if (Tcp.TP_TCP_RCV_ESTABLISHED.enabled) {
            Tcp.TP_TCP_RCV_ESTABLISHED.fire(tcp.net(), skb, 0);
        }
        int flags = TcpHeader.flags(skb, th);
        if ((flags & (ACK | RST | SYN)) == 0) {
            Skb.kfreeSkb(tcp.net(), skb, DropReason.TCP_FLAGS);
            return;
        }
        if (!validateIncoming(tp, skb, th, true)) {
            return;
        }
        step5(tp, skb);
    }

    private void step5(TcpSock tp, SkBuff skb) {
        int r = tcp.inputAck.ack(tp, skb, TcpInputAck.FLAG_SLOWPATH | TcpInputAck.FLAG_UPDATE_TS_RECENT);
        if (r < 0) {
            tp.countDrop();
            Skb.kfreeSkb(tcp.net(), skb, TcpInputAck.dropReason(r));
            return;
        }
        tcp.ackPolicy.rcvRttMeasureTs(tp, skb);
        tcp.inputData.dataQueue(tp, skb);
        dataSndCheck(tp);
        tcp.ackPolicy.ackSndCheck(tp);
    }

    /** Linux: {@code tcp_data_snd_check()}: an ACK may have opened the windows. */
    void dataSndCheck(TcpSock tp) {
        tcp.output.pushPendingFrames(tp);
        checkSpace(tp);
    }

    /** Linux: {@code tcp_check_space()} / {@code tcp_new_space()}: wake writers, maybe grow the send buffer. */
    void checkSpace(TcpSock tp) {
        if (tp.nospace) {
            // tcp_new_space(): tcp_should_expand_sndbuf()
            if ((tp.userlocks & Sock.SOCK_SNDBUF_LOCK) == 0 && tp.packetsInFlight() < tp.sndCwnd) {
                sndbufExpand(tp);
                tp.sndCwndStampMs = tcp.nowMs();
            }
            tp.skWriteSpace();
        }
    }

    /**
     * Linux: {@code tcp_sndbuf_expand()}: room for twice the congestion window of full-size
     * segments, each costing what a buffer of this stack costs.
     */
    void sndbufExpand(TcpSock tp) {
        int perMss = Math.max(tp.mssClamp, tp.mssCache) + TcpOutput.MAX_TCP_HEADER;
        perMss = (perMss <= dev.packetflow.net.core.PagePool.SMALL ? dev.packetflow.net.core.PagePool.SMALL
                : dev.packetflow.net.core.PagePool.LARGE) + SkBuff.SKB_HEAD_TRUESIZE;
        int nrSegs = Math.max(Tcp.TCP_INIT_CWND, tp.sndCwnd);
        nrSegs = Math.max(nrSegs, tp.reordering + 1);
        long sndmem = 2L * nrSegs * perMss;
        if (tp.sndbuf < sndmem) {
            tp.sndbuf = (int) Math.min(sndmem, tp.sysctl.tcpWmem[2]);
        }
    }

    // ================================================================ header prediction

    /** Linux: {@code __tcp_fast_path_on()}. */
    static void fastPathOn(TcpSock tp) {
        int sndWnd = tp.sndWnd >>> tp.sndWscale;
        tp.predFlags = ((tp.tcpHeaderLen >> 2) << 28) | (ACK << 16) | (sndWnd & 0xffff);
    }

    /** Linux: {@code tcp_fast_path_check()}. */
    void fastPathCheck(TcpSock tp) {
        if (tp.ofoQueue.isEmpty() && tp.rcvWnd != 0 && tp.rmemAlloc < tp.rcvbuf && tp.urgData == 0) {
            fastPathOn(tp);
        }
    }

    // ================================================================ options and PAWS

    /** Linux: {@code tcp_parse_aligned_timestamp()}: the nop, nop, TS layout right after the header. */
    private static boolean parseAlignedTimestamp(TcpSock tp, SkBuff s, int th) {
        if (s.u32(th + MIN_LEN) == TSTAMP_ALIGNED_WORD) {
            tp.sawTstamp = true;
            tp.rcvTsval = s.u32(th + MIN_LEN + 4);
            int ecr = s.u32(th + MIN_LEN + 8);
            tp.rcvTsecr = ecr != 0 ? ecr - tp.tsOffset : 0;
            return true;
        }
        return false;
    }

    /**
     * Linux: {@code tcp_fast_parse_options()}: options of a segment on an established connection;
     * the SACK option's offset goes to the control block.
     */
    boolean fastParseOptions(TcpSock tp, SkBuff s, int th) {
        int doff = TcpHeader.doff(s, th);
        if (doff == MIN_LEN) {
            tp.sawTstamp = false;
            return false;
        } else if (tp.tstampOk && doff == MIN_LEN + TCPOLEN_TSTAMP_ALIGNED) {
            if (parseAlignedTimestamp(tp, s, th)) {
                return true;
            }
        }
        parseEstablishedOptions(tp, s, th);
        return true;
    }

    /** {@code tcp_parse_options(estab=1)} into the sock, allocation-free. */
    void parseEstablishedOptions(TcpSock tp, SkBuff s, int th) {
        int doff = TcpHeader.doff(s, th);
        int p = th + MIN_LEN;
        int end = th + doff;
        tp.sawTstamp = false;
        while (p < end) {
            int kind = s.u8(p);
            if (kind == TCPOPT_EOL) {
                break;
            }
            if (kind == TCPOPT_NOP) {
                p++;
                continue;
            }
            if (end - p < 2) {
                break;
            }
            int size = s.u8(p + 1);
            if (size < 2 || size > end - p) {
                break;
            }
            if (kind == TCPOPT_TIMESTAMP && size == TCPOLEN_TIMESTAMP && tp.tstampOk) {
                tp.sawTstamp = true;
                tp.rcvTsval = s.u32(p + 2);
                int ecr = s.u32(p + 6);
                tp.rcvTsecr = ecr != 0 ? ecr - tp.tsOffset : 0;
            } else if (kind == TCPOPT_SACK && size >= TCPOLEN_SACK_BASE + TCPOLEN_SACK_PERBLOCK
                    && (size - TCPOLEN_SACK_BASE) % TCPOLEN_SACK_PERBLOCK == 0 && tp.sackOk != 0) {
                setSacked(s, p - th);
            }
            p += size;
        }
    }

    /** Linux: {@code tcp_store_ts_recent()}. */
    void storeTsRecent(TcpSock tp) {
        tp.tsRecent = tp.rcvTsval;
        tp.tsRecentStampSec = tcp.nowMs() / 1000;
    }

    /** Linux: {@code tcp_paws_check()}. */
    boolean pawsCheck(TcpSock tp, int pawsWin) {
        if (tp.tsRecent - tp.rcvTsval <= pawsWin) {
            return true;
        }
        if (tcp.nowMs() / 1000 >= tp.tsRecentStampSec + TCP_PAWS_24DAYS) {
            return true;
        }
        return tp.tsRecent == 0;
    }

    /** Linux: {@code tcp_paws_reject()}. */
    boolean pawsReject(TcpSock tp, boolean rst) {
        if (pawsCheck(tp, 0)) {
            return false;
        }
        return !(rst && tcp.nowMs() / 1000 >= tp.tsRecentStampSec + TCP_PAWS_MSL);
    }

    /**
     * Linux: {@code tcp_disordered_ack()}: a pure duplicate ACK whose old timestamp is explained by
     * reordering; PAWS lets it pass.
     */
    private boolean disorderedAck(TcpSock tp, SkBuff skb, int th) {
        int seq = seq(skb);
        int ack = ackSeq(skb);
        int flags = TcpHeader.flags(skb, th);
        int nwin = TcpHeader.window(skb, th) << tp.sndWscale;
        long replay = (long) tp.rto * 1200 / 1000;
        return (flags & ACK) != 0 && seq == endSeq(skb) && seq == tp.rcvNxt && ack == tp.sndUna
                && !tcp.inputAck.mayUpdateWindow(tp, ack, seq, nwin) && (tp.tsRecent - tp.rcvTsval) <= replay;
    }

    private boolean pawsDiscard(TcpSock tp, SkBuff skb, int th) {
        return !pawsCheck(tp, TCP_PAWS_WINDOW) && !disorderedAck(tp, skb, th);
    }

    /**
     * Linux: {@code tcp_sequence()}: null when the segment overlaps the receive window (RFC 9293
     * 3.10.7.4), else why not: it ends before the window (an old duplicate) or starts beyond it.
     */
    private static DropReason sequence(TcpSock tp, int seq, int end) {
        if (before(end, tp.rcvWup)) {
            return DropReason.TCP_OLD_SEQUENCE;
        }
        return after(seq, tp.rcvNxt + tp.receiveWindow()) ? DropReason.TCP_INVALID_SEQUENCE : null;
    }

    /**
     * Linux: {@code tcp_validate_incoming()}: PAWS, sequence acceptability, RST (RFC 5961 3.2: exact
     * RCV.NXT resets, anything else in the window gets a challenge ACK), SYN (RFC 5961 4.2: challenge
     * ACK). Returns false when the segment was consumed.
     */
    boolean validateIncoming(TcpSock tp, SkBuff skb, int th, boolean synInerr) {
        int flags = TcpHeader.flags(skb, th);
        boolean rst = (flags & RST) != 0;
        boolean syn = (flags & SYN) != 0;
        if (fastParseOptions(tp, skb, th) && tp.sawTstamp && pawsDiscard(tp, skb, th)) {
            if (!rst) {
                if (syn) {
                    return synChallenge(tp, skb, synInerr);
                }
                ext.inc(TcpMib.PAWS_ESTAB);
                if (!oowRateLimited(tp, skb, TcpMib.ACK_SKIPPED_PAWS)) {
                    tcp.ackPolicy.sendDupack(tp, skb);
                }
                tp.countDrop();
                Skb.kfreeSkb(tcp.net(), skb, DropReason.TCP_RFC7323_PAWS);
                return false;
            }
        }
        DropReason seqReason = sequence(tp, seq(skb), endSeq(skb));
        if (seqReason != null) {
            if (!rst) {
                if (syn) {
                    return synChallenge(tp, skb, synInerr);
                }
                if (!oowRateLimited(tp, skb, TcpMib.ACK_SKIPPED_SEQ)) {
                    tcp.ackPolicy.sendDupack(tp, skb);
                }
            } else if (resetCheck(tp, skb)) {
                reset(tp);
                Skb.consumeSkb(skb);
                return false;
            }
            tp.countDrop();
            Skb.kfreeSkb(tcp.net(), skb, seqReason);
            return false;
        }
        if (rst) {
            if (seq(skb) == tp.rcvNxt || resetCheck(tp, skb)) {
                reset(tp);
                Skb.consumeSkb(skb);
                return false;
            }
            if (tp.isSack() && tp.numSacks > 0) {
                int maxSack = tp.selectiveAcks[1];
                for (int i = 1; i < tp.numSacks; i++) {
                    if (after(tp.selectiveAcks[2 * i + 1], maxSack)) {
                        maxSack = tp.selectiveAcks[2 * i + 1];
                    }
                }
                if (seq(skb) == maxSack) {
                    reset(tp);
                    Skb.consumeSkb(skb);
                    return false;
                }
            }
            sendChallengeAck(tp);
            tp.countDrop();
            Skb.kfreeSkb(tcp.net(), skb, DropReason.TCP_RESET);
            return false;
        }
        if (syn) {
            return synChallenge(tp, skb, synInerr);
        }
        return true;
    }

    private boolean synChallenge(TcpSock tp, SkBuff skb, boolean synInerr) {
        if (synInerr) {
            mib.inc(TcpMib.IN_ERRS);
        }
        ext.inc(TcpMib.SYN_CHALLENGE);
        sendChallengeAck(tp);
        tp.countDrop();
        Skb.kfreeSkb(tcp.net(), skb, DropReason.TCP_INVALID_SYN);
        return false;
    }

    /** Linux: {@code tcp_reset_check()}: RST at RCV.NXT-1 after a FIN is accepted too. */
    private static boolean resetCheck(TcpSock tp, SkBuff skb) {
        int st = tp.state;
        return seq(skb) == tp.rcvNxt - 1 && (st == TCP_CLOSE_WAIT || st == TCP_LAST_ACK || st == TCP_CLOSING);
    }

    /**
     * Linux: {@code tcp_oow_rate_limited()}: at most one duplicate ACK per
     * {@code tcp_invalid_ratelimit} in answer to out-of-window pure ACKs or SYNs (ACK loop and DoS
     * protection); data segments are always answered.
     */
    boolean oowRateLimited(TcpSock tp, SkBuff skb, int mibIdx) {
        int th = skb.transportHeader;
        if (seq(skb) != endSeq(skb) && (TcpHeader.flags(skb, th) & SYN) == 0) {
            return false;
        }
        return rateLimited(tp, mibIdx);
    }

    private boolean rateLimited(TcpSock tp, int mibIdx) {
        long now = tcp.nowMs();
        long last = tp.lastOowAckTimeMs;
        if (last != 0) {
            long elapsed = now - last;
            if (elapsed >= 0 && elapsed < tp.sysctl.invalidRatelimitMs) {
                ext.inc(mibIdx);
                return true;
            }
        }
        tp.lastOowAckTimeMs = now == 0 ? 1 : now;
        return false;
    }

    /**
     * Linux: {@code tcp_send_challenge_ack()} (RFC 5961 7): per socket at most one per
     * {@code tcp_invalid_ratelimit}, per stack {@code tcp_challenge_ack_limit} a second (randomised).
     */
    void sendChallengeAck(TcpSock tp) {
        if (rateLimited(tp, TcpMib.ACK_SKIPPED_CHALLENGE)) {
            return;
        }
        int limit = tp.sysctl.challengeAckLimit;
        if (limit != Integer.MAX_VALUE) {
            long now = tcp.nowMs() / 1000;
            synchronized (tcp) {
                if (now != tcp.challengeTimestampSec) {
                    int half = (limit + 1) >> 1;
                    tcp.challengeTimestampSec = now;
                    tcp.challengeCount = half + tcp.random().nextInt(Math.max(limit, 1));
                }
                if (tcp.challengeCount <= 0) {
                    return;
                }
                tcp.challengeCount--;
            }
        }
        ext.inc(TcpMib.CHALLENGE_ACK);
        tcp.output.sendAck(tp);
    }

    // ================================================================ RST and FIN

    /**
     * Linux: {@code tcp_reset()}: an acceptable RST. The error Linux reports: ECONNREFUSED in
     * SYN_SENT, EPIPE in CLOSE_WAIT, ECONNRESET otherwise.
     */
    void reset(TcpSock tp) {
        if (Tcp.TP_TCP_RECEIVE_RESET.enabled) {
            Tcp.TP_TCP_RECEIVE_RESET.fire(tcp.net(), null, tp.state);
        }
        int err;
        switch (tp.state) {
            case TCP_SYN_SENT -> err = Errno.ECONNREFUSED.code;
            case TCP_CLOSE_WAIT -> err = Errno.EPIPE.code;
            case TCP_CLOSE -> {
                return;
            }
            default -> err = Errno.ECONNRESET.code;
        }
        tcp.proto().setErr(tp, err);
        tcp.proto().writeQueuePurge(tp);
        tcp.proto().done(tp);
        if (!tp.isDead()) {
            tp.skErrorReport();
        }
    }

    /**
     * Linux: {@code tcp_fin()}: a FIN is in sequence. ESTABLISHED goes to CLOSE_WAIT (and interactive
     * ACK mode), FIN_WAIT1 to CLOSING, FIN_WAIT2 to TIME_WAIT; the receive side is shut.
     */
    void fin(TcpSock tp) {
        tp.ackPending |= ICSK_ACK_SCHED;
        tp.shutdown |= RCV_SHUTDOWN;
        tp.done = true;
        switch (tp.state) {
            case TCP_SYN_RECV, TCP_ESTABLISHED -> {
                tcp.proto().setState(tp, TCP_CLOSE_WAIT);
                tp.ackPingpong = 1;
            }
            case TCP_FIN_WAIT1 -> {
                tcp.output.sendAck(tp);
                tcp.proto().setState(tp, TCP_CLOSING);
            }
            case TCP_FIN_WAIT2 -> {
                tcp.output.sendAck(tp);
                tcp.minisocks.timeWait(tp, TCP_TIME_WAIT, 0);
            }
            default -> {
            }
        }
        tcp.inputData.purgeOfo(tp);
        if (tp.isSack()) {
            tp.numSacks = 0;
            tp.dsack = false;
        }
        if (!tp.isDead()) {
            tp.skStateChange();
        }
    }

    /**
     * Linux: {@code tcp_trim_head()}: drops {@code len} acknowledged bytes from the front of a sent
     * skb (a partial ACK of a segment).
     */
    void trimHead(TcpSock tp, SkBuff skb, int len) {
        if (len <= 0) {
            return;
        }
        int n = Math.min(len, skb.len());
        skb.pull(n);
        charge(tp, skb, -n);
        skb.cb0 = seq(skb) + len;
        // any change of the length re-sizes a multi-segment skb
        if (pcount(skb) > 1) {
            setTsoSegs(skb, skbMss(skb));
        }
    }
}
