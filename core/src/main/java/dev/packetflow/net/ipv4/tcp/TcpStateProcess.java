package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.Mib;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.socket.Sock;

import static dev.packetflow.net.ipv4.tcp.TcpHeader.*;
import static dev.packetflow.net.ipv4.tcp.TcpSock.*;
import static dev.packetflow.net.ipv4.tcp.TcpSkbCb.*;
import static dev.packetflow.net.socket.Uapi.*;

/**
 * Segments for a socket that is not (yet, or no longer) ESTABLISHED: the SYN_SENT processing of
 * the SYN-ACK (or a simultaneous open), SYN_RECV, the FIN states, LAST_ACK and CLOSING, and the
 * start of a connection (buffer space, receive MSS estimate, congestion control).
 * Linux: {@code net/ipv4/tcp_input.c} ({@code tcp_rcv_state_process()},
 * {@code tcp_rcv_synsent_state_process()}, {@code tcp_finish_connect()},
 * {@code tcp_init_transfer()}, {@code tcp_init_buffer_space()}, {@code tcp_initialize_rcv_mss()}).
 */
final class TcpStateProcess {
    private final Tcp tcp;
    private final Mib ext;

    TcpStateProcess(Tcp tcp) {
        this.tcp = tcp;
        this.ext = tcp.extMib();
    }

    // ================================================================ other states

    /**
     * Linux: {@code tcp_rcv_state_process()}: every state but ESTABLISHED, LISTEN and TIME_WAIT
     * (LISTEN is handled by {@link TcpIpv4}). Returns null when it took the skb, else the reason
     * the caller answers with a reset and drops it with (Linux returns the drop reason too).
     */
    DropReason rcvStateProcess(TcpSock tp, SkBuff skb) {
        int th = skb.data;
        int flags = TcpHeader.flags(skb, th);
        switch (tp.state) {
            case TCP_CLOSE -> {
                Skb.kfreeSkb(tcp.net(), skb, DropReason.TCP_CLOSE);
                return null;
            }
            case TCP_SYN_SENT -> {
                tp.sawTstamp = false;
                int r = rcvSynsentStateProcess(tp, skb, th, flags);
                if (r > 0) {
                    return DropReason.of(r - 1);
                }
                if (r == 0) {
                    return null;
                }
                Skb.consumeSkb(skb);
                tcp.input.dataSndCheck(tp);
                return null;
            }
            default -> {
            }
        }
        tp.sawTstamp = false;
        if ((flags & (ACK | RST | SYN)) == 0) {
            Skb.kfreeSkb(tcp.net(), skb, DropReason.TCP_FLAGS);
            return null;
        }
        if (!tcp.input.validateIncoming(tp, skb, th, false)) {
            return null;
        }
        int r = tcp.inputAck.ack(tp, skb,
                TcpInputAck.FLAG_SLOWPATH | TcpInputAck.FLAG_UPDATE_TS_RECENT | TcpInputAck.FLAG_NO_CHALLENGE_ACK);
        if (r <= 0) {
            if (tp.state == TCP_SYN_RECV) {
                return r == 0 ? DropReason.TCP_OLD_ACK : TcpInputAck.dropReason(r);
            }
            if (r < 0) {
                tcp.input.sendChallengeAck(tp);
                Skb.kfreeSkb(tcp.net(), skb, TcpInputAck.dropReason(r));
                return null;
            }
        }
        switch (tp.state) {
            case TCP_SYN_RECV -> {
                tp.delivered++;
                if (tp.srttUs == 0) {
                    tcp.inputAck.ackUpdateRtt(tp, TcpInputAck.FLAG_SYN_ACKED, -1, -1, -1);
                }
                tp.retransStamp = 0;
                initTransfer(tp);
                tp.copiedSeq = tp.rcvNxt;
                tcp.proto().setState(tp, TCP_ESTABLISHED);
                tp.skStateChange();
                tp.sndUna = ackSeq(skb);
                tp.sndWnd = TcpHeader.window(skb, th) << tp.sndWscale;
                tp.sndWl1 = seq(skb);
                if (tp.tstampOk) {
                    tp.advmss -= TCPOLEN_TSTAMP_ALIGNED;
                }
                tp.lsndtimeMs = tcp.nowMs();
                initializeRcvMss(tp);
                TcpInput.fastPathOn(tp);
                if ((tp.shutdown & SEND_SHUTDOWN) != 0) {
                    tcp.proto().shutdown(tp, SEND_SHUTDOWN);
                }
            }
            case TCP_FIN_WAIT1 -> {
                if (tp.sndUna == tp.writeSeq) {
                    tcp.proto().setState(tp, TCP_FIN_WAIT2);
                    tp.shutdown |= SEND_SHUTDOWN;
                    if (!tp.isDead()) {
                        tp.skStateChange();
                    } else {
                        if (tp.linger2 < 0) {
                            tcp.proto().done(tp);
                            ext.inc(TcpMib.ABORT_ON_DATA);
                            return DropReason.TCP_ABORT_ON_DATA;
                        }
                        if (endSeq(skb) != seq(skb) && after(endSeq(skb) - ((flags & FIN) != 0 ? 1 : 0), tp.rcvNxt)) {
                            tcp.proto().done(tp);
                            ext.inc(TcpMib.ABORT_ON_DATA);
                            return DropReason.TCP_ABORT_ON_DATA;
                        }
                        int tmo = tp.finTimeMs();
                        if (tmo > TcpTimer.TCP_TIMEWAIT_LEN_MS) {
                            tcp.timer.resetKeepalive(tp, tmo - TcpTimer.TCP_TIMEWAIT_LEN_MS);
                        } else if ((flags & FIN) != 0 || tp.ownedByUser()) {
                            tcp.timer.resetKeepalive(tp, tmo);
                        } else {
                            tcp.minisocks.timeWait(tp, TCP_FIN_WAIT2, tmo);
                            Skb.consumeSkb(skb);
                            return null;
                        }
                    }
                }
            }
            case TCP_CLOSING -> {
                if (tp.sndUna == tp.writeSeq) {
                    tcp.minisocks.timeWait(tp, TCP_TIME_WAIT, 0);
                    Skb.consumeSkb(skb);
                    return null;
                }
            }
            case TCP_LAST_ACK -> {
                if (tp.sndUna == tp.writeSeq) {
                    tcp.proto().done(tp);
                    Skb.consumeSkb(skb);
                    return null;
                }
            }
            default -> {
            }
        }
        boolean queued = false;
        switch (tp.state) {
            case TCP_CLOSE_WAIT, TCP_CLOSING, TCP_LAST_ACK -> {
                if (!before(seq(skb), tp.rcvNxt)) {
                    break;
                }
                queued = queueInFinStates(tp, skb, flags);
                if (!queued) {
                    return DropReason.TCP_ABORT_ON_DATA;
                }
            }
            case TCP_FIN_WAIT1, TCP_FIN_WAIT2 -> {
                queued = queueInFinStates(tp, skb, flags);
                if (!queued) {
                    return DropReason.TCP_ABORT_ON_DATA;
                }
            }
            case TCP_ESTABLISHED -> {
                tcp.inputData.dataQueue(tp, skb);
                queued = true;
            }
            default -> {
            }
        }
        if (tp.state != TCP_CLOSE) {
            tcp.input.dataSndCheck(tp);
            tcp.ackPolicy.ackSndCheck(tp);
        }
        if (!queued) {
            Skb.consumeSkb(skb);
        }
        return null;
    }

