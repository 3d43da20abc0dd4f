package dev.packetflow.drill;

import dev.packetflow.kernel.sched.Waiter;
import dev.packetflow.kernel.time.TimerList;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ipv4.AfInet;
import dev.packetflow.net.ipv4.Flowi4;
import dev.packetflow.net.ipv4.InetChecksum;
import dev.packetflow.net.ipv4.IpOutput;
import dev.packetflow.net.ipv4.NetProtocol;
import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.InetProtosw;
import dev.packetflow.net.socket.MsgHdr;
import dev.packetflow.net.socket.Proto;
import dev.packetflow.net.socket.ProtoOps;
import dev.packetflow.net.socket.Sock;
import dev.packetflow.net.socket.SockAddrIn;
import dev.packetflow.net.socket.Socket;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * A deliberately small stream protocol that lets the runner's tests drive real sockets, real
 * blocking calls and real packets before packetflow's TCP exists. On the wire it behaves like
 * Linux in simple exchanges: Linux's option layouts in SYN, SYN-ACK and data segments, a random
 * ISN, a millisecond timestamp clock with a random offset, PSH on the last segment of a write,
 * FIN handshakes, RST for segments of unknown connections (seq from their ack, no ACK flag),
 * SYN-ACK retransmission after 1 s, doubling. It acknowledges every segment at once, has no
 * windows, no congestion control and no data retransmission.
 */
final class ToyTcp implements Proto, ProtoOps, NetProtocol {
    static final int MSS = 1460;
    static final int WSCALE = 8;

    private final NetStack net;
    private final List<ToySock> socks = new ArrayList<>();

    private ToyTcp(NetStack net) {
        this.net = net;
    }

    /** Makes {@code socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)} create toy sockets on {@code net}. */
    static void install(NetStack net) {
        ToyTcp t = new ToyTcp(net);
        // The stand-in replaces the stack's own TCP for the runner's self-tests.
        net.sockets().unregisterProtosw(SOCK_STREAM, IPPROTO_TCP);
        dev.packetflow.net.ipv4.NetProtocol real = net.ipv4().protocol(IPPROTO_TCP);
        if (real != null) {
            net.ipv4().delProtocol(IPPROTO_TCP, real);
        }
        net.sockets().registerProtosw(new InetProtosw(SOCK_STREAM, IPPROTO_TCP, t, t));
        net.ipv4().addProtocol(IPPROTO_TCP, t);
        net.onClose(() -> {
            for (ToySock s : List.copyOf(t.socks)) {
                s.cancelTimer();
            }
            t.socks.clear();
        });
    }

    final class ToySock extends Sock {
        long iss;
        long sndNxt;
        long sndUna;
        long rcvNxt;
        int peerMss = 536;
        boolean ts;
        boolean sack;
        boolean ws;
        long tsRecent;
        final long tsOffset = net.random().nextInt() & 0xffffffffL;
        ToySock listener;
        final ArrayDeque<ToySock> acceptQ = new ArrayDeque<>();
        int avail;
        boolean finRcvd;
        boolean finSent;
        TimerList timer;
        int synackRetries;

        ToySock() {
            super(ToyTcp.this.net, ToyTcp.this, SOCK_STREAM, IPPROTO_TCP);
        }

        void cancelTimer() {
            if (timer != null) {
                net.timers().delTimer(timer);
                timer = null;
            }
        }

        long tsVal() {
            return (net.clock().nanoTime() / 1_000_000 + tsOffset) & 0xffffffffL;
        }

        int sndMss() {
            return Math.min(peerMss, MSS) - (ts ? 12 : 0);
        }
    }

    // ================================================================ Proto

    @Override
    public String name() {
        return "TCP";
    }

    @Override
    public Sock newSock(NetStack n, int type, int protocol) {
        return new ToySock();
    }

