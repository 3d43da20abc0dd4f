package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.Mib;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ipv4.InetChecksum;
import dev.packetflow.net.ipv4.Rtable;

import static dev.packetflow.net.ipv4.tcp.TcpHeader.*;
import static dev.packetflow.net.ipv4.tcp.TcpSock.*;
import static dev.packetflow.net.ipv4.tcp.TcpSkbCb.*;

/**
 * Sending segments: building headers with Linux's option layouts, choosing the window to
 * advertise, the MSS, and what may be sent now (congestion window, receive window, Nagle), ACKs
 * and delayed ACKs, FIN and RST, retransmission and the tail loss probe.
 *
 * <h2>Option layouts (Linux's {@code tcp_options_write()})</h2>
 * <pre>
 * SYN         mss 1460, sackOK + TS val ecr (one word: kinds 4 and 8 packed), nop, wscale 8
 * SYN, no TS  mss 1460, nop, nop, sackOK, nop, wscale 8
 * data/ACK    nop, nop, TS val ecr [, nop, nop, sack blocks ...]
 * </pre>
 * A D-SACK block, when there is one, is the first SACK block (RFC 2883).
 *
 * <p>Every function here runs with the socket lock held (see {@link TcpSock}). Linux:
 * {@code net/ipv4/tcp_output.c}.
 */
final class TcpOutput {
    /** Headroom reserved in every skb TCP builds: Linux's {@code MAX_TCP_HEADER}. */
    static final int MAX_TCP_HEADER = Skb.MAX_HEADER;

    private final Tcp tcp;
    private final Mib mib;
    private final Mib ext;
    /** Segmentation offload: size goals, super-packet sizing, splitting and deferral. */
    final TcpTso tso;

    TcpOutput(Tcp tcp) {
        this.tcp = tcp;
        this.mib = tcp.mib();
        this.ext = tcp.extMib();
        this.tso = new TcpTso(tcp, this);
    }

    // ================================================================ options

    /**
     * Linux: {@code tcp_established_options()}: the option bytes of a segment after the handshake
     * (aligned timestamps, SACK blocks that fit). Returns their length.
     */
    int establishedOptionsLen(TcpSock tp) {
        int size = 0;
        if (tp.tstampOk) {
            size += TCPOLEN_TSTAMP_ALIGNED;
        }
        int effSacks = tp.numSacks + (tp.dsack ? 1 : 0);
        if (effSacks > 0) {
            int remaining = MAX_TCP_OPTION_SPACE - size;
            int n = Math.min(effSacks, (remaining - 4) / TCPOLEN_SACK_PERBLOCK);
            if (n > 0) {
                size += 4 + n * TCPOLEN_SACK_PERBLOCK;
            }
        }
        return size;
    }

    /** Writes the established options at {@code o}; returns the bytes written. */
    private int writeEstablishedOptions(TcpSock tp, SkBuff s, int o, long nowUs) {
        int start = o;
        if (tp.tstampOk) {
            s.setU32(o, TSTAMP_ALIGNED_WORD);
            s.setU32(o + 4, tsval(tp, nowUs));
            s.setU32(o + 8, tp.tsRecent);
            o += 12;
        }
        int effSacks = tp.numSacks + (tp.dsack ? 1 : 0);
        if (effSacks > 0) {
            int remaining = MAX_TCP_OPTION_SPACE - (o - start);
            int n = Math.min(effSacks, (remaining - 4) / TCPOLEN_SACK_PERBLOCK);
            if (n > 0) {
                s.setU32(o, (TCPOPT_NOP << 24) | (TCPOPT_NOP << 16) | (TCPOPT_SACK << 8)
                        | (TCPOLEN_SACK_BASE + n * TCPOLEN_SACK_PERBLOCK));
                o += 4;
                int i = 0;
                if (tp.dsack) {
                    s.setU32(o, tp.duplicateSack[0]);
                    s.setU32(o + 4, tp.duplicateSack[1]);
                    o += 8;
                    i = 1;
                }
                for (int j = 0; i < n; i++, j++) {
                    s.setU32(o, tp.selectiveAcks[2 * j]);
                    s.setU32(o + 4, tp.selectiveAcks[2 * j + 1]);
                    o += 8;
                }
                tp.dsack = false;
            }
        }
        return o - start;
    }

