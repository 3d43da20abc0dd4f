package dev.packetflow.net.ipv4;

import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.MsgHdr;
import dev.packetflow.net.socket.ProtoOps;
import dev.packetflow.net.socket.Sock;
import dev.packetflow.net.socket.SockAddrIn;
import dev.packetflow.net.socket.Socket;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * The operations of every AF_INET datagram socket (UDP, and later ping or UDP-Lite sockets): the
 * generic parts from {@link AfInet}, the protocol's parts through the sock's
 * {@link dev.packetflow.net.socket.Proto}. A protocol registers with
 * {@code new InetProtosw(SOCK_DGRAM, IPPROTO_UDP, udpProto, InetDgramOps.INSTANCE)}.
 *
 * <p>Linux: {@code net/ipv4/af_inet.c inet_dgram_ops}.
 */
public final class InetDgramOps implements ProtoOps {
    public static final InetDgramOps INSTANCE = new InetDgramOps();

    private InetDgramOps() {}

    @Override
    public int release(Socket sock) {
        return AfInet.inetRelease(sock);
    }

    @Override
    public int bind(Socket sock, SockAddrIn addr) {
        return AfInet.inetBind(sock.sk(), addr);
    }

    /** Linux: {@code inet_dgram_connect()}: AF_UNSPEC disconnects; otherwise autobind, then connect. */
    @Override
    public int connect(Socket sock, SockAddrIn addr, int flags) {
        Sock sk = sock.sk();
        if (addr.family() == AF_UNSPEC) {
            return sk.prot.disconnect(sk, flags);
        }
        if (sk.num == 0 && !sk.prot.noAutobind() && AfInet.inetAutobind(sk) != 0) {
            return Errno.EAGAIN.neg();
        }
        return sk.prot.connect(sk, addr);
    }

    @Override
    public int getname(Socket sock, MsgHdr out, boolean peer) {
        return AfInet.inetGetname(sock.sk(), out, peer);
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

    /** Linux: {@code inet_sendmsg()}: autobind, then the protocol's sendmsg. */
    @Override
    public int sendmsg(Socket sock, MsgHdr msg, int len) {
        Sock sk = sock.sk();
        int e = AfInet.inetSendPrepare(sk);
        if (e != 0) {
            return e;
        }
        return sk.prot.sendmsg(sk, msg, len);
    }

    /** Linux: {@code inet_recvmsg()}. */
    @Override
    public int recvmsg(Socket sock, MsgHdr msg, int len, int flags) {
        Sock sk = sock.sk();
        return sk.prot.recvmsg(sk, msg, len, flags);
    }
}
