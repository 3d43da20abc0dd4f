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
 * packet belong to that thread. A thread that finds another one running sets {@code MISSED}, and
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

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Qdisc.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** {@link #state}: one thread feeds the device (Linux: the qdisc's {@code seqlock} / {@code __QDISC_STATE_RUNNING}). */
    private static final int RUNNING = 1;
    /** {@link #state}: a thread wanted to run while another did (Linux: {@code __QDISC_STATE_MISSED}). */
    private static final int MISSED = 2;
    /**
     * RUNNING and MISSED in one word, so that each change is one atomic instruction: the runner
     * lets go with a single compare-and-set that fails if a note arrived, where two separate
     * flags need a store, a full fence and a load (Linux's {@code qdisc_run_end()}: unlock,
     * {@code smp_mb()}, test MISSED). The qdisc is begun and ended once per packet sent, so that
     * fence was paid per packet.
     */
    @SuppressWarnings("unused") // through STATE
    private volatile int state;
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
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if ((s & RUNNING) == 0) {
                if (STATE.compareAndSet(this, s, RUNNING)) {
                    return true;
                }
            } else if ((s & MISSED) != 0 || STATE.compareAndSet(this, s, s | MISSED)) {
                return false; // the runner will look again
            }
        }
    }

    /** {@link #runBegin()} without leaving a note: for the bypass, which enqueues if it loses. */
    public boolean tryRunBegin() {
        return STATE.compareAndSet(this, 0, RUNNING);
    }

    /** Called by the runner before it looks at the queue: notes left so far are being served. */
    public void clearMissed() {
        int s;
        while (((s = (int) STATE.getOpaque(this)) & MISSED) != 0) {
            if (STATE.compareAndSet(this, s, s & ~MISSED)) {
                return;
            }
        }
    }

    /**
     * Linux: {@code qdisc_run_end()}. Stops feeding the device. Returns true when another thread
     * left a note meanwhile: then the caller is still the runner (the note is cleared) and must
     * look at the queue again.
     */
    public boolean runEnd() {
        for (;;) {
            if (STATE.compareAndSet(this, RUNNING, 0)) {
                return false;
            }
            // Not plain RUNNING: a note came. Keep running, take the note, go round again.
            if (STATE.compareAndSet(this, RUNNING | MISSED, RUNNING)) {
                return true;
            }
            if (((int) STATE.getVolatile(this) & RUNNING) == 0) {
                return false; // not the runner (a caller's bug); nothing to let go
            }
        }
    }

    /** Whether a thread is feeding the device now. */
    public boolean running() {
        return ((int) STATE.getVolatile(this) & RUNNING) != 0;
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
