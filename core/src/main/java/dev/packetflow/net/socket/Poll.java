package dev.packetflow.net.socket;

import dev.packetflow.kernel.sched.WaitEntry;
import dev.packetflow.kernel.sched.Waiter;
import dev.packetflow.net.NetStack;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * {@code poll()}: checks every descriptor, and if none is ready, registers on each one's wait
 * queue and sleeps until one of them reports an event of interest or the timeout passes. Cost is
 * linear in the descriptors passed, every call; for many sockets use {@link Epoll}.
 *
 * <p>Linux: {@code fs/select.c do_sys_poll()} / {@code do_poll()}.
 */
final class Poll {
    private Poll() {}

    /** A registration of one poll call on one file's wait queue (Linux: {@code poll_table_entry}). */
    private static final class PollEntry extends WaitEntry {
        final Waiter waiter;
        final int key;

        PollEntry(Waiter waiter, int key) {
            this.waiter = waiter;
            this.key = key;
        }

        /** Linux: {@code pollwake()}. */
        @Override
        protected int wake(int k) {
            if (k != 0 && (k & key) == 0) {
                return 0;
            }
            waiter.wakeDirect();
            return 1;
        }
    }

    static int doPoll(SocketLayer sl, PollFd[] fds, int nfds, int timeoutMs) {
        if (nfds < 0 || nfds > sl.rlimitNofile()) {
            return Errno.EINVAL.neg();
        }
        if (fds == null ? nfds > 0 : nfds > fds.length) {
            return Errno.EFAULT.neg();
        }
        NetStack net = sl.net();
        long deadline = timeoutMs < 0 ? Waiter.FOREVER
                : Waiter.deadline(net.clock().nanoTime(), timeoutMs * 1_000_000L);
        boolean timedOut = timeoutMs == 0;
        boolean register = !timedOut;
        Waiter w = null;
        PollEntry[] entries = null;
        dev.packetflow.kernel.sched.WaitQueue[] queues = null;
        try {
            for (;;) {
                if (register) {
                    w = Waiter.current();
                    w.begin(-1, net.kernel(), net.timers(), deadline);
                    entries = new PollEntry[nfds];
                    queues = new dev.packetflow.kernel.sched.WaitQueue[nfds];
                } else if (w != null) {
                    w.clearWoken(); // events from here on must wake the next sleep
                }
                int count = 0;
                for (int i = 0; i < nfds; i++) {
                    PollFd p = fds[i];
                    p.revents = 0;
                    if (p.fd < 0) {
                        continue;
                    }
                    OpenFile f = sl.file(p.fd);
                    if (f == null) {
                        p.revents = POLLNVAL;
                        count++;
                        continue;
                    }
                    int filter = (p.events & 0xffff) | POLLERR | POLLHUP;
                    if (register) {
                        PollEntry e = new PollEntry(w, filter);
                        dev.packetflow.kernel.sched.WaitQueue q = f.pollQueue();
                        q.add(e);
                        entries[i] = e;
                        queues[i] = q;
                    }
                    int mask = f.pollMask() & filter;
                    if (mask != 0) {
                        p.revents = mask;
                        count++;
                    }
                }
                register = false;
                if (count > 0 || timedOut) {
                    return count;
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
            if (entries != null) {
                // Linux: poll_freewait()
                for (int i = 0; i < nfds; i++) {
                    if (entries[i] != null) {
                        queues[i].remove(entries[i]);
                    }
                }
            }
            if (w != null) {
                w.end();
            }
        }
    }
}
