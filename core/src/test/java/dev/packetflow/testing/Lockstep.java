package dev.packetflow.testing;

import dev.packetflow.kernel.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.function.BooleanSupplier;

/**
 * Application threads (virtual) in lockstep with a {@link Simulation}, for any number of threads
 * (net/socket's package documentation describes the pattern for one): the simulation runs only
 * while every application thread is parked inside the stack (or finished), and stops at the first
 * step that wakes one; the woken threads then run until they park again. So a thread wakes only
 * because the stack or virtual time moved, never because real time passed, and every timeout is
 * exact in virtual time.
 *
 * <p>Threads are made by this factory ({@link #newThread}, {@link #start}); code under test that
 * starts threads of its own (servers) must take this factory. Threads woken by the same step run
 * at once on the JVM's carriers, so what they send may interleave differently from run to run;
 * outcomes tests assert on (bytes delivered, errors, virtual instants of timeouts) do not.
 *
 * <p>A real-time watchdog only turns a thread that neither parks nor ends (a bug) into a failure.
 */
public final class Lockstep implements ThreadFactory {
    private static final long WATCHDOG_NS = 60_000_000_000L;

    /** Something to run on an application thread. */
    @FunctionalInterface
    public interface Body {
        void run() throws Exception;
    }

    private final Simulation sim;
    private final List<Thread> threads = new ArrayList<>();
    private final List<Throwable> failures = new ArrayList<>();
    /** Threads made so far; volatile so that the simulation's thread sees new ones at once. */
    private volatile int seq;

    public Lockstep(Simulation sim) {
        this.sim = sim;
    }

    /** A virtual thread, not started, that this lockstep waits for; uncaught errors are kept. */
    @Override
    public synchronized Thread newThread(Runnable r) {
        Thread t = Thread.ofVirtual().name("app-" + seq++).unstarted(r);
        t.setUncaughtExceptionHandler((th, e) -> {
            synchronized (this) {
                failures.add(e);
            }
        });
        threads.add(t);
        return t;
    }

    /** Starts {@code body} on a new application thread (its exceptions end up in {@link #failures}). */
    public Thread start(Body body) {
        Thread t = newThread(() -> {
            try {
                body.run();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        t.start();
        return t;
    }

    /** Uncaught exceptions of the threads so far. */
    public synchronized List<Throwable> failures() {
        return new ArrayList<>(failures);
    }

    /** Throws the first uncaught exception of a thread, if any. */
    public void rethrow() {
        List<Throwable> f = failures();
        if (!f.isEmpty()) {
            AssertionError e = new AssertionError("application thread failed: " + f.getFirst(), f.getFirst());
            for (int i = 1; i < f.size(); i++) {
                e.addSuppressed(f.get(i));
            }
            throw e;
        }
    }

    private synchronized Thread[] snapshot() {
        threads.removeIf(t -> t.getState() == Thread.State.TERMINATED);
        return threads.toArray(new Thread[0]);
    }

    private static boolean running(Thread t) {
        Thread.State s = t.getState();
        return s == Thread.State.RUNNABLE || s == Thread.State.BLOCKED;
    }

    /** Whether some thread runs (a stack event woke it, or it was just started). */
    public boolean awake() {
        for (Thread t : snapshot()) {
            if (running(t)) {
                return true;
            }
        }
        return false;
    }

    /** Whether every thread made so far has ended. */
    public boolean allDone() {
        return snapshot().length == 0;
    }

    /** Waits (real time, microseconds) until every thread is parked or finished. */
    public void settle() {
        long start = System.nanoTime();
        int spins = 0;
        while (awake()) {
            if (++spins < 100) {
                Thread.onSpinWait();
                continue;
            }
            if (System.nanoTime() - start > WATCHDOG_NS) {
                throw new AssertionError("an application thread neither parked nor ended in 60 s of real time");
            }
            Thread.yield();
        }
    }

    /**
     * Runs threads and simulation in turn until {@code done} holds (checked whenever all threads are
     * parked) or {@code limit} of virtual time passes; returns whether it held.
     */
    public boolean runUntil(BooleanSupplier done, Duration limit) {
        long deadline = sim.nowNs() + limit.toNanos();
        for (;;) {
            settle();
            if (done.getAsBoolean()) {
                return true;
            }
            long left = deadline - sim.nowNs();
            if (left <= 0) {
                return false;
            }
            // Stop at the first step after which a thread runs, has ended or has made a thread: one
            // woken by a step may finish (or park again) before the next check, and then only its
            // ending or its new thread shows.
            Thread[] parked = snapshot();
            int made = seq;
            BooleanSupplier moved = () -> {
                if (seq != made) {
                    return true;
                }
                for (Thread t : parked) {
                    if (running(t) || t.getState() == Thread.State.TERMINATED) {
                        return true;
                    }
                }
                return false;
            };
            if (!sim.runUntil(moved, Duration.ofNanos(left))) {
                settle();
                if (done.getAsBoolean()) {
                    return true;
                }
                if (!awake() && sim.nowNs() >= deadline) {
                    return false;
                }
                if (!awake()) {
                    // Nothing pending before the deadline and no thread to wake: let time pass.
                    sim.runForNs(deadline - sim.nowNs());
                }
            }
        }
    }

    /** Runs until every thread has ended (or {@code limit} passes: an AssertionError); rethrows their failures. */
    public void runToEnd(Duration limit) {
        boolean ok = runUntil(this::allDone, limit);
        rethrow();
        if (!ok) {
            throw new AssertionError(snapshot().length + " application threads still blocked after " + limit
                    + " of virtual time");
        }
    }

    /** Runs for {@code d} of virtual time, threads included, ending with all of them parked or done. */
    public void runFor(Duration d) {
        runUntil(() -> false, d);
    }
}
