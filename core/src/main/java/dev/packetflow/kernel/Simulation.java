package dev.packetflow.kernel;

import dev.packetflow.kernel.time.Clock;
import dev.packetflow.kernel.time.VirtualClock;
import dev.packetflow.net.core.SoftnetData;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * The deterministic mode: one event loop runs all softnet work of every stack and wire attached
 * to it, in virtual time. Given the same construction and seed, two runs do the same thing in the
 * same order and produce byte-identical output.
 *
 * <p>The loop: run every scheduled NAPI poll until the poll list is empty (work at the current
 * instant), then jump the clock to the next timer and fire it. {@link #run()} stops when nothing
 * but deferrable timers remains; {@link #runFor} and {@link #runUntil} also advance through idle
 * time.
 */
public final class Simulation implements Kernel {
    private final VirtualClock clock = new VirtualClock();
    private final SoftnetData cpu0;
    private final long seed;
    private long steps;

    public Simulation() {
        this(1);
    }

    public Simulation(long seed) {
        this.seed = seed;
        this.cpu0 = new SoftnetData(0, clock);
    }

    public long seed() {
        return seed;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    public VirtualClock virtualClock() {
        return clock;
    }

    public long nowNs() {
        return clock.nanoTime();
    }

    @Override
    public int numCpus() {
        return 1;
    }

    @Override
    public SoftnetData softnet(int cpu) {
        return cpu0;
    }

    @Override
    public boolean deterministic() {
        return true;
    }

    /** Runs until no work is pending and only deferrable timers (if any) are armed. */
    public void run() {
        runUntilInternal(() -> false, Long.MAX_VALUE, false);
    }

    /** Runs for {@code d} of virtual time, then stops with the clock exactly {@code d} later. */
    public void runFor(Duration d) {
        runForNs(d.toNanos());
    }

    public void runForNs(long ns) {
        long deadline = clock.nanoTime() + ns;
        runUntilInternal(() -> false, deadline, true);
        if (clock.nanoTime() < deadline) {
            clock.advanceTo(deadline);
        }
    }

    /**
     * Runs until {@code condition} holds (checked after every step) or {@code limit} of virtual
     * time passes; returns whether the condition held.
     */
    public boolean runUntil(BooleanSupplier condition, Duration limit) {
        long deadline = clock.nanoTime() + limit.toNanos();
        return runUntilInternal(condition, deadline, true);
    }

    /** {@link #runUntil(BooleanSupplier, Duration)} with a one-hour virtual-time limit. */
    public boolean runUntil(BooleanSupplier condition) {
        return runUntil(condition, Duration.ofHours(1));
    }

    /** Number of loop steps taken so far (for tests of determinism and progress). */
    public long steps() {
        return steps;
    }

    private boolean runUntilInternal(BooleanSupplier condition, long deadlineNs, boolean throughDeferrable) {
        for (;;) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (cpu0.netRxAction() > 0 || cpu0.hasPendingWork()) {
                steps++;
                continue;
            }
            if (cpu0.timers().runTimers(clock.nanoTime()) > 0) {
                steps++;
                continue;
            }
            long next = cpu0.timers().nextExpiryNs(throughDeferrable);
            if (next == Long.MAX_VALUE || next > deadlineNs) {
                return condition.getAsBoolean();
            }
            clock.advanceTo(Math.max(next, clock.nanoTime()));
        }
    }
}
