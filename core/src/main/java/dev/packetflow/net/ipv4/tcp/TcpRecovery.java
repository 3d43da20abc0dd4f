package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.net.core.Mib;
import dev.packetflow.net.core.SkBuff;

import static dev.packetflow.net.ipv4.tcp.TcpHeader.*;
import static dev.packetflow.net.ipv4.tcp.TcpInputAck.*;
import static dev.packetflow.net.ipv4.tcp.TcpSock.*;
import static dev.packetflow.net.ipv4.tcp.TcpSkbCb.*;

/**
 * Loss detection and recovery, Linux's way:
 * <ul>
 * <li><b>SACK scoreboard</b> (RFC 2018, RFC 6675): each sent skb carries tags S (SACKed), R
 *     (retransmitted) and L (lost); {@code sacked_out}, {@code retrans_out} and {@code lost_out}
 *     count them, and packets in flight are {@code packets_out - sacked_out - lost_out +
 *     retrans_out}. D-SACKs (RFC 2883) reveal spurious retransmissions.
 * <li><b>RACK</b> (RFC 8985): with SACK a segment is lost when one sent after it was delivered
 *     and an RTT plus a reordering window (a quarter of the min RTT; none once three segments
 *     were SACKed above it) has passed; the reordering timer waits for the rest.
 * <li><b>NewReno</b> (RFC 6582) without SACK: three duplicate ACKs mark the head lost; partial
 *     ACKs in recovery mark the next head lost. Limited transmit (RFC 3042) falls out of counting
 *     duplicate ACKs as delivered segments.
 * <li><b>PRR</b> (RFC 6937): while recovering, sending follows delivery, down to ssthresh.
 * <li><b>State machine</b>: Open, Disorder, CWR, Recovery, Loss; undo of spurious recoveries by
 *     timestamps and D-SACKs (Eifel, RFC 3522), F-RTO (RFC 5682) after timeouts.
 * </ul>
 *
 * <p>Each skb holds one segment, so tags count segments directly. Linux: {@code net/ipv4/tcp_input.c},
 * {@code net/ipv4/tcp_recovery.c}.
 */
final class TcpRecovery {
    static final int REXMIT_NONE = 0;
    static final int REXMIT_LOST = 1;
    static final int REXMIT_NEW = 2;

    private final Tcp tcp;
    private final Mib ext;

    TcpRecovery(Tcp tcp) {
        this.tcp = tcp;
        this.ext = tcp.extMib();
    }

    /** Linux: {@code tcp_highest_sack_seq()}. */
    int highestSackSeq(TcpSock tp) {
        if (tp.sackedOut == 0) {
            return tp.sndUna;
        }
        return tp.highestSackSeq;
    }

    // ================================================================ Reno (no SACK)

    private void addRenoSack(TcpSock tp, int numDupack) {
        if (numDupack != 0) {
            int prior = tp.sackedOut;
            tp.sackedOut += numDupack;
            checkRenoReordering(tp, 0);
            int delivered = tp.sackedOut - prior;
            if (delivered > 0) {
                tp.delivered += delivered;
            }
        }
    }

    /** Linux: {@code tcp_remove_reno_sacks()}: a cumulative ACK ate duplicate ACKs. */
    void removeRenoSacks(TcpSock tp, int acked) {
        if (acked > 0) {
            tp.delivered += Math.max(acked - tp.sackedOut, 1);
            if (acked - 1 >= tp.sackedOut) {
                tp.sackedOut = 0;
            } else {
                tp.sackedOut -= acked - 1;
            }
        }
        checkRenoReordering(tp, acked);
    }

    private void checkRenoReordering(TcpSock tp, int addend) {
        int holes = Math.max(tp.lostOut, 1);
        holes = Math.min(holes, tp.packetsOut);
        if (tp.sackedOut + holes > tp.packetsOut) {
            tp.sackedOut = tp.packetsOut - holes;
            tp.reordering = Math.min(tp.packetsOut + addend, tp.sysctl.maxReordering);
            tp.reordSeen++;
            ext.inc(TcpMib.RENO_REORDER);
        }
    }