    /** Length of the handshake options (SYN or SYN-ACK) given what is negotiated. */
    static int synOptionsLen(int mss, boolean ts, boolean sack, boolean ws) {
        int size = 0;
        if (mss > 0) {
            size += TCPOLEN_MSS_ALIGNED;
        }
        if (ts) {
            size += TCPOLEN_TSTAMP_ALIGNED;
        } else if (sack) {
            size += TCPOLEN_SACKPERM_ALIGNED;
        }
        if (ws) {
            size += TCPOLEN_WSCALE_ALIGNED;
        }
        return size;
    }

    /**
     * Linux: {@code tcp_options_write()} for SYN and SYN-ACK: MSS, then SACK_PERM packed with the
     * timestamp (or nop, nop, sackOK without timestamps), then nop, window scale. Returns bytes
     * written.
     */
    static int writeSynOptions(SkBuff s, int o, int mss, boolean ts, int tsval, int tsecr, boolean sack,
            int wscale) {
        int start = o;
        if (mss > 0) {
            s.setU32(o, (TCPOPT_MSS << 24) | (TCPOLEN_MSS << 16) | mss);
            o += 4;
        }
        if (ts) {
            if (sack) {
                s.setU32(o, (TCPOPT_SACK_PERM << 24) | (TCPOLEN_SACK_PERM << 16) | (TCPOPT_TIMESTAMP << 8)
                        | TCPOLEN_TIMESTAMP);
            } else {
                s.setU32(o, TSTAMP_ALIGNED_WORD);
            }
            s.setU32(o + 4, tsval);
            s.setU32(o + 8, tsecr);
            o += 12;
        } else if (sack) {
            s.setU32(o, (TCPOPT_NOP << 24) | (TCPOPT_NOP << 16) | (TCPOPT_SACK_PERM << 8) | TCPOLEN_SACK_PERM);
            o += 4;
        }
        if (wscale >= 0) {
            s.setU32(o, (TCPOPT_NOP << 24) | (TCPOPT_WINDOW << 16) | (TCPOLEN_WINDOW << 8) | wscale);
            o += 4;
        }
        return o - start;
    }

    /** Our TS clock (RFC 7323): 1 ms per tick plus the connection's random offset. */
    int tsval(TcpSock tp, long nowUs) {
        return (int) (nowUs / 1000) + tp.tsOffset;
    }

    // ================================================================ transmit

