package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.Mib;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.SkBuffHead;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.socket.Sock;

import static dev.packetflow.net.ipv4.tcp.TcpHeader.*;
import static dev.packetflow.net.ipv4.tcp.TcpSock.*;
import static dev.packetflow.net.ipv4.tcp.TcpSkbCb.*;

/**
 * The receiving half of TCP: segment text into the receive queue or the out-of-order queue, the
 * SACK blocks and D-SACKs that describe them (RFC 2018, RFC 2883), receive memory and window
 * growth, and the decision when to ACK: at once (quick-ACK mode, out-of-order data, a full second
 * segment, a filled hole) or after the delayed-ACK timer.
 *
 * <h2>The out-of-order queue</h2>
 * A list sorted by sequence number (Linux uses an rb-tree; arrivals almost always land at its end,
 * which is checked first). A segment that continues its predecessor is copied into the
 * predecessor's tailroom when it fits, so runs of small segments cost one buffer; segments wholly
 * covered by others are dropped and reported as D-SACK.
 *
 * <p>Linux: {@code net/ipv4/tcp_input.c} ({@code tcp_data_queue()}, {@code tcp_data_queue_ofo()},
 * {@code tcp_ofo_queue()}, {@code __tcp_ack_snd_check()}, {@code tcp_event_data_recv()}...).
 */
final class TcpInputData {
    private final Tcp tcp;
    private final Mib ext;

    TcpInputData(Tcp tcp) {
        this.tcp = tcp;
        this.ext = tcp.extMib();
    }

    // ================================================================ tcp_data_queue

    /**
     * Linux: {@code tcp_data_queue()}. {@code skb.data} is at the TCP header. Takes the skb.
     */
    void dataQueue(TcpSock tp, SkBuff skb) {
        if (Tcp.TP_TCP_DATA_QUEUE.enabled) {
            Tcp.TP_TCP_DATA_QUEUE.fire(tcp.net(), skb, 0);
        }
        if (seq(skb) == endSeq(skb)) {
            Skb.consumeSkb(skb);
            return;
        }
        skb.dst = null;
        skb.pull(TcpHeader.doff(skb, skb.transportHeader));
        tp.dsack = false;
        DropReason reason = DropReason.NOT_SPECIFIED;
        if (seq(skb) == tp.rcvNxt) {
            if (tp.receiveWindow() == 0) {
                if (skb.len() == 0 && (flags(skb) & FIN) != 0) {
                    queueAndOut(tp, skb);
                    return;
                }
                ext.inc(TcpMib.ZERO_WINDOW_DROP);
                outOfWindow(tp, skb, DropReason.NOT_SPECIFIED);
                return;
            }
            queueAndOut(tp, skb);
            return;
        }
        if (!after(endSeq(skb), tp.rcvNxt)) {
            // A retransmit, 2nd most common case: force an immediate ACK with a D-SACK.
            ext.inc(TcpMib.DELAYED_ACK_LOST);
            dsackSet(tp, seq(skb), endSeq(skb));
            outOfWindow(tp, skb, reason);
            return;
        }
        if (!before(seq(skb), tp.rcvNxt + tp.receiveWindow())) {
            outOfWindow(tp, skb, reason);
            return;
        }
        if (before(seq(skb), tp.rcvNxt)) {
            dsackSet(tp, seq(skb), tp.rcvNxt);
            if (tp.receiveWindow() == 0) {
                ext.inc(TcpMib.ZERO_WINDOW_DROP);
                outOfWindow(tp, skb, reason);
                return;
            }
            queueAndOut(tp, skb);
            return;
        }
        dataQueueOfo(tp, skb);
    }

    private void outOfWindow(TcpSock tp, SkBuff skb, DropReason reason) {
        enterQuickackMode(tp, Tcp.TCP_MAX_QUICKACKS);
        tp.ackPending |= ICSK_ACK_SCHED;
        tp.countDrop();
        Skb.kfreeSkb(tcp.net(), skb, reason);
    }

