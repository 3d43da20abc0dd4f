package dev.packetflow.net.socket;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ipv4.InetDgramOps;
import dev.packetflow.net.ipv4.UdpTable;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * A stand-in for UDP while the IP layer is not there: datagram sockets of one stack that deliver a
 * send straight to the receiving socket found in a {@link UdpTable}, with the sender's address and
 * port in {@code skb.cb0}/{@code cb1}. It exercises everything of the socket layer UDP will use
 * (bind/connect through AF_INET, the table, send-buffer allocation, sock_queue_rcv_skb, the generic
 * datagram receive) without IP.
 */
final class LoopDgram implements Proto {
    static final int MAX_PAYLOAD = 65507;
    private static final Datagram.NameFiller NAMES = (skb, msg) -> msg.setName(skb.cb0, skb.cb1);

    final NetStack net;
    final UdpTable table;

    private LoopDgram(NetStack net) {
        this.net = net;
        this.table = new UdpTable(net);
    }

    /** Registers the stand-in as the stack's SOCK_DGRAM/IPPROTO_UDP protocol, in place of UDP. */
    static LoopDgram register(NetStack net) {
        LoopDgram p = new LoopDgram(net);
        net.sockets().unregisterProtosw(SOCK_DGRAM, IPPROTO_UDP);
        net.sockets().registerProtosw(new InetProtosw(SOCK_DGRAM, IPPROTO_UDP, p, InetDgramOps.INSTANCE));
        return p;
    }

    /** A datagram as if it had arrived from {@code src:sport}, for queueing into a sock directly. */
    static SkBuff datagram(NetStack net, byte[] payload, int src, int sport) {
        SkBuff skb = net.pool().alloc(Skb.MAX_HEADER + payload.length);
        skb.reserve(Skb.MAX_HEADER);
        skb.putData(payload);
        skb.cb0 = src;
        skb.cb1 = sport;
        return skb;
    }

    @Override
    public String name() {
        return "LOOPDGRAM";
    }

    @Override
    public Sock newSock(NetStack n, int type, int protocol) {
        return new Sock(n, this, type, protocol);
    }

    @Override
    public void close(Sock sk, long timeoutNs) {
        sk.skCommonRelease();
    }

    @Override
    public int getPort(Sock sk, int snum) {
        return table.getPort(sk, snum);
    }

    @Override
    public void unhash(Sock sk) {
        table.unhash(sk);
    }

    @Override
    public void rehash(Sock sk) {
        table.rehash(sk);
    }

    @Override
    public int connect(Sock sk, SockAddrIn addr) {
        if (addr.family() != AF_INET) {
            return Errno.EAFNOSUPPORT.neg();
        }
        sk.lockSock();
        try {
            if (sk.rcvSaddr == 0) {
                // No routing here: the source is the peer's own address, as on loopback.
                sk.saddr = addr.addr();
                sk.rcvSaddr = addr.addr();
            }
            sk.daddr = addr.addr();
            sk.dport = addr.port();
            sk.state = Sock.TCP_ESTABLISHED;
            table.rehash(sk);
            return 0;
        } finally {
            sk.releaseSock();
        }
    }

    /** Linux: {@code __udp_disconnect()}. */
    @Override
    public int disconnect(Sock sk, int flags) {
        sk.lockSock();
        try {
            sk.state = Sock.TCP_CLOSE;
            sk.daddr = 0;
            sk.dport = 0;
            sk.boundDevIf = 0;
            if ((sk.userlocks & Sock.SOCK_BINDADDR_LOCK) == 0) {
                sk.rcvSaddr = 0;
                sk.saddr = 0;
            }
            if ((sk.userlocks & Sock.SOCK_BINDPORT_LOCK) == 0) {
                table.unhash(sk);
                sk.sport = 0;
            } else {
                table.rehash(sk);
            }
            return 0;
        } finally {
            sk.releaseSock();
        }
    }

    @Override
    public int sendmsg(Sock sk, MsgHdr msg, int len) {
        int daddr;
        int dport;
        if (msg.namelen != 0) {
            if (msg.nameFamily != AF_INET && msg.nameFamily != AF_UNSPEC) {
                return Errno.EAFNOSUPPORT.neg();
            }
            daddr = msg.nameAddr;
            dport = msg.namePort;
            if (dport == 0) {
                return Errno.EINVAL.neg();
            }
        } else {
            if (sk.state != Sock.TCP_ESTABLISHED) {
                return Errno.EDESTADDRREQ.neg();
            }
            daddr = sk.daddr;
            dport = sk.dport;
        }
        if (len > MAX_PAYLOAD) {
            return Errno.EMSGSIZE.neg();
        }
        SkBuff skb = sk.sockAllocSendSkb(Skb.MAX_HEADER + len, (msg.flags & MSG_DONTWAIT) != 0, msg);
        if (skb == null) {
            return msg.err;
        }
        skb.reserve(Skb.MAX_HEADER);
        int e = msg.copyToSkb(skb, skb.put(len), len);
        if (e != 0) {
            Skb.kfreeSkb(net, skb, DropReason.NOT_SPECIFIED);
            return e;
        }
        int src = sk.saddr != 0 ? sk.saddr : daddr;
        skb.cb0 = src;
        skb.cb1 = sk.sport;
        Sock dst = table.lookup(src, sk.sport, daddr, dport, 0);
        if (dst == null) {
            Skb.kfreeSkb(net, skb, DropReason.NO_SOCKET);
        } else {
            dst.sockQueueRcvSkb(skb);
        }
        return len;
    }

    @Override
    public int recvmsg(Sock sk, MsgHdr msg, int len, int flags) {
        return Datagram.recvmsg(sk, msg, len, flags, NAMES);
    }

    @Override
    public int ioctl(Sock sk, int cmd, int[] arg) {
        return Datagram.ioctl(sk, cmd, arg);
    }
}
