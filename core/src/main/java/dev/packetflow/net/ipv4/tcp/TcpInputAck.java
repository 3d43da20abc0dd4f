package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.Mib;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;

import static dev.packetflow.net.ipv4.tcp.TcpHeader.*;
import static dev.packetflow.net.ipv4.tcp.TcpSock.*;
import static dev.packetflow.net.ipv4.tcp.TcpSkbCb.*;

/**
 * Processing the acknowledgment field: what it acknowledges leaves the retransmission queue, the
 * send window is updated (RFC 9293 3.10.7.4 with Linux's rules), RTT samples feed the RFC 6298
 * estimator (Linux's arithmetic, microseconds, a 200 ms floor on the variance), the congestion
 * control grows or the loss recovery reduces the window, and RFC 5961 5.2 rejects ACKs for data
 * never sent or far in the past (challenge ACK).
 *
 * <p>Linux: {@code net/ipv4/tcp_input.c tcp_ack()}, {@code tcp_clean_rtx_queue()},
 * {@code tcp_ack_update_rtt()}, {@code tcp_rtt_estimator()}, {@code tcp_ack_update_window()}.
 */
final class TcpInputAck {
    // Linux's FLAG_* of tcp_ack()
    static final int FLAG_DATA = 0x01;
    static final int FLAG_WIN_UPDATE = 0x02;
    static final int FLAG_DATA_ACKED = 0x04;
    static final int FLAG_RETRANS_DATA_ACKED = 0x08;
    static final int FLAG_SYN_ACKED = 0x10;
    static final int FLAG_DATA_SACKED = 0x20;
    static final int FLAG_ECE = 0x40;
    static final int FLAG_LOST_RETRANS = 0x80;
    static final int FLAG_SLOWPATH = 0x100;
    static final int FLAG_ORIG_SACK_ACKED = 0x200;
    static final int FLAG_SND_UNA_ADVANCED = 0x400;
    static final int FLAG_DSACKING_ACK = 0x800;
    static final int FLAG_SET_XMIT_TIMER = 0x1000;
    static final int FLAG_SACK_RENEGING = 0x2000;
    static final int FLAG_UPDATE_TS_RECENT = 0x4000;
    static final int FLAG_NO_CHALLENGE_ACK = 0x8000;
    static final int FLAG_ACK_MAYBE_DELAYED = 0x10000;
    static final int FLAG_DSACK_TLP = 0x20000;
    static final int FLAG_ACKED = FLAG_DATA_ACKED | FLAG_SYN_ACKED;
    static final int FLAG_NOT_DUP = FLAG_DATA | FLAG_WIN_UPDATE | FLAG_ACKED;
    static final int FLAG_CA_ALERT = FLAG_DATA_SACKED | FLAG_ECE | FLAG_DSACKING_ACK;
    static final int FLAG_FORWARD_PROGRESS = FLAG_ACKED | FLAG_DATA_SACKED;

    /** {@link #ack} result: the ACK is more than a window below SND.UNA (RFC 5961 5.2). */
    static final int ACK_TOO_OLD = -1;
    /** {@link #ack} result: the ACK is beyond SND.NXT. */
    static final int ACK_UNSENT_DATA = -2;

    private final Tcp tcp;
    private final Mib ext;

    TcpInputAck(Tcp tcp) {
        this.tcp = tcp;
        this.ext = tcp.extMib();
    }

    /** The drop reason of a negative {@link #ack} result. */
    static DropReason dropReason(int ackResult) {
        return ackResult == ACK_UNSENT_DATA ? DropReason.TCP_ACK_UNSENT_DATA : DropReason.TCP_TOO_OLD_ACK;
    }

