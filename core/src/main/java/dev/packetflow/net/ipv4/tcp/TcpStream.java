package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.kernel.sched.Waiter;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.socket.BusyPoll;
import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.MsgHdr;
import dev.packetflow.net.socket.Proto;
import dev.packetflow.net.socket.Sock;
import dev.packetflow.trace.Tracepoint;

import static dev.packetflow.net.ipv4.tcp.TcpHeader.*;
import static dev.packetflow.net.ipv4.tcp.TcpSock.*;
import static dev.packetflow.net.ipv4.tcp.TcpSkbCb.*;
import static dev.packetflow.net.socket.Uapi.*;

/**
 * The byte stream as applications use it: {@code tcp_sendmsg} (bytes into MSS-sized skbs on the
 * write queue, pushed as the windows and Nagle allow, waiting for send buffer space),
 * {@code tcp_recvmsg} (bytes out of the receive queue, waiting for them, ACKing freed window),
 * {@code tcp_poll} and the TCP ioctls.
 *
 * <p>Linux: {@code net/ipv4/tcp.c}.
 */
final class TcpStream {
    private final Tcp tcp;

    /**
     * The busy polling {@code tcp_recvmsg} does: {@link BusyPoll}'s {@code sk_can_busy_loop()} and
     * {@code sk_busy_loop()}. An interface so that a test can stand in for the loop, which never
     * runs in a simulation (busy polling is real time only).
     */
    interface BusyLoop {
        boolean canBusyLoop(Sock sk);

        boolean busyLoop(Sock sk, boolean nonblock);
    }

    static final BusyLoop SK_BUSY_LOOP = new BusyLoop() {
        @Override
        public boolean canBusyLoop(Sock sk) {
            return BusyPoll.skCanBusyLoop(sk);
        }

        @Override
        public boolean busyLoop(Sock sk, boolean nonblock) {
            return BusyPoll.skBusyLoop(sk, nonblock);
        }
    };

    /** {@link #SK_BUSY_LOOP}; a test may replace it before the receive it observes. */
    BusyLoop busyLoop = SK_BUSY_LOOP;

    TcpStream(Tcp tcp) {
        this.tcp = tcp;
    }

    // ================================================================ sendmsg

    /**
     * Linux: {@code tcp_sendmsg()} / {@code tcp_sendmsg_locked()}. Returns the bytes queued, or
     * -errno when none were: EPIPE after shutdown or close of the connection (the pending error,
     * such as ECONNRESET, first), EAGAIN when non-blocking and the buffer is full.
     */
    int sendmsg(TcpSock tp, MsgHdr msg, int size) {
        if (Tcp.TP_TCP_SENDMSG.enabled) {
            Tcp.TP_TCP_SENDMSG.fire(tcp.net(), null, Skb.pendingJourney());
        }
        tp.lockSock();
        try {
            return sendmsgLocked(tp, msg);
        } finally {
            tp.releaseSock();
        }
    }

