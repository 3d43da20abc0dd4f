package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.kernel.sched.Waiter;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ipv4.Flowi4;
import dev.packetflow.net.ipv4.Rtable;
import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.MsgHdr;
import dev.packetflow.net.socket.Proto;
import dev.packetflow.net.socket.Sock;
import dev.packetflow.net.socket.SockAddrIn;
import java.util.ArrayList;
import java.util.List;

import static dev.packetflow.net.ipv4.tcp.TcpHeader.*;
import static dev.packetflow.net.ipv4.tcp.TcpSock.*;
import static dev.packetflow.net.socket.Uapi.*;

/**
 * TCP as the socket layer sees it (Linux's {@code tcp_prot}): creating socks, connect, listen and
 * accept, close and shutdown with their state transitions (RFC 9293 3.6), and the life of a sock
 * ({@code tcp_set_state}, {@code tcp_done}, destruction). Reading and writing are in
 * {@link TcpStream}, options in {@link TcpSockOpts}.
 *
 * <p>Linux: {@code net/ipv4/tcp.c}, {@code tcp_ipv4.c tcp_v4_connect()},
 * {@code inet_connection_sock.c}.
 */
final class TcpProto implements Proto {
    private final Tcp tcp;
    private final Object listenLock = new Object();
    private final List<TcpSock> listeners = new ArrayList<>();

    TcpProto(Tcp tcp) {
        this.tcp = tcp;
    }

    @Override
    public String name() {
        return "TCP";
    }

    /** Linux: {@code sk_alloc()} + {@code tcp_v4_init_sock()}. */
    @Override
    public Sock newSock(NetStack net, int type, int protocol) {
        return new TcpSock(net, tcp, type, protocol);
    }

    @Override
    public boolean noAutobind() {
        return true;
    }

    List<TcpSock> listeners() {
        synchronized (listenLock) {
            return new ArrayList<>(listeners);
        }
    }

    // ================================================================ state and life

    /**
     * Linux: {@code tcp_set_state()}: counts CurrEstab and EstabResets, and unhashes a sock
     * entering CLOSE (its port is released unless the user bound it).
     */
    void setState(TcpSock tp, int st) {
        int old = tp.state;
        if (Tcp.TP_TCP_SET_STATE.enabled) {
            Tcp.TP_TCP_SET_STATE.fire(tcp.net(), null, st);
        }
        if (st == TCP_ESTABLISHED) {
            if (old != TCP_ESTABLISHED) {
                tcp.mib().add(TcpMib.CURR_ESTAB, 1);
            }
        } else {
            if (old == TCP_ESTABLISHED) {
                tcp.mib().add(TcpMib.CURR_ESTAB, -1);
            }
            if (st == TCP_CLOSE) {
                if (old == TCP_CLOSE_WAIT || old == TCP_ESTABLISHED) {
                    tcp.mib().inc(TcpMib.ESTAB_RESETS);
                }
                unhash(tp);
                if (tp.boundPort && (tp.userlocks & Sock.SOCK_BINDPORT_LOCK) == 0) {
                    putPort(tp);
                }
            }
        }
        tp.state = st;
    }

    /** Linux: {@code tcp_done()}: the connection is over. */
    void done(TcpSock tp) {
        if (tp.state == TCP_SYN_SENT || tp.state == TCP_SYN_RECV) {
            tcp.mib().inc(TcpMib.ATTEMPT_FAILS);
        }
        setState(tp, TCP_CLOSE);
        tcp.timer.clearAll(tp);
        tp.shutdown = SHUTDOWN_MASK;
        if (!tp.isDead()) {
            tp.skStateChange();
        } else {
            destroy(tp);
        }
    }