    /**
     * RFC 1122 4.2.2.13: data arriving after the application shut the receive side resets the
     * connection. Returns false when the connection was reset (the caller answers with RST).
     */
    private boolean queueInFinStates(TcpSock tp, SkBuff skb, int flags) {
        if ((tp.shutdown & RCV_SHUTDOWN) != 0) {
            if (endSeq(skb) != seq(skb) && after(endSeq(skb) - ((flags & FIN) != 0 ? 1 : 0), tp.rcvNxt)) {
                ext.inc(TcpMib.ABORT_ON_DATA);
                tcp.input.reset(tp);
                return false;
            }
        }
        tcp.inputData.dataQueue(tp, skb);
        return true;
    }

    /**
     * Linux: {@code tcp_rcv_synsent_state_process()}. Returns {@link #resetAndUndo} (positive) when
     * the caller must send a reset and drop the skb (the reason is {@code DropReason.of(r - 1)}), 0
     * when the segment was consumed, -1 when the caller consumes it and checks for data to send (the
     * handshake completed).
     */
    private int rcvSynsentStateProcess(TcpSock tp, SkBuff skb, int th, int flags) {
        TcpOptions opt = new TcpOptions();
        opt.mssClamp = tp.mssClamp;
        opt.parse(skb, th, false, false, tp.sysctl.sack != 0, tp.sysctl, tp.userMss);
        if (opt.sawTstamp && opt.rcvTsecr != 0) {
            opt.rcvTsecr -= tp.tsOffset;
        }
        if ((flags & ACK) != 0) {
            int ack = ackSeq(skb);
            if (!after(ack, tp.sndUna) || after(ack, tp.sndNxt)) {
                if (tp.retransmits == 0) {
                    tcp.timer.resetXmitTimer(tp, ICSK_TIME_RETRANS, TcpTimer.timeoutMinMs(tp));
                }
                return resetAndUndo(DropReason.TCP_INVALID_ACK_SEQUENCE);
            }
            if (opt.sawTstamp && opt.rcvTsecr != 0
                    && !between(opt.rcvTsecr, tp.retransStamp, (int) tcp.nowMs())) {
                ext.inc(TcpMib.PAWS_ACTIVE);
                return resetAndUndo(DropReason.TCP_RFC7323_PAWS);
            }
            if ((flags & RST) != 0) {
                tcp.input.reset(tp);
                Skb.consumeSkb(skb);
                return 0;
            }
            if ((flags & SYN) == 0) {
                return drop(skb, DropReason.TCP_FLAGS);
            }
            // Our SYN is acknowledged: the connection is established (RFC 9293 3.10.7.3).
            tp.sawTstamp = opt.sawTstamp;
            tp.rcvTsval = opt.rcvTsval;
            tp.rcvTsecr = opt.rcvTsecr;
            tp.sackOk = opt.sackOk ? TCP_SACK_SEEN : 0;
            tp.wscaleOk = opt.wscaleOk;
            tp.sndWscale = opt.sndWscale;
            if (opt.mssClamp != 0) {
                tp.mssClamp = opt.mssClamp;
            }
            tp.sndWl1 = seq(skb);
            tcp.inputAck.ack(tp, skb, TcpInputAck.FLAG_SLOWPATH);
            tp.rcvNxt = seq(skb) + 1;
            tp.rcvWup = seq(skb) + 1;
            tp.irs = seq(skb);
            tp.sndWnd = TcpHeader.window(skb, th);
            if (!tp.wscaleOk) {
                tp.sndWscale = 0;
                tp.rcvWscale = 0;
                tp.windowClamp = Math.min(tp.windowClamp, 65535);
            }
            if (tp.sawTstamp) {
                tp.tstampOk = true;
                tp.tcpHeaderLen = MIN_LEN + TCPOLEN_TSTAMP_ALIGNED;
                tp.advmss -= TCPOLEN_TSTAMP_ALIGNED;
                tcp.input.storeTsRecent(tp);
            } else {
                tp.tcpHeaderLen = MIN_LEN;
            }
            tcp.window.syncMss(tp, tp.pmtuCookie);
            initializeRcvMss(tp);
            tp.copiedSeq = tp.rcvNxt;
            finishConnect(tp);
            if (!tp.isDead()) {
                tp.skStateChange();
                tp.skWriteSpace();
            }
            if (tp.writePending || tp.deferAccept != 0 || tp.ackPingpong >= 1) {
                tp.ackPending |= ICSK_ACK_SCHED;
                tcp.ackPolicy.enterQuickackMode(tp, Tcp.TCP_MAX_QUICKACKS);
                tcp.timer.resetDelack(tp, TcpTimer.TCP_DELACK_MAX_MS);
                Skb.consumeSkb(skb);
                return 0;
            }
            tcp.output.sendAck(tp);
            return -1;
        }
        if ((flags & RST) != 0) {
            return drop(skb, DropReason.TCP_RESET);
        }
        if (tp.tsRecentStampSec != 0 && opt.sawTstamp) {
            tp.rcvTsval = opt.rcvTsval;
            if (tcp.input.pawsReject(tp, false)) {
                return drop(skb, DropReason.TCP_RFC7323_PAWS);
            }
        }
        if ((flags & SYN) != 0) {
            // Simultaneous open (RFC 9293 3.5, figure 7): crossed SYNs; answer with SYN-ACK.
            tcp.proto().setState(tp, TCP_SYN_RECV);
            tp.sawTstamp = opt.sawTstamp;
            tp.rcvTsval = opt.rcvTsval;
            tp.rcvTsecr = opt.rcvTsecr;
            tp.sackOk = opt.sackOk ? TCP_SACK_SEEN : 0;
            tp.wscaleOk = opt.wscaleOk;
            tp.sndWscale = opt.sndWscale;
            if (opt.mssClamp != 0) {
                tp.mssClamp = opt.mssClamp;
            }
            if (!tp.wscaleOk) {
                tp.sndWscale = 0;
                tp.rcvWscale = 0;
            }
            if (tp.sawTstamp) {
                tp.tstampOk = true;
                tcp.input.storeTsRecent(tp);
                tp.tcpHeaderLen = MIN_LEN + TCPOLEN_TSTAMP_ALIGNED;
            } else {
                tp.tcpHeaderLen = MIN_LEN;
            }
            tp.rcvNxt = seq(skb) + 1;
            tp.copiedSeq = tp.rcvNxt;
            tp.rcvWup = seq(skb) + 1;
            tp.irs = seq(skb);
            tp.sndWnd = TcpHeader.window(skb, th);
            tp.sndWl1 = seq(skb);
            tp.maxWindow = tp.sndWnd;
            tcp.window.syncMss(tp, tp.pmtuCookie);
            initializeRcvMss(tp);
            tcp.output.sendSynack(tp);
            Skb.consumeSkb(skb);
            return 0;
        }
        // "fifth, if neither of the SYN or RST bits is set then drop the segment and return"
        return drop(skb, DropReason.TCP_FLAGS);
    }