    /**
     * Linux: {@code __tcp_transmit_skb()}. Sends {@code skb} (a clone of it when
     * {@code cloneIt}: the original stays queued for retransmission; a private copy when a previous
     * clone still shares its buffer): pushes the TCP header and options, picks the window, counts,
     * checksums and hands the segment to {@code ip_queue_xmit}. Returns 0 or -errno.
     */
    int transmitSkb(TcpSock tp, SkBuff skb, boolean cloneIt, int rcvNxt) {
        long nowUs = tcp.nowUs();
        tp.lastXmitNs = tcp.nowNs();
        int flags = TcpSkbCb.flags(skb);
        int seq = TcpSkbCb.seq(skb);
        int endSeq = TcpSkbCb.endSeq(skb);
        skb.cbl0 = nowUs;
        Rtable rt = tp.dst;
        // Linux: __sk_dst_check(): a route kept from before a change to the routes is looked up again
        if (rt == null || tp.dstGenid != tcp.net().ipv4().route().rtGenid()) {
            rt = tcp.ipv4.rebuildHeader(tp);
            if (rt == null) {
                if (!cloneIt) {
                    Skb.kfreeSkb(tcp.net(), skb, DropReason.IP_OUTNOROUTES);
                }
                return -dev.packetflow.net.socket.Errno.EHOSTUNREACH.code;
            }
        }
        SkBuff out = skb;
        if (cloneIt) {
            out = skb.cloned() ? skb.copySkb() : skb.cloneSkb();
            if (out == null) {
                return -dev.packetflow.net.socket.Errno.ENOBUFS.code;
            }
            // the queued original reads only its payload: the headers pushed below, and the
            // IP and Ethernet ones after them, go in front of it without unsharing the buffer
            out.hdrPrivate = true;
        }
        boolean syn = (flags & SYN) != 0;
        int optLen;
        if (syn) {
            optLen = synOptionsLen(tp.advmss, tp.sysctl.timestamps != 0, tp.sysctl.sack != 0,
                    tp.sysctl.windowScaling != 0);
        } else {
            optLen = establishedOptionsLen(tp);
        }
        int hdrLen = MIN_LEN + optLen;
        int dataLen = out.len();
        if (!syn && dataLen > tp.mssCache - (hdrLen - tp.tcpHeaderLen)) {
            // tcp_skb_pcount(skb) > 1 (more than one segment at tcp_current_mss()): a GSO skb
            // always carries PSH, which GSO leaves on its last segment, so that the receiver's
            // GRO flushes the train at once (Linux 5.6, "tcp: force a PSH flag on TSO packets").
            flags |= PSH;
        }
        int th = out.push(hdrLen);
        out.transportHeader = th;
        int window = syn ? Math.min(tp.rcvWnd, 65535) : tcp.window.selectWindow(tp);
        TcpHeader.write(out, th, tp.sport, tp.dport, seq, rcvNxt, hdrLen, flags, window);
        if (syn) {
            writeSynOptions(out, th + MIN_LEN, tp.advmss, tp.sysctl.timestamps != 0, tsval(tp, nowUs), tp.tsRecent,
                    tp.sysctl.sack != 0, tp.sysctl.windowScaling != 0 ? tp.rcvWscale : -1);
        } else {
            writeEstablishedOptions(tp, out, th + MIN_LEN, nowUs);
        }
        if ((flags & ACK) != 0) {
            eventAckSent(tp, rcvNxt);
        }
        int segs = out.gsoSize != 0 ? out.gsoSegs : 1;
        if (dataLen != 0) {
            eventDataSent(tp);
            tp.dataSegsOut += segs;
            tp.bytesSent += dataLen;
        }
        if (after(endSeq, tp.sndNxt) || seq == endSeq) {
            mib.add(TcpMib.OUT_SEGS, segs);
        }
        tp.segsOut += segs;
        if (out.gsoSize != 0) {
            // tcp_v4_send_check() for CHECKSUM_PARTIAL: the pseudo-header sum in the check field;
            // segmentation (the device's or skb_gso_segment) completes each segment's checksum.
            out.setU16(th + TcpHeader.CHECK, ~InetChecksum.fold(InetChecksum.pseudoHeader(tp.saddr, tp.daddr, 6,
                    hdrLen + dataLen)) & 0xffff);
            out.ipSummed = SkBuff.CHECKSUM_PARTIAL;
            out.csumStart = th;
            out.csumOffset = TcpHeader.CHECK;
        } else {
            TcpHeader.fillChecksum(out, th, hdrLen + dataLen, tp.saddr, tp.daddr);
            out.ipSummed = SkBuff.CHECKSUM_UNNECESSARY;
        }
        out.priority = tp.priority;
        out.mark = tp.mark;
        // ip_select_ident_segs(): a super-packet uses one identification per segment
        int id = tp.inetId;
        tp.inetId += segs;
        return tcp.net().ipv4().output().ipQueueXmit(out, rt, tp.saddr, tp.daddr, 6, tp.ucTtl, tp.tos, tp.pmtudisc, id);
    }

    int transmitSkb(TcpSock tp, SkBuff skb, boolean cloneIt) {
        return transmitSkb(tp, skb, cloneIt, tp.rcvNxt);
    }

    /** Linux: {@code tcp_event_ack_sent()}: an ACK left, so no ACK is owed any more. */
    private void eventAckSent(TcpSock tp, int rcvNxt) {
        if (tp.compressedAck != 0) {
            ext.add(TcpMib.ACK_COMPRESSED, tp.compressedAck);
            tp.compressedAck = 0;
            tcp.net().timers().delTimer(tp.compressedAckTimer);
        }
        if (rcvNxt != tp.rcvNxt) {
            return;
        }
        // tcp_dec_quickack_mode()
        if (tp.ackQuick != 0) {
            int pkts = (tp.ackPending & ICSK_ACK_SCHED) != 0 ? 1 : 0;
            if (pkts >= tp.ackQuick) {
                tp.ackQuick = 0;
                tp.ackAto = TcpTimer.TCP_ATO_MIN_MS;
            } else {
                tp.ackQuick -= pkts;
            }
        }
        tp.ackPending = 0;
        tcp.net().timers().delTimer(tp.delackTimer);
    }