    /**
     * Linux: {@code tcp_ack()}. Returns 1 when the ACK was processed, 0 for an old ACK (ignored but
     * its SACK information used), negative when the segment must be dropped (ACK of unsent data, or
     * too old: RFC 5961 5.2): {@link #ACK_TOO_OLD} or {@link #ACK_UNSENT_DATA}, which
     * {@link #dropReason} names (Linux returns the negated drop reason).
     */
    int ack(TcpSock tp, SkBuff skb, int flag) {
        int priorSndUna = tp.sndUna;
        boolean isSackReneg = tp.isSackReneg;
        int ackSeq = seq(skb);
        int ack = ackSeq(skb);
        int priorPackets = tp.packetsOut;
        int delivered = tp.delivered;
        int lost = tp.lost;
        tp.sackFirstSacktUs = 0;
        tp.sackDelivered = 0;

        if (before(ack, priorSndUna)) {
            long maxWindow = Math.min(tp.maxWindow & 0xffffffffL, tp.bytesAcked);
            if (before(ack, (int) (priorSndUna - maxWindow))) {
                if ((flag & FLAG_NO_CHALLENGE_ACK) == 0) {
                    tcp.input.sendChallengeAck(tp);
                }
                return ACK_TOO_OLD;
            }
            // old_ack: use its SACK information
            if (sacked(skb) != 0) {
                flag |= tcp.sack.sacktagWriteQueue(tp, skb, priorSndUna);
                tp.rexmit = 0;
                flag = tcp.recovery.fastretransAlert(tp, priorSndUna, 0, flag);
                newlyDelivered(tp, delivered, flag);
                tcp.recovery.xmitRecovery(tp, tp.rexmit);
            }
            return 0;
        }
        if (after(ack, tp.sndNxt)) {
            // RFC 5961 5.2 / RFC 9293: ACK of data never sent: challenge ACK, drop.
            if ((flag & FLAG_NO_CHALLENGE_ACK) == 0) {
                tcp.input.sendChallengeAck(tp);
            }
            return ACK_UNSENT_DATA;
        }
        if (after(ack, priorSndUna)) {
            flag |= FLAG_SND_UNA_ADVANCED;
            tp.retransmits = 0;
        }
        int priorFack = tp.isSack() ? tcp.recovery.highestSackSeq(tp) : tp.sndUna;
        if ((flag & FLAG_UPDATE_TS_RECENT) != 0) {
            replaceTsRecent(tp, seq(skb));
        }
        if ((flag & (FLAG_SLOWPATH | FLAG_SND_UNA_ADVANCED)) == FLAG_SND_UNA_ADVANCED) {
            tp.sndWl1 = ackSeq;
            sndUnaUpdate(tp, ack);
            flag |= FLAG_WIN_UPDATE;
            ext.inc(TcpMib.HP_ACKS);
        } else {
            if (ackSeq != endSeq(skb)) {
                flag |= FLAG_DATA;
            } else {
                ext.inc(TcpMib.PURE_ACKS);
            }
            flag |= ackUpdateWindow(tp, skb, ack, ackSeq);
            if (sacked(skb) != 0) {
                flag |= tcp.sack.sacktagWriteQueue(tp, skb, priorSndUna);
            }
            if (tp.sackDelivered != 0) {
                tp.delivered += tp.sackDelivered;
            }
        }
        tp.errSoft = 0;
        tp.probesOut = 0;
        tp.rcvTstampMs = tcp.nowMs();
        tp.rexmit = 0;
        if (priorPackets == 0) {
            // no_queue
            if ((flag & FLAG_DSACKING_ACK) != 0) {
                flag = tcp.recovery.fastretransAlert(tp, priorSndUna, 0, flag);
                newlyDelivered(tp, delivered, flag);
            }
            ackProbe(tp);
            if (tp.tlpHighSeq != 0) {
                tcp.recovery.processTlpAck(tp, ack, flag);
            }
            return 1;
        }
        flag |= cleanRtxQueue(tp, skb, priorFack, priorSndUna);
        if (tp.tlpHighSeq != 0) {
            tcp.recovery.processTlpAck(tp, ack, flag);
        }
        int numDupack = 0;
        if (ackIsDubious(tp, flag)) {
            if ((flag & (FLAG_SND_UNA_ADVANCED | FLAG_NOT_DUP | FLAG_DSACKING_ACK)) == 0) {
                numDupack = 1;
            }
            flag = tcp.recovery.fastretransAlert(tp, priorSndUna, numDupack, flag);
        }
        if ((flag & FLAG_SET_XMIT_TIMER) != 0) {
            setXmitTimer(tp);
        }
        int newlyDelivered = newlyDelivered(tp, delivered, flag);
        int newlyLost = tp.lost - lost;
        congControl(tp, ack, newlyDelivered, newlyLost, flag);
        tcp.recovery.xmitRecovery(tp, tp.rexmit);
        return 1;
    }