    /** Linux: {@code tcp_newreno_mark_lost()}. */
    void newrenoMarkLost(TcpSock tp, boolean sndUnaAdvanced) {
        int st = tp.caState;
        if ((st < TCP_CA_RECOVERY && tp.sackedOut >= tp.reordering) || (st == TCP_CA_RECOVERY && sndUnaAdvanced)) {
            SkBuff skb = tp.rtxHead();
            if (skb == null || (sacked(skb) & TCPCB_LOST) != 0) {
                return;
            }
            // only the first segment of a super-packet is presumed lost
            if (pcount(skb) > 1) {
                int mss = tcp.window.currentMss(tp);
                tcp.output.fragment(tp, skb, mss, mss);
            }
            markSkbLost(tp, skb);
        }
    }

    // ================================================================ marking lost

    /** Linux: {@code tcp_mark_skb_lost()}. */
    void markSkbLost(TcpSock tp, SkBuff skb) {
        int sacked = sacked(skb);
        if ((sacked & TCPCB_SACKED_ACKED) != 0) {
            return;
        }
        // tcp_verify_retransmit_hint()
        if ((tp.retransmitHint == null && tp.retransOut >= tp.lostOut)
                || (tp.retransmitHint != null && before(seq(skb), seq(tp.retransmitHint)))) {
            tp.retransmitHint = skb;
        }
        if ((sacked & TCPCB_LOST) != 0) {
            if ((sacked & TCPCB_SACKED_RETRANS) != 0) {
                setSacked(skb, sacked & ~TCPCB_SACKED_RETRANS);
                tp.retransOut -= pcount(skb);
                ext.add(TcpMib.LOST_RETRANSMIT, pcount(skb));
                tp.lost += pcount(skb);
            }
        } else {
            tp.lostOut += pcount(skb);
            setSacked(skb, sacked | TCPCB_LOST);
            tp.lost += pcount(skb);
        }
    }

    // ================================================================ the state machine

    /**
     * Linux: {@code tcp_fastretrans_alert()}: decides, from an ACK that was a duplicate, carried
     * SACK information, or arrived outside Open, which state to be in and whether to retransmit
     * (sets {@code tp.rexmit}). Returns the updated flag.
     */
    int fastretransAlert(TcpSock tp, int priorSndUna, int numDupack, int flag) {
        boolean doLost = numDupack != 0 || ((flag & FLAG_DATA_SACKED) != 0 && forceFastRetransmit(tp));
        if (tp.packetsOut == 0 && tp.sackedOut != 0) {
            tp.sackedOut = 0;
        }
        // B. SACK reneging
        if ((flag & FLAG_SACK_RENEGING) != 0 && (flag & FLAG_SND_UNA_ADVANCED) != 0) {
            long delay = Math.max(TcpOutput.usToMs(tp, (tp.srttUs & 0xffffffffL) >> 4), 10);
            tcp.timer.resetXmitTimer(tp, ICSK_TIME_RETRANS, delay);
            return flag & ~FLAG_SET_XMIT_TIMER;
        }
        // D. state exit
        if (tp.caState == TCP_CA_OPEN) {
            tp.retransStamp = 0;
        } else if (!before(tp.sndUna, tp.highSeq)) {
            switch (tp.caState) {
                case TCP_CA_CWR -> {
                    if (tp.sndUna != tp.highSeq) {
                        endCwndReduction(tp);
                        setCaState(tp, TCP_CA_OPEN);
                    }
                }
                case TCP_CA_RECOVERY -> {
                    if (!tp.isSack()) {
                        tp.sackedOut = 0;
                    }
                    if (tryUndoRecovery(tp)) {
                        return flag;
                    }
                    endCwndReduction(tp);
                }
                default -> {
                }
            }
        }
        // E. process state
        boolean fastRexmit = false;
        switch (tp.caState) {
            case TCP_CA_RECOVERY:
                if ((flag & FLAG_SND_UNA_ADVANCED) == 0) {
                    if (!tp.isSack()) {
                        addRenoSack(tp, numDupack);
                    }
                } else if (tp.undoMarker != 0 && packetDelayed(tp)) {
                    // tcp_try_undo_partial(): the hole was filled by a delayed original
                    tcp.sack.checkSackReordering(tp, priorSndUna, true);
                    if (tp.retransOut != 0) {
                        return flag;
                    }
                    if (!anyRetransDone(tp)) {
                        tp.retransStamp = 0;
                    }
                    undoCwndReduction(tp, true);
                    ext.inc(TcpMib.PARTIAL_UNDO);
                    tryKeepOpen(tp);
                } else {
                    doLost = forceFastRetransmit(tp);
                }
                if (tryUndoDsack(tp)) {
                    tryKeepOpen(tp);
                }
                flag = tcp.rack.identifyPacketLoss(tp, flag);
                if (tp.caState != TCP_CA_RECOVERY) {
                    if (!timeToRecover(tp)) {
                        return flag;
                    }
                    enterRecovery(tp, false);
                }
                break;
            case TCP_CA_LOSS:
                processLoss(tp, flag, numDupack);
                flag = tcp.rack.identifyPacketLoss(tp, flag);
                if (!(tp.caState == TCP_CA_OPEN || (flag & FLAG_LOST_RETRANS) != 0)) {
                    return flag;
                }
                // fall through: change state if cwnd was undone or retransmissions were lost
            default:
                if (!tp.isSack()) {
                    if ((flag & FLAG_SND_UNA_ADVANCED) != 0) {
                        tp.sackedOut = 0;
                    }
                    addRenoSack(tp, numDupack);
                }
                if (tp.caState <= TCP_CA_DISORDER) {
                    tryUndoDsack(tp);
                }
                flag = tcp.rack.identifyPacketLoss(tp, flag);
                if (!timeToRecover(tp)) {
                    tryToOpen(tp, flag);
                    return flag;
                }
                enterRecovery(tp, false);
                fastRexmit = true;
                break;
        }
        if (!tcp.rack.isRack(tp) && doLost && fastRexmit) {
            markHeadLost(tp);
        }
        tp.rexmit = REXMIT_LOST;
        return flag;
    }

