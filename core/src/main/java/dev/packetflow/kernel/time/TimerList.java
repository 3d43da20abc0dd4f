package dev.packetflow.kernel.time;

/**
 * One kernel timer, allocated once by its owner and re-armed as often as needed, so arming a
 * timer on the packet path allocates nothing.
 *
 * <p>Linux: {@code include/linux/timer.h struct timer_list}; {@link #deferrable} follows
 * {@code TIMER_DEFERRABLE}: such a timer does not keep an idle simulation running (periodic
 * housekeeping like neighbour garbage collection is deferrable, a retransmission timer is not).
 */
public final class TimerList {
    /** What the timer runs when it expires; the timer is passed back so one function can serve many. */
    @FunctionalInterface
    public interface Fn {
        void expire(TimerList timer);
    }

    final Fn fn;
    final boolean deferrable;
    /** Whatever the owner wants to find again in {@link Fn#expire} (Linux: {@code from_timer()}). */
    public final Object owner;

    long expiresNs;
    long seq;
    TimerWheel wheel;
    int slot = -1;
    TimerList prev;
    TimerList next;

    public TimerList(Fn fn, Object owner) {
        this(fn, owner, false);
    }

    public TimerList(Fn fn, Object owner, boolean deferrable) {
        this.fn = fn;
        this.owner = owner;
        this.deferrable = deferrable;
    }

    /** Linux: {@code timer_pending()}. */
    public boolean pending() {
        return slot >= 0;
    }

    public long expiresNs() {
        return expiresNs;
    }
}