    private int newlyDelivered(TcpSock tp, int priorDelivered, int flag) {
        int d = tp.delivered - priorDelivered;
        ext.add(TcpMib.DELIVERED, d);
        return d;
    }

    /** Linux: {@code tcp_ack_is_dubious()}: duplicate, SACK, ECE, or not in Open: recovery must look. */
    private static boolean ackIsDubious(TcpSock tp, int flag) {
        return (flag & FLAG_NOT_DUP) == 0 || (flag & FLAG_CA_ALERT) != 0 || tp.caState != TCP_CA_OPEN;
    }

    /** Linux: {@code tcp_set_xmit_timer()}: a loss probe if one applies, else the RTO. */
    void setXmitTimer(TcpSock tp) {
        if (!tcp.retrans.scheduleLossProbe(tp, true)) {
            tcp.timer.rearmRto(tp);
        }
    }

    /** Linux: {@code tcp_ack_probe()}: an ACK while probing a zero window: stop probing if it opened. */
    private void ackProbe(TcpSock tp) {
        SkBuff head = tp.sendHead;
        if (head == null) {
            return;
        }
        if (!after(endSeq(head), tp.wndEnd())) {
            tp.backoff = 0;
            tp.probesTstampNs = 0;
            if (tp.pending == ICSK_TIME_PROBE0) {
                tcp.timer.clearXmitTimer(tp);
            }
        } else {
            long when = TcpTimer.probe0When(tp, TcpTimer.TCP_RTO_MAX_MS);
            tcp.timer.resetXmitTimer(tp, ICSK_TIME_PROBE0, when);
        }
    }

    /**
     * Linux: {@code tcp_cong_control()}: PRR while reducing, otherwise the congestion control's
     * increase if the window was used and data was cumulatively acknowledged.
     */
    private void congControl(TcpSock tp, int ack, int ackedSacked, int newlyLost, int flag) {
        if (tp.inCwndReduction()) {
            tcp.recovery.cwndReduction(tp, ackedSacked, newlyLost, flag);
        } else if (mayRaiseCwnd(tp, flag)) {
            if (TcpOutput.isCwndLimited(tp)) {
                tp.ca.congAvoid(tp, ack, ackedSacked);
            }
            tp.sndCwndStampMs = tcp.nowMs();
        }
    }

    private static boolean mayRaiseCwnd(TcpSock tp, int flag) {
        if (tp.reordering > tp.sysctl.reordering) {
            return (flag & FLAG_FORWARD_PROGRESS) != 0;
        }
        return (flag & FLAG_DATA_ACKED) != 0;
    }

    // ================================================================ window

    /** Linux: {@code tcp_may_update_window()} (RFC 9293's SND.WL1/SND.WL2 rule). */
    boolean mayUpdateWindow(TcpSock tp, int ack, int ackSeq, int nwin) {
        return after(ack, tp.sndUna) || after(ackSeq, tp.sndWl1)
                || (ackSeq == tp.sndWl1 && (Integer.compareUnsigned(nwin, tp.sndWnd) > 0 || nwin == 0));
    }

    /** Linux: {@code tcp_ack_update_window()}. */
    private int ackUpdateWindow(TcpSock tp, SkBuff skb, int ack, int ackSeq) {
        int flag = 0;
        int th = skb.transportHeader;
        int nwin = TcpHeader.window(skb, th);
        if ((TcpHeader.flags(skb, th) & SYN) == 0) {
            nwin <<= tp.sndWscale;
        }
        if (mayUpdateWindow(tp, ack, ackSeq, nwin)) {
            flag |= FLAG_WIN_UPDATE;
            tp.sndWl1 = ackSeq;
            if (tp.sndWnd != nwin) {
                tp.sndWnd = nwin;
                tp.predFlags = 0;
                tcp.input.fastPathCheck(tp);
                if (Integer.compareUnsigned(nwin, tp.maxWindow) > 0) {
                    tp.maxWindow = nwin;
                    tcp.window.syncMss(tp, tp.pmtuCookie);
                }
            }
        }
        sndUnaUpdate(tp, ack);
        return flag;
    }

