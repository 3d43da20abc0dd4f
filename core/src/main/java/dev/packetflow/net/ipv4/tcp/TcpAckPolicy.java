package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.net.core.Mib;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.socket.Sock;

import static dev.packetflow.net.ipv4.tcp.TcpHeader.*;
import static dev.packetflow.net.ipv4.tcp.TcpSock.*;
import static dev.packetflow.net.ipv4.tcp.TcpSkbCb.*;

/**
 * The receiver's ACK policy and buffer tuning: the delayed-ACK engine (ATO estimation, quick-ACK
 * mode after start-up and events, RFC 9293 3.8.6.3), whether to ACK now or later (every second
 * full segment, immediately for out-of-order data, SACK compression), the receiver-side RTT
 * estimate and receive buffer autotuning (dynamic right-sizing), window growth.
 * Linux: {@code net/ipv4/tcp_input.c} ({@code tcp_event_data_recv()}, {@code tcp_measure_rcv_mss()},
 * {@code tcp_incr_quickack()}, {@code tcp_grow_window()}, {@code tcp_rcv_rtt_update()},
 * {@code tcp_rcv_space_adjust()}, {@code __tcp_ack_snd_check()}, {@code tcp_send_dupack()}).
 */
final class TcpAckPolicy {
    private final Tcp tcp;
    private final Mib ext;

    TcpAckPolicy(Tcp tcp) {
        this.tcp = tcp;
        this.ext = tcp.extMib();
    }

    // ================================================================ delayed ACK engine

    /** Linux: {@code tcp_event_data_recv()}: data arrived: ACK scheduling, ATO estimation, window growth. */
    void eventDataRecv(TcpSock tp, SkBuff skb) {
        tp.ackPending |= ICSK_ACK_SCHED;
        measureRcvMss(tp, skb);
        rcvRttMeasure(tp);
        long now = tcp.nowMs();
        if (tp.ackAto == 0) {
            incrQuickack(tp, Tcp.TCP_MAX_QUICKACKS);
            tp.ackAto = TcpTimer.TCP_ATO_MIN_MS;
        } else {
            int m = (int) (now - tp.ackLrcvtimeMs);
            if (m <= TcpTimer.TCP_ATO_MIN_MS / 2) {
                tp.ackAto = (tp.ackAto >> 1) + TcpTimer.TCP_ATO_MIN_MS / 2;
            } else if (m < tp.ackAto) {
                tp.ackAto = (tp.ackAto >> 1) + m;
                if (tp.ackAto > tp.rto) {
                    tp.ackAto = tp.rto;
                }
            } else if (m > tp.rto) {
                incrQuickack(tp, Tcp.TCP_MAX_QUICKACKS);
            }
        }
        tp.ackLrcvtimeMs = now;
        if (skb.len() >= 128) {
            growWindow(tp, skb, true);
        }
    }

    /** Linux: {@code tcp_measure_rcv_mss()}: our estimate of the peer's MSS drives delayed ACKs. */
    private void measureRcvMss(TcpSock tp, SkBuff skb) {
        int lss = tp.ackLastSegSize;
        tp.ackLastSegSize = 0;
        int len = skb.gsoSize != 0 ? skb.gsoSize : skb.len();
        if (len >= tp.ackRcvMss) {
            if (len != tp.ackRcvMss) {
                long val = ((long) skb.len() << 8) / skb.truesize;
                tp.scalingRatio = val != 0 ? (int) Math.min(val, 255) : 1;
            }
            tp.ackRcvMss = Math.min(len, tp.advmss);
            if ((flags(skb) & PSH) != 0) {
                tp.ackPending |= ICSK_ACK_PUSHED;
            }
        } else {
            len += skb.data - skb.transportHeader;
            if (len >= Tcp.TCP_MSS_DEFAULT + MIN_LEN
                    || (len >= Tcp.TCP_MIN_MSS + MIN_LEN && (flags(skb) & (FIN | URG | SYN | PSH)) == 0)) {
                len -= tp.tcpHeaderLen;
                tp.ackLastSegSize = len;
                if (len == lss) {
                    tp.ackRcvMss = len;
                    return;
                }
            }
            if ((tp.ackPending & ICSK_ACK_PUSHED) != 0) {
                tp.ackPending |= ICSK_ACK_PUSHED2;
            }
            tp.ackPending |= ICSK_ACK_PUSHED;
        }
    }

    /** Linux: {@code tcp_incr_quickack()}: ACK the next segments at once (half a window of them, at most 16). */
    void incrQuickack(TcpSock tp, int maxQuickacks) {
        int quickacks = tp.rcvWnd / (2 * Math.max(tp.ackRcvMss, 1));
        if (quickacks == 0) {
            quickacks = 2;
        }
        quickacks = Math.min(quickacks, maxQuickacks);
        if (quickacks > tp.ackQuick) {
            tp.ackQuick = quickacks;
        }
    }

