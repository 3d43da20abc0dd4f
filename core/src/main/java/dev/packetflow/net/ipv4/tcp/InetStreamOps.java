package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.kernel.sched.Waiter;
import dev.packetflow.net.ipv4.AfInet;
import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.MsgHdr;
import dev.packetflow.net.socket.ProtoOps;
import dev.packetflow.net.socket.Sock;
import dev.packetflow.net.socket.SockAddrIn;
import dev.packetflow.net.socket.Socket;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * The operations of AF_INET stream sockets: connect with its blocking and non-blocking forms,
 * listen, accept, and the generic parts shared with datagram sockets ({@link AfInet}).
 *
 * <p>Linux: {@code net/ipv4/af_inet.c inet_stream_ops} ({@code inet_stream_connect()},
 * {@code inet_listen()}, {@code inet_accept()}).
 */
public final class InetStreamOps implements ProtoOps {
    public static final InetStreamOps INSTANCE = new InetStreamOps();

    private InetStreamOps() {}

    @Override
    public int release(Socket sock) {
        return AfInet.inetRelease(sock);
    }

    @Override
    public int bind(Socket sock, SockAddrIn addr) {
        return AfInet.inetBind(sock.sk(), addr);
    }

    /**
     * Linux: {@code inet_stream_connect()}: starts the handshake; a blocking socket waits for it
     * (ETIMEDOUT, ECONNREFUSED, EHOSTUNREACH... on failure), a non-blocking one returns EINPROGRESS
     * (then EALREADY while it lasts, EISCONN once connected). AF_UNSPEC disconnects.
     */
    @Override
    public int connect(Socket sock, SockAddrIn addr, int flags) {
        Sock sk = sock.sk();
        TcpSock tp = (TcpSock) sk;
        if (addr.family() == AF_UNSPEC) {
            tp.lockSock();
            try {
                int err = sk.prot.disconnect(sk, flags);
                sock.state = err != 0 ? SS_DISCONNECTING : SS_UNCONNECTED;
                return err;
            } finally {
                tp.releaseSock();
            }
        }
        tp.lockSock();
        try {
            int err;
            switch (sock.state) {
                case SS_CONNECTED -> {
                    return Errno.EISCONN.neg();
                }
                case SS_CONNECTING -> {
                    if (tp.state == TcpSock.TCP_ESTABLISHED || tp.state == TcpSock.TCP_CLOSE_WAIT) {
                        sock.state = SS_CONNECTED;
                        return Errno.EISCONN.neg();
                    }
                    if (tp.state == TcpSock.TCP_CLOSE) {
                        int e = tp.sockError();
                        sock.state = SS_UNCONNECTED;
                        return e != 0 ? e : Errno.ECONNABORTED.neg();
                    }
                    err = Errno.EALREADY.neg();
                }
                case SS_UNCONNECTED -> {
                    if (tp.state != TcpSock.TCP_CLOSE) {
                        return Errno.EISCONN.neg();
                    }
                    err = sk.prot.connect(sk, addr);
                    if (err < 0) {
                        return err;
                    }
                    sock.state = SS_CONNECTING;
                    err = Errno.EINPROGRESS.neg();
                }
                default -> {
                    return Errno.EINVAL.neg();
                }
            }
            long timeo = tp.sockSndtimeo((flags & O_NONBLOCK) != 0);
            int st = tp.state;
            if (st == TcpSock.TCP_SYN_SENT || st == TcpSock.TCP_SYN_RECV) {
                if (timeo == 0) {
                    return err;
                }
                int w = waitForConnect(tp, timeo);
                if (w != 0) {
                    return w;
                }
            }
            if (tp.state == TcpSock.TCP_CLOSE) {
                int e = tp.sockError();
                if (e == 0) {
                    e = Errno.ECONNABORTED.neg();
                }
                sock.state = SS_UNCONNECTED;
                if (sk.prot.disconnect(sk, flags) != 0) {
                    sock.state = SS_DISCONNECTING;
                }
                return e;
            }
            sock.state = SS_CONNECTED;
            return 0;
        } finally {
            tp.releaseSock();
        }
    }

