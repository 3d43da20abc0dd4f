package dev.packetflow.net.ipv4;

import dev.packetflow.kernel.time.TimerList;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.Mib;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.SkBuffHead;
import dev.packetflow.net.core.Skb;
import dev.packetflow.trace.Trace;
import dev.packetflow.trace.Tracepoint;
import java.util.HashMap;
import java.util.Map;

/**
 * Reassembly of fragmented datagrams addressed to this host (RFC 791 section 3.2, RFC 815), with
 * the rules of today's Linux:
 * <ul>
 * <li>queues are keyed by (source, destination, identification, protocol);
 * <li>a fragment that lies wholly inside data already queued is a duplicate and is dropped alone
 *     (DUP_FRAG); one that partly overlaps queued data discards the whole datagram (Linux since
 *     4.19, as RFC 5722 requires for IPv6): IP_FRAG_OVERLAP, ReasmFails, ReasmOverlaps;
 * <li>a last fragment that disagrees with the length already known discards the datagram;
 * <li>while queued fragments take more than {@code ipfrag_high_thresh} bytes, new fragments are
 *     refused (IP_FRAG_MEM, ReasmFails) until timeouts free memory: Linux stopped evicting old
 *     queues in 4.17, and {@code ipfrag_low_thresh} has been unused since;
 * <li>a datagram not complete {@code ipfrag_time} seconds after its first fragment arrived is
 *     dropped (ReasmTimeout, ReasmFails) and, if its first fragment (offset 0) had arrived, the
 *     sender gets ICMP time exceeded, "fragment reassembly time exceeded" (RFC 792, RFC 1122
 *     3.3.2).
 * </ul>
 * The complete datagram is copied into one buffer (a large pool buffer holds 64 KB).
 *
 * <p>While queued, a fragment's {@code cb2} holds its offset and {@code cb3} its end (Linux keeps
 * them in {@code FRAG_CB}), and its data starts after its IP header.
 *
 * <p>Linux: {@code net/ipv4/ip_fragment.c} ({@code ip_defrag}, {@code ip_frag_queue},
 * {@code ip_frag_reasm}, {@code ip_expire}), {@code net/ipv4/inet_fragment.c}.
 */
final class IpDefrag implements AutoCloseable {
    static final Tracepoint IP_DEFRAG = Trace.point("ip_defrag");
    static final Tracepoint IP_FRAG_REASM = Trace.point("ip_frag_reasm");
    static final Tracepoint IP_EXPIRE = Trace.point("ip_expire");

    /** Bookkeeping charged per fragment beyond its buffer (Linux: the sk_buff in skb->truesize). */
    private static final int SKB_OVERHEAD = 256;

    private static final int FIRST_IN = 1;
    private static final int LAST_IN = 2;

    private record Key(int saddr, int daddr, int id, int protocol) {}

    /** Linux: {@code struct ipq}. */
    private static final class Queue {
        final Key key;
        final SkBuffHead frags = new SkBuffHead();
        final TimerList timer;
        int flags;
        /** Total datagram payload length once known (or the furthest end seen). */
        int len;
        /** Payload bytes queued. */
        int meat;
        int maxSize;
        int maxDfSize;
        int iif;
        long mem;
        boolean dead;

        Queue(Key key, IpDefrag owner) {
            this.key = key;
            this.timer = new TimerList(t -> owner.ipExpire(this), this);
        }
    }

    private final NetStack net;
    private final Ipv4 ipv4;
    private final Mib ip;
    private final Mib ipExt;
    private final Map<Key, Queue> queues = new HashMap<>();
    private long mem;
    private boolean closed;

    IpDefrag(NetStack net, Ipv4 ipv4) {
        this.net = net;
        this.ipv4 = ipv4;
        this.ip = ipv4.ipMib;
        this.ipExt = ipv4.ipExtMib;
    }

    /** Bytes of fragments held (Linux: {@code frag_mem_limit()}). */
    synchronized long memory() {
        return mem;
    }

    synchronized int queueCount() {
        return queues.size();
    }

