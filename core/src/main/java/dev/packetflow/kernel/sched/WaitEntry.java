package dev.packetflow.kernel.sched;

/**
 * Something that waits on a {@link WaitQueue}: a sleeping thread ({@link Waiter}), a
 * {@code poll()} registration, an epoll item. The queue calls {@link #wake} with the events that
 * happened; the entry decides whether they concern it.
 *
 * <p>Linux: {@code struct wait_queue_entry} and its {@code func}.
 */
public abstract class WaitEntry {
    WaitEntry next;
    WaitEntry prev;
    WaitQueue queue;
    boolean exclusive;
    /**
     * Whether a successful wake takes the entry off its queue (Linux:
     * {@code autoremove_wake_function}). Sleeping threads use it so that a second wake-up goes to
     * the next sleeper instead of being spent on one that is already running.
     */
    protected boolean autoremove;

    /**
     * Called by {@link WaitQueue#wakeUp} with the queue locked, on whichever thread made the event
     * happen (often a softnet worker): must be short and must not block. {@code key} is the poll
     * mask of the event (0: unspecified). Returns 0 if the event does not concern this entry,
     * otherwise a positive number (an exclusive entry then counts against the wake-up's quota).
     */
    protected abstract int wake(int key);

    /** Whether the entry is on a queue right now (racy unless called by the entry's owner). */
    public final boolean queued() {
        return queue != null;
    }
}