    /** Linux: {@code inet_wait_for_connect()}: -EINPROGRESS when time ran out, -EINTR, or 0. */
    private static int waitForConnect(TcpSock tp, long timeo) {
        Waiter w = Waiter.current();
        w.begin(0xffff, tp.net.kernel(), tp.net.timers(), Waiter.deadline(tp.net.clock().nanoTime(), timeo));
        try {
            for (;;) {
                w.prepare(tp.wq());
                int st = tp.state;
                if (st != TcpSock.TCP_SYN_SENT && st != TcpSock.TCP_SYN_RECV) {
                    return 0;
                }
                // No sk_write_pending bias here: Linux adds one only for a Fast Open connect
                // carrying data, so the SYN-ACK of a plain connect() is acknowledged at once.
                tp.releaseSock();
                int r = w.sleep();
                tp.lockSock();
                if (r == Waiter.INTERRUPTED) {
                    return Errno.EINTR.neg();
                }
                if (r == Waiter.TIMED_OUT) {
                    st = tp.state;
                    if (st == TcpSock.TCP_SYN_SENT || st == TcpSock.TCP_SYN_RECV) {
                        return Errno.EINPROGRESS.neg();
                    }
                }
                if (tp.isDead()) {
                    return Errno.EBADF.neg();
                }
            }
        } finally {
            w.end();
        }
    }

    /** Linux: {@code inet_listen()}: the accept queue holds up to {@code backlog} (+1) connections. */
    @Override
    public int listen(Socket sock, int backlog) {
        Sock sk = sock.sk();
        TcpSock tp = (TcpSock) sk;
        tp.lockSock();
        try {
            if (sock.state != SS_UNCONNECTED || sock.type != SOCK_STREAM) {
                return Errno.EINVAL.neg();
            }
            int old = tp.state;
            if (old != TcpSock.TCP_CLOSE && old != TcpSock.TCP_LISTEN) {
                return Errno.EINVAL.neg();
            }
            tp.maxAckBacklog = Math.max(backlog, 0);
            if (old != TcpSock.TCP_LISTEN) {
                return tp.tcp.proto().listenStart(tp);
            }
            return 0;
        } finally {
            tp.releaseSock();
        }
    }

    /** Linux: {@code inet_accept()}. */
    @Override
    public int accept(Socket sock, Socket newSock, int flags) {
        Sock sk = sock.sk();
        int[] err = {0};
        Sock child = sk.prot.accept(sk, flags, err);
        if (child == null) {
            return err[0];
        }
        child.lockSock();
        try {
            newSock.graft(child);
            newSock.state = SS_CONNECTED;
        } finally {
            child.releaseSock();
        }
        return 0;
    }

    @Override
    public int getname(Socket sock, MsgHdr out, boolean peer) {
        Sock sk = sock.sk();
        if (peer && sk.state != TcpSock.TCP_CLOSE && sk.state != TcpSock.TCP_SYN_SENT && sock.state != SS_CONNECTED
                && sk.state != TcpSock.TCP_ESTABLISHED) {
            return Errno.ENOTCONN.neg();
        }
        return AfInet.inetGetname(sk, out, peer);
    }

    @Override
    public int poll(Socket sock) {
        Sock sk = sock.sk();
        return sk == null ? POLLNVAL : sk.prot.poll(sk);
    }

    @Override
    public int ioctl(Socket sock, int cmd, int[] arg) {
        Sock sk = sock.sk();
        return sk.prot.ioctl(sk, cmd, arg);
    }

    @Override
    public int shutdown(Socket sock, int how) {
        return AfInet.inetShutdown(sock, how);
    }

    @Override
    public int setsockopt(Socket sock, int level, int optname, byte[] optval, int optlen) {
        Sock sk = sock.sk();
        return sk.prot.setsockopt(sk, level, optname, optval, optlen);
    }

    @Override
    public int getsockopt(Socket sock, int level, int optname, byte[] optval, int[] optlen) {
        Sock sk = sock.sk();
        return sk.prot.getsockopt(sk, level, optname, optval, optlen);
    }

    @Override
    public int sendmsg(Socket sock, MsgHdr msg, int len) {
        Sock sk = sock.sk();
        return sk.prot.sendmsg(sk, msg, len);
    }

    @Override
    public int recvmsg(Socket sock, MsgHdr msg, int len, int flags) {
        Sock sk = sock.sk();
        return sk.prot.recvmsg(sk, msg, len, flags);
    }
}
