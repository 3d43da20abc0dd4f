package dev.packetflow.net.core;

import dev.packetflow.trace.Trace;

import dev.packetflow.kernel.time.Clock;
import dev.packetflow.kernel.time.TimerWheel;

/**
 * Per-CPU softnet state: the list of NAPI contexts waiting to be polled and the CPU's timer wheel.
 * One CPU's state is touched by one worker (or by the simulation's single loop); other threads only
 * add to the poll list, through a lock-free multi-producer stack that the owner drains in order.
 *
 * <p>Linux: {@code include/linux/netdevice.h struct softnet_data}, {@code net/core/dev.c
 * net_rx_action()}.
 */
public final class SoftnetData {
    /** Linux's {@code net.core.netdev_budget}: frames one {@code net_rx_action} may handle. */
    public static final int NETDEV_BUDGET = 300;

    private final int cpu;
    private final Clock clock;
    private final TimerWheel timers = new TimerWheel();

    /** Producers push here (any thread); the owner moves the entries into its local FIFO. */
    private final java.util.concurrent.atomic.AtomicReference<Napi> incoming =
            new java.util.concurrent.atomic.AtomicReference<>();
    private Napi pollHead;
    private Napi pollTail;

    /** Set by a real-time worker while it parks; producers then wake it. */
    public volatile boolean sleeping;
    /**
     * Linux's {@code gro_flush_timeout} with {@code napi_defer_hard_irqs}, as used with
     * {@code SO_PREFER_BUSY_POLL}: how long after a preferring busy poller's last round softnet
     * still leaves this CPU's receive work to it. A poller that keeps spinning renews it every
     * half period; one that stops (without going to sleep through the socket, which hands the
     * work back at once) delays softnet by this much at most.
     */
    public static final long BUSY_POLL_DEFER_NS = Long.getLong("packetflow.busyPollDeferNs", 1_000_000L);

    /**
     * While in the future (by {@link #clock}), a busy poller that prefers busy polling
     * ({@code SO_PREFER_BUSY_POLL}) runs this CPU's receive work: producers leave a parked
     * worker asleep (Linux keeps the device's interrupt masked for the poller) and the worker does
     * not compete for it. 0 when no poller has claimed it. Renewed at most once per half period,
     * so the spinning poller does not keep writing a line the producers read.
     */
    private volatile long busyPollUntilNs;
    private Runnable waker;

    public long processed;
    public long timeSqueeze;
    /** Held by whichever thread runs {@link #netRxAction} in real time (the worker or a busy poller). */
    private final java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean();

    public SoftnetData(int cpu, Clock clock) {
        this.cpu = cpu;
        this.clock = clock;
    }

    public int cpu() {
        return cpu;
    }

    public Clock clock() {
        return clock;
    }

    public TimerWheel timers() {
        return timers;
    }

    /** Adds a NAPI context to the poll list; it must already own its SCHED bit. */
    void listAdd(Napi n) {
        listAdd(n, true);
    }

    /**
     * Adds a NAPI context to the poll list; with {@code wake}, a parked worker is woken. An
     * interrupt handler that runs the softirq itself on its way out ({@link #irqExit}) passes
     * false: waking ksoftirqd would only make it race the handler for the same work.
     */
    void listAdd(Napi n, boolean wake) {
        Napi head;
        do {
            head = incoming.get();
            n.nextInList = head;
        } while (!incoming.compareAndSet(head, n));
        if (wake && sleeping && waker != null && !busyPollActive()) {
            waker.run();
        }
    }

    /** Linux's {@code MAX_SOFTIRQ_RESTART}: rounds one {@code __do_softirq} may run before deferring. */
    static final int MAX_SOFTIRQ_RESTART = 10;
    /** Linux's {@code MAX_SOFTIRQ_TIME}: 2 ms of softirq work on irq exit, then ksoftirqd takes over. */
    static final long MAX_SOFTIRQ_TIME_NS = 2_000_000L;