    /**
     * Linux: {@code ip_defrag()}. Takes a fragment (data at its IP header). Returns the reassembled
     * datagram (data at its IP header) when this fragment completed one, else null: the fragment was
     * queued or dropped.
     */
    SkBuff ipDefrag(SkBuff skb) {
        if (IP_DEFRAG.enabled) {
            IP_DEFRAG.fire(net, skb, 0);
        }
        ip.inc(IpMib.REASM_REQDS);
        SkBuff done;
        SkBuff icmpHead = null;
        synchronized (this) {
            if (closed || mem > ipv4.ipfragHighThresh) {
                ip.inc(IpMib.REASM_FAILS);
                Skb.kfreeSkb(skb, DropReason.IP_FRAG_MEM);
                return null;
            }
            int nh = skb.networkHeader;
            Key k = new Key(Ipv4Header.sourceAddress(skb, nh), Ipv4Header.destinationAddress(skb, nh),
                    Ipv4Header.identification(skb, nh), Ipv4Header.protocol(skb, nh));
            Queue q = queues.get(k);
            if (q == null) {
                q = new Queue(k, this);
                queues.put(k, q);
                net.timers().modTimer(q.timer, net.clock().nanoTime() + ipv4.ipfragTime * 1_000_000_000L);
            }
            done = ipFragQueue(q, skb);
        }
        return done;
    }

    /** Linux: {@code ip_frag_queue()}. Called with the lock held. */
    private SkBuff ipFragQueue(Queue q, SkBuff skb) {
        int nh = skb.networkHeader;
        int ihl = Ipv4Header.headerLength(skb, nh);
        int fo = Ipv4Header.fragOff(skb, nh);
        int offset = (fo & Ipv4Header.IP_OFFSET) << 3;
        int end = offset + skb.len() - ihl;
        if ((fo & Ipv4Header.IP_MF) == 0) {
            // The last fragment fixes the length; data already beyond it, or another last
            // fragment with a different end, means the datagram is corrupt.
            if (end < q.len || ((q.flags & LAST_IN) != 0 && end != q.len)) {
                return discard(q, skb, DropReason.IP_FRAG_OVERLAP, false);
            }
            q.flags |= LAST_IN;
            q.len = end;
        } else {
            // Non-last fragments carry multiples of 8 bytes; the excess is not part of the datagram.
            end &= ~7;
            if (end > q.len) {
                if ((q.flags & LAST_IN) != 0) {
                    return discard(q, skb, DropReason.IP_FRAG_OVERLAP, false);
                }
                q.len = end;
            }
        }
        if (end == offset || end > Ipv4Header.MAX_TOTAL_LEN - ihl) {
            return discard(q, skb, DropReason.IP_INHDR, false);
        }
        // Find the place: fragments are kept sorted by offset.
        SkBuff prev = null;
        for (SkBuff f = q.frags.peek(); f != null; f = f.next) {
            int fOff = f.cb2;
            int fEnd = f.cb3;
            if (end <= fOff) {
                break;
            }
            if (offset >= fEnd) {
                prev = f;
                continue;
            }
            if (offset >= fOff && end <= fEnd) {
                Skb.kfreeSkb(skb, DropReason.DUP_FRAG);
                return null;
            }
            return discard(q, skb, DropReason.IP_FRAG_OVERLAP, true);
        }
        skb.pull(ihl);
        skb.trim(end - offset);
        skb.cb2 = offset;
        skb.cb3 = end;
        q.frags.insertAfter(prev, skb);
        NetDevice dev = skb.dev;
        if (dev != null) {
            q.iif = dev.ifindex();
        }
        q.meat += end - offset;
        long truesize = skb.end + SKB_OVERHEAD;
        q.mem += truesize;
        mem += truesize;
        if (offset == 0) {
            q.flags |= FIRST_IN;
        }
        int fragsize = end - offset + ihl;
        q.maxSize = Math.max(q.maxSize, fragsize);
        if ((fo & Ipv4Header.IP_DF) != 0) {
            q.maxDfSize = Math.max(q.maxDfSize, fragsize);
        }
        if (q.flags == (FIRST_IN | LAST_IN) && q.meat == q.len) {
            return ipFragReasm(q, skb);
        }
        return null;
    }

    /** Drops {@code skb} and kills the queue (Linux: {@code inet_frag_kill} + ReasmFails). */
    private SkBuff discard(Queue q, SkBuff skb, DropReason reason, boolean overlap) {
        if (overlap) {
            ipExt.inc(IpMib.EXT_REASM_OVERLAPS);
        }
        ip.inc(IpMib.REASM_FAILS);
        Skb.kfreeSkb(skb, reason);
        kill(q, reason);
        return null;
    }

    private void kill(Queue q, DropReason reason) {
        if (q.dead) {
            return;
        }
        q.dead = true;
        queues.remove(q.key);
        net.timers().delTimer(q.timer);
        Skb.purge(q.frags, reason);
        mem -= q.mem;
        q.mem = 0;
    }

