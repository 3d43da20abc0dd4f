package dev.packetflow.net.ipv4.tcp;

/**
 * CUBIC (RFC 9438) with HyStart, Linux's default congestion control: after a loss the window
 * follows {@code W(t) = C (t - K)^3 + Wmax} (C = 0.4, beta = 0.7, fixed point as Linux computes it),
 * with fast convergence and the Reno-friendly region; HyStart ends slow start early on an ACK train
 * or a rising delay.
 *
 * <p>Linux: {@code net/ipv4/tcp_cubic.c}.
 */
final class TcpCubic extends TcpCong {
    private static final int BICTCP_BETA_SCALE = 1024;
    private static final int BICTCP_HZ = 10;
    private static final int BETA = 717;
    private static final int BIC_SCALE = 41;
    private static final int HZ = 1000;
    private static final int HYSTART_LOW_WINDOW = 16;
    private static final int HYSTART_ACK_DELTA_US = 2000;
    private static final int HYSTART_MIN_SAMPLES = 8;
    private static final int HYSTART_DELAY_MIN = 4000;
    private static final int HYSTART_DELAY_MAX = 16000;
    /** 8 (1024 + beta) / 3 / (1024 - beta): the Reno-friendly window's slope. */
    private static final int BETA_SCALE = 8 * (BICTCP_BETA_SCALE + BETA) / 3 / (BICTCP_BETA_SCALE - BETA);
    private static final long CUBE_RTT_SCALE = BIC_SCALE * 10L;
    private static final long CUBE_FACTOR = (1L << (10 + 3 * BICTCP_HZ)) / (BIC_SCALE * 10L);

    private int cnt;
    private int lastMaxCwnd;
    private int lastCwnd;
    private long lastTime;
    private int bicOriginPoint;
    private long bicK;
    private int delayMin;
    private long epochStart;
    private int ackCnt;
    private int tcpCwnd;
    private int sampleCnt;
    private boolean found;
    private long roundStart;
    private int endSeq;
    private long lastAck;
    private int currRtt;

    @Override
    public String name() {
        return "cubic";
    }

    private void reset() {
        cnt = 0;
        lastMaxCwnd = 0;
        lastCwnd = 0;
        lastTime = 0;
        bicOriginPoint = 0;
        bicK = 0;
        delayMin = 0;
        epochStart = 0;
        ackCnt = 0;
        tcpCwnd = 0;
        sampleCnt = 0;
        found = false;
    }

    private void hystartReset(TcpSock tp) {
        long now = tp.tcp.nowUs();
        roundStart = now;
        lastAck = now;
        endSeq = tp.sndNxt;
        currRtt = Integer.MAX_VALUE;
        sampleCnt = 0;
    }

    @Override
    void init(TcpSock tp) {
        reset();
        hystartReset(tp);
    }

    @Override
    void cwndEvent(TcpSock tp, int event) {
        if (event == CA_EVENT_TX_START) {
            long now = tp.tcp.nowMs();
            long delta = now - tp.lsndtimeMs;
            if (epochStart != 0 && delta > 0) {
                epochStart += delta;
                if (epochStart > now) {
                    epochStart = now;
                }
            }
        }
    }

