package dev.packetflow.net.ipv4;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.MsgHdr;
import dev.packetflow.net.socket.Proto;
import dev.packetflow.net.socket.SockAddrIn;
import dev.packetflow.net.socket.Sock;
import dev.packetflow.net.socket.Socket;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * The AF_INET socket operations every IPv4 protocol shares: bind with its address checks,
 * automatic binding to an ephemeral port, names, shutdown, release. {@link InetDgramOps} assembles
 * them into the operations of datagram sockets; stream sockets will reuse them.
 *
 * <p>Linux: {@code net/ipv4/af_inet.c}.
 */
public final class AfInet {
    /** Linux's {@code RTN_*} address types that bind cares about. */
    static final int RTN_UNICAST = 1;
    static final int RTN_LOCAL = 2;
    static final int RTN_BROADCAST = 3;
    static final int RTN_MULTICAST = 5;

    private AfInet() {}

    /**
     * Linux: {@code __inet_bind()}. Checks the address (family; one of the stack's own addresses,
     * the wildcard, a broadcast or multicast address, else EADDRNOTAVAIL), the port's privilege
     * (EACCES), that the sock is not bound yet (EINVAL), then asks the protocol for the port
     * (EADDRINUSE). On success the sock has its local address and port.
     */
    public static int inetBind(Sock sk, SockAddrIn addr) {
        if (addr.family() != AF_INET) {
            if (addr.family() != AF_UNSPEC || addr.addr() != INADDR_ANY) {
                return Errno.EAFNOSUPPORT.neg();
            }
        }
        NetStack net = sk.net;
        int a = addr.addr();
        int type = inetAddrType(net, a);
        if (a != INADDR_ANY && type != RTN_LOCAL && type != RTN_MULTICAST && type != RTN_BROADCAST) {
            return Errno.EADDRNOTAVAIL.neg();
        }
        int snum = addr.port();
        if (snum != 0 && snum < net.localPorts().unprivilegedPortStart() && !net.sockets().privileged()) {
            return Errno.EACCES.neg();
        }
        sk.lockSock();
        try {
            if (sk.state != Sock.TCP_CLOSE || sk.num != 0) {
                return Errno.EINVAL.neg();
            }
            sk.rcvSaddr = a;
            sk.saddr = (type == RTN_MULTICAST || type == RTN_BROADCAST) ? 0 : a;
            if (sk.prot.getPort(sk, snum) != 0) {
                sk.rcvSaddr = 0;
                sk.saddr = 0;
                return Errno.EADDRINUSE.neg();
            }
            if (sk.rcvSaddr != 0) {
                sk.userlocks |= Sock.SOCK_BINDADDR_LOCK;
            }
            if (snum != 0) {
                sk.userlocks |= Sock.SOCK_BINDPORT_LOCK;
            }
            sk.sport = sk.num;
            sk.daddr = 0;
            sk.dport = 0;
            return 0;
        } finally {
            sk.releaseSock();
        }
    }

    /**
     * Linux: {@code inet_autobind()}: a sock that sends or connects before binding gets an ephemeral
     * port. Returns 0, or -EAGAIN when no port is free.
     */
    public static int inetAutobind(Sock sk) {
        sk.lockSock();
        try {
            if (sk.num == 0) {
                if (sk.prot.getPort(sk, 0) != 0) {
                    return Errno.EAGAIN.neg();
                }
                sk.sport = sk.num;
            }
            return 0;
        } finally {
            sk.releaseSock();
        }
    }

    /** Linux: {@code inet_getname()}. Fills {@code out}'s name; ENOTCONN for an unconnected peer. */
    public static int inetGetname(Sock sk, MsgHdr out, boolean peer) {
        if (peer) {
            int st = sk.state;
            if (sk.dport == 0 || st == Sock.TCP_CLOSE || st == Sock.TCP_SYN_SENT) {
                return Errno.ENOTCONN.neg();
            }
            out.setName(sk.daddr, sk.dport);
        } else {
            int a = sk.rcvSaddr;
            if (a == 0) {
                a = sk.saddr;
            }
            out.setName(a, sk.sport);
        }
        return SOCKADDR_IN_LEN;
    }

