package dev.packetflow.net.socket;

import dev.packetflow.kernel.sched.WaitQueue;
import dev.packetflow.kernel.sched.Waiter;
import dev.packetflow.net.NetStack;
import java.util.HashMap;
import java.util.concurrent.locks.ReentrantLock;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * An epoll instance: an interest set of files and a ready list that wake-ups fill, so that
 * {@code epoll_wait} costs in proportion to the files that became ready, not to the files watched:
 * thousands of idle sockets cost nothing.
 *
 * <p>How it works, as in Linux: {@code epoll_ctl(ADD)} puts an {@link EpItem} on the file's wait
 * queue. When the socket's state changes ({@code sk_data_ready} and friends) the item's callback
 * ({@link #pollCallback}) appends it to the ready list and wakes one {@code epoll_wait} caller.
 * {@code epoll_wait} re-polls each ready item (so it reports current state), reports it, and:
 * <ul>
 * <li>level-triggered (default): puts it back on the ready list, so the next call polls it again and
 *     reports it as long as it stays ready;
 * <li>{@link Uapi#EPOLLET} (edge-triggered): leaves it off until the next wake-up, i.e. until new
 *     data arrives;
 * <li>{@link Uapi#EPOLLONESHOT}: disables it until {@code EPOLL_CTL_MOD} re-arms it.
 * </ul>
 *
 * <p>Locks: {@code mtx} serialises {@code epoll_ctl}; {@code lock} guards the ready list and item
 * flags and is what wake-ups take (from softnet, with the socket's wait queue held); no socket lock
 * is ever taken under it, because socket poll functions are lock-free. Linux:
 * {@code fs/eventpoll.c} ({@code ep->mtx}, {@code ep->lock}).
 */
public final class Epoll extends OpenFile {
    /** Linux's {@code EP_MAX_NESTS}: how deep epoll instances may watch each other. */
    static final int EP_MAX_NESTS = 4;
    /** Linux's {@code EP_MAX_EVENTS}: most events one epoll_wait may ask for. */
    static final int EP_MAX_EVENTS = Integer.MAX_VALUE / 16;
    private static final int EP_PRIVATE_BITS = EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE;
    private static final int EPOLLEXCLUSIVE_OK_BITS = EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP
            | EPOLLET | EPOLLEXCLUSIVE;

    private final NetStack net;
    private final ReentrantLock mtx = new ReentrantLock();
    private final Object lock = new Object();
    private final HashMap<Integer, EpItem> items = new HashMap<>();
    /** Epoll instances this one watches (for the loop check), copy-on-write. */
    private volatile Epoll[] nested = new Epoll[0];
    private EpItem rdHead;
    private EpItem rdTail;
    private volatile int rdCount;
    /** Threads in epoll_wait. */
    private final WaitQueue wq = new WaitQueue();
    /** poll() callers and outer epolls watching this one. */
    private final WaitQueue pollWait = new WaitQueue();

    Epoll(NetStack net) {
        this.net = net;
    }

    /** Files watched. */
    public int size() {
        mtx.lock();
        try {
            return items.size();
        } finally {
            mtx.unlock();
        }
    }

    /** Items on the ready list now. */
    public int readyCount() {
        return rdCount;
    }

    // ================================================================ epoll_ctl

    /** Linux: {@code do_epoll_ctl()} after the descriptors were resolved. */
    int ctl(int op, int fd, OpenFile tf, EpollEvent ev) {
        int events = ev == null ? 0 : ev.events;
        if (op != EPOLL_CTL_DEL && (events & EPOLLEXCLUSIVE) != 0) {
            if (op == EPOLL_CTL_MOD) {
                return Errno.EINVAL.neg();
            }
            if (tf instanceof Epoll || (events & ~EPOLLEXCLUSIVE_OK_BITS) != 0) {
                return Errno.EINVAL.neg();
            }
        }
        mtx.lock();
        try {
            EpItem epi = items.get(fd);
            if (epi != null && epi.file != tf) {
                epi = null; // a stale key cannot happen (close removes items), but never confuse files
            }
            switch (op) {
                case EPOLL_CTL_ADD -> {
                    if (epi != null) {
                        return Errno.EEXIST.neg();
                    }
                    if (tf instanceof Epoll inner && (inner == this || reaches(inner, this, 1))) {
                        return Errno.ELOOP.neg();
                    }
                    insert(fd, tf, events | EPOLLERR | EPOLLHUP, ev.data);
                    return 0;
                }
                case EPOLL_CTL_DEL -> {
                    if (epi == null) {
                        return Errno.ENOENT.neg();
                    }
                    remove(epi);
                    return 0;
                }
                case EPOLL_CTL_MOD -> {
                    if (epi == null) {
                        return Errno.ENOENT.neg();
                    }
                    if ((epi.events & EPOLLEXCLUSIVE) != 0) {
                        return Errno.EINVAL.neg();
                    }
                    modify(epi, events | EPOLLERR | EPOLLHUP, ev.data);
                    return 0;
                }
                default -> {
                    return Errno.EINVAL.neg();
                }
            }
        } finally {
            mtx.unlock();
        }
    }

    /** Linux: {@code ep_insert()}. */
    private void insert(int fd, OpenFile tf, int events, long data) {
        EpItem epi = new EpItem(this, tf, fd, events, data);
        items.put(fd, epi);
        tf.epAdd(epi);
        if (tf instanceof Epoll inner) {
            Epoll[] n = java.util.Arrays.copyOf(nested, nested.length + 1);
            n[n.length - 1] = inner;
            nested = n;
        }
        if ((events & EPOLLEXCLUSIVE) != 0) {
            tf.pollQueue().addExclusive(epi);
        } else {
            tf.pollQueue().add(epi);
        }
        if ((tf.pollMask() & events) != 0) {
            makeReady(epi);
        }
    }

    /** Linux: {@code ep_modify()}. */
    private void modify(EpItem epi, int events, long data) {
        synchronized (lock) {
            epi.events = events;
            epi.data = data;
        }
        if ((epi.file.pollMask() & events) != 0) {
            makeReady(epi);
        }
    }

    /** Linux: {@code ep_remove()}. */
    private void remove(EpItem epi) {
        epi.file.pollQueue().remove(epi);
        epi.file.epRemove(epi);
        items.remove(epi.fd);
        if (epi.file instanceof Epoll inner) {
            Epoll[] old = nested;
            for (int i = 0; i < old.length; i++) {
                if (old[i] == inner) {
                    Epoll[] n = new Epoll[old.length - 1];
                    System.arraycopy(old, 0, n, 0, i);
                    System.arraycopy(old, i + 1, n, i, old.length - i - 1);
                    nested = n;
                    break;
                }
            }
        }
        synchronized (lock) {
            if (epi.onReady) {
                unlinkReady(epi);
            }
        }
    }

    /** Called by {@link SocketLayer#close} for every item watching a file being closed. */
    void removeForClosedFile(EpItem epi) {
        mtx.lock();
        try {
            if (items.get(epi.fd) == epi) {
                remove(epi);
            }
        } finally {
            mtx.unlock();
        }
    }

    private static boolean reaches(Epoll from, Epoll target, int depth) {
        if (depth > EP_MAX_NESTS) {
            return true;
        }
        for (Epoll e : from.nested) {
            if (e == target || reaches(e, target, depth + 1)) {
                return true;
            }
        }
        return false;
    }

    private void makeReady(EpItem epi) {
        synchronized (lock) {
            if (!epi.onReady) {
                linkReady(epi);
            }
        }
        wq.wakeUp(0, 1);
        pollWait.wakeUpPoll(POLLIN);
    }

    // ================================================================ wake-ups

    /**
     * Linux: {@code ep_poll_callback()}: a watched file reported events {@code key}. Runs on the
     * thread that caused them, with the file's wait queue locked. Returns whether an exclusive
     * wake-up was consumed (EPOLLEXCLUSIVE items only), as Linux.
     */
    int pollCallback(EpItem epi, int key) {
        int ev;
        synchronized (lock) {
            ev = epi.events;
            if ((ev & ~EP_PRIVATE_BITS) == 0) {
                return 0; // disarmed by EPOLLONESHOT
            }
            if (key != 0 && (key & ev) == 0) {
                return 0;
            }
            if (!epi.onReady) {
                linkReady(epi);
            }
        }
        boolean waiters = wq.active();
        wq.wakeUp(0, 1);
        pollWait.wakeUpPoll(POLLIN);
        if ((ev & EPOLLEXCLUSIVE) == 0) {
            return 1;
        }
        if (!waiters) {
            return 0;
        }
        int inout = key & (EPOLLIN | EPOLLOUT);
        return switch (inout) {
            case EPOLLIN -> (ev & EPOLLIN) != 0 ? 1 : 0;
            case EPOLLOUT -> (ev & EPOLLOUT) != 0 ? 1 : 0;
            case 0 -> 1;
            default -> 0;
        };
    }

    private void linkReady(EpItem epi) {
        epi.onReady = true;
        epi.rdNext = null;
        epi.rdPrev = rdTail;
        if (rdTail == null) {
            rdHead = epi;
        } else {
            rdTail.rdNext = epi;
        }
        rdTail = epi;
        rdCount++;
    }

    private void unlinkReady(EpItem epi) {
        if (epi.rdPrev == null) {
            rdHead = epi.rdNext;
        } else {
            epi.rdPrev.rdNext = epi.rdNext;
        }
        if (epi.rdNext == null) {
            rdTail = epi.rdPrev;
        } else {
            epi.rdNext.rdPrev = epi.rdPrev;
        }
        epi.rdNext = null;
        epi.rdPrev = null;
        epi.onReady = false;
        rdCount--;
    }

    // ================================================================ epoll_wait

    /**
     * Linux: {@code ep_send_events()}. Moves up to {@code max} ready items into {@code out}, re-polling
     * each so only what is ready now is reported; level-triggered items go back on the ready list.
     */
    private int sendEvents(EpollEvent[] out, int max) {
        synchronized (lock) {
            // Take the whole ready list as the transfer list; items put back go to a fresh list.
            EpItem tx = rdHead;
            rdHead = null;
            rdTail = null;
            int txCount = rdCount;
            rdCount = 0;
            int res = 0;
            EpItem e = tx;
            while (e != null && res < max) {
                EpItem nx = e.rdNext;
                e.rdNext = null;
                e.rdPrev = null;
                e.onReady = false;
                txCount--;
                int revents = e.file.pollMask() & e.events;
                if (revents != 0) {
                    EpollEvent o = out[res++];
                    o.events = revents;
                    o.data = e.data;
                    if ((e.events & EPOLLONESHOT) != 0) {
                        e.events &= EP_PRIVATE_BITS;
                    } else if ((e.events & EPOLLET) == 0) {
                        linkReady(e);
                    }
                }
                e = nx;
            }
            if (e != null) {
                // Not transferred (max reached): back at the front, in order (Linux: ep_done_scan()).
                EpItem last = e;
                while (last.rdNext != null) {
                    last = last.rdNext;
                }
                e.rdPrev = null;
                last.rdNext = rdHead;
                if (rdHead != null) {
                    rdHead.rdPrev = last;
                } else {
                    rdTail = last;
                }
                rdHead = e;
                rdCount += txCount;
            }
            return res;
        }
    }

    /**
     * Linux: {@code ep_poll()}. Waits up to {@code timeoutMs} (negative: forever; 0: don't wait)
     * for ready events. Returns how many were stored in {@code out}, 0 on timeout, or -EINTR.
     */
    int waitEvents(EpollEvent[] out, int max, int timeoutMs) {
        long deadline = timeoutMs < 0 ? Waiter.FOREVER
                : Waiter.deadline(net.clock().nanoTime(), timeoutMs * 1_000_000L);
        boolean timedOut = timeoutMs == 0;
        Waiter w = null;
        try {
            for (;;) {
                if (rdCount != 0) {
                    int res = sendEvents(out, max);
                    if (res != 0) {
                        return res;
                    }
                }
                if (timedOut) {
                    return 0;
                }
                if (w == null) {
                    w = Waiter.current();
                    w.begin(-1, net.kernel(), net.timers(), deadline);
                }
                w.prepareExclusive(wq);
                if (rdCount != 0) {
                    wq.remove(w);
                    continue;
                }
                int r = w.sleep();
                if (r == Waiter.INTERRUPTED) {
                    return Errno.EINTR.neg();
                }
                if (r == Waiter.TIMED_OUT) {
                    timedOut = true;
                }
            }
        } finally {
            if (w != null) {
                w.end();
            }
        }
    }

    // ================================================================ the epoll file itself

    /** Linux: {@code ep_eventpoll_poll()}: readable when some ready item really is ready. */
    @Override
    int pollMask() {
        synchronized (lock) {
            for (EpItem e = rdHead; e != null; e = e.rdNext) {
                if ((e.file.pollMask() & e.events) != 0) {
                    return POLLIN | POLLRDNORM;
                }
            }
            return 0;
        }
    }

    @Override
    WaitQueue pollQueue() {
        return pollWait;
    }

    /** Linux: {@code ep_free()}: unhooks every item from the files it watches. */
    @Override
    void release() {
        mtx.lock();
        try {
            for (EpItem epi : items.values().toArray(new EpItem[0])) {
                remove(epi);
            }
        } finally {
            mtx.unlock();
        }
    }

    /** Threads blocked in epoll_wait on this instance. */
    public int sleepers() {
        return wq.size();
    }
}
