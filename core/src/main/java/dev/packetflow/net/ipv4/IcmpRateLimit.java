package dev.packetflow.net.ipv4;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Linux's limits on how many ICMP messages a host sends, in jiffies (HZ = 1000):
 * <ul>
 * <li>a global token bucket, {@code icmp_msgs_per_sec} credits a second up to
 *     {@code icmp_msgs_burst}, refilled at most every 20 ms, from which each message takes 0, 1 or 2
 *     credits at random (1 on average: the randomness hides the state from probing);
 * <li>a token bucket per destination host ({@code inet_peer}): {@code icmp_ratelimit} ms per
 *     message, up to {@code XRLIM_BURST_FACTOR} (6) messages in a burst;
 * <li>both apply only to types in {@code icmp_ratemask} (by default destination unreachable,
 *     source quench, time exceeded, parameter problem), never to "fragmentation needed" (path MTU
 *     discovery must not be slowed down) or to echo replies.
 * </ul>
 * {@code ip_error} keeps its own per-source allowance (one a second, burst of five) in the same
 * per-host record, as Linux does.
 *
 * <p>Linux: {@code net/ipv4/icmp.c} ({@code icmp_global_allow}, {@code icmp_global_consume},
 * {@code icmpv4_mask_allow}, {@code icmpv4_xrlim_allow}), {@code inetpeer.c inet_peer_xrlim_allow},
 * {@code route.c ip_error}.
 */
final class IcmpRateLimit {
    static final int XRLIM_BURST_FACTOR = 6;
    /** Linux: {@code ip_rt_error_cost} and {@code ip_rt_error_burst}, in jiffies. */
    static final int IP_RT_ERROR_COST = 1000;
    static final int IP_RT_ERROR_BURST = 5 * 1000;
    /** Peers kept; the least recently used goes first (Linux garbage-collects idle inet_peers). */
    private static final int MAX_PEERS = 4096;

    /** Linux: {@code struct inet_peer}'s rate-limit fields. */
    private static final class Peer {
        long rateTokens;
        long rateLast;
        int nRedirects;
    }

    /** Linux: {@code ip_rt_redirect_number}, {@code ip_rt_redirect_load}, {@code ip_rt_redirect_silence} (jiffies). */
    static final int IP_RT_REDIRECT_NUMBER = 9;
    static final int IP_RT_REDIRECT_LOAD = 1000 / 50;
    static final int IP_RT_REDIRECT_SILENCE = IP_RT_REDIRECT_LOAD << (IP_RT_REDIRECT_NUMBER + 1);

    private final Ipv4 ipv4;
    private final Map<Integer, Peer> peers = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Peer> e) {
            return size() > MAX_PEERS;
        }
    };
    private long globalCredit;
    private long globalStamp = Long.MIN_VALUE / 2;

    IcmpRateLimit(Ipv4 ipv4) {
        this.ipv4 = ipv4;
    }

    /** Linux: {@code icmpv4_mask_allow()}: true when {@code type} is never rate limited. */
    boolean maskAllow(int type, int code) {
        if (type > IcmpHeader.NR_ICMP_TYPES) {
            return true;
        }
        if (type == IcmpHeader.ICMP_DEST_UNREACH && code == IcmpHeader.ICMP_FRAG_NEEDED) {
            return true;
        }
        return ((1 << type) & ipv4.icmpRatemask) == 0;
    }

    /** Linux: {@code icmp_global_allow()}: refills the global bucket; false when it is empty. */
    synchronized boolean globalAllow() {
        if (globalCredit > 0) {
            return true;
        }
        long now = ipv4.jiffies();
        long delta = Math.min(now - globalStamp, 1000);
        if (delta < 1000 / 50) {
            return false;
        }
        long incr = (long) ipv4.icmpMsgsPerSec * delta / 1000;
        if (incr == 0) {
            return false;
        }
        globalStamp = now;
        globalCredit = Math.min(globalCredit + incr, ipv4.icmpMsgsBurst);
        return true;
    }

    /** Linux: {@code icmp_global_consume()}: takes 0, 1 or 2 credits (the bucket may go negative). */
    synchronized void globalConsume() {
        globalCredit -= ipv4.net().random().nextInt(3);
    }

    /** Linux: {@code inet_peer_xrlim_allow()} for the peer {@code daddr}, cost {@code icmp_ratelimit}. */
    synchronized boolean xrlimAllow(int daddr) {
        long timeout = ipv4.icmpRatelimit;
        return tokenBucket(daddr, timeout, XRLIM_BURST_FACTOR * timeout);
    }

    /** The allowance of {@code ip_error}: one message per second to {@code saddr}, burst five. */
    synchronized boolean ipErrorAllow(int saddr) {
        return tokenBucket(saddr, IP_RT_ERROR_COST, IP_RT_ERROR_BURST);
    }

    /**
     * Linux: {@code ip_rt_send_redirect()}'s back-off: redirects to one host go out with doubling
     * gaps (20 ms, 40 ms, ...), at most nine; after 20 s without redirected traffic from it the
     * count starts over. Returns whether to send one now.
     */
    synchronized boolean redirectAllow(int saddr) {
        long now = ipv4.jiffies();
        Peer p = peer(saddr, now);
        if (now - (p.rateLast + IP_RT_REDIRECT_SILENCE) > 0) {
            p.rateTokens = 0;
            p.nRedirects = 0;
        }
        if (p.nRedirects >= IP_RT_REDIRECT_NUMBER) {
            p.rateLast = now;
            return false;
        }
        if (p.nRedirects == 0 || now - (p.rateLast + ((long) IP_RT_REDIRECT_LOAD << p.nRedirects)) > 0) {
            p.rateLast = now;
            p.nRedirects++;
            return true;
        }
        return false;
    }

    private Peer peer(int addr, long now) {
        Peer p = peers.get(addr);
        if (p == null) {
            p = new Peer();
            // Linux: "60*HZ is arbitrary, but chosen enough high so that the first calculation
            // of tokens is at its maximum."
            p.rateLast = now - 60_000;
            peers.put(addr, p);
        }
        return p;
    }

    private boolean tokenBucket(int addr, long cost, long burst) {
        long now = ipv4.jiffies();
        Peer p = peer(addr, now);
        long token = p.rateTokens + (now - p.rateLast);
        p.rateLast = now;
        if (token > burst) {
            token = burst;
        }
        boolean ok = false;
        if (token >= cost) {
            token -= cost;
            ok = true;
        }
        p.rateTokens = token;
        return ok;
    }
}
