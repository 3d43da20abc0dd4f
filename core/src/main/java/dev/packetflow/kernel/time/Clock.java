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

    /** The real monotonic clock of the machine. */
    Clock SYSTEM = System::nanoTime;
}