    /** Linux: {@code tcp_enter_quickack_mode()}. */
    void enterQuickackMode(TcpSock tp, int maxQuickacks) {
        incrQuickack(tp, maxQuickacks);
        tp.ackPingpong = 0;
        tp.ackAto = TcpTimer.TCP_ATO_MIN_MS;
    }

    /** Linux: {@code tcp_in_quickack_mode()}. */
    static boolean inQuickackMode(TcpSock tp) {
        return tp.ackQuick != 0 && tp.ackPingpong == 0;
    }

    /**
     * Linux: {@code tcp_grow_window()}: raises {@code rcv_ssthresh}, the window we are willing to
     * offer, as segments that use the buffer well arrive.
     */
    void growWindow(TcpSock tp, SkBuff skb, boolean adjust) {
        int room = Math.min(tp.windowClamp, TcpWindow.space(tp)) - tp.rcvSsthresh;
        if (room <= 0) {
            return;
        }
        int truesize = skb.truesize;
        int incr;
        if (TcpWindow.winFromSpace(tp, truesize) <= skb.len()) {
            incr = 2 * tp.advmss;
        } else {
            int ts = TcpWindow.winFromSpace(tp, truesize) >> 1;
            int window = TcpWindow.winFromSpace(tp, tp.sysctl.tcpRmem[2]) >> 1;
            incr = 0;
            while (tp.rcvSsthresh <= window) {
                if (ts <= skb.len()) {
                    incr = 2 * tp.ackRcvMss;
                    break;
                }
                ts >>= 1;
                window >>= 1;
            }
        }
        if (incr != 0) {
            incr = Math.max(incr, 2 * skb.len());
            tp.rcvSsthresh += Math.min(room, incr);
            tp.ackQuick |= 1;
        }
    }

    // ================================================================ receiver RTT and autotuning

    /** Linux: {@code tcp_rcv_rtt_update()}. */
    static void rcvRttUpdate(TcpSock tp, int sample, boolean winDep) {
        int newSample = tp.rcvRttEstRttUs;
        long m = sample;
        if (newSample != 0) {
            if (!winDep) {
                m -= newSample >>> 3;
                newSample += (int) m;
            } else {
                m <<= 3;
                if (m < newSample) {
                    newSample = (int) m;
                }
            }
        } else {
            newSample = (int) (m << 3);
        }
        tp.rcvRttEstRttUs = newSample;
    }

    /** Linux: {@code tcp_rcv_rtt_measure()}: without timestamps, one window's worth of time. */
    private void rcvRttMeasure(TcpSock tp) {
        long now = tcp.nowUs();
        if (tp.rcvRttEstTimeUs != 0) {
            if (before(tp.rcvNxt, tp.rcvRttEstSeq)) {
                return;
            }
            long delta = now - tp.rcvRttEstTimeUs;
            rcvRttUpdate(tp, (int) Math.max(delta, 1), true);
        }
        tp.rcvRttEstSeq = tp.rcvNxt + tp.rcvWnd;
        tp.rcvRttEstTimeUs = now;
    }

    /** Linux: {@code tcp_rcv_rtt_measure_ts()}. */
    void rcvRttMeasureTs(TcpSock tp, SkBuff skb) {
        if (tp.rcvTsecr == tp.rcvRttLastTsecr) {
            return;
        }
        tp.rcvRttLastTsecr = tp.rcvTsecr;
        if (endSeq(skb) - seq(skb) >= tp.ackRcvMss) {
            int deltaMs = (int) (tcp.nowMs() - tp.rcvTsecr);
            if (deltaMs >= 0 && deltaMs < Integer.MAX_VALUE / 1000) {
                rcvRttUpdate(tp, Math.max(deltaMs, 1) * 1000, false);
            }
        }
    }

