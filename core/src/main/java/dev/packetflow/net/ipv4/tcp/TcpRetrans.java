package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.net.core.Mib;
import dev.packetflow.net.core.SkBuff;

import static dev.packetflow.net.ipv4.tcp.TcpHeader.*;
import static dev.packetflow.net.ipv4.tcp.TcpSock.*;
import static dev.packetflow.net.ipv4.tcp.TcpSkbCb.*;

/**
 * Sending again: retransmission of lost segments (RFC 6298, RFC 6675 with the scoreboard), the
 * tail loss probe (RACK-TLP, RFC 8985), window probes and keepalive probes. Linux:
 * {@code net/ipv4/tcp_output.c} ({@code __tcp_retransmit_skb()}, {@code tcp_retransmit_skb()},
 * {@code tcp_xmit_retransmit_queue()}, {@code tcp_schedule_loss_probe()},
 * {@code tcp_send_loss_probe()}, {@code tcp_write_wakeup()}, {@code tcp_xmit_probe_skb()}).
 */
final class TcpRetrans {
    private final Tcp tcp;
    private final Mib mib;
    private final Mib ext;

    TcpRetrans(Tcp tcp) {
        this.tcp = tcp;
        this.mib = tcp.mib();
        this.ext = tcp.extMib();
    }

    // ================================================================ retransmission

    /**
     * Linux: {@code __tcp_retransmit_skb()}: sends {@code skb} again, trimmed to what is still
     * unacknowledged and cut to {@code segs} segments of the current MSS and to the peer's window.
     * Returns 0 or -errno.
     */
    int retransmitSkbInner(TcpSock tp, SkBuff skb, int segs) {
        if (before(seq(skb), tp.sndUna)) {
            if ((flags(skb) & SYN) != 0) {
                setFlags(skb, flags(skb) & ~SYN);
                skb.cb0++;
            }
            if (before(seq(skb), tp.sndUna)) {
                if (before(endSeq(skb), tp.sndUna)) {
                    return -dev.packetflow.net.socket.Errno.EINVAL.code;
                }
                tcp.input.trimHead(tp, skb, tp.sndUna - seq(skb));
            }
        }
        if (tp.dst == null && tcp.ipv4.rebuildHeader(tp) == null) {
            return -dev.packetflow.net.socket.Errno.EHOSTUNREACH.code;
        }
        int curMss = tcp.window.currentMss(tp);
        int availWnd = tp.wndEnd() - seq(skb);
        if (availWnd <= 0) {
            if (seq(skb) != tp.sndUna) {
                return -dev.packetflow.net.socket.Errno.EAGAIN.code;
            }
            availWnd = curMss;
        }
        int len = curMss * Math.max(segs, 1);
        if (len > availWnd) {
            len = availWnd / curMss * curMss;
            if (len == 0) {
                len = availWnd;
            }
        }
        if (skb.len() > len) {
            if (tcp.output.fragment(tp, skb, len, curMss) < 0) {
                return -dev.packetflow.net.socket.Errno.ENOMEM.code;
            }
        } else if (skb.len() > 0) {
            int diff = pcount(skb);
            setTsoSegs(skb, curMss);
            TcpOutput.adjustPcount(tp, skb, diff - pcount(skb));
        }
        segs = pcount(skb);
        mib.add(TcpMib.RETRANS_SEGS, segs);
        if ((flags(skb) & SYN) != 0) {
            ext.inc(TcpMib.SYN_RETRANS);
        }
        tp.totalRetrans += segs;
        tp.bytesRetrans += skb.len();
        int err = tcp.output.transmitSkb(tp, skb, true);
        setSacked(skb, sacked(skb) | TCPCB_EVER_RETRANS);
        if (Tcp.TP_TCP_RETRANSMIT_SKB.enabled) {
            Tcp.TP_TCP_RETRANSMIT_SKB.fire(tcp.net(), skb, err);
        }
        return err;
    }