    private int sendmsgLocked(TcpSock tp, MsgHdr msg) {
        int flags = msg.flags;
        long timeo = tp.sockSndtimeo((flags & MSG_DONTWAIT) != 0);
        int err = 0;
        int copied = 0;
        int st = tp.state;
        if (st != TCP_ESTABLISHED && st != TCP_CLOSE_WAIT) {
            err = waitConnect(tp, timeo);
            if (err != 0) {
                return streamError(tp, err);
            }
        }
        long deadline = Waiter.deadline(tcp.nowNs(), timeo);
        int mss = tcp.window.currentMss(tp);
        int sizeGoal = tcp.output.tso.xmitSizeGoal(tp, mss, (flags & MSG_OOB) == 0);
        if (tp.pendingError() != 0 || (tp.shutdown & SEND_SHUTDOWN) != 0) {
            return streamError(tp, Errno.EPIPE.neg());
        }
        while (msg.dataLeft() > 0) {
            SkBuff skb = tp.sendHead != null ? tp.writeQueue.peekTail() : null;
            int copy = skb != null ? sizeGoal - skb.len() : 0;
            if (copy <= 0 || eor(skb) || skb.tailroom() <= 0) {
                skb = null;
                if (tp.streamMemoryFree()) {
                    // A short write gets an MSS-sized buffer: a 64 KB one for a few bytes would
                    // cost the pool's large class for nothing (Linux fills page fragments as
                    // data comes; here a buffer's size is chosen up front).
                    int size = sizeGoal > mss && msg.dataLeft() <= mss ? mss : sizeGoal;
                    skb = tcp.net().pool().alloc(TcpOutput.MAX_TCP_HEADER + size);
                }
                if (skb == null) {
                    // wait_for_space
                    if (copied != 0) {
                        tcp.output.push(tp, flags & ~MSG_MORE, mss, TCP_NAGLE_PUSH);
                    }
                    err = streamWaitMemory(tp, deadline, timeo == 0);
                    if (err != 0) {
                        break;
                    }
                    mss = tcp.window.currentMss(tp);
                    sizeGoal = tcp.output.tso.xmitSizeGoal(tp, mss, (flags & MSG_OOB) == 0);
                    continue;
                }
                skb.reserve(TcpOutput.MAX_TCP_HEADER);
                initCharge(skb, 0);
                entail(tp, skb);
                copy = sizeGoal;
            }
            copy = Math.min(copy, msg.dataLeft());
            copy = Math.min(copy, skb.tailroom());
            int o = skb.put(copy);
            if (msg.copyToSkb(skb, o, copy) != 0) {
                skb.trim(skb.len() - copy);
                err = Errno.EFAULT.neg();
                break;
            }
            if (copied == 0) {
                setFlags(skb, flags(skb) & ~PSH);
            }
            tp.writeSeq += copy;
            setEndSeq(skb, endSeq(skb) + copy);
            skb.gsoSegs = 0; // tcp_skb_pcount_set(skb, 0): sized again when it is sent
            charge(tp, skb, copy);
            copied += copy;
            if (msg.dataLeft() == 0) {
                if ((flags & MSG_EOR) != 0) {
                    setEor(skb);
                }
                break;
            }
            if (skb.len() < sizeGoal || (flags & MSG_OOB) != 0) {
                continue;
            }
            if (TcpOutput.forcedPush(tp)) {
                TcpOutput.markPush(tp, skb);
                tcp.output.pushPendingFrames(tp, mss, TCP_NAGLE_PUSH);
            } else if (skb == tp.sendHead) {
                tcp.output.pushOne(tp, mss);
            }
        }
        removeEmptySkb(tp);
        if (copied != 0) {
            tcp.output.push(tp, flags, mss, tp.nonagle);
            return copied;
        }
        return streamError(tp, err);
    }

    /** Linux: {@code tcp_skb_entail()}: a new skb at the tail of the write queue. */
    private void entail(TcpSock tp, SkBuff skb) {
        TcpSkbCb.init(skb, tp.writeSeq, tp.writeSeq, ACK);
        tp.writeQueue.queueTail(skb);
        if (tp.sendHead == null) {
            tp.sendHead = skb;
        }
        tp.wmemQueued += skb.truesize;
        tp.nonagle &= ~TCP_NAGLE_PUSH;
        slowStartAfterIdleCheck(tp);
    }

    /** Linux: {@code tcp_remove_empty_skb()}: an skb allocated but left empty by an error. */
    private void removeEmptySkb(TcpSock tp) {
        SkBuff skb = tp.sendHead != null ? tp.writeQueue.peekTail() : null;
        if (skb != null && skb.len() == 0 && (flags(skb) & (FIN | SYN)) == 0 && endSeq(skb) == seq(skb)) {
            if (skb == tp.sendHead) {
                tp.sendHead = null;
            }
            tp.writeQueue.unlink(skb);
            tp.wmemQueued -= skb.truesize;
            Skb.consumeSkb(skb);
        }
    }

    /** Linux: {@code tcp_slow_start_after_idle_check()} (RFC 5681 4.1, RFC 7661's idle restart). */
    private void slowStartAfterIdleCheck(TcpSock tp) {
        if (tp.sysctl.slowStartAfterIdle == 0 || tp.packetsOut != 0) {
            return;
        }
        long delta = tcp.nowMs() - tp.lsndtimeMs;
        if (delta > tp.rto) {
            // tcp_cwnd_restart()
            tp.ca.cwndEvent(tp, TcpCong.CA_EVENT_CWND_RESTART);
            int restart = Math.min(Tcp.TCP_INIT_CWND, tp.sndCwnd);
            int cwnd = tp.sndCwnd;
            tp.sndSsthresh = tp.currentSsthresh();
            while ((delta -= tp.rto) > 0 && cwnd > restart) {
                cwnd >>= 1;
            }
            tp.sndCwnd = Math.max(cwnd, restart);
            tp.sndCwndStampMs = tcp.nowMs();
            tp.sndCwndUsed = 0;
        }
    }

    /** Linux: {@code sk_stream_error()}: EPIPE becomes the pending error if there is one. */
    private static int streamError(TcpSock tp, int err) {
        if (err == Errno.EPIPE.neg()) {
            int e = tp.sockError();
            if (e != 0) {
                return e;
            }
        }
        return err;
    }

