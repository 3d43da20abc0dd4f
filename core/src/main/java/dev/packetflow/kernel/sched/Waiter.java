package dev.packetflow.kernel.sched;

import dev.packetflow.kernel.Kernel;
import dev.packetflow.kernel.time.TimerList;
import dev.packetflow.kernel.time.TimerWheel;
import java.util.concurrent.locks.LockSupport;

/**
 * A thread blocked in a system call: its wait-queue entry and its way of sleeping. One per thread
 * (platform or virtual), reused by every blocking call the thread makes, so blocking allocates
 * nothing in real time.
 *
 * <p>Sleeping parks the thread with {@link LockSupport}, which unmounts a virtual thread from its
 * carrier; nothing is held while parked. The usual loop, after Linux's
 * {@code prepare_to_wait_exclusive()} / {@code schedule_timeout()} / {@code finish_wait()}:
 *
 * <pre>{@code
 * Waiter w = Waiter.current();
 * w.begin(POLLIN | POLLERR, kernel, timers, deadlineNs);
 * try {
 *     for (;;) {
 *         w.prepareExclusive(sk.wq());          // on the queue before the condition is checked
 *         if (condition) break;
 *         int r = w.sleep();
 *         if (r != Waiter.WOKEN) ...            // TIMED_OUT or INTERRUPTED
 *     }
 * } finally {
 *     w.end();
 * }
 * }</pre>
 *
 * <h2>Timeouts and the two clocks</h2>
 * Deadlines are on the kernel's clock. In real time ({@link Kernel#deterministic()} false) the thread
 * parks for the remaining nanoseconds. In a simulation, real time means nothing: the thread parks
 * without a time limit and a {@link TimerList} armed on the stack's timer wheel at the virtual
 * deadline wakes it, when the simulation loop reaches that instant. A thread blocked in virtual time
 * therefore wakes only through stack events and virtual timers, never through the passing of real
 * time, which keeps runs deterministic. The timer is armed in {@link #begin}, before the waiter
 * can be seen on any wait queue: whoever drives the simulation after seeing a thread blocked
 * cannot move virtual time past a deadline that is not armed yet.
 */
public final class Waiter extends WaitEntry {
    /** {@link #sleep} results. */
    public static final int WOKEN = 0;
    public static final int TIMED_OUT = 1;
    public static final int INTERRUPTED = 2;
    /** A deadline that never comes (Linux: {@code MAX_SCHEDULE_TIMEOUT}). */
    public static final long FOREVER = Long.MAX_VALUE;

    private static final ThreadLocal<Waiter> CURRENT = ThreadLocal.withInitial(Waiter::new);

    private final Thread thread;
    private int keyMask;
    private volatile boolean woken;
    /** Bumped by each {@link #begin}, so a timer armed for an earlier wait cannot end a later one. */
    private volatile int gen;
    private volatile int firedGen = -1;
    private boolean active;
    private TimerList timer;
    private TimerWheel timerWheel;
    private Kernel kernel;
    private long deadlineNs;

    private Waiter() {
        this.thread = Thread.currentThread();
        this.autoremove = true;
    }

    /** The calling thread's waiter. */
    public static Waiter current() {
        return CURRENT.get();
    }

    public Thread thread() {
        return thread;
    }

    /**
     * Starts a blocking wait for events in {@code keyMask} (poll bits; wake-ups for other events
     * pass this waiter by), ending at {@code deadlineNs} on {@code kernel}'s clock
     * ({@link #FOREVER}: no limit). In a simulation the deadline's timer is armed on {@code timers}
     * here. Must be paired with {@link #end} in a {@code finally}.
     */
    public void begin(int keyMask, Kernel kernel, TimerWheel timers, long deadlineNs) {
        if (active) {
            throw new IllegalStateException("nested blocking wait on " + thread);
        }
        active = true;
        this.keyMask = keyMask;
        this.kernel = kernel;
        this.deadlineNs = deadlineNs;
        woken = false;
        gen++;
        if (kernel.deterministic() && deadlineNs != FOREVER) {
            timer = new TimerList(Waiter::expire, new Timeout(this, gen));
            timerWheel = timers;
            timers.modTimer(timer, deadlineNs);
        }
    }

    /** Linux: {@code prepare_to_wait_exclusive()}: (re)queue on {@code wq} and forget old wake-ups. */
    public void prepareExclusive(WaitQueue wq) {
        woken = false;
        if (queue == null) {
            wq.addExclusive(this);
        }
    }

    /** Linux: {@code prepare_to_wait()}: as {@link #prepareExclusive} but told of every wake-up. */
    public void prepare(WaitQueue wq) {
        woken = false;
        if (queue == null) {
            wq.add(this);
        }
    }

    /** Forgets a wake-up that happened before the caller re-checked its condition. */
    public void clearWoken() {
        woken = false;
    }

    @Override
    protected int wake(int key) {
        if (key != 0 && (key & keyMask) == 0) {
            return 0;
        }
        wakeDirect();
        return 1;
    }

    /** Wakes the thread without a queue (a {@code poll()} registration entry forwards here). */
    public void wakeDirect() {
        woken = true;
        LockSupport.unpark(thread);
    }

    /**
     * Linux: {@code schedule_timeout()}. Parks until woken, until the deadline given to
     * {@link #begin}, or until the thread is interrupted. Returns {@link #WOKEN},
     * {@link #TIMED_OUT} or {@link #INTERRUPTED}.
     */
    public int sleep() {
        boolean virtual = kernel.deterministic();
        for (;;) {
            if (woken) {
                return WOKEN;
            }
            if (firedGen == gen) {
                return TIMED_OUT;
            }
            if (thread.isInterrupted()) {
                return INTERRUPTED;
            }
            if (deadlineNs == FOREVER || virtual) {
                LockSupport.park(this);
            } else {
                long left = deadlineNs - kernel.clock().nanoTime();
                if (left <= 0) {
                    return TIMED_OUT;
                }
                LockSupport.parkNanos(this, left);
            }
        }
    }

    /** Linux: {@code finish_wait()}: off the queue, timer cancelled. */
    public void end() {
        WaitQueue q = queue;
        if (q != null) {
            q.remove(this);
        }
        if (timer != null) {
            timerWheel.delTimer(timer);
            timer = null;
            timerWheel = null;
        }
        kernel = null;
        active = false;
    }

    private record Timeout(Waiter waiter, int gen) {}

    private static void expire(TimerList t) {
        Timeout to = (Timeout) t.owner;
        Waiter w = to.waiter;
        if (w.gen == to.gen) {
            w.firedGen = to.gen;
            LockSupport.unpark(w.thread);
        }
    }

    /**
     * A deadline {@code timeoutNs} after {@code nowNs}, saturating at {@link #FOREVER} (a timeout of
     * {@link #FOREVER} or one that would overflow means no deadline).
     */
    public static long deadline(long nowNs, long timeoutNs) {
        if (timeoutNs == FOREVER) {
            return FOREVER;
        }
        long d = nowNs + timeoutNs;
        return d < nowNs ? FOREVER : d;
    }
}
