package dev.packetflow.net.socket;

import dev.packetflow.net.NetStack;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * A listening TCP socket for Java code, in the manner of {@link java.net.ServerSocket}, on one
 * {@link NetStack}: {@code socket()}, {@code bind()}, {@code listen()} and blocking
 * {@code accept()} of the stack's {@link SocketLayer}, each accepted connection a {@link TcpSocket}.
 *
 * <pre>{@code
 * try (TcpServerSocket server = TcpServerSocket.open(stack, new InetSocketAddress(7), 128)) {
 *     for (;;) {
 *         TcpSocket c = server.accept();                  // blocks; virtual threads welcome
 *         Thread.ofVirtual().start(() -> serve(c));
 *     }
 * }
 * }</pre>
 *
 * <p>The backlog is the accept queue's length, capped at {@code net.core.somaxconn} (4096) as
 * {@code listen()} caps it. {@link #setSoTimeout} bounds {@link #accept} ("Accept timed out", on
 * the stack's clock); {@link #close} wakes a blocked accept with "Socket closed" and resets the
 * connections still waiting in the queue, as Linux does. Errors are those of {@link TcpSocket}.
 * Thread-safe: any number of threads may accept at once, each connection going to one of them.
 */
public final class TcpServerSocket implements AutoCloseable {
    /** {@link java.net.ServerSocket}'s default backlog. */
    public static final int DEFAULT_BACKLOG = 50;

    private final NetStack net;
    private final SocketLayer sys;
    private final int fd;
    private volatile boolean closed;
    private volatile boolean listening;
    private volatile int soTimeoutMs;

    private TcpServerSocket(NetStack net, int fd) {
        this.net = net;
        this.sys = net.sockets();
        this.fd = fd;
    }

    /** An unbound socket: set {@link #setReuseAddress} or {@link #setReusePort}, then {@link #bind}. */
    public static TcpServerSocket open(NetStack net) throws SocketException {
        int fd = net.sockets().socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        if (fd < 0) {
            throw SocketErrors.stream(fd);
        }
        return new TcpServerSocket(net, fd);
    }

    /** A socket listening on {@code local} (null: every address, an ephemeral port) with {@code backlog}. */
    public static TcpServerSocket open(NetStack net, InetSocketAddress local, int backlog) throws SocketException {
        TcpServerSocket s = open(net);
        try {
            s.bind(local, backlog);
        } catch (SocketException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** {@link #open(NetStack, InetSocketAddress, int)} with {@link #DEFAULT_BACKLOG}. */
    public static TcpServerSocket open(NetStack net, InetSocketAddress local) throws SocketException {
        return open(net, local, DEFAULT_BACKLOG);
    }

    public NetStack stack() {
        return net;
    }

    /** The listening descriptor in the stack's {@link SocketLayer}. */
    public int fd() {
        return fd;
    }

    /**
     * Binds to {@code local} and listens with an accept queue of {@code backlog} (below 1:
     * {@link #DEFAULT_BACKLOG}, as {@link java.net.ServerSocket} does). BindException when the port is
     * in use (see {@link #setReuseAddress}, {@link #setReusePort}) or the address is not the stack's.
     */
    public void bind(InetSocketAddress local, int backlog) throws SocketException {
        ensureOpen();
        if (listening) {
            throw new SocketException("Already bound");
        }
        int r = sys.bind(fd, local == null ? new SockAddrIn(INADDR_ANY, 0) : TcpSocket.sockaddr(local));
        if (r < 0) {
            throw SocketErrors.stream(r);
        }
        r = sys.listen(fd, backlog < 1 ? DEFAULT_BACKLOG : backlog);
        if (r < 0) {
            throw SocketErrors.stream(r);
        }
        listening = true;
    }

    /**
     * Waits for a connection and returns it, up to {@link #getSoTimeout} (then
     * SocketTimeoutException "Accept timed out"; the socket stays usable).
     */
    public TcpSocket accept() throws IOException {
        ensureOpen();
        if (!listening) {
            throw new SocketException("Socket is not bound yet");
        }
        int r = sys.accept(fd, null);
        if (r >= 0) {
            return TcpSocket.adopt(net, r);
        }
        if (r == Errno.EAGAIN.neg() && soTimeoutMs > 0) {
            throw new SocketTimeoutException("Accept timed out");
        }
        if (r == Errno.EINTR.neg()) {
            close();
            throw new SocketException("Closed by interrupt");
        }
        if (closed) {
            throw new SocketException("Socket closed");
        }
        throw SocketErrors.stream(r);
    }

    /** The bound address, or null when unbound or closed. */
    public InetSocketAddress getLocalSocketAddress() {
        return closed ? null : sys.localAddress(fd);
    }

    /** The bound port, -1 when unbound (as {@link java.net.ServerSocket}). */
    public int getLocalPort() {
        InetSocketAddress a = getLocalSocketAddress();
        return a == null ? -1 : a.getPort();
    }

    public boolean isBound() {
        return listening;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Accept timeout in milliseconds, 0 for none ({@code SO_RCVTIMEO} of the listener). */
    public void setSoTimeout(int timeoutMs) throws SocketException {
        if (timeoutMs < 0) {
            throw new IllegalArgumentException("timeout < 0");
        }
        ensureOpen();
        check(sys.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, TcpSocket.timeval(timeoutMs), 16));
        soTimeoutMs = timeoutMs;
    }

    public int getSoTimeout() {
        return soTimeoutMs;
    }

    /** {@code SO_REUSEADDR}: bind while connections of the port linger in TIME_WAIT. Before {@link #bind}. */
    public void setReuseAddress(boolean on) throws SocketException {
        setInt(SO_REUSEADDR, on ? 1 : 0);
    }

    public boolean getReuseAddress() throws SocketException {
        return getInt(SO_REUSEADDR) != 0;
    }

    /** {@code SO_REUSEPORT}: several listeners that all set it share the port. Before {@link #bind}. */
    public void setReusePort(boolean on) throws SocketException {
        setInt(SO_REUSEPORT, on ? 1 : 0);
    }

    public boolean getReusePort() throws SocketException {
        return getInt(SO_REUSEPORT) != 0;
    }

    /** {@code SO_RCVBUF} inherited by accepted connections; set before {@link #bind} to shape their window scale. */
    public void setReceiveBufferSize(int size) throws SocketException {
        if (size <= 0) {
            throw new IllegalArgumentException("negative receive size");
        }
        setInt(SO_RCVBUF, size);
    }

    public int getReceiveBufferSize() throws SocketException {
        return getInt(SO_RCVBUF);
    }

    private void setInt(int opt, int v) throws SocketException {
        ensureOpen();
        check(sys.setsockopt(fd, SOL_SOCKET, opt, v));
    }

    private int getInt(int opt) throws SocketException {
        ensureOpen();
        int[] v = new int[1];
        check(sys.getsockopt(fd, SOL_SOCKET, opt, v));
        return v[0];
    }

    private void check(int r) throws SocketException {
        if (r < 0) {
            throw closed ? SocketErrors.closed() : SocketErrors.stream(r);
        }
    }

    private void ensureOpen() throws SocketException {
        if (closed) {
            throw SocketErrors.closed();
        }
    }

    /** Stops listening: waiting connections are reset, a blocked {@link #accept} gets "Socket closed". Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        sys.close(fd);
    }

    @Override
    public String toString() {
        return "TcpServerSocket[" + net.name() + " fd=" + fd + (closed ? " closed" : " " + getLocalSocketAddress()) + "]";
    }
}
