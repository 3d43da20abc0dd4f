package dev.packetflow.kernel.time;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The machine's monotonic clock, and jiffies kept by a tick as Linux keeps them.
 *
 * <p>{@link #nanoTime()} is {@link System#nanoTime()}: a read of the time-stamp counter through
 * the vDSO, some 30 ns on a virtual machine. Code that needs only millisecond time on every packet
 * (the IP ID generator, the ICMP rate limiters) reads {@link #jiffies()} instead: a variable that a
 * "tick" thread advances every millisecond (Linux: {@code jiffies}, advanced by the timer interrupt
 * at {@code HZ} = 1000), so a reader pays one load. Like Linux's {@code NO_HZ} idle, the tick stops
 * once nobody has read jiffies for {@value #IDLE_TICKS} ticks, and readers then read the clock
 * themselves; only readers dense enough to pay for the tick start it again
 * ({@value #DENSE_READS} readings within one millisecond), so that a stack answering a ping every
 * few milliseconds keeps no thread waking a thousand times a second beside its own. A value is at
 * most about one tick old while the tick runs.
 */
final class SystemClock implements Clock {
    /** Ticks without a reader after which the tick stops. */
    static final int IDLE_TICKS = 10;
    /** Readings within one millisecond, with the tick stopped, that start it. */
    static final int DENSE_READS = 16;
    private static final long TICK_NS = 1_000_000L;
    private static final VarHandle READ;

    static {
        try {
            READ = MethodHandles.lookup().findVarHandle(SystemClock.class, "read", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile long jiffies;
    private volatile boolean ticking;
    /** Set (opaque, only when clear) by readers, cleared by each tick: whether anyone still reads. */
    @SuppressWarnings("unused") // through READ
    private boolean read;
    private Thread tick;
    /** Readings in the current millisecond while the tick is stopped (under this). */
    private int denseReads;

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public long jiffies() {
        if (ticking) {
            if (!(boolean) READ.getOpaque(this)) {
                READ.setOpaque(this, true); // one store per tick at most, no lock prefix
            }
            return jiffies;
        }
        return wake();
    }

    /**
     * The tick is stopped: read the clock here, and start the tick once readings come densely
     * (each costs a read of the time-stamp counter until then).
     */
    private synchronized long wake() {
        long now = System.nanoTime() / TICK_NS;
        if (now > jiffies) {
            jiffies = now;
            denseReads = 0;
            return now;
        }
        if (++denseReads < DENSE_READS) {
            return jiffies;
        }
        denseReads = 0;
        READ.setOpaque(this, true);
        if (!ticking) {
            ticking = true;
            if (tick == null) {
                tick = Thread.ofPlatform().daemon().name("tick").start(this::run);
            } else {
                LockSupport.unpark(tick);
            }
        }
        return jiffies;
    }

    private void run() {
        int idle = 0;
        for (;;) {
            LockSupport.parkNanos(TICK_NS);
            synchronized (this) {
                long now = System.nanoTime() / TICK_NS;
                if (now > jiffies) {
                    jiffies = now; // never backwards: wake() may have stored a later reading
                }
                if ((boolean) READ.getOpaque(this)) {
                    READ.setOpaque(this, false);
                    idle = 0;
                    continue;
                }
                if (++idle < IDLE_TICKS) {
                    continue;
                }
                ticking = false; // NO_HZ: readers read the clock themselves until one wakes us
                idle = 0;
            }
            while (!ticking) {
                LockSupport.park(this);
            }
        }
    }
}