    /**
     * Linux: {@code inet_csk_destroy_sock()} + {@code tcp_v4_destroy_sock()}: frees everything a
     * closed, orphaned sock holds.
     */
    void destroy(TcpSock tp) {
        if (Tcp.TP_TCP_DESTROY_SOCK.enabled) {
            Tcp.TP_TCP_DESTROY_SOCK.fire(tcp.net(), null, 0);
        }
        tcp.timer.clearAll(tp);
        writeQueuePurge(tp);
        purgeReceive(tp);
        unhash(tp);
        if (tp.boundPort) {
            putPort(tp);
        }
        tp.dst = null;
    }

    /** Stack close: forget the sock without sending anything. */
    void destroyOnStackClose(TcpSock tp) {
        if (tp.state == TCP_LISTEN) {
            listenStop(tp);
        }
        tp.state = TCP_CLOSE;
        destroy(tp);
        if (!tp.isDead()) {
            tp.sockOrphan();
        }
        tp.purgeQueues();
    }

    void setErr(TcpSock tp, int errno) {
        tp.reportError(errno);
    }

    /** Linux: {@code tcp_write_queue_purge()}. */
    void writeQueuePurge(TcpSock tp) {
        SkBuff skb;
        while ((skb = tp.writeQueue.dequeue()) != null) {
            Skb.kfreeSkb(tcp.net(), skb, DropReason.SOCKET_CLOSE);
        }
        tp.sendHead = null;
        tp.wmemQueued = 0;
        tp.packetsOut = 0;
        tp.retransmitHint = null;
        tp.lostHint = null;
        tcp.recovery.clearRetrans(tp);
        tp.skWriteSpace();
    }

    private void purgeReceive(TcpSock tp) {
        SkBuff skb;
        while ((skb = tp.rcvQueue.dequeue()) != null) {
            tp.rmemAlloc -= skb.truesize;
            Skb.kfreeSkb(tcp.net(), skb, DropReason.SOCKET_CLOSE);
        }
        tp.rcvQueueLen = 0;
        tcp.inputData.purgeOfo(tp);
    }

    @Override
    public void unhash(Sock sk) {
        TcpSock tp = (TcpSock) sk;
        if (tp.ehashEntry != null) {
            tcp.hashinfo.ehashRemove(tp.ehashEntry);
            tp.ehashEntry = null;
        }
        if (tp.listenEntry != null) {
            tcp.hashinfo.listenRemove(tp.listenEntry);
            tp.listenEntry = null;
        }
    }

    /** Linux: {@code inet_put_port()}. */
    void putPort(TcpSock tp) {
        if (tp.boundPort) {
            tcp.hashinfo.bindRemove(tp, tp.num);
            tp.boundPort = false;
            if ((tp.userlocks & Sock.SOCK_BINDPORT_LOCK) == 0) {
                // inet_sport stays: a reset sent after the state change still carries it
                tp.num = 0;
            }
        }
    }

    @Override
    public int getPort(Sock sk, int snum) {
        TcpSock tp = (TcpSock) sk;
        int r = tcp.hashinfo.getPort(tp, snum);
        if (r == 0) {
            tp.boundPort = true;
        }
        return r;
    }

    // ================================================================ connect

