package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.kernel.time.TimerList;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.socket.Errno;

import static dev.packetflow.net.ipv4.tcp.TcpSock.*;

/**
 * TCP's timers, with Linux's values: the retransmission timer (RFC 6298: initial RTO 1 s,
 * minimum 200 ms, maximum 120 s, doubling on each timeout), which also serves the zero-window probe
 * (persist timer), the tail loss probe and RACK's reordering timeout; the delayed ACK timer
 * (40 ms to 200 ms); the keepalive timer (which also ends FIN_WAIT2 for orphans); the SACK
 * compression timer. Each sock owns its {@link TimerList}s, re-armed in place, so arming allocates
 * nothing.
 *
 * <p>Timers fire in softnet. A timer that finds an application thread owning the sock defers its
 * work to {@link TcpProto#releaseCb} (Linux's {@code TCP_*_DEFERRED} flags), except keepalive,
 * which retries 50 ms later, as Linux does.
 *
 * <p>Linux: {@code net/ipv4/tcp_timer.c}, {@code include/net/inet_connection_sock.h}.
 */
final class TcpTimer {
    static final int TCP_RTO_MIN_MS = 200;
    static final int TCP_RTO_MAX_MS = 120_000;
    static final int TCP_TIMEOUT_INIT_MS = 1000;
    static final int TCP_DELACK_MIN_MS = 40;
    static final int TCP_DELACK_MAX_MS = 200;
    static final int TCP_ATO_MIN_MS = 40;
    /** Linux: {@code TCP_TIMEOUT_MIN}, two jiffies: 2 ms at HZ=1000, 8 ms at HZ=250. */
    static int timeoutMinMs(TcpSock tp) {
        return 2000 / tp.sysctl.hz;
    }
    static final int TCP_TIMEWAIT_LEN_MS = 60_000;
    static final int TCP_RESOURCE_PROBE_INTERVAL_MS = 500;
    static final int TCP_ORPHAN_RETRIES = 8;

    private final Tcp tcp;

    TcpTimer(Tcp tcp) {
        this.tcp = tcp;
    }

    // ================================================================ arming

    /**
     * Linux: {@code inet_csk_reset_xmit_timer()} for the retransmission timer's uses
     * (RETRANS, PROBE0, LOSS_PROBE, REO_TIMEOUT): {@code whenMs} from now, at most 120 s.
     */
    void resetXmitTimer(TcpSock tp, int what, long whenMs) {
        if (whenMs > TCP_RTO_MAX_MS) {
            whenMs = TCP_RTO_MAX_MS;
        }
        tp.pending = what;
        tp.timeoutNs = tcp.nowNs() + whenMs * 1_000_000L;
        tcp.net().timers().modTimer(tp.retransmitTimer, tp.timeoutNs);
    }

    /** Linux: {@code inet_csk_clear_xmit_timer()} for the retransmission timer. */
    void clearXmitTimer(TcpSock tp) {
        tp.pending = 0;
        tcp.net().timers().delTimer(tp.retransmitTimer);
    }

    /** Arms the delayed ACK timer {@code ms} from now (Linux: {@code inet_csk_reset_xmit_timer(ICSK_TIME_DACK)}). */
    void resetDelack(TcpSock tp, int ms) {
        tp.ackPending |= ICSK_ACK_TIMER;
        tp.ackTimeoutNs = tcp.nowNs() + ms * 1_000_000L;
        tcp.net().timers().modTimer(tp.delackTimer, tp.ackTimeoutNs);
    }

    /** Linux: {@code inet_csk_reset_keepalive_timer()}. */
    void resetKeepalive(TcpSock tp, long ms) {
        tcp.net().timers().modTimer(tp.keepaliveTimer, tcp.nowNs() + ms * 1_000_000L);
    }

    void deleteKeepalive(TcpSock tp) {
        tcp.net().timers().delTimer(tp.keepaliveTimer);
    }

    /** Linux: {@code inet_csk_clear_xmit_timers()}: every timer of a dying sock. */
    void clearAll(TcpSock tp) {
        tp.pending = 0;
        tp.ackPending = 0;
        var w = tcp.net().timers();
        w.delTimer(tp.retransmitTimer);
        w.delTimer(tp.delackTimer);
        w.delTimer(tp.keepaliveTimer);
        w.delTimer(tp.compressedAckTimer);
    }

