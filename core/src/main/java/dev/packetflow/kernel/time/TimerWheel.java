package dev.packetflow.kernel.time;

/**
 * A hashed timing wheel (Varghese and Lauck, scheme 6) that fires timers at their exact expiry.
 *
 * <p>4096 slots of 2^20 ns (about 1.05 ms) give one revolution of about 4.4 s; a timer further out
 * simply stays in its slot for more revolutions. Each slot keeps its timers sorted by (expiry,
 * arming order), so the head of a slot is its earliest timer, firing is exact to the nanosecond and
 * two runs with the same inputs fire timers in the same order: what virtual time needs. A bitmap of
 * non-empty slots makes finding the next expiry a few {@code numberOfTrailingZeros} calls.
 *
 * <p>Threading: methods are synchronized because in real-time mode application threads arm timers
 * (for example a TCP retransmission timer in {@code tcp_sendmsg}) on a wheel that a softnet worker
 * runs; callbacks run outside the lock. Uncontended, that costs one CAS.
 *
 * <p>Linux: {@code kernel/time/timer.c} ({@code mod_timer}, {@code del_timer}, {@code run_timers}).
 */
public final class TimerWheel {
    private static final int SLOT_SHIFT = 20;
    private static final int SLOTS = 4096;
    private static final int MASK = SLOTS - 1;

    private final TimerList[] heads = new TimerList[SLOTS];
    /** Each slot's last timer: timers are mostly armed in expiry order (now + a constant), so they append. */
    private final TimerList[] tails = new TimerList[SLOTS];
    private final long[] nonEmpty = new long[SLOTS / 64];
    private int count;
    private int nonDeferrable;
    private long seq;

    /**
     * While the thread that runs this wheel sleeps: until when (0: it is awake). A timer armed
     * for earlier than that kicks it ({@link #idleKick}). Linux: a NOHZ-idle CPU sleeps until its
     * next timer ({@code get_next_timer_interrupt()}); enqueueing an earlier one wakes it
     * ({@code trigger_dyntick_cpu()} → {@code wake_up_nohz_cpu()}).
     */
    private volatile long idleUntilNs;
    private Runnable idleKick;

    /** How arming an earlier timer wakes the sleeping runner (set once, by the real-time kernel). */
    public void setIdleKick(Runnable kick) {
        this.idleKick = kick;
    }

    /**
     * The runner is about to sleep until {@code untilNs} (0: it is awake again). Set it before
     * reading {@link #nextExpiryNs} for the sleep, then once more with the final deadline: a timer
     * armed in between is either seen by that read or sees this value and kicks.
     */
    public void setIdleUntil(long untilNs) {
        idleUntilNs = untilNs;
    }

    /** Linux: {@code mod_timer()}. Arms or re-arms {@code t} to fire at {@code expiresNs}. */
    public void modTimer(TimerList t, long expiresNs) {
        synchronized (this) {
            if (t.pending()) {
                if (t.wheel != this) {
                    throw new IllegalStateException("timer is armed on another wheel");
                }
                unlink(t);
            }
            t.expiresNs = expiresNs;
            t.seq = seq++;
            t.wheel = this;
            link(t);
        }
        long idle = idleUntilNs;
        if (idle != 0 && expiresNs - idle < 0) {
            Runnable kick = idleKick;
            if (kick != null) {
                kick.run();
            }
        }
    }

    /** Linux: {@code del_timer()}. Returns whether the timer was pending. */
    public synchronized boolean delTimer(TimerList t) {
        if (!t.pending() || t.wheel != this) {
            return false;
        }
        unlink(t);
        return true;
    }

    public synchronized int size() {
        return count;
    }

    /** Whether any timer that keeps the system busy (not deferrable) is armed. */
    public synchronized boolean hasNonDeferrable() {
        return nonDeferrable > 0;
    }

    /**
     * The earliest expiry of any armed timer, or {@link Long#MAX_VALUE} when none is armed.
     * {@code includeDeferrable=false} ignores deferrable timers (but then scans every slot head).
     */
    public synchronized long nextExpiryNs(boolean includeDeferrable) {
        if (count == 0) {
            return Long.MAX_VALUE;
        }
        long best = Long.MAX_VALUE;
        for (int w = 0; w < nonEmpty.length; w++) {
            long bits = nonEmpty[w];
            while (bits != 0) {
                int slot = (w << 6) | Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                for (TimerList t = heads[slot]; t != null; t = t.next) {
                    if (includeDeferrable || !t.deferrable) {
                        if (t.expiresNs < best) {
                            best = t.expiresNs;
                        }
                        break;
                    }
                }
            }
        }
        return best;
    }

    /**
     * Fires every timer whose expiry is at or before {@code nowNs}, earliest first (ties in arming
     * order). A callback may re-arm its own timer or others; a timer re-armed into the past fires
     * in the same call. Returns the number fired. Linux: {@code __run_timers()}.
     */
    public int runTimers(long nowNs) {
        int fired = 0;
        for (;;) {
            TimerList t;
            synchronized (this) {
                t = earliestDue(nowNs);
                if (t == null) {
                    return fired;
                }
                unlink(t);
            }
            t.fn.expire(t);
            fired++;
        }
    }

    private TimerList earliestDue(long nowNs) {
        TimerList best = null;
        if (count == 0) {
            return null;
        }
        for (int w = 0; w < nonEmpty.length; w++) {
            long bits = nonEmpty[w];
            while (bits != 0) {
                int slot = (w << 6) | Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                TimerList h = heads[slot];
                if (h.expiresNs <= nowNs && (best == null || before(h, best))) {
                    best = h;
                }
            }
        }
        return best;
    }

    private static boolean before(TimerList a, TimerList b) {
        return a.expiresNs < b.expiresNs || (a.expiresNs == b.expiresNs && a.seq < b.seq);
    }

    private void link(TimerList t) {
        int slot = (int) ((t.expiresNs >>> SLOT_SHIFT) & MASK);
        TimerList h = heads[slot];
        TimerList tail = tails[slot];
        if (h == null) {
            t.prev = null;
            t.next = null;
            heads[slot] = t;
            tails[slot] = t;
        } else if (!before(t, tail)) {
            // The common case, and the one that must not cost a walk: 100,000 connections closing
            // at once arm 100,000 retransmission timers at the same expiry in the same slot.
            t.prev = tail;
            t.next = null;
            tail.next = t;
            tails[slot] = t;
        } else if (before(t, h)) {
            t.prev = null;
            t.next = h;
            h.prev = t;
            heads[slot] = t;
        } else {
            TimerList p = h;
            while (p.next != null && !before(t, p.next)) {
                p = p.next;
            }
            t.next = p.next;
            t.prev = p;
            p.next.prev = t;
            p.next = t;
        }
        nonEmpty[slot >>> 6] |= 1L << (slot & 63);
        t.slot = slot;
        count++;
        if (!t.deferrable) {
            nonDeferrable++;
        }
    }

    private void unlink(TimerList t) {
        int slot = t.slot;
        if (t.prev != null) {
            t.prev.next = t.next;
        } else {
            heads[slot] = t.next;
        }
        if (t.next != null) {
            t.next.prev = t.prev;
        } else {
            tails[slot] = t.prev;
        }
        if (heads[slot] == null) {
            nonEmpty[slot >>> 6] &= ~(1L << (slot & 63));
        }
        t.prev = null;
        t.next = null;
        t.slot = -1;
        count--;
        if (!t.deferrable) {
            nonDeferrable--;
        }
    }
}