    /**
     * Linux: {@code tcp_v4_connect()}: route, source address, ephemeral port and 4-tuple (RFC 6056),
     * ISN (RFC 6528), timestamp offset, then the SYN. Called with the sock owned.
     */
    @Override
    public int connect(Sock sk, SockAddrIn addr) {
        TcpSock tp = (TcpSock) sk;
        if (addr.family() != AF_INET) {
            return Errno.EAFNOSUPPORT.neg();
        }
        int daddr = addr.addr();
        Flowi4 fl4 = new Flowi4().init(daddr, tp.saddr, tp.boundDevIf, IPPROTO_TCP);
        int genid = tcp.net().ipv4().route().rtGenid();
        Rtable rt = tcp.net().ipv4().route().ipRouteOutput(fl4);
        if (rt == null) {
            if (fl4.err == -Errno.ENETUNREACH.code) {
                tcp.net().ipv4().ipMib().inc(dev.packetflow.net.ipv4.IpMib.OUT_NO_ROUTES);
            }
            return fl4.err;
        }
        if ((rt.flags & (Rtable.RTCF_MULTICAST | Rtable.RTCF_BROADCAST)) != 0) {
            return Errno.ENETUNREACH.neg();
        }
        if (tp.saddr == 0) {
            tp.saddr = fl4.saddr;
        }
        tp.rcvSaddr = tp.saddr;
        if (tp.tsRecentStampSec != 0 && tp.daddr != daddr) {
            tp.tsRecent = 0;
            tp.tsRecentStampSec = 0;
            tp.writeSeq = 0;
        }
        tp.dport = addr.port();
        tp.daddr = daddr;
        tp.mssClamp = Tcp.TCP_MSS_DEFAULT;
        setState(tp, TCP_SYN_SENT);
        boolean wasBound = tp.boundPort;
        if (wasBound) {
            // the bound port stays ours; only the 4-tuple must be unique
            tp.ehashEntry = tcp.hashinfo.ehashInsert(tp, tp.rcvSaddr, tp.num, tp.daddr, tp.dport, tp.boundDevIf);
        } else {
            tp.ehashEntry = tcp.hashinfo.hashConnect(tp);
            if (tp.ehashEntry != null) {
                tp.boundPort = true;
            }
        }
        if (tp.ehashEntry == null) {
            setState(tp, TCP_CLOSE);
            tp.dport = 0;
            tp.daddr = 0;
            return Errno.EADDRNOTAVAIL.neg();
        }
        tp.dst = rt;
        tp.dstGenid = genid;
        if (tp.writeSeq == 0) {
            tp.writeSeq = tcp.secureSeq(tp.saddr, tp.daddr, tp.sport, tp.dport);
        }
        tp.iss = tp.writeSeq;
        tp.tsOffset = tcp.secureTsOff(tp.saddr, tp.daddr);
        tp.inetId = tcp.random().nextInt(65536);
        int err = tcp.output.connect(tp);
        if (err != 0) {
            setState(tp, TCP_CLOSE);
            tp.dport = 0;
            return err;
        }
        return 0;
    }

    /**
     * Linux: {@code tcp_disconnect()}: {@code connect(AF_UNSPEC)}, zero-linger close, listener
     * shutdown: resets a live connection and returns the sock to CLOSE, reusable.
     */
    @Override
    public int disconnect(Sock sk, int flags) {
        TcpSock tp = (TcpSock) sk;
        int old = tp.state;
        if (old != TCP_CLOSE) {
            setState(tp, TCP_CLOSE);
        }
        if (old == TCP_LISTEN) {
            listenStop(tp);
        } else if (needReset(old)) {
            tcp.output.sendActiveReset(tp);
            tp.reportError(Errno.ECONNRESET.code);
        } else if (tp.sndNxt != tp.writeSeq && (old == TCP_FIN_WAIT1 || old == TCP_CLOSING || old == TCP_LAST_ACK)) {
            tcp.output.sendActiveReset(tp);
            tp.reportError(Errno.ECONNRESET.code);
        } else if (old == TCP_SYN_SENT) {
            tp.reportError(Errno.ECONNRESET.code);
        }
        purgeReceive(tp);
        writeQueuePurge(tp);
        tcp.timer.clearAll(tp);
        tp.urgData = 0;
        tp.shutdown = 0;
        tp.done = false;
        tp.srttUs = 0;
        tp.mdevUs = TcpTimer.TCP_TIMEOUT_INIT_MS * 1000;
        tp.rto = TcpTimer.TCP_TIMEOUT_INIT_MS;
        tp.writeSeq += tp.maxWindow + 2;
        if (tp.writeSeq == 0) {
            tp.writeSeq = 1;
        }
        tp.backoff = 0;
        tp.probesOut = 0;
        tp.sndCwnd = Tcp.TCP_INIT_CWND;
        tp.sndSsthresh = Tcp.TCP_INFINITE_SSTHRESH;
        tp.sndCwndCnt = 0;
        tp.caState = TCP_CA_OPEN;
        tp.caInitialized = false;
        tp.ca = TcpCong.create(tp.ca.name());
        tp.sackOk = 0;
        tp.tstampOk = false;
        tp.wscaleOk = false;
        tp.numSacks = 0;
        tp.dsack = false;
        tp.ackPending = 0;
        tp.ackQuick = 0;
        tp.ackPingpong = 0;
        tp.ackAto = 0;
        tp.retransmits = 0;
        tp.retransStamp = 0;
        tp.totalRetrans = 0;
        tp.packetsOut = 0;
        tp.highSeq = 0;
        tp.tlpHighSeq = 0;
        tp.dst = null;
        if ((tp.userlocks & Sock.SOCK_BINDADDR_LOCK) == 0) {
            tp.rcvSaddr = 0;
            tp.saddr = 0;
        }
        tp.daddr = 0;
        tp.dport = 0;
        tp.skErrorReport();
        return 0;
    }

