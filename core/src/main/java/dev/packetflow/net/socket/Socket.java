package dev.packetflow.net.socket;

import dev.packetflow.kernel.sched.WaitQueue;

/**
 * The file side of a socket (Linux's {@code struct socket}, which Linux pairs with a
 * {@code struct file}): its type, its BSD state ({@code SS_*}), the operations of its family and
 * type, and the {@link Sock} doing the protocol work. One per descriptor returned by
 * {@code socket()} or {@code accept()}.
 */
public final class Socket extends OpenFile {
    public final int type;
    public final ProtoOps ops;
    /** Linux: {@code sock->state}, an {@code SS_*} value; connection-oriented operations use it. */
    public volatile int state = Uapi.SS_UNCONNECTED;
    volatile Sock sk;
    /** Empty wait queue for a socket that has lost its sock (released), so pollers see POLLNVAL-free silence. */
    private static final WaitQueue NO_WQ = new WaitQueue();

    Socket(int type, ProtoOps ops) {
        this.type = type;
        this.ops = ops;
    }

    /** The sock, or null once released. */
    public Sock sk() {
        return sk;
    }

    /** Linux: {@code sock_graft()}: attaches {@code sk} to this socket. */
    public void graft(Sock sk) {
        this.sk = sk;
        sk.socket = this;
    }

    @Override
    int pollMask() {
        return sk == null ? Uapi.POLLNVAL : ops.poll(this);
    }

    @Override
    WaitQueue pollQueue() {
        Sock s = sk;
        return s == null ? NO_WQ : s.wq();
    }

    @Override
    void release() {
        if (sk != null) {
            ops.release(this);
        }
    }

    @Override
    public String toString() {
        return "socket[" + sk + "]";
    }
}
