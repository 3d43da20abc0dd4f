package dev.packetflow.net.socket;

/**
 * Linux's {@code struct epoll_event}: the events of interest (for {@code epoll_ctl}) or that
 * happened (filled by {@code epoll_wait}), and the caller's 64-bit cookie ({@code epoll_data_t}).
 * Mutable: an application allocates an array once and reuses it for every {@code epoll_wait}.
 */
public final class EpollEvent {
    public int events;
    public long data;

    public EpollEvent() {}

    public EpollEvent(int events, long data) {
        this.events = events;
        this.data = data;
    }

    /** An array of {@code n} empty events, for {@code epoll_wait}. */
    public static EpollEvent[] array(int n) {
        EpollEvent[] a = new EpollEvent[n];
        for (int i = 0; i < n; i++) {
            a[i] = new EpollEvent();
        }
        return a;
    }

    @Override
    public String toString() {
        return "{events=0x" + Integer.toHexString(events) + ", data=" + data + "}";
    }
}