    /** The in-sequence case of {@code tcp_data_queue()} (its {@code queue_and_out} label). */
    private void queueAndOut(TcpSock tp, SkBuff skb) {
        if (tryRmemSchedule(tp, skb) < 0) {
            tp.ackPending |= ICSK_ACK_NOMEM | ICSK_ACK_NOW | ICSK_ACK_SCHED;
            tcp.proto().dataReadyDirect(tp, skb);
            if (tp.rcvQueue.qlen() != 0 && skb.len() != 0) {
                ext.inc(TcpMib.RCV_Q_DROP);
                tp.countDrop();
                Skb.kfreeSkb(tcp.net(), skb, DropReason.PROTO_MEM);
                return;
            }
        }
        int len = skb.len();
        boolean fin = (flags(skb) & FIN) != 0;
        boolean eaten = queueRcv(tp, skb);
        if (len != 0) {
            eventDataRecv(tp, skb);
        }
        if (fin) {
            tcp.input.fin(tp);
        }
        if (!tp.ofoQueue.isEmpty()) {
            ofoQueue(tp);
            if (tp.ofoQueue.isEmpty()) {
                tp.ackPending |= ICSK_ACK_NOW;
            }
        }
        if (tp.numSacks != 0) {
            sackRemove(tp);
        }
        tcp.input.fastPathCheck(tp);
        if (eaten) {
            Skb.consumeSkb(skb);
        }
        if (!tp.isDead()) {
            tcp.proto().dataReady(tp, eaten ? null : skb);
        }
    }

    /**
     * Linux: {@code tcp_queue_rcv()}: appends to the receive queue (or into its tail, see
     * {@link #tryCoalesce}) and advances RCV.NXT. Returns true when the skb was absorbed and the
     * caller frees it.
     */
    boolean queueRcv(TcpSock tp, SkBuff skb) {
        SkBuff tail = tp.rcvQueue.peekTail();
        boolean eaten = tail != null && tryCoalesce(tp, tail, skb);
        rcvNxtUpdate(tp, endSeq(skb));
        if (!eaten) {
            Sock.skbOrphan(skb);
            skb.sk = tp;
            tp.rcvQueue.queueTail(skb);
            tp.rmemAlloc += skb.truesize;
            tp.rcvQueueLen = tp.rcvQueue.qlen();
        }
        return eaten;
    }

    /** Linux: {@code tcp_rcv_nxt_update()}. */
    static void rcvNxtUpdate(TcpSock tp, int seq) {
        tp.bytesReceived += (seq - tp.rcvNxt) & 0xffffffffL;
        tp.rcvNxt = seq;
    }

    /**
     * Linux: {@code tcp_try_coalesce()}: {@code from} continues {@code to}; its bytes go into
     * {@code to}'s tailroom when they fit and {@code to}'s buffer is not shared, its flags (FIN)
     * merge. Returns true when {@code from} is absorbed.
     */
    boolean tryCoalesce(TcpSock tp, SkBuff to, SkBuff from) {
        if (seq(from) != endSeq(to)) {
            return false;
        }
        int len = from.len();
        if (len != 0) {
            if (len > to.tailroom() || to.cloned() || (flags(to) & FIN) != 0) {
                return false;
            }
            int o = to.put(len);
            to.write(o, from, from.data, len);
        } else if ((flags(to) & FIN) != 0) {
            return false;
        }
        ext.inc(TcpMib.RCV_COALESCE);
        setEndSeq(to, endSeq(from));
        setAckSeq(to, ackSeq(from));
        orFlags(to, flags(from));
        return true;
    }

    /** Linux: {@code tcp_ofo_queue()}: moves what became in-order from the out-of-order queue. */
    private void ofoQueue(TcpSock tp) {
        int dsackHigh = tp.rcvNxt;
        SkBuff skb;
        while ((skb = tp.ofoQueue.peek()) != null) {
            if (after(seq(skb), tp.rcvNxt)) {
                break;
            }
            if (before(seq(skb), dsackHigh)) {
                int dsack = dsackHigh;
                if (before(endSeq(skb), dsackHigh)) {
                    dsackHigh = endSeq(skb);
                }
                dsackExtend(tp, seq(skb), dsack);
            }
            ofoUnlink(tp, skb);
            if (!after(endSeq(skb), tp.rcvNxt)) {
                tp.countDrop();
                Skb.kfreeSkb(tcp.net(), skb, DropReason.NOT_SPECIFIED);
                continue;
            }
            if (before(seq(skb), tp.rcvNxt)) {
                // partly old: keep the bytes after rcv_nxt only
                int old = tp.rcvNxt - seq(skb);
                skb.pull(old);
                skb.cb0 = tp.rcvNxt;
            }
            tp.rmemAlloc -= skb.truesize;
            boolean fin = (flags(skb) & FIN) != 0;
            SkBuff tail = tp.rcvQueue.peekTail();
            boolean eaten = tail != null && tryCoalesce(tp, tail, skb);
            rcvNxtUpdate(tp, endSeq(skb));
            if (!eaten) {
                tp.rcvQueue.queueTail(skb);
                tp.rmemAlloc += skb.truesize;
                tp.rcvQueueLen = tp.rcvQueue.qlen();
            } else {
                Skb.consumeSkb(skb);
            }
            if (fin) {
                tcp.input.fin(tp);
                break;
            }
        }
    }