    /** Linux: {@code tcp_need_reset()}. */
    private static boolean needReset(int st) {
        return st == TCP_ESTABLISHED || st == TCP_CLOSE_WAIT || st == TCP_FIN_WAIT1 || st == TCP_FIN_WAIT2
                || st == TCP_SYN_RECV;
    }

    // ================================================================ listen and accept

    /** Linux: {@code inet_csk_listen_start()}: binds (if needed) and joins the listening table. */
    int listenStart(TcpSock tp) {
        tp.acceptHead = null;
        tp.acceptTail = null;
        tp.acceptQlen = 0;
        tp.reqQlen = 0;
        tp.state = TCP_LISTEN;
        if (!tp.boundPort) {
            if (getPort(tp, tp.num) != 0) {
                tp.state = TCP_CLOSE;
                return Errno.EADDRINUSE.neg();
            }
            tp.sport = tp.num;
        }
        tp.listenEntry = tcp.hashinfo.listenAdd(tp);
        synchronized (listenLock) {
            listeners.add(tp);
        }
        return 0;
    }

    /**
     * Linux: {@code inet_csk_listen_stop()}: pending handshakes are forgotten, accepted-but-not-yet-
     * accept()ed connections are reset.
     */
    void listenStop(TcpSock tp) {
        synchronized (listenLock) {
            listeners.remove(tp);
        }
        unhash(tp);
        tcp.minisocks.dropRequests(tp);
        TcpSock child;
        while ((child = tp.acceptHead) != null) {
            tp.acceptHead = child.acceptNext;
            child.acceptNext = null;
            child.parent = null;
            child.bhLockSock();
            try {
                disconnect(child, O_NONBLOCK);
                child.sockOrphan();
                destroy(child);
                child.purgeQueues();
            } finally {
                child.bhUnlockSock();
            }
        }
        tp.acceptTail = null;
        tp.acceptQlen = 0;
        tcp.timer.deleteKeepalive(tp);
    }

    /** Linux: {@code inet_csk_reqsk_queue_add()}: a child is ready for accept(). */
    void acceptQueueAdd(TcpSock listener, TcpSock child) {
        child.acceptNext = null;
        if (listener.acceptTail == null) {
            listener.acceptHead = child;
        } else {
            listener.acceptTail.acceptNext = child;
        }
        listener.acceptTail = child;
        listener.acceptQlen++;
    }

    /** Linux: {@code sk_acceptq_is_full()}. */
    static boolean acceptqIsFull(TcpSock listener) {
        return listener.acceptQlen > listener.maxAckBacklog;
    }