    /**
     * Linux: {@code tcp_rearm_rto()}: restarts the retransmission timer a full RTO from now (RFC
     * 6298 5.3), or, if a loss probe or reordering timer is armed, at the RTO of the oldest
     * outstanding segment.
     */
    void rearmRto(TcpSock tp) {
        if (tp.packetsOut == 0) {
            clearXmitTimer(tp);
            return;
        }
        long rto = tp.rto;
        if (tp.pending == ICSK_TIME_REO_TIMEOUT || tp.pending == ICSK_TIME_LOSS_PROBE) {
            long deltaUs = rtoDeltaUs(tp);
            rto = TcpOutput.usToMs(tp, Math.max(deltaUs, 1));
        }
        resetXmitTimer(tp, ICSK_TIME_RETRANS, rto);
    }

    /** Linux: {@code tcp_rto_delta_us()}: how far in the future the head's RTO is. */
    long rtoDeltaUs(TcpSock tp) {
        SkBuff head = tp.rtxHead();
        if (head == null) {
            return tp.rto * 1000L;
        }
        return TcpSkbCb.txTimeUs(head) + tp.rto * 1000L - tcp.nowUs();
    }

    /** Linux: {@code tcp_check_probe_timer()}: nothing in flight, data waiting: start probing the window. */
    void checkProbeTimer(TcpSock tp) {
        if (tp.packetsOut == 0 && tp.pending == 0) {
            resetXmitTimer(tp, ICSK_TIME_PROBE0, probe0Base(tp));
        }
    }

    /** Linux: {@code tcp_probe0_base()}. */
    static int probe0Base(TcpSock tp) {
        return Math.max(tp.rto, TCP_RTO_MIN_MS);
    }

    /** Linux: {@code tcp_probe0_when()}: the backed-off probe interval. */
    static long probe0When(TcpSock tp, long maxWhen) {
        long when = (long) probe0Base(tp) << Math.min(tp.backoff, 30);
        return Math.min(when, maxWhen);
    }

    // ================================================================ timer entry points (softnet)

    static void writeTimer(TimerList t) {
        TcpSock sk = (TcpSock) t.owner;
        sk.bhLockSock();
        try {
            if (!sk.ownedByUser()) {
                sk.tcp.timer.writeTimerHandler(sk);
            } else {
                sk.tsqFlags |= TCP_WRITE_TIMER_DEFERRED;
            }
        } finally {
            sk.bhUnlockSock();
        }
    }

    static void delackTimer(TimerList t) {
        TcpSock sk = (TcpSock) t.owner;
        sk.bhLockSock();
        try {
            if (!sk.ownedByUser()) {
                sk.tcp.timer.delackTimerHandler(sk);
            } else {
                sk.tcp.extMib().inc(TcpMib.DELAYED_ACK_LOCKED);
                sk.tsqFlags |= TCP_DELACK_TIMER_DEFERRED;
            }
        } finally {
            sk.bhUnlockSock();
        }
    }

    static void keepaliveTimer(TimerList t) {
        TcpSock sk = (TcpSock) t.owner;
        sk.bhLockSock();
        try {
            if (sk.ownedByUser()) {
                sk.tcp.timer.resetKeepalive(sk, 50);
                return;
            }
            sk.tcp.timer.keepaliveHandler(sk);
        } finally {
            sk.bhUnlockSock();
        }
    }

    static void compressedAckTimer(TimerList t) {
        TcpSock sk = (TcpSock) t.owner;
        sk.bhLockSock();
        try {
            if (sk.compressedAck == 0) {
                return;
            }
            if (!sk.ownedByUser()) {
                sk.compressedAck--;
                sk.tcp.output.sendAck(sk);
            } else {
                sk.tsqFlags |= TCP_ACK_DEFERRED;
            }
        } finally {
            sk.bhUnlockSock();
        }
    }

    // ================================================================ handlers (socket lock held)

    /** Linux: {@code tcp_write_timer_handler()}. */
    void writeTimerHandler(TcpSock tp) {
        int st = tp.state;
        if (st == TCP_CLOSE || st == TCP_LISTEN || tp.pending == 0) {
            return;
        }
        if (tp.timeoutNs - tcp.nowNs() > 0) {
            tcp.net().timers().modTimer(tp.retransmitTimer, tp.timeoutNs);
            return;
        }
        switch (tp.pending) {
            case ICSK_TIME_REO_TIMEOUT -> tcp.rack.rackReoTimeout(tp);
            case ICSK_TIME_LOSS_PROBE -> tcp.retrans.sendLossProbe(tp);
            case ICSK_TIME_RETRANS -> {
                tp.pending = 0;
                retransmitTimer(tp);
            }
            case ICSK_TIME_PROBE0 -> {
                tp.pending = 0;
                probeTimer(tp);
            }
            default -> {
            }
        }
    }

