package dev.packetflow.net.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A driver refuses a frame (NETDEV_TX_BUSY, queue stopped) and its queue is woken before the
 * qdisc has put the frame back: the wake's {@code qdisc_run} finds the qdisc running and returns,
 * so the running qdisc must go on by itself. (In real time the wake comes from another thread,
 * as the TAP driver's EPOLLOUT does; here the driver wakes itself to make the race certain.)
 */
class DevRequeueTest {
    /** Refuses the first frame, waking its own queue right after stopping it. */
    static final class RacyDevice extends NetDevice {
        final List<SkBuff> sent = new ArrayList<>();
        boolean refused;

        RacyDevice() {
            super("racy0");
        }

        @Override
        protected void ndoOpen() {}

        @Override
        protected void ndoStop() {}

        @Override
        protected int ndoStartXmit(SkBuff skb) {
            if (!refused) {
                refused = true;
                netifStopQueue();
                netifWakeQueue(); // the "other thread": qdiscRun sees the qdisc running, returns
                return NETDEV_TX_BUSY;
            }
            sent.add(skb);
            return NETDEV_TX_OK;
        }

        @Override
        public String kind() {
            return "racy";
        }
    }

    final NetStack net = NetStack.create(new Simulation(1), "t");

    @AfterEach
    void close() {
        net.close();
    }

    @Test
    void busyThenWokenDuringRefusal_qdiscGoesOn_nothingStuck() {
        RacyDevice dev = net.addDevice(new RacyDevice());
        net.devices().open(dev);
        SkBuff skb = Skb.allocSkb(dev.pool(), 100);
        skb.put(60);
        skb.dev = dev;

        Dev.devQueueXmit(skb);

        // No later send comes to rescue the refused frame: it must have gone out by now.
        assertThat(dev.sent).containsExactly(skb);
        assertThat(dev.qdisc().requeues).isEqualTo(1);
        assertThat(dev.queueStopped()).isFalse();
        dev.sent.forEach(Skb::consumeSkb);
    }
}