    /** Linux: {@code tcp_event_data_sent()}: a reply within ATO of the last data makes us interactive. */
    private void eventDataSent(TcpSock tp) {
        long now = tcp.nowMs();
        if (tp.packetsInFlight() == 0) {
            tp.ca.cwndEvent(tp, TcpCong.CA_EVENT_TX_START);
        }
        tp.lsndtimeMs = now;
        if (now - tp.ackLrcvtimeMs < tp.ackAto && tp.ackPingpong < 255) {
            tp.ackPingpong++;
        }
    }

    // ================================================================ writing

    /** Linux: {@code forced_push()}: half a window written since the last PSH. */
    static boolean forcedPush(TcpSock tp) {
        return after(tp.writeSeq, tp.pushedSeq + (tp.maxWindow >> 1));
    }

    /** Linux: {@code tcp_mark_push()}. */
    static void markPush(TcpSock tp, SkBuff skb) {
        orFlags(skb, PSH);
        tp.pushedSeq = tp.writeSeq;
    }

    /** Linux: {@code tcp_push()}: after a write, send what the rules allow. */
    void push(TcpSock tp, int msgFlags, int mss, int nonagle) {
        SkBuff skb = tp.writeQueue.peekTail();
        if (skb == null || tp.sendHead == null) {
            return;
        }
        if ((msgFlags & dev.packetflow.net.socket.Uapi.MSG_MORE) == 0 || forcedPush(tp)) {
            markPush(tp, skb);
        }
        if ((msgFlags & dev.packetflow.net.socket.Uapi.MSG_MORE) != 0) {
            nonagle = TCP_NAGLE_CORK;
        }
        pushPendingFrames(tp, mss, nonagle);
    }

    /** Linux: {@code tcp_push_pending_frames()}. */
    void pushPendingFrames(TcpSock tp) {
        if (tp.sendHead != null) {
            pushPendingFrames(tp, tcp.window.currentMss(tp), tp.nonagle);
        }
    }

    /** Linux: {@code __tcp_push_pending_frames()}. */
    void pushPendingFrames(TcpSock tp, int mss, int nonagle) {
        if (tp.state == TCP_CLOSE) {
            return;
        }
        if (writeXmit(tp, mss, nonagle, 0)) {
            tcp.timer.checkProbeTimer(tp);
        }
    }

    /** Linux: {@code tcp_push_one()}: send the send head alone if allowed. */
    void pushOne(TcpSock tp, int mss) {
        writeXmit(tp, mss, TCP_NAGLE_PUSH, 1);
    }

    /**
     * Linux: {@code tcp_write_xmit()}: sends from the send head while the congestion window
     * (FIN excepted), the peer's receive window and Nagle allow. {@code pushOne} 1 sends at most one
     * segment, 2 is the loss probe (which may exceed cwnd). Returns true when nothing is in flight
     * and data is waiting (the caller arms the zero-window probe).
     */
    boolean writeXmit(TcpSock tp, int mss, int nonagle, int pushOne) {
        int sent = 0;
        boolean isCwndLimited = false;
        int maxSegs = TcpTso.tsoSegs(tp, mss);
        SkBuff skb;
        while ((skb = tp.sendHead) != null) {
            int tsoSegs = TcpTso.initTsoSegs(skb, mss);
            int quota = cwndTest(tp, skb);
            if (quota == 0) {
                if (pushOne == 2) {
                    quota = 1;
                } else {
                    isCwndLimited = true;
                    break;
                }
            }
            if (!sndWndTest(tp, skb, mss)) {
                break;
            }
            if (tsoSegs == 1) {
                if (!nagleTest(tp, skb, mss, skb == tp.writeQueue.peekTail() ? nonagle : TCP_NAGLE_PUSH)) {
                    break;
                }
            } else if (pushOne == 0) {
                int d = tso.tsoShouldDefer(tp, skb, mss, maxSegs);
                if (d != 0) {
                    isCwndLimited |= d == TcpTso.DEFER_CWND;
                    break;
                }
            }
            int limit = mss;
            if (tsoSegs > 1 && tp.sndUna == tp.sndUp) {
                limit = TcpTso.mssSplitPoint(tp, skb, mss, Math.min(quota, maxSegs), nonagle);
            }
            if (skb.len() > limit) {
                skb = tso.tsoFragment(tp, skb, limit, mss);
                if (skb == null) {
                    break;
                }
            }
            if (endSeq(skb) == seq(skb)) {
                break;
            }
            if (transmitSkb(tp, skb, true) != 0) {
                break;
            }
            eventNewDataSent(tp, skb);
            // tcp_minshall_update()
            if (skb.len() < pcount(skb) * mss) {
                tp.sndSml = endSeq(skb);
            }
            sent += pcount(skb);
            if (pushOne != 0) {
                break;
            }
        }
        isCwndLimited |= tp.packetsInFlight() >= tp.sndCwnd;
        if (sent != 0 || isCwndLimited) {
            cwndValidate(tp, isCwndLimited);
        }
        if (sent != 0) {
            if (tp.inCwndReduction()) {
                tp.prrOut += sent;
            }
            if (pushOne != 2) {
                tcp.retrans.scheduleLossProbe(tp, false);
            }
            return false;
        }
        return tp.packetsOut == 0 && tp.sendHead != null;
    }