    /** Linux: {@code tcp_delack_timer_handler()}: the owed ACK goes out; ATO grows (or interactive mode ends). */
    void delackTimerHandler(TcpSock tp) {
        int st = tp.state;
        if (st == TCP_CLOSE || st == TCP_LISTEN) {
            return;
        }
        if (tp.compressedAck != 0) {
            tcp.ackPolicy.sackCompressSendAck(tp);
            return;
        }
        if ((tp.ackPending & ICSK_ACK_TIMER) == 0) {
            return;
        }
        if (tp.ackTimeoutNs - tcp.nowNs() > 0) {
            tcp.net().timers().modTimer(tp.delackTimer, tp.ackTimeoutNs);
            return;
        }
        tp.ackPending &= ~ICSK_ACK_TIMER;
        if ((tp.ackPending & ICSK_ACK_SCHED) != 0) {
            if (tp.ackPingpong == 0) {
                tp.ackAto = Math.min(tp.ackAto << 1, tp.rto);
            } else {
                tp.ackPingpong = 0;
                tp.ackAto = TCP_ATO_MIN_MS;
            }
            tcp.output.sendAck(tp);
            tcp.extMib().inc(TcpMib.DELAYED_ACKS);
        }
    }

    /**
     * Linux: {@code tcp_retransmit_timer()}: RTO expiry (RFC 6298 5.4-5.6): Loss state, the head
     * segment again, RTO doubled up to 120 s; a zero window turns retransmissions into probes.
     */
    void retransmitTimer(TcpSock tp) {
        if (tp.packetsOut == 0) {
            return;
        }
        SkBuff skb = tp.rtxHead();
        if (skb == null) {
            return;
        }
        int st = tp.state;
        if (tp.sndWnd == 0 && !tp.isDead() && st != TCP_SYN_SENT && st != TCP_SYN_RECV) {
            long rtxDelta = tcp.nowMs() - (tp.retransStamp != 0 ? tp.retransStamp : TcpSkbCb.txTimeUs(skb) / 1000);
            if (rtxProbe0TimedOut(tp, rtxDelta)) {
                writeErr(tp);
                return;
            }
            tcp.recovery.enterLoss(tp);
            tcp.retrans.retransmitSkb(tp, skb, 1);
            tp.dst = null;
            backoffAndRearm(tp);
            return;
        }
        tcp.extMib().inc(TcpMib.TIMEOUTS);
        if (writeTimeout(tp)) {
            return;
        }
        if (tp.retransmits == 0) {
            int mibIdx = -1;
            if (tp.caState == TCP_CA_RECOVERY) {
                mibIdx = -1;
            } else if (tp.caState == TCP_CA_LOSS) {
                mibIdx = TcpMib.LOSS_FAILURES;
            } else if (tp.caState == TCP_CA_DISORDER || tp.sackedOut != 0) {
                mibIdx = tp.isSack() ? TcpMib.SACK_FAILURES : TcpMib.RENO_FAILURES;
            }
            if (mibIdx >= 0) {
                tcp.extMib().inc(mibIdx);
            }
        }
        tcp.recovery.enterLoss(tp);
        tp.retransmits++;
        if (tcp.retrans.retransmitSkb(tp, tp.rtxHead(), 1) > 0) {
            resetXmitTimer(tp, ICSK_TIME_RETRANS, TCP_RESOURCE_PROBE_INTERVAL_MS);
            return;
        }
        backoffAndRearm(tp);
        if (retransmitsTimedOut(tp, tp.sysctl.retries1 + 1, 0)) {
            tp.dst = null;
        }
    }

    private void backoffAndRearm(TcpSock tp) {
        tp.backoff++;
        tp.rto = Math.min(tp.rto << 1, TCP_RTO_MAX_MS);
        resetXmitTimer(tp, ICSK_TIME_RETRANS, clampRtoToUserTimeout(tp));
    }

    /** Linux: {@code tcp_rtx_probe0_timed_out()}. */
    private boolean rtxProbe0TimedOut(TcpSock tp, long rtxDeltaMs) {
        int timeout = TCP_RTO_MAX_MS * 2;
        long rcvDelta = tcp.nowMs() - tp.rcvTstampMs;
        if (rcvDelta <= timeout) {
            return false;
        }
        if (tp.userTimeoutMs != 0) {
            timeout = tp.userTimeoutMs;
        }
        return rtxDeltaMs > timeout;
    }

