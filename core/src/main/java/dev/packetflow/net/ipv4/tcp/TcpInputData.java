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
        if (seq(skb) == tp.rcvNxt) {
            if (tp.receiveWindow() == 0) {
                if (skb.len() == 0 && (flags(skb) & FIN) != 0) {
                    queueAndOut(tp, skb);
                    return;
                }
                ext.inc(TcpMib.ZERO_WINDOW_DROP);
                outOfWindow(tp, skb, DropReason.TCP_ZEROWINDOW);
                return;
            }
            queueAndOut(tp, skb);
            return;
        }
        if (!after(endSeq(skb), tp.rcvNxt)) {
            // A retransmit, 2nd most common case: force an immediate ACK with a D-SACK.
            ext.inc(TcpMib.DELAYED_ACK_LOST);
            dsackSet(tp, seq(skb), endSeq(skb));
            outOfWindow(tp, skb, DropReason.TCP_OLD_DATA);
            return;
        }
        if (!before(seq(skb), tp.rcvNxt + tp.receiveWindow())) {
            outOfWindow(tp, skb, DropReason.TCP_OVERWINDOW);
            return;
        }
        if (before(seq(skb), tp.rcvNxt)) {
            dsackSet(tp, seq(skb), tp.rcvNxt);
            if (tp.receiveWindow() == 0) {
                ext.inc(TcpMib.ZERO_WINDOW_DROP);
                outOfWindow(tp, skb, DropReason.TCP_ZEROWINDOW);
                return;
            }
            queueAndOut(tp, skb);
            return;
        }
        dataQueueOfo(tp, skb);
    }

    private void outOfWindow(TcpSock tp, SkBuff skb, DropReason reason) {
        tcp.ackPolicy.enterQuickackMode(tp, Tcp.TCP_MAX_QUICKACKS);
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
            tcp.ackPolicy.eventDataRecv(tp, skb);
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
                Skb.kfreeSkb(tcp.net(), skb, DropReason.TCP_OFO_DROP);
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
                tcp.ackPolicy.growWindow(tp, skb, true);
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
                    Skb.kfreeSkb(tcp.net(), skb, DropReason.TCP_OFOMERGE);
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
                    Skb.kfreeSkb(tcp.net(), prev, DropReason.TCP_OFOMERGE);
                    prev = before;
                }
            } else if (prev != null && tryCoalesce(tp, prev, skb)) {
                if (tp.isSack()) {
                    tcp.ackPolicy.growWindow(tp, skb, true);
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
            Skb.kfreeSkb(tcp.net(), n, DropReason.TCP_OFOMERGE);
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
            tcp.ackPolicy.growWindow(tp, skb, false);
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
            Skb.kfreeSkb(tcp.net(), skb, DropReason.TCP_OFO_QUEUE_PRUNE);
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
                    tcp.ackPolicy.sackCompressSendAck(tp);
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
            tcp.ackPolicy.sackCompressSendAck(tp);
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