    /** Without RACK, the classic rule: dupthresh segments SACKed above the head make it lost. */
    private void markHeadLost(TcpSock tp) {
        SkBuff skb = tp.rtxHead();
        if (skb != null && (sacked(skb) & TCPCB_LOST) == 0) {
            markSkbLost(tp, skb);
        }
    }

    /** Linux: {@code tcp_time_to_recover()}. */
    private boolean timeToRecover(TcpSock tp) {
        if (tp.lostOut != 0) {
            return true;
        }
        return !tcp.rack.isRack(tp) && tp.sackedOut + 1 > tp.reordering;
    }

    /** Linux: {@code tcp_force_fast_retransmit()}. */
    private boolean forceFastRetransmit(TcpSock tp) {
        return after(highestSackSeq(tp), tp.sndUna + tp.reordering * tp.mssCache);
    }

    /** Linux: {@code tcp_enter_recovery()}. */
    void enterRecovery(TcpSock tp, boolean eceAck) {
        ext.inc(tp.isSack() ? TcpMib.SACK_RECOVERY : TcpMib.RENO_RECOVERY);
        tp.priorSsthresh = 0;
        initUndo(tp);
        if (!tp.inCwndReduction()) {
            if (!eceAck) {
                tp.priorSsthresh = tp.currentSsthresh();
            }
            initCwndReduction(tp);
        }
        setCaState(tp, TCP_CA_RECOVERY);
    }

    private void initUndo(TcpSock tp) {
        tp.undoMarker = tp.sndUna;
        tp.undoRetrans = tp.retransOut != 0 ? tp.retransOut : -1;
    }

    /** Linux: {@code tcp_init_cwnd_reduction()}: ssthresh from the congestion control; PRR starts. */
    private void initCwndReduction(TcpSock tp) {
        tp.highSeq = tp.sndNxt;
        tp.tlpHighSeq = 0;
        tp.sndCwndCnt = 0;
        tp.priorCwnd = tp.sndCwnd;
        tp.prrDelivered = 0;
        tp.prrOut = 0;
        tp.sndSsthresh = tp.ca.ssthresh(tp);
    }