    /** Linux: {@code tcp_clamp_rto_to_user_timeout()}. */
    private long clampRtoToUserTimeout(TcpSock tp) {
        if (tp.userTimeoutMs == 0) {
            return tp.rto;
        }
        long elapsed = tcp.nowMs() - tp.retransStamp;
        long remaining = tp.userTimeoutMs - elapsed;
        if (remaining <= 0) {
            return 1;
        }
        return Math.min(tp.rto, remaining);
    }

    /**
     * Linux: {@code tcp_write_timeout()}: gives up after {@code tcp_syn_retries} SYNs,
     * {@code tcp_retries2} worth of backed-off RTOs (about 15 minutes), or {@code TCP_USER_TIMEOUT}.
     * Returns true when the connection was ended.
     */
    private boolean writeTimeout(TcpSock tp) {
        int st = tp.state;
        boolean expired;
        int retryUntil;
        if (st == TCP_SYN_SENT || st == TCP_SYN_RECV) {
            if (tp.retransmits != 0) {
                tp.dst = null;
            }
            retryUntil = tp.synRetries != 0 ? tp.synRetries : tp.sysctl.synRetries;
            expired = tp.retransmits >= retryUntil;
        } else {
            if (retransmitsTimedOut(tp, tp.sysctl.retries1, 0)) {
                tp.dst = null;
            }
            retryUntil = tp.sysctl.retries2;
            if (tp.isDead()) {
                boolean alive = tp.rto < TCP_RTO_MAX_MS;
                retryUntil = orphanRetries(tp, alive);
            }
            expired = false;
        }
        if (!expired) {
            expired = retransmitsTimedOut(tp, retryUntil, tp.userTimeoutMs);
        }
        if (expired) {
            writeErr(tp);
            return true;
        }
        return false;
    }

    /** Linux: {@code tcp_orphan_retries()}. */
    private static int orphanRetries(TcpSock tp, boolean alive) {
        int retries = tp.sysctl.orphanRetries;
        if (tp.errSoft != 0 && !alive) {
            retries = 0;
        }
        if (retries == 0 && alive) {
            retries = TCP_ORPHAN_RETRIES;
        }
        return retries;
    }

    /**
     * Linux: {@code retransmits_timed_out()} with {@code tcp_model_timeout()}: whether the time since
     * the first retransmission exceeds what {@code boundary} backed-off RTOs from 200 ms take (or
     * {@code timeoutMs} when given).
     */
    private boolean retransmitsTimedOut(TcpSock tp, int boundary, int timeoutMs) {
        if (tp.retransmits == 0) {
            return false;
        }
        long timeout = timeoutMs;
        if (timeout == 0) {
            int rtoBase = TCP_RTO_MIN_MS;
            if (tp.state == TCP_SYN_SENT || tp.state == TCP_SYN_RECV) {
                rtoBase = TCP_TIMEOUT_INIT_MS;
            }
            int linear = 31 - Integer.numberOfLeadingZeros(TCP_RTO_MAX_MS / rtoBase);
            if (boundary <= linear) {
                timeout = ((2L << boundary) - 1) * rtoBase;
            } else {
                timeout = ((2L << linear) - 1) * rtoBase + (long) (boundary - linear) * TCP_RTO_MAX_MS;
            }
        }
        return tcp.nowMs() - tp.retransStamp - timeout >= 0;
    }

    /**
     * Linux: {@code tcp_write_err()}: the connection failed: the soft error (EHOSTUNREACH from
     * ICMP...) or ETIMEDOUT is reported and the sock closes.
     */
    void writeErr(TcpSock tp) {
        int err = tp.errSoft != 0 ? tp.errSoft : Errno.ETIMEDOUT.code;
        tcp.proto().setErr(tp, err);
        tcp.proto().writeQueuePurge(tp);
        tcp.proto().done(tp);
        tcp.extMib().inc(TcpMib.ABORT_ON_TIMEOUT);
    }

