package dev.packetflow.kernel;

import dev.packetflow.kernel.time.Clock;
import dev.packetflow.net.core.SoftnetData;
import java.util.concurrent.locks.LockSupport;

/**
 * The real-time mode: one softnet worker thread per CPU, each running its CPU's
 * {@code net_rx_action} and timers on the machine's clock, and an idle strategy for when there is
 * nothing to do: spin a little, then yield, then park (woken by {@code napi_schedule}).
 *
 * <p>Linux: {@code ksoftirqd/N} running {@code NET_RX_SOFTIRQ} and the timer softirq.
 */
public final class RealTimeKernel implements Kernel, AutoCloseable {
    /** How a worker waits for work (after agrona's BackoffIdleStrategy, written for this stack). */
    public enum IdleStrategy {
        /** Never sleeps: lowest latency, burns a core. */
        SPIN,
        /** Spins, then yields, then parks up to 50 µs at a time. */
        BACKOFF,
        /**
         * Parks as soon as idle, until woken ({@code napi_schedule}) or the next timer (a timer
         * armed for earlier wakes it), at most {@link #PARK_MAX_NS} at a time.
         */
        PARK
    }

    /** The longest a PARK worker sleeps with no timer due: a safety net, not a tick. */
    static final long PARK_MAX_NS = 100_000_000L;

    private final SoftnetData[] cpus;
    private final Thread[] workers;
    private final IdleStrategy idle;
    private volatile boolean running = true;

    public RealTimeKernel(int nCpus, IdleStrategy idle) {
        this.idle = idle;
        cpus = new SoftnetData[nCpus];
        workers = new Thread[nCpus];
        for (int i = 0; i < nCpus; i++) {
            SoftnetData sd = new SoftnetData(i, Clock.SYSTEM);
            cpus[i] = sd;
            Thread t = Thread.ofPlatform().daemon().name("ksoftirqd/" + i).unstarted(() -> loop(sd));
            workers[i] = t;
            sd.setWaker(() -> LockSupport.unpark(t));
            sd.timers().setIdleKick(() -> LockSupport.unpark(t));
        }
        for (Thread t : workers) {
            t.start();
        }
    }

    @Override
    public Clock clock() {
        return Clock.SYSTEM;
    }

    @Override
    public int numCpus() {
        return cpus.length;
    }

    @Override
    public SoftnetData softnet(int cpu) {
        return cpus[cpu];
    }

    @Override
    public boolean deterministic() {
        return false;
    }

    private void loop(SoftnetData sd) {
        int idleRounds = 0;
        while (running) {
            idleRounds = runOnce(sd, idleRounds);
        }
    }

    /**
     * One round of the worker: receive work, due timers, or the idle strategy's wait; returns the
     * idle rounds so far. A method of its own so that the JIT compiles it even when the loop above
     * turns too rarely for on-stack replacement (a parked worker turns once per wake-up).
     */
    private int runOnce(SoftnetData sd, int idleRounds) {
        // A preferring busy poller runs the receive work itself while it is there
        // (SO_PREFER_BUSY_POLL): the worker keeps to timers and does not compete for the CPU.
        boolean deferred = sd.busyPollActive();
        if (!deferred) {
            sd.releaseBusyPollers(); // a poller that went quiet: its contexts come back
        }
        int rx = deferred ? 0 : sd.tryNetRxAction();
        // rx < 0: an interrupt thread runs the work on its irq exit (SoftnetData.irqExit); it
        // wakes us if it leaves some, so waiting here must not spin on its list.
        int work = Math.max(0, rx) + sd.timers().runTimers(System.nanoTime());
        if (work > 0 || (!deferred && rx >= 0 && sd.hasPendingWork())) {
            return 0;
        }
        if (deferred) {
            park(sd, 1_000_000);
            return 0;
        }
        idleRounds++;
        switch (idle) {
            case SPIN -> Thread.onSpinWait();
            case BACKOFF -> {
                if (idleRounds < 100) {
                    Thread.onSpinWait();
                } else if (idleRounds < 200) {
                    Thread.yield();
                } else {
                    park(sd, 50_000);
                }
            }
            case PARK -> park(sd, PARK_MAX_NS);
        }
        return idleRounds;
    }

    /**
     * Parks until woken ({@code napi_schedule}), the next timer, the end of a busy poller's
     * deferral, or {@code maxNs}. Pending work is left to a busy poller while its deferral lasts.
     */
    private static void park(SoftnetData sd, long maxNs) {
        long now = System.nanoTime();
        sd.timers().setIdleUntil(now + maxNs); // before the read: a timer armed from here on kicks
        long next = sd.timers().nextExpiryNs(true);
        long wait = Math.min(maxNs, next == Long.MAX_VALUE ? maxNs : next - now);
        long until = sd.busyPollUntilNs();
        if (until != 0 && until - now > 0) {
            wait = Math.min(wait, until - now + 1);
        }
        if (wait > 0) {
            sd.timers().setIdleUntil(now + wait);
            sd.sleeping = true;
            if (!sd.hasPendingWork() || sd.busyPollActive() || sd.rxActionBusy()) {
                LockSupport.parkNanos(wait);
            }
            sd.sleeping = false;
        }
        sd.timers().setIdleUntil(0);
    }

    @Override
    public void close() {
        running = false;
        for (Thread t : workers) {
            LockSupport.unpark(t);
            try {
                t.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
