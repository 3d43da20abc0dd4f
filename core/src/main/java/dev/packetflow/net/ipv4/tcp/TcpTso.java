package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.ipv4.Rtable;

import static dev.packetflow.net.ipv4.tcp.TcpHeader.*;
import static dev.packetflow.net.ipv4.tcp.TcpSock.*;
import static dev.packetflow.net.ipv4.tcp.TcpSkbCb.*;

/**
 * TCP segmentation offload on the sending side: whether the route takes GSO packets, how large an
 * skb {@code tcp_sendmsg} builds, and what {@code tcp_write_xmit} ({@link TcpOutput#writeXmit})
 * sends of a multi-segment skb now: the segment limit per super-packet, the split point under
 * cwnd and the receive window, the split itself, and the deferral of a partial super-packet.
 * The scoreboard side (segment counts, splitting sent skbs) is in {@link TcpSkbCb},
 * {@link TcpOutput#fragment}, {@link TcpSack} and {@link TcpInputAck}.
 *
 * <p>Every function here runs with the socket lock held. Linux: {@code net/ipv4/tcp_output.c}
 * and {@code net/ipv4/tcp.c} ({@code tcp_xmit_size_goal()}).
 */
final class TcpTso {
    private final Tcp tcp;
    private final TcpOutput output;

    TcpTso(Tcp tcp, TcpOutput output) {
        this.tcp = tcp;
        this.output = output;
    }

    /**
     * Linux: {@code sk_can_gso()} after {@code sk_setup_caps()}: the route's device takes GSO
     * packets (it segments them itself, {@code NETIF_F_TSO}, or lets {@code validate_xmit_skb}
     * do it, {@code NETIF_F_GSO}), so TCP may build skbs of many segments.
     */
    static boolean canGso(TcpSock tp) {
        Rtable rt = tp.dst;
        return rt != null && rt.dev != null
                && rt.dev.hasFeature(dev.packetflow.net.core.NetDevice.NETIF_F_TSO | dev.packetflow.net.core.NetDevice.NETIF_F_GSO);
    }

    /**
     * Linux: {@code tcp_xmit_size_goal()} (as {@code tcp_send_mss()} calls it): how large an skb
     * {@code tcp_sendmsg} builds: one MSS without GSO, else as many whole segments as fit
     * {@code gso_max_size - 1 - MAX_TCP_HEADER} and half the peer's largest window
     * ({@code tcp_bound_to_half_wnd()}). {@code tcp_write_xmit} cuts it further to what cwnd and
     * the window allow when it is sent.
     */
    int xmitSizeGoal(TcpSock tp, int mss, boolean largeAllowed) {
        if (!largeAllowed || !canGso(tp)) {
            return mss;
        }
        int goal = GSO_MAX_SIZE - 1 - TcpOutput.MAX_TCP_HEADER;
        int cutoff = tp.maxWindow > Tcp.TCP_MSS_DEFAULT ? tp.maxWindow >> 1 : tp.maxWindow;
        if (cutoff != 0 && goal > cutoff) {
            goal = Math.max(cutoff, 68 - tp.tcpHeaderLen);
        }
        return Math.max(goal / mss * mss, mss);
    }

    /**
     * Linux: {@code tcp_init_tso_segs()}: sizes an unsent skb for the current MSS (again if the MSS
     * changed since); returns its segment count.
     */
    static int initTsoSegs(SkBuff skb, int mss) {
        int segs = skb.gsoSegs;
        if (segs == 0 || (segs > 1 && skbMss(skb) != mss)) {
            setTsoSegs(skb, mss);
            segs = skb.gsoSegs;
        }
        return segs;
    }

    /**
     * Linux: {@code tcp_tso_segs()} / {@code tcp_tso_autosize()}: the most segments one
     * super-packet may carry: about a millisecond's worth at the pacing rate Linux would compute
     * ({@code tcp_update_pacing_rate()}: cwnd * mss / srtt, doubled in slow start, 1.2 times in
     * congestion avoidance; {@code sk_pacing_shift} 10), plus {@code gso_max_size >> (min_rtt_us
     * >> tcp_tso_rtt_log)} (all of 64 KB on a path shorter than 512 µs), at least
     * {@code tcp_min_tso_segs} (2), at most what {@code gso_max_size} holds.
     */
    static int tsoSegs(TcpSock tp, int mss) {
        long bytes;
        long srtt = (tp.srttUs & 0xffffffffL) >>> 3;
        if (srtt == 0) {
            bytes = GSO_MAX_SIZE;
        } else {
            long rate = (long) mss * Math.max(tp.sndCwnd, tp.packetsOut) * 1_000_000L / srtt;
            rate = tp.sndCwnd < tp.sndSsthresh / 2 ? rate * 2 : rate * 12 / 10;
            bytes = rate >> 10;
            long r = (tp.minRttUs() & 0xffffffffL) >> 9;
            if (r < 32) {
                bytes += GSO_MAX_SIZE >> r;
            }
        }
        bytes = Math.min(bytes, GSO_MAX_SIZE);
        return (int) Math.max(bytes / mss, TCP_MIN_TSO_SEGS);
    }

