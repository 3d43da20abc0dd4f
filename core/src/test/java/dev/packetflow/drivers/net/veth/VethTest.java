package dev.packetflow.drivers.net.veth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.packetflow.drivers.net.FrameKit;
import dev.packetflow.drivers.net.FrameRing;
import dev.packetflow.drivers.net.wire.WireConditions;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.Dev;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.core.Xdp;
import dev.packetflow.trace.Trace;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class VethTest {
    private Simulation sim;
    private NetStack netA;
    private NetStack netB;

    @BeforeEach
    void setUp() {
        sim = new Simulation(7);
        netA = NetStack.create(sim, "a");
        netB = NetStack.create(sim, "b");
    }

    @AfterEach
    void tearDown() {
        netA.close();
        netB.close();
    }

    private Veth.Pair upPair(WireConditions c, long seed) {
        Veth.Pair p = Veth.builder(netA, "veth0", netB, "veth1").conditions(c).seed(seed).create();
        netA.devices().open(p.a());
        netB.devices().open(p.b());
        return p;
    }

    @Test
    void frame_crossesToThePeerStack_withItsJourney() {
        Veth.Pair p = upPair(WireConditions.PERFECT, 1);
        FrameKit.Sink sink = FrameKit.sink(netB);
        byte[] f = FrameKit.frame(p.a(), p.b(), 9, 120);
        SkBuff skb = FrameKit.skb(p.a(), f);
        skb.journey = 4242;

        Dev.devQueueXmit(skb);
        assertThat(sink.count()).isZero(); // still on the peer's ring: NAPI has not run
        assertThat(p.b().rxRingPending()).isEqualTo(1);
        sim.run();

        assertThat(sink.count()).isEqualTo(1);
        FrameKit.Rx rx = sink.frames.get(0);
        assertThat(rx.frame()).isEqualTo(f);
        assertThat(rx.journey()).isEqualTo(4242);
        assertThat(rx.dev()).isSameAs(p.b());
        assertThat(rx.pktType()).isEqualTo(SkBuff.PACKET_HOST);
        assertThat(p.a().stats().txPackets()).isEqualTo(1);
        assertThat(p.b().stats().rxPackets()).isEqualTo(1);
        assertThat(p.b().stats().rxBytes()).isEqualTo(120);
    }

    @Test
    void aLargeFrame_itselfCrosses_zeroCopy_scrubbedOfItsNamespace() {
        Veth.Pair p = upPair(WireConditions.PERFECT, 1);
        List<SkBuff> got = new ArrayList<>();
        List<Object> seenSk = new ArrayList<>();
        netB.addPacketHandler(FrameKit.ETH_P_TEST, (skb, dev) -> {
            got.add(skb);
            seenSk.add(skb.sk);
            seenSk.add(skb.mark);
            Skb.consumeSkb(skb);
            return 0;
        });
        SkBuff skb = FrameKit.skb(p.a(), FrameKit.frame(p.a(), p.b(), 1, FrameRing.COPYBREAK + 1));
        skb.sk = new Object();
        skb.mark = 7;
        long address = skb.segment().address();
        Dev.devQueueXmit(skb);
        assertThat(skb.segment().address()).isEqualTo(address);
        sim.run();
        assertThat(got).containsExactly(skb); // same head, same buffer: nothing was copied
        assertThat(seenSk).containsExactly(null, 0);
    }

    /**
     * A small frame crosses as a copy (a NIC's copybreak, see {@link FrameRing}): the sender's skb
     * is freed on transmit, its socket's destructor run there, and the peer receives the same bytes
     * in an skb of its own, scrubbed as a zero-copy one would be.
     */
    @Test
    void aSmallFrame_crossesAsACopy_theSendersSkbFreedOnTransmit() {
        Veth.Pair p = upPair(WireConditions.PERFECT, 1);
        List<SkBuff> got = new ArrayList<>();
        List<Object> seen = new ArrayList<>();
        netB.addPacketHandler(FrameKit.ETH_P_TEST, (skb, dev) -> {
            got.add(skb);
            seen.add(skb.sk);
            seen.add(skb.dev);
            seen.add(skb.toByteArray().length);
            seen.add(skb.macHeader);
            Skb.consumeSkb(skb);
            return 0;
        });
        byte[] f = FrameKit.frame(p.a(), p.b(), 1, 106);
        SkBuff skb = FrameKit.skb(p.a(), f);
        skb.sk = new Object();
        int[] destructed = {0};
        skb.destructor = s -> destructed[0]++;
        int live = p.a().pool().live();

        Dev.devQueueXmit(skb);
        assertThat(destructed[0]).isEqualTo(1);
        assertThat(p.a().pool().live()).isEqualTo(live - 1);
        sim.run();
        assertThat(got).hasSize(1);
        // eth_type_trans pulled the header; the frame sits at the receive headroom, not MAX_HEADER
        assertThat(seen).containsExactly(null, p.b(), 106 - 14, Skb.NET_SKB_PAD);
        assertThat(p.a().pool().live()).isEqualTo(live - 1);
        assertThat(p.b().stats().rxPackets()).isEqualTo(1);
    }

    @Test
    void pair_defaults_areLinuxVeth() {
        Veth.Pair p = Veth.pair(netA, "veth0", netB, "veth1");
        assertThat(p.a().kind()).isEqualTo("veth");
        assertThat(p.a().qdisc().kind()).isEqualTo("noqueue");
        assertThat(p.a().mtu()).isEqualTo(1500);
        assertThat(p.a().maxMtu()).isEqualTo(65535);
        assertThat(p.a().ringSize()).isEqualTo(256);
        assertThat(p.a().flags() & (NetDevice.IFF_BROADCAST | NetDevice.IFF_MULTICAST))
                .isEqualTo(NetDevice.IFF_BROADCAST | NetDevice.IFF_MULTICAST);
        // random, locally administered, unicast, different, and reproducible under the seed
        assertThat(p.a().mac() >>> 40).isEqualTo(0x02);
        assertThat(p.a().mac()).isNotEqualTo(p.b().mac());
        Simulation sim2 = new Simulation(7);
        try (NetStack a2 = NetStack.create(sim2, "a"); NetStack b2 = NetStack.create(sim2, "b")) {
            Veth.Pair q = Veth.pair(a2, "veth0", b2, "veth1");
            assertThat(q.a().mac()).isEqualTo(p.a().mac());
            assertThat(q.b().mac()).isEqualTo(p.b().mac());
        }
        assertThat(netA.device("veth0")).isSameAs(p.a());
        assertThat(netB.device("veth1")).isSameAs(p.b());
    }

    @Test
    void pair_withTakenName_isRejectedAndRegistersNothing() {
        Veth.pair(netA, "veth0", netB, "veth1");
        assertThatThrownBy(() -> Veth.pair(netA, "x", netB, "veth1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("veth1");
        assertThat(netA.device("x")).isNull();
    }

    @Test
    void pair_withARingTooSmallOrTooLarge_isRejectedAndRegistersNothing() {
        for (int n : new int[] {0, FrameRing.MAX_CAPACITY + 1}) {
            assertThatThrownBy(() -> Veth.builder(netA, "x", netB, "y").ringSize(n).create())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("ring size must be 1.." + FrameRing.MAX_CAPACITY);
        }
        assertThat(netA.device("x")).isNull();
        assertThat(netB.device("y")).isNull();
    }

    @Test
    void pair_withinOneStack_works() {
        Veth.Pair p = Veth.pair(netA, "veth0", netA, "veth1");
        netA.devices().open(p.a());
        netA.devices().open(p.b());
        FrameKit.Sink sink = FrameKit.sink(netA);
        FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), 1, 64));
        FrameKit.send(p.b(), FrameKit.frame(p.b(), p.a(), 2, 64));
        sim.run();
        assertThat(sink.frames).extracting(FrameKit.Rx::dev).containsExactly(p.b(), p.a());
    }

    @Test
    void carrier_isOnOnlyWhileBothEndsAreUp() {
        Veth.Pair p = Veth.pair(netA, "veth0", netB, "veth1");
        assertThat(p.a().carrierOk()).isFalse();
        assertThat(p.b().carrierOk()).isFalse();

        netA.devices().open(p.a());
        assertThat(p.a().carrierOk()).isFalse();
        assertThat(p.a().isRunning()).isFalse();

        netB.devices().open(p.b());
        assertThat(p.a().carrierOk()).isTrue();
        assertThat(p.b().carrierOk()).isTrue();

        netB.devices().close(p.b());
        assertThat(p.a().carrierOk()).isFalse();
        assertThat(p.b().carrierOk()).isFalse();
        assertThat(p.a().flags() & NetDevice.IFF_RUNNING).isZero();

        // transmitting toward a downed peer drops at the sender (no carrier)
        FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), 1, 64));
        assertThat(p.a().stats().txDropped()).isEqualTo(1);

        netB.devices().open(p.b());
        assertThat(p.a().carrierOk()).isTrue();
    }

    @Test
    void fullRing_dropsTheFrame_countedInTheSendersTxDropped() {
        Veth.Pair p = upPair(WireConditions.PERFECT, 1);
        FrameKit.Sink sink = FrameKit.sink(netB);
        for (int i = 0; i < 300; i++) {
            FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), i, 64));
        }
        assertThat(p.b().rxRingPending()).isEqualTo(256);
        assertThat(p.b().rxRingFull()).isEqualTo(44);
        assertThat(p.a().stats().txDropped()).isEqualTo(44);
        assertThat(netB.drops().get(DropReason.FULL_RING)).isEqualTo(44);

        sim.run();
        assertThat(sink.count()).isEqualTo(256);
        assertThat(sink.seqs().get(255)).isEqualTo(255);
    }

    @Test
    void napiPoll_takesAtMostItsWeightPerPoll() {
        Veth.Pair p = upPair(WireConditions.PERFECT, 1);
        FrameKit.sink(netB);
        for (int i = 0; i < 200; i++) {
            FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), i, 64));
        }
        List<Long> work = new ArrayList<>();
        try (AutoCloseable probe = Trace.attach("napi_poll", (tp, net, dev, skb, arg) -> {
            if (skb == null && dev == p.b()) {
                work.add(arg);
            }
        })) {
            sim.run();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertThat(work).containsExactly(64L, 64L, 64L, 8L);
    }

    @Test
    void loss_tenPercentOverTenThousandFrames_isWithinTolerance() {
        Veth.Pair p = upPair(WireConditions.builder().loss(0.10).build(), 12345);
        FrameKit.Sink sink = FrameKit.sink(netB);
        for (int i = 0; i < 10_000; i++) {
            FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), i, 64));
            if (i % 200 == 199) {
                sim.run(); // keep the peer's ring from overflowing
            }
        }
        sim.run();
        // Binomial(10000, 0.1): sd = 30; +-4 sd.
        assertThat(sink.count()).isBetween(8_880, 9_120);
        assertThat(p.a().txLane().lost()).isEqualTo(10_000 - sink.count());
        assertThat(netA.drops().get(DropReason.WIRE_LOSS)).isEqualTo(10_000 - sink.count());
        assertThat(p.b().stats().rxPackets()).isEqualTo(sink.count());
        assertThat(p.b().stats().rxDropped()).isZero();
        assertThat(sink.seqs()).isSorted();
    }

    private static final WireConditions ROUGH = WireConditions.builder()
            .delayNs(2_000_000)
            .jitterNs(500_000)
            .loss(0.05)
            .reorder(0.05, 3_000_000)
            .duplicate(0.03)
            .corrupt(0.02)
            .build();

    /** Sends 2000 frames, 10 µs apart, over a rough wire seeded {@code seed}; returns what arrived. */
    private static List<String> roughRun(long seed) {
        Simulation s = new Simulation(99);
        try (NetStack a = NetStack.create(s, "a"); NetStack b = NetStack.create(s, "b")) {
            Veth.Pair p = Veth.builder(a, "veth0", b, "veth1").conditions(ROUGH).seed(seed).create();
            a.devices().open(p.a());
            b.devices().open(p.b());
            FrameKit.Sink sink = FrameKit.sink(b);
            for (int i = 0; i < 2000; i++) {
                FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), i, 100));
                s.runForNs(10_000);
            }
            s.run();
            List<String> out = new ArrayList<>();
            for (FrameKit.Rx rx : sink.frames) {
                out.add(rx.seq() + "@" + rx.timeNs() + "#" + java.util.Arrays.hashCode(rx.frame()));
            }
            return out;
        }
    }

    @Test
    void impairments_sameSeed_giveTheSameDeliveredSequence() {
        List<String> first = roughRun(2024);
        List<String> second = roughRun(2024);
        List<String> other = roughRun(2025);
        assertThat(first).hasSizeGreaterThan(1800);
        assertThat(second).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
    }

    @Test
    void reorder_reallyReorders() {
        Veth.Pair p = upPair(WireConditions.builder().reorder(0.2, 1_000_000).build(), 5);
        FrameKit.Sink sink = FrameKit.sink(netB);
        for (int i = 0; i < 500; i++) {
            FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), i, 64));
            sim.runForNs(20_000); // 20 µs apart: a reordered frame is overtaken by ~50 others
        }
        sim.run();
        List<Integer> seqs = sink.seqs();
        assertThat(seqs).hasSize(500).doesNotHaveDuplicates().isNotEqualTo(seqs.stream().sorted().toList());
        int inversions = 0;
        for (int i = 1; i < seqs.size(); i++) {
            if (seqs.get(i) < seqs.get(i - 1)) {
                inversions++;
            }
        }
        assertThat(inversions).isGreaterThan(50);
        assertThat(p.a().txLane().reordered()).isBetween(60L, 140L);
    }

    @Test
    void duplicate_deliversSomeFramesTwice() {
        Veth.Pair p = upPair(WireConditions.builder().duplicate(0.1).build(), 6);
        FrameKit.Sink sink = FrameKit.sink(netB);
        for (int i = 0; i < 1000; i++) {
            FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), i, 64));
            sim.run();
        }
        Map<Integer, Integer> count = new HashMap<>();
        for (FrameKit.Rx rx : sink.frames) {
            count.merge(rx.seq(), 1, Integer::sum);
            assertThat(rx.frame()).isEqualTo(FrameKit.frame(p.a(), p.b(), rx.seq(), 64));
        }
        long twice = count.values().stream().filter(n -> n == 2).count();
        assertThat(count).hasSize(1000);
        assertThat(count.values()).allMatch(n -> n <= 2);
        assertThat(twice).isEqualTo(p.a().txLane().duplicated()).isBetween(60L, 140L);
        assertThat(sink.count()).isEqualTo(1000 + (int) twice);
    }

    @Test
    void corrupt_flipsExactlyOneBitAfterTheEthernetHeader() {
        Veth.Pair p = upPair(WireConditions.builder().corrupt(0.5).build(), 8);
        FrameKit.Sink sink = FrameKit.sink(netB);
        for (int i = 0; i < 400; i++) {
            FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), i, 150));
            sim.run();
        }
        int corrupted = 0;
        for (FrameKit.Rx rx : sink.frames) {
            // the sequence number itself may be hit: find the original by position instead
            byte[] sent = FrameKit.frame(p.a(), p.b(), sink.frames.indexOf(rx), 150);
            int bits = 0;
            int firstDiff = -1;
            for (int k = 0; k < sent.length; k++) {
                int d = Integer.bitCount((sent[k] ^ rx.frame()[k]) & 0xff);
                if (d != 0 && firstDiff < 0) {
                    firstDiff = k;
                }
                bits += d;
            }
            assertThat(bits).isLessThanOrEqualTo(1);
            if (bits == 1) {
                corrupted++;
                assertThat(firstDiff).isGreaterThanOrEqualTo(14);
            }
        }
        assertThat(sink.count()).isEqualTo(400);
        assertThat(corrupted).isEqualTo(p.a().txLane().corrupted()).isBetween(150, 250);
    }

    @Test
    void corrupt_ofAClonedSkb_leavesTheSendersBufferIntact() {
        Veth.Pair p = upPair(WireConditions.builder().corrupt(1.0).build(), 8);
        FrameKit.Sink sink = FrameKit.sink(netB);
        byte[] f = FrameKit.frame(p.a(), p.b(), 1, 200);
        SkBuff original = FrameKit.skb(p.a(), f);
        SkBuff clone = original.cloneSkb(); // like TCP transmitting a clone of its retransmit queue
        Dev.devQueueXmit(clone);
        sim.run();

        assertThat(original.toByteArray()).isEqualTo(f);
        assertThat(sink.frames.get(0).frame()).isNotEqualTo(f);
        Skb.consumeSkb(original);
    }

    @Test
    void delay_isExactInVirtualTime() {
        Veth.Pair p = upPair(WireConditions.builder().delayNs(3_000_000).build(), 1);
        FrameKit.Sink sink = FrameKit.sink(netB);
        long t0 = sim.nowNs();
        FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), 0, 64));
        sim.runForNs(1_234_567);
        FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), 1, 64));
        sim.runForNs(3_000_000 - 1_234_567 - 1);
        assertThat(sink.count()).isZero(); // 1 ns early
        sim.runForNs(1);
        assertThat(sink.count()).isEqualTo(1);
        sim.run();

        assertThat(sink.frames).extracting(FrameKit.Rx::timeNs)
                .containsExactly(t0 + 3_000_000, t0 + 1_234_567 + 3_000_000);
    }

    @Test
    void rate_serialisesFramesBackToBack() {
        // 10 Mbit/s: a 1250-byte frame takes exactly 1 ms on the line; plus 500 µs of delay.
        Veth.Pair p = upPair(WireConditions.builder().rateBitsPerSec(10_000_000).delayNs(500_000).build(), 1);
        FrameKit.Sink sink = FrameKit.sink(netB);
        long t0 = sim.nowNs();
        for (int i = 0; i < 5; i++) {
            FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), i, 1250));
        }
        sim.run();
        assertThat(sink.frames).extracting(rx -> rx.timeNs() - t0)
                .containsExactly(1_500_000L, 2_500_000L, 3_500_000L, 4_500_000L, 5_500_000L);
    }

    @Test
    void thousandsOfFramesInFlight_useOneTimer_andArriveInTimeOrder() {
        Veth.Pair p = Veth.builder(netA, "veth0", netB, "veth1")
                .conditions(WireConditions.builder().delayNs(10_000_000).jitterNs(5_000_000).build())
                .seed(3)
                .ringSize(8192)
                .create();
        netA.devices().open(p.a());
        netB.devices().open(p.b());
        FrameKit.Sink sink = FrameKit.sink(netB);
        // Other subsystems (neighbour gc) own timers on the same wheel: count only what the wire adds.
        int otherTimers = netB.timers().size();
        for (int i = 0; i < 5000; i++) {
            FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), i, 64));
            sim.virtualClock().advanceBy(1_000); // 1 µs apart
        }
        assertThat(p.a().txLane().inFlight()).isEqualTo(5000);
        assertThat(netB.timers().size()).isEqualTo(otherTimers + 1);
        sim.run();

        assertThat(sink.count()).isEqualTo(5000);
        assertThat(sink.frames).extracting(FrameKit.Rx::timeNs).isSorted();
        assertThat(sink.seqs()).isNotEqualTo(sink.seqs().stream().sorted().toList()); // jitter reorders
        assertThat(p.a().txLane().inFlight()).isZero();
        assertThat(netB.timers().size()).isEqualTo(otherTimers);
    }

    @Test
    void limit_dropsFramesBeyondIt() {
        Veth.Pair p = upPair(WireConditions.builder().delayNs(1_000_000).limit(10).build(), 1);
        FrameKit.Sink sink = FrameKit.sink(netB);
        for (int i = 0; i < 15; i++) {
            FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), i, 64));
        }
        sim.run();
        assertThat(sink.seqs()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(p.a().txLane().overLimit()).isEqualTo(5);
    }

    @Test
    void genericXdp_onTheReceiver_decidesBeforeTheStack() {
        Veth.Pair p = upPair(WireConditions.PERFECT, 1);
        FrameKit.Sink sink = FrameKit.sink(netB);
        // drop odd sequence numbers (byte 17 of the frame is the low byte)
        Xdp.attach(p.b(), xdp -> (xdp.u8(17) & 1) != 0 ? Xdp.XDP_DROP : Xdp.XDP_PASS);
        for (int i = 0; i < 10; i++) {
            FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), i, 64));
        }
        sim.run();
        assertThat(sink.seqs()).containsExactly(0, 2, 4, 6, 8);
        assertThat(netB.xdpStats().drop).isEqualTo(5);
        assertThat(netB.drops().get(DropReason.XDP)).isEqualTo(5);
    }

    @Test
    void napiPollTracepoint_firesPerFrameWithTheSkb() {
        Veth.Pair p = upPair(WireConditions.PERFECT, 1);
        FrameKit.sink(netB);
        List<Long> journeys = new ArrayList<>();
        try (AutoCloseable probe = Trace.attach("napi_poll", (tp, net, dev, skb, arg) -> {
            if (skb != null) {
                journeys.add(skb.journey);
            }
        })) {
            for (int i = 1; i <= 3; i++) {
                SkBuff skb = FrameKit.skb(p.a(), FrameKit.frame(p.a(), p.b(), i, 64));
                skb.journey = 100 + i;
                Dev.devQueueXmit(skb);
            }
            sim.run();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertThat(journeys).containsExactly(101L, 102L, 103L);
    }

    @Test
    void peerGoesDownWithFramesOnTheWire_theyAreDroppedOnArrival() {
        Veth.Pair p = upPair(WireConditions.builder().delayNs(1_000_000).build(), 1);
        FrameKit.Sink sink = FrameKit.sink(netB);
        FrameKit.send(p.a(), FrameKit.frame(p.a(), p.b(), 1, 64));
        netB.devices().close(p.b());
        sim.run();
        assertThat(sink.count()).isZero();
        assertThat(p.b().stats().rxDropped()).isEqualTo(1);
        assertThat(netB.drops().get(DropReason.DEV_READY)).isEqualTo(1);
    }
}