    /**
     * Linux: {@code tcp_cwnd_reduction()}: Proportional Rate Reduction (RFC 6937): above ssthresh,
     * send in proportion to what was delivered; at or below it, slow-start back up (PRR-SSRB).
     */
    void cwndReduction(TcpSock tp, int newlyAckedSacked, int newlyLost, int flag) {
        if (newlyAckedSacked <= 0 || tp.priorCwnd == 0) {
            return;
        }
        int sndcnt;
        int delta = tp.sndSsthresh - tp.packetsInFlight();
        tp.prrDelivered += newlyAckedSacked;
        if (delta < 0) {
            long dividend = (long) tp.sndSsthresh * tp.prrDelivered + tp.priorCwnd - 1;
            sndcnt = (int) (dividend / tp.priorCwnd) - tp.prrOut;
        } else {
            sndcnt = Math.max(tp.prrDelivered - tp.prrOut, newlyAckedSacked);
            if ((flag & FLAG_SND_UNA_ADVANCED) != 0 && newlyLost == 0) {
                sndcnt++;
            }
            sndcnt = Math.min(delta, sndcnt);
        }
        sndcnt = Math.max(sndcnt, tp.prrOut != 0 ? 0 : 1);
        tp.sndCwnd = tp.packetsInFlight() + sndcnt;
    }

    /** Linux: {@code tcp_end_cwnd_reduction()}. */
    private void endCwndReduction(TcpSock tp) {
        if (tp.sndSsthresh < Tcp.TCP_INFINITE_SSTHRESH && (tp.caState == TCP_CA_CWR || tp.undoMarker != 0)) {
            tp.sndCwnd = tp.sndSsthresh;
            tp.sndCwndStampMs = tcp.nowMs();
        }
        tp.ca.cwndEvent(tp, TcpCong.CA_EVENT_COMPLETE_CWR);
    }

    void setCaState(TcpSock tp, int st) {
        tp.ca.setState(tp, st);
        tp.caState = st;
    }

    private boolean anyRetransDone(TcpSock tp) {
        if (tp.retransOut != 0) {
            return true;
        }
        SkBuff head = tp.rtxHead();
        return head != null && (sacked(head) & TCPCB_EVER_RETRANS) != 0;
    }

    /** Linux: {@code tcp_try_keep_open()}. */
    private void tryKeepOpen(TcpSock tp) {
        int st = TCP_CA_OPEN;
        if (tp.sackedOut + tp.lostOut != 0 || anyRetransDone(tp)) {
            st = TCP_CA_DISORDER;
        }
        if (tp.caState != st) {
            setCaState(tp, st);
            tp.highSeq = tp.sndNxt;
        }
    }

    /** Linux: {@code tcp_try_to_open()}. */
    private void tryToOpen(TcpSock tp, int flag) {
        if (!anyRetransDone(tp)) {
            tp.retransStamp = 0;
        }
        if (tp.caState != TCP_CA_CWR) {
            tryKeepOpen(tp);
        }
    }

    // ================================================================ undo

    private boolean tsoptEcrBefore(TcpSock tp, int when) {
        return tp.sawTstamp && tp.rcvTsecr != 0 && before(tp.rcvTsecr, when);
    }

    /** Linux: {@code tcp_skb_spurious_retrans()}. */
    boolean skbSpuriousRetrans(TcpSock tp, SkBuff skb) {
        return (sacked(skb) & TCPCB_RETRANS) != 0 && tsoptEcrBefore(tp, (int) (txTimeUs(skb) / 1000));
    }

    /** Linux: {@code tcp_packet_delayed()}: the echo predates our first retransmission (Eifel). */
    private boolean packetDelayed(TcpSock tp) {
        return tp.retransStamp != 0 && tsoptEcrBefore(tp, tp.retransStamp);
    }

    private boolean mayUndo(TcpSock tp) {
        return tp.undoMarker != 0 && (tp.undoRetrans == 0 || packetDelayed(tp));
    }

    /** Linux: {@code tcp_undo_cwnd_reduction()}. */
    private void undoCwndReduction(TcpSock tp, boolean unmarkLoss) {
        if (unmarkLoss) {
            for (SkBuff skb = tp.rtxHead(); skb != null && skb != tp.sendHead; skb = skb.next) {
                setSacked(skb, sacked(skb) & ~TCPCB_LOST);
            }
            tp.lostOut = 0;
            tp.retransmitHint = null;
            tp.lostHint = null;
        }
        if (tp.priorSsthresh != 0) {
            tp.sndCwnd = tp.ca.undoCwnd(tp);
            if (tp.priorSsthresh > tp.sndSsthresh) {
                tp.sndSsthresh = tp.priorSsthresh;
            }
        }
        tp.sndCwndStampMs = tcp.nowMs();
        tp.undoMarker = 0;
        tp.rackAdvanced = true;
    }

