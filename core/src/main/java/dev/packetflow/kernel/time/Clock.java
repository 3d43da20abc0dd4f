package dev.packetflow.kernel.time;

/**
 * The one clock every part of a stack reads. Nothing in the stack calls {@link System#nanoTime()}
 * directly: a {@link dev.packetflow.kernel.Simulation} hands out a {@link VirtualClock} and a
 * {@link dev.packetflow.kernel.RealTimeKernel} the {@link #SYSTEM} clock, and the stack cannot tell
 * which one it has (DESIGN.md: "one code path, two clocks").
 *
 * <p>Linux: {@code ktime_get()} / {@code jiffies}.
 */
@FunctionalInterface
public interface Clock {
    /** Monotonic time in nanoseconds; only differences are meaningful. */
    long nanoTime();

    /**
     * Monotonic time in milliseconds, up to a millisecond old (Linux: {@code jiffies} at
     * {@code HZ} = 1000): for code that reads the time on every packet and needs no finer grain.
     * In virtual time it is exact.
     */
    default long jiffies() {
        return nanoTime() / 1_000_000L;
    }

    /** The real monotonic clock of the machine; its {@link #jiffies()} come from a tick. */
    Clock SYSTEM = new SystemClock();
}