    /**
     * Linux: {@code tcp_cwnd_test()}: segments the congestion window allows now; the final FIN is
     * always allowed.
     */
    private static int cwndTest(TcpSock tp, SkBuff skb) {
        if ((flags(skb) & FIN) != 0 && pcount(skb) == 1) {
            return 1;
        }
        int inFlight = tp.packetsInFlight();
        int cwnd = tp.sndCwnd;
        if (inFlight >= cwnd) {
            return 0;
        }
        int half = Math.max(cwnd >> 1, 1);
        return Math.min(half, cwnd - inFlight);
    }

    /** Linux: {@code tcp_snd_wnd_test()}: the first segment of {@code skb} fits the peer's window. */
    static boolean sndWndTest(TcpSock tp, SkBuff skb, int mss) {
        int end = endSeq(skb);
        if (skb.len() > mss) {
            end = seq(skb) + mss;
        }
        return !after(end, tp.wndEnd());
    }

    /**
     * Linux: {@code tcp_nagle_test()} with {@code tcp_nagle_check()} and Minshall's variant (a
     * partial segment waits only while an earlier partial segment is unacknowledged), corked
     * partial segments wait always; FIN and urgent data never wait.
     */
    private static boolean nagleTest(TcpSock tp, SkBuff skb, int mss, int nonagle) {
        if ((nonagle & TCP_NAGLE_PUSH) != 0) {
            return true;
        }
        if (tp.sndUna != tp.sndUp || (flags(skb) & FIN) != 0) {
            return true;
        }
        boolean partial = skb.len() < mss;
        boolean hold = partial && ((nonagle & TCP_NAGLE_CORK) != 0
                || (nonagle == 0 && tp.packetsOut != 0 && after(tp.sndSml, tp.sndUna) && !after(tp.sndSml, tp.sndNxt)));
        return !hold;
    }

    /** Linux: {@code tcp_event_new_data_sent()}: the send head moves on; the timer starts if idle. */
    void eventNewDataSent(TcpSock tp, SkBuff skb) {
        int prior = tp.packetsOut;
        tp.sndNxt = endSeq(skb);
        tp.sendHead = skb.next;
        tp.packetsOut += pcount(skb);
        if (prior == 0 || tp.pending == ICSK_TIME_LOSS_PROBE) {
            tcp.timer.rearmRto(tp);
        }
        ext.add(TcpMib.ORIG_DATA_SENT, pcount(skb));
        tcp.input.checkSpace(tp);
    }

    /** Linux: {@code tcp_cwnd_validate()} (RFC 7661's idea: only a used cwnd may grow). */
    private void cwndValidate(TcpSock tp, boolean isCwndLimited) {
        if (!before(tp.sndUna, tp.cwndUsage) || isCwndLimited
                || (!tp.isCwndLimited && tp.packetsOut > tp.maxPacketsOut)) {
            tp.isCwndLimited = isCwndLimited;
            tp.maxPacketsOut = tp.packetsOut;
            tp.cwndUsage = tp.sndNxt;
        }
        if (isCwndLimited(tp)) {
            tp.sndCwndUsed = 0;
            tp.sndCwndStampMs = tcp.nowMs();
        } else {
            if (tp.packetsOut > tp.sndCwndUsed) {
                tp.sndCwndUsed = tp.packetsOut;
            }
            if (tp.sysctl.slowStartAfterIdle != 0 && tcp.nowMs() - tp.sndCwndStampMs >= tp.rto) {
                // tcp_cwnd_application_limited()
                if (tp.caState == TCP_CA_OPEN && tp.sndCwndUsed < tp.sndCwnd) {
                    int initWin = Math.min(Tcp.TCP_INIT_CWND, tp.sndCwndClamp);
                    int winUsed = Math.max(tp.sndCwndUsed, initWin);
                    if (winUsed < tp.sndCwnd) {
                        tp.sndSsthresh = tp.currentSsthresh();
                        tp.sndCwnd = (tp.sndCwnd + winUsed) >> 1;
                    }
                    tp.sndCwndUsed = 0;
                }
                tp.sndCwndStampMs = tcp.nowMs();
            }
        }
    }