    private void ofoUnlink(TcpSock tp, SkBuff skb) {
        if (tp.ooLastSkb == skb) {
            tp.ooLastSkb = skb.prev;
        }
        tp.ofoQueue.unlink(skb);
    }

    /**
     * Linux: {@code tcp_data_queue_ofo()}: inserts an out-of-order segment in sequence order,
     * coalescing with its predecessor, dropping what is already there (D-SACK), and updates our
     * SACK blocks. The ACK goes out at once.
     */
    private void dataQueueOfo(TcpSock tp, SkBuff skb) {
        if (tryRmemSchedule(tp, skb) < 0) {
            ext.inc(TcpMib.OFO_DROP);
            tcp.proto().dataReadyDirect(tp, skb);
            tp.countDrop();
            Skb.kfreeSkb(tcp.net(), skb, DropReason.PROTO_MEM);
            return;
        }
        tp.predFlags = 0;
        tp.ackPending |= ICSK_ACK_SCHED;
        tp.rcvOoopack++;
        ext.inc(TcpMib.OFO_QUEUE);
        int seq = seq(skb);
        int end = endSeq(skb);
        SkBuffHead q = tp.ofoQueue;
        if (q.isEmpty()) {
            if (tp.isSack()) {
                tp.numSacks = 1;
                tp.selectiveAcks[0] = seq;
                tp.selectiveAcks[1] = end;
            }
            ofoInsertAfter(tp, null, skb);
            endOfo(tp, skb, false);
            return;
        }
        if (tryCoalesce(tp, tp.ooLastSkb, skb)) {
            if (tp.isSack()) {
                growWindow(tp, skb, true);
            }
            Skb.consumeSkb(skb);
            addSack(tp, seq, end);
            return;
        }
        SkBuff prev;
        if (!before(seq, endSeq(tp.ooLastSkb))) {
            prev = tp.ooLastSkb;
        } else {
            // walk back from the tail to the last segment starting at or before seq
            prev = tp.ooLastSkb;
            while (prev != null && before(seq, seq(prev))) {
                prev = prev.prev;
            }
            if (prev != null && before(seq, endSeq(prev))) {
                if (!after(end, endSeq(prev))) {
                    ext.inc(TcpMib.OFO_MERGE);
                    tp.countDrop();
                    Skb.kfreeSkb(tcp.net(), skb, DropReason.NOT_SPECIFIED);
                    dsackSet(tp, seq, end);
                    addSack(tp, seq, end);
                    return;
                }
                if (after(seq, seq(prev))) {
                    dsackSet(tp, seq, endSeq(prev));
                } else {
                    // skb covers prev entirely: replace it
                    SkBuff before = prev.prev;
                    dsackExtend(tp, seq(prev), endSeq(prev));
                    ofoUnlink(tp, prev);
                    tp.rmemAlloc -= prev.truesize;
                    ext.inc(TcpMib.OFO_MERGE);
                    tp.countDrop();
                    Skb.kfreeSkb(tcp.net(), prev, DropReason.NOT_SPECIFIED);
                    prev = before;
                }
            } else if (prev != null && tryCoalesce(tp, prev, skb)) {
                if (tp.isSack()) {
                    growWindow(tp, skb, true);
                }
                Skb.consumeSkb(skb);
                addSack(tp, seq, end);
                return;
            }
        }
        ofoInsertAfter(tp, prev, skb);
        // merge_right: remove segments now covered by skb
        SkBuff n;
        while ((n = skb.next) != null) {
            if (!after(end, seq(n))) {
                break;
            }
            if (before(end, endSeq(n))) {
                dsackExtend(tp, seq(n), end);
                break;
            }
            dsackExtend(tp, seq(n), endSeq(n));
            ofoUnlink(tp, n);
            tp.rmemAlloc -= n.truesize;
            ext.inc(TcpMib.OFO_MERGE);
            tp.countDrop();
            Skb.kfreeSkb(tcp.net(), n, DropReason.NOT_SPECIFIED);
        }
        endOfo(tp, skb, true);
    }

