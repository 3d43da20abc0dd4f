package dev.packetflow.net.sched;

import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.SkBuff;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A queueing discipline: where transmitted packets wait for the device. The core calls
 * {@link #enqueue} and {@link #dequeue} under the qdisc's lock ({@code this}); an implementation
 * need not lock itself, but must keep {@link #qlen()} readable without the lock (a volatile
 * field), because the core looks at it to decide whether to take the lock at all.
 *
 * <p>One thread at a time feeds the device: the one that wins {@link #runBegin()}. Statistics
 * {@link #bytes}, {@link #packets}, {@link #requeues}, {@link #bypasses} and the {@link #requeued}
 * packet belong to that thread. A thread that finds another one running sets {@code missed}, and
 * the runner looks again before it lets go ({@link #runEnd()}), so no packet is left behind.
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

    /**
     * Packets that went straight to the driver because the queue was empty and nobody was feeding
     * the device (Linux: the {@code TCQ_F_CAN_BYPASS} path of {@code __dev_xmit_skb}); they are
     * also counted in {@link #packets} and {@link #bytes}, as Linux counts them.
     */
    public long bypasses;

    private static final VarHandle RUNNING;
    private static final VarHandle MISSED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            RUNNING = l.findVarHandle(Qdisc.class, "running", int.class);
            MISSED = l.findVarHandle(Qdisc.class, "missed", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** 1 while one thread feeds the device (Linux: the qdisc's {@code seqlock} / {@code __QDISC_STATE_RUNNING}). */
    @SuppressWarnings("unused") // through RUNNING
    private volatile int running;
    /** Set by a thread that wanted to run while another did (Linux: {@code __QDISC_STATE_MISSED}). */
    @SuppressWarnings("unused") // through MISSED
    private volatile int missed;
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

    /**
     * Linux: {@code qdisc_run_begin()}. Tries to become the thread that feeds the device; if
     * another one is, leaves it a note ({@code MISSED}) so that it looks at the queue once more
     * before it stops, and returns false.
     */
    public boolean runBegin() {
        if (RUNNING.compareAndSet(this, 0, 1)) {
            return true;
        }
        MISSED.setVolatile(this, 1);
        // The runner may have let go between our two looks: then it is ours.
        return RUNNING.compareAndSet(this, 0, 1);
    }

    /** {@link #runBegin()} without leaving a note: for the bypass, which enqueues if it loses. */
    public boolean tryRunBegin() {
        return RUNNING.compareAndSet(this, 0, 1);
    }

    /** Called by the runner before it looks at the queue: notes left so far are being served. */
    public void clearMissed() {
        if ((int) MISSED.getOpaque(this) != 0) {
            MISSED.setVolatile(this, 0);
        }
    }

    /**
     * Linux: {@code qdisc_run_end()}. Stops feeding the device. Returns true when another thread
     * left a note meanwhile and this one took the run back: the caller must look at the queue again.
     */
    public boolean runEnd() {
        RUNNING.setVolatile(this, 0);
        return (int) MISSED.getVolatile(this) != 0 && RUNNING.compareAndSet(this, 0, 1);
    }

    /** Whether a thread is feeding the device now. */
    public boolean running() {
        return (int) RUNNING.getVolatile(this) != 0;
    }

    /**
     * Whether a packet arriving at an empty, idle qdisc may go straight to the driver (Linux:
     * {@code TCQ_F_CAN_BYPASS}, set by work-conserving FIFOs such as pfifo_fast).
     */
    public boolean canBypass() {
        return false;
    }

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