    /**
     * Linux: {@code inet_csk_accept()}: the oldest established child, waiting for one unless
     * non-blocking (EAGAIN).
     */
    @Override
    public Sock accept(Sock sk, int flags, int[] err) {
        TcpSock tp = (TcpSock) sk;
        tp.lockSock();
        try {
            if (tp.state != TCP_LISTEN) {
                err[0] = Errno.EINVAL.neg();
                return null;
            }
            if (tp.acceptHead == null) {
                long timeo = tp.sockRcvtimeo((flags & O_NONBLOCK) != 0);
                if (timeo == 0) {
                    err[0] = Errno.EAGAIN.neg();
                    return null;
                }
                int e = waitForConnect(tp, timeo);
                if (e != 0) {
                    err[0] = e;
                    return null;
                }
            }
            TcpSock child = tp.acceptHead;
            tp.acceptHead = child.acceptNext;
            if (tp.acceptHead == null) {
                tp.acceptTail = null;
            }
            tp.acceptQlen--;
            child.acceptNext = null;
            child.parent = null;
            return child;
        } finally {
            tp.releaseSock();
        }
    }

    /** Linux: {@code inet_csk_wait_for_connect()}. */
    private int waitForConnect(TcpSock tp, long timeo) {
        Waiter w = Waiter.current();
        w.begin(POLLIN | POLLERR, tcp.net().kernel(), tcp.net().timers(),
                Waiter.deadline(tcp.nowNs(), timeo));
        try {
            for (;;) {
                w.prepareExclusive(tp.wq());
                if (tp.acceptHead != null) {
                    return 0;
                }
                if (tp.state != TCP_LISTEN) {
                    return Errno.EINVAL.neg();
                }
                if (tp.isDead()) {
                    return Errno.EBADF.neg();
                }
                if (timeo == 0) {
                    return Errno.EAGAIN.neg();
                }
                tp.releaseSock();
                int r = w.sleep();
                tp.lockSock();
                if (r == Waiter.INTERRUPTED) {
                    return Errno.EINTR.neg();
                }
                if (r == Waiter.TIMED_OUT) {
                    timeo = 0;
                }
            }
        } finally {
            w.end();
        }
    }

    // ================================================================ close and shutdown

    /** Linux: {@code tcp_close_state()}: the state a close leads to; true if a FIN must be sent. */
    boolean closeState(TcpSock tp) {
        int st = tp.state;
        int next;
        boolean fin = false;
        switch (st) {
            case TCP_ESTABLISHED, TCP_SYN_RECV -> {
                next = TCP_FIN_WAIT1;
                fin = true;
            }
            case TCP_CLOSE_WAIT -> {
                next = TCP_LAST_ACK;
                fin = true;
            }
            case TCP_FIN_WAIT1, TCP_FIN_WAIT2, TCP_LAST_ACK, TCP_CLOSING -> next = st;
            default -> next = TCP_CLOSE;
        }
        setState(tp, next);
        return fin;
    }

    /** Linux: {@code tcp_shutdown()}: SHUT_WR sends a FIN (half-close, RFC 9293 3.6). */
    @Override
    public void shutdown(Sock sk, int how) {
        TcpSock tp = (TcpSock) sk;
        if ((how & SEND_SHUTDOWN) == 0) {
            return;
        }
        int st = tp.state;
        if (st == TCP_ESTABLISHED || st == TCP_SYN_SENT || st == TCP_SYN_RECV || st == TCP_CLOSE_WAIT) {
            if (closeState(tp)) {
                tcp.output.sendFin(tp);
            }
        }
    }

    /**
     * Linux: {@code tcp_close()}: unread data means RST (RFC 2525 2.17), zero linger means RST,
     * otherwise FIN; the sock is orphaned and lives on (FIN_WAIT, LAST_ACK, TIME_WAIT) without its
     * file. With SO_LINGER the call waits for the FIN to be acknowledged.
     */
    @Override
    public void close(Sock sk, long timeoutNs) {
        TcpSock tp = (TcpSock) sk;
        tp.lockSock();
        try {
            closeLocked(tp, timeoutNs);
        } finally {
            tp.releaseSock();
        }
    }