    /** Linux: {@code tcp_is_cwnd_limited()}. */
    static boolean isCwndLimited(TcpSock tp) {
        if (tp.isCwndLimited) {
            return true;
        }
        if (tp.inSlowStart()) {
            return tp.sndCwnd < 2 * tp.maxPacketsOut;
        }
        return false;
    }

    /**
     * Linux: {@code tcp_fragment()}: splits {@code skb} after {@code len} bytes; the tail becomes a new
     * skb queued right after it and inherits FIN, PSH, EOR and the scoreboard tags. Both are sized
     * for {@code mss}; for a sent skb the counters follow a change of the segment count
     * ({@code tcp_adjust_pcount()}). Returns 0 or -1 (no memory).
     */
    int fragment(TcpSock tp, SkBuff skb, int len, int mss) {
        int nlen = skb.len() - len;
        if (nlen <= 0) {
            return 0;
        }
        SkBuff buff = tcp.net().pool().alloc(MAX_TCP_HEADER + nlen);
        if (buff == null) {
            return -1;
        }
        buff.reserve(MAX_TCP_HEADER);
        int o = buff.put(nlen);
        buff.write(o, skb, skb.data + len, nlen);
        initCharge(buff, nlen);
        charge(tp, skb, -nlen);
        int flags = flags(skb);
        int sacked = sacked(skb);
        TcpSkbCb.init(buff, seq(skb) + len, endSeq(skb), flags);
        setSacked(buff, sacked);
        if (eor(skb)) {
            setEor(buff);
            skb.cb2 &= ~(1 << 16);
        }
        buff.cbl0 = skb.cbl0;
        buff.cbl1 = skb.cbl1;
        buff.journey = skb.journey;
        setFlags(skb, flags & ~(FIN | PSH));
        setEndSeq(skb, seq(skb) + len);
        skb.trim(len);
        boolean inRtx = isSent(tp, skb);
        int oldFactor = inRtx ? pcount(skb) : 0;
        tp.writeQueue.insertAfter(skb, buff);
        tp.wmemQueued += buff.truesize;
        setTsoSegs(skb, mss);
        setTsoSegs(buff, mss);
        if (inRtx) {
            adjustPcount(tp, skb, oldFactor - pcount(skb) - pcount(buff));
        }
        return 0;
    }

    /** Linux: {@code tcp_adjust_pcount()}: a sent skb's segment count fell by {@code decr}. */
    static void adjustPcount(TcpSock tp, SkBuff skb, int decr) {
        if (decr == 0) {
            return;
        }
        int sacked = sacked(skb);
        tp.packetsOut -= decr;
        if ((sacked & TCPCB_SACKED_ACKED) != 0) {
            tp.sackedOut -= decr;
        }
        if ((sacked & TCPCB_SACKED_RETRANS) != 0) {
            tp.retransOut -= decr;
        }
        if ((sacked & TCPCB_LOST) != 0) {
            tp.lostOut -= decr;
        }
    }

    /** Whether {@code skb} of the write queue was sent (is before the send head). */
    static boolean isSent(TcpSock tp, SkBuff skb) {
        SkBuff h = tp.sendHead;
        return h == null || before(seq(skb), seq(h));
    }

    // ================================================================ ACKs

    /** Linux: {@code tcp_send_ack()}. */
    void sendAck(TcpSock tp) {
        sendAck(tp, tp.rcvNxt);
    }