    private void addSack(TcpSock tp, int seq, int end) {
        if (tp.isSack()) {
            sackNewOfoSkb(tp, seq, end);
        }
    }

    private void endOfo(TcpSock tp, SkBuff skb, boolean addSack) {
        if (addSack) {
            addSack(tp, seq(skb), endSeq(skb));
        }
        if (tp.isSack()) {
            growWindow(tp, skb, false);
        }
    }

    private void ofoInsertAfter(TcpSock tp, SkBuff at, SkBuff skb) {
        Sock.skbOrphan(skb);
        skb.sk = tp;
        tp.ofoQueue.insertAfter(at, skb);
        if (skb.next == null) {
            tp.ooLastSkb = skb;
        }
        tp.rmemAlloc += skb.truesize;
    }

    // ================================================================ receive memory

    /** Linux: {@code tcp_try_rmem_schedule()}: room for one more skb, pruning if over rcvbuf. */
    private int tryRmemSchedule(TcpSock tp, SkBuff skb) {
        if (tp.rmemAlloc > tp.rcvbuf) {
            if (pruneQueue(tp, skb) < 0) {
                return -1;
            }
        }
        return 0;
    }

    /**
     * Linux: {@code tcp_prune_queue()}: clamps the window; if the queues are still over the buffer,
     * drops the newest out-of-order segments; -1 if even that is not enough.
     */
    private int pruneQueue(TcpSock tp, SkBuff in) {
        ext.inc(TcpMib.PRUNE_CALLED);
        if (tp.rmemAlloc >= tp.rcvbuf) {
            clampWindow(tp);
        }
        if (tp.rmemAlloc <= tp.rcvbuf) {
            return 0;
        }
        pruneOfoQueue(tp, in);
        if (tp.rmemAlloc <= tp.rcvbuf) {
            return 0;
        }
        ext.inc(TcpMib.RCV_PRUNED);
        tp.predFlags = 0;
        return -1;
    }

    /** Linux: {@code tcp_prune_ofo_queue()}: drops from the highest sequence down. */
    boolean pruneOfoQueue(TcpSock tp, SkBuff in) {
        if (tp.ofoQueue.isEmpty()) {
            return false;
        }
        int goal = tp.rcvbuf >> 3;
        boolean pruned = false;
        SkBuff skb = tp.ooLastSkb;
        while (skb != null) {
            if (in != null && after(seq(in), seq(skb))) {
                break;
            }
            pruned = true;
            SkBuff prev = skb.prev;
            ofoUnlink(tp, skb);
            tp.rmemAlloc -= skb.truesize;
            goal -= skb.truesize;
            tp.countDrop();
            Skb.kfreeSkb(tcp.net(), skb, DropReason.PROTO_MEM);
            if (prev == null || goal <= 0) {
                if (tp.rmemAlloc <= tp.rcvbuf) {
                    break;
                }
                goal = tp.rcvbuf >> 3;
            }
            skb = prev;
        }
        if (pruned) {
            ext.inc(TcpMib.OFO_PRUNED);
            if (tp.sackOk != 0) {
                tp.numSacks = 0;
                tp.dsack = false;
            }
        }
        return pruned;
    }

