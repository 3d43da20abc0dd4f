package dev.packetflow.kernel.time;

/**
 * A clock that moves only when the simulation moves it, so a run is a pure function of its
 * inputs and seed. Starts at a fixed non-zero epoch so that "time 0" never looks like "unset".
 */
public final class VirtualClock implements Clock {
    /** Virtual boot time; one second past zero, like jiffies never starting at 0 in a real kernel. */
    public static final long EPOCH_NS = 1_000_000_000L;

    private long nowNs = EPOCH_NS;

    @Override
    public long nanoTime() {
        return nowNs;
    }

    /** Moves time forward to {@code tNs}; time never goes backwards. */
    public void advanceTo(long tNs) {
        if (tNs < nowNs) {
            throw new IllegalStateException("virtual time cannot go backwards: " + tNs + " < " + nowNs);
        }
        nowNs = tNs;
    }

    public void advanceBy(long deltaNs) {
        advanceTo(nowNs + deltaNs);
    }
}