    /**
     * Linux: {@code ip_frag_reasm()}. Copies the first fragment's header and every fragment's data
     * into one new buffer; the header gets the full length, no MF or offset, and DF if the largest
     * fragment had it. The skb that completed the datagram lends its device and route.
     */
    private SkBuff ipFragReasm(Queue q, SkBuff last) {
        if (IP_FRAG_REASM.enabled) {
            IP_FRAG_REASM.fire(net, last, q.len);
        }
        SkBuff head = q.frags.peek();
        int hnh = head.networkHeader;
        int ihl = Ipv4Header.headerLength(head, hnh);
        int total = ihl + q.len;
        SkBuff r = net.pool().alloc(IpOutput.LL_RESERVED_SPACE + total);
        if (r == null) {
            ip.inc(IpMib.REASM_FAILS);
            kill(q, DropReason.NOMEM);
            return null;
        }
        r.reserve(IpOutput.LL_RESERVED_SPACE);
        int o = r.put(total);
        r.write(o, head, hnh, ihl);
        for (SkBuff f = head; f != null; f = f.next) {
            r.write(o + ihl + f.cb2, f, f.data, f.len());
        }
        r.networkHeader = o;
        r.transportHeader = o + ihl;
        r.setU16(o + Ipv4Header.TOT_LEN, total);
        boolean df = q.maxDfSize == q.maxSize;
        r.setU16(o + Ipv4Header.FRAG_OFF, df ? Ipv4Header.IP_DF : 0);
        Ipv4Header.fillChecksum(r, o);
        r.dev = last.dev;
        r.dst = last.dst;
        r.pktType = last.pktType;
        r.protocol = last.protocol;
        r.mark = last.mark;
        r.tstampNs = last.tstampNs;
        r.journey = head.journey != 0 ? head.journey : last.journey;
        r.cb0 = df ? Ipv4.IPSKB_FRAG_PMTU : 0;
        r.cb1 = Math.max(q.maxDfSize, q.maxSize);
        q.dead = true;
        queues.remove(q.key);
        net.timers().delTimer(q.timer);
        SkBuff f;
        while ((f = q.frags.dequeue()) != null) {
            Skb.consumeSkb(f);
        }
        mem -= q.mem;
        q.mem = 0;
        ip.inc(IpMib.REASM_OKS);
        return r;
    }

    /**
     * Linux: {@code ip_expire()}. The timer of an incomplete datagram: drop it (ReasmTimeout,
     * ReasmFails) and, if its first fragment arrived, tell the sender with ICMP time exceeded
     * code 1, quoting that fragment.
     */
    private void ipExpire(Queue q) {
        SkBuff head = null;
        synchronized (this) {
            if (q.dead) {
                return;
            }
            if (IP_EXPIRE.enabled) {
                IP_EXPIRE.fire(net, q.frags.peek(), 0);
            }
            ip.inc(IpMib.REASM_FAILS);
            ip.inc(IpMib.REASM_TIMEOUT);
            if ((q.flags & FIRST_IN) != 0 && q.frags.peek() != null && q.frags.peek().cb2 == 0) {
                head = q.frags.dequeue();
                long truesize = head.end + SKB_OVERHEAD;
                q.mem -= truesize;
                mem -= truesize;
            }
            kill(q, DropReason.FRAG_REASM_TIMEOUT);
        }
        if (head == null) {
            return;
        }
        NetDevice dev = net.deviceByIndex(q.iif);
        if (dev != null) {
            // The fragment's route was dropped when it was queued; route it again (Linux does too).
            head.dev = dev;
            head.dst = null;
            int nh = head.networkHeader;
            DropReason r = ipv4.route().ipRouteInput(head, Ipv4Header.destinationAddress(head, nh),
                    Ipv4Header.sourceAddress(head, nh), dev);
            if (r == null && ((Rtable) head.dst).type == FibRoute.RTN_LOCAL) {
                ipv4.icmp().icmpSend(head, IcmpHeader.ICMP_TIME_EXCEEDED, IcmpHeader.ICMP_EXC_FRAGTIME, 0);
            }
        }
        Skb.kfreeSkb(net, head, DropReason.FRAG_REASM_TIMEOUT);
    }

    /** Frees every queued fragment (stack shutdown). */
    @Override
    public synchronized void close() {
        closed = true;
        for (Queue q : queues.values().toArray(new Queue[0])) {
            kill(q, DropReason.QUEUE_PURGE);
        }
    }
}