    /** Linux: {@code tcp_probe_timer()}: the persist timer (RFC 9293 3.8.6.1) keeps probing a zero window. */
    void probeTimer(TcpSock tp) {
        SkBuff skb = tp.sendHead;
        if (tp.packetsOut != 0 || skb == null) {
            tp.probesOut = 0;
            tp.probesTstampNs = 0;
            return;
        }
        if (tp.probesTstampNs == 0) {
            tp.probesTstampNs = tcp.nowNs();
        } else if (tp.userTimeoutMs != 0 && tcp.nowNs() - tp.probesTstampNs >= tp.userTimeoutMs * 1_000_000L) {
            writeErr(tp);
            return;
        }
        int maxProbes = tp.sysctl.retries2;
        if (tp.isDead()) {
            long backedOff = Math.min((long) tp.rto << Math.min(tp.backoff, 30), TCP_RTO_MAX_MS);
            boolean alive = backedOff < TCP_RTO_MAX_MS;
            maxProbes = orphanRetries(tp, alive);
            if (!alive && tp.backoff >= maxProbes) {
                writeErr(tp);
                return;
            }
        }
        if (tp.probesOut >= maxProbes) {
            writeErr(tp);
        } else {
            sendProbe0(tp);
        }
    }

    /** Linux: {@code tcp_send_probe0()}. */
    void sendProbe0(TcpSock tp) {
        int err = tcp.retrans.writeWakeup(tp, TcpMib.WIN_PROBE);
        if (tp.packetsOut != 0 || tp.sendHead == null) {
            tp.probesOut = 0;
            tp.backoff = 0;
            tp.probesTstampNs = 0;
            return;
        }
        tp.probesOut++;
        long timeout;
        if (err <= 0) {
            if (tp.backoff < tp.sysctl.retries2) {
                tp.backoff++;
            }
            timeout = probe0When(tp, TCP_RTO_MAX_MS);
        } else {
            timeout = TCP_RESOURCE_PROBE_INTERVAL_MS;
        }
        if (tp.userTimeoutMs != 0 && tp.probesTstampNs != 0) {
            long elapsed = (tcp.nowNs() - tp.probesTstampNs) / 1_000_000L;
            long remaining = tp.userTimeoutMs - elapsed;
            timeout = Math.max(1, Math.min(timeout, remaining));
        }
        resetXmitTimer(tp, ICSK_TIME_PROBE0, timeout);
    }

    /**
     * Linux: {@code tcp_keepalive_timer()}: RFC 1122 4.2.3.6 keepalives after {@code TCP_KEEPIDLE}
     * of silence, every {@code TCP_KEEPINTVL}, giving up after {@code TCP_KEEPCNT} unanswered
     * probes (or {@code TCP_USER_TIMEOUT}); also ends an orphan's FIN_WAIT2.
     */
    void keepaliveHandler(TcpSock tp) {
        int st = tp.state;
        if (st == TCP_LISTEN) {
            tcp.minisocks.listenerTimer(tp);
            return;
        }
        if (st == TCP_FIN_WAIT2 && tp.isDead()) {
            if (tp.linger2 >= 0) {
                int tmo = tp.finTimeMs() - TCP_TIMEWAIT_LEN_MS;
                if (tmo > 0) {
                    tcp.minisocks.timeWait(tp, TCP_FIN_WAIT2, tmo);
                    return;
                }
            }
            tcp.output.sendActiveReset(tp);
            tcp.proto().done(tp);
            return;
        }
        if (!tp.keepopen || st == TCP_CLOSE || st == TCP_SYN_SENT) {
            return;
        }
        long elapsed = tp.keepaliveTimeWhenMs();
        if (tp.packetsOut != 0 || tp.sendHead != null) {
            resetKeepalive(tp, elapsed);
            return;
        }
        long now = tcp.nowMs();
        elapsed = Math.min(now - tp.ackLrcvtimeMs, now - tp.rcvTstampMs);
        if (elapsed >= tp.keepaliveTimeWhenMs()) {
            if ((tp.userTimeoutMs != 0 && elapsed >= tp.userTimeoutMs && tp.probesOut > 0)
                    || (tp.userTimeoutMs == 0 && tp.probesOut >= tp.keepaliveProbes())) {
                tcp.output.sendActiveReset(tp);
                writeErr(tp);
                return;
            }
            if (tcp.retrans.writeWakeup(tp, TcpMib.KEEP_ALIVE) <= 0) {
                tp.probesOut++;
                elapsed = tp.keepaliveIntvlWhenMs();
            } else {
                elapsed = TCP_RESOURCE_PROBE_INTERVAL_MS;
            }
        } else {
            elapsed = tp.keepaliveTimeWhenMs() - elapsed;
        }
        resetKeepalive(tp, elapsed);
    }
}