    /**
     * Linux: {@code kernel/softirq.c irq_exit()} → {@code invoke_softirq()} → {@code __do_softirq()}.
     * The receive softirq that an interrupt handler raised runs on the same thread as it returns,
     * with no hand-off to another thread: at most {@link #MAX_SOFTIRQ_RESTART} rounds of
     * {@code net_rx_action} or {@link #MAX_SOFTIRQ_TIME_NS}, after which what is left is woken up
     * in ksoftirqd (as {@code wakeup_softirqd()} does). A busy poller that prefers to poll, or a
     * worker already running the work, keeps it; then the worker is only woken if it sleeps.
     * Timers stay ksoftirqd's. Real-time mode only. Returns the frames handled here.
     */
    public int irqExit() {
        if (busyPollActive()) {
            return 0;
        }
        int total = 0;
        long start = clock.nanoTime();
        for (int round = 0; round < MAX_SOFTIRQ_RESTART && hasPendingWork(); round++) {
            int work = tryNetRxAction(false);
            if (work < 0) {
                break; // another thread runs it; it rechecks the list before it stops
            }
            total += work;
            if (clock.nanoTime() - start > MAX_SOFTIRQ_TIME_NS) {
                break;
            }
        }
        if (hasPendingWork() && sleeping && waker != null) {
            waker.run(); // wakeup_softirqd()
        }
        return total;
    }

    /** Whether another thread is running this CPU's {@code net_rx_action} right now. */
    public boolean rxActionBusy() {
        return running.get();
    }

    /**
     * A preferring busy poller ran a round at {@code nowNs}: softnet leaves this CPU's receive
     * work to it for {@link #BUSY_POLL_DEFER_NS} (Linux: {@code napi_busy_loop()} with
     * {@code NAPI_F_PREFER_BUSY_POLL} re-arming the deferral).
     */
    public void busyPollPrefer(long nowNs) {
        long until = busyPollUntilNs;
        if (until - nowNs < BUSY_POLL_DEFER_NS / 2) {
            busyPollUntilNs = nowNs + BUSY_POLL_DEFER_NS;
        }
    }

    /**
     * The busy poller goes to sleep (Linux: {@code busy_poll_stop()}): softnet takes the receive
     * work back at once, and a parked worker with work waiting is woken.
     */
    public void busyPollStop() {
        if (busyPollUntilNs == 0) {
            return;
        }
        busyPollUntilNs = 0;
        // Dekker with listAdd: it publishes the context then reads the deferral; we clear the
        // deferral then read the list. One of the two sees the other.
        if (sleeping && waker != null && incoming.get() != null) {
            waker.run();
        }
    }

    /** Whether a preferring busy poller has claimed this CPU's receive work right now. */
    public boolean busyPollActive() {
        long until = busyPollUntilNs;
        return until != 0 && until - clock.nanoTime() > 0;
    }

    /** When the current busy-poll deferral ends (by {@link #clock}), or 0 if there is none. */
    public long busyPollUntilNs() {
        return busyPollUntilNs;
    }


    /** Contexts of this CPU that a busy poller may own ({@link Napi#inBusyPoll}); guarded by itself. */
    private final java.util.ArrayList<Napi> busyPolled = new java.util.ArrayList<>();
    private volatile int busyPolledCount;

    /** Notes a context taken by a busy poller, so that softnet can take it back. */
    void addBusyPolled(Napi n) {
        synchronized (busyPolled) {
            if (!busyPolled.contains(n)) {
                busyPolled.add(n);
                busyPolledCount = busyPolled.size();
            }
        }
    }

    /**
     * Takes back every context a busy poller owns on this CPU ({@link Napi#busyPollRelease}): for
     * the worker once the busy-poll deferral has run out (Linux: the {@code gro_flush_timeout}
     * timer's {@code napi_watchdog}). A context its owner is polling at that moment is tried again later.
     */
    public void releaseBusyPollers() {
        if (busyPolledCount == 0) {
            return;
        }
        synchronized (busyPolled) {
            // A context whose owner is in the middle of a poll stays listed for the next try.
            busyPolled.removeIf(Napi::tryBusyPollRelease);
            busyPolledCount = busyPolled.size();
        }
    }

