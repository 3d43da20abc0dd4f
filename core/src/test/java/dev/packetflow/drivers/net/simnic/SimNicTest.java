package dev.packetflow.drivers.net.simnic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.packetflow.drivers.net.FrameKit;
import dev.packetflow.drivers.net.veth.Veth;
import dev.packetflow.drivers.net.wire.WireConditions;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.Dev;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.LinkStats64;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.core.Xdp;
import dev.packetflow.net.sched.Qdisc;
import dev.packetflow.trace.Trace;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SimNicTest {
    private Simulation sim;
    private NetStack netA;
    private NetStack netB;

    @BeforeEach
    void setUp() {
        sim = new Simulation(11);
        netA = NetStack.create(sim, "a");
        netB = NetStack.create(sim, "b");
    }

    @AfterEach
    void tearDown() {
        netA.close();
        netB.close();
    }

    private SimNic.Pair upPair(int rxRing, int txRing, WireConditions c) {
        SimNic.Pair p = SimNic.builder(netA, "eth0", netB, "eth0").rings(rxRing, txRing).conditions(c).seed(1).create();
        netA.devices().open(p.a());
        netB.devices().open(p.b());
        return p;
    }

    private SimNic.Pair upPair() {
        return upPair(SimNic.DEFAULT_RING_SIZE, SimNic.DEFAULT_RING_SIZE, WireConditions.PERFECT);
    }

    private static AutoCloseable probe(String tp, dev.packetflow.trace.Probe p) {
        return Trace.attach(tp, p);
    }

    private static void closeQuietly(AutoCloseable... cs) {
        for (AutoCloseable c : cs) {
            try {
                c.close();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void defaults_areThoseOfAnEthernetNic() {
        SimNic.Pair p = SimNic.pair(netA, "eth0", netB, "eth0", WireConditions.PERFECT);
        assertThat(p.a().kind()).isEqualTo("simnic");
        assertThat(p.a().rxRingSize()).isEqualTo(256);
        assertThat(p.a().txRingSize()).isEqualTo(256);
        assertThat(p.a().qdisc().kind()).isEqualTo("pfifo_fast");
        assertThat(p.a().txQueueLen()).isEqualTo(1000);
        assertThat(p.a().mtu()).isEqualTo(1500);
        assertThat(p.a().mac() >>> 40).isEqualTo(0x02);
        assertThat(p.a().carrierOk()).isFalse();
        assertThatThrownBy(() -> new SimNic("x", 1, 100, 256))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("power of two");
    }

    @Test
    void napi_1000Frames_pollsWithinBudget_interruptMaskedWhilePolling_reenabledWhenDrained() {
        SimNic.Pair p = upPair(1024, 1024, WireConditions.PERFECT);
        SimNic rx = p.b();
        FrameKit.Sink sink = FrameKit.sink(netB);
        for (int i = 0; i < 1000; i++) {
            FrameKit.send(p.a(), FrameKit.frame(p.a(), rx, i, 100));
        }
        // All 1000 are in the RX ring; the first raised the interrupt, which masked it.
        assertThat(rx.rxPending()).isEqualTo(1000);
        assertThat(rx.ethtool().interrupts()).isEqualTo(1);
        assertThat(rx.irqMasked()).isTrue();
        assertThat(sink.count()).isZero();

        List<Boolean> maskedDuringPoll = new ArrayList<>();
        AutoCloseable perFrame = probe("netif_receive_skb", (tp, net, dev, skb, arg) -> {
            if (dev == rx) {
                maskedDuringPoll.add(rx.irqMasked());
            }
        });
        // net_rx_action's per-poll napi_poll event carries the work done (the driver's per-frame
        // events carry the frame's journey, 0 here).
        List<Long> pollWork = new ArrayList<>();
        AutoCloseable perPollWork = probe("napi_poll", (tp, net, dev, skb, arg) -> {
            if (dev == rx && arg > 0) {
                pollWork.add(arg);
            }
        });
        sim.run();
        closeQuietly(perFrame, perPollWork);

        assertThat(sink.count()).isEqualTo(1000);
        assertThat(sink.seqs()).isSorted();
        assertThat(pollWork).allMatch(w -> w <= 64).hasSize(16);
        assertThat(pollWork.stream().mapToLong(Long::longValue).sum()).isEqualTo(1000);
        assertThat(pollWork.get(15)).isEqualTo(1000 - 15 * 64);
        assertThat(maskedDuringPoll).hasSize(1000).containsOnly(true);
        assertThat(rx.irqMasked()).isFalse();
        assertThat(rx.ethtool().interrupts()).isEqualTo(1);
        assertThat(rx.ethtool().napiPolls()).isEqualTo(16);
        assertThat(rx.rxPending()).isZero();
        assertThat(rx.stats().rxPackets()).isEqualTo(1000);

        // the next frame interrupts again
        FrameKit.send(p.a(), FrameKit.frame(p.a(), rx, 1000, 100));
        assertThat(rx.ethtool().interrupts()).isEqualTo(2);
        sim.run();
        assertThat(sink.count()).isEqualTo(1001);
    }

    @Test
    void rxRingOverflow_isCountedAsMissed_andDroppedWithFullRing() {
        SimNic.Pair p = upPair(16, 256, WireConditions.PERFECT);
        FrameKit.Sink sink = FrameKit.sink(netB);
        for (int i = 0; i < 20; i++) {
            FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), i, 100));
        }
        assertThat(p.b().stats().get(LinkStats64.RX_MISSED_ERRORS)).isEqualTo(4);
        assertThat(netB.drops().get(DropReason.FULL_RING)).isEqualTo(4);
        sim.run();
        assertThat(sink.seqs()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        // descriptors were refilled: the ring takes frames again
        FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), 99, 100));
        sim.run();
        assertThat(sink.seqs()).endsWith(99);
        assertThat(p.b().ethtool().toMap()).containsEntry("rx_missed_errors", 4L);
    }

    @Test
    void txRingFull_stopsTheQueue_qdiscHoldsPackets_completionsWakeIt() {
        SimNic.Pair p = upPair(256, 8, WireConditions.PERFECT);
        SimNic tx = p.a();
        FrameKit.Sink sink = FrameKit.sink(netB);
        for (int i = 0; i < 20; i++) {
            assertThat(FrameKit.send(tx, FrameKit.frame(tx, p.b(), i, 100))).isEqualTo(Qdisc.NET_XMIT_SUCCESS);
        }
        // 8 descriptors sent by the hardware but not yet cleaned: ring full, queue stopped.
        assertThat(tx.txInUse()).isEqualTo(8);
        assertThat(tx.queueStopped()).isTrue();
        assertThat(tx.qdisc().qlen()).isEqualTo(12);
        assertThat(tx.ethtool().txStopped()).isEqualTo(1);
        assertThat(tx.stats().txPackets()).isZero(); // counted at completion, like Linux drivers

        sim.run();

        assertThat(sink.seqs()).hasSize(20).isSorted();
        assertThat(tx.queueStopped()).isFalse();
        assertThat(tx.qdisc().qlen()).isZero();
        assertThat(tx.txInUse()).isZero();
        assertThat(tx.ethtool().txRestarts()).isGreaterThanOrEqualTo(2);
        assertThat(tx.ethtool().txBusy()).isZero(); // stopped before it had to refuse a frame
        assertThat(tx.stats().txPackets()).isEqualTo(20);
        assertThat(tx.stats().txBytes()).isEqualTo(20 * 100);
        assertThat(tx.qdisc().drops).isZero();
    }

    @Test
    void txRingFull_directXmitGetsBusy_andDropsTheFrame() {
        SimNic.Pair p = upPair(256, 4, WireConditions.PERFECT);
        SimNic tx = p.a();
        for (int i = 0; i < 4; i++) {
            Dev.directXmit(tx, FrameKit.skb(tx, FrameKit.frame(tx, p.b(), i, 100)));
        }
        int rc = Dev.directXmit(tx, FrameKit.skb(tx, FrameKit.frame(tx, p.b(), 4, 100)));
        assertThat(rc).isEqualTo(Qdisc.NET_XMIT_DROP);
        assertThat(tx.ethtool().txBusy()).isEqualTo(1);
        assertThat(tx.stats().txDropped()).isEqualTo(1);
        assertThat(netA.drops().get(DropReason.FULL_RING)).isEqualTo(1);
    }

    @Test
    void xdpDrop_recyclesTheBufferInPlace_noSkbIsBuilt() {
        SimNic.Pair p = upPair();
        FrameKit.Sink sink = FrameKit.sink(netB);
        Xdp.attach(p.b(), xdp -> Xdp.XDP_DROP);
        long[] built = {0};
        AutoCloseable c = probe("build_skb", (tp, net, dev, skb, arg) -> built[0]++);
        long allocsBefore = netB.pool().allocations();
        for (int i = 0; i < 600; i++) {
            FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), i, 100));
            if (i % 100 == 99) {
                sim.run();
            }
        }
        sim.run();
        closeQuietly(c);

        assertThat(sink.count()).isZero();
        assertThat(built[0]).isZero();
        assertThat(p.b().ethtool().rxXdpDrop()).isEqualTo(600);
        assertThat(netB.xdpStats().drop).isEqualTo(600);
        assertThat(p.b().stats().rxPackets()).isEqualTo(600);
        // no skb head and no new buffer was taken from the receiver's pool
        assertThat(netB.pool().allocations()).isEqualTo(allocsBefore);
    }

    @Test
    void xdpPass_buildsTheSkbAroundTheRingBuffer_andDelivers() {
        SimNic.Pair p = upPair();
        FrameKit.Sink sink = FrameKit.sink(netB);
        Xdp.attach(p.b(), xdp -> Xdp.XDP_PASS);
        List<Integer> headroom = new ArrayList<>();
        AutoCloseable c = probe("build_skb", (tp, net, dev, skb, arg) -> headroom.add(skb.headroom()));
        byte[] f = FrameKit.frame(p.a(), p.b(), 5, 300);
        FrameKit.send(p.a(), f);
        sim.run();
        closeQuietly(c);

        assertThat(sink.frames).extracting(FrameKit.Rx::frame).containsExactly(f);
        // built around the descriptor's buffer: the XDP headroom is the skb's headroom
        assertThat(headroom).containsExactly(SimNic.RX_HEADROOM);
        assertThat(p.b().ethtool().rxXdpPass()).isEqualTo(1);
    }

    @Test
    void xdpPass_withAdjustedHead_passesTheShortenedFrame() {
        SimNic.Pair p = upPair();
        List<byte[]> seen = new ArrayList<>();
        netB.addPacketHandler(0x88B6, (skb, dev) -> { // IEEE 802 local experimental 2
            seen.add(skb.toByteArray());
            Skb.consumeSkb(skb);
            return 0;
        });
        // A decapsulating program: strip a 4-byte shim and rewrite the header in front of it.
        Xdp.attach(p.b(), xdp -> {
            for (int k = 11; k >= 0; k--) {
                xdp.setU8(k + 4, xdp.u8(k));
            }
            xdp.data += 4;
            xdp.setU16(12, 0x88B6);
            return Xdp.XDP_PASS;
        });
        FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), 1, 100));
        sim.run();
        assertThat(seen).hasSize(1);
        assertThat(seen.get(0)).hasSize(100 - 4 - 14);
    }

    @Test
    void xdpTx_sendsTheFrameBackOutOfTheReceivingNic() {
        SimNic.Pair p = upPair();
        FrameKit.Sink sinkA = FrameKit.sink(netA);
        FrameKit.Sink sinkB = FrameKit.sink(netB);
        // swap MACs and bounce
        Xdp.attach(p.b(), xdp -> {
            for (int k = 0; k < 6; k++) {
                int d = xdp.u8(k);
                xdp.setU8(k, xdp.u8(6 + k));
                xdp.setU8(6 + k, d);
            }
            return Xdp.XDP_TX;
        });
        for (int i = 0; i < 3; i++) {
            FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), i, 80));
        }
        sim.run();

        assertThat(sinkB.count()).isZero();
        assertThat(sinkA.seqs()).containsExactly(0, 1, 2);
        assertThat(sinkA.frames.get(0).frame()).isEqualTo(FrameKit.frame(p.b(), p.a(), 0, 80));
        assertThat(sinkA.frames.get(0).pktType()).isEqualTo(SkBuff.PACKET_HOST);
        assertThat(p.b().ethtool().rxXdpTx()).isEqualTo(3);
        assertThat(p.b().stats().txPackets()).isEqualTo(3);
    }

    @Test
    void xdpRedirect_sendsTheFrameOutOfAnotherDevice() {
        SimNic.Pair p = upPair();
        NetStack netC = NetStack.create(sim, "c");
        try {
            Veth.Pair v = Veth.pair(netB, "veth0", netC, "veth0");
            netB.devices().open(v.a());
            netC.devices().open(v.b());
            FrameKit.Sink sinkB = FrameKit.sink(netB);
            FrameKit.Sink sinkC = FrameKit.sink(netC);
            int target = v.a().ifindex();
            Xdp.attach(p.b(), xdp -> xdp.redirect(target));

            SkBuff skb = FrameKit.skb(p.a(), FrameKit.frame(p.a(), v.b(), 1, 90));
            skb.journey = 77;
            Dev.devQueueXmit(skb);
            sim.run();

            assertThat(sinkB.count()).isZero();
            assertThat(sinkC.seqs()).containsExactly(1);
            assertThat(sinkC.frames.get(0).journey()).isEqualTo(77);
            assertThat(p.b().ethtool().rxXdpRedirect()).isEqualTo(1);

            // a redirect to a device that does not exist is an error, the buffer is kept
            Xdp.attach(p.b(), xdp -> xdp.redirect(999));
            FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), 2, 90));
            sim.run();
            assertThat(p.b().ethtool().xdpRedirectErrors()).isEqualTo(1);
            assertThat(netB.xdpStats().redirectErrors).isEqualTo(1);
        } finally {
            netC.close();
        }
    }

    @Test
    void xdpAborted_andFaultingPrograms_dropWithoutAnSkb() {
        SimNic.Pair p = upPair();
        FrameKit.Sink sink = FrameKit.sink(netB);
        Xdp.attach(p.b(), xdp -> xdp.u32(100_000)); // reads outside the frame: the program faults
        FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), 1, 90));
        Xdp.attach(p.b(), xdp -> {
            xdp.data = -5; // moves the frame outside its buffer
            return Xdp.XDP_PASS;
        });
        FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), 2, 90));
        sim.run();
        assertThat(sink.count()).isZero();
        assertThat(p.b().ethtool().rxXdpAborted()).isEqualTo(2);
    }

    @Test
    void journey_crossesTheWireInTheDescriptor() {
        SimNic.Pair p = upPair(256, 256, WireConditions.builder().delayNs(50_000).build());
        FrameKit.Sink sink = FrameKit.sink(netB);
        SkBuff skb = FrameKit.skb(p.a(), FrameKit.frame(p.a(), p.b(), 1, 100));
        skb.journey = 31337;
        Dev.devQueueXmit(skb);
        sim.run();
        assertThat(sink.frames.get(0).journey()).isEqualTo(31337);
    }

    @Test
    void rxPath_followsTheSeedsDiagram() {
        SimNic.Pair p = upPair();
        FrameKit.sink(netB);
        Xdp.attach(p.b(), xdp -> Xdp.XDP_PASS);
        List<String> stages = new ArrayList<>();
        AutoCloseable all = Trace.attachAll((tp, net, dev, skb, arg) -> {
            long j = skb != null ? skb.journey : arg;
            if (dev == p.b() && j == 5 && !tp.name().equals("consume_skb")) {
                stages.add(tp.name());
            }
        });
        SkBuff skb = FrameKit.skb(p.a(), FrameKit.frame(p.a(), p.b(), 1, 100));
        skb.journey = 5;
        Dev.devQueueXmit(skb);
        sim.run();
        closeQuietly(all);
        assertThat(stages).containsExactly(
                "dma_rx_ring", "driver_interrupt", "napi_poll", "bpf_prog_run_xdp", "build_skb",
                "netif_receive_skb", "__netif_receive_skb_core");
    }

    @Test
    void txPath_firesTxDmaAndCompletesWithConsumeSkb() {
        SimNic.Pair p = upPair();
        FrameKit.sink(netB);
        List<String> stages = new ArrayList<>();
        AutoCloseable all = Trace.attachAll((tp, net, dev, skb, arg) -> {
            if (dev == p.a() && skb != null && skb.journey == 9) {
                stages.add(tp.name());
            }
        });
        SkBuff skb = FrameKit.skb(p.a(), FrameKit.frame(p.a(), p.b(), 1, 100));
        skb.journey = 9;
        Dev.devQueueXmit(skb);
        sim.run();
        closeQuietly(all);
        assertThat(stages).containsSubsequence("dev_queue_xmit", "qdisc_enqueue", "qdisc_dequeue",
                "dev_hard_start_xmit", "ndo_start_xmit", "dma_tx_ring", "consume_skb");
    }

    @Test
    void shortFrame_isPaddedTo60BytesOnTheWire() {
        SimNic.Pair p = upPair();
        FrameKit.Sink sink = FrameKit.sink(netB);
        byte[] f = FrameKit.frame(p.a(), p.b(), 3, 42);
        FrameKit.send(p.a(), f);
        sim.run();
        byte[] got = sink.frames.get(0).frame();
        assertThat(got).hasSize(60);
        assertThat(java.util.Arrays.copyOf(got, 42)).isEqualTo(f);
        for (int k = 42; k < 60; k++) {
            assertThat(got[k]).isZero();
        }
        assertThat(p.a().stats().txBytes()).isEqualTo(42); // the driver counts the skb's length
    }

    @Test
    void frameLongerThanTheReceiversMtu_isALengthError() {
        SimNic.Pair p = upPair();
        netA.devices().setMtu(p.a(), 9000);
        FrameKit.Sink sink = FrameKit.sink(netB);
        FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), 1, 3000));
        FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), 2, 1518)); // MTU 1500 + VLAN-tagged header
        sim.run();
        assertThat(sink.seqs()).containsExactly(2);
        assertThat(p.b().stats().get(LinkStats64.RX_LENGTH_ERRORS)).isEqualTo(1);
        assertThat(netB.drops().get(DropReason.PKT_TOO_BIG)).isEqualTo(1);

        netB.devices().setMtu(p.b(), 9000); // re-creates the rings with jumbo buffers
        FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), 3, 9014));
        sim.run();
        assertThat(sink.seqs()).containsExactly(2, 3);
        assertThat(netB.pool().livePages()).isEqualTo(256);
    }

    @Test
    void rateLimitedWire_pacesTheTxRing() {
        // 10 Mbit/s: one 1250-byte frame per millisecond.
        SimNic.Pair p = upPair(256, 4, WireConditions.builder().rateBitsPerSec(10_000_000).build());
        FrameKit.Sink sink = FrameKit.sink(netB);
        long t0 = sim.nowNs();
        for (int i = 0; i < 10; i++) {
            FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), i, 1250));
        }
        assertThat(p.a().queueStopped()).isTrue(); // the line is the bottleneck: the ring fills
        sim.run();
        assertThat(sink.seqs()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        List<Long> at = sink.frames.stream().map(rx -> rx.timeNs() - t0).toList();
        for (int i = 0; i < 10; i++) {
            assertThat(at.get(i)).isEqualTo((i + 1) * 1_000_000L);
        }
    }

    @Test
    void wireLoss_isNotCountedByEitherNic() {
        SimNic.Pair p = upPair(256, 256, WireConditions.builder().loss(1.0).build());
        FrameKit.Sink sink = FrameKit.sink(netB);
        FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), 1, 100));
        sim.run();
        assertThat(sink.count()).isZero();
        assertThat(p.a().stats().txPackets()).isEqualTo(1);
        assertThat(p.b().stats().rxPackets()).isZero();
        assertThat(p.b().stats().rxDropped()).isZero();
        assertThat(p.a().txLane().lost()).isEqualTo(1);
        assertThat(netA.drops().get(DropReason.WIRE_LOSS)).isEqualTo(1);
    }

    @Test
    void stop_returnsRingBuffersToThePool() {
        SimNic.Pair p = upPair();
        assertThat(netB.pool().livePages()).isEqualTo(256);
        FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), 1, 100));
        netB.devices().close(p.b());
        assertThat(netB.pool().livePages()).isZero();
        assertThat(p.a().carrierOk()).isFalse();
        sim.run(); // the scheduled poll finds the rings gone and completes
        assertThat(p.b().napi().scheduled()).isFalse();
        netB.devices().open(p.b());
        assertThat(netB.pool().livePages()).isEqualTo(256);
        assertThat(p.a().carrierOk()).isTrue();
    }

    @Test
    void connect_refusesUnregisteredOrAlreadyWiredNics() {
        SimNic a = new SimNic("eth1", 0);
        SimNic b = new SimNic("eth1", 0);
        assertThatThrownBy(() -> SimNic.connect(a, b, WireConditions.PERFECT, 1)).isInstanceOf(IllegalStateException.class);
        netA.addDevice(a);
        netB.addDevice(b);
        SimNic.connect(a, b, WireConditions.PERFECT, 1);
        SimNic c = netA.addDevice(new SimNic("eth2", 0));
        assertThatThrownBy(() -> SimNic.connect(a, c, WireConditions.PERFECT, 1)).isInstanceOf(IllegalStateException.class);
        assertThat(a.mac()).isNotZero().isNotEqualTo(b.mac());
        NetDevice unused = c;
        assertThat(unused.carrierOk()).isFalse();
    }
}
