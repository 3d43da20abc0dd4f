package dev.packetflow.kernel.sched;

/**
 * A list of entries waiting for events on one object (a socket, an epoll instance), and the
 * wake-up that tells them. Non-exclusive entries (poll and epoll registrations) sit at the head and
 * are all told; exclusive entries (threads blocked in {@code recv()} or {@code accept()}) sit at the
 * tail and only as many as the waker asks for are woken, so one datagram wakes one reader rather
 * than a thundering herd.
 *
 * <p>The list is guarded by the queue's monitor, held only for the few instructions of a list
 * change or a wake-up walk; nobody parks while holding it. {@link #active()} is lock-free so that a
 * waker with nobody waiting (the common case on the packet path) pays one volatile read. The
 * waker changes its condition (queues the skb) before calling {@link #wakeUp}; the sleeper adds
 * itself before re-checking the condition; both steps are volatile, so no wake-up is lost
 * (Linux's {@code skwq_has_sleeper()} memory barrier pairing).
 *
 * <p>Linux: {@code include/linux/wait.h}, {@code kernel/sched/wait.c} ({@code __wake_up_common}).
 */
public final class WaitQueue {
    private WaitEntry head;
    private WaitEntry tail;
    private volatile int count;

    /** Linux: {@code add_wait_queue()}: a non-exclusive entry, told of every wake-up. */
    public void add(WaitEntry e) {
        synchronized (this) {
            if (e.queue != null) {
                throw new IllegalStateException("wait entry already queued");
            }
            e.exclusive = false;
            e.queue = this;
            e.prev = null;
            e.next = head;
            if (head == null) {
                tail = e;
            } else {
                head.prev = e;
            }
            head = e;
            count++;
        }
    }

    /** Linux: {@code add_wait_queue_exclusive()}: woken only while the wake-up's quota lasts. */
    public void addExclusive(WaitEntry e) {
        synchronized (this) {
            if (e.queue != null) {
                throw new IllegalStateException("wait entry already queued");
            }
            e.exclusive = true;
            e.queue = this;
            e.next = null;
            e.prev = tail;
            if (tail == null) {
                head = e;
            } else {
                tail.next = e;
            }
            tail = e;
            count++;
        }
    }

    /** Linux: {@code remove_wait_queue()}. Does nothing if {@code e} is not on this queue. */
    public void remove(WaitEntry e) {
        synchronized (this) {
            if (e.queue == this) {
                unlink(e);
            }
        }
    }

    private void unlink(WaitEntry e) {
        if (e.prev == null) {
            head = e.next;
        } else {
            e.prev.next = e.next;
        }
        if (e.next == null) {
            tail = e.prev;
        } else {
            e.next.prev = e.prev;
        }
        e.next = null;
        e.prev = null;
        e.queue = null;
        count--;
    }

    /** Linux: {@code waitqueue_active()}. Lock-free. */
    public boolean active() {
        return count != 0;
    }

    /** Entries on the queue now. */
    public int size() {
        return count;
    }

    /**
     * Linux: {@code __wake_up_common()}. Tells every non-exclusive entry, and exclusive entries
     * until {@code nrExclusive} of them accepted ({@code 0}: all of them). {@code key} is the poll
     * mask of what happened.
     */
    public void wakeUp(int key, int nrExclusive) {
        if (count == 0) {
            return;
        }
        synchronized (this) {
            WaitEntry e = head;
            while (e != null) {
                WaitEntry nx = e.next;
                boolean excl = e.exclusive;
                int r = e.wake(key);
                if (r > 0) {
                    if (e.autoremove && e.queue == this) {
                        unlink(e);
                    }
                    if (excl && --nrExclusive == 0) {
                        break;
                    }
                }
                e = nx;
            }
        }
    }

    /** Linux: {@code wake_up_interruptible_sync_poll()}: everyone non-exclusive, one exclusive. */
    public void wakeUpPoll(int key) {
        wakeUp(key, 1);
    }

    /** Linux: {@code wake_up_all()}. */
    public void wakeUpAll(int key) {
        wakeUp(key, 0);
    }
}
