package dev.packetflow.net.sched;

import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.SkBuffHead;

/**
 * The default qdisc: three FIFO bands, band 0 served first. A packet's band comes from its
 * {@code skb.priority} through Linux's priomap; the three bands together hold at most the device's
 * {@code txqueuelen} packets, beyond which packets are tail-dropped.
 *
 * <p>Linux: {@code net/sched/sch_generic.c pfifo_fast_ops}, {@code prio2band}.
 */
public final class PfifoFast extends Qdisc {
    /** Linux's {@code sch_default_prio2band}: TC_PRIO_* (0..15) to band. */
    static final int[] PRIO2BAND = {1, 2, 2, 2, 1, 2, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1};

    private final SkBuffHead[] bands = {new SkBuffHead(), new SkBuffHead(), new SkBuffHead()};
    private final int limit;
    /** Read without the lock by the core (see {@link Qdisc}); written under it. */
    private volatile int qlen;

    public PfifoFast(int limit) {
        this.limit = limit;
    }

    public static int band(int priority) {
        return PRIO2BAND[priority & TC_PRIO_MAX];
    }

    @Override
    public int enqueue(SkBuff skb) {
        if (qlen >= limit) {
            return drop(skb);
        }
        bands[band(skb.priority)].queueTail(skb);
        qlen++;
        backlog += skb.len();
        return NET_XMIT_SUCCESS;
    }

    @Override
    public SkBuff dequeue() {
        if (qlen == 0) {
            return null;
        }
        for (SkBuffHead b : bands) {
            SkBuff s = b.dequeue();
            if (s != null) {
                qlen--;
                backlog -= s.len();
                return s;
            }
        }
        return null;
    }

    @Override
    public int qlen() {
        return qlen;
    }

    public int bandQlen(int band) {
        return bands[band].qlen();
    }

    @Override
    public void reset() {
        for (SkBuffHead b : bands) {
            dev.packetflow.net.core.Skb.purge(b, dev.packetflow.net.core.DropReason.QUEUE_PURGE);
        }
        qlen = 0;
        backlog = 0;
    }

    @Override
    public String kind() {
        return "pfifo_fast";
    }

    /** Linux: {@code pfifo_fast_init()} sets {@code TCQ_F_CAN_BYPASS}. */
    @Override
    public boolean canBypass() {
        return true;
    }
}
