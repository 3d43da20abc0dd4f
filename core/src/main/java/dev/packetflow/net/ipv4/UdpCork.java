package dev.packetflow.net.ipv4;

import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.SkBuffHead;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.MsgHdr;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * A corked UDP socket's pending datagram ({@code UDP_CORK}, {@code MSG_MORE}): the sends append
 * their data here until the socket is uncorked or a send comes without {@code MSG_MORE}; then the
 * whole is sent as one datagram, with one UDP header and one checksum, fragmented by IP if it is
 * larger than the MTU.
 *
 * <p>As in Linux, the first corked send fixes the datagram's destination, route, source address,
 * TOS, TTL, priority, mark and fragmentation rule, its control messages ({@link IpCmsgSend})
 * included; later sends only add data (an address or control messages they carry are ignored,
 * not even checked). The
 * data waits in send-buffer-charged chunks (Linux's {@code sk_write_queue}), so a full send buffer
 * blocks or fails a corked send as it does an uncorked one. A datagram that would exceed 65507
 * bytes of payload (or the path MTU with {@code IP_PMTUDISC_DO}) fails with EMSGSIZE and all of
 * the pending data is discarded. Closing the socket discards it too.
 *
 * <p>Everything here runs under the socket lock ({@code lock_sock}).
 *
 * <p>Linux: {@code inet->cork}, {@code up->pending}, {@code up->len}; {@code net/ipv4/ip_output.c}
 * ({@code ip_append_data()}, {@code ip_finish_skb()}, {@code ip_flush_pending_frames()}) and
 * {@code net/ipv4/udp.c} ({@code udp_push_pending_frames()}, {@code udp_flush_pending_frames()}).
 */
final class UdpCork {
    /** Linux: {@code up->pending != 0}. Read without the lock by the send fast path. */
    volatile boolean pending;
    /** Linux: {@code up->len}: the datagram's UDP length so far, header included. */
    private int length;
    /** The largest UDP length allowed: {@code maxnonfrag - fragheaderlen} of {@code __ip_append_data}. */
    private int maxLength;
    /** Linux: {@code cork->fragsize}: the MTU a local EMSGSIZE report gives. */
    private int fragsize;
    private final SkBuffHead queue = new SkBuffHead();
    // inet->cork.fl and inet->cork.base: fixed by the first send
    private Rtable rt;
    private int saddr;
    private int daddr;
    private int dport;
    private int tos;
    /** Linux: {@code cork->ttl}: an {@code IP_TTL} message's, 0 for the socket's. */
    private int ttl;
    private int pmtudisc;
    private int priority;
    private int mark;
    /** Linux: {@code cork->gso_size}: {@code UDP_SEGMENT} as it was when the datagram was started. */
    private int gsoSize;

    /** Linux: the corking half of {@code udp_sendmsg()} ({@code ip_setup_cork()}): a new pending datagram. */
    void setup(Rtable rt, int saddr, int daddr, int dport, int tos, int ttl, int priority, int mark,
               int pmtudisc, int maxLength, int fragsize, int gsoSize) {
        this.fragsize = fragsize;
        this.gsoSize = gsoSize;
        this.rt = rt;
        this.saddr = saddr;
        this.daddr = daddr;
        this.dport = dport;
        this.tos = tos;
        this.ttl = ttl;
        this.pmtudisc = pmtudisc;
        this.maxLength = maxLength;
        this.priority = priority;
        this.mark = mark;
        this.length = UdpHeader.LEN;
        pending = true;
    }

    /**
     * Linux: {@code udp_sendmsg()}'s {@code do_append_data} part, under the socket lock: appends
     * to the pending datagram, discards it all on error, sends it unless more is to come. Returns
     * {@code len} or -errno (EAGAIN and ENOBUFS count SndbufErrors).
     */
    int appendData(Udp udp, UdpSock sk, MsgHdr msg, int len, boolean corkreq) {
        int err = append(sk, msg, len);
        if (err != 0) {
            flush(sk, DropReason.NOT_SPECIFIED);
            if (err == Errno.EAGAIN.neg() || err == Errno.ENOBUFS.neg()) {
                udp.mib().inc(Udp.SNDBUF_ERRORS); // Linux: ENOBUFS or SOCK_NOSPACE
            }
            return err;
        }
        if (!corkreq) {
            err = push(udp, sk);
        }
        return err == 0 ? len : err;
    }

    /** The UDP length of the pending datagram (header included), 0 when none. */
    int length() {
        return pending ? length : 0;
    }

    /**
     * Linux: {@code ip_append_data()}: adds {@code len} bytes of {@code msg} to the pending
     * datagram, filling the last chunk before charging a new one to the send buffer. Returns 0, or
     * -errno (EMSGSIZE over the limit; the send buffer's EAGAIN, EINTR...; EFAULT); the caller then
     * flushes.
     */
    int append(UdpSock sk, MsgHdr msg, int len) {
        if (length + len > maxLength) {
            IpCmsg.ipLocalError(sk, Errno.EMSGSIZE.code, daddr, sk.dport, fragsize);
            return Errno.EMSGSIZE.neg();
        }
        boolean noblock = (msg.flags & MSG_DONTWAIT) != 0;
        int left = len;
        while (left > 0) {
            SkBuff t = queue.peekTail();
            int room = t == null ? 0 : t.tailroom();
            if (room == 0) {
                t = sk.sockAllocSendSkb(left, noblock, msg);
                if (t == null) {
                    return msg.err;
                }
                queue.queueTail(t);
                room = t.tailroom();
            }
            int n = Math.min(room, left);
            int o = t.put(n);
            int e = msg.copyToSkb(t, o, n);
            if (e != 0) {
                return e;
            }
            left -= n;
        }
        length += len;
        return 0;
    }

    /**
     * Linux: {@code udp_push_pending_frames()} with {@code ip_finish_skb()}: the pending data
     * becomes one datagram, sent through {@code udp_send_skb}. Returns 0 or -errno (ENOBUFS when
     * no buffer is left for it).
     */
    int push(Udp udp, UdpSock sk) {
        if (!pending) {
            return 0;
        }
        int ulen = length;
        SkBuff skb = sk.net.pool().alloc(IpOutput.DGRAM_HEADROOM + ulen);
        if (skb == null) {
            flush(sk, DropReason.NOMEM);
            return Errno.ENOBUFS.neg();
        }
        sk.skbSetOwnerW(skb);
        skb.reserve(IpOutput.DGRAM_HEADROOM);
        int o = skb.put(ulen);
        int off = o + UdpHeader.LEN;
        SkBuff c;
        while ((c = queue.dequeue()) != null) {
            int n = c.len();
            skb.write(off, c, c.data, n);
            off += n;
            Skb.consumeSkb(c);
        }
        skb.priority = priority;
        skb.mark = mark;
        Rtable r = rt;
        reset();
        return udp.udpSendSkb(sk, skb, o, ulen, r, saddr, daddr, dport, tos, ttl, pmtudisc, gsoSize);
    }

    /** Linux: {@code udp_flush_pending_frames()} / {@code ip_flush_pending_frames()}: discards the pending datagram. */
    void flush(UdpSock sk, DropReason reason) {
        SkBuff c;
        while ((c = queue.dequeue()) != null) {
            Skb.kfreeSkb(sk.net, c, reason);
        }
        reset();
    }

    private void reset() {
        length = 0;
        rt = null;
        pending = false;
    }
}