    /** Linux: {@code tcp_retransmit_skb()}: with the scoreboard and undo bookkeeping. */
    int retransmitSkb(TcpSock tp, SkBuff skb, int segs) {
        int err = retransmitSkbInner(tp, skb, segs);
        if (err == 0) {
            if ((sacked(skb) & TCPCB_SACKED_RETRANS) == 0) {
                tp.retransOut += pcount(skb);
            }
            setSacked(skb, sacked(skb) | TCPCB_SACKED_RETRANS | TCPCB_EVER_RETRANS);
        }
        if (tp.retransStamp == 0) {
            tp.retransStamp = Math.max(1, (int) (skb.cbl0 / 1000));
        }
        if (tp.undoRetrans < 0) {
            tp.undoRetrans = 0;
        }
        tp.undoRetrans += pcount(skb);
        return err;
    }

    /**
     * Linux: {@code tcp_xmit_retransmit_queue()}: retransmits the segments marked lost, oldest
     * first, while the congestion window allows.
     */
    void xmitRetransmitQueue(TcpSock tp) {
        if (tp.packetsOut == 0) {
            return;
        }
        SkBuff rtxHead = tp.rtxHead();
        SkBuff skb = tp.retransmitHint != null ? tp.retransmitHint : rtxHead;
        SkBuff hole = null;
        boolean rearm = false;
        while (skb != null && skb != tp.sendHead) {
            SkBuff next = skb.next;
            if (hole == null) {
                tp.retransmitHint = skb;
            }
            int segs = tp.sndCwnd - tp.packetsInFlight();
            if (segs <= 0) {
                break;
            }
            int sacked = sacked(skb);
            if (tp.retransOut >= tp.lostOut) {
                break;
            } else if ((sacked & TCPCB_LOST) == 0) {
                if (hole == null && (sacked & (TCPCB_SACKED_RETRANS | TCPCB_SACKED_ACKED)) == 0) {
                    hole = skb;
                }
                skb = next;
                continue;
            }
            int mibIdx = tp.caState != TCP_CA_LOSS ? TcpMib.FAST_RETRANS : TcpMib.SLOW_START_RETRANS;
            if ((sacked & (TCPCB_SACKED_ACKED | TCPCB_SACKED_RETRANS)) != 0) {
                skb = next;
                continue;
            }
            if (retransmitSkb(tp, skb, segs) != 0) {
                break;
            }
            ext.add(mibIdx, pcount(skb));
            if (tp.inCwndReduction()) {
                tp.prrOut += pcount(skb);
            }
            if (skb == rtxHead && tp.pending != ICSK_TIME_REO_TIMEOUT) {
                rearm = true;
            }
            skb = skb.next;
        }
        if (rearm) {
            tcp.timer.resetXmitTimer(tp, ICSK_TIME_RETRANS, tp.rto);
        }
    }

    // ================================================================ probes

    /**
     * Linux: {@code tcp_schedule_loss_probe()} (RACK-TLP, RFC 8985 7.2): a probe timeout of two
     * smoothed RTTs (plus the delayed-ACK allowance when one packet is out), for SACK connections
     * in Open or CWR.
     */
    boolean scheduleLossProbe(TcpSock tp, boolean advancingRto) {
        int er = tp.sysctl.earlyRetrans;
        if ((er != 3 && er != 4) || tp.packetsOut == 0 || !tp.isSack()
                || (tp.caState != TCP_CA_OPEN && tp.caState != TCP_CA_CWR)) {
            return false;
        }
        long timeoutUs;
        if (tp.srttUs != 0) {
            timeoutUs = (tp.srttUs >>> 2);
            timeoutUs += tp.packetsOut == 1 ? TcpTimer.TCP_RTO_MIN_MS * 1000L : TcpTimer.timeoutMinMs(tp) * 1000L;
        } else {
            timeoutUs = TcpTimer.TCP_TIMEOUT_INIT_MS * 1000L;
        }
        int timeoutMs = TcpOutput.usToMs(tp, timeoutUs);
        long rtoDeltaUs = advancingRto ? tp.rto * 1000L : tcp.timer.rtoDeltaUs(tp);
        if (rtoDeltaUs > 0) {
            timeoutMs = Math.min(timeoutMs, TcpOutput.usToMs(tp, rtoDeltaUs));
        }
        tcp.timer.resetXmitTimer(tp, ICSK_TIME_LOSS_PROBE, timeoutMs);
        return true;
    }

