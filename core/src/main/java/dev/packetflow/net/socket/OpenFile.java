package dev.packetflow.net.socket;

import dev.packetflow.kernel.sched.WaitQueue;

/**
 * What a descriptor refers to: Linux's {@code struct file}, reduced to what sockets and epoll
 * instances need: the file status flags ({@link Uapi#O_NONBLOCK}), readiness for {@code poll} and
 * {@code epoll}, and the epoll items watching the file (removed when it is closed, as Linux's
 * {@code eventpoll_release()} does).
 */
public abstract sealed class OpenFile permits Socket, Epoll {
    /** Linux: {@code f_flags}: {@link Uapi#O_RDWR} plus {@link Uapi#O_NONBLOCK} when set. */
    volatile int fFlags = Uapi.O_RDWR;
    /** Epoll items watching this file (Linux: {@code f_ep}); guarded by this file's monitor. */
    private EpItem epHead;

    /** The ready events now, without registering for wake-ups (Linux: {@code vfs_poll(file, NULL)}). Lock-free. */
    abstract int pollMask();

    /** The queue {@code poll} and {@code epoll} register on to learn of changes. */
    abstract WaitQueue pollQueue();

    /** Linux: {@code ->release()}: the last descriptor is gone. */
    abstract void release();

    public boolean nonBlocking() {
        return (fFlags & Uapi.O_NONBLOCK) != 0;
    }

    synchronized void epAdd(EpItem epi) {
        epi.fileNext = epHead;
        epHead = epi;
    }

    synchronized void epRemove(EpItem epi) {
        EpItem p = null;
        for (EpItem e = epHead; e != null; p = e, e = e.fileNext) {
            if (e == epi) {
                if (p == null) {
                    epHead = e.fileNext;
                } else {
                    p.fileNext = e.fileNext;
                }
                e.fileNext = null;
                return;
            }
        }
    }

    /** Detaches the list of epoll items (the file is closing). */
    synchronized EpItem epTakeAll() {
        EpItem h = epHead;
        epHead = null;
        return h;
    }
}
