package dev.packetflow.net.socket;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;

/**
 * A transport protocol as the socket layer sees it: how to make its socks and what to do for each
 * call that reaches it. UDP implements this ({@code udp_prot}) and plugs into the generic AF_INET
 * datagram operations ({@link dev.packetflow.net.ipv4.InetDgramOps}); TCP will do the same with
 * stream operations.
 *
 * <p>Methods run in process context (the calling application thread) unless said otherwise.
 * Results are {@code >= 0} or {@code -errno}. Defaults give Linux's answer for a protocol that
 * does not have the operation.
 *
 * <p>Linux: {@code include/net/sock.h struct proto}.
 */
public interface Proto {
    /** Internal {@code -ENOIOCTLCMD}: "not mine", turned into ENOTTY at the system call. */
    int ENOIOCTLCMD = 515;

    /** Name as in {@code /proc/net/protocols}: "UDP", "TCP". */
    String name();

    /**
     * Linux: {@code sk_alloc()} + {@code sk->sk_prot->init()}. A new, unbound sock of this protocol
     * (protocols return their own subclass, as {@code struct udp_sock} embeds {@code struct sock}).
     */
    Sock newSock(NetStack net, int type, int protocol);

    /**
     * Linux: {@code sk->sk_prot->close()}, from {@code close()}. Must unhash the sock and end with
     * {@link Sock#skCommonRelease()} or equivalent (orphan, purge queues). {@code timeoutNs} is the
     * {@code SO_LINGER} time or 0.
     */
    void close(Sock sk, long timeoutNs);

    /** Linux: {@code sk->sk_prot->connect()} (after {@code inet_dgram_connect} autobound the sock). */
    default int connect(Sock sk, SockAddrIn addr) {
        return Errno.EOPNOTSUPP.neg();
    }

    /** Linux: {@code sk->sk_prot->disconnect()}: {@code connect(AF_UNSPEC)}. */
    default int disconnect(Sock sk, int flags) {
        return Errno.EOPNOTSUPP.neg();
    }

    /**
     * Linux: {@code sk->sk_prot->get_port()}: binds the sock to local port {@code snum} (0: choose an
     * ephemeral port) for {@code sk.rcvSaddr}, setting {@code sk.num}. Returns 0, or non-zero when
     * the port is in use (the caller reports EADDRINUSE).
     */
    default int getPort(Sock sk, int snum) {
        return Errno.EOPNOTSUPP.neg();
    }

    /** Linux: {@code sk->sk_prot->unhash()}: out of the lookup tables. */
    default void unhash(Sock sk) {}

    /** Linux: {@code sk->sk_prot->rehash()}: the sock's addresses or device changed. */
    default void rehash(Sock sk) {}

    /** Linux: {@code sk->sk_prot->sendmsg()}. {@code msg.flags} holds the MSG_* flags. */
    int sendmsg(Sock sk, MsgHdr msg, int len);

    /** Linux: {@code sk->sk_prot->recvmsg()}. Fills {@code msg}'s name when it has one. */
    int recvmsg(Sock sk, MsgHdr msg, int len, int flags);

    /** Linux: the {@code poll} operation; the generic datagram rules unless overridden. Lock-free. */
    default int poll(Sock sk) {
        return Datagram.poll(sk);
    }

    /** Linux: {@code sk->sk_prot->ioctl()}; {@code arg[0]} is the value in and out. */
    default int ioctl(Sock sk, int cmd, int[] arg) {
        return -ENOIOCTLCMD;
    }

    /** Linux: {@code sk->sk_prot->shutdown()}, after the generic code set the shutdown bits. */
    default void shutdown(Sock sk, int how) {}

    /** Linux: {@code sk->sk_prot->setsockopt()}, for levels other than SOL_SOCKET. */
    default int setsockopt(Sock sk, int level, int optname, byte[] optval, int optlen) {
        return Errno.ENOPROTOOPT.neg();
    }

    /** Linux: {@code sk->sk_prot->getsockopt()}; {@code optlen[0]} is the length in and out. */
    default int getsockopt(Sock sk, int level, int optname, byte[] optval, int[] optlen) {
        return Errno.ENOPROTOOPT.neg();
    }

    /**
     * Linux: {@code sk->sk_prot->backlog_rcv()}: a packet that arrived while an application thread
     * owned the sock, processed by {@link Sock#releaseSock()} in that thread.
     */
    default int backlogRcv(Sock sk, SkBuff skb) {
        Skb.kfreeSkb(sk.net, skb, DropReason.NOT_SPECIFIED);
        return 0;
    }

    /** Linux: {@code sk->sk_prot->accept()} for connection-oriented protocols; {@code err[0]} on null. */
    default Sock accept(Sock sk, int flags, int[] err) {
        err[0] = Errno.EOPNOTSUPP.neg();
        return null;
    }

    /**
     * Linux: {@code sk->sk_prot->release_cb()}: work deferred while an application thread owned the
     * sock (TCP's timers), run by {@link Sock#releaseSock()} in that thread, with the spinlock held,
     * before ownership ends.
     */
    default void releaseCb(Sock sk) {}

    /** Linux: {@code sk->sk_prot->keepalive()}: SO_KEEPALIVE changed (TCP arms or stops its timer). */
    default void keepalive(Sock sk, boolean on) {}

    /** Linux: {@code sk->sk_prot->no_autobind}: send and connect do not pick a local port first. */
    default boolean noAutobind() {
        return false;
    }
}