    /** Linux: {@code sk_stream_wait_connect()}: a send before the handshake completed waits for it. */
    private int waitConnect(TcpSock tp, long timeo) {
        Waiter w = null;
        try {
            for (;;) {
                int e = tp.sockError();
                if (e != 0) {
                    return e;
                }
                int st = tp.state;
                if (st != TCP_SYN_SENT && st != TCP_SYN_RECV) {
                    if (st == TCP_ESTABLISHED || st == TCP_CLOSE_WAIT) {
                        return 0;
                    }
                    return Errno.EPIPE.neg();
                }
                if (timeo == 0) {
                    return Errno.EAGAIN.neg();
                }
                if (w == null) {
                    w = Waiter.current();
                    w.begin(0xffff, tcp.net().kernel(), tcp.net().timers(), Waiter.deadline(tcp.nowNs(), timeo));
                }
                w.prepare(tp.wq());
                st = tp.state;
                if (tp.pendingError() != 0 || (st != TCP_SYN_SENT && st != TCP_SYN_RECV)) {
                    continue;
                }
                tp.writePending = true;
                tp.releaseSock();
                int r = w.sleep();
                tp.lockSock();
                tp.writePending = false;
                if (r == Waiter.INTERRUPTED) {
                    return Errno.EINTR.neg();
                }
                if (r == Waiter.TIMED_OUT) {
                    timeo = 0;
                }
            }
        } finally {
            if (w != null) {
                w.end();
            }
        }
    }

    /**
     * Linux: {@code sk_stream_wait_memory()}: waits until the send buffer has room again. 0, or
     * EPIPE (error or shut down), EAGAIN (no time left), EINTR.
     */
    private int streamWaitMemory(TcpSock tp, long deadlineNs, boolean nonblock) {
        boolean timedOut = nonblock;
        Waiter w = null;
        try {
            for (;;) {
                if (tp.pendingError() != 0 || (tp.shutdown & SEND_SHUTDOWN) != 0) {
                    return Errno.EPIPE.neg();
                }
                if (tp.streamMemoryFree()) {
                    return 0;
                }
                tp.nospace = true;
                if (timedOut) {
                    return Errno.EAGAIN.neg();
                }
                if (w == null) {
                    w = Waiter.current();
                    w.begin(WRITABLE_KEY_ALL, tcp.net().kernel(), tcp.net().timers(), deadlineNs);
                }
                w.prepare(tp.wq());
                if (tp.streamMemoryFree() || tp.pendingError() != 0 || (tp.shutdown & SEND_SHUTDOWN) != 0) {
                    continue;
                }
                tp.writePending = true;
                tp.releaseSock();
                int r = w.sleep();
                tp.lockSock();
                tp.writePending = false;
                if (r == Waiter.INTERRUPTED) {
                    return Errno.EINTR.neg();
                }
                if (r == Waiter.TIMED_OUT) {
                    timedOut = true;
                }
                if (tp.isDead()) {
                    return Errno.EBADF.neg();
                }
            }
        } finally {
            if (w != null) {
                w.end();
            }
        }
    }

    private static final int WRITABLE_KEY_ALL = POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR | POLLHUP;

    // ================================================================ recvmsg

    /**
     * Linux: {@code tcp_recvmsg()} / {@code tcp_recvmsg_locked()}: copies up to {@code len} bytes
     * (waiting for at least {@code SO_RCVLOWAT}, or {@code len} with MSG_WAITALL); 0 at end of stream;
     * -errno (ENOTCONN, ECONNRESET as the pending error, EAGAIN, EINTR).
     *
     * <p>With {@code SO_BUSY_POLL}, an established connection whose receive queue is empty is
     * busy-polled first, before the socket lock is taken, so that what the poll brings in goes
     * straight to the receive queue rather than to the backlog (one round for a non-blocking call,
     * up to {@code busy_poll} µs otherwise); then the receive proceeds as usual, sleeping if still
     * nothing came.
     */
    int recvmsg(TcpSock tp, MsgHdr msg, int len, int flags) {
        BusyLoop bl = busyLoop;
        if (bl.canBusyLoop(tp) && tp.rcvQueueLen == 0 && tp.state == TCP_ESTABLISHED) {
            bl.busyLoop(tp, (flags & MSG_DONTWAIT) != 0);
        }
        tp.lockSock();
        try {
            return recvmsgLocked(tp, msg, len, flags);
        } finally {
            tp.releaseSock();
        }
    }