    private static void sndUnaUpdate(TcpSock tp, int ack) {
        tp.bytesAcked += (ack - tp.sndUna) & 0xffffffffL;
        tp.sndUna = ack;
    }

    /** Linux: {@code tcp_replace_ts_recent()}: TS.Recent from a segment at or before RCV.WUP (RFC 7323 4.3). */
    private void replaceTsRecent(TcpSock tp, int seq) {
        if (tp.sawTstamp && !after(seq, tp.rcvWup)) {
            if (tcp.input.pawsCheck(tp, 0)) {
                tcp.input.storeTsRecent(tp);
            }
        }
    }

    // ================================================================ retransmission queue

    /**
     * Linux: {@code tcp_clean_rtx_queue()}: frees what the ACK covers, counts it, and takes RTT
     * samples from segments never retransmitted (Karn's algorithm, RFC 6298 3).
     */
    private int cleanRtxQueue(TcpSock tp, SkBuff ackSkb, int priorFack, int priorSndUna) {
        long now = tcp.nowUs();
        long firstAckt = 0;
        long lastAckt = 0;
        int priorSacked = tp.sackedOut;
        int reord = tp.sndNxt;
        long seqRttUs = -1;
        long caRttUs = -1;
        long sackRttUs = -1;
        int pktsAcked = 0;
        int flag = 0;
        SkBuff skb;
        while ((skb = tp.writeQueue.peek()) != null && skb != tp.sendHead) {
            int startSeq = seq(skb);
            int sacked = sacked(skb);
            int ackedPcount;
            boolean fullyAcked = true;
            if (after(endSeq(skb), tp.sndUna)) {
                if (!after(tp.sndUna, startSeq)) {
                    break;
                }
                // partly acknowledged: trim what was acknowledged, the rest stays
                // (tcp_tso_acked(): the segments trimmed off a super-packet count as acknowledged)
                int before = pcount(skb);
                tcp.input.trimHead(tp, skb, tp.sndUna - startSeq);
                ackedPcount = before - pcount(skb);
                if (ackedPcount <= 0) {
                    break;
                }
                fullyAcked = false;
            } else {
                ackedPcount = pcount(skb);
            }
            if ((sacked & TCPCB_RETRANS) != 0) {
                if ((sacked & TCPCB_SACKED_RETRANS) != 0) {
                    tp.retransOut -= ackedPcount;
                }
                flag |= FLAG_RETRANS_DATA_ACKED;
            } else if ((sacked & TCPCB_SACKED_ACKED) == 0) {
                lastAckt = txTimeUs(skb);
                if (firstAckt == 0) {
                    firstAckt = lastAckt;
                }
                if (before(startSeq, reord)) {
                    reord = startSeq;
                }
                if (!after(endSeq(skb), tp.highSeq)) {
                    flag |= FLAG_ORIG_SACK_ACKED;
                }
            }
            if ((sacked & TCPCB_SACKED_ACKED) != 0) {
                tp.sackedOut -= ackedPcount;
            } else if (tp.isSack()) {
                tp.delivered += ackedPcount;
                if (!tcp.recovery.skbSpuriousRetrans(tp, skb)) {
                    tcp.rack.rackAdvance(tp, sacked, endSeq(skb), txTimeUs(skb));
                }
            }
            if ((sacked & TCPCB_LOST) != 0) {
                tp.lostOut -= ackedPcount;
            }
            tp.packetsOut -= ackedPcount;
            pktsAcked += ackedPcount;
            if (!fullyAcked) {
                flag |= FLAG_DATA_ACKED;
                break;
            }
            if ((flags(skb) & SYN) == 0) {
                flag |= FLAG_DATA_ACKED;
            } else {
                flag |= FLAG_SYN_ACKED;
                tp.retransStamp = 0;
            }
            if (skb == tp.retransmitHint) {
                tp.retransmitHint = null;
            }
            if (skb == tp.lostHint) {
                tp.lostHint = null;
            }
            tp.writeQueue.unlink(skb);
            tp.wmemQueued -= skb.truesize;
            Skb.consumeSkb(skb);
        }
        if (skb == null || skb == tp.sendHead) {
            skb = null;
        }
        if (between(tp.sndUp, priorSndUna, tp.sndUna)) {
            tp.sndUp = tp.sndUna;
        }
        if (skb != null && (sacked(skb) & TCPCB_SACKED_ACKED) != 0) {
            flag |= FLAG_SACK_RENEGING;
        }
        if (firstAckt != 0 && (flag & FLAG_RETRANS_DATA_ACKED) == 0) {
            seqRttUs = now - firstAckt;
            caRttUs = now - lastAckt;
            if (pktsAcked == 1 && priorSacked == 0 && (tp.sndUna - priorSndUna) < tp.mssCache
                    && (flag & (FLAG_CA_ALERT | FLAG_SYN_ACKED)) == 0) {
                flag |= FLAG_ACK_MAYBE_DELAYED;
            }
        }
        if (tp.sackFirstSacktUs != 0) {
            sackRttUs = now - tp.sackFirstSacktUs;
            caRttUs = now - tp.sackLastSacktUs;
        }
        boolean rttUpdate = ackUpdateRtt(tp, flag, seqRttUs, sackRttUs, caRttUs);
        if ((flag & FLAG_ACKED) != 0) {
            flag |= FLAG_SET_XMIT_TIMER;
            if (!tp.isSack()) {
                tcp.recovery.removeRenoSacks(tp, pktsAcked);
                if ((flag & FLAG_RETRANS_DATA_ACKED) != 0) {
                    flag &= ~FLAG_ORIG_SACK_ACKED;
                }
            } else {
                if (before(reord, priorFack)) {
                    tcp.sack.checkSackReordering(tp, reord, false);
                }
            }
        } else if (skb != null && rttUpdate && sackRttUs >= 0 && sackRttUs > now - txTimeUs(skb)) {
            flag |= FLAG_SET_XMIT_TIMER;
        }
        tp.ca.pktsAcked(tp, pktsAcked, caRttUs);
        return flag;
    }

