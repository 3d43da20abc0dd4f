package dev.packetflow.net.socket;

/**
 * The operations of a socket of one family and type, called by {@link SocketLayer} after it found
 * the socket behind a descriptor: Linux's {@code struct proto_ops}. AF_INET provides them for
 * datagram sockets ({@link dev.packetflow.net.ipv4.InetDgramOps}, Linux's {@code inet_dgram_ops})
 * and will for streams; the protocol-specific work goes through the sock's {@link Proto}.
 *
 * <p>Results are {@code >= 0} or {@code -errno}.
 */
public interface ProtoOps {
    /** Linux: {@code ->release()}, when the last descriptor is closed. */
    int release(Socket sock);

    int bind(Socket sock, SockAddrIn addr);

    /** {@code flags} are the file's flags ({@link Uapi#O_NONBLOCK}). */
    int connect(Socket sock, SockAddrIn addr, int flags);

    default int listen(Socket sock, int backlog) {
        return Errno.EOPNOTSUPP.neg();
    }

    /**
     * Accepts a connection into {@code newSock} (a fresh socket of the same type, not yet holding a
     * sock). {@code flags} are the listening file's flags.
     */
    default int accept(Socket sock, Socket newSock, int flags) {
        return Errno.EOPNOTSUPP.neg();
    }

    /** Linux: {@code ->getname()}: fills {@code out}'s name; returns its length or -errno. */
    int getname(Socket sock, MsgHdr out, boolean peer);

    /** Linux: {@code ->poll()} without the wait-queue registration, which the caller does. Lock-free. */
    int poll(Socket sock);

    int ioctl(Socket sock, int cmd, int[] arg);

    int shutdown(Socket sock, int how);

    /** Levels other than SOL_SOCKET (which {@link SockOpts} handles for every socket). */
    int setsockopt(Socket sock, int level, int optname, byte[] optval, int optlen);

    int getsockopt(Socket sock, int level, int optname, byte[] optval, int[] optlen);

    int sendmsg(Socket sock, MsgHdr msg, int len);

    int recvmsg(Socket sock, MsgHdr msg, int len, int flags);
}