    private int recvmsgLocked(TcpSock tp, MsgHdr msg, int len, int flags) {
        if (tp.state == TCP_LISTEN) {
            return Errno.ENOTCONN.neg();
        }
        if ((flags & MSG_OOB) != 0) {
            return Errno.EINVAL.neg();
        }
        long timeo = tp.sockRcvtimeo((flags & MSG_DONTWAIT) != 0);
        boolean peek = (flags & MSG_PEEK) != 0;
        int seq = tp.copiedSeq;
        int target = (flags & MSG_WAITALL) != 0 ? len : Math.min(tp.rcvlowat, len);
        if (target == 0) {
            target = 1;
        }
        int copied = 0;
        Tracepoint tp0 = msg.syscallTp();
        Waiter w = null;
        try {
            do {
                SkBuff skb = tp.rcvQueue.peek();
                boolean found = false;
                boolean finFound = false;
                int offset = 0;
                while (skb != null) {
                    offset = seq - seq(skb);
                    if (offset < skb.len()) {
                        found = true;
                        break;
                    }
                    if ((flags(skb) & FIN) != 0) {
                        finFound = true;
                        break;
                    }
                    skb = skb.next;
                }
                if (finFound) {
                    seq++;
                    if (!peek) {
                        tp.copiedSeq = seq;
                        eatRecvSkb(tp, skb);
                    }
                    break;
                }
                if (found) {
                    int used = Math.min(skb.len() - offset, len);
                    if ((flags & MSG_TRUNC) == 0) {
                        if (msg.copyFromSkb(skb, skb.data + offset, used) != 0) {
                            if (copied == 0) {
                                copied = Errno.EFAULT.neg();
                            }
                            break;
                        }
                        if (tp0 != null && tp0.enabled) {
                            tp0.fire(tcp.net(), skb, 0);
                        }
                    }
                    seq += used;
                    if (!peek) {
                        tp.copiedSeq = seq;
                    }
                    copied += used;
                    len -= used;
                    if (!peek) {
                        tcp.ackPolicy.rcvSpaceAdjust(tp);
                    }
                    if (used + offset < skb.len()) {
                        continue;
                    }
                    if ((flags(skb) & FIN) != 0) {
                        seq++;
                        if (!peek) {
                            tp.copiedSeq = seq;
                            eatRecvSkb(tp, skb);
                        }
                        break;
                    }
                    if (!peek) {
                        eatRecvSkb(tp, skb);
                    }
                    continue;
                }
                if (copied >= target) {
                    break;
                }
                if (copied != 0) {
                    if (timeo == 0 || tp.pendingError() != 0 || tp.state == TCP_CLOSE
                            || (tp.shutdown & RCV_SHUTDOWN) != 0) {
                        break;
                    }
                } else {
                    if (tp.done) {
                        break;
                    }
                    if (tp.pendingError() != 0) {
                        copied = tp.sockError();
                        break;
                    }
                    if ((tp.shutdown & RCV_SHUTDOWN) != 0) {
                        break;
                    }
                    if (tp.state == TCP_CLOSE) {
                        copied = Errno.ENOTCONN.neg();
                        break;
                    }
                    if (timeo == 0) {
                        copied = Errno.EAGAIN.neg();
                        break;
                    }
                }
                cleanupRbuf(tp, copied);
                // sk_wait_data()
                if (w == null) {
                    w = Waiter.current();
                    w.begin(POLLIN | POLLRDNORM | POLLERR | POLLHUP | POLLRDHUP, tcp.net().kernel(),
                            tcp.net().timers(), Waiter.deadline(tcp.nowNs(), timeo));
                }
                SkBuff last = tp.rcvQueue.peekTail();
                int lastEnd = last != null ? endSeq(last) : 0;
                w.prepareExclusive(tp.wq());
                tp.releaseSock();
                int r = w.sleep();
                tp.lockSock();
                if (r == Waiter.INTERRUPTED) {
                    if (copied == 0) {
                        copied = Errno.EINTR.neg();
                    }
                    break;
                }
                if (r == Waiter.TIMED_OUT) {
                    SkBuff nl = tp.rcvQueue.peekTail();
                    if (nl == last && (nl == null || endSeq(nl) == lastEnd)) {
                        timeo = 0;
                    }
                }
                if (tp.isDead()) {
                    if (copied == 0) {
                        copied = Errno.EBADF.neg();
                    }
                    break;
                }
                if (peek && seq - copied != tp.copiedSeq) {
                    seq = tp.copiedSeq + copied;
                }
            } while (len > 0);
        } finally {
            if (w != null) {
                w.end();
            }
        }
        cleanupRbuf(tp, copied);
        return copied;
    }