    /** Linux: {@code __tcp_send_ack()}: a bare ACK, sequence {@code tcp_acceptable_seq()}. */
    void sendAck(TcpSock tp, int rcvNxt) {
        if (tp.state == TCP_CLOSE) {
            return;
        }
        SkBuff buff = tcp.net().pool().alloc(MAX_TCP_HEADER);
        if (buff == null) {
            tp.ackPending |= ICSK_ACK_SCHED;
            tp.ackAto = TcpTimer.TCP_ATO_MIN_MS;
            tcp.timer.resetDelack(tp, TcpTimer.TCP_DELACK_MAX_MS);
            return;
        }
        buff.reserve(MAX_TCP_HEADER);
        int seq = !before(tp.wndEnd(), tp.sndNxt) ? tp.sndNxt : tp.wndEnd();
        TcpSkbCb.init(buff, seq, seq, ACK);
        transmitSkb(tp, buff, false, rcvNxt);
    }

    /**
     * Linux: {@code tcp_send_delayed_ack()}: arms the delayed ACK timer ({@code ato}, bounded by
     * 200 ms in interactive mode or the RTT, 40 ms at least once data was seen), or sends now if
     * the armed timer is about to fire.
     */
    void sendDelayedAck(TcpSock tp) {
        int ato = tp.ackAto;
        if (ato > TcpTimer.TCP_DELACK_MIN_MS) {
            int maxAto = 500;
            if (tp.ackPingpong >= 1 || (tp.ackPending & ICSK_ACK_PUSHED) != 0) {
                maxAto = TcpTimer.TCP_DELACK_MAX_MS;
            }
            if (tp.srttUs != 0) {
                int rtt = Math.max(usToMs(tp, tp.srttUs >>> 3), TcpTimer.TCP_DELACK_MIN_MS);
                if (rtt < maxAto) {
                    maxAto = rtt;
                }
            }
            ato = Math.min(ato, maxAto);
        }
        ato = Math.min(ato, TcpTimer.TCP_DELACK_MAX_MS);
        long now = tcp.nowNs();
        long timeout = now + ato * 1_000_000L;
        if ((tp.ackPending & ICSK_ACK_TIMER) != 0) {
            if (tp.ackTimeoutNs - (now + (ato >> 2) * 1_000_000L) <= 0) {
                sendAck(tp);
                return;
            }
            if (timeout - tp.ackTimeoutNs >= 0) {
                timeout = tp.ackTimeoutNs;
            }
        }
        tp.ackPending |= ICSK_ACK_SCHED | ICSK_ACK_TIMER;
        tp.ackTimeoutNs = timeout;
        tcp.net().timers().modTimer(tp.delackTimer, timeout);
    }

    /**
     * Linux: {@code usecs_to_jiffies()}, in ms: rounds up to whole jiffies of the stack's
     * {@link TcpSysctl#hz} (1 ms at HZ=1000, 4 ms at HZ=250).
     */
    static int usToMs(TcpSock tp, long us) {
        int jiffyUs = 1_000_000 / tp.sysctl.hz;
        return (int) ((us + jiffyUs - 1) / jiffyUs * (jiffyUs / 1000));
    }

    // ================================================================ FIN and RST

    /**
     * Linux: {@code tcp_send_fin()}: the FIN rides on the last unsent skb if there is one,
     * otherwise it gets its own skb; then everything is pushed without Nagle.
     */
    void sendFin(TcpSock tp) {
        SkBuff tail = tp.sendHead != null ? tp.writeQueue.peekTail() : null;
        if (tail != null) {
            orFlags(tail, FIN);
            setEndSeq(tail, endSeq(tail) + 1);
            tp.writeSeq++;
        } else {
            SkBuff skb = tcp.net().pool().alloc(MAX_TCP_HEADER);
            if (skb == null) {
                return;
            }
            skb.reserve(MAX_TCP_HEADER);
            TcpSkbCb.init(skb, tp.writeSeq, tp.writeSeq + 1, ACK | FIN);
            queueSkb(tp, skb);
        }
        pushPendingFrames(tp, tcp.window.currentMss(tp), TCP_NAGLE_OFF);
    }

    /** Linux: {@code tcp_queue_skb()}: appends to the write queue, charging it. */
    void queueSkb(TcpSock tp, SkBuff skb) {
        tp.writeSeq = endSeq(skb);
        tp.writeQueue.queueTail(skb);
        if (tp.sendHead == null) {
            tp.sendHead = skb;
        }
        tp.wmemQueued += skb.truesize;
    }

