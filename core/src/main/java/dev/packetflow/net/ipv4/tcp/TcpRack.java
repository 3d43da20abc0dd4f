package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.net.core.SkBuff;

import static dev.packetflow.net.ipv4.tcp.TcpHeader.*;
import static dev.packetflow.net.ipv4.tcp.TcpInputAck.*;
import static dev.packetflow.net.ipv4.tcp.TcpSock.*;
import static dev.packetflow.net.ipv4.tcp.TcpSkbCb.*;

/**
 * RACK loss detection (RFC 8985): a segment is lost when one sent sufficiently later was
 * delivered; "sufficiently" is the reordering window (min RTT / 4, widened by D-SACKs, zero in
 * recovery when no reordering was seen). Linux: {@code net/ipv4/tcp_recovery.c}
 * ({@code tcp_rack_advance()}, {@code tcp_rack_reo_wnd()}, {@code tcp_rack_detect_loss()},
 * {@code tcp_rack_mark_lost()}, {@code tcp_rack_reo_timeout()}), {@code tcp_identify_packet_loss()}.
 */
final class TcpRack {
    private final Tcp tcp;

    TcpRack(Tcp tcp) {
        this.tcp = tcp;
    }

    // ================================================================ RACK (RFC 8985)

    /** Linux: {@code tcp_rack_advance()}: the most recently sent delivered segment moves RACK on. */
    void rackAdvance(TcpSock tp, int sacked, int endSeq, long xmitTime) {
        long rttUs = tcp.nowUs() - xmitTime;
        if ((sacked & TCPCB_RETRANS) != 0 && Integer.compareUnsigned((int) rttUs, tp.minRttUs()) < 0) {
            return;
        }
        tp.rackAdvanced = true;
        tp.rackRttUs = (int) rttUs;
        if (sentAfter(xmitTime, tp.rackMstampUs, endSeq, tp.rackEndSeq)) {
            tp.rackMstampUs = xmitTime;
            tp.rackEndSeq = endSeq;
        }
    }

    private static boolean sentAfter(long t1, long t2, int seq1, int seq2) {
        return t1 > t2 || (t1 == t2 && after(seq1, seq2));
    }

    /** Linux: {@code tcp_rack_reo_wnd()}. */
    private static long rackReoWndUs(TcpSock tp) {
        if (tp.reordSeen == 0) {
            if (tp.caState >= TCP_CA_RECOVERY) {
                return 0;
            }
            if (tp.sackedOut >= tp.reordering) {
                return 0;
            }
        }
        long minRtt = tp.minRttUs() & 0xffffffffL;
        return Math.min((minRtt >> 2) * tp.rackReoWndSteps, (tp.srttUs & 0xffffffffL) >> 3);
    }

    /**
     * Linux: {@code tcp_rack_detect_loss()}: marks lost every unacknowledged segment sent before the
     * RACK segment that has waited an RTT plus the reordering window; returns the longest remaining
     * wait in µs (0: none).
     */
    private long rackDetectLoss(TcpSock tp) {
        long reoWnd = rackReoWndUs(tp);
        long now = tcp.nowUs();
        long reoTimeout = 0;
        for (SkBuff skb = tp.rtxHead(); skb != null && skb != tp.sendHead; skb = skb.next) {
            int sacked = sacked(skb);
            if ((sacked & TCPCB_SACKED_ACKED) != 0) {
                continue;
            }
            if ((sacked & TCPCB_LOST) != 0 && (sacked & TCPCB_SACKED_RETRANS) == 0) {
                continue;
            }
            if (!sentAfter(tp.rackMstampUs, txTimeUs(skb), tp.rackEndSeq, endSeq(skb))) {
                continue;
            }
            long remaining = tp.rackRttUs + reoWnd - (now - txTimeUs(skb));
            if (remaining <= 0) {
                tcp.recovery.markSkbLost(tp, skb);
            } else {
                reoTimeout = Math.max(reoTimeout, remaining);
            }
        }
        return reoTimeout;
    }

    /** Linux: {@code tcp_rack_mark_lost()}: returns true when the reordering timer was armed. */
    private boolean rackMarkLost(TcpSock tp) {
        if (!tp.rackAdvanced) {
            return false;
        }
        tp.rackAdvanced = false;
        long timeout = rackDetectLoss(tp);
        if (timeout != 0) {
            int ms = TcpOutput.usToMs(tp, timeout) + TcpTimer.timeoutMinMs(tp);
            tcp.timer.resetXmitTimer(tp, ICSK_TIME_REO_TIMEOUT, Math.min(ms, tp.rto));
            return true;
        }
        return false;
    }

    /** Linux: {@code tcp_rack_reo_timeout()}: the reordering window passed; what is still missing is lost. */
    void rackReoTimeout(TcpSock tp) {
        int lost = tp.lost;
        int priorInflight = tp.packetsInFlight();
        rackDetectLoss(tp);
        if (priorInflight != tp.packetsInFlight()) {
            if (tp.caState != TCP_CA_RECOVERY) {
                tcp.recovery.enterRecovery(tp, false);
                tcp.recovery.cwndReduction(tp, 1, tp.lost - lost, 0);
            }
            tcp.retrans.xmitRetransmitQueue(tp);
        }
        if (tp.pending != ICSK_TIME_RETRANS) {
            tcp.timer.rearmRto(tp);
        }
    }

    boolean isRack(TcpSock tp) {
        return (tp.sysctl.recovery & 1) != 0;
    }

    /** Linux: {@code tcp_identify_packet_loss()}. */
    int identifyPacketLoss(TcpSock tp, int flag) {
        if (tp.rtxQueueEmpty()) {
            return flag;
        }
        if (!tp.isSack()) {
            tcp.recovery.newrenoMarkLost(tp, (flag & FLAG_SND_UNA_ADVANCED) != 0);
        } else if (isRack(tp)) {
            int priorRetrans = tp.retransOut;
            if (rackMarkLost(tp)) {
                flag &= ~FLAG_SET_XMIT_TIMER;
            }
            if (priorRetrans > tp.retransOut) {
                flag |= FLAG_LOST_RETRANS;
            }
        }
        return flag;
    }
}
