package dev.packetflow.net.socket;

import dev.packetflow.kernel.sched.WaitEntry;

/**
 * One watched file of an epoll instance: its interest, the caller's cookie, its place in the ready
 * list, and (as a {@link WaitEntry} on the file's wait queue) the callback that puts it there.
 *
 * <p>Linux: {@code fs/eventpoll.c struct epitem} and its {@code eppoll_entry}.
 */
final class EpItem extends WaitEntry {
    final Epoll ep;
    final OpenFile file;
    final int fd;
    /** Interest plus EPOLLET/EPOLLONESHOT...; guarded by the epoll's lock. */
    int events;
    long data;
    /** Ready-list links and membership; guarded by the epoll's lock. */
    EpItem rdNext;
    EpItem rdPrev;
    boolean onReady;
    /** Link in the file's list of items watching it. */
    EpItem fileNext;

    EpItem(Epoll ep, OpenFile file, int fd, int events, long data) {
        this.ep = ep;
        this.file = file;
        this.fd = fd;
        this.events = events;
        this.data = data;
    }

    /** Linux: {@code ep_poll_callback()}. */
    @Override
    protected int wake(int key) {
        return ep.pollCallback(this, key);
    }
}