    static final int DEFER_CWND = 1;
    private static final int DEFER_OTHER = 2;
    /** Linux: {@code sysctl_tcp_tso_win_divisor}. */
    static final int TCP_TSO_WIN_DIVISOR = 3;

    /**
     * Linux: {@code tcp_tso_should_defer()}: holds back a multi-segment skb that cannot go out
     * whole when an ACK, due within half an RTT, will let more go at once; never in recovery,
     * never when the last transmission was more than a millisecond ago, never when a third of the
     * window (or a full super-packet) can go now. Returns 0 (send now), DEFER_CWND when waiting
     * for cwnd, DEFER_OTHER when waiting for the receive window or more data.
     */
    int tsoShouldDefer(TcpSock tp, SkBuff skb, int mss, int maxSegs) {
        if (tp.caState >= TCP_CA_RECOVERY) {
            return 0;
        }
        long now = tcp.nowNs();
        if (now - tp.lastXmitNs - 1_000_000L > 0) {
            return 0;
        }
        int inFlight = tp.packetsInFlight();
        long sendWin = (tp.wndEnd() - seq(skb)) & 0xffffffffL;
        long congWin = (long) (tp.sndCwnd - inFlight) * tp.mssCache;
        long limit = Math.min(sendWin, congWin);
        if (limit >= (long) maxSegs * tp.mssCache) {
            return 0;
        }
        if (skb != tp.writeQueue.peekTail() && limit >= skb.len()) {
            return 0;
        }
        long chunk = Math.min(tp.sndWnd & 0xffffffffL, (long) tp.sndCwnd * tp.mssCache) / TCP_TSO_WIN_DIVISOR;
        if (limit >= chunk) {
            return 0;
        }
        SkBuff head = tp.rtxHead();
        if (head == null || head == tp.sendHead) {
            return 0;
        }
        long deltaUs = tcp.nowUs() - txTimeUs(head);
        if (deltaUs - ((tp.srttUs & 0xffffffffL) >> 4) < 0) {
            return 0;
        }
        if (congWin < sendWin) {
            if (congWin <= skb.len()) {
                return DEFER_CWND;
            }
        } else if (sendWin <= skb.len()) {
            return DEFER_OTHER;
        }
        if ((flags(skb) & FIN) != 0 || eor(skb)) {
            return 0;
        }
        return DEFER_OTHER;
    }

    /** Linux: {@code GSO_LEGACY_MAX_SIZE}, the device's {@code gso_max_size}. */
    static final int GSO_MAX_SIZE = 65536;
    /** Linux: {@code sysctl_tcp_min_tso_segs}. */
    static final int TCP_MIN_TSO_SEGS = 2;

    /**
     * Linux: {@code tcp_mss_split_point()}: how much of a multi-segment skb to send now: as many
     * whole segments as the congestion quota ({@code maxSegs}) and the receive window allow; a
     * trailing partial segment of the last skb only if Nagle lets it go.
     */
    static int mssSplitPoint(TcpSock tp, SkBuff skb, int mss, int maxSegs, int nonagle) {
        int window = tp.wndEnd() - seq(skb);
        int maxLen = mss * maxSegs;
        if (maxLen <= window && skb != tp.writeQueue.peekTail()) {
            return maxLen;
        }
        int needed = Math.min(skb.len(), window);
        if (maxLen <= needed) {
            return maxLen;
        }
        int partial = needed % mss;
        if (partial != 0 && ((nonagle & TCP_NAGLE_CORK) != 0
                || (nonagle == 0 && tp.packetsOut != 0 && minshallCheck(tp)))) {
            return needed - partial;
        }
        return needed;
    }

    /** Linux: {@code tcp_minshall_check()}: an unacknowledged partial segment is out. */
    private static boolean minshallCheck(TcpSock tp) {
        return after(tp.sndSml, tp.sndUna) && !after(tp.sndSml, tp.sndNxt);
    }

    /**
     * Linux: {@code tso_fragment()}: cuts an unsent skb so its first {@code len} bytes go now.
     * Returns the skb holding those bytes (the send head), or null when memory is short. The
     * shorter part is the one copied: when the front is shorter it moves to a new skb queued before
     * the original, which keeps the rest (Linux moves page fragments instead of copying).
     */
    SkBuff tsoFragment(TcpSock tp, SkBuff skb, int len, int mss) {
        int nlen = skb.len() - len;
        if (nlen <= len) {
            return output.fragment(tp, skb, len, mss) < 0 ? null : skb;
        }
        SkBuff front = tcp.net().pool().alloc(TcpOutput.MAX_TCP_HEADER + len);
        if (front == null) {
            return null;
        }
        front.reserve(TcpOutput.MAX_TCP_HEADER);
        int o = front.put(len);
        front.write(o, skb, skb.data, len);
        initCharge(front, len);
        charge(tp, skb, -len);
        int flags = flags(skb);
        TcpSkbCb.init(front, seq(skb), seq(skb) + len, flags & ~(FIN | PSH));
        front.journey = skb.journey;
        skb.pull(len);
        skb.cb0 = seq(skb) + len;
        setTsoSegs(front, mss);
        setTsoSegs(skb, mss);
        tp.writeQueue.insertAfter(skb.prev, front);
        tp.wmemQueued += front.truesize;
        tp.sendHead = front;
        return front;
    }
}
