package dev.packetflow.net.socket;

/** Linux's {@code struct pollfd}: a descriptor, the events asked for, the events that happened. */
public final class PollFd {
    /** Negative: ignored (revents 0), as in Linux. */
    public int fd;
    public int events;
    public int revents;

    public PollFd(int fd, int events) {
        this.fd = fd;
        this.events = events;
    }

    @Override
    public String toString() {
        return "{fd=" + fd + ", events=0x" + Integer.toHexString(events) + ", revents=0x" + Integer.toHexString(revents) + "}";
    }
}
