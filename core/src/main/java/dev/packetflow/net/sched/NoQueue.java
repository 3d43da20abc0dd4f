package dev.packetflow.net.sched;

import dev.packetflow.net.core.SkBuff;

/**
 * No queue at all: packets go straight to the driver. Linux gives it to virtual devices that
 * cannot be congested, such as loopback ({@code noqueue_qdisc_ops}).
 */
public final class NoQueue extends Qdisc {
    @Override
    public int enqueue(SkBuff skb) {
        throw new IllegalStateException("noqueue has no queue");
    }

    @Override
    public SkBuff dequeue() {
        return null;
    }

    @Override
    public int qlen() {
        return 0;
    }

    @Override
    public void reset() {}

    @Override
    public String kind() {
        return "noqueue";
    }

    @Override
    public boolean isNoQueue() {
        return true;
    }
}
