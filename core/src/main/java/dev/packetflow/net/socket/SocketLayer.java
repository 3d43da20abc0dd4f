package dev.packetflow.net.socket;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.Skb;
import dev.packetflow.trace.Trace;
import dev.packetflow.trace.Tracepoint;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * The BSD socket calls of one stack, with Linux's system call semantics: integer descriptors, and
 * results that are a non-negative value or {@code -errno} ({@link Errno}). A call that fails
 * changes nothing. This is the level the packetdrill runner and ported C code drive; the Java-level
 * sockets are built on it. Linux: {@code net/socket.c}, {@code fs/fcntl.c}, {@code fs/select.c},
 * {@code fs/eventpoll.c}.
 *
 * <pre>{@code
 * SocketLayer sys = net.sockets();
 * int fd = sys.socket(AF_INET, SOCK_DGRAM, 0);
 * sys.bind(fd, SockAddrIn.of("198.18.0.1", 5000));
 * int n = sys.recvfrom(fd, buf, 0, from);     // blocks; -EAGAIN with MSG_DONTWAIT
 * }</pre>
 *
 * <h2>Descriptors</h2>
 * A per-stack table: the lowest free number is used first, starting at 3, up to
 * {@link #rlimitNofile()} ({@code RLIMIT_NOFILE}, here 1,048,576 by default, Linux's
 * {@code fs.nr_open}, because a stack in one JVM commonly serves far more sockets than a shell's
 * soft limit of 1024). Calls on a descriptor that is not open return EBADF; socket calls on an epoll
 * descriptor ENOTSOCK.
 *
 * <h2>Threads and blocking</h2>
 * Calls may come from any thread; sends run in the caller's thread down to the device, as in
 * Linux. A call that blocks parks its thread (platform or virtual) and is woken by the socket's
 * callbacks; see {@link dev.packetflow.kernel.sched.Waiter} and the package documentation for how
 * this works in virtual time.
 *
 * <h2>Privileges</h2>
 * The application owning a stack is treated like root in a network namespace (CAP_NET_ADMIN,
 * CAP_NET_RAW, CAP_NET_BIND_SERVICE) unless {@link #setPrivileged(boolean)} says otherwise; then
 * {@code SO_PRIORITY} above 6, {@code SO_MARK}, {@code SO_*BUFFORCE} and ports below
 * {@code ip_unprivileged_port_start} are refused as Linux refuses them to ordinary users.
 */
public final class SocketLayer implements AutoCloseable {
    /** Default {@code RLIMIT_NOFILE}; see the class comment. */
    public static final int DEFAULT_RLIMIT_NOFILE = 1 << 20;

    // System calls as journey stages: TX starts at the call, RX ends at it.
    public static final Tracepoint TP_SENDTO = Trace.point("sendto");
    public static final Tracepoint TP_SENDMSG = Trace.point("sendmsg");
    public static final Tracepoint TP_SENDMMSG = Trace.point("sendmmsg");
    public static final Tracepoint TP_WRITE = Trace.point("write");
    public static final Tracepoint TP_WRITEV = Trace.point("writev");
    public static final Tracepoint TP_SOCK_SENDMSG = Trace.point("sock_sendmsg");
    public static final Tracepoint TP_RECVFROM = Trace.point("recvfrom");
    public static final Tracepoint TP_RECVMSG = Trace.point("recvmsg");
    public static final Tracepoint TP_RECVMMSG = Trace.point("recvmmsg");
    public static final Tracepoint TP_READ = Trace.point("read");
    public static final Tracepoint TP_READV = Trace.point("readv");

    private static final int FIONCLEX = 0x5450;
    private static final int FIOCLEX = 0x5451;
    private static final ThreadLocal<MsgHdr> SCRATCH = ThreadLocal.withInitial(MsgHdr::new);

    private final NetStack net;
    private final FdTable fds = new FdTable(DEFAULT_RLIMIT_NOFILE);
    private volatile InetProtosw[] protosw = new InetProtosw[0];
    private volatile boolean privileged = true;
    private final NetCoreSysctl sysctl = new NetCoreSysctl();

    public SocketLayer(NetStack net) {
        this.net = net;
    }

    public NetStack net() {
        return net;
    }

    // ================================================================ protocols

    /**
     * Linux: {@code inet_register_protosw()}. Makes {@code socket(AF_INET, type, protocol)} create
     * sockets of this protocol; the first entry of a type also serves protocol 0.
     */
    public synchronized void registerProtosw(InetProtosw p) {
        for (InetProtosw q : protosw) {
            if (q.type() == p.type() && q.protocol() == p.protocol()) {
                throw new IllegalStateException("protocol " + p.protocol() + " already registered for type " + p.type());
            }
        }
        InetProtosw[] n = java.util.Arrays.copyOf(protosw, protosw.length + 1);
        n[n.length - 1] = p;
        protosw = n;
    }

    /**
     * Linux: {@code inet_unregister_protosw()}. Sockets already open keep their protocol; new ones
     * of this type and protocol are refused (or served by another entry). Returns whether an entry
     * was removed.
     */
    public synchronized boolean unregisterProtosw(int type, int protocol) {
        InetProtosw[] old = protosw;
        for (int i = 0; i < old.length; i++) {
            if (old[i].type() == type && old[i].protocol() == protocol) {
                InetProtosw[] n = new InetProtosw[old.length - 1];
                System.arraycopy(old, 0, n, 0, i);
                System.arraycopy(old, i + 1, n, i, old.length - i - 1);
                protosw = n;
                return true;
            }
        }
        return false;
    }

    // ================================================================ socket, bind, connect, listen, accept

    /** Linux: {@code __sys_socket()} / {@code inet_create()}. Returns the new descriptor. */
    public int socket(int domain, int type, int protocol) {
        int flags = type & ~SOCK_TYPE_MASK;
        if ((flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) != 0) {
            return Errno.EINVAL.neg();
        }
        type &= SOCK_TYPE_MASK;
        if (domain < 0 || domain >= AF_MAX) {
            return Errno.EAFNOSUPPORT.neg();
        }
        if (type >= SOCK_MAX) {
            return Errno.EINVAL.neg();
        }
        if (domain != AF_INET) {
            return Errno.EAFNOSUPPORT.neg();
        }
        if (protocol < 0 || protocol >= IPPROTO_MAX) {
            return Errno.EINVAL.neg();
        }
        InetProtosw answer = null;
        int err = Errno.ESOCKTNOSUPPORT.neg();
        for (InetProtosw a : protosw) {
            if (a.type() != type) {
                continue;
            }
            err = 0;
            if (protocol == a.protocol() || protocol == IPPROTO_IP) {
                protocol = a.protocol();
                answer = a;
                break;
            }
            err = Errno.EPROTONOSUPPORT.neg();
        }
        if (answer == null) {
            return err;
        }
        if (type == SOCK_RAW && !privileged) {
            return Errno.EPERM.neg();
        }
        Socket sock = new Socket(type, answer.ops());
        sock.graft(answer.prot().newSock(net, type, protocol));
        if ((flags & SOCK_NONBLOCK) != 0) {
            sock.fFlags |= O_NONBLOCK;
        }
        int fd = fds.install(sock, (flags & SOCK_CLOEXEC) != 0);
        if (fd < 0) {
            sock.release();
        }
        return fd;
    }

    /** Linux: {@code __sys_bind()}. */
    public int bind(int fd, SockAddrIn addr) {
        OpenFile f = fds.get(fd);
        if (!(f instanceof Socket sock) || sock.sk == null) {
            return f == null || f instanceof Socket ? Errno.EBADF.neg() : Errno.ENOTSOCK.neg();
        }
        if (addr == null) {
            return Errno.EFAULT.neg();
        }
        return sock.ops.bind(sock, addr);
    }

    /** Linux: {@code __sys_connect()}. {@link SockAddrIn#UNSPEC} dissolves a datagram association. */
    public int connect(int fd, SockAddrIn addr) {
        OpenFile f = fds.get(fd);
        if (!(f instanceof Socket sock) || sock.sk == null) {
            return f == null || f instanceof Socket ? Errno.EBADF.neg() : Errno.ENOTSOCK.neg();
        }
        if (addr == null) {
            return Errno.EFAULT.neg();
        }
        return sock.ops.connect(sock, addr, sock.fFlags);
    }

    /** Linux: {@code __sys_listen()}: the backlog is capped at {@code somaxconn}. */
    public int listen(int fd, int backlog) {
        OpenFile f = fds.get(fd);
        if (!(f instanceof Socket sock) || sock.sk == null) {
            return f == null || f instanceof Socket ? Errno.EBADF.neg() : Errno.ENOTSOCK.neg();
        }
        int max = sysctl.somaxconn();
        if (Integer.compareUnsigned(backlog, max) > 0) {
            backlog = max;
        }
        return sock.ops.listen(sock, backlog);
    }

    public int accept(int fd, SockAddrIn[] peer) {
        return accept4(fd, peer, 0);
    }

    /**
     * Linux: {@code __sys_accept4()}. {@code peer}, if not null, receives the peer's address in
     * {@code peer[0]}. {@code flags}: {@link Uapi#SOCK_NONBLOCK}, {@link Uapi#SOCK_CLOEXEC}.
     */
    public int accept4(int fd, SockAddrIn[] peer, int flags) {
        if ((flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) != 0) {
            return Errno.EINVAL.neg();
        }
        OpenFile f = fds.get(fd);
        if (!(f instanceof Socket sock) || sock.sk == null) {
            return f == null || f instanceof Socket ? Errno.EBADF.neg() : Errno.ENOTSOCK.neg();
        }
        Socket newSock = new Socket(sock.type, sock.ops);
        // The descriptor is reserved before accepting, so EMFILE never loses a connection.
        int newfd = fds.install(newSock, (flags & SOCK_CLOEXEC) != 0);
        if (newfd < 0) {
            return newfd;
        }
        int err = sock.ops.accept(sock, newSock, sock.fFlags);
        if (err < 0) {
            fds.remove(newfd);
            if (newSock.sk != null) {
                newSock.release();
            }
            return err;
        }
        if ((flags & SOCK_NONBLOCK) != 0) {
            newSock.fFlags |= O_NONBLOCK;
        }
        if (peer != null && peer.length > 0) {
            MsgHdr m = SCRATCH.get();
            m.setName(null);
            if (newSock.ops.getname(newSock, m, true) < 0) {
                close(newfd);
                return Errno.ECONNABORTED.neg();
            }
            peer[0] = m.name();
        }
        return newfd;
    }

    // ================================================================ sending

    /** Linux: {@code __sys_sendto()}. {@code dest} null: the connected peer. Returns bytes sent. */
    public int sendto(int fd, ByteBuffer buf, int flags, SockAddrIn dest) {
        if (TP_SENDTO.enabled) {
            TP_SENDTO.fire(net, null, Skb.pendingJourney());
        }
        if (buf == null) {
            return Errno.EFAULT.neg();
        }
        MsgHdr m = SCRATCH.get();
        m.setBuffer(buf);
        return sendScratch(fd, m, flags, dest);
    }

    /** {@link #sendto(int, ByteBuffer, int, SockAddrIn)} from an array region. */
    public int sendto(int fd, byte[] buf, int off, int len, int flags, SockAddrIn dest) {
        if (TP_SENDTO.enabled) {
            TP_SENDTO.fire(net, null, Skb.pendingJourney());
        }
        if (buf == null || off < 0 || len < 0 || off + len > buf.length || off + len < 0) {
            return Errno.EFAULT.neg();
        }
        MsgHdr m = SCRATCH.get();
        m.setBuffer(buf, off, len);
        return sendScratch(fd, m, flags, dest);
    }

    public int send(int fd, ByteBuffer buf, int flags) {
        return sendto(fd, buf, flags, null);
    }

    private int sendScratch(int fd, MsgHdr m, int flags, SockAddrIn dest) {
        try {
            OpenFile f = fds.get(fd);
            if (!(f instanceof Socket sock) || sock.sk == null) {
                return f == null || f instanceof Socket ? Errno.EBADF.neg() : Errno.ENOTSOCK.neg();
            }
            m.setName(dest);
            m.flags = flags;
            if (sock.nonBlocking()) {
                m.flags |= MSG_DONTWAIT;
            }
            return sockSendmsg(sock, m);
        } finally {
            m.clearIov();
        }
    }

    /**
     * Linux: {@code __sys_sendmsg()}. {@code msg} carries the destination (if {@code namelen != 0})
     * and the buffers, set with {@link MsgHdr#setBuffer}/{@link MsgHdr#setIov} before each call.
     */
    public int sendmsg(int fd, MsgHdr msg, int flags) {
        if (TP_SENDMSG.enabled) {
            TP_SENDMSG.fire(net, null, Skb.pendingJourney());
        }
        if (msg == null) {
            return Errno.EFAULT.neg();
        }
        OpenFile f = fds.get(fd);
        if (!(f instanceof Socket sock) || sock.sk == null) {
            return f == null || f instanceof Socket ? Errno.EBADF.neg() : Errno.ENOTSOCK.neg();
        }
        msg.flags = flags;
        if (sock.nonBlocking()) {
            msg.flags |= MSG_DONTWAIT;
        }
        return sockSendmsg(sock, msg);
    }

    /** Linux: {@code sock_write_iter()}. */
    public int write(int fd, ByteBuffer buf) {
        if (TP_WRITE.enabled) {
            TP_WRITE.fire(net, null, Skb.pendingJourney());
        }
        if (buf == null) {
            return Errno.EFAULT.neg();
        }
        MsgHdr m = SCRATCH.get();
        m.setBuffer(buf);
        return writeScratch(fd, m);
    }

    public int write(int fd, byte[] buf, int off, int len) {
        if (TP_WRITE.enabled) {
            TP_WRITE.fire(net, null, Skb.pendingJourney());
        }
        if (buf == null || off < 0 || len < 0 || off + len > buf.length || off + len < 0) {
            return Errno.EFAULT.neg();
        }
        MsgHdr m = SCRATCH.get();
        m.setBuffer(buf, off, len);
        return writeScratch(fd, m);
    }

    /** Linux: {@code do_writev()}; {@code iovcnt} up to {@link MsgHdr#UIO_MAXIOV}. */
    public int writev(int fd, ByteBuffer[] iov, int iovcnt) {
        if (TP_WRITEV.enabled) {
            TP_WRITEV.fire(net, null, Skb.pendingJourney());
        }
        if (iovcnt < 0 || iovcnt > MsgHdr.UIO_MAXIOV) {
            return Errno.EINVAL.neg();
        }
        if (iov == null || iov.length < iovcnt) {
            return Errno.EFAULT.neg();
        }
        MsgHdr m = SCRATCH.get();
        m.setIov(iov, iovcnt);
        return writeScratch(fd, m);
    }

    private int writeScratch(int fd, MsgHdr m) {
        try {
            OpenFile f = fds.get(fd);
            if (f == null) {
                return Errno.EBADF.neg();
            }
            if (!(f instanceof Socket sock)) {
                return Errno.EINVAL.neg(); // an epoll instance has no write operation
            }
            if (sock.sk == null) {
                return Errno.EBADF.neg();
            }
            m.setName(null);
            m.flags = sock.nonBlocking() ? MSG_DONTWAIT : 0;
            if (sock.type == SOCK_SEQPACKET) {
                m.flags |= MSG_EOR;
            }
            return sockSendmsg(sock, m);
        } finally {
            m.clearIov();
        }
    }

    /**
     * Linux: {@code __sys_sendmmsg()}: sends {@code msgvec[0..vlen)} one by one, each as
     * {@link #sendmsg} would, storing each one's byte count in its {@link MMsgHdr#msgLen}. Returns
     * the number sent, or -errno when the first one fails. See {@link MMsg}.
     */
    public int sendmmsg(int fd, MMsgHdr[] msgvec, int vlen, int flags) {
        return MMsg.sendmmsg(this, fd, msgvec, vlen, flags);
    }

    /** Linux: {@code sock_sendmsg()}. */
    int sockSendmsg(Socket sock, MsgHdr m) {
        if (TP_SOCK_SENDMSG.enabled) {
            TP_SOCK_SENDMSG.fire(net, null, Skb.pendingJourney());
        }
        m.syscallTp = null;
        return sock.ops.sendmsg(sock, m, m.dataLeft());
    }

    // ================================================================ receiving

    /**
     * Linux: {@code __sys_recvfrom()}. Copies one datagram (or stream bytes) into {@code buf},
     * advancing its position; the sender's address goes to {@code from[0]} if {@code from} is not
     * null (null there when the protocol has none). Returns the bytes received, 0 at end of file,
     * or -errno.
     */
    public int recvfrom(int fd, ByteBuffer buf, int flags, SockAddrIn[] from) {
        if (buf == null) {
            return Errno.EFAULT.neg();
        }
        MsgHdr m = SCRATCH.get();
        m.setBuffer(buf);
        return recvScratch(fd, m, flags, from, TP_RECVFROM);
    }

    public int recvfrom(int fd, byte[] buf, int off, int len, int flags, SockAddrIn[] from) {
        if (buf == null || off < 0 || len < 0 || off + len > buf.length || off + len < 0) {
            return Errno.EFAULT.neg();
        }
        MsgHdr m = SCRATCH.get();
        m.setBuffer(buf, off, len);
        return recvScratch(fd, m, flags, from, TP_RECVFROM);
    }

    public int recv(int fd, ByteBuffer buf, int flags) {
        return recvfrom(fd, buf, flags, null);
    }

    private int recvScratch(int fd, MsgHdr m, int flags, SockAddrIn[] from, Tracepoint tp) {
        try {
            OpenFile f = fds.get(fd);
            if (!(f instanceof Socket sock) || sock.sk == null) {
                return f == null || f instanceof Socket ? Errno.EBADF.neg() : Errno.ENOTSOCK.neg();
            }
            if (sock.nonBlocking()) {
                flags |= MSG_DONTWAIT;
            }
            int r = sockRecvmsg(sock, m, flags, tp);
            if (r >= 0 && from != null && from.length > 0) {
                from[0] = m.name();
            }
            return r;
        } finally {
            m.clearIov();
        }
    }

    /**
     * Linux: {@code __sys_recvmsg()}. The zero-allocation receive: fills {@code msg}'s buffers, its
     * name (the sender) and {@code msg.flags} ({@link Uapi#MSG_TRUNC}).
     */
    public int recvmsg(int fd, MsgHdr msg, int flags) {
        if (msg == null) {
            return Errno.EFAULT.neg();
        }
        OpenFile f = fds.get(fd);
        if (!(f instanceof Socket sock) || sock.sk == null) {
            return f == null || f instanceof Socket ? Errno.EBADF.neg() : Errno.ENOTSOCK.neg();
        }
        if (sock.nonBlocking()) {
            flags |= MSG_DONTWAIT;
        }
        return sockRecvmsg(sock, msg, flags, TP_RECVMSG);
    }

    /**
     * Linux: {@code __sys_recvmmsg()}: receives into {@code msgvec[0..vlen)} one message each, as
     * {@link #recvmsg} would, storing each one's byte count in its {@link MMsgHdr#msgLen}.
     * {@code timeoutNs} negative: no timeout (a NULL {@code timespec}); otherwise it is checked
     * after each message received, as Linux does. Returns the number received, or -errno when the
     * first one fails. See {@link MMsg}.
     */
    public int recvmmsg(int fd, MMsgHdr[] msgvec, int vlen, int flags, long timeoutNs) {
        return MMsg.recvmmsg(this, fd, msgvec, vlen, flags, timeoutNs);
    }

    /** Linux: {@code sock_read_iter()}: a zero-length read returns 0 without looking at the queue. */
    public int read(int fd, ByteBuffer buf) {
        if (buf == null) {
            return Errno.EFAULT.neg();
        }
        MsgHdr m = SCRATCH.get();
        m.setBuffer(buf);
        return readScratch(fd, m, TP_READ);
    }

    public int read(int fd, byte[] buf, int off, int len) {
        if (buf == null || off < 0 || len < 0 || off + len > buf.length || off + len < 0) {
            return Errno.EFAULT.neg();
        }
        MsgHdr m = SCRATCH.get();
        m.setBuffer(buf, off, len);
        return readScratch(fd, m, TP_READ);
    }

    /** Linux: {@code do_readv()}. */
    public int readv(int fd, ByteBuffer[] iov, int iovcnt) {
        if (iovcnt < 0 || iovcnt > MsgHdr.UIO_MAXIOV) {
            return Errno.EINVAL.neg();
        }
        if (iov == null || iov.length < iovcnt) {
            return Errno.EFAULT.neg();
        }
        MsgHdr m = SCRATCH.get();
        m.setIov(iov, iovcnt);
        return readScratch(fd, m, TP_READV);
    }

    private int readScratch(int fd, MsgHdr m, Tracepoint tp) {
        try {
            OpenFile f = fds.get(fd);
            if (f == null) {
                return Errno.EBADF.neg();
            }
            if (!(f instanceof Socket sock)) {
                return Errno.EINVAL.neg();
            }
            if (sock.sk == null) {
                return Errno.EBADF.neg();
            }
            if (m.dataLeft() == 0) {
                return 0;
            }
            return sockRecvmsg(sock, m, sock.nonBlocking() ? MSG_DONTWAIT : 0, tp);
        } finally {
            m.clearIov();
        }
    }

    /** Linux: {@code sock_recvmsg()}. */
    static int sockRecvmsg(Socket sock, MsgHdr m, int flags, Tracepoint tp) {
        m.setName(null);
        m.flags = 0;
        m.syscallTp = tp;
        m.beginControl();
        int r = sock.ops.recvmsg(sock, m, m.dataLeft(), flags);
        m.endControl();
        return r;
    }

    // ================================================================ close, shutdown, names

    /**
     * Linux: {@code close_fd()} → {@code __fput()} → {@code sock_close()}: the descriptor is free at
     * once; epoll instances stop watching the file; the socket is released (a datagram socket's
     * queued packets are freed, threads blocked on it return EBADF).
     */
    public int close(int fd) {
        OpenFile f = fds.remove(fd);
        if (f == null) {
            return Errno.EBADF.neg();
        }
        EpItem e = f.epTakeAll();
        while (e != null) {
            EpItem next = e.fileNext;
            e.ep.removeForClosedFile(e);
            e = next;
        }
        f.release();
        return 0;
    }

    /** Linux: {@code __sys_shutdown()}; {@code how} is SHUT_RD, SHUT_WR or SHUT_RDWR. */
    public int shutdown(int fd, int how) {
        OpenFile f = fds.get(fd);
        if (!(f instanceof Socket sock) || sock.sk == null) {
            return f == null || f instanceof Socket ? Errno.EBADF.neg() : Errno.ENOTSOCK.neg();
        }
        return sock.ops.shutdown(sock, how);
    }

    /** Linux: {@code __sys_getsockname()}: the local address into {@code out[0]}; returns 0. */
    public int getsockname(int fd, SockAddrIn[] out) {
        return getname(fd, out, false);
    }

    /** Linux: {@code __sys_getpeername()}: ENOTCONN when not connected. */
    /**
     * The bound local address of {@code fd} as the Java level reports it: null when unbound (port
     * 0) or not a socket. Shared by UdpSocket, TcpSocket and TcpServerSocket.
     */
    public InetSocketAddress localAddress(int fd) {
        SockAddrIn[] a = new SockAddrIn[1];
        return getsockname(fd, a) < 0 || a[0].port() == 0 ? null : a[0].toInet();
    }

    /** The local port of {@code fd}: 0 when unbound, -1 when not a socket. */
    public int localPort(int fd) {
        SockAddrIn[] a = new SockAddrIn[1];
        return getsockname(fd, a) < 0 ? -1 : a[0].port();
    }

    /** The peer of {@code fd}, or null when not connected. */
    public InetSocketAddress peerAddress(int fd) {
        SockAddrIn[] a = new SockAddrIn[1];
        return getpeername(fd, a) < 0 ? null : a[0].toInet();
    }

    public int getpeername(int fd, SockAddrIn[] out) {
        return getname(fd, out, true);
    }

    private int getname(int fd, SockAddrIn[] out, boolean peer) {
        OpenFile f = fds.get(fd);
        if (!(f instanceof Socket sock) || sock.sk == null) {
            return f == null || f instanceof Socket ? Errno.EBADF.neg() : Errno.ENOTSOCK.neg();
        }
        if (out == null || out.length < 1) {
            return Errno.EFAULT.neg();
        }
        MsgHdr m = SCRATCH.get();
        m.setName(null);
        int r = sock.ops.getname(sock, m, peer);
        if (r < 0) {
            return r;
        }
        out[0] = m.name();
        return 0;
    }

    // ================================================================ options

    /** Linux: {@code __sys_setsockopt()}; {@code optval} in the x86-64 C layout ({@link SockOpts}). */
    public int setsockopt(int fd, int level, int optname, byte[] optval, int optlen) {
        if (optlen < 0) {
            return Errno.EINVAL.neg();
        }
        OpenFile f = fds.get(fd);
        if (!(f instanceof Socket sock) || sock.sk == null) {
            return f == null || f instanceof Socket ? Errno.EBADF.neg() : Errno.ENOTSOCK.neg();
        }
        if (level == SOL_SOCKET) {
            return SockOpts.setsockopt(this, sock, optname, optval, optlen);
        }
        return sock.ops.setsockopt(sock, level, optname, optval, optlen);
    }

    /** An {@code int} option. */
    public int setsockopt(int fd, int level, int optname, int value) {
        return setsockopt(fd, level, optname, SockOpts.intOpt(value), 4);
    }

    /** Linux: {@code __sys_getsockopt()}: {@code optlen[0]} is the room in {@code optval}, then the length. */
    public int getsockopt(int fd, int level, int optname, byte[] optval, int[] optlen) {
        OpenFile f = fds.get(fd);
        if (!(f instanceof Socket sock) || sock.sk == null) {
            return f == null || f instanceof Socket ? Errno.EBADF.neg() : Errno.ENOTSOCK.neg();
        }
        if (level == SOL_SOCKET) {
            return SockOpts.getsockopt(this, sock, optname, optval, optlen);
        }
        return sock.ops.getsockopt(sock, level, optname, optval, optlen);
    }

    /** An {@code int} option into {@code value[0]}; returns 0 or -errno. */
    public int getsockopt(int fd, int level, int optname, int[] value) {
        byte[] b = new byte[4];
        int[] len = {4};
        int r = getsockopt(fd, level, optname, b, len);
        if (r == 0) {
            value[0] = SockOpts.intAt(b, 0);
        }
        return r;
    }

    // ================================================================ fcntl, ioctl

    /** Linux: {@code do_fcntl()}: F_GETFD/F_SETFD (FD_CLOEXEC), F_GETFL/F_SETFL (O_NONBLOCK). */
    public int fcntl(int fd, int cmd, int arg) {
        OpenFile f = fds.get(fd);
        if (f == null) {
            return Errno.EBADF.neg();
        }
        switch (cmd) {
            case F_GETFD -> {
                return fds.cloexec(fd) ? FD_CLOEXEC : 0;
            }
            case F_SETFD -> {
                fds.setCloexec(fd, (arg & FD_CLOEXEC) != 0);
                return 0;
            }
            case F_GETFL -> {
                return f.fFlags;
            }
            case F_SETFL -> {
                if ((arg & O_DIRECT) != 0) {
                    return Errno.EINVAL.neg(); // sockets have no direct I/O
                }
                int mask = O_APPEND | O_NONBLOCK | O_NOATIME | FASYNC;
                f.fFlags = (arg & mask) | (f.fFlags & ~mask);
                return 0;
            }
            default -> {
                return Errno.EINVAL.neg();
            }
        }
    }

    /**
     * Linux: {@code sock_ioctl()} / {@code do_vfs_ioctl()}. {@code arg[0]} is the value in or out:
     * FIONBIO (set non-blocking), FIONREAD/SIOCINQ, SIOCOUTQ. Unknown commands: ENOTTY.
     */
    public int ioctl(int fd, int cmd, int[] arg) {
        OpenFile f = fds.get(fd);
        if (f == null) {
            return Errno.EBADF.neg();
        }
        switch (cmd) {
            case FIOCLEX, FIONCLEX -> {
                fds.setCloexec(fd, cmd == FIOCLEX);
                return 0;
            }
            case FIONBIO -> {
                if (arg == null || arg.length < 1) {
                    return Errno.EFAULT.neg();
                }
                if (arg[0] != 0) {
                    f.fFlags |= O_NONBLOCK;
                } else {
                    f.fFlags &= ~O_NONBLOCK;
                }
                return 0;
            }
            default -> {
            }
        }
        if (!(f instanceof Socket sock)) {
            return Errno.ENOTTY.neg();
        }
        if (sock.sk == null) {
            return Errno.EBADF.neg();
        }
        if (arg == null || arg.length < 1) {
            return Errno.EFAULT.neg();
        }
        int r = sock.ops.ioctl(sock, cmd, arg);
        return r == -Proto.ENOIOCTLCMD ? Errno.ENOTTY.neg() : r;
    }

    // ================================================================ poll, epoll

    /**
     * Linux: {@code poll()}: fills each {@code revents}; waits up to {@code timeoutMs} (negative:
     * forever) for one to become ready. Returns the number of descriptors with events, 0 on
     * timeout, or -errno. Descriptors that are not open report {@link Uapi#POLLNVAL}.
     */
    public int poll(PollFd[] fds, int nfds, int timeoutMs) {
        return Poll.doPoll(this, fds, nfds, timeoutMs);
    }

    /** Linux: {@code epoll_create1()}; {@code flags}: 0 or {@link Uapi#EPOLL_CLOEXEC}. */
    public int epollCreate1(int flags) {
        if ((flags & ~EPOLL_CLOEXEC) != 0) {
            return Errno.EINVAL.neg();
        }
        return fds.install(new Epoll(net), (flags & EPOLL_CLOEXEC) != 0);
    }

    /** Linux: {@code epoll_create()}: {@code size} is ignored but must be positive. */
    public int epollCreate(int size) {
        return size <= 0 ? Errno.EINVAL.neg() : epollCreate1(0);
    }

    /** Linux: {@code epoll_ctl()}: EPOLL_CTL_ADD, EPOLL_CTL_MOD (both need {@code event}), EPOLL_CTL_DEL. */
    public int epollCtl(int epfd, int op, int fd, EpollEvent event) {
        if ((op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD) && event == null) {
            return Errno.EFAULT.neg();
        }
        OpenFile ef = fds.get(epfd);
        if (ef == null) {
            return Errno.EBADF.neg();
        }
        OpenFile tf = fds.get(fd);
        if (tf == null) {
            return Errno.EBADF.neg();
        }
        if (ef == tf || !(ef instanceof Epoll ep)) {
            return Errno.EINVAL.neg();
        }
        return ep.ctl(op, fd, tf, event);
    }

    /**
     * Linux: {@code epoll_wait()}: up to {@code maxevents} ready events into {@code events} (an array
     * reused across calls), waiting up to {@code timeoutMs} (negative: forever; 0: don't wait).
     */
    public int epollWait(int epfd, EpollEvent[] events, int maxevents, int timeoutMs) {
        if (maxevents <= 0 || maxevents > Epoll.EP_MAX_EVENTS) {
            return Errno.EINVAL.neg();
        }
        if (events == null || events.length < maxevents) {
            return Errno.EFAULT.neg();
        }
        OpenFile f = fds.get(epfd);
        if (f == null) {
            return Errno.EBADF.neg();
        }
        if (!(f instanceof Epoll ep)) {
            return Errno.EINVAL.neg();
        }
        return ep.waitEvents(events, maxevents, timeoutMs);
    }

    // ================================================================ inspection (not system calls)

    /** The sock behind {@code fd}, or null (for the Java-level sockets, {@code ss}, tests). */
    public Sock sock(int fd) {
        return fds.get(fd) instanceof Socket s ? s.sk : null;
    }

    /** The epoll instance behind {@code fd}, or null. */
    public Epoll epoll(int fd) {
        return fds.get(fd) instanceof Epoll e ? e : null;
    }

    OpenFile file(int fd) {
        return fds.get(fd);
    }

    /** Open descriptors, ascending. */
    public int[] openFds() {
        return fds.openFds();
    }

    /** Every open socket's sock, by ascending descriptor (the {@code ss} listing walks this). */
    public List<Sock> socks() {
        List<Sock> out = new ArrayList<>();
        for (int fd : fds.openFds()) {
            Sock s = sock(fd);
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    /**
     * Threads sleeping on {@code fd} (blocked in a receive, a send or accept, or polling it). Tests
     * in virtual time use it to wait until an application thread has really blocked.
     */
    public int sleepers(int fd) {
        OpenFile f = fds.get(fd);
        return f == null ? 0 : f instanceof Epoll e ? e.sleepers() : f.pollQueue().size();
    }

    /** Closes every descriptor (the stack is closing): frees everything sockets hold. */
    @Override
    public void close() {
        for (int fd : fds.openFds()) {
            close(fd);
        }
    }

    // ================================================================ limits and sysctls

    /** {@code RLIMIT_NOFILE}: the highest descriptor number plus one. */
    public int rlimitNofile() {
        return fds.maxFds();
    }

    public void setRlimitNofile(int n) {
        fds.setMaxFds(n);
    }

    public boolean privileged() {
        return privileged;
    }

    public void setPrivileged(boolean p) {
        privileged = p;
    }

    /** The stack's {@code net.core} socket sysctls (buffer sizes, somaxconn, busy_read). */
    public NetCoreSysctl sysctl() {
        return sysctl;
    }

}
