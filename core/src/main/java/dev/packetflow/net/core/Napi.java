package dev.packetflow.net.core;

import dev.packetflow.trace.Trace;

/**
 * A NAPI context: one receive queue of one device that a softnet CPU polls with a budget instead
 * of taking an interrupt per frame.
 *
 * <p>Life cycle, as in the seed's {@code driver_interrupt}/{@code driver_poll}: the driver's
 * interrupt handler masks its interrupt and calls {@link #schedule()}; the CPU's
 * {@code net_rx_action} calls {@link Poller#poll} with a budget; a poll that does less work than
 * its budget has drained the ring, calls {@link #complete()} and unmasks the interrupt.
 *
 * <p>Linux: {@code include/linux/netdevice.h struct napi_struct}, {@code net/core/dev.c}.
 */
public final class Napi {
    /** The driver's poll routine (Linux: {@code napi->poll}). Returns the work done, at most budget. */
    @FunctionalInterface
    public interface Poller {
        int poll(Napi napi, int budget);
    }

    /** Linux's default weight, {@code NAPI_POLL_WEIGHT}. */
    public static final int POLL_WEIGHT = 64;

    final NetDevice dev;
    final Poller poller;
    final int weight;
    SoftnetData cpu;
    /** NAPI_STATE_SCHED: set while on a poll list or being polled; guards against double scheduling. */
    final java.util.concurrent.atomic.AtomicBoolean sched = new java.util.concurrent.atomic.AtomicBoolean();
    /** Set when schedule() was called while a poll was running; the poll must run again. */
    volatile boolean missed;
    /**
     * Linux: {@code NAPI_STATE_IN_BUSY_POLL}. Set while a preferring busy poller owns this context
     * across its polls: the context stays scheduled, {@link #complete()} refuses, so the driver
     * keeps its interrupt masked and producers only fill the ring.
     */
    volatile boolean inBusyPoll;
    /** The thread owning the context while {@link #inBusyPoll}; changed under {@link #pollLock}. */
    private volatile Thread busyOwner;
    /** Held while the busy-poll owner polls, and by whoever takes the context back from it. */
    private final java.util.concurrent.atomic.AtomicBoolean pollLock = new java.util.concurrent.atomic.AtomicBoolean();
    Napi nextInList;

    public Napi(NetDevice dev, Poller poller) {
        this(dev, poller, POLL_WEIGHT);
    }

    public Napi(NetDevice dev, Poller poller, int weight) {
        this.dev = dev;
        this.poller = poller;
        this.weight = weight;
        if (dev != null) {
            dev.addNapi(this);
        }
    }

    public NetDevice dev() {
        return dev;
    }

    public int weight() {
        return weight;
    }

    /** Binds this context to a CPU's softnet; a device's NAPI is bound when it is registered. */
    public void bind(SoftnetData cpu) {
        this.cpu = cpu;
    }

    /**
     * Linux: {@code napi_schedule()}. Puts this context on its CPU's poll list unless it is already
     * there. Safe to call from any thread (a veth peer transmits from the other stack's thread).
     */
    public void schedule() {
        schedule(true);
    }

    /**
     * Linux: {@code napi_schedule_irqoff()} from an interrupt handler that runs the softirq on
     * its own way out ({@link SoftnetData#irqExit}): the context is listed but ksoftirqd is not
     * woken for it. The caller must call {@code irqExit()} next.
     */
    public void scheduleIrqoff() {
        schedule(false);
    }

    private void schedule(boolean wake) {
        if (sched.compareAndSet(false, true)) {
            if (dev != null && Trace.NAPI_SCHEDULE.enabled) {
                Trace.NAPI_SCHEDULE.fire(dev, null, 0);
            }
            cpu.listAdd(this, wake);
        } else {
            missed = true;
        }
    }

    /**
     * Linux: {@code napi_complete_done()}. Called by a poll that drained its ring. Returns false
     * when a schedule raced with the poll: the context stays scheduled and the driver must not
     * re-enable its interrupt.
     */
    public boolean complete() {
        if (inBusyPoll) {
            return false; // Linux: napi_complete_done() refuses while NAPIF_STATE_IN_BUSY_POLL
        }
        if (missed) {
            missed = false;
            cpu.listAdd(this);
            return false;
        }
        sched.set(false);
        if (missed) {
            // A producer saw SCHED set just before we cleared it; take the work back.
            missed = false;
            if (sched.compareAndSet(false, true)) {
                cpu.listAdd(this);
                return false;
            }
        }
        return true;
    }

    public boolean scheduled() {
        return sched.get();
    }

    /**
     * Linux: {@code net/core/dev.c napi_busy_loop()}, one round: an application thread that set
     * {@code SO_BUSY_POLL} polls this context itself instead of sleeping until softnet delivers.
     * Takes the context only if nobody holds it (not scheduled, not being polled), exactly as Linux
     * skips a NAPI that is {@code NAPIF_STATE_SCHED}; a poll that used the whole budget did not
     * complete and is handed back to softnet ({@code busy_poll_stop}). Returns the work done.
     */
    public int busyPoll(int budget) {
        return busyPoll(budget, false);
    }

