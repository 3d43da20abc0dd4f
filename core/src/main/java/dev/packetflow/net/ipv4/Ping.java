package dev.packetflow.net.ipv4;

import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.trace.Trace;
import dev.packetflow.trace.Tracepoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * An ICMP echo endpoint for applications and the demo: what Linux offers as a ping socket
 * ({@code socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)}), until the socket layer exists. It owns one
 * echo identifier in its stack; {@link #send} sends echo requests, and the replies and the ICMP
 * errors about its requests are recorded with their sequence number and arrival time on the
 * stack's clock.
 *
 * <pre>
 *   try (Ping ping = Ping.open(stack, 7)) {
 *       ping.send(InetAddr.parse("198.18.0.2"), 1, 56, -1, false);
 *       sim.runUntil(() -&gt; !ping.replies().isEmpty());
 *   }
 * </pre>
 *
 * A request leaves as a ping socket's does: {@code ping_v4_sendmsg} → {@code ip_push_pending_frames}
 * → {@code ip_send_skb} → {@code ip_local_out} → ...
 *
 * <p>Linux: {@code net/ipv4/ping.c}.
 */
public final class Ping implements AutoCloseable {
    public static final Tracepoint PING_V4_SENDMSG = Trace.point("ping_v4_sendmsg");
    public static final Tracepoint IP_PUSH_PENDING_FRAMES = Trace.point("ip_push_pending_frames");

    /** Largest echo data that fits in one IPv4 datagram (65535 - 20 - 8). */
    public static final int MAX_PAYLOAD = 65507;

    /**
     * An echo reply.
     *
     * @param seq sequence number
     * @param from who answered
     * @param ttl TTL of the reply as received
     * @param dataLen echo data length
     * @param intact whether the data is what the request carried
     * @param sentNs when the request was sent (0 if unknown)
     * @param arrivalNs when the reply arrived
     */
    public record Reply(int seq, int from, int ttl, int dataLen, boolean intact, long sentNs, long arrivalNs) {
        public long rttNs() {
            return sentNs == 0 ? -1 : arrivalNs - sentNs;
        }
    }

    /**
     * An ICMP error about one of our requests.
     *
     * @param seq sequence number of the request it quotes
     * @param from who sent the error
     * @param type ICMP type (3 destination unreachable, 11 time exceeded, ...)
     * @param code ICMP code
     * @param info next-hop MTU for "fragmentation needed", else 0 or the pointer
     * @param arrivalNs when it arrived
     */
    public record Error(int seq, int from, int type, int code, int info, long arrivalNs) {}

    private final NetStack net;
    private final int id;
    private final Flowi4 fl4 = new Flowi4();
    private final List<Reply> replies = new ArrayList<>();
    private final List<Error> errors = new ArrayList<>();
    private final Map<Integer, long[]> sent = new HashMap<>();
    private Consumer<Reply> replyListener;
    private Consumer<Error> errorListener;
    private boolean broadcast;
    private volatile int pmtudisc = IpOutput.IP_PMTUDISC_WANT;
    private boolean closed;

    private Ping(NetStack net, int id) {
        this.net = net;
        this.id = id;
    }

    /**
     * Opens a ping endpoint with echo identifier {@code id} (0..65535) in {@code net}. Throws
     * IllegalArgumentException for a bad id, IllegalStateException if the id is taken.
     */
    public static Ping open(NetStack net, int id) {
        if (id < 0 || id > 0xffff) {
            throw new IllegalArgumentException("echo identifier must be 0..65535: " + id);
        }
        Ping p = new Ping(net, id);
        net.ipv4().icmp().pingRegister(id, p);
        return p;
    }

    public int id() {
        return id;
    }

    /** Linux: SO_BROADCAST; without it, echo requests to broadcast addresses fail with -EACCES. */
    public void setBroadcast(boolean on) {
        this.broadcast = on;
    }

    /**
     * Linux: the IP_MTU_DISCOVER socket option ({@code ping -M want|dont|do}), used by sends with
     * {@code df == false}: {@link IpOutput#IP_PMTUDISC_WANT} (the default: DF when the datagram fits
     * the route MTU) or {@link IpOutput#IP_PMTUDISC_DONT} (never DF: routers may fragment).
     */
    public void setPmtuDiscovery(int mode) {
        if (mode != IpOutput.IP_PMTUDISC_WANT && mode != IpOutput.IP_PMTUDISC_DONT) {
            throw new IllegalArgumentException("pmtu discovery mode must be WANT or DONT (use df=true for DO): " + mode);
        }
        this.pmtudisc = mode;
    }

    public synchronized void onReply(Consumer<Reply> l) {
        this.replyListener = l;
    }

    public synchronized void onError(Consumer<Error> l) {
        this.errorListener = l;
    }

    /** {@link #send(int, int, int, int, boolean)} with the default TTL and DF only when it fits. */
    public int send(int dst, int seq, int payloadLen) {
        return send(dst, seq, payloadLen, -1, false);
    }

    /**
     * Linux: {@code ping_v4_sendmsg()}. Sends an echo request with {@code payloadLen} bytes of data
     * to {@code dst}.
     *
     * @param ttl TTL, or -1 for {@code ip_default_ttl}
     * @param df true: always set DF (IP_PMTUDISC_DO), and refuse a datagram larger than the route
     *           MTU with -EMSGSIZE; false: as {@link #setPmtuDiscovery} says (by default DF when it
     *           fits, else fragment locally)
     * @return 0, or a negative errno: -ENETUNREACH (no route; OutNoRoutes counted), -EHOSTUNREACH,
     *         -EACCES (broadcast without {@link #setBroadcast}, or a prohibit route), -EINVAL
     *         (blackhole), -EMSGSIZE, -ENOBUFS
     */
    public int send(int dst, int seq, int payloadLen, int ttl, boolean df) {
        if (payloadLen < 0 || payloadLen > MAX_PAYLOAD) {
            throw new IllegalArgumentException("payload length must be 0.." + MAX_PAYLOAD + ": " + payloadLen);
        }
        if (ttl < -1 || ttl > 255 || ttl == 0) {
            throw new IllegalArgumentException("ttl must be 1..255 or -1: " + ttl);
        }
        if (closed) {
            throw new IllegalStateException("ping endpoint closed");
        }
        Ipv4 ipv4 = net.ipv4();
        if (!broadcast && (InetAddr.isLbcast(dst) || ipv4.isLocalBroadcast(dst))) {
            return Errno.EACCES.neg();
        }
        Rtable rt;
        int saddr;
        synchronized (fl4) {
            fl4.init(dst, 0, 0, Ipv4Header.IPPROTO_ICMP);
            rt = ipv4.route().ipRouteOutput(fl4);
            if (rt == null) {
                if (fl4.err == Errno.ENETUNREACH.neg()) {
                    ipv4.ipMib().inc(IpMib.OUT_NO_ROUTES);
                }
                return fl4.err;
            }
            saddr = fl4.saddr;
        }
        if ((rt.flags & Rtable.RTCF_BROADCAST) != 0 && !broadcast) {
            return Errno.EACCES.neg();
        }
        int len = IcmpHeader.LEN + payloadLen;
        int mtu = rt.type == FibRoute.RTN_LOCAL ? Ipv4.LOOPBACK_MTU : rt.mtu();
        if (df && len + Ipv4Header.MIN_LEN > mtu) {
            return Errno.EMSGSIZE.neg();
        }
        SkBuff skb = net.pool().alloc(Skb.MAX_HEADER + len);
        if (skb == null) {
            return Errno.ENOBUFS.neg();
        }
        // Linux builds the datagram inside ping_v4_sendmsg (ip_append_data); the stage fires once the
        // skb exists so that a journey following this packet starts here.
        if (PING_V4_SENDMSG.enabled) {
            PING_V4_SENDMSG.fire(net, skb, seq);
        }
        skb.reserve(Skb.MAX_HEADER);
        int o = skb.put(len);
        skb.setU8(o, IcmpHeader.ICMP_ECHO);
        skb.setU8(o + 1, 0);
        skb.setU16(o + IcmpHeader.REST, id);
        skb.setU16(o + IcmpHeader.REST + 2, seq);
        for (int i = 0; i < payloadLen; i++) {
            skb.setU8(o + IcmpHeader.LEN + i, pattern(seq, i));
        }
        IcmpHeader.fillChecksum(skb, o, len);
        ipv4.icmp().icmpOutCount(IcmpHeader.ICMP_ECHO);
        synchronized (this) {
            sent.put(seq & 0xffff, new long[] {net.clock().nanoTime()});
        }
        if (IP_PUSH_PENDING_FRAMES.enabled) {
            IP_PUSH_PENDING_FRAMES.fire(net, skb, 0);
        }
        return ipv4.output().ipSendSkb(skb, rt, saddr, dst, Ipv4Header.IPPROTO_ICMP, ttl, 0,
                df ? IpOutput.IP_PMTUDISC_DO : pmtudisc);
    }

    private static int pattern(int seq, int i) {
        return (seq + i) & 0xff;
    }

    /** Called by {@code ping_rcv} with data after the ICMP header. */
    void deliverReply(SkBuff skb, int seq, long nowNs) {
        int dataLen = skb.len();
        boolean intact = true;
        for (int i = 0; i < dataLen && intact; i++) {
            intact = skb.u8(skb.data + i) == pattern(seq, i);
        }
        Reply r;
        Consumer<Reply> l;
        synchronized (this) {
            long[] t = sent.get(seq);
            r = new Reply(seq, Ipv4Header.sourceAddress(skb, skb.networkHeader),
                    Ipv4Header.timeToLive(skb, skb.networkHeader), dataLen, intact, t != null ? t[0] : 0, nowNs);
            replies.add(r);
            l = replyListener;
        }
        if (l != null) {
            l.accept(r);
        }
    }

    void deliverError(int seq, int from, int type, int code, int info, long nowNs) {
        Error e = new Error(seq, from, type, code, info, nowNs);
        Consumer<Error> l;
        synchronized (this) {
            errors.add(e);
            l = errorListener;
        }
        if (l != null) {
            l.accept(e);
        }
    }

    /** Replies received so far, in arrival order. */
    public synchronized List<Reply> replies() {
        return List.copyOf(replies);
    }

    /** ICMP errors about our requests received so far, in arrival order. */
    public synchronized List<Error> errors() {
        return List.copyOf(errors);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            net.ipv4().icmp().pingUnregister(id, this);
        }
    }

}
