package dev.packetflow.net.socket;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.ipv4.IpSockglue;
import dev.packetflow.net.ipv4.tcp.TcpSockOpts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Set;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * A TCP connection for Java code, in the manner of {@link java.net.Socket} (streams) and
 * {@link java.nio.channels.SocketChannel} (ByteBuffers), on one {@link NetStack}. Like
 * {@link UdpSocket} it is a descriptor of the stack's {@link SocketLayer} underneath: Linux's TCP
 * semantics, {@code ss} shows it, blocking parks the calling thread (virtual threads welcome) and
 * every timeout runs on the stack's clock (virtual time in a simulation).
 *
 * <pre>{@code
 * try (TcpSocket s = TcpSocket.connect(stack, new InetSocketAddress("198.18.0.2", 7), 3000)) {
 *     s.setSoTimeout(1000);
 *     s.getOutputStream().write("hello\n".getBytes(US_ASCII));
 *     byte[] back = s.getInputStream().readNBytes(6);    // SocketTimeoutException after 1 s
 * }
 * }</pre>
 *
 * <h2>Errors</h2>
 * {@code java.net} exceptions as the JDK throws them on Linux, with the errno's name appended to the
 * message ({@link SocketErrors#stream}): {@link java.net.ConnectException} "Connection refused
 * (ECONNREFUSED)" or "Connection timed out (ETIMEDOUT)", {@link java.net.NoRouteToHostException}
 * for EHOSTUNREACH, {@link java.net.BindException}, {@link SocketException} "Connection reset
 * (ECONNRESET)" (and on every later read, as the JDK keeps saying it) and "Broken pipe (EPIPE)".
 * Timeouts are {@link SocketTimeoutException}s: "Connect timed out" (the socket is then closed, as
 * a failed connect closes a {@link java.net.Socket}) and "Read timed out" (the socket stays
 * usable). A call on a closed socket throws "Socket is closed"; a thread blocked in a call when
 * another closes the socket gets "Socket closed"; an interrupted blocked thread closes the socket
 * and gets "Closed by interrupt". Bad arguments throw IllegalArgumentException.
 *
 * <p>Reads are {@code read()} calls and writes {@code write()} calls, as the JDK makes them, so a
 * write's journey starts at {@code write} and a read's ends there. A write returns once every byte
 * is in the send buffer, waiting for ACKs to make room.
 *
 * <p>Thread-safe: one thread may read while another writes, as with {@link java.net.Socket}.
 */
public final class TcpSocket implements AutoCloseable {
    private final NetStack net;
    private final SocketLayer sys;
    private final int fd;
    private volatile boolean closed;
    /** A read saw ECONNRESET: later reads say so again (the JDK's behaviour; Linux would return 0). */
    private volatile boolean resetSeen;
    private volatile boolean inputShutdown;
    private volatile boolean outputShutdown;
    private volatile int soTimeoutMs;
    private InputStream in;
    private OutputStream out;

    private TcpSocket(NetStack net, int fd) {
        this.net = net;
        this.sys = net.sockets();
        this.fd = fd;
    }

    /** An unconnected TCP socket of {@code net}. */
    public static TcpSocket open(NetStack net) throws SocketException {
        int fd = net.sockets().socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        if (fd < 0) {
            throw SocketErrors.stream(fd);
        }
        return new TcpSocket(net, fd);
    }

    /** A TCP socket bound to {@code local} (null: wildcard address, ephemeral port). */
    public static TcpSocket open(NetStack net, InetSocketAddress local) throws SocketException {
        TcpSocket s = open(net);
        try {
            s.bind(local);
        } catch (SocketException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** A new connection to {@code remote}, waiting as long as TCP tries (see {@link #connect(InetSocketAddress, int)}). */
    public static TcpSocket connect(NetStack net, InetSocketAddress remote) throws IOException {
        return connect(net, remote, 0);
    }

    /** A new connection to {@code remote}, giving up after {@code timeoutMs} (0: as long as TCP tries). */
    public static TcpSocket connect(NetStack net, InetSocketAddress remote, int timeoutMs) throws IOException {
        TcpSocket s = open(net);
        s.connect(remote, timeoutMs); // closes s when it fails
        return s;
    }

    /** Wraps a descriptor {@code accept()} returned (for {@link TcpServerSocket}). */
    static TcpSocket adopt(NetStack net, int fd) {
        return new TcpSocket(net, fd);
    }

    /** The stack this socket belongs to. */
    public NetStack stack() {
        return net;
    }

    /** The descriptor in the stack's {@link SocketLayer} (for {@code poll}, {@code ss}, BSD calls). */
    public int fd() {
        return fd;
    }

    // ================================================================ connecting

    /**
     * Binds to {@code local} (null or a wildcard address: every address of the stack; port 0: an
     * ephemeral port). BindException when the port is taken or the address is not the stack's.
     */
    public void bind(InetSocketAddress local) throws SocketException {
        ensureOpen();
        int r = sys.bind(fd, local == null ? new SockAddrIn(INADDR_ANY, 0) : sockaddr(local));
        if (r < 0) {
            throw SocketErrors.stream(r);
        }
    }

    /** {@link #connect(InetSocketAddress, int)} without a timeout of its own. */
    public void connect(InetSocketAddress remote) throws IOException {
        connect(remote, 0);
    }

    /**
     * Connects to {@code remote}, blocking until the handshake completes, fails, or
     * {@code timeoutMs} passes (0: until TCP gives up, after its SYN retries). A failed connect
     * closes the socket, as with {@link java.net.Socket}: ConnectException (refused, TCP timed out),
     * NoRouteToHostException, SocketTimeoutException "Connect timed out". SocketException
     * "Already connected" when connected already.
     *
     * <p>The timeout is {@code SO_SNDTIMEO} for the duration of the call: Linux's connect() waits
     * that long, then returns EINPROGRESS with the handshake still under way.
     */
    public void connect(InetSocketAddress remote, int timeoutMs) throws IOException {
        if (remote == null) {
            throw new IllegalArgumentException("remote address is null");
        }
        if (timeoutMs < 0) {
            throw new IllegalArgumentException("connect: timeout can't be negative");
        }
        ensureOpen();
        if (isConnected()) {
            throw new SocketException("Already connected");
        }
        SockAddrIn to = sockaddr(remote);
        if (timeoutMs > 0) {
            check(sys.setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, timeval(timeoutMs), 16));
        }
        int r = sys.connect(fd, to);
        if (timeoutMs > 0 && !closed) {
            sys.setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, timeval(0), 16);
        }
        if (r >= 0) {
            return;
        }
        IOException e;
        if (r == Errno.EINPROGRESS.neg()) {
            e = new SocketTimeoutException("Connect timed out");
        } else {
            e = failure(r);
        }
        close();
        throw e;
    }

    /** The local address and port, or null when unbound or closed. */
    public InetSocketAddress getLocalSocketAddress() {
        return closed ? null : sys.localAddress(fd);
    }

    /** The local port, 0 when unbound, -1 when closed (as {@link java.net.Socket}). */
    public int getLocalPort() {
        if (closed) {
            return -1;
        }
        return sys.localPort(fd);
    }

    /** The peer, or null when not connected (or closed). */
    public InetSocketAddress getRemoteSocketAddress() {
        return closed ? null : sys.peerAddress(fd);
    }

    /** The peer's address, or null. */
    public InetAddress getInetAddress() {
        InetSocketAddress r = getRemoteSocketAddress();
        return r == null ? null : r.getAddress();
    }

    /** The peer's port, 0 when not connected. */
    public int getPort() {
        InetSocketAddress r = getRemoteSocketAddress();
        return r == null ? 0 : r.getPort();
    }

    public boolean isBound() {
        return getLocalPort() > 0;
    }

    /** Whether the handshake completed (stays true after the peer closes, until {@link #close}). */
    public boolean isConnected() {
        return !closed && sys.file(fd) instanceof Socket s && s.state == SS_CONNECTED;
    }

    public boolean isClosed() {
        return closed;
    }

    public boolean isInputShutdown() {
        return inputShutdown;
    }

    public boolean isOutputShutdown() {
        return outputShutdown;
    }

    // ================================================================ reading

    /**
     * Reads into {@code dst} from its position, advancing it: the bytes read, at least 1, waiting
     * up to {@link #getSoTimeout} for some; -1 at end of stream (the peer's FIN, or after
     * {@link #shutdownInput}); 0 only when {@code dst} has no room.
     */
    public int read(ByteBuffer dst) throws IOException {
        ensureOpen();
        if (!dst.hasRemaining()) {
            return 0;
        }
        return readResult(sys.read(fd, dst));
    }

    /** Reads up to {@code len} bytes into {@code b} from {@code off}; as {@link #read(ByteBuffer)}. */
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        ensureOpen();
        if (len == 0) {
            return 0;
        }
        return readResult(sys.read(fd, b, off, len));
    }

    /**
     * Drops up to {@code max} bytes of what arrived without copying them anywhere: Linux's
     * {@code recv(fd, NULL, max, MSG_TRUNC)} on a TCP socket. Waits as {@link #read(ByteBuffer)}
     * does (timeout, {@code SO_RCVLOWAT}); returns the bytes dropped, -1 at end of stream. The
     * sender's window opens as for a read. {@code getInputStream().skip(n)} uses it.
     */
    public int skip(int max) throws IOException {
        ensureOpen();
        if (max <= 0) {
            return 0;
        }
        // MSG_TRUNC: the length bounds what is dropped; the buffer is never written.
        return readResult(sys.recvfrom(fd, SKIP_NOWHERE, 0, Math.min(max, SKIP_NOWHERE.length), MSG_TRUNC, null));
    }

    /** Stands for recv's NULL buffer under MSG_TRUNC: only its length is used. */
    private static final byte[] SKIP_NOWHERE = new byte[256 * 1024];

    private int readResult(int r) throws IOException {
        if (r > 0) {
            return r;
        }
        if (r == 0) {
            if (resetSeen) {
                throw SocketErrors.stream(Errno.ECONNRESET.neg());
            }
            return -1;
        }
        if (r == Errno.EAGAIN.neg() && soTimeoutMs > 0) {
            throw new SocketTimeoutException("Read timed out");
        }
        if (r == Errno.ECONNRESET.neg()) {
            resetSeen = true;
        }
        throw failure(r);
    }

    /** Bytes that can be read without blocking ({@code FIONREAD}); 0 after end of stream. */
    public int available() throws IOException {
        ensureOpen();
        if (inputShutdown) {
            return 0;
        }
        int[] v = new int[1];
        int r = sys.ioctl(fd, SIOCINQ, v);
        if (r < 0) {
            if (r == Errno.EINVAL.neg()) {
                return 0; // a listening or never-connected socket has nothing to read
            }
            throw failure(r);
        }
        return v[0];
    }

    // ================================================================ writing

    /**
     * Writes every byte between {@code src}'s position and limit, advancing the position, waiting
     * for send-buffer room as needed; returns the count. "Broken pipe (EPIPE)" once the connection
     * is closed for writing, "Connection reset (ECONNRESET)" if the peer reset it.
     */
    public int write(ByteBuffer src) throws IOException {
        ensureOpen();
        int total = 0;
        while (src.hasRemaining()) {
            int r = sys.write(fd, src);
            if (r < 0) {
                throw failure(r);
            }
            total += r;
        }
        return total;
    }

    /** Writes {@code len} bytes of {@code b} from {@code off}; as {@link #write(ByteBuffer)}. */
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        ensureOpen();
        while (len > 0) {
            int r = sys.write(fd, b, off, len);
            if (r < 0) {
                throw failure(r);
            }
            off += r;
            len -= r;
        }
    }

    /** Bytes written but not yet acknowledged by the peer ({@code SIOCOUTQ}). */
    public int unacknowledged() throws IOException {
        ensureOpen();
        int[] v = new int[1];
        int r = sys.ioctl(fd, SIOCOUTQ, v);
        if (r < 0) {
            throw failure(r);
        }
        return v[0];
    }

    // ================================================================ streams

    /**
     * The connection's input: {@code read} blocks as {@link #read(byte[], int, int)}, returns -1 at
     * end of stream. Closing the stream closes the socket, as with {@link java.net.Socket}.
     */
    public synchronized InputStream getInputStream() throws IOException {
        ensureOpen();
        if (!isConnected()) {
            throw new SocketException("Socket is not connected");
        }
        if (in == null) {
            in = new In();
        }
        return in;
    }

    /**
     * The connection's output: {@code write} returns once the bytes are in the send buffer;
     * {@code flush} does nothing (TCP sends as soon as Nagle and the windows allow). Closing the
     * stream closes the socket.
     */
    public synchronized OutputStream getOutputStream() throws IOException {
        ensureOpen();
        if (!isConnected()) {
            throw new SocketException("Socket is not connected");
        }
        if (out == null) {
            out = new Out();
        }
        return out;
    }

    private final class In extends InputStream {
        private final byte[] one = new byte[1];

        @Override
        public int read() throws IOException {
            int n = TcpSocket.this.read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return TcpSocket.this.read(b, off, len);
        }

        @Override
        public int available() throws IOException {
            return TcpSocket.this.available();
        }

        /** Drops up to {@code n} bytes without copying them ({@link TcpSocket#skip}); 0 at end of stream. */
        @Override
        public long skip(long n) throws IOException {
            int r = TcpSocket.this.skip((int) Math.min(n, Integer.MAX_VALUE));
            return Math.max(r, 0);
        }

        @Override
        public void close() {
            TcpSocket.this.close();
        }
    }

    private final class Out extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            TcpSocket.this.write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            TcpSocket.this.write(b, off, len);
        }

        @Override
        public void close() {
            TcpSocket.this.close();
        }
    }

    // ================================================================ shutdown, close

    /**
     * {@code shutdown(SHUT_RD)}: reads return end of stream from now on; data that arrives later is
     * still acknowledged (Linux sends no RST for it).
     */
    public void shutdownInput() throws IOException {
        ensureOpen();
        if (inputShutdown) {
            throw new SocketException("Socket input is already shutdown");
        }
        int r = sys.shutdown(fd, SHUT_RD);
        if (r < 0) {
            throw failure(r);
        }
        inputShutdown = true;
    }

    /** {@code shutdown(SHUT_WR)}: sends FIN after what is buffered; writes fail with "Broken pipe" afterwards. */
    public void shutdownOutput() throws IOException {
        ensureOpen();
        if (outputShutdown) {
            throw new SocketException("Socket output is already shutdown");
        }
        int r = sys.shutdown(fd, SHUT_WR);
        if (r < 0) {
            throw failure(r);
        }
        outputShutdown = true;
    }

    /**
     * Closes the socket: TCP finishes sending what is buffered and sends FIN (or RST: unread data
     * waiting, or {@code setSoLinger(true, 0)}); threads blocked on it get "Socket closed". Idempotent.
     */
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

    // ================================================================ options

    /**
     * Read timeout in milliseconds, 0 for none ({@code SO_RCVTIMEO}): a read waiting longer throws
     * SocketTimeoutException and the socket stays usable. On the stack's clock.
     */
    public void setSoTimeout(int timeoutMs) throws SocketException {
        if (timeoutMs < 0) {
            throw new IllegalArgumentException("timeout < 0");
        }
        ensureOpen();
        check(sys.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeval(timeoutMs), 16));
        soTimeoutMs = timeoutMs;
    }

    public int getSoTimeout() {
        return soTimeoutMs;
    }

    /** {@code TCP_NODELAY}: true turns Nagle's algorithm off. */
    public void setTcpNoDelay(boolean on) throws SocketException {
        setInt(SOL_TCP, TcpSockOpts.TCP_NODELAY, on ? 1 : 0);
    }

    public boolean getTcpNoDelay() throws SocketException {
        return getInt(SOL_TCP, TcpSockOpts.TCP_NODELAY) != 0;
    }

    /** {@code SO_KEEPALIVE}: probes after {@code tcp_keepalive_time} (2 h) idle unless {@link #setKeepAliveTimes}. */
    public void setKeepAlive(boolean on) throws SocketException {
        setInt(SOL_SOCKET, SO_KEEPALIVE, on ? 1 : 0);
    }

    public boolean getKeepAlive() throws SocketException {
        return getInt(SOL_SOCKET, SO_KEEPALIVE) != 0;
    }

    /**
     * {@code TCP_KEEPIDLE}, {@code TCP_KEEPINTVL}, {@code TCP_KEEPCNT}: first probe after
     * {@code idleSec} idle, then every {@code intervalSec}, giving up (ETIMEDOUT) after
     * {@code count} unanswered. The JDK offers these as {@code jdk.net.ExtendedSocketOptions}.
     */
    public void setKeepAliveTimes(int idleSec, int intervalSec, int count) throws SocketException {
        if (idleSec < 1 || intervalSec < 1 || count < 1) {
            throw new IllegalArgumentException("keepalive idle, interval and count must be positive");
        }
        setInt(SOL_TCP, TcpSockOpts.TCP_KEEPIDLE, idleSec);
        setInt(SOL_TCP, TcpSockOpts.TCP_KEEPINTVL, intervalSec);
        setInt(SOL_TCP, TcpSockOpts.TCP_KEEPCNT, count);
    }

    /**
     * {@code SO_LINGER}: with {@code on} and 0 seconds, {@link #close} aborts the connection with a
     * RST; with more, close waits up to that long for the peer to acknowledge everything.
     */
    public void setSoLinger(boolean on, int lingerSec) throws SocketException {
        if (on && lingerSec < 0) {
            throw new IllegalArgumentException("invalid value for SO_LINGER");
        }
        ensureOpen();
        check(sys.setsockopt(fd, SOL_SOCKET, SO_LINGER, SockOpts.linger(on, Math.min(lingerSec, 65535)), 8));
    }

    /** The linger time in seconds, -1 when off (as {@link java.net.Socket#getSoLinger}). */
    public int getSoLinger() throws SocketException {
        ensureOpen();
        byte[] v = new byte[8];
        int[] len = {8};
        check(sys.getsockopt(fd, SOL_SOCKET, SO_LINGER, v, len));
        return SockOpts.intAt(v, 0) != 0 ? SockOpts.intAt(v, 4) : -1;
    }

    /** {@code SO_SNDBUF}; Linux doubles it, and {@link #getSendBufferSize} reports that (and stops autotuning). */
    public void setSendBufferSize(int size) throws SocketException {
        if (size <= 0) {
            throw new IllegalArgumentException("negative send size");
        }
        setInt(SOL_SOCKET, SO_SNDBUF, size);
    }

    public int getSendBufferSize() throws SocketException {
        return getInt(SOL_SOCKET, SO_SNDBUF);
    }

    /** {@code SO_RCVBUF}, doubled like {@code SO_SNDBUF}; set before connecting to shape the window scale. */
    public void setReceiveBufferSize(int size) throws SocketException {
        if (size <= 0) {
            throw new IllegalArgumentException("invalid receive size");
        }
        setInt(SOL_SOCKET, SO_RCVBUF, size);
    }

    public int getReceiveBufferSize() throws SocketException {
        return getInt(SOL_SOCKET, SO_RCVBUF);
    }

    /**
     * {@code SO_RCVLOWAT}: a blocking read waits for this many bytes (or end of stream, or its
     * timeout), and the reader is woken only once that many are queued (Linux's
     * {@code tcp_data_ready}): a bulk reader that sets it is woken once per so many bytes instead
     * of once per arriving segment.
     */
    public void setReceiveLowWatermark(int bytes) throws SocketException {
        if (bytes <= 0) {
            throw new IllegalArgumentException("invalid low watermark");
        }
        setInt(SOL_SOCKET, SO_RCVLOWAT, bytes);
    }

    public int getReceiveLowWatermark() throws SocketException {
        return getInt(SOL_SOCKET, SO_RCVLOWAT);
    }

    /** {@code SO_REUSEADDR}; set before {@link #bind}. */
    public void setReuseAddress(boolean on) throws SocketException {
        setInt(SOL_SOCKET, SO_REUSEADDR, on ? 1 : 0);
    }

    public boolean getReuseAddress() throws SocketException {
        return getInt(SOL_SOCKET, SO_REUSEADDR) != 0;
    }

    /**
     * {@code IP_TOS} (0..255): the TOS byte of every segment the connection sends; also sets the
     * priority that picks the pfifo_fast band. The two ECN bits stay TCP's (Linux ignores them in
     * the value), so {@link #getTrafficClass} may read back less than was set.
     */
    public void setTrafficClass(int tc) throws SocketException {
        if (tc < 0 || tc > 255) {
            throw new IllegalArgumentException("tc is not in range 0 -- 255");
        }
        setInt(SOL_IP, IpSockglue.IP_TOS, tc);
    }

    public int getTrafficClass() throws SocketException {
        return getInt(SOL_IP, IpSockglue.IP_TOS);
    }

    private static final Set<SocketOption<?>> OPTIONS = Set.of(StandardSocketOptions.SO_SNDBUF,
            StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_REUSEADDR, StandardSocketOptions.SO_REUSEPORT,
            StandardSocketOptions.SO_KEEPALIVE, StandardSocketOptions.SO_LINGER, StandardSocketOptions.TCP_NODELAY,
            StandardSocketOptions.IP_TOS);

    /** The {@link StandardSocketOptions} this socket supports. */
    public Set<SocketOption<?>> supportedOptions() {
        return OPTIONS;
    }

    /** Sets a {@link StandardSocketOptions} option (UnsupportedOperationException for others). */
    public <T> TcpSocket setOption(SocketOption<T> name, T value) throws SocketException {
        if (name == StandardSocketOptions.SO_LINGER) {
            int v = (Integer) value;
            setSoLinger(v >= 0, Math.max(v, 0));
            return this;
        }
        int v = value instanceof Boolean b ? (b ? 1 : 0) : (Integer) value;
        if (name == StandardSocketOptions.SO_SNDBUF) {
            setSendBufferSize(v);
        } else if (name == StandardSocketOptions.SO_RCVBUF) {
            setReceiveBufferSize(v);
        } else if (name == StandardSocketOptions.IP_TOS) {
            setTrafficClass(v);
        } else {
            int[] lo = level(name);
            setInt(lo[0], lo[1], v);
        }
        return this;
    }

    @SuppressWarnings("unchecked")
    public <T> T getOption(SocketOption<T> name) throws SocketException {
        if (name == StandardSocketOptions.SO_LINGER) {
            return (T) Integer.valueOf(getSoLinger());
        }
        int[] lo = level(name);
        int v = getInt(lo[0], lo[1]);
        return name.type() == Boolean.class ? (T) Boolean.valueOf(v != 0) : (T) Integer.valueOf(v);
    }

    private static int[] level(SocketOption<?> name) {
        if (name == StandardSocketOptions.SO_SNDBUF) {
            return new int[] {SOL_SOCKET, SO_SNDBUF};
        } else if (name == StandardSocketOptions.SO_RCVBUF) {
            return new int[] {SOL_SOCKET, SO_RCVBUF};
        } else if (name == StandardSocketOptions.SO_REUSEADDR) {
            return new int[] {SOL_SOCKET, SO_REUSEADDR};
        } else if (name == StandardSocketOptions.SO_REUSEPORT) {
            return new int[] {SOL_SOCKET, SO_REUSEPORT};
        } else if (name == StandardSocketOptions.SO_KEEPALIVE) {
            return new int[] {SOL_SOCKET, SO_KEEPALIVE};
        } else if (name == StandardSocketOptions.TCP_NODELAY) {
            return new int[] {SOL_TCP, TcpSockOpts.TCP_NODELAY};
        } else if (name == StandardSocketOptions.IP_TOS) {
            return new int[] {SOL_IP, IpSockglue.IP_TOS};
        }
        throw new UnsupportedOperationException("'" + name + "' not supported");
    }

    private void setInt(int level, int opt, int v) throws SocketException {
        ensureOpen();
        check(sys.setsockopt(fd, level, opt, v));
    }

    private int getInt(int level, int opt) throws SocketException {
        ensureOpen();
        int[] v = new int[1];
        check(sys.getsockopt(fd, level, opt, v));
        return v[0];
    }

    // ================================================================ helpers

    private void check(int r) throws SocketException {
        if (r < 0) {
            throw closed ? SocketErrors.closed() : SocketErrors.stream(r);
        }
    }

    /** The exception for a failed blocking call; see the class comment. */
    private IOException failure(int r) {
        if (r == Errno.EINTR.neg()) {
            close();
            return new SocketException("Closed by interrupt");
        }
        if (closed) {
            return new SocketException("Socket closed");
        }
        return SocketErrors.stream(r);
    }

    private void ensureOpen() throws SocketException {
        if (closed) {
            throw SocketErrors.closed();
        }
    }

    static byte[] timeval(int ms) {
        return SockOpts.timeval(ms / 1000, (ms % 1000) * 1000L);
    }

    /**
     * The BSD address of {@code a}: IPv4 only (another family reaches the stack as AF_INET6 and
     * fails there with EAFNOSUPPORT, as on Linux); an unresolved name is an IllegalArgumentException.
     */
    static SockAddrIn sockaddr(InetSocketAddress a) {
        if (a.isUnresolved()) {
            throw new IllegalArgumentException("unresolved address: " + a.getHostString());
        }
        if (a.getAddress().isAnyLocalAddress()) {
            return new SockAddrIn(INADDR_ANY, a.getPort());
        }
        if (!(a.getAddress() instanceof Inet4Address v4)) {
            return new SockAddrIn(AF_INET6, 0, a.getPort());
        }
        return new SockAddrIn(InetAddr.fromInet(v4), a.getPort());
    }

    @Override
    public String toString() {
        if (closed) {
            return "TcpSocket[" + net.name() + " fd=" + fd + " closed]";
        }
        return "TcpSocket[" + net.name() + " fd=" + fd + " " + getLocalSocketAddress() + " -> "
                + getRemoteSocketAddress() + "]";
    }
}
