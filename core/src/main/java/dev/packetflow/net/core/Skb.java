package dev.packetflow.net.core;

import dev.packetflow.net.NetStack;
import dev.packetflow.trace.Trace;

/**
 * The functions of {@code net/core/skbuff.c} that are not methods of one skb: allocation with the
 * stack's conventions, and the two ways a packet's life ends. Every drop in packetflow goes
 * through {@link #kfreeSkb(SkBuff, DropReason)}; every packet that reached its goal through
 * {@link #consumeSkb(SkBuff)}.
 */
public final class Skb {
    /** Linux: {@code NET_SKB_PAD}, headroom drivers leave in front of a received frame. */
    public static final int NET_SKB_PAD = 64;
    /**
     * Headroom reserved on locally built packets: Ethernet (14) + IPv4 with options (60) + TCP with
     * options (60), rounded up. Linux: {@code MAX_TCP_HEADER}.
     */
    public static final int MAX_HEADER = 160;

    private static final DropCounters GLOBAL_DROPS = new DropCounters();
    /** A journey id the next allocated skb takes; see {@link #followNext(long)}. */
    private static volatile long pendingJourney;

    private Skb() {}

    /** Linux: {@code alloc_skb()} from the device's or the default pool. */
    public static SkBuff allocSkb(PagePool pool, int size) {
        return pool.alloc(size);
    }

    /**
     * Linux: {@code netdev_alloc_skb()}: a buffer for a received frame of {@code len} bytes with
     * {@link #NET_SKB_PAD} headroom, its {@code dev} set.
     */
    public static SkBuff netdevAllocSkb(NetDevice dev, int len) {
        SkBuff skb = dev.pool().alloc(len + NET_SKB_PAD);
        if (skb != null) {
            skb.reserve(NET_SKB_PAD);
            skb.dev = dev;
        }
        return skb;
    }

    /**
     * Linux: {@code build_skb()} + {@code skb_reserve()} + {@code skb_put()}: wraps a raw page that a
     * driver filled (an RX descriptor's buffer) in an skb without copying: data starts
     * {@code headroom} bytes into the page and is {@code len} bytes long. The page now belongs to the
     * skb and returns to its pool when the skb is freed. Throws IllegalArgumentException when the
     * frame does not fit in the page.
     */
    public static SkBuff buildSkb(PagePool.Page page, int headroom, int len, NetDevice dev) {
        SkbShared b = (SkbShared) page;
        SkBuff skb = b.pool.buildSkb(b, headroom, len);
        skb.dev = dev;
        return skb;
    }

    /**
     * Linux: {@code kfree_skb_reason()}. Ends a packet's life as a drop: counts the reason in the
     * stack of the packet's device, fires {@code kfree_skb}, returns the buffer to its pool.
     */
    public static void kfreeSkb(SkBuff skb, DropReason reason) {
        if (skb == null) {
            return;
        }
        if (!skb.putUser()) {
            return;
        }
        NetDevice dev = skb.dev;
        NetStack net = dev != null ? dev.net() : null;
        (net != null ? net.drops() : GLOBAL_DROPS).count(reason);
        if (Trace.KFREE_SKB.enabled) {
            Trace.KFREE_SKB.fire(net, dev, skb, reason.ordinal());
        }
        skb.release();
    }

    /** Drops a packet without a device (so without a stack) but still with a reason. */
    public static void kfreeSkb(NetStack net, SkBuff skb, DropReason reason) {
        if (skb == null || !skb.putUser()) {
            return;
        }
        (net != null ? net.drops() : GLOBAL_DROPS).count(reason);
        if (Trace.KFREE_SKB.enabled) {
            Trace.KFREE_SKB.fire(net, skb.dev, skb, reason.ordinal());
        }
        skb.release();
    }