    private int drop(SkBuff skb, DropReason reason) {
        Skb.kfreeSkb(tcp.net(), skb, reason);
        return 0;
    }

    /**
     * Linux: the {@code reset_and_undo} label: the caller answers with a reset (none to a RST) and
     * drops the skb for {@code reason}.
     */
    private static int resetAndUndo(DropReason reason) {
        return reason.ordinal() + 1;
    }

    // ================================================================ establishing

    /** Linux: {@code tcp_finish_connect()}: an active open completed. */
    void finishConnect(TcpSock tp) {
        tcp.proto().setState(tp, TCP_ESTABLISHED);
        tp.ackLrcvtimeMs = tcp.nowMs();
        initTransfer(tp);
        tp.lsndtimeMs = tcp.nowMs();
        if (tp.keepopen) {
            tcp.timer.resetKeepalive(tp, tp.keepaliveTimeWhenMs());
        }
        if (tp.sndWscale == 0) {
            TcpInput.fastPathOn(tp);
        } else {
            tp.predFlags = 0;
        }
    }

    /** Linux: {@code tcp_init_transfer()}: initial window (RFC 6928: 10 segments), congestion control, buffers. */
    void initTransfer(TcpSock tp) {
        if (tp.totalRetrans > 1 && tp.undoMarker != 0) {
            tp.sndCwnd = 1;
        } else {
            tp.sndCwnd = Math.min(Tcp.TCP_INIT_CWND, tp.sndCwndClamp);
        }
        tp.sndCwndStampMs = tcp.nowMs();
        if (!tp.caInitialized) {
            tp.ca.init(tp);
            tp.caInitialized = true;
        }
        initBufferSpace(tp);
    }