    private void closeLocked(TcpSock tp, long timeoutNs) {
        tp.shutdown = SHUTDOWN_MASK;
        if (tp.state == TCP_LISTEN) {
            setState(tp, TCP_CLOSE);
            listenStop(tp);
            adjudgeToDeath(tp, TCP_CLOSE);
            return;
        }
        boolean dataWasUnread = false;
        SkBuff skb;
        while ((skb = tp.rcvQueue.dequeue()) != null) {
            int end = TcpSkbCb.endSeq(skb);
            if ((TcpSkbCb.flags(skb) & FIN) != 0) {
                end--;
            }
            if (after(end, tp.copiedSeq)) {
                dataWasUnread = true;
            }
            tp.rmemAlloc -= skb.truesize;
            Skb.consumeSkb(skb);
        }
        tp.rcvQueueLen = 0;
        if (tp.state == TCP_CLOSE) {
            adjudgeToDeath(tp, TCP_CLOSE);
            return;
        }
        if (dataWasUnread) {
            tcp.extMib().inc(TcpMib.ABORT_ON_CLOSE);
            setState(tp, TCP_CLOSE);
            tcp.output.sendActiveReset(tp);
        } else if (tp.linger && tp.lingerSec == 0) {
            disconnect(tp, 0);
            tcp.extMib().inc(TcpMib.ABORT_ON_DATA);
        } else if (closeState(tp)) {
            tcp.output.sendFin(tp);
        }
        if (timeoutNs > 0) {
            streamWaitClose(tp, timeoutNs);
        }
        adjudgeToDeath(tp, tp.state);
    }

    /** Linux: {@code sk_stream_wait_close()}: lingering until the FIN is acknowledged or time runs out. */
    private void streamWaitClose(TcpSock tp, long timeoutNs) {
        Waiter w = Waiter.current();
        w.begin(0xffff, tcp.net().kernel(), tcp.net().timers(), Waiter.deadline(tcp.nowNs(), timeoutNs));
        try {
            for (;;) {
                w.prepare(tp.wq());
                int st = tp.state;
                if (st != TCP_FIN_WAIT1 && st != TCP_CLOSING && st != TCP_LAST_ACK) {
                    return;
                }
                tp.releaseSock();
                int r = w.sleep();
                tp.lockSock();
                if (r != Waiter.WOKEN) {
                    return;
                }
            }
        } finally {
            w.end();
        }
    }

    /** The end of {@code __tcp_close()}: orphan, and turn FIN_WAIT2 into a TIME_WAIT sock. */
    private void adjudgeToDeath(TcpSock tp, int state) {
        tp.sockOrphan();
        if (state != TCP_CLOSE && tp.state == TCP_CLOSE) {
            destroy(tp);
            tp.purgeQueues();
            return;
        }
        if (tp.state == TCP_FIN_WAIT2) {
            if (tp.linger2 < 0) {
                setState(tp, TCP_CLOSE);
                tcp.output.sendActiveReset(tp);
                tcp.extMib().inc(TcpMib.ABORT_ON_LINGER);
            } else {
                int tmo = tp.finTimeMs();
                if (tmo > TcpTimer.TCP_TIMEWAIT_LEN_MS) {
                    tcp.timer.resetKeepalive(tp, tmo - TcpTimer.TCP_TIMEWAIT_LEN_MS);
                } else {
                    tcp.minisocks.timeWait(tp, TCP_FIN_WAIT2, tmo);
                    return;
                }
            }
        }
        if (tp.state == TCP_CLOSE) {
            destroy(tp);
            tp.purgeQueues();
        }
    }

    // ================================================================ data: delegated

    @Override
    public int sendmsg(Sock sk, MsgHdr msg, int len) {
        return tcp.stream.sendmsg((TcpSock) sk, msg, len);
    }