    /**
     * Linux: {@code skb_orphan()}: runs and clears the skb's destructor (giving the owning
     * socket's memory back), so it belongs to no socket.
     */
    public static void skbOrphan(SkBuff skb) {
        SkBuff.Destructor d = skb.destructor;
        if (d != null) {
            skb.destructor = null;
            d.destruct(skb);
        }
        skb.sk = null;
    }

    /** Linux: {@code consume_skb()}. Ends a packet's life as a success. */
    public static void consumeSkb(SkBuff skb) {
        if (skb == null || !skb.putUser()) {
            return;
        }
        if (Trace.CONSUME_SKB.enabled) {
            Trace.CONSUME_SKB.fire(skb.dev, skb, 0);
        }
        skb.release();
    }

    /**
     * Linux: the per-segment part of {@code skb_segment()}, list building included. A new skb
     * holding the first {@code hdrLen} bytes of {@code skb} from {@code data} (its headers)
     * followed by {@code len} bytes of the payload that starts {@code off} bytes after them, with
     * {@link #NET_SKB_PAD} of headroom (what a driver may still push in front of the frame), the
     * super-packet's metadata ({@link SkBuff#copySegmentMeta}) and its MAC, network and transport
     * header offsets carried over; linked after {@code tail}, the last segment made so far (null
     * for the first). Returns the new segment, the list's new tail. When the pool is empty,
     * every segment made so far (the list from {@code head}) is freed and null returned, so a
     * segmenter leaves nothing behind by returning null.
     */
    public static SkBuff segmentAppend(SkBuff skb, SkBuff head, SkBuff tail, int hdrLen, int off, int len) {
        SkBuff s = skb.pool().alloc(NET_SKB_PAD + hdrLen + len);
        if (s == null) {
            consumeSkbList(head);
            return null;
        }
        s.reserve(NET_SKB_PAD);
        int o = s.put(hdrLen + len);
        s.write(o, skb, skb.data, hdrLen);
        s.write(o + hdrLen, skb, skb.data + hdrLen + off, len);
        s.copySegmentMeta(skb);
        s.macHeader = skb.macHeader >= skb.data ? o + skb.macHeader - skb.data : -1;
        s.networkHeader = o + skb.networkHeader - skb.data;
        s.transportHeader = o + skb.transportHeader - skb.data;
        if (tail != null) {
            tail.next = s;
        }
        return s;
    }

    /**
     * Linux: {@code consume_skb_list()} / {@code kfree_skb_list()}: frees every skb of a list linked
     * through {@code next}, none of them used (the segments of a super-packet that could not go).
     */
    public static void consumeSkbList(SkBuff s) {
        while (s != null) {
            SkBuff n = s.next;
            s.next = null;
            consumeSkb(s);
            s = n;
        }
    }

    /** Frees a scratch skb without any tracepoint (buffer bookkeeping, not a packet's end). */
    static void consumeQuiet(SkBuff skb) {
        if (skb.putUser()) {
            skb.release();
        }
    }

    /** Drops every skb on a list (Linux: {@code __skb_queue_purge_reason()}). */
    public static void purge(SkBuffHead q, DropReason reason) {
        SkBuff s;
        while ((s = q.dequeue()) != null) {
            kfreeSkb(s, reason);
        }
    }

    /** Drops counted for packets that had no device, hence no stack. */
    public static DropCounters globalDrops() {
        return GLOBAL_DROPS;
    }

    /**
     * Marks the next skb allocated anywhere in the process as part of journey {@code id}. The
     * journey recorder uses it to follow a packet that a call is about to create.
     */
    public static void followNext(long id) {
        pendingJourney = id;
    }

    /**
     * The journey id the next allocated skb will take, without taking it (0: none). A stage that
     * runs before its packet exists (the {@code sendto} system call) passes this as its
     * tracepoint's {@code arg}, so the journey starts where the application called.
     */
    public static long pendingJourney() {
        return pendingJourney;
    }

    static long takePendingJourney() {
        long j = pendingJourney;
        if (j != 0) {
            pendingJourney = 0;
        }
        return j;
    }
}
