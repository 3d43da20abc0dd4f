package dev.packetflow.net.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.junit.jupiter.api.Test;

class PagePoolCacheTest {
    @Test
    void freedBufferIsReusedByTheSameThread_withoutGrowingThePool() {
        PagePool pool = new PagePool("c", 1 << 24);
        SkBuff a = pool.alloc(100);
        long reserved = pool.bytesReserved();
        java.lang.foreign.MemorySegment seg = a.segment();
        Skb.consumeSkb(a);
        SkBuff b = pool.alloc(100);
        assertThat(b.segment()).isSameAs(seg);
        assertThat(pool.bytesReserved()).isEqualTo(reserved);
        assertThat(pool.live()).isEqualTo(1);
        Skb.consumeSkb(b);
        assertThat(pool.live()).isZero();
        assertThat(pool.allocations()).isEqualTo(2);
    }

    @Test
    void liveBuffersAreNeverHandedOutTwice_acrossCacheRefillsAndSpills() {
        PagePool pool = new PagePool("c", 1 << 26);
        List<SkBuff> held = new ArrayList<>();
        IdentityHashMap<Object, Boolean> segs = new IdentityHashMap<>();
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < 3 * PagePool.CACHE_MAX; i++) {
                SkBuff s = pool.alloc(200);
                assertThat(segs.put(s.segment(), Boolean.TRUE)).as("buffer handed out twice").isNull();
                held.add(s);
            }
            // Free most of them (the cache spills to the shared list), keep some.
            for (int i = held.size() - 1; i >= held.size() / 4; i--) {
                SkBuff s = held.remove(i);
                segs.remove(s.segment());
                Skb.consumeSkb(s);
            }
        }
        assertThat(pool.live()).isEqualTo(held.size());
        held.forEach(Skb::consumeSkb);
        assertThat(pool.live()).isZero();
    }

    /**
     * One thread allocates, another frees (a veth carries skbs between stacks' threads): the
     * buffers come back through the shared lists, the counts stay exact, nothing leaks.
     */
    @Test
    void allocateOnOneThread_freeOnAnother_countsStayExact() throws Exception {
        PagePool pool = new PagePool("c", 1 << 26);
        BlockingQueue<SkBuff> q = new ArrayBlockingQueue<>(1024);
        int n = 100_000;
        Thread consumer = new Thread(() -> {
            try {
                for (int i = 0; i < n; i++) {
                    SkBuff s = q.take();
                    if (s.u8(s.data) != (i & 0xff)) {
                        throw new AssertionError("corrupted buffer at " + i);
                    }
                    Skb.consumeSkb(s);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        consumer.start();
        for (int i = 0; i < n; i++) {
            SkBuff s = pool.alloc(100);
            s.put(1);
            s.setU8(s.data, i);
            q.put(s);
        }
        consumer.join();
        assertThat(pool.live()).isZero();
        assertThat(pool.allocations()).isEqualTo(n);
        // The buffers did not leak into the consumer's cache for good: the pool stayed small.
        assertThat(pool.bytesReserved()).isLessThanOrEqualTo((long) PagePool.SMALL * 256 * 12);
    }

    @Test
    void clonesShareTheBuffer_whichReturnsOnlyWithTheLastHead() {
        PagePool pool = new PagePool("c", 1 << 24);
        SkBuff a = pool.alloc(100);
        a.put(3);
        SkBuff c = a.cloneSkb();
        Skb.consumeSkb(a);
        // The buffer is still c's: a new allocation must not get it.
        SkBuff b = pool.alloc(100);
        assertThat(b.segment()).isNotSameAs(c.segment());
        Skb.consumeSkb(c);
        Skb.consumeSkb(b);
        assertThat(pool.live()).isZero();
    }
}