    /** How a producer wakes the worker owning this CPU (real-time mode only). */
    public void setWaker(Runnable waker) {
        this.waker = waker;
    }

    /** Whether some NAPI context waits to be polled. */
    public boolean hasPendingWork() {
        return pollHead != null || incoming.get() != null;
    }

    private void drainIncoming() {
        // Read before the swap: an empty list costs no write to the line the producers CAS.
        if (incoming.get() == null) {
            return;
        }
        Napi stack = incoming.getAndSet(null);
        if (stack == null) {
            return;
        }
        // The producer side is LIFO; reverse it so contexts are polled in scheduling order.
        Napi rev = null;
        while (stack != null) {
            Napi nx = stack.nextInList;
            stack.nextInList = rev;
            rev = stack;
            stack = nx;
        }
        while (rev != null) {
            Napi nx = rev.nextInList;
            rev.nextInList = null;
            if (pollTail == null) {
                pollHead = rev;
            } else {
                pollTail.nextInList = rev;
            }
            pollTail = rev;
            rev = nx;
        }
    }

    private Napi pollFirst() {
        if (pollHead == null) {
            drainIncoming();
        }
        Napi n = pollHead;
        if (n != null) {
            pollHead = n.nextInList;
            if (pollHead == null) {
                pollTail = null;
            }
            n.nextInList = null;
        }
        return n;
    }

    /**
     * Linux: {@code net_rx_action()}. Polls the scheduled NAPI contexts round-robin, each for at most
     * its weight, until the list is empty or {@link #NETDEV_BUDGET} frames were handled. A context that
     * used its whole weight stays scheduled and goes to the back of the list. Returns the work done.
     */
    public int netRxAction() {
        int budget = NETDEV_BUDGET;
        int total = 0;
        drainIncoming();
        while (budget > 0) {
            Napi n = pollFirst();
            if (n == null) {
                break;
            }
            int weight = n.weight;
            int work = n.runPoll(weight);
            if (Trace.NAPI_POLL.enabled) {
                Trace.NAPI_POLL.fire(n.dev, null, work);
            }
            total += work;
            budget -= work;
            if (work >= weight) {
                // Budget exhausted: the driver did not complete; the context keeps SCHED.
                drainIncoming();
                if (pollTail == null) {
                    pollHead = n;
                } else {
                    pollTail.nextInList = n;
                }
                pollTail = n;
            }
        }
        if (budget <= 0 && hasPendingWork()) {
            timeSqueeze++;
        }
        processed += total;
        return total;
    }

    /**
     * {@link #netRxAction} for the real-time mode, where a busy-polling application thread may run a
     * CPU's softnet work when its worker is not ({@code SO_PREFER_BUSY_POLL}): runs it unless another
     * thread is running it; returns the work done, or -1 if another thread was running it.
     */
    public int tryNetRxAction() {
        return tryNetRxAction(true);
    }

    /**
     * With {@code handOver}, work left on the list when done is handed to a sleeping worker: a
     * producer that listed it saw the worker asleep behind us (it parks while another thread runs
     * the action), so nobody else would run it before the worker's park times out. Irq exit's
     * rounds pass false and hand over once, at their end.
     */
    private int tryNetRxAction(boolean handOver) {
        if (running.get() || !running.compareAndSet(false, true)) {
            return -1;
        }
        try {
            return netRxAction();
        } finally {
            running.set(false);
            if (handOver && sleeping && waker != null && hasPendingWork() && !busyPollActive()) {
                waker.run();
            }
        }
    }

    @Override
    public String toString() {
        return "softnet[cpu" + cpu + "]";
    }
}
