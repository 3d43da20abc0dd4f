package dev.packetflow.net.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.drivers.net.channel.ChannelDevice;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.net.sched.Qdisc;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** pfifo_fast's bypass (TCQ_F_CAN_BYPASS) and the lock-free run state of the qdisc. */
class QdiscBypassTest {
    final Simulation sim = new Simulation(3);
    final NetStack net = NetStack.create(sim, "q");

    @AfterEach
    void close() {
        net.close();
    }

    private SkBuff frame(NetDevice dev, int tag) {
        SkBuff skb = net.pool().alloc(128);
        skb.put(60);
        skb.setU8(skb.data, tag);
        skb.dev = dev;
        return skb;
    }

    @Test
    void idleEmptyQdisc_packetsBypassTheQueue_andAreCounted() {
        ChannelDevice dev = net.addDevice(new ChannelDevice("eth0", Eth.localMac(1)));
        net.devices().open(dev);
        for (int i = 0; i < 3; i++) {
            assertThat(Dev.devQueueXmit(frame(dev, i))).isEqualTo(Qdisc.NET_XMIT_SUCCESS);
        }
        Qdisc q = dev.qdisc();
        assertThat(q.bypasses).isEqualTo(3);
        assertThat(q.packets).isEqualTo(3);
        assertThat(q.bytes).isEqualTo(180);
        assertThat(q.qlen()).isZero();
        assertThat(q.running()).isFalse();
        assertThat(dev.txQueue().qlen()).isEqualTo(3);
        Skb.purge(dev.txQueue(), DropReason.QUEUE_PURGE);
    }

    @Test
    void stoppedQueue_packetsWaitInTheQdisc_thenLeaveInOrder_notBypassingThem() {
        DevPathTest.BusyDevice busy = net.addDevice(new DevPathTest.BusyDevice());
        net.devices().open(busy);
        for (int i = 0; i < 4; i++) {
            Dev.devQueueXmit(frame(busy, i));
        }
        // Two fit; the third was refused and waits at the head; the fourth queued behind it.
        assertThat(busy.sent).containsExactly(0, 1);
        assertThat(busy.qdisc().bypasses).as("0, 1 and the refused 2 went straight to the driver").isEqualTo(3);
        busy.room = 10;
        busy.netifWakeQueue();
        Dev.devQueueXmit(frame(busy, 4));
        assertThat(busy.sent).containsExactly(0, 1, 2, 3, 4);
        assertThat(busy.qdisc().running()).isFalse();
    }

    /**
     * Threads transmitting at once on one device: every packet reaches the driver exactly once,
     * the driver is never entered by two threads at a time, and the qdisc ends idle and empty.
     */
    @Test
    void concurrentSenders_everyPacketSentOnce_driverSerialised() throws Exception {
        GuardedDevice dev = net.addDevice(new GuardedDevice());
        net.devices().open(dev);
        int threads = 4;
        int per = 20_000;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < per; i++) {
                    SkBuff skb = net.pool().alloc(128);
                    skb.put(60);
                    skb.dev = dev;
                    Dev.devQueueXmit(skb);
                }
            });
            ts.add(th);
            th.start();
        }
        go.countDown();
        for (Thread th : ts) {
            th.join();
        }
        Qdisc q = dev.qdisc();
        assertThat(dev.overlaps.get()).isZero();
        assertThat(q.drops).isZero();
        assertThat(dev.sent.get()).isEqualTo((long) threads * per);
        assertThat(q.qlen()).isZero();
        assertThat(q.running()).isFalse();
        assertThat(q.packets).isEqualTo((long) threads * per);
    }

    /** A driver that counts frames and notices if two threads are ever inside it together. */
    static final class GuardedDevice extends NetDevice {
        final AtomicLong sent = new AtomicLong();
        final AtomicLong overlaps = new AtomicLong();
        private final java.util.concurrent.atomic.AtomicBoolean inside = new java.util.concurrent.atomic.AtomicBoolean();

        GuardedDevice() {
            super("guard0");
            setTxQueueLen(1 << 20); // room for every packet: nothing may be lost, not even to tail drop
        }

        @Override
        protected void ndoOpen() {}

        @Override
        protected void ndoStop() {}

        @Override
        protected int ndoStartXmit(SkBuff skb) {
            if (!inside.compareAndSet(false, true)) {
                overlaps.incrementAndGet();
            }
            sent.incrementAndGet();
            Skb.consumeSkb(skb);
            inside.set(false);
            return NETDEV_TX_OK;
        }

        @Override
        public String kind() {
            return "guard";
        }
    }
}