    /**
     * Linux: {@code tcp_send_loss_probe()}: new data if the window allows, else the last sent
     * segment again; one probe per episode.
     */
    void sendLossProbe(TcpSock tp) {
        if (tp.tlpHighSeq != 0) {
            tcp.timer.rearmRto(tp);
            return;
        }
        tp.tlpRetrans = false;
        int mss = tcp.window.currentMss(tp);
        SkBuff skb = tp.sendHead;
        if (skb != null && TcpOutput.sndWndTest(tp, skb, mss)) {
            int pcount = tp.packetsOut;
            tcp.output.writeXmit(tp, mss, TCP_NAGLE_OFF, 2);
            if (tp.packetsOut > pcount) {
                probeSent(tp);
                return;
            }
            tcp.timer.rearmRto(tp);
            return;
        }
        skb = tp.rtxTail();
        if (skb == null) {
            tp.pending = 0;
            return;
        }
        // the probe is the last segment: a multi-segment skb gives up its tail
        int pcount = pcount(skb);
        if (pcount > 1 && skb.len() > (pcount - 1) * mss) {
            if (tcp.output.fragment(tp, skb, (pcount - 1) * mss, mss) < 0) {
                tcp.timer.rearmRto(tp);
                return;
            }
            skb = skb.next;
        }
        if (retransmitSkb(tp, skb, 1) != 0) {
            tcp.timer.rearmRto(tp);
            return;
        }
        tp.tlpRetrans = true;
        probeSent(tp);
    }

    private void probeSent(TcpSock tp) {
        tp.tlpHighSeq = tp.sndNxt;
        ext.inc(TcpMib.LOSS_PROBES);
        tp.pending = 0;
        tcp.timer.rearmRto(tp);
    }

    /**
     * Linux: {@code tcp_write_wakeup()}: a zero-window probe or keepalive. Sends the start of the
     * send head if the window has any room, else a bare ACK with an old sequence number that makes
     * the peer answer. Returns 0 or -errno, -1 if nothing could be sent.
     */
    int writeWakeup(TcpSock tp, int mibIdx) {
        if (tp.state == TCP_CLOSE) {
            return -1;
        }
        SkBuff skb = tp.sendHead;
        if (skb != null && before(seq(skb), tp.wndEnd())) {
            int mss = tcp.window.currentMss(tp);
            int segSize = tp.wndEnd() - seq(skb);
            if (before(tp.pushedSeq, endSeq(skb))) {
                tp.pushedSeq = endSeq(skb);
            }
            if (segSize < endSeq(skb) - seq(skb) || skb.len() > mss) {
                segSize = Math.min(segSize, mss);
                orFlags(skb, PSH);
                if (tcp.output.fragment(tp, skb, segSize, mss) < 0) {
                    return -1;
                }
            }
            orFlags(skb, PSH);
            int err = tcp.output.transmitSkb(tp, skb, true);
            if (err == 0) {
                tcp.output.eventNewDataSent(tp, skb);
            }
            return err;
        }
        return xmitProbeSkb(tp, false, mibIdx);
    }

    /** Linux: {@code tcp_xmit_probe_skb()}: ACK with sequence {@code snd_una - 1}. */
    int xmitProbeSkb(TcpSock tp, boolean urgent, int mibIdx) {
        SkBuff skb = tcp.net().pool().alloc(TcpOutput.MAX_TCP_HEADER);
        if (skb == null) {
            return -1;
        }
        skb.reserve(TcpOutput.MAX_TCP_HEADER);
        int seq = tp.sndUna - (urgent ? 0 : 1);
        TcpSkbCb.init(skb, seq, seq, ACK);
        ext.inc(mibIdx);
        return tcp.output.transmitSkb(tp, skb, false);
    }
}
