package dev.packetflow.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.packetflow.drivers.net.channel.ChannelDevice;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.kernel.time.TimerList;
import dev.packetflow.kernel.time.VirtualClock;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.Dev;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.PacketType;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ethernet.Eth;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class JourneyRecorderTest {
    /** IEEE 802 local experimental ethertype: no protocol of the stack claims it. */
    private static final int ETH_P_TEST = 0x88B5;
    private static final int ETH_P_NOBODY = 0x88B6;
    private static final Tracepoint TEST_RCV = Trace.point("test_rcv");
    private static final long MAC_A = Eth.localMac(0xa);
    private static final long MAC_B = Eth.localMac(0xb);

    private final Simulation sim = new Simulation(3);
    private final JourneyRecorder rec = JourneyRecorder.start();
    private final NetStack a = NetStack.create(sim, "A");
    private final ChannelDevice ethA = a.addDevice(new ChannelDevice("eth0", MAC_A));

    @AfterEach
    void tearDown() {
        rec.close();
        a.close();
    }

    /** A protocol handler that marks its own stage, then consumes or (if asked) echoes the frame back. */
    private static PacketType handler(NetStack net, boolean echo) {
        return (SkBuff skb, NetDevice dev) -> {
            if (TEST_RCV.enabled) {
                TEST_RCV.fire(net, skb, 0);
            }
            if (!echo) {
                Skb.consumeSkb(skb);
                return PacketType.NET_RX_SUCCESS;
            }
            int m = skb.push(Eth.ETH_HLEN);
            long src = skb.u48(m + 6);
            skb.setU48(m, src);
            skb.setU48(m + 6, dev.mac());
            Dev.devQueueXmit(skb);
            return PacketType.NET_RX_SUCCESS;
        };
    }

    private static byte[] frame(long dst, long src, int type) {
        byte[] f = new byte[60];
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) (dst >>> (40 - 8 * i));
            f[6 + i] = (byte) (src >>> (40 - 8 * i));
        }
        f[12] = (byte) (type >>> 8);
        f[13] = (byte) type;
        return f;
    }

    private static SkBuff skbOf(ChannelDevice dev, byte[] frame) {
        SkBuff skb = Skb.netdevAllocSkb(dev, frame.length);
        skb.putData(frame);
        return skb;
    }

    @Test
    void injectedFrame_recordsRxStagesInOrder_andIgnoresUnfollowedFrames() {
        a.addPacketHandler(ETH_P_TEST, handler(a, false));
        a.devices().open(ethA);
        long id = rec.newJourney();
        SkBuff skb = skbOf(ethA, frame(MAC_A, MAC_B, ETH_P_TEST));
        skb.journey = id;
        ethA.inject(frame(MAC_A, MAC_B, ETH_P_TEST)); // not followed
        ethA.inject(skb);
        ethA.inject(frame(MAC_A, MAC_B, ETH_P_TEST)); // not followed
        sim.run();

        Journey j = rec.journey(id);
        assertThat(j.stageNames())
                .containsExactly("napi_poll", "netif_receive_skb", "__netif_receive_skb_core", "test_rcv");
        assertThat(j.consumed()).isTrue();
        assertThat(j.dropReason()).isNull();
        assertThat(j.stacks()).containsExactly("A");
        assertThat(j.stages()).allSatisfy(s -> {
            assertThat(s.stack()).isEqualTo("A");
            assertThat(s.device()).isEqualTo("eth0");
            assertThat(s.virtualNs()).isEqualTo(VirtualClock.EPOCH_NS);
        });
        assertMonotonic(j);
    }

    @Test
    void echoedFrame_recordsRxThenTxStagesDownToTheDriver() {
        a.addPacketHandler(ETH_P_TEST, handler(a, true));
        a.devices().open(ethA);
        long id = rec.newJourney();
        SkBuff skb = skbOf(ethA, frame(MAC_A, MAC_B, ETH_P_TEST));
        skb.journey = id;
        ethA.inject(skb);
        sim.run();
        byte[] out = ethA.takeTx();

        assertThat(out).isNotNull();
        Journey j = rec.journey(id);
        assertThat(j.stageNames()).containsExactly(
                "napi_poll", "netif_receive_skb", "__netif_receive_skb_core", "test_rcv",
                "dev_queue_xmit", "__dev_queue_xmit", "qdisc_enqueue", "qdisc_dequeue",
                "dev_hard_start_xmit", "netdev_start_xmit", "ndo_start_xmit", "net_dev_xmit");
        assertThat(j.consumed()).as("takeTx consumed the frame").isTrue();
        assertMonotonic(j);
    }

    @Test
    void frameNobodyHandles_endsInKfreeSkbWithItsReason() {
        a.devices().open(ethA);
        long id = rec.newJourney();
        SkBuff skb = skbOf(ethA, frame(MAC_A, MAC_B, ETH_P_NOBODY));
        skb.journey = id;
        ethA.inject(skb);
        sim.run();

        Journey j = rec.journey(id);
        assertThat(j.stageNames()).containsExactly("napi_poll", "netif_receive_skb", "__netif_receive_skb_core");
        assertThat(j.dropReason()).isEqualTo(DropReason.UNHANDLED_PROTO);
        assertThat(j.consumed()).isFalse();
        assertThat(j.render()).contains("✗ dropped: UNHANDLED_PROTO (SKB_DROP_REASON_UNHANDLED_PROTO)");
    }

    @Test
    void follow_marksThePacketTheSendCreates_acrossAWireToAnotherStack() {
        try (NetStack b = NetStack.create(sim, "B")) {
            ChannelDevice ethB = b.addDevice(new ChannelDevice("eth1", MAC_B));
            b.addPacketHandler(ETH_P_TEST, handler(b, false));
            a.devices().open(ethA);
            b.devices().open(ethB);
            // A 10 µs wire from A's eth0 to B's eth1, in virtual time.
            ethA.setTxSink(skb -> b.timers().modTimer(
                    new TimerList(t -> ethB.inject((SkBuff) t.owner), skb), sim.nowNs() + 10_000));

            Journey j = rec.follow(() -> {
                SkBuff skb = skbOf(ethA, frame(MAC_B, MAC_A, ETH_P_TEST));
                skb.resetMacHeader();
                Dev.devQueueXmit(skb);
            });
            sim.run();

            assertThat(j.stacks()).containsExactly("A", "B");
            assertThat(j.stageNames("A")).startsWith("dev_queue_xmit").endsWith("net_dev_xmit");
            assertThat(j.stageNames("B")).containsExactly(
                    "napi_poll", "netif_receive_skb", "__netif_receive_skb_core", "test_rcv");
            List<Journey.Stage> st = j.stages();
            assertThat(st.getLast().virtualNs() - st.getFirst().virtualNs()).isEqualTo(10_000);
            assertMonotonic(j);

            String r = j.render();
            assertThat(r).startsWith("journey 1: " + st.size() + " stages, A → B\n");
            assertThat(r).contains("\nA\n").contains("\nB\n");
            assertThat(r).contains("  ~~ wire: A/eth0 → B/eth1, virtual 1.000000000 s → 1.000010000 s (10.0 µs)\n");
            assertThat(r).endsWith("  ✓ consumed (consume_skb)\n");
            int at = 0;
            for (String name : j.stageNames()) {
                int k = r.indexOf("  → " + name + " ", at);
                assertThat(k).as("stage %s rendered after position %d in\n%s", name, at, r).isGreaterThan(at);
                at = k;
            }
            assertThat(r.indexOf("  ~~ wire")).isBetween(r.indexOf("→ net_dev_xmit"), r.indexOf("\nB\n"));
        }
    }

    @Test
    void follow_withoutAllocation_leavesLaterPacketsUnmarked() {
        Journey j = rec.follow(() -> {});
        SkBuff skb = skbOf(ethA, new byte[60]);
        assertThat(skb.journey).isZero();
        Skb.consumeSkb(skb);
        assertThat(j.stages()).isEmpty();
    }

    @Test
    void closedRecorder_recordsNothingAndRefusesNewJourneys() {
        a.addPacketHandler(ETH_P_TEST, handler(a, false));
        a.devices().open(ethA);
        long id = rec.newJourney();
        rec.close();
        SkBuff skb = skbOf(ethA, frame(MAC_A, MAC_B, ETH_P_TEST));
        skb.journey = id;
        ethA.inject(skb);
        sim.run();
        assertThat(rec.journey(id).stages()).isEmpty();
        assertThatThrownBy(rec::newJourney).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void probe_allocatesNothingForPacketsNobodyFollows() {
        rec.newJourney(); // a journey is active, but not this packet's
        SkBuff skb = skbOf(ethA, new byte[60]);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 20_000; i++) {
            fireUnfollowed(skb);
        }
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 200_000; i++) {
            fireUnfollowed(skb);
        }
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        Skb.consumeSkb(skb);
        assertThat(allocated).as("bytes allocated by 400,000 probe hits").isLessThan(4096);
    }

    private void fireUnfollowed(SkBuff skb) {
        if (Trace.IP_RCV.enabled) {
            Trace.IP_RCV.fire(a, skb, 0);
        }
        if (Trace.NAPI_POLL.enabled) {
            Trace.NAPI_POLL.fire(a, ethA, null, 64); // per-poll firing: arg is work, not a journey
        }
    }

    @Test
    void durations_readInTheBestUnit() {
        assertThat(Journey.duration(312)).isEqualTo("312 ns");
        assertThat(Journey.duration(1_250)).isEqualTo("1.3 µs");
        assertThat(Journey.duration(3_500_000)).isEqualTo("3.500 ms");
        assertThat(Journey.seconds(1_000_010_000L)).isEqualTo("1.000010000 s");
        assertThat(Duration.ofNanos(VirtualClock.EPOCH_NS).toSeconds()).isEqualTo(1);
    }

    private static void assertMonotonic(Journey j) {
        List<Journey.Stage> st = j.stages();
        for (int i = 1; i < st.size(); i++) {
            assertThat(st.get(i).virtualNs()).isGreaterThanOrEqualTo(st.get(i - 1).virtualNs());
            assertThat(st.get(i).realNs()).isGreaterThanOrEqualTo(st.get(i - 1).realNs());
        }
    }
}