    @Override
    public int recvmsg(Sock sk, MsgHdr msg, int len, int flags) {
        return tcp.stream.recvmsg((TcpSock) sk, msg, len, flags);
    }

    @Override
    public int poll(Sock sk) {
        return tcp.stream.poll((TcpSock) sk);
    }

    @Override
    public int ioctl(Sock sk, int cmd, int[] arg) {
        return tcp.stream.ioctl((TcpSock) sk, cmd, arg);
    }

    @Override
    public int setsockopt(Sock sk, int level, int optname, byte[] optval, int optlen) {
        return TcpSockOpts.setsockopt(tcp, (TcpSock) sk, level, optname, optval, optlen);
    }

    @Override
    public int getsockopt(Sock sk, int level, int optname, byte[] optval, int[] optlen) {
        return TcpSockOpts.getsockopt(tcp, (TcpSock) sk, level, optname, optval, optlen);
    }

    /** Linux: {@code tcp_v4_do_rcv()} for a segment that waited in the backlog. */
    @Override
    public int backlogRcv(Sock sk, SkBuff skb) {
        return tcp.ipv4.doRcv((TcpSock) sk, skb);
    }

    /**
     * Linux: {@code tcp_release_cb()}: timers that fired while the application owned the sock,
     * and an ACK deferred from backlog processing.
     */
    @Override
    public void releaseCb(Sock sk) {
        TcpSock tp = (TcpSock) sk;
        int flags = tp.tsqFlags;
        if (flags == 0) {
            return;
        }
        tp.tsqFlags = 0;
        if ((flags & TCP_WRITE_TIMER_DEFERRED) != 0) {
            tcp.timer.writeTimerHandler(tp);
        }
        if ((flags & TCP_DELACK_TIMER_DEFERRED) != 0) {
            tcp.timer.delackTimerHandler(tp);
        }
        if ((flags & TCP_MTU_REDUCED_DEFERRED) != 0) {
            tcp.ipv4.mtuReduced(tp);
        }
        if ((flags & TCP_ACK_DEFERRED) != 0 && (tp.ackPending & ICSK_ACK_SCHED) != 0) {
            tcp.output.sendAck(tp);
        }
    }

    // ================================================================ wake-ups

    /**
     * Linux: {@code tcp_data_ready()}: wake readers once {@code SO_RCVLOWAT} bytes wait (or a FIN
     * came). Fires {@code sk_data_ready} with the segment that made the data ready, the seed's
     * last RX stage before the application.
     */
    void dataReady(TcpSock tp, SkBuff skb) {
        int avail = tp.rcvNxt - tp.copiedSeq;
        if ((avail > 0 && (avail >= tp.rcvlowat || tp.receiveWindow() <= tp.ackRcvMss)) || tp.done) {
            if (Sock.TP_SK_DATA_READY.enabled) {
                Sock.TP_SK_DATA_READY.fire(tcp.net(), skb, 0);
            }
            tp.skDataReady();
        }
    }

    /** An unconditional {@code sk->sk_data_ready()} (memory pressure paths). */
    void dataReadyDirect(TcpSock tp, SkBuff skb) {
        if (!tp.isDead()) {
            tp.skDataReady();
        }
    }

    /** Whether segment processing runs from the backlog in the owner's thread. */
    boolean inBacklog(TcpSock tp) {
        return true;
    }

    /** Linux: {@code tcp_set_keepalive()}: SO_KEEPALIVE arms or stops the keepalive timer. */
    @Override
    public void keepalive(Sock sk, boolean on) {
        TcpSock tp = (TcpSock) sk;
        tp.lockSock();
        try {
            int st = tp.state;
            if (st == TCP_CLOSE || st == TCP_LISTEN) {
                return;
            }
            if (on) {
                tcp.timer.resetKeepalive(tp, tp.keepaliveTimeWhenMs());
            } else {
                tcp.timer.deleteKeepalive(tp);
            }
        } finally {
            tp.releaseSock();
        }
    }
}