    @Override
    public int getPort(Sock sk, int snum) {
        if (snum == 0) {
            for (int p = 32768; p < 61000; p++) {
                if (!portUsed(p, sk)) {
                    snum = p;
                    break;
                }
            }
        } else if (portUsed(snum, sk)) {
            return 1;
        }
        sk.num = snum;
        if (!socks.contains((ToySock) sk)) {
            socks.add((ToySock) sk);
        }
        return 0;
    }

    private boolean portUsed(int port, Sock me) {
        for (ToySock s : socks) {
            if (s != me && s.num == port && s.state == Sock.TCP_LISTEN && !(s.reuse && me.reuse)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void unhash(Sock sk) {
        socks.remove((ToySock) sk);
    }

    @Override
    public void close(Sock sk, long timeoutNs) {
        ToySock s = (ToySock) sk;
        switch (s.state) {
            case Sock.TCP_LISTEN -> {
                for (ToySock c : s.acceptQ) {
                    reset(c);
                }
                s.acceptQ.clear();
                s.state = Sock.TCP_CLOSE;
                socks.remove(s);
            }
            case Sock.TCP_ESTABLISHED, Sock.TCP_CLOSE_WAIT -> {
                if (s.avail > 0) {
                    reset(s); // Linux: closing with unread data sends RST (RFC 2525 2.17)
                } else if (!s.finSent) {
                    s.state = s.state == Sock.TCP_ESTABLISHED ? Sock.TCP_FIN_WAIT1 : Sock.TCP_LAST_ACK;
                    sendFin(s);
                }
            }
            case Sock.TCP_SYN_SENT -> {
                s.state = Sock.TCP_CLOSE;
                socks.remove(s);
            }
            default -> {
            }
        }
        s.sockOrphan();
    }

    private void reset(ToySock s) {
        send(s, PacketSpecBits.RST | PacketSpecBits.ACK, s.sndNxt, s.rcvNxt, 0, false);
        s.state = Sock.TCP_CLOSE;
        s.cancelTimer();
        socks.remove(s);
    }

    @Override
    public int sendmsg(Sock sk, MsgHdr msg, int len) {
        ToySock s = (ToySock) sk;
        int e = s.sockError();
        if (e != 0) {
            return e;
        }
        if ((s.shutdown & SEND_SHUTDOWN) != 0 || s.finSent) {
            return Errno.EPIPE.neg();
        }
        if (s.state != Sock.TCP_ESTABLISHED && s.state != Sock.TCP_CLOSE_WAIT) {
            return Errno.ENOTCONN.neg();
        }
        int left = len;
        while (left > 0) {
            int n = Math.min(left, s.sndMss());
            left -= n;
            send(s, PacketSpecBits.ACK | (left == 0 ? PacketSpecBits.PSH : 0), s.sndNxt, s.rcvNxt, n, false);
            s.sndNxt = (s.sndNxt + n) & Conn.MASK;
        }
        return len;
    }

    @Override
    public int recvmsg(Sock sk, MsgHdr msg, int len, int flags) {
        ToySock s = (ToySock) sk;
        if (s.state == Sock.TCP_LISTEN) {
            return Errno.ENOTCONN.neg();
        }
        int r = await(s, () -> s.avail > 0 || s.finRcvd || s.pendingError() != 0 || (s.shutdown & RCV_SHUTDOWN) != 0
                || s.state == Sock.TCP_CLOSE, (flags & MSG_DONTWAIT) != 0, s.rcvtimeoNs);
        if (r < 0) {
            return r;
        }
        if (s.avail == 0) {
            int e = s.sockError();
            return e != 0 ? e : 0;
        }
        int n = Math.min(len, s.avail);
        if ((flags & MSG_PEEK) == 0) {
            s.avail -= n;
        }
        return n;
    }

    @Override
    public int ioctl(Sock sk, int cmd, int[] arg) {
        if (cmd == SIOCINQ) {
            arg[0] = ((ToySock) sk).avail;
            return 0;
        }
        return -ENOIOCTLCMD;
    }

    // ================================================================ ProtoOps

    @Override
    public int release(Socket sock) {
        return AfInet.inetRelease(sock);
    }

    @Override
    public int bind(Socket sock, SockAddrIn addr) {
        return AfInet.inetBind(sock.sk(), addr);
    }

    @Override
    public int connect(Socket sock, SockAddrIn addr, int flags) {
        ToySock s = (ToySock) sock.sk();
        if (s.state == Sock.TCP_ESTABLISHED) {
            return Errno.EISCONN.neg();
        }
        if (s.state != Sock.TCP_CLOSE) {
            return Errno.EALREADY.neg();
        }
        Flowi4 fl = new Flowi4().init(addr.addr(), 0, 0, IPPROTO_TCP);
        if (net.ipv4().route().ipRouteOutput(fl) == null) {
            return Errno.ENETUNREACH.neg();
        }
        if (s.num == 0 && getPort(s, 0) != 0) {
            return Errno.EAGAIN.neg();
        }
        s.sport = s.num;
        s.saddr = fl.saddr;
        s.daddr = addr.addr();
        s.dport = addr.port();
        s.iss = net.random().nextInt() & Conn.MASK;
        s.sndUna = s.iss;
        s.sndNxt = (s.iss + 1) & Conn.MASK;
        s.state = Sock.TCP_SYN_SENT;
        send(s, PacketSpecBits.SYN, s.iss, 0, 0, true);
        if ((flags & O_NONBLOCK) != 0) {
            return Errno.EINPROGRESS.neg();
        }
        int r = await(s, () -> s.state != Sock.TCP_SYN_SENT, false, Waiter.FOREVER);
        if (r < 0) {
            return r;
        }
        int e = s.sockError();
        return s.state == Sock.TCP_ESTABLISHED ? 0 : e != 0 ? e : Errno.ECONNREFUSED.neg();
    }

    @Override
    public int listen(Socket sock, int backlog) {
        ToySock s = (ToySock) sock.sk();
        if (s.num == 0 && getPort(s, 0) != 0) {
            return Errno.EADDRINUSE.neg();
        }
        s.sport = s.num;
        s.state = Sock.TCP_LISTEN;
        return 0;
    }

    @Override
    public int accept(Socket sock, Socket newSock, int flags) {
        ToySock l = (ToySock) sock.sk();
        if (l.state != Sock.TCP_LISTEN) {
            return Errno.EINVAL.neg();
        }
        int r = await(l, () -> !l.acceptQ.isEmpty(), (flags & O_NONBLOCK) != 0, l.rcvtimeoNs);
        if (r < 0) {
            return r;
        }
        ToySock c = l.acceptQ.poll();
        newSock.graft(c);
        newSock.state = SS_CONNECTED;
        return 0;
    }

    @Override
    public int getname(Socket sock, MsgHdr out, boolean peer) {
        return AfInet.inetGetname(sock.sk(), out, peer);
    }

    @Override
    public int poll(Socket sock) {
        ToySock s = (ToySock) sock.sk();
        if (s == null) {
            return POLLNVAL;
        }
        if (s.state == Sock.TCP_LISTEN) {
            return s.acceptQ.isEmpty() ? 0 : POLLIN | POLLRDNORM;
        }
        int m = 0;
        if (s.avail > 0 || s.finRcvd) {
            m |= POLLIN | POLLRDNORM;
        }
        if (s.finRcvd) {
            m |= POLLRDHUP;
        }
        if ((s.state == Sock.TCP_ESTABLISHED || s.state == Sock.TCP_CLOSE_WAIT) && !s.finSent) {
            m |= POLLOUT | POLLWRNORM;
        }
        if (s.pendingError() != 0) {
            m |= POLLERR;
        }
        if (s.state == Sock.TCP_CLOSE || (s.finRcvd && s.finSent)) {
            m |= POLLHUP;
        }
        return m;
    }

    @Override
    public int ioctl(Socket sock, int cmd, int[] arg) {
        return ioctl(sock.sk(), cmd, arg);
    }

    @Override
    public int shutdown(Socket sock, int how) {
        ToySock s = (ToySock) sock.sk();
        if (how < SHUT_RD || how > SHUT_RDWR) {
            return Errno.EINVAL.neg();
        }
        s.shutdown |= how + 1;
        if ((how + 1 & SEND_SHUTDOWN) != 0 && !s.finSent
                && (s.state == Sock.TCP_ESTABLISHED || s.state == Sock.TCP_CLOSE_WAIT)) {
            s.state = s.state == Sock.TCP_ESTABLISHED ? Sock.TCP_FIN_WAIT1 : Sock.TCP_LAST_ACK;
            sendFin(s);
        }
        s.skStateChange();
        return 0;
    }

    @Override
    public int setsockopt(Socket sock, int level, int optname, byte[] optval, int optlen) {
        return level == SOL_TCP && optname == 1 /* TCP_NODELAY */ ? 0 : Errno.ENOPROTOOPT.neg();
    }

    @Override
    public int getsockopt(Socket sock, int level, int optname, byte[] optval, int[] optlen) {
        ToySock s = (ToySock) sock.sk();
        if (level != SOL_TCP) {
            return Errno.ENOPROTOOPT.neg();
        }
        if (optname == 2 /* TCP_MAXSEG */) {
            int v = s.state == Sock.TCP_ESTABLISHED || s.state == Sock.TCP_CLOSE_WAIT ? s.sndMss() : 536;
            optval[0] = (byte) v;
            optval[1] = (byte) (v >>> 8);
            optval[2] = 0;
            optval[3] = 0;
            optlen[0] = 4;
            return 0;
        }
        if (optname == 11 /* TCP_INFO */) {
            java.util.Arrays.fill(optval, (byte) 0);
            optval[0] = (byte) s.state;
            optval[5] = (byte) ((s.ts ? 1 : 0) | (s.sack ? 2 : 0) | (s.ws ? 4 : 0));
            int mss = s.sndMss();
            optval[16] = (byte) mss;
            optval[17] = (byte) (mss >>> 8);
            optval[80] = 10; // tcpi_snd_cwnd
            optlen[0] = Math.min(optlen[0], TcpInfo.SIZE);
            return 0;
        }
        return Errno.ENOPROTOOPT.neg();
    }

    @Override
    public int sendmsg(Socket sock, MsgHdr msg, int len) {
        return sendmsg(sock.sk(), msg, len);
    }

    @Override
    public int recvmsg(Socket sock, MsgHdr msg, int len, int flags) {
        return recvmsg(sock.sk(), msg, len, flags);
    }

    private static int await(ToySock s, BooleanSupplier ready, boolean nonblock, long timeoNs) {
        if (ready.getAsBoolean()) {
            return 0;
        }
        if (nonblock) {
            return Errno.EAGAIN.neg();
        }
        Waiter w = Waiter.current();
        w.begin(0xffff, s.net.kernel(), s.net.timers(), Waiter.deadline(s.net.clock().nanoTime(), timeoNs));
        try {
            for (;;) {
                w.prepare(s.wq());
                if (ready.getAsBoolean()) {
                    return 0;
                }
                if (s.isDead()) {
                    return Errno.EBADF.neg();
                }
                int r = w.sleep();
                if (r == Waiter.INTERRUPTED) {
                    return Errno.EINTR.neg();
                }
                if (r == Waiter.TIMED_OUT) {
                    return Errno.EAGAIN.neg();
                }
            }
        } finally {
            w.end();
        }
    }

    // ================================================================ input

    @Override
    public int handler(SkBuff skb) {
        int ip = skb.networkHeader;
        int saddr = skb.u32(ip + 12);
        int daddr = skb.u32(ip + 16);
        int t = skb.data;
        int hlen = skb.len();
        if (hlen < 20) {
            Skb.kfreeSkb(skb, dev.packetflow.net.core.DropReason.PKT_TOO_SMALL);
            return 0;
        }
        int sport = skb.u16(t);
        int dport = skb.u16(t + 2);
        long seq = skb.u32(t + 4) & Conn.MASK;
        long ack = skb.u32(t + 8) & Conn.MASK;
        int doff = (skb.u8(t + 12) >>> 4) * 4;
        int flags = skb.u8(t + 13);
        byte[] opt = new byte[Math.max(0, doff - 20)];
        skb.read(t + 20, opt, 0, opt.length);
        int len = hlen - doff;
        Skb.consumeSkb(skb);
        List<TcpOption> options = TcpOptions.decode(opt, 0, opt.length);
        ToySock s = lookup(saddr, sport, daddr, dport);
        if (s == null) {
            if ((flags & PacketSpecBits.RST) == 0) {
                resetUnknown(daddr, dport, saddr, sport, seq, ack, flags, len);
            }
            return 0;
        }
        if (s.state == Sock.TCP_LISTEN) {
            listen(s, saddr, sport, daddr, dport, seq, ack, flags, len, options);
            return 0;
        }
        established(s, seq, ack, flags, len, options);
        return 0;
    }

    private ToySock lookup(int saddr, int sport, int daddr, int dport) {
        ToySock listener = null;
        for (ToySock s : socks) {
            if (s.state == Sock.TCP_LISTEN) {
                if (s.num == dport && (s.rcvSaddr == 0 || s.rcvSaddr == daddr)) {
                    listener = s;
                }
            } else if (s.daddr == saddr && s.dport == sport && s.sport == dport && s.state != Sock.TCP_CLOSE) {
                return s;
            }
        }
        return listener;
    }

    private void listen(ToySock l, int saddr, int sport, int daddr, int dport, long seq, long ack, int flags, int len,
            List<TcpOption> options) {
        if ((flags & PacketSpecBits.RST) != 0) {
            return;
        }
        if ((flags & PacketSpecBits.ACK) != 0 || (flags & PacketSpecBits.SYN) == 0) {
            resetUnknown(daddr, dport, saddr, sport, seq, ack, flags, len);
            return;
        }
        ToySock c = new ToySock();
        c.rcvSaddr = daddr;
        c.saddr = daddr;
        c.num = dport;
        c.sport = dport;
        c.daddr = saddr;
        c.dport = sport;
        c.listener = l;
        c.iss = net.random().nextInt() & Conn.MASK;
        c.sndUna = c.iss;
        c.sndNxt = (c.iss + 1) & Conn.MASK;
        c.rcvNxt = (seq + 1) & Conn.MASK;
        peerOptions(c, options);
        c.state = Sock.TCP_SYN_RECV;
        socks.add(c);
        send(c, PacketSpecBits.SYN | PacketSpecBits.ACK, c.iss, c.rcvNxt, 0, true);
        armSynack(c, 1_000_000_000L);
    }

    private void armSynack(ToySock c, long delayNs) {
        c.timer = new TimerList(tl -> {
            c.timer = null;
            if (c.state == Sock.TCP_SYN_RECV && c.synackRetries < 5) {
                c.synackRetries++;
                send(c, PacketSpecBits.SYN | PacketSpecBits.ACK, c.iss, c.rcvNxt, 0, true);
                armSynack(c, delayNs * 2);
            }
        }, c);
        net.timers().modTimer(c.timer, net.clock().nanoTime() + delayNs);
    }

    private static void peerOptions(ToySock c, List<TcpOption> options) {
        for (TcpOption o : options) {
            switch (o) {
                case TcpOption.Mss m -> c.peerMss = m.mss();
                case TcpOption.WScale w -> c.ws = true;
                case TcpOption.SackPermitted sp -> c.sack = true;
                case TcpOption.Timestamp ts -> {
                    c.ts = true;
                    c.tsRecent = ts.val();
                }
                default -> {
                }
            }
        }
    }

    private void established(ToySock s, long seq, long ack, int flags, int len, List<TcpOption> options) {
        if ((flags & PacketSpecBits.RST) != 0) {
            s.state = Sock.TCP_CLOSE;
            s.cancelTimer();
            socks.remove(s);
            s.reportError(s.listener == null && s.sndUna == s.iss ? Errno.ECONNREFUSED.code : Errno.ECONNRESET.code);
            s.skStateChange();
            return;
        }
        for (TcpOption o : options) {
            if (o instanceof TcpOption.Timestamp ts && s.ts) {
                s.tsRecent = ts.val();
            }
        }
        if (s.state == Sock.TCP_SYN_SENT) {
            if ((flags & (PacketSpecBits.SYN | PacketSpecBits.ACK)) == (PacketSpecBits.SYN | PacketSpecBits.ACK) && ack == s.sndNxt) {
                boolean offeredTs = false;
                for (TcpOption o : options) {
                    offeredTs |= o instanceof TcpOption.Timestamp;
                }
                peerOptions(s, options);
                s.ts = offeredTs;
                s.rcvNxt = (seq + 1) & Conn.MASK;
                s.sndUna = ack;
                s.state = Sock.TCP_ESTABLISHED;
                send(s, PacketSpecBits.ACK, s.sndNxt, s.rcvNxt, 0, false);
                s.skStateChange();
            }
            return;
        }
        if (s.state == Sock.TCP_SYN_RECV) {
            if ((flags & PacketSpecBits.SYN) != 0) {
                send(s, PacketSpecBits.SYN | PacketSpecBits.ACK, s.iss, s.rcvNxt, 0, true);
                return;
            }
            if ((flags & PacketSpecBits.ACK) == 0 || ack != s.sndNxt) {
                return;
            }
            s.cancelTimer();
            s.sndUna = ack;
            s.state = Sock.TCP_ESTABLISHED;
            s.listener.acceptQ.add(s);
            s.listener.skDataReady();
        }
        boolean ackNow = false;
        if ((flags & PacketSpecBits.ACK) != 0) {
            s.sndUna = ack;
            if (s.finSent && ack == s.sndNxt) {
                switch (s.state) {
                    case Sock.TCP_FIN_WAIT1 -> s.state = Sock.TCP_FIN_WAIT2;
                    case Sock.TCP_CLOSING -> s.state = Sock.TCP_TIME_WAIT;
                    case Sock.TCP_LAST_ACK -> {
                        s.state = Sock.TCP_CLOSE;
                        socks.remove(s);
                    }
                    default -> {
                    }
                }
            }
        }
        if (len > 0) {
            if (seq == s.rcvNxt) {
                s.rcvNxt = (s.rcvNxt + len) & Conn.MASK;
                s.avail += len;
                s.skDataReady();
            }
            ackNow = true;
        }
        if ((flags & PacketSpecBits.FIN) != 0 && ((seq + len) & Conn.MASK) == s.rcvNxt && !s.finRcvd) {
            s.rcvNxt = (s.rcvNxt + 1) & Conn.MASK;
            s.finRcvd = true;
            s.state = switch (s.state) {
                case Sock.TCP_ESTABLISHED -> Sock.TCP_CLOSE_WAIT;
                case Sock.TCP_FIN_WAIT1 -> Sock.TCP_CLOSING;
                case Sock.TCP_FIN_WAIT2 -> Sock.TCP_TIME_WAIT;
                default -> s.state;
            };
            s.skDataReady();
            s.skStateChange();
            ackNow = true;
        }
        if (ackNow) {
            send(s, PacketSpecBits.ACK, s.sndNxt, s.rcvNxt, 0, false);
        }
    }

    private void sendFin(ToySock s) {
        send(s, PacketSpecBits.FIN | PacketSpecBits.ACK, s.sndNxt, s.rcvNxt, 0, false);
        s.sndNxt = (s.sndNxt + 1) & Conn.MASK;
        s.finSent = true;
    }

    private void resetUnknown(int local, int lport, int remote, int rport, long seq, long ack, int flags, int len) {
        if ((flags & PacketSpecBits.ACK) != 0) {
            emit(local, lport, remote, rport, PacketSpecBits.RST, ack, 0, 0, new byte[0], 0);
        } else {
            long end = seq + len + ((flags & PacketSpecBits.SYN) != 0 ? 1 : 0) + ((flags & PacketSpecBits.FIN) != 0 ? 1 : 0);
            emit(local, lport, remote, rport, PacketSpecBits.RST | PacketSpecBits.ACK, 0, end & Conn.MASK, 0, new byte[0], 0);
        }
    }

    // ================================================================ output

    private void send(ToySock s, int flags, long seq, long ack, int len, boolean syn) {
        List<TcpOption> o = new ArrayList<>();
        if (syn) {
            o.add(new TcpOption.Mss(MSS));
            boolean active = s.state == Sock.TCP_SYN_SENT;
            boolean ts = active || s.ts;
            boolean sack = active || s.sack;
            boolean ws = active || s.ws;
            if (ts) {
                if (sack) {
                    o.add(new TcpOption.SackPermitted());
                } else {
                    o.add(new TcpOption.Nop());
                    o.add(new TcpOption.Nop());
                }
                o.add(new TcpOption.Timestamp(s.tsVal(), active ? 0 : s.tsRecent));
            } else if (sack) {
                o.add(new TcpOption.Nop());
                o.add(new TcpOption.Nop());
                o.add(new TcpOption.SackPermitted());
            }
            if (ws) {
                o.add(new TcpOption.Nop());
                o.add(new TcpOption.WScale(WSCALE));
            }
        } else if (s.ts && (flags & PacketSpecBits.RST) == 0) {
            o.add(new TcpOption.Nop());
            o.add(new TcpOption.Nop());
            o.add(new TcpOption.Timestamp(s.tsVal(), s.tsRecent));
        }
        int win = (flags & PacketSpecBits.RST) != 0 ? 0 : syn ? 65535 : s.ws ? 65535 >> WSCALE : 65535;
        emit(s.saddr != 0 ? s.saddr : s.rcvSaddr, s.sport, s.daddr, s.dport, flags, seq, ack, win, TcpOptions.encode(o), len);
    }

    private void emit(int saddr, int sport, int daddr, int dport, int flags, long seq, long ack, int win, byte[] opts, int len) {
        int hlen = 20 + opts.length;
        SkBuff skb = Skb.allocSkb(net.pool(), Skb.MAX_HEADER + hlen + len);
        skb.reserve(Skb.MAX_HEADER);
        int o = skb.put(hlen + len);
        skb.setU16(o, sport);
        skb.setU16(o + 2, dport);
        skb.setU32(o + 4, (int) seq);
        skb.setU32(o + 8, (int) ack);
        skb.setU8(o + 12, (hlen / 4) << 4);
        skb.setU8(o + 13, flags);
        skb.setU16(o + 14, win);
        skb.setU16(o + 16, 0);
        skb.setU16(o + 18, 0);
        skb.write(o + 20, opts, 0, opts.length);
        for (int i = 0; i < len; i++) {
            skb.setU8(o + hlen + i, 0);
        }
        long sum = InetChecksum.pseudoHeader(saddr, daddr, IPPROTO_TCP, hlen + len);
        skb.setU16(o + 16, InetChecksum.fold(InetChecksum.partial(skb, o, hlen + len, sum)));
        net.ipv4().output().ipSendSkb(skb, saddr, daddr, IPPROTO_TCP, -1, 0, IpOutput.IP_PMTUDISC_WANT);
    }

    /** The TCP flag bits, as {@link PacketSpec} numbers them. */
    static final class PacketSpecBits {
        static final int FIN = PacketSpec.FIN;
        static final int SYN = PacketSpec.SYN;
        static final int RST = PacketSpec.RST;
        static final int PSH = PacketSpec.PSH;
        static final int ACK = PacketSpec.ACK;
    }
}