    /**
     * Linux: {@code tcp_send_active_reset()}: an RST with ACK at our next sequence number; for
     * aborts (unread data at close, zero linger, keepalive and user timeout expiry).
     */
    void sendActiveReset(TcpSock tp) {
        mib.inc(TcpMib.OUT_RSTS);
        SkBuff skb = tcp.net().pool().alloc(MAX_TCP_HEADER);
        if (skb == null) {
            return;
        }
        skb.reserve(MAX_TCP_HEADER);
        int seq = !before(tp.wndEnd(), tp.sndNxt) ? tp.sndNxt : tp.wndEnd();
        TcpSkbCb.init(skb, seq, seq, ACK | RST);
        if (Tcp.TP_TCP_SEND_RESET.enabled) {
            Tcp.TP_TCP_SEND_RESET.fire(tcp.net(), skb, 0);
        }
        transmitSkb(tp, skb, false);
    }

    // ================================================================ connect

    /**
     * Linux: {@code tcp_connect_init()}: header length, MSS, window and window scale of an active
     * open.
     */
    void connectInit(TcpSock tp) {
        Rtable rt = tp.dst;
        tp.tcpHeaderLen = MIN_LEN + (tp.sysctl.timestamps != 0 ? TCPOLEN_TSTAMP_ALIGNED : 0);
        if (tp.userMss != 0) {
            tp.mssClamp = tp.userMss;
        }
        tp.maxWindow = 0;
        int mtu = rt.mtu();
        tcp.window.syncMss(tp, mtu);
        if (tp.windowClamp == 0) {
            tp.windowClamp = tp.userWindowClamp;
        }
        int advmss = mtu - Tcp.TCP_IPV4_OVERHEAD;
        tp.advmss = tp.userMss != 0 && tp.userMss < advmss ? tp.userMss : advmss;
        tcp.stateProcess.initializeRcvMss(tp);
        if ((tp.userlocks & SOCK_RCVBUF_LOCK) != 0
                && (tp.windowClamp > TcpWindow.fullSpace(tp) || tp.windowClamp == 0)) {
            tp.windowClamp = TcpWindow.fullSpace(tp);
        }
        int[] w = TcpWindow.selectInitialWindow(tp.sysctl, tcp.net().sockets().sysctl().rmemMax(), TcpWindow.fullSpace(tp),
                tp.advmss, tp.windowClamp, tp.sysctl.windowScaling != 0, 0);
        tp.rcvWnd = w[0];
        tp.windowClamp = w[1];
        tp.rcvWscale = w[2];
        tp.rcvSsthresh = tp.rcvWnd;
        tp.done = false;
        tp.sndWnd = 0;
        tp.sndWl1 = 0;
        tp.sndUna = tp.writeSeq;
        tp.sndSml = tp.writeSeq;
        tp.sndUp = tp.writeSeq;
        tp.sndNxt = tp.writeSeq;
        tp.rcvNxt = 0;
        tp.rcvWup = 0;
        tp.copiedSeq = 0;
        tp.rto = TcpTimer.TCP_TIMEOUT_INIT_MS;
        tp.retransmits = 0;
        tcp.recovery.clearRetrans(tp);
    }

    /** Linux: {@code tcp_connect()}: queues and sends the SYN, arms the retransmission timer. */
    int connect(TcpSock tp) {
        connectInit(tp);
        SkBuff buff = tcp.net().pool().alloc(MAX_TCP_HEADER);
        if (buff == null) {
            return -dev.packetflow.net.socket.Errno.ENOBUFS.code;
        }
        buff.reserve(MAX_TCP_HEADER);
        TcpSkbCb.init(buff, tp.writeSeq, tp.writeSeq + 1, SYN);
        tp.retransStamp = (int) tcp.nowMs();
        tp.writeSeq++;
        tp.writeQueue.queueTail(buff);
        tp.wmemQueued += buff.truesize;
        tp.packetsOut++;
        transmitSkb(tp, buff, true);
        tp.sndNxt = tp.writeSeq;
        tp.pushedSeq = tp.writeSeq;
        mib.inc(TcpMib.ACTIVE_OPENS);
        tcp.timer.resetXmitTimer(tp, ICSK_TIME_RETRANS, tp.rto);
        return 0;
    }

    /**
     * Linux: {@code tcp_send_synack()} for a simultaneous open: the SYN in the queue gets the ACK
     * flag and is sent again.
     */
    void sendSynack(TcpSock tp) {
        SkBuff skb = tp.writeQueue.peek();
        if (skb == null || (flags(skb) & SYN) == 0) {
            return;
        }
        orFlags(skb, ACK);
        transmitSkb(tp, skb, true);
    }

}