    /**
     * {@link #busyPoll(int)}, and with {@code prefer} (Linux: {@code SO_PREFER_BUSY_POLL}) the
     * caller claims its CPU's receive work ({@link SoftnetData#busyPollPrefer}): producers stop
     * waking that CPU's worker, and a context already scheduled for softnet is not left waiting for
     * the worker: the caller runs the CPU's {@code net_rx_action} itself, unless the worker is
     * running it right now ({@link SoftnetData#tryNetRxAction}).
     */
    public int busyPoll(int budget, boolean prefer) {
        return busyPoll(budget, prefer, cpu == null ? 0 : cpu.clock().nanoTime());
    }

    /**
     * {@link #busyPoll(int, boolean)} at {@code nowNs} (by the CPU's clock), read once by the
     * caller's loop.
     *
     * <p>With {@code prefer}, a poller that takes an idle context keeps it
     * ({@link #inBusyPoll}) for as long as it keeps polling, across calls, as Linux's
     * {@code napi_busy_loop()} keeps it for the length of one busy loop: its next rounds poll the
     * ring directly, the driver's {@code napi_complete_done} is refused so its interrupt stays
     * masked, and producers only fill the ring, with no {@code napi_schedule} and no wake-up per
     * packet. The context goes back to softnet when the poller goes to sleep
     * ({@link #busyPollRelease}, Linux's {@code busy_poll_stop}) or stops polling for longer than
     * the CPU's deferral ({@link SoftnetData#releaseBusyPollers}).
     */
    public int busyPoll(int budget, boolean prefer, long nowNs) {
        if (cpu == null) {
            return 0;
        }
        if (prefer) {
            cpu.busyPollPrefer(nowNs);
            Thread me = Thread.currentThread();
            if (busyOwner == me) {
                return ownerPoll(me, budget);
            }
        }
        if (sched.get() || !sched.compareAndSet(false, true)) {
            return prefer ? Math.max(0, cpu.tryNetRxAction()) : 0;
        }
        if (prefer) {
            // Ours now (SCHED set by us): keep it across calls.
            Thread me = Thread.currentThread();
            while (!pollLock.compareAndSet(false, true)) {
                Thread.onSpinWait();
            }
            inBusyPoll = true;
            busyOwner = me;
            pollLock.set(false);
            cpu.addBusyPolled(this);
            return ownerPoll(me, budget);
        }
        int work = poller.poll(this, budget);
        if (work >= budget) {
            cpu.listAdd(this);
        }
        return work;
    }

    /** A round by the busy-poll owner: the ring, and any softnet work waiting on the CPU. */
    private int ownerPoll(Thread me, int budget) {
        if (!pollLock.compareAndSet(false, true)) {
            return 0; // being taken back right now
        }
        int work;
        try {
            if (busyOwner != me) {
                return 0;
            }
            work = poller.poll(this, budget);
        } finally {
            pollLock.set(false);
        }
        if (cpu.hasPendingWork()) {
            work += Math.max(0, cpu.tryNetRxAction()); // other contexts of this CPU: softnet is deferred to us
        }
        return work;
    }

    /**
     * Linux: {@code busy_poll_stop()}. Hands a context owned by a busy poller back to softnet: it
     * leaves busy-poll mode and goes on its CPU's poll list (it still holds SCHED), where the next
     * {@code net_rx_action} polls it, completes it and lets the driver unmask. Safe from any
     * thread; does nothing if no busy poller owns the context.
     */
    public void busyPollRelease() {
        if (busyOwner == null) {
            return;
        }
        while (!pollLock.compareAndSet(false, true)) {
            Thread.onSpinWait();
        }
        releaseLocked();
    }

    /**
     * {@link #busyPollRelease} unless the owner is polling right now; returns false then (and
     * changes nothing), so that softnet's worker never spins on a poller the OS has preempted
     * in the middle of its poll: the worker tries again later.
     */
    public boolean tryBusyPollRelease() {
        if (busyOwner == null) {
            return true;
        }
        if (!pollLock.compareAndSet(false, true)) {
            return false;
        }
        releaseLocked();
        return true;
    }

    private void releaseLocked() {
        boolean owned = busyOwner != null;
        if (owned) {
            busyOwner = null;
            inBusyPoll = false;
        }
        pollLock.set(false);
        if (owned) {
            cpu.listAdd(this);
        }
    }

    /** Whether a busy poller owns this context. */
    public boolean busyPolled() {
        return busyOwner != null;
    }

    /** The softnet this context is bound to, or null. */
    public SoftnetData cpu() {
        return cpu;
    }

    int runPoll(int budget) {
        return poller.poll(this, budget);
    }
}