    /** Linux: {@code tcp_eat_recv_skb()}. */
    private void eatRecvSkb(TcpSock tp, SkBuff skb) {
        tp.rcvQueue.unlink(skb);
        tp.rmemAlloc -= skb.truesize;
        tp.rcvQueueLen = tp.rcvQueue.qlen();
        Skb.consumeSkb(skb);
    }

    /**
     * Linux: {@code tcp_cleanup_rbuf()}: after reading, send the ACK owed if a full segment was
     * waiting for it or the queue was drained of a pushed segment, or a window update if the read
     * at least doubled the window.
     */
    void cleanupRbuf(TcpSock tp, int copied) {
        if (tp.state == TCP_CLOSE || tp.state == TCP_LISTEN) {
            return;
        }
        boolean timeToAck = false;
        if ((tp.ackPending & ICSK_ACK_SCHED) != 0) {
            if (tp.rcvNxt - tp.rcvWup > tp.ackRcvMss
                    || (copied > 0 && ((tp.ackPending & ICSK_ACK_PUSHED2) != 0
                    || ((tp.ackPending & ICSK_ACK_PUSHED) != 0 && tp.ackPingpong == 0)) && tp.rmemAlloc == 0)) {
                timeToAck = true;
            }
        }
        if (copied > 0 && !timeToAck && (tp.shutdown & RCV_SHUTDOWN) == 0) {
            int rcvWindowNow = tp.receiveWindow();
            if (2L * rcvWindowNow <= tp.windowClamp) {
                int newWindow = tcp.window.selectWindowInner(tp);
                if (newWindow != 0 && newWindow >= 2L * rcvWindowNow) {
                    timeToAck = true;
                }
            }
        }
        if (timeToAck) {
            tcp.output.sendAck(tp);
        }
    }

    // ================================================================ poll, ioctl

    /** Linux: {@code tcp_poll()} (lock-free). */
    int poll(TcpSock tp) {
        int st = tp.state;
        if (st == TCP_LISTEN) {
            return tp.acceptQlen > 0 ? POLLIN | POLLRDNORM : 0;
        }
        int mask = 0;
        int shut = tp.shutdown;
        if (shut == SHUTDOWN_MASK || st == TCP_CLOSE) {
            mask |= POLLHUP;
        }
        if ((shut & RCV_SHUTDOWN) != 0) {
            mask |= POLLIN | POLLRDNORM | POLLRDHUP;
        }
        if (st != TCP_SYN_SENT && st != TCP_SYN_RECV) {
            int target = Math.max(tp.rcvlowat, 1);
            int avail = tp.rcvNxt - tp.copiedSeq;
            if (avail > 0 && (avail >= target || tp.receiveWindow() <= tp.ackRcvMss)) {
                mask |= POLLIN | POLLRDNORM;
            }
            if ((shut & SEND_SHUTDOWN) == 0) {
                if (tp.streamWriteable()) {
                    mask |= POLLOUT | POLLWRNORM;
                } else {
                    tp.nospace = true;
                    if (tp.streamWriteable()) {
                        mask |= POLLOUT | POLLWRNORM;
                    }
                }
            } else {
                mask |= POLLOUT | POLLWRNORM;
            }
        }
        if (tp.pendingError() != 0) {
            mask |= POLLERR;
        }
        return mask;
    }

    /** Linux: {@code tcp_ioctl()}: SIOCINQ, SIOCATMARK, SIOCOUTQ, SIOCOUTQNSD. */
    int ioctl(TcpSock tp, int cmd, int[] arg) {
        int st = tp.state;
        switch (cmd) {
            case SIOCINQ -> {
                if (st == TCP_LISTEN) {
                    return Errno.EINVAL.neg();
                }
                arg[0] = tp.inq();
                return 0;
            }
            case SIOCATMARK -> {
                arg[0] = tp.urgData != 0 && tp.urgSeq == tp.copiedSeq ? 1 : 0;
                return 0;
            }
            case SIOCOUTQ -> {
                if (st == TCP_LISTEN) {
                    return Errno.EINVAL.neg();
                }
                arg[0] = st == TCP_SYN_SENT || st == TCP_SYN_RECV ? 0 : tp.writeSeq - tp.sndUna;
                return 0;
            }
            case SIOCOUTQNSD -> {
                if (st == TCP_LISTEN) {
                    return Errno.EINVAL.neg();
                }
                arg[0] = st == TCP_SYN_SENT || st == TCP_SYN_RECV ? 0 : tp.writeSeq - tp.sndNxt;
                return 0;
            }
            default -> {
                return -Proto.ENOIOCTLCMD;
            }
        }
    }
}
