package dev.packetflow.drivers.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.packetflow.drivers.net.veth.Veth;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.PagePool;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FrameRingTest {
    private NetStack net;
    private NetDevice dev;
    private PagePool pool;

    @BeforeEach
    void setUp() {
        net = NetStack.create(new Simulation(3), "r");
        dev = Veth.pair(net, "v0", net, "v1").a();
        pool = new PagePool("ring-test", 1L << 24);
        dev.setPool(pool);
    }

    @AfterEach
    void tearDown() {
        net.close();
    }

    private SkBuff skb(int seq, int len) {
        SkBuff skb = Skb.allocSkb(pool, Skb.MAX_HEADER + len);
        skb.reserve(Skb.MAX_HEADER);
        skb.putData(FrameKit.frame(0x020000000001L, 0x020000000002L, seq, len));
        return skb;
    }

    @Test
    void aSmallFrame_crossesAsACopy_andTheSendersSkbIsFreedAtOnce() {
        FrameRing ring = new FrameRing(4);
        SkBuff skb = skb(5, 106);
        byte[] sent = skb.toByteArray();
        skb.ipSummed = SkBuff.CHECKSUM_PARTIAL;
        skb.csumStart = skb.data + 34;
        skb.csumOffset = 6;
        skb.journey = 77;
        int[] destructed = {0};
        skb.destructor = s -> destructed[0]++;
        int liveBefore = pool.live();

        assertThat(FrameRing.copies(skb)).isTrue();
        assertThat(ring.offer(skb)).isTrue();
        assertThat(destructed[0]).isEqualTo(1); // TX completion: the sender's socket has its space back
        assertThat(pool.live()).isEqualTo(liveBefore - 1);
        assertThat(ring.size()).isEqualTo(1);

        SkBuff got = ring.poll(dev);
        // (The head may be the very object just freed, reused from the pool: what tells a copy is
        // the receive headroom, not MAX_HEADER.)
        assertThat(got.toByteArray()).isEqualTo(sent);
        assertThat(got.dev).isSameAs(dev);
        assertThat(got.ipSummed).isEqualTo(SkBuff.CHECKSUM_PARTIAL);
        assertThat(got.csumStart - got.data).isEqualTo(34);
        assertThat(got.csumOffset).isEqualTo(6);
        assertThat(got.journey).isEqualTo(77);
        assertThat(got.headroom()).isEqualTo(Skb.NET_SKB_PAD);
        assertThat(ring.poll(dev)).isNull();
        assertThat(ring.isEmpty()).isTrue();
        Skb.consumeSkb(got);
        assertThat(pool.live()).isEqualTo(liveBefore - 1);
    }

    @Test
    void frameAtCopybreak_isCopied_oneByteMore_crossesByReference() {
        FrameRing ring = new FrameRing(4);
        SkBuff small = skb(1, FrameRing.COPYBREAK);
        SkBuff big = skb(2, FrameRing.COPYBREAK + 1);
        byte[] smallBytes = small.toByteArray();
        assertThat(ring.offer(small)).isTrue();
        assertThat(ring.offer(big)).isTrue();
        SkBuff a = ring.poll(dev);
        assertThat(a.headroom()).isEqualTo(Skb.NET_SKB_PAD);
        assertThat(a.toByteArray()).isEqualTo(smallBytes);
        SkBuff b = ring.poll(dev);
        assertThat(b).isSameAs(big);
        assertThat(b.headroom()).isEqualTo(Skb.MAX_HEADER);
        Skb.consumeSkb(a);
        Skb.consumeSkb(b);
    }

    @Test
    void stateTheSlotDoesNotCarry_crossesByReference() {
        SkBuff gso = skb(1, 100);
        gso.gsoSize = 50;
        SkBuff marked = skb(2, 100);
        marked.mark = 9;
        SkBuff stamped = skb(3, 100);
        stamped.tstampNs = 12;
        SkBuff hashed = skb(4, 100);
        hashed.hash = 0x1234;
        FrameRing ring = new FrameRing(8);
        for (SkBuff s : new SkBuff[] {gso, marked, stamped, hashed}) {
            assertThat(FrameRing.copies(s)).isFalse();
            assertThat(ring.offer(s)).isTrue();
        }
        assertThat(ring.poll(dev)).isSameAs(gso);
        assertThat(ring.poll(dev)).isSameAs(marked);
        assertThat(ring.poll(dev)).isSameAs(stamped);
        assertThat(ring.poll(dev)).isSameAs(hashed);
        for (SkBuff s : new SkBuff[] {gso, marked, stamped, hashed}) {
            Skb.consumeSkb(s);
        }
    }

    /** A ring of 5 (not a power of two), copies and references mixed, many laps: FIFO, full refuses. */
    @Test
    void mixedFrames_areFifo_overManyLaps_andAFullRingRefusesWithoutTakingTheSkb() {
        FrameRing ring = new FrameRing(5);
        int next = 0;
        int expect = 0;
        for (int lap = 0; lap < 40; lap++) {
            for (int k = 0; k < 5; k++, next++) {
                assertThat(ring.offer(skb(next, next % 3 == 0 ? 600 : 80))).isTrue();
            }
            SkBuff extra = skb(-1, 80);
            assertThat(ring.offer(extra)).isFalse();
            assertThat(extra.segment()).isNotNull(); // still the caller's
            Skb.consumeSkb(extra);
            assertThat(ring.size()).isEqualTo(5);
            SkBuff s;
            while ((s = ring.poll(dev)) != null) {
                assertThat(FrameKit.seqOf(s.toByteArray())).isEqualTo(expect++);
                Skb.consumeSkb(s);
            }
        }
        assertThat(expect).isEqualTo(200);
        assertThat(dev.stats().rxDropped()).isZero();
    }

    @Test
    void aCopyThatFindsThePoolEmpty_isDroppedAndCounted_andTheNextOneStillArrives() {
        FrameRing ring = new FrameRing(4);
        assertThat(ring.offer(skb(1, 64))).isTrue();
        assertThat(ring.offer(skb(2, 64))).isTrue();
        PagePool tiny = new PagePool("tiny", 0);
        dev.setPool(tiny);
        long nomem = net.drops().get(DropReason.NOMEM);
        assertThat(ring.poll(dev)).isNull();
        assertThat(dev.stats().rxDropped()).isEqualTo(2); // a driver's failed napi_alloc_skb()
        assertThat(net.drops().get(DropReason.NOMEM)).isEqualTo(nomem + 2);
        assertThat(ring.isEmpty()).isTrue();
        dev.setPool(pool);
        assertThat(ring.offer(skb(3, 64))).isTrue();
        SkBuff s = ring.poll(dev);
        assertThat(FrameKit.seqOf(s.toByteArray())).isEqualTo(3);
        Skb.consumeSkb(s);
    }

    @Test
    void misuse_isRejected() {
        assertThatThrownBy(() -> new FrameRing(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FrameRing((1 << 20) + 1)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Four producer threads, copies and references mixed, against one consumer: every frame arrives
     * once, intact, and each producer's in its order. Bounded work, no clock: the threads are joined.
     */
    @Test
    void manyProducersOneConsumer_loseNothingAndKeepPerProducerOrder() throws InterruptedException {
        int producers = 4;
        int perProducer = 20_000;
        FrameRing ring = new FrameRing(64);
        Thread[] ts = new Thread[producers];
        for (int p = 0; p < producers; p++) {
            final int id = p;
            ts[p] = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < perProducer; i++) {
                    SkBuff s = skb(id << 24 | i, i % 7 == 0 ? 400 : 64 + (i & 63));
                    while (!ring.offer(s)) {
                        Thread.onSpinWait();
                    }
                }
            });
        }
        int[] next = new int[producers];
        int received = 0;
        AtomicBoolean bad = new AtomicBoolean();
        while (received < producers * perProducer) {
            SkBuff s = ring.poll(dev);
            if (s == null) {
                Thread.onSpinWait();
                continue;
            }
            byte[] f = s.toByteArray();
            int seq = FrameKit.seqOf(f);
            int id = seq >>> 24;
            int i = seq & 0xffffff;
            int len = i % 7 == 0 ? 400 : 64 + (i & 63);
            if (i != next[id] || f.length != len
                    || !java.util.Arrays.equals(f, FrameKit.frame(0x020000000001L, 0x020000000002L, seq, len))) {
                bad.set(true);
            }
            next[id]++;
            received++;
            Skb.consumeSkb(s);
        }
        for (Thread t : ts) {
            t.join();
        }
        assertThat(bad).isFalse();
        assertThat(next).containsOnly(perProducer);
        assertThat(ring.isEmpty()).isTrue();
    }
}
