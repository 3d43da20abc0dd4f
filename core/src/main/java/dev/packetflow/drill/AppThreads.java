package dev.packetflow.drill;

import java.util.ArrayList;
import java.util.List;

/**
 * The script's application: each system call runs on a virtual thread of its own, in lockstep with
 * the simulation (net/socket's package documentation). Only one side touches the stack at a time:
 * the runner starts a call and waits (in real time, which costs microseconds) until the call has
 * returned or parked inside the stack; only then does it run the simulation again, and it stops the
 * simulation as soon as a stack event wakes a parked call, to let that call run to its next park or
 * its return. A call that blocks therefore wakes only because virtual time or the stack moved, and
 * runs are deterministic.
 */
final class AppThreads {
    /** Real-time limit for a call to return or park; beyond it the stack is stuck in a loop. */
    static final long WATCHDOG_NS = 60_000_000_000L;

    /** One system call on its thread. */
    static final class Call {
        final Event.Syscall event;
        final Syscalls.Prepared prepared;
        final long startNs;
        /** When a blocking call must return (its scripted end), and the slack. */
        final long expectedEndNs;
        final long tolNs;
        Thread thread;
        volatile boolean done;
        volatile int result;
        volatile Throwable error;
        /** Virtual time at which the call returned. */
        volatile long endNs;
        boolean collected;

        Call(Event.Syscall event, Syscalls.Prepared prepared, long startNs, long expectedEndNs, long tolNs) {
            this.event = event;
            this.prepared = prepared;
            this.startNs = startNs;
            this.expectedEndNs = expectedEndNs;
            this.tolNs = tolNs;
        }

        /** Latest virtual time at which a blocking call may still return. */
        long deadlineNs() {
            return expectedEndNs + tolNs;
        }
    }

    private final dev.packetflow.kernel.time.Clock clock;
    private final List<Call> live = new ArrayList<>();

    AppThreads(dev.packetflow.kernel.time.Clock clock) {
        this.clock = clock;
    }

    /** Starts {@code c} on a new virtual thread and waits until it returned or parked. */
    void start(Call c) {
        c.thread = Thread.ofVirtual().name("drill-" + c.event.name() + "-line" + c.event.line()).unstarted(() -> {
            try {
                c.result = c.prepared.call();
            } catch (Throwable t) {
                c.error = t;
            } finally {
                c.endNs = clock.nanoTime();
                c.done = true;
            }
        });
        live.add(c);
        c.thread.start();
        settle();
    }

    private static boolean parked(Thread t) {
        Thread.State s = t.getState();
        return s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING;
    }

    /**
     * Waits (real time) until every call has returned or is parked. Throws IllegalStateException if a
     * call neither returns nor parks within {@link #WATCHDOG_NS}: the stack is spinning.
     */
    void settle() {
        long start = 0;
        int spins = 0;
        for (;;) {
            boolean busy = false;
            for (int i = 0; i < live.size(); i++) {
                Call c = live.get(i);
                if (!c.done && !parked(c.thread)) {
                    busy = true;
                    break;
                }
            }
            if (!busy) {
                live.removeIf(c -> c.done && c.collected);
                return;
            }
            if (++spins < 200) {
                Thread.onSpinWait();
                continue;
            }
            if (start == 0) {
                start = System.nanoTime();
            } else if (System.nanoTime() - start > WATCHDOG_NS) {
                throw new IllegalStateException("a system call neither returned nor blocked within "
                        + WATCHDOG_NS / 1_000_000_000L + " s of real time (the stack is spinning)");
            }
            Thread.yield();
        }
    }

    /** Whether a call is running (a stack event woke it) or has returned without being collected. */
    boolean awake() {
        for (int i = 0; i < live.size(); i++) {
            Call c = live.get(i);
            if (c.done ? !c.collected : !parked(c.thread)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Ends every call still blocked: interrupts it (a blocked call returns EINTR) and waits a
     * little; returns the calls that did not finish.
     */
    List<Call> interruptAll() {
        List<Call> stuck = new ArrayList<>();
        for (Call c : live) {
            if (!c.done) {
                c.thread.interrupt();
            }
        }
        for (Call c : live) {
            try {
                if (!c.thread.join(java.time.Duration.ofSeconds(1))) {
                    stuck.add(c);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stuck.add(c);
            }
        }
        return stuck;
    }

    /** Waits for calls that were still running when the stack closed. */
    void joinAll() {
        for (Call c : live) {
            try {
                c.thread.join(java.time.Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        live.clear();
    }
}