    /** Linux: {@code tcp_clamp_window()}. */
    private void clampWindow(TcpSock tp) {
        tp.ackQuick = 0;
        int rmem2 = tp.sysctl.tcpRmem[2];
        if (tp.rcvbuf < rmem2 && (tp.userlocks & Sock.SOCK_RCVBUF_LOCK) == 0) {
            tp.rcvbuf = Math.min(tp.rmemAlloc, rmem2);
        }
        if (tp.rmemAlloc > tp.rcvbuf) {
            tp.rcvSsthresh = Math.min(tp.windowClamp, 2 * tp.advmss);
        }
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
                dsackSet(tp, seq(skb), end);
            }
        }
        tcp.output.sendAck(tp);
    }

    // ================================================================ SACK blocks we send

    /** Linux: {@code tcp_dsack_set()}: report a duplicate (RFC 2883). */
    void dsackSet(TcpSock tp, int seq, int end) {
        if (tp.isSack() && tp.sysctl.dsack != 0) {
            ext.inc(before(seq, tp.rcvNxt) ? TcpMib.DSACK_OLD_SENT : TcpMib.DSACK_OFO_SENT);
            tp.dsack = true;
            tp.duplicateSack[0] = seq;
            tp.duplicateSack[1] = end;
        }
    }

    private void dsackExtend(TcpSock tp, int seq, int end) {
        if (!tp.dsack) {
            dsackSet(tp, seq, end);
        } else {
            sackExtend(tp.duplicateSack, 0, seq, end);
        }
    }

    /** Linux: {@code tcp_sack_extend()}: merges {@code [seq, end)} into block {@code i} if they touch. */
    private static boolean sackExtend(int[] sp, int i, int seq, int end) {
        int s = sp[2 * i];
        int e = sp[2 * i + 1];
        if (!after(seq, e) && !after(s, end)) {
            if (before(seq, s)) {
                sp[2 * i] = seq;
            }
            if (after(end, e)) {
                sp[2 * i + 1] = end;
            }
            return true;
        }
        return false;
    }

    /**
     * Linux: {@code tcp_sack_new_ofo_skb()}: the block holding the new segment moves to the front
     * (RFC 2018: the first block reports the most recent segment); at most four are kept.
     */
    private void sackNewOfoSkb(TcpSock tp, int seq, int end) {
        int[] sp = tp.selectiveAcks;
        int cur = tp.numSacks;
        if (cur == 0) {
            sp[0] = seq;
            sp[1] = end;
            tp.numSacks = 1;
            return;
        }
        for (int i = 0; i < cur; i++) {
            if (sackExtend(sp, i, seq, end)) {
                if (i >= 2) {
                    sackCompressSendAck(tp);
                }
                for (; i > 0; i--) {
                    swap(sp, i, i - 1);
                }
                if (cur > 1) {
                    sackMaybeCoalesce(tp);
                }
                return;
            }
        }
        if (cur >= 2) {
            sackCompressSendAck(tp);
        }
        int n = cur;
        if (n >= TcpHeader.TCP_NUM_SACKS) {
            n--;
            tp.numSacks--;
        }
        for (int i = n; i > 0; i--) {
            sp[2 * i] = sp[2 * (i - 1)];
            sp[2 * i + 1] = sp[2 * (i - 1) + 1];
        }
        sp[0] = seq;
        sp[1] = end;
        tp.numSacks++;
    }

    private static void swap(int[] sp, int i, int j) {
        int a = sp[2 * i];
        int b = sp[2 * i + 1];
        sp[2 * i] = sp[2 * j];
        sp[2 * i + 1] = sp[2 * j + 1];
        sp[2 * j] = a;
        sp[2 * j + 1] = b;
    }

    /** Linux: {@code tcp_sack_maybe_coalesce()}. */
    private static void sackMaybeCoalesce(TcpSock tp) {
        int[] sp = tp.selectiveAcks;
        for (int i = 1; i < tp.numSacks;) {
            if (sackExtend(sp, 0, sp[2 * i], sp[2 * i + 1])) {
                tp.numSacks--;
                for (int k = i; k < tp.numSacks; k++) {
                    sp[2 * k] = sp[2 * (k + 1)];
                    sp[2 * k + 1] = sp[2 * (k + 1) + 1];
                }
                continue;
            }
            i++;
        }
    }

    /** Linux: {@code tcp_sack_remove()}: RCV.NXT advanced; blocks it covers go. */
    private static void sackRemove(TcpSock tp) {
        if (tp.ofoQueue.isEmpty()) {
            tp.numSacks = 0;
            return;
        }
        int[] sp = tp.selectiveAcks;
        int n = tp.numSacks;
        for (int i = 0; i < n;) {
            if (!before(tp.rcvNxt, sp[2 * i])) {
                for (int k = i + 1; k < n; k++) {
                    sp[2 * (k - 1)] = sp[2 * k];
                    sp[2 * (k - 1) + 1] = sp[2 * k + 1];
                }
                n--;
                continue;
            }
            i++;
        }
        tp.numSacks = n;
    }

    /** Frees the out-of-order queue (Linux: {@code skb_rbtree_purge()} in {@code tcp_fin()}, close). */
    void purgeOfo(TcpSock tp) {
        SkBuff skb;
        while ((skb = tp.ofoQueue.dequeue()) != null) {
            tp.rmemAlloc -= skb.truesize;
            Skb.kfreeSkb(tcp.net(), skb, DropReason.SOCKET_CLOSE);
        }
        tp.ooLastSkb = null;
    }
}
