package dev.packetflow.net.socket;

import dev.packetflow.kernel.sched.Waiter;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.trace.Tracepoint;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * The generic receive side of datagram sockets: take a packet from the receive queue (waiting for
 * one if the call may block), copy it to the application, report truncation. UDP's
 * {@code recvmsg} is built from these pieces; a protocol whose packets carry nothing but payload
 * can use {@link #recvmsg} whole.
 *
 * <p>Semantics, as Linux's:
 * <ul>
 * <li>{@link Uapi#MSG_PEEK} returns the first datagram and leaves it queued.
 * <li>A datagram longer than the buffer is cut, the rest discarded, and {@link Uapi#MSG_TRUNC} set
 *     in {@code msg.flags}; with {@code MSG_TRUNC} in the call's flags the call returns the
 *     datagram's real length.
 * <li>A pending socket error is returned (once) before any data; after {@code shutdown(SHUT_RD)}
 *     an empty queue reads as 0 bytes.
 * <li>{@link Uapi#MSG_DONTWAIT} (or {@code O_NONBLOCK}) makes an empty queue -EAGAIN at once;
 *     otherwise the call sleeps until a packet arrives, {@code SO_RCVTIMEO} passes (-EAGAIN) or the
 *     thread is interrupted (-EINTR). A socket closed under a sleeping reader wakes it with -EBADF.
 * </ul>
 *
 * <p>Linux: {@code net/core/datagram.c}.
 */
public final class Datagram {
    private Datagram() {}

    /** How a protocol fills {@code msg_name} from a received packet (UDP: source address and port). */
    @FunctionalInterface
    public interface NameFiller {
        void fill(SkBuff skb, MsgHdr msg);
    }

    /**
     * Linux: {@code __skb_recv_datagram()}. Returns the first packet of {@code sk}'s receive queue,
     * owned by the caller (dequeued and uncharged; for {@link Uapi#MSG_PEEK} a clone), or null with
     * {@code msg.err} set: {@code -errno}, or 0 for end of file (receive side shut down).
     */
    public static SkBuff skbRecvDatagram(Sock sk, int flags, MsgHdr msg) {
        boolean noblock = (flags & MSG_DONTWAIT) != 0;
        long timeo = sk.sockRcvtimeo(noblock);
        Waiter w = null;
        try {
            for (;;) {
                // __skb_try_recv_datagram()
                int e = sk.sockError();
                if (e != 0) {
                    msg.err = e;
                    return null;
                }
                for (;;) {
                    SkBuff skb = (flags & MSG_PEEK) != 0 ? sk.skbPeekClone() : sk.skbDequeue();
                    if (skb != null) {
                        Tracepoint tp = msg.syscallTp;
                        if (tp != null && tp.enabled) {
                            tp.fire(sk.net, skb, 0);
                        }
                        return skb;
                    }
                    if (!BusyPoll.skCanBusyLoop(sk) || !BusyPoll.skBusyLoop(sk, noblock)) {
                        break;
                    }
                }
                if (timeo == 0) {
                    msg.err = Errno.EAGAIN.neg();
                    return null;
                }
                // __skb_wait_for_more_packets()
                if (w == null) {
                    w = Waiter.current();
                    w.begin(POLLIN | POLLERR | POLLRDNORM, sk.net.kernel(), sk.net.timers(),
                            Waiter.deadline(sk.net.clock().nanoTime(), timeo));
                }
                w.prepareExclusive(sk.wq());
                if (sk.pendingError() != 0 || sk.receiveQueueLen() != 0) {
                    sk.wq().remove(w); // not sleeping after all: leave the next wake-up to others
                    continue;
                }
                if ((sk.shutdown & RCV_SHUTDOWN) != 0) {
                    msg.err = 0;
                    return null;
                }
                if (connectionBased(sk) && sk.state != Sock.TCP_ESTABLISHED && sk.state != Sock.TCP_LISTEN) {
                    msg.err = Errno.ENOTCONN.neg();
                    return null;
                }
                if (sk.isDead()) {
                    msg.err = Errno.EBADF.neg();
                    return null;
                }
                int r = w.sleep();
                if (r == Waiter.INTERRUPTED) {
                    msg.err = Errno.EINTR.neg();
                    return null;
                }
                if (r == Waiter.TIMED_OUT) {
                    timeo = 0; // one more look at the queue, then EAGAIN
                }
            }
        } finally {
            if (w != null) {
                w.end();
            }
        }
    }

    /**
     * Linux: {@code skb_copy_datagram_msg()}: {@code len} bytes of the packet, from {@code offset}
     * bytes after its data start, into the message's buffers. Returns 0 or -EFAULT.
     */
    public static int skbCopyDatagramMsg(SkBuff skb, int offset, MsgHdr msg, int len) {
        return msg.copyFromSkb(skb, skb.data + offset, len);
    }

    /**
     * Linux: {@code skb_free_datagram()}: frees a packet returned by {@link #skbRecvDatagram}. A
     * peeked clone leaves the packet's journey alone (the packet itself is still queued).
     */
    public static void skbFreeDatagram(SkBuff skb, int flags) {
        if ((flags & MSG_PEEK) != 0) {
            skb.journey = 0;
        }
        Skb.consumeSkb(skb);
    }

    /**
     * A whole {@code recvmsg} for packets whose data is all payload: receive, copy, truncate, name.
     * {@code names} may be null (no address is reported). Returns the bytes copied, the datagram's
     * length with {@link Uapi#MSG_TRUNC}, 0 at end of file, or -errno.
     */
    public static int recvmsg(Sock sk, MsgHdr msg, int len, int flags, NameFiller names) {
        SkBuff skb = skbRecvDatagram(sk, flags, msg);
        if (skb == null) {
            return msg.err;
        }
        int dlen = skb.len();
        int copied = dlen;
        if (copied > len) {
            copied = len;
            msg.flags |= MSG_TRUNC;
        }
        int e = skbCopyDatagramMsg(skb, 0, msg, copied);
        if (e == 0 && names != null) {
            names.fill(skb, msg);
        }
        skbFreeDatagram(skb, flags);
        if (e != 0) {
            return e;
        }
        return (flags & MSG_TRUNC) != 0 ? dlen : copied;
    }

    /**
     * Linux: {@code datagram_poll()}, without the wait-queue registration (the caller does that).
     * Lock-free: reads only volatile state.
     */
    public static int poll(Sock sk) {
        int mask = 0;
        if (sk.pendingError() != 0 || !sk.errorQueue().isEmpty()) {
            mask |= POLLERR;
        }
        int shut = sk.shutdown;
        if ((shut & RCV_SHUTDOWN) != 0) {
            mask |= POLLRDHUP | POLLIN | POLLRDNORM;
        }
        if (shut == SHUTDOWN_MASK) {
            mask |= POLLHUP;
        }
        if (sk.receiveQueueLen() != 0) {
            mask |= POLLIN | POLLRDNORM;
        }
        if (connectionBased(sk)) {
            if (sk.state == Sock.TCP_CLOSE) {
                mask |= POLLHUP;
            }
            if (sk.state == Sock.TCP_SYN_SENT) {
                return mask;
            }
        }
        if (sk.sockWriteable()) {
            mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
        }
        return mask;
    }

    /**
     * The datagram ioctls (Linux: {@code udp_ioctl()}): {@link Uapi#SIOCINQ} is the length of the
     * next datagram (0 if none), {@link Uapi#SIOCOUTQ} the bytes of truesize not yet sent.
     */
    public static int ioctl(Sock sk, int cmd, int[] arg) {
        switch (cmd) {
            case SIOCOUTQ -> {
                arg[0] = sk.wmemAlloc();
                return 0;
            }
            case SIOCINQ -> {
                arg[0] = Math.max(0, sk.firstPacketLength());
                return 0;
            }
            default -> {
                return -Proto.ENOIOCTLCMD;
            }
        }
    }

    /** Linux: {@code connection_based()}. */
    static boolean connectionBased(Sock sk) {
        return sk.type == SOCK_SEQPACKET || sk.type == SOCK_STREAM;
    }
}