    private boolean isNonSackPreventingReopen(TcpSock tp) {
        if (tp.sndUna == tp.highSeq && !tp.isSack()) {
            if (!anyRetransDone(tp)) {
                tp.retransStamp = 0;
            }
            return true;
        }
        return false;
    }

    /** Linux: {@code tcp_try_undo_recovery()}. */
    private boolean tryUndoRecovery(TcpSock tp) {
        if (mayUndo(tp)) {
            undoCwndReduction(tp, false);
            ext.inc(tp.caState == TCP_CA_LOSS ? TcpMib.LOSS_UNDO : TcpMib.FULL_UNDO);
        } else if (tp.rackReoWndPersist != 0) {
            tp.rackReoWndPersist--;
        }
        if (isNonSackPreventingReopen(tp)) {
            return true;
        }
        setCaState(tp, TCP_CA_OPEN);
        tp.isSackReneg = false;
        return false;
    }

    /** Linux: {@code tcp_try_undo_dsack()}. */
    private boolean tryUndoDsack(TcpSock tp) {
        if (tp.undoMarker != 0 && tp.undoRetrans == 0) {
            tp.rackReoWndPersist = Math.min(16, tp.rackReoWndPersist + 1);
            undoCwndReduction(tp, false);
            ext.inc(TcpMib.DSACK_UNDO);
            return true;
        }
        return false;
    }

    /** Linux: {@code tcp_try_undo_loss()}. */
    private boolean tryUndoLoss(TcpSock tp, boolean frtoUndo) {
        if (frtoUndo || mayUndo(tp)) {
            undoCwndReduction(tp, true);
            ext.inc(TcpMib.LOSS_UNDO);
            if (frtoUndo) {
                ext.inc(TcpMib.SPURIOUS_RTOS);
            }
            tp.retransmits = 0;
            if (isNonSackPreventingReopen(tp)) {
                return true;
            }
            if (frtoUndo || tp.isSack()) {
                setCaState(tp, TCP_CA_OPEN);
                tp.isSackReneg = false;
            }
            return true;
        }
        return false;
    }

    /**
     * Linux: {@code tcp_process_loss()}: an ACK in Loss state: undo if the timeout was spurious
     * (F-RTO, RFC 5682), otherwise retransmit the lost segments. Returns true when done.
     */
    private boolean processLoss(TcpSock tp, int flag, int numDupack) {
        boolean recovered = !before(tp.sndUna, tp.highSeq);
        if ((flag & FLAG_SND_UNA_ADVANCED) != 0 && tryUndoLoss(tp, false)) {
            return true;
        }
        if (tp.frto) {
            if ((flag & FLAG_ORIG_SACK_ACKED) != 0 && tryUndoLoss(tp, true)) {
                return true;
            }
            if (after(tp.sndNxt, tp.highSeq)) {
                if ((flag & FLAG_DATA_SACKED) != 0 || numDupack != 0) {
                    tp.frto = false;
                }
            } else if ((flag & FLAG_SND_UNA_ADVANCED) != 0 && !recovered) {
                tp.highSeq = tp.sndNxt;
                if (tp.sendHead != null && after(tp.wndEnd(), tp.sndNxt)) {
                    tp.rexmit = REXMIT_NEW;
                    return true;
                }
                tp.frto = false;
            }
        }
        if (recovered) {
            tryUndoRecovery(tp);
            return true;
        }
        if (!tp.isSack()) {
            if (after(tp.sndNxt, tp.highSeq) && numDupack != 0) {
                addRenoSack(tp, numDupack);
            } else if ((flag & FLAG_SND_UNA_ADVANCED) != 0) {
                tp.sackedOut = 0;
            }
        }
        tp.rexmit = REXMIT_LOST;
        return false;
    }