    // ================================================================ RTT (RFC 6298)

    /**
     * Linux: {@code tcp_ack_update_rtt()}: prefers the ACK-timing sample over the echoed timestamp
     * (RTTM, RFC 7323 4.2, only when the ACK advances SND.UNA). Returns whether a sample was taken.
     */
    boolean ackUpdateRtt(TcpSock tp, int flag, long seqRttUs, long sackRttUs, long caRttUs) {
        if (seqRttUs < 0) {
            seqRttUs = sackRttUs;
        }
        if (seqRttUs < 0 && tp.sawTstamp && tp.rcvTsecr != 0 && (flag & FLAG_ACKED) != 0) {
            int delta = (int) tcp.nowMs() - tp.rcvTsecr;
            if (delta >= 0 && delta < Integer.MAX_VALUE / 1000) {
                seqRttUs = caRttUs = Math.max(delta, 1) * 1000L;
            }
        }
        if (seqRttUs < 0) {
            return false;
        }
        updateRttMin(tp, caRttUs, flag);
        rttEstimator(tp, seqRttUs);
        setRto(tp);
        tp.backoff = 0;
        return true;
    }

    /**
     * Linux: {@code tcp_update_rtt_min()}: the windowed minimum (Kathleen Nichols' algorithm,
     * {@code lib/minmax.c}) over {@code tcp_min_rtt_wlen} seconds.
     */
    private void updateRttMin(TcpSock tp, long rttUs, int flag) {
        if (rttUs < 0) {
            return;
        }
        int rtt = rttUs == 0 ? 1000 : (int) Math.min(rttUs, Integer.MAX_VALUE);
        if ((flag & FLAG_ACK_MAYBE_DELAYED) != 0 && Integer.compareUnsigned(rtt, tp.rttMinVal[0]) > 0) {
            return;
        }
        long now = tcp.nowMs();
        long win = tp.sysctl.minRttWlen * 1000L;
        long[] t = tp.rttMinTime;
        int[] v = tp.rttMinVal;
        if (Integer.compareUnsigned(rtt, v[0]) <= 0 || now - t[2] > win) {
            v[0] = v[1] = v[2] = rtt;
            t[0] = t[1] = t[2] = now;
            return;
        }
        if (Integer.compareUnsigned(rtt, v[1]) <= 0) {
            v[1] = v[2] = rtt;
            t[1] = t[2] = now;
        } else if (Integer.compareUnsigned(rtt, v[2]) <= 0) {
            v[2] = rtt;
            t[2] = now;
        }
        // minmax_subwin_update()
        long dt = now - t[0];
        if (dt > win) {
            v[0] = v[1];
            t[0] = t[1];
            v[1] = v[2];
            t[1] = t[2];
            v[2] = rtt;
            t[2] = now;
            if (now - t[0] > win) {
                v[0] = v[1];
                t[0] = t[1];
                v[1] = v[2];
                t[1] = t[2];
            }
        } else if (t[1] == t[0] && dt > win / 4) {
            v[1] = v[2] = rtt;
            t[1] = t[2] = now;
        } else if (t[2] == t[1] && dt > win / 2) {
            v[2] = rtt;
            t[2] = now;
        }
    }