    /**
     * Linux: {@code inet_shutdown()}. Sets the shutdown bits and wakes pollers; an unconnected sock
     * gets the bits too but the call reports ENOTCONN (Linux's behaviour, so that pollers of an
     * unconnected UDP socket can still be woken with EPOLLHUP).
     */
    public static int inetShutdown(Socket sock, int how) {
        Sock sk = sock.sk();
        how++; // SHUT_RD 0 -> RCV_SHUTDOWN 1, SHUT_WR 1 -> SEND_SHUTDOWN 2, SHUT_RDWR -> both
        if ((how & ~SHUTDOWN_MASK) != 0 || how == 0) {
            return Errno.EINVAL.neg();
        }
        int err = 0;
        sk.lockSock();
        try {
            if (sock.state == SS_CONNECTING) {
                int st = sk.state;
                sock.state = (st == Sock.TCP_SYN_SENT || st == Sock.TCP_SYN_RECV || st == Sock.TCP_CLOSE)
                        ? SS_DISCONNECTING : SS_CONNECTED;
            }
            switch (sk.state) {
                case Sock.TCP_LISTEN, Sock.TCP_SYN_SENT -> {
                    if (sk.state == Sock.TCP_LISTEN && (how & RCV_SHUTDOWN) == 0) {
                        break;
                    }
                    err = sk.prot.disconnect(sk, O_NONBLOCK);
                    sock.state = err != 0 ? SS_DISCONNECTING : SS_UNCONNECTED;
                }
                default -> {
                    if (sk.state == Sock.TCP_CLOSE) {
                        err = Errno.ENOTCONN.neg();
                    }
                    sk.shutdown |= how;
                    sk.prot.shutdown(sk, how);
                }
            }
            sk.skStateChange();
        } finally {
            sk.releaseSock();
        }
        return err;
    }

    /** Linux: {@code inet_release()}: the protocol closes the sock, lingering if SO_LINGER asks. */
    public static int inetRelease(Socket sock) {
        Sock sk = sock.sk();
        if (sk != null) {
            long timeoutNs = sk.linger ? sk.lingerSec * 1_000_000_000L : 0;
            sk.prot.close(sk, timeoutNs);
            if (!sk.isDead()) {
                // A protocol that forgot to orphan must not leave packets or sleepers behind.
                sk.sockOrphan();
                sk.purgeQueues();
            }
        }
        return 0;
    }

    /** Linux: {@code inet_send_prepare()}: autobind before sending. */
    public static int inetSendPrepare(Sock sk) {
        if (sk.num == 0 && !sk.prot.noAutobind() && inetAutobind(sk) != 0) {
            return Errno.EAGAIN.neg();
        }
        return 0;
    }

    /**
     * Linux: {@code inet_addr_type()}, reduced to what binding needs: an address of this stack
     * (including any 127/8 address when a loopback address is configured), limited or directed
     * broadcast, multicast, or other.
     */
    static int inetAddrType(NetStack net, int a) {
        Ipv4 ip = net.ipv4();
        if (a == 0 || ip.isLocal(a)) {
            return RTN_LOCAL;
        }
        if (InetAddr.isMulticast(a)) {
            return RTN_MULTICAST;
        }
        if (InetAddr.isLbcast(a) || ip.isLocalBroadcast(a)) {
            return RTN_BROADCAST;
        }
        if (InetAddr.isLoopback(a)) {
            for (InIfaddr x : ip.addresses()) {
                if (InetAddr.isLoopback(x.address()) && ((x.address() ^ a) & InetAddr.mask(x.prefixLen())) == 0) {
                    return RTN_LOCAL;
                }
            }
        }
        return RTN_UNICAST;
    }

    /** A {@link Proto}'s view for callers that only have the socket. */
    static Proto prot(Socket sock) {
        return sock.sk().prot;
    }
}