    /** Linux: {@code bictcp_update()}: how many ACKs per cwnd increment. */
    private void update(TcpSock tp, int cwnd, int acked) {
        long now = tp.tcp.nowMs();
        ackCnt += acked;
        if (lastCwnd == cwnd && now - lastTime <= HZ / 32) {
            return;
        }
        if (!(epochStart != 0 && now == lastTime)) {
            lastCwnd = cwnd;
            lastTime = now;
            if (epochStart == 0) {
                epochStart = now == 0 ? 1 : now;
                ackCnt = acked;
                tcpCwnd = cwnd;
                if (lastMaxCwnd <= cwnd) {
                    bicK = 0;
                    bicOriginPoint = cwnd;
                } else {
                    bicK = (long) StrictMath.cbrt((double) CUBE_FACTOR * (lastMaxCwnd - cwnd));
                    bicOriginPoint = lastMaxCwnd;
                }
            }
            long t = now - epochStart;
            t += (delayMin + 999) / 1000;
            t = (t << BICTCP_HZ) / HZ;
            long offs = t < bicK ? bicK - t : t - bicK;
            long delta = (CUBE_RTT_SCALE * offs * offs * offs) >> (10 + 3 * BICTCP_HZ);
            long bicTarget = t < bicK ? bicOriginPoint - delta : bicOriginPoint + delta;
            if (bicTarget > cwnd) {
                cnt = (int) (cwnd / (bicTarget - cwnd));
            } else {
                cnt = 100 * cwnd;
            }
            if (lastMaxCwnd == 0 && cnt > 20) {
                cnt = 20;
            }
        }
        // TCP friendliness (RFC 9438 4.3)
        int delta = (cwnd * BETA_SCALE) >> 3;
        while (delta > 0 && ackCnt > delta) {
            ackCnt -= delta;
            tcpCwnd++;
        }
        if (tcpCwnd > cwnd) {
            int d = tcpCwnd - cwnd;
            int maxCnt = cwnd / d;
            if (cnt > maxCnt) {
                cnt = maxCnt;
            }
        }
        cnt = Math.max(cnt, 2);
    }

    @Override
    void congAvoid(TcpSock tp, int ack, int acked) {
        if (tp.inSlowStart()) {
            acked = slowStart(tp, acked);
            if (acked == 0) {
                return;
            }
        }
        update(tp, tp.sndCwnd, acked);
        congAvoidAi(tp, cnt, acked);
    }

    @Override
    int ssthresh(TcpSock tp) {
        epochStart = 0;
        if (tp.sndCwnd < lastMaxCwnd) {
            lastMaxCwnd = (tp.sndCwnd * (BICTCP_BETA_SCALE + BETA)) / (2 * BICTCP_BETA_SCALE);
        } else {
            lastMaxCwnd = tp.sndCwnd;
        }
        return Math.max((tp.sndCwnd * BETA) / BICTCP_BETA_SCALE, 2);
    }

    @Override
    void setState(TcpSock tp, int newState) {
        if (newState == TcpSock.TCP_CA_LOSS) {
            reset();
            hystartReset(tp);
        }
    }

    @Override
    void pktsAcked(TcpSock tp, int pkts, long rttUs) {
        if (rttUs < 0) {
            return;
        }
        if (epochStart != 0 && tp.tcp.nowMs() - epochStart < HZ) {
            return;
        }
        int delay = (int) Math.min(Math.max(rttUs, 1), Integer.MAX_VALUE);
        if (delayMin == 0 || delayMin > delay) {
            delayMin = delay;
        }
        if (!found && tp.inSlowStart()) {
            hystartUpdate(tp, delay);
        }
    }

    /** Linux: {@code hystart_update()}. */
    private void hystartUpdate(TcpSock tp, int delay) {
        if (TcpHeader.after(tp.sndUna, endSeq)) {
            hystartReset(tp);
        }
        if (tp.sndCwnd < HYSTART_LOW_WINDOW) {
            return;
        }
        long now = tp.tcp.nowUs();
        if (now - lastAck <= HYSTART_ACK_DELTA_US) {
            lastAck = now;
            long threshold = delayMin >> 1;
            if (now - roundStart > threshold) {
                found = true;
                tp.tcp.extMib().inc(TcpMib.HYSTART_TRAIN_DETECT);
                tp.tcp.extMib().add(TcpMib.HYSTART_TRAIN_CWND, tp.sndCwnd);
                tp.sndSsthresh = tp.sndCwnd;
            }
        }
        if (currRtt > delay) {
            currRtt = delay;
        }
        if (sampleCnt < HYSTART_MIN_SAMPLES) {
            sampleCnt++;
        } else if (currRtt > delayMin + Math.clamp(delayMin >> 3, HYSTART_DELAY_MIN, HYSTART_DELAY_MAX)) {
            found = true;
            tp.tcp.extMib().inc(TcpMib.HYSTART_DELAY_DETECT);
            tp.tcp.extMib().add(TcpMib.HYSTART_DELAY_CWND, tp.sndCwnd);
            tp.sndSsthresh = tp.sndCwnd;
        }
    }
}
