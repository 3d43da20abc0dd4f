package dev.packetflow.net.socket;

import dev.packetflow.kernel.time.Clock;
import dev.packetflow.net.core.Skb;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * The multi-message calls: Linux: {@code net/socket.c __sys_recvmmsg()} / {@code __sys_sendmmsg()}.
 * Each message goes down the same path as one {@code sendmsg}/{@code recvmsg} (so each datagram's
 * journey is that of a single call, starting or ending at {@code sendmmsg}/{@code recvmmsg}); the
 * loop only adds the batch's rules:
 *
 * <ul>
 * <li>The result is the number of messages processed; an error is returned only when the first
 *     message fails. A receive error after at least one message (other than EAGAIN) becomes the
 *     socket's pending error ({@code sk_err}), so the next call (or {@code SO_ERROR}) reports it.
 * <li>{@code vlen} is C's {@code unsigned int}: a negative value is a huge count, not an error.
 *     {@code sendmmsg} caps it at {@link MsgHdr#UIO_MAXIOV}; {@code recvmmsg} does not. An entry
 *     the vector does not have (null vector, null entry, index past its end) is a bad address:
 *     EFAULT at that message, as Linux's {@code copy_from_user()} of the entry fails. With
 *     {@code vlen} 0 nothing is looked at and the result is 0.
 * <li>{@code sendmmsg} stops after a message that was only partly sent (a stream socket's
 *     non-blocking send); {@code recvmmsg} stops after out-of-band data ({@link Uapi#MSG_OOB}).
 * <li>{@link Uapi#MSG_WAITFORONE}: {@code recvmmsg} waits (if the socket blocks) for the first
 *     message only, then adds {@link Uapi#MSG_DONTWAIT}.
 * <li>The {@code recvmmsg} timeout is checked after each message received, not while waiting:
 *     Linux's documented behaviour (a blocking call can wait past it for the next message; use
 *     {@code SO_RCVTIMEO} or {@code MSG_WAITFORONE} to bound the wait). A timeout of 0 returns
 *     after the first message.
 * </ul>
 *
 * <p>Nothing here allocates per message: the entries and their headers are the caller's.
 */
final class MMsg {
    /**
     * Linux's {@code MSG_CMSG_COMPAT} (31-bit compat tasks' internal flag): the 64-bit system
     * calls refuse it with EINVAL.
     */
    static final int MSG_CMSG_COMPAT = 0x80000000;

    private MMsg() {}

    /** Linux: {@code __sys_sendmmsg()}. */
    static int sendmmsg(SocketLayer sys, int fd, MMsgHdr[] msgvec, int vlen, int flags) {
        if ((flags & MSG_CMSG_COMPAT) != 0) {
            return Errno.EINVAL.neg();
        }
        int n = Integer.compareUnsigned(vlen, MsgHdr.UIO_MAXIOV) > 0 ? MsgHdr.UIO_MAXIOV : vlen;
        OpenFile f = sys.file(fd);
        if (!(f instanceof Socket sock) || sock.sk == null) {
            return f == null || f instanceof Socket ? Errno.EBADF.neg() : Errno.ENOTSOCK.neg();
        }
        int datagrams = 0;
        int err = 0;
        while (datagrams < n) {
            MMsgHdr e = entry(msgvec, datagrams);
            if (e == null) {
                err = Errno.EFAULT.neg();
                break;
            }
            if (SocketLayer.TP_SENDMMSG.enabled) {
                SocketLayer.TP_SENDMMSG.fire(sys.net(), null, Skb.pendingJourney());
            }
            // ____sys_sendmsg(): the call's flags, O_NONBLOCK read again for each message.
            MsgHdr m = e.msg;
            m.flags = sock.nonBlocking() ? flags | MSG_DONTWAIT : flags;
            int r = sys.sockSendmsg(sock, m);
            if (r < 0) {
                err = r;
                break;
            }
            e.msgLen = r;
            datagrams++;
            if (m.dataLeft() != 0) {
                break; // a partial send: the rest would not follow it on the wire
            }
        }
        return datagrams != 0 ? datagrams : err;
    }

    /** Linux: {@code __sys_recvmmsg()} / {@code do_recvmmsg()}. */
    static int recvmmsg(SocketLayer sys, int fd, MMsgHdr[] msgvec, int vlen, int flags, long timeoutNs) {
        if ((flags & MSG_CMSG_COMPAT) != 0) {
            return Errno.EINVAL.neg();
        }
        Clock clock = sys.net().clock();
        // poll_select_set_timeout(): the deadline is taken before anything else.
        long start = timeoutNs > 0 ? clock.nanoTime() : 0;
        OpenFile f = sys.file(fd);
        Sock sk;
        if (!(f instanceof Socket sock) || (sk = sock.sk) == null) {
            return f == null || f instanceof Socket ? Errno.EBADF.neg() : Errno.ENOTSOCK.neg();
        }
        if ((flags & MSG_ERRQUEUE) == 0) {
            int e = sk.sockError();
            if (e != 0) {
                return e;
            }
        }
        long n = Integer.toUnsignedLong(vlen);
        int datagrams = 0;
        int err = 0;
        while (datagrams < n) {
            MMsgHdr e = entry(msgvec, datagrams);
            if (e == null) {
                err = Errno.EFAULT.neg();
                break;
            }
            // ____sys_recvmsg(): O_NONBLOCK read again for each message.
            int fl = flags & ~MSG_WAITFORONE;
            if (sock.nonBlocking()) {
                fl |= MSG_DONTWAIT;
            }
            MsgHdr m = e.msg;
            int r = SocketLayer.sockRecvmsg(sock, m, fl, SocketLayer.TP_RECVMMSG);
            if (r < 0) {
                err = r;
                break;
            }
            e.msgLen = r;
            datagrams++;
            if ((flags & MSG_WAITFORONE) != 0) {
                flags |= MSG_DONTWAIT;
            }
            if (timeoutNs >= 0 && (timeoutNs == 0 || clock.nanoTime() - start >= timeoutNs)) {
                break;
            }
            if ((m.flags & MSG_OOB) != 0) {
                break; // out-of-band data goes back at once
            }
        }
        if (err == 0) {
            return datagrams;
        }
        if (datagrams == 0) {
            return err;
        }
        // Fewer than asked for: EAGAIN just means the queue ran dry; any other error is kept for
        // the next call or SO_ERROR, so it is not lost behind the messages returned now.
        if (err != Errno.EAGAIN.neg()) {
            sk.err = -err;
        }
        return datagrams;
    }

    /** Entry {@code i}, or null where Linux's {@code copy_from_user()} of it would fault. */
    private static MMsgHdr entry(MMsgHdr[] msgvec, int i) {
        return msgvec == null || i >= msgvec.length ? null : msgvec[i];
    }
}