    /** Linux: {@code tcp_xmit_recovery()}: after cwnd was updated, (re)transmit what recovery decided. */
    void xmitRecovery(TcpSock tp, int rexmit) {
        if (rexmit == REXMIT_NONE || tp.state == TCP_SYN_SENT) {
            return;
        }
        if (rexmit == REXMIT_NEW) {
            tcp.output.pushPendingFrames(tp, tcp.window.currentMss(tp), TCP_NAGLE_OFF);
            if (after(tp.sndNxt, tp.highSeq)) {
                return;
            }
            tp.frto = false;
        }
        tcp.retrans.xmitRetransmitQueue(tp);
    }

    /** Linux: {@code tcp_process_tlp_ack()}: ends a tail loss probe episode; a loss means CWR. */
    void processTlpAck(TcpSock tp, int ack, int flag) {
        if (before(ack, tp.tlpHighSeq)) {
            return;
        }
        if (!tp.tlpRetrans) {
            tp.tlpHighSeq = 0;
        } else if ((flag & FLAG_DSACK_TLP) != 0) {
            tp.tlpHighSeq = 0;
        } else if (after(ack, tp.tlpHighSeq)) {
            initCwndReduction(tp);
            setCaState(tp, TCP_CA_CWR);
            endCwndReduction(tp);
            tryKeepOpen(tp);
            ext.inc(TcpMib.LOSS_PROBE_RECOVERY);
        } else if ((flag & (FLAG_SND_UNA_ADVANCED | FLAG_NOT_DUP | FLAG_DATA_SACKED)) == 0) {
            tp.tlpHighSeq = 0;
        }
    }

    // ================================================================ timeouts

    /** Linux: {@code tcp_clear_retrans()}. */
    void clearRetrans(TcpSock tp) {
        tp.retransOut = 0;
        tp.lostOut = 0;
        tp.undoMarker = 0;
        tp.undoRetrans = -1;
        tp.sackedOut = 0;
    }

    /**
     * Linux: {@code tcp_enter_loss()}: an RTO: every outstanding segment is presumed lost (SACKed
     * ones excepted unless the receiver reneged), ssthresh reduced once per window, cwnd to one
     * more than what is in flight (RFC 5681 3.1), F-RTO armed.
     */
    void enterLoss(TcpSock tp) {
        boolean newRecovery = tp.caState < TCP_CA_RECOVERY;
        timeoutMarkLost(tp);
        if (tp.caState <= TCP_CA_DISORDER || !after(tp.highSeq, tp.sndUna)
                || (tp.caState == TCP_CA_LOSS && tp.retransmits == 0)) {
            tp.priorSsthresh = tp.currentSsthresh();
            tp.priorCwnd = tp.sndCwnd;
            tp.sndSsthresh = tp.ca.ssthresh(tp);
            tp.ca.cwndEvent(tp, TcpCong.CA_EVENT_LOSS);
            initUndo(tp);
        }
        tp.sndCwnd = tp.packetsInFlight() + 1;
        tp.sndCwndCnt = 0;
        tp.sndCwndStampMs = tcp.nowMs();
        int reordering = tp.sysctl.reordering;
        if (tp.caState <= TCP_CA_DISORDER && tp.sackedOut >= reordering) {
            tp.reordering = Math.min(tp.reordering, reordering);
        }
        setCaState(tp, TCP_CA_LOSS);
        tp.highSeq = tp.sndNxt;
        tp.frto = tp.sysctl.frto != 0 && (newRecovery || tp.retransmits != 0);
    }

    /** Linux: {@code tcp_timeout_mark_lost()}. */
    private void timeoutMarkLost(TcpSock tp) {
        SkBuff head = tp.rtxHead();
        boolean isReneg = head != null && (sacked(head) & TCPCB_SACKED_ACKED) != 0;
        if (isReneg) {
            ext.inc(TcpMib.SACK_RENEGING);
            tp.sackedOut = 0;
            tp.isSackReneg = true;
        } else if (!tp.isSack()) {
            tp.sackedOut = 0;
        }
        for (SkBuff skb = head; skb != null && skb != tp.sendHead; skb = skb.next) {
            if (isReneg) {
                setSacked(skb, sacked(skb) & ~TCPCB_SACKED_ACKED);
            } else if (tcp.rack.isRack(tp) && skb != head && tp.rackRttUs - (tcp.nowUs() - txTimeUs(skb)) > 0) {
                continue;
            }
            markSkbLost(tp, skb);
        }
        tp.retransmitHint = null;
        tp.lostHint = null;
    }
}