    /**
     * Linux: {@code tcp_rtt_estimator()}: Jacobson's SRTT and RTTVAR (RFC 6298 2.2-2.3), with
     * Linux's refinements: a smaller gain when the RTT falls, and RTTVAR kept at least the minimum
     * RTO (200 ms) and decayed once per RTT.
     */
    private void rttEstimator(TcpSock tp, long mrttUs) {
        long m = mrttUs;
        long srtt = tp.srttUs & 0xffffffffL;
        if (srtt != 0) {
            m -= srtt >> 3;
            srtt += m;
            if (m < 0) {
                m = -m;
                m -= tp.mdevUs >> 2;
                if (m > 0) {
                    m >>= 3;
                }
            } else {
                m -= tp.mdevUs >> 2;
            }
            tp.mdevUs += (int) m;
            if (tp.mdevUs > tp.mdevMaxUs) {
                tp.mdevMaxUs = tp.mdevUs;
                if (tp.mdevMaxUs > tp.rttvarUs) {
                    tp.rttvarUs = tp.mdevMaxUs;
                }
            }
            if (after(tp.sndUna, tp.rttSeq)) {
                if (tp.mdevMaxUs < tp.rttvarUs) {
                    tp.rttvarUs -= (tp.rttvarUs - tp.mdevMaxUs) >> 2;
                }
                tp.rttSeq = tp.sndNxt;
                tp.mdevMaxUs = TcpTimer.TCP_RTO_MIN_MS * 1000;
            }
        } else {
            srtt = m << 3;
            tp.mdevUs = (int) (m << 1);
            tp.rttvarUs = Math.max(tp.mdevUs, TcpTimer.TCP_RTO_MIN_MS * 1000);
            tp.mdevMaxUs = tp.rttvarUs;
            tp.rttSeq = tp.sndNxt;
        }
        tp.srttUs = (int) Math.max(1, srtt);
    }

    /** Linux: {@code tcp_set_rto()} / {@code __tcp_set_rto()}: RTO = SRTT + RTTVAR, bounded to [200 ms, 120 s]. */
    private static void setRto(TcpSock tp) {
        long us = ((tp.srttUs & 0xffffffffL) >> 3) + tp.rttvarUs;
        int ms = TcpOutput.usToMs(tp, us);
        tp.rto = Math.min(ms, TcpTimer.TCP_RTO_MAX_MS);
    }
}
