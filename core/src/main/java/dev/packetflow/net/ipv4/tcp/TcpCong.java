package dev.packetflow.net.ipv4.tcp;

/**
 * A pluggable congestion control algorithm (Linux's {@code struct tcp_congestion_ops}), one
 * instance per connection holding the algorithm's private state (Linux's {@code icsk_ca_priv}).
 * {@code reno} (RFC 5681) and {@code cubic} (RFC 9438, the default) are built in.
 *
 * <p>Linux: {@code net/ipv4/tcp_cong.c}.
 */
public abstract class TcpCong {
    static final int CA_EVENT_TX_START = 0;
    static final int CA_EVENT_CWND_RESTART = 1;
    static final int CA_EVENT_COMPLETE_CWR = 2;
    static final int CA_EVENT_LOSS = 3;

    /** The algorithm's name as {@code TCP_CONGESTION} and the sysctl spell it. */
    public abstract String name();

    /** Linux: {@code ->init()}, when the connection is established. */
    void init(TcpSock tp) {}

    /** Linux: {@code ->ssthresh()}: the slow start threshold after a loss. */
    abstract int ssthresh(TcpSock tp);

    /** Linux: {@code ->cong_avoid()}: grow cwnd for {@code acked} newly delivered segments. */
    abstract void congAvoid(TcpSock tp, int ack, int acked);

    /** Linux: {@code ->set_state()}. */
    void setState(TcpSock tp, int newState) {}

    /** Linux: {@code ->cwnd_event()}. */
    void cwndEvent(TcpSock tp, int event) {}

    /** Linux: {@code ->undo_cwnd()} (Reno's by default). */
    int undoCwnd(TcpSock tp) {
        return Math.max(tp.sndCwnd, tp.priorCwnd);
    }

    /** Linux: {@code ->pkts_acked()}: {@code rttUs} is the RTT of the newest segment acked, or -1. */
    void pktsAcked(TcpSock tp, int pkts, long rttUs) {}

    /** A new instance of the algorithm called {@code name}, or null. */
    static TcpCong byName(String name) {
        return switch (name) {
            case "cubic" -> new TcpCubic();
            case "reno" -> new TcpReno();
            default -> null;
        };
    }

    static TcpCong create(String name) {
        TcpCong c = byName(name);
        return c != null ? c : new TcpCubic();
    }

    /** Linux: {@code tcp_slow_start()}: cwnd grows by what was acked, up to ssthresh; returns the rest. */
    static int slowStart(TcpSock tp, int acked) {
        int cwnd = (int) Math.min((long) tp.sndCwnd + acked, tp.sndSsthresh);
        acked -= cwnd - tp.sndCwnd;
        tp.sndCwnd = Math.min(cwnd, tp.sndCwndClamp);
        return acked;
    }

    /** Linux: {@code tcp_cong_avoid_ai()}: one more segment per {@code w} acknowledged. */
    static void congAvoidAi(TcpSock tp, int w, int acked) {
        if (tp.sndCwndCnt >= w) {
            tp.sndCwndCnt = 0;
            tp.sndCwnd++;
        }
        tp.sndCwndCnt += acked;
        if (tp.sndCwndCnt >= w) {
            int delta = tp.sndCwndCnt / w;
            tp.sndCwndCnt -= delta * w;
            tp.sndCwnd += delta;
        }
        tp.sndCwnd = Math.min(tp.sndCwnd, tp.sndCwndClamp);
    }

    /** RFC 5681 congestion avoidance: ssthresh halves, cwnd grows one segment per RTT. Linux: {@code tcp_reno_*}. */
    static final class TcpReno extends TcpCong {
        @Override
        public String name() {
            return "reno";
        }

        @Override
        int ssthresh(TcpSock tp) {
            return Math.max(tp.sndCwnd >> 1, 2);
        }

        @Override
        void congAvoid(TcpSock tp, int ack, int acked) {
            if (tp.inSlowStart()) {
                acked = slowStart(tp, acked);
                if (acked == 0) {
                    return;
                }
            }
            congAvoidAi(tp, tp.sndCwnd, acked);
        }
    }
}
