package dev.packetflow.net.sched;

import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.SkBuff;

/**
 * A queueing discipline: where transmitted packets wait for the device. The core calls
 * {@link #enqueue} and {@link #dequeue} under the qdisc's lock ({@code this}); an implementation
 * need not lock itself.
 *
 * <p>Linux: {@code include/net/sch_generic.h struct Qdisc}, {@code struct Qdisc_ops}.
 */
public abstract class Qdisc {
    /** {@link #enqueue} results, Linux's NET_XMIT_*. */
    public static final int NET_XMIT_SUCCESS = 0x00;
    public static final int NET_XMIT_DROP = 0x01;
    public static final int NET_XMIT_CN = 0x02;

    /** Linux: {@code TC_PRIO_MAX}. */
    public static final int TC_PRIO_MAX = 15;

    // Linux: struct gnet_stats_basic / gnet_stats_queue, what `tc -s qdisc` prints.
    public long bytes;
    public long packets;
    public long drops;
    public long requeues;
    public long overlimits;
    public long backlog;

    /** Set while one thread dequeues for the device (Linux: {@code __QDISC_STATE_RUNNING}). */
    public boolean running;
    /** A packet the device refused (NETDEV_TX_BUSY), sent first next time (Linux: {@code gso_skb}). */
    public SkBuff requeued;

    /** Linux: {@code q->enqueue()}. Takes {@code skb}; on NET_XMIT_DROP it has been freed. */
    public abstract int enqueue(SkBuff skb);

    /** Linux: {@code q->dequeue()}. */
    public abstract SkBuff dequeue();

    /** Packets queued. */
    public abstract int qlen();

    /** Frees every queued packet (Linux: {@code qdisc_reset()}). */
    public abstract void reset();

    /** Name as {@code tc qdisc show} prints it. */
    public abstract String kind();

    /** Whether packets may bypass the queue entirely (noqueue). */
    public boolean isNoQueue() {
        return false;
    }

    /** Linux: {@code qdisc_drop()}: counts and frees a packet the discipline refuses. */
    protected int drop(SkBuff skb) {
        drops++;
        dev.packetflow.net.core.Skb.kfreeSkb(skb, DropReason.QDISC_DROP);
        return NET_XMIT_DROP;
    }
}