    /** Linux: {@code tcp_init_buffer_space()}. */
    private void initBufferSpace(TcpSock tp) {
        int appWin = tp.sysctl.appWin;
        if ((tp.userlocks & Sock.SOCK_SNDBUF_LOCK) == 0) {
            tcp.input.sndbufExpand(tp);
        }
        tp.rcvqSpaceTimeUs = tcp.nowUs();
        tp.rcvqSpaceSeq = tp.copiedSeq;
        int maxwin = TcpWindow.fullSpace(tp);
        if (tp.windowClamp >= maxwin) {
            tp.windowClamp = maxwin;
            if (appWin != 0 && maxwin > 4 * tp.advmss) {
                tp.windowClamp = Math.max(maxwin - (maxwin >> appWin), 4 * tp.advmss);
            }
        }
        if (appWin != 0 && tp.windowClamp > 2 * tp.advmss && tp.windowClamp + tp.advmss > maxwin) {
            tp.windowClamp = Math.max(2 * tp.advmss, maxwin - tp.advmss);
        }
        tp.rcvSsthresh = Math.min(tp.rcvSsthresh, tp.windowClamp);
        tp.sndCwndStampMs = tcp.nowMs();
        tp.rcvqSpaceSpace = Math.min(Math.min(tp.rcvSsthresh, tp.rcvWnd), Tcp.TCP_INIT_CWND * tp.advmss);
    }

    /** Linux: {@code tcp_initialize_rcv_mss()}: underestimate the peer's MSS; measuring corrects it. */
    void initializeRcvMss(TcpSock tp) {
        int hint = Math.min(tp.advmss, tp.mssCache);
        hint = Math.min(hint, tp.rcvWnd / 2);
        hint = Math.min(hint, Tcp.TCP_MSS_DEFAULT);
        hint = Math.max(hint, Tcp.TCP_MIN_MSS);
        tp.ackRcvMss = hint;
    }
}
