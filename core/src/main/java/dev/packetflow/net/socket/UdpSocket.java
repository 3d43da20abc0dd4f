package dev.packetflow.net.socket;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.ipv4.IpSockglue;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.util.Set;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * A UDP socket for Java code, in the manner of {@link java.net.DatagramSocket} and
 * {@link java.nio.channels.DatagramChannel}, on one {@link NetStack}. It is a descriptor of the
 * stack's {@link SocketLayer} underneath, so everything the BSD level does holds here: Linux's
 * semantics, {@code ss} shows it, blocking parks the calling thread (virtual threads welcome) and
 * timeouts run on the stack's clock (virtual time in a simulation).
 *
 * <pre>{@code
 * try (UdpSocket s = UdpSocket.open(stack, new InetSocketAddress("198.18.0.2", 7000))) {
 *     s.setSoTimeout(1000);
 *     ByteBuffer buf = ByteBuffer.allocate(1500);
 *     InetSocketAddress from = s.receive(buf);     // blocks; SocketTimeoutException after 1 s
 *     buf.flip();
 *     s.send(buf, from);                           // echo it back
 * }
 * }</pre>
 *
 * <h2>Errors</h2>
 * {@code java.net} exceptions ({@link SocketErrors}): {@link java.net.BindException} for a port in
 * use or an address that is not the stack's, {@link java.net.PortUnreachableException} when a
 * connected socket's peer answered with ICMP port unreachable, {@link java.net.SocketTimeoutException}
 * ("Receive timed out") when {@link #setSoTimeout} passes, {@link SocketException} with Linux's
 * message ("Message too long", "Permission denied", "Network is unreachable"...) for the rest and
 * "Socket is closed" after {@link #close}. A thread interrupted while blocked closes the socket and
 * gets "Closed by interrupt", as with the JDK's sockets. Bad arguments (a negative timeout, a TTL
 * of 0, an IPv6 address where the call needs IPv4...) throw IllegalArgumentException.
 *
 * <h2>Non-blocking mode</h2>
 * After {@code configureBlocking(false)}, {@link #receive(ByteBuffer)} returns null when no
 * datagram is waiting and {@link #send(ByteBuffer, InetSocketAddress)} returns 0 when the send
 * buffer is full, as {@link java.nio.channels.DatagramChannel} does.
 *
 * <p>Sends and receives are {@code sendto()} and {@code recvfrom()} calls, as the JDK's
 * datagram sockets make them on Linux, so their journeys start and end at those stages.
 *
 * <p>Thread-safe: any number of threads may send and receive at once.
 */
public final class UdpSocket implements AutoCloseable {
    /**
     * One received datagram: {@code length} bytes were copied into the caller's array, from
     * {@code sender}; {@code truncated} when the datagram was longer and the rest is lost.
     */
    public record Received(int length, InetSocketAddress sender, boolean truncated) {}

    private static final String TIMED_OUT = "Receive timed out";

    private final NetStack net;
    private final SocketLayer sys;
    private final int fd;
    private volatile boolean closed;
    private volatile boolean blocking = true;
    private volatile int soTimeoutMs;

    private UdpSocket(NetStack net, int fd) {
        this.net = net;
        this.sys = net.sockets();
        this.fd = fd;
    }

    /** An unbound UDP socket of {@code net}; sending binds it to an ephemeral port. */
    public static UdpSocket open(NetStack net) throws SocketException {
        int fd = net.sockets().socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
        if (fd < 0) {
            throw SocketErrors.other(fd);
        }
        return new UdpSocket(net, fd);
    }

    /** A UDP socket bound to {@code local} (null: the wildcard address, an ephemeral port). */
    public static UdpSocket open(NetStack net, InetSocketAddress local) throws SocketException {
        UdpSocket s = open(net);
        try {
            s.bind(local);
        } catch (SocketException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** The stack this socket belongs to. */
    public NetStack stack() {
        return net;
    }

    /** The descriptor in the stack's {@link SocketLayer} (for {@code poll}, {@code ss}, BSD calls). */
    public int fd() {
        return fd;
    }

    // ================================================================ addresses

    /**
     * Binds to {@code local}; null, or a wildcard address, binds to every address of the stack, port
     * 0 to an ephemeral port. BindException when the port is taken or the address is not the
     * stack's; SocketException "Invalid argument" when already bound.
     */
    public void bind(InetSocketAddress local) throws SocketException {
        ensureOpen();
        int r = sys.bind(fd, local == null ? new SockAddrIn(INADDR_ANY, 0) : sockaddr(local));
        if (r < 0) {
            throw SocketErrors.bind(r);
        }
    }

    /**
     * Connects to {@code remote}: sends without an address go there, and only its datagrams are
     * received. Binds first if unbound. SocketException when there is no route, or "Permission
     * denied" for a broadcast address without {@link #setBroadcast}.
     */
    public void connect(InetSocketAddress remote) throws SocketException {
        ensureOpen();
        if (remote == null) {
            throw new IllegalArgumentException("remote address is null");
        }
        int r = sys.connect(fd, sockaddr(remote));
        if (r < 0) {
            throw SocketErrors.other(r);
        }
    }

    /** Dissolves the association made by {@link #connect}. */
    public void disconnect() throws SocketException {
        ensureOpen();
        int r = sys.connect(fd, SockAddrIn.UNSPEC);
        if (r < 0) {
            throw SocketErrors.other(r);
        }
    }

    /** The local address and port, or null when unbound or closed. */
    public InetSocketAddress getLocalSocketAddress() {
        return closed ? null : sys.localAddress(fd);
    }

    /** The local port, 0 when unbound, -1 when closed (as DatagramSocket). */
    public int getLocalPort() {
        if (closed) {
            return -1;
        }
        return sys.localPort(fd);
    }

    /** The connected peer, or null. */
    public InetSocketAddress getRemoteSocketAddress() {
        return closed ? null : sys.peerAddress(fd);
    }

    public boolean isBound() {
        return getLocalPort() > 0;
    }

    public boolean isConnected() {
        return getRemoteSocketAddress() != null;
    }

    public boolean isClosed() {
        return closed;
    }

    // ================================================================ sending

    /**
     * Sends the bytes between {@code src}'s position and limit as one datagram to {@code target}
     * (null: the connected peer), advancing the position. Returns the bytes sent, or 0 in
     * non-blocking mode when the send buffer is full. In blocking mode waits for buffer space.
     */
    public int send(ByteBuffer src, InetSocketAddress target) throws IOException {
        ensureOpen();
        int r = sys.sendto(fd, src, 0, target == null ? null : sockaddr(target));
        return sent(r);
    }

    /** Sends to the connected peer (SocketException "Destination address required" if none). */
    public int send(ByteBuffer src) throws IOException {
        return send(src, null);
    }

    /** Sends {@code len} bytes of {@code buf} from {@code off} to {@code target} (null: the peer). */
    public int send(byte[] buf, int off, int len, InetSocketAddress target) throws IOException {
        ensureOpen();
        java.util.Objects.checkFromIndexSize(off, len, buf.length);
        int r = sys.sendto(fd, buf, off, len, 0, target == null ? null : sockaddr(target));
        return sent(r);
    }

    /** Sends the whole array to {@code target} (null: the peer). */
    public int send(byte[] buf, InetSocketAddress target) throws IOException {
        return send(buf, 0, buf.length, target);
    }

    /** {@link java.net.DatagramSocket#send}: the packet's data, to its address (or the peer if it has none). */
    public void send(DatagramPacket p) throws IOException {
        InetSocketAddress to = p.getAddress() == null ? null : (InetSocketAddress) p.getSocketAddress();
        send(p.getData(), p.getOffset(), p.getLength(), to);
    }

    private int sent(int r) throws IOException {
        if (r >= 0) {
            return r;
        }
        if (r == Errno.EAGAIN.neg() && !blocking) {
            return 0;
        }
        throw failure(r, null);
    }

    // ================================================================ receiving

    /**
     * Receives one datagram into {@code dst} (from its position; a longer datagram is cut to what
     * fits and the rest is lost), advancing the position. Returns the sender, or null in
     * non-blocking mode when nothing is waiting. Blocks otherwise, up to {@link #getSoTimeout}.
     */
    public InetSocketAddress receive(ByteBuffer dst) throws IOException {
        ensureOpen();
        SockAddrIn[] from = new SockAddrIn[1];
        int r = sys.recvfrom(fd, dst, 0, from);
        if (r < 0) {
            if (r == Errno.EAGAIN.neg() && !blocking) {
                return null;
            }
            throw failure(r, TIMED_OUT);
        }
        return from[0] == null ? null : from[0].toInet();
    }

    /**
     * Receives one datagram into {@code len} bytes of {@code buf} from {@code off}. Returns what
     * arrived, or null in non-blocking mode when nothing is waiting.
     */
    public Received receive(byte[] buf, int off, int len) throws IOException {
        ensureOpen();
        java.util.Objects.checkFromIndexSize(off, len, buf.length);
        SockAddrIn[] from = new SockAddrIn[1];
        int r = sys.recvfrom(fd, buf, off, len, MSG_TRUNC, from); // MSG_TRUNC: the datagram's real length
        if (r < 0) {
            if (r == Errno.EAGAIN.neg() && !blocking) {
                return null;
            }
            throw failure(r, TIMED_OUT);
        }
        return new Received(Math.min(r, len), from[0] == null ? null : from[0].toInet(), r > len);
    }

    public Received receive(byte[] buf) throws IOException {
        return receive(buf, 0, buf.length);
    }

    /**
     * {@link java.net.DatagramSocket#receive}: fills the packet's buffer from its offset to the end
     * of its array, then sets its length and the sender's address. In non-blocking mode with
     * nothing waiting, SocketTimeoutException as a zero timeout would give.
     */
    public void receive(DatagramPacket p) throws IOException {
        byte[] data = p.getData();
        int off = p.getOffset();
        Received r = receive(data, off, data.length - off);
        if (r == null) {
            throw new java.net.SocketTimeoutException(TIMED_OUT);
        }
        p.setLength(r.length());
        p.setSocketAddress(r.sender());
    }

    /** Bytes of the next datagram waiting, 0 if none (Linux: {@code FIONREAD} on UDP). */
    public int available() throws SocketException {
        ensureOpen();
        int[] v = new int[1];
        int r = sys.ioctl(fd, FIONREAD, v);
        if (r < 0) {
            throw SocketErrors.other(r);
        }
        return v[0];
    }

    private IOException failure(int r, String timeoutMessage) {
        if (r == Errno.EINTR.neg()) {
            close();
            return new SocketException("Closed by interrupt");
        }
        if (r == Errno.EBADF.neg() || closed) {
            return SocketErrors.closed();
        }
        return SocketErrors.datagram(r, soTimeoutMs > 0 ? timeoutMessage : null);
    }

    // ================================================================ modes and options

    /** {@code false}: non-blocking mode (O_NONBLOCK). */
    public UdpSocket configureBlocking(boolean block) throws SocketException {
        ensureOpen();
        int fl = sys.fcntl(fd, F_GETFL, 0);
        sys.fcntl(fd, F_SETFL, block ? fl & ~O_NONBLOCK : fl | O_NONBLOCK);
        blocking = block;
        return this;
    }

    public boolean isBlocking() {
        return blocking;
    }

    /**
     * Receive timeout in milliseconds, 0 for none ({@code SO_RCVTIMEO}); on the stack's clock, so
     * virtual time in a simulation.
     */
    public void setSoTimeout(int timeoutMs) throws SocketException {
        if (timeoutMs < 0) {
            throw new IllegalArgumentException("timeout < 0");
        }
        ensureOpen();
        check(sys.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO,
                SockOpts.timeval(timeoutMs / 1000, (timeoutMs % 1000) * 1000L), 16));
        soTimeoutMs = timeoutMs;
    }

    public int getSoTimeout() {
        return soTimeoutMs;
    }

    /** {@code SO_BROADCAST}: needed to send to a broadcast address. */
    public void setBroadcast(boolean on) throws SocketException {
        setInt(SOL_SOCKET, SO_BROADCAST, on ? 1 : 0);
    }

    public boolean getBroadcast() throws SocketException {
        return getInt(SOL_SOCKET, SO_BROADCAST) != 0;
    }

    /** {@code SO_RCVBUF}; Linux doubles the value, and {@link #getReceiveBufferSize} reports that. */
    public void setReceiveBufferSize(int size) throws SocketException {
        if (size <= 0) {
            throw new IllegalArgumentException("invalid receive size " + size);
        }
        setInt(SOL_SOCKET, SO_RCVBUF, size);
    }

    public int getReceiveBufferSize() throws SocketException {
        return getInt(SOL_SOCKET, SO_RCVBUF);
    }

    /** {@code SO_SNDBUF}, doubled like {@code SO_RCVBUF}. */
    public void setSendBufferSize(int size) throws SocketException {
        if (size <= 0) {
            throw new IllegalArgumentException("invalid send size " + size);
        }
        setInt(SOL_SOCKET, SO_SNDBUF, size);
    }

    public int getSendBufferSize() throws SocketException {
        return getInt(SOL_SOCKET, SO_SNDBUF);
    }

    /** {@code IP_TOS} (0..255); also sets the priority that picks the pfifo_fast band. */
    public void setTrafficClass(int tc) throws SocketException {
        if (tc < 0 || tc > 255) {
            throw new IllegalArgumentException("tc is not in range 0 -- 255");
        }
        setInt(SOL_IP, IpSockglue.IP_TOS, tc);
    }

    public int getTrafficClass() throws SocketException {
        return getInt(SOL_IP, IpSockglue.IP_TOS);
    }

    /** {@code IP_TTL} of unicast datagrams (1..255). */
    public void setTimeToLive(int ttl) throws SocketException {
        if (ttl < 1 || ttl > 255) {
            throw new IllegalArgumentException("ttl out of range 1..255: " + ttl);
        }
        setInt(SOL_IP, IpSockglue.IP_TTL, ttl);
    }

    public int getTimeToLive() throws SocketException {
        return getInt(SOL_IP, IpSockglue.IP_TTL);
    }

    /** {@code SO_REUSEADDR}; set before {@link #bind}. */
    public void setReuseAddress(boolean on) throws SocketException {
        setInt(SOL_SOCKET, SO_REUSEADDR, on ? 1 : 0);
    }

    public boolean getReuseAddress() throws SocketException {
        return getInt(SOL_SOCKET, SO_REUSEADDR) != 0;
    }

    /** {@code SO_PRIORITY} (0..6 unprivileged): the skb priority, which picks the pfifo_fast band. */
    public void setPriority(int prio) throws SocketException {
        setInt(SOL_SOCKET, SO_PRIORITY, prio);
    }

    private static final Set<SocketOption<?>> OPTIONS = Set.of(StandardSocketOptions.SO_SNDBUF,
            StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_REUSEADDR, StandardSocketOptions.SO_REUSEPORT,
            StandardSocketOptions.SO_BROADCAST, StandardSocketOptions.IP_TOS, StandardSocketOptions.IP_MULTICAST_TTL,
            StandardSocketOptions.IP_MULTICAST_LOOP);

    /** The {@link StandardSocketOptions} this socket supports. */
    public Set<SocketOption<?>> supportedOptions() {
        return OPTIONS;
    }

    /** Sets a {@link StandardSocketOptions} option (UnsupportedOperationException for others). */
    public <T> UdpSocket setOption(SocketOption<T> name, T value) throws SocketException {
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
        } else if (name == StandardSocketOptions.SO_BROADCAST) {
            return new int[] {SOL_SOCKET, SO_BROADCAST};
        } else if (name == StandardSocketOptions.IP_TOS) {
            return new int[] {SOL_IP, IpSockglue.IP_TOS};
        } else if (name == StandardSocketOptions.IP_MULTICAST_TTL) {
            return new int[] {SOL_IP, IpSockglue.IP_MULTICAST_TTL};
        } else if (name == StandardSocketOptions.IP_MULTICAST_LOOP) {
            return new int[] {SOL_IP, IpSockglue.IP_MULTICAST_LOOP};
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

    private void check(int r) throws SocketException {
        if (r < 0) {
            throw closed ? SocketErrors.closed() : SocketErrors.other(r);
        }
    }

    // ================================================================ life

    /** Closes the socket: queued datagrams are freed, blocked threads get "Socket is closed". Idempotent. */
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

    private void ensureOpen() throws SocketException {
        if (closed) {
            throw SocketErrors.closed();
        }
    }

    /**
     * The BSD address of {@code a}: IPv4 only (another family reaches the stack as AF_INET6 and
     * fails there with EAFNOSUPPORT, as on Linux); an unresolved name is an IllegalArgumentException.
     */
    private static SockAddrIn sockaddr(InetSocketAddress a) {
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
        return "UdpSocket[" + net.name() + " fd=" + fd + (closed ? " closed" : " " + getLocalSocketAddress()) + "]";
    }
}