    /**
     * Linux: {@code tcp_rcv_space_adjust()}: receive buffer autotuning (Dynamic Right-Sizing):
     * the buffer grows to what the application read in one RTT, with room for loss and slow start.
     */
    void rcvSpaceAdjust(TcpSock tp) {
        long now = tcp.nowUs();
        long time = now - tp.rcvqSpaceTimeUs;
        if (time < (tp.rcvRttEstRttUs >>> 3) || tp.rcvRttEstRttUs == 0) {
            return;
        }
        int copied = tp.copiedSeq - tp.rcvqSpaceSeq;
        if (copied > tp.rcvqSpaceSpace) {
            if (tp.sysctl.moderateRcvbuf != 0 && (tp.userlocks & Sock.SOCK_RCVBUF_LOCK) == 0) {
                long rcvwin = ((long) copied << 1) + 16L * tp.advmss;
                long grow = rcvwin * (copied - tp.rcvqSpaceSpace) / Math.max(tp.rcvqSpaceSpace, 1);
                rcvwin += grow << 1;
                long rcvbuf = Math.min(TcpWindow.spaceFromWin(tp, (int) Math.min(rcvwin, Integer.MAX_VALUE)),
                        tp.sysctl.tcpRmem[2]);
                if (rcvbuf > tp.rcvbuf) {
                    tp.rcvbuf = (int) rcvbuf;
                    tp.windowClamp = TcpWindow.winFromSpace(tp, (int) rcvbuf);
                }
            }
            tp.rcvqSpaceSpace = copied;
        }
        tp.rcvqSpaceSeq = tp.copiedSeq;
        tp.rcvqSpaceTimeUs = now;
    }

    // ================================================================ ACK decisions

    /** Linux: {@code tcp_ack_snd_check()}. */
    void ackSndCheck(TcpSock tp) {
        if ((tp.ackPending & ICSK_ACK_SCHED) == 0) {
            return;
        }
        ackSndCheck(tp, true);
    }

    /**
     * Linux: {@code __tcp_ack_snd_check()}: ACK now when more than one full segment arrived and
     * the window would not shrink, in quick-ACK mode, or when told to; otherwise delay the ACK,
     * unless out-of-order data is queued (then SACK compression may hold a few duplicate ACKs).
     */
    void ackSndCheck(TcpSock tp, boolean ofoPossible) {
        if (((tp.rcvNxt - tp.rcvWup) > tp.ackRcvMss
                && (tp.rcvNxt - tp.copiedSeq < tp.rcvlowat
                || tcp.window.selectWindowInner(tp) >= tp.rcvWnd))
                || inQuickackMode(tp)
                || (tp.ackPending & ICSK_ACK_NOW) != 0) {
            if (tp.ownedByUser() && tp.sysctl.backlogAckDefer != 0 && tcp.proto().inBacklog(tp)) {
                tp.tsqFlags |= TCP_ACK_DEFERRED;
                return;
            }
            tcp.output.sendAck(tp);
            return;
        }
        if (!ofoPossible || tp.ofoQueue.isEmpty()) {
            tcp.output.sendDelayedAck(tp);
            return;
        }
        if (!tp.isSack() || tp.compressedAck >= tp.sysctl.compSackNr) {
            tcp.output.sendAck(tp);
            return;
        }
        if (tp.compressedAckRcvNxt != tp.rcvNxt) {
            tp.compressedAckRcvNxt = tp.rcvNxt;
            tp.dupAckCounter = 0;
        }
        if (tp.dupAckCounter < Tcp.TCP_FASTRETRANS_THRESH) {
            tp.dupAckCounter++;
            tcp.output.sendAck(tp);
            return;
        }
        tp.compressedAck++;
        if (tp.compressedAckTimer.pending()) {
            return;
        }
        long rtt = tp.rcvRttEstRttUs;
        if (tp.srttUs != 0 && tp.srttUs < rtt) {
            rtt = tp.srttUs;
        }
        long delay = Math.min(tp.sysctl.compSackDelayNs, rtt * (1000 >> 3) / 20);
        tcp.net().timers().modTimer(tp.compressedAckTimer, tcp.nowNs() + delay);
    }

    /** Linux: {@code tcp_sack_compress_send_ack()}. */
    void sackCompressSendAck(TcpSock tp) {
        if (tp.compressedAck == 0) {
            return;
        }
        tcp.net().timers().delTimer(tp.compressedAckTimer);
        ext.add(TcpMib.ACK_COMPRESSED, tp.compressedAck - 1);
        tp.compressedAck = 0;
        tcp.output.sendAck(tp);
    }

    /**
     * Linux: {@code tcp_send_dupack()}: answers an unacceptable segment; old data means our ACK was
     * lost, so quick-ACK mode and a D-SACK.
     */
    void sendDupack(TcpSock tp, SkBuff skb) {
        if (endSeq(skb) != seq(skb) && before(seq(skb), tp.rcvNxt)) {
            ext.inc(TcpMib.DELAYED_ACK_LOST);
            enterQuickackMode(tp, Tcp.TCP_MAX_QUICKACKS);
            if (tp.isSack() && tp.sysctl.dsack != 0) {
                int end = endSeq(skb);
                if (after(end, tp.rcvNxt)) {
                    end = tp.rcvNxt;
                }
                tcp.inputData.dsackSet(tp, seq(skb), end);
            }
        }
        tcp.output.sendAck(tp);
    }
}
