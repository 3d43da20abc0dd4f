package dev.packetflow.drivers.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class PtrRingTest {
    @Test
    void offerAndPoll_areFifo_andFullRingRefuses() {
        PtrRing<Integer> r = new PtrRing<>(3);
        assertThat(r.isEmpty()).isTrue();
        assertThat(r.offer(1)).isTrue();
        assertThat(r.offer(2)).isTrue();
        assertThat(r.offer(3)).isTrue();
        assertThat(r.offer(4)).isFalse(); // capacity 3 although the array has 4 slots
        assertThat(r.size()).isEqualTo(3);
        assertThat(r.poll()).isEqualTo(1);
        assertThat(r.offer(5)).isTrue();
        assertThat(r.poll()).isEqualTo(2);
        assertThat(r.poll()).isEqualTo(3);
        assertThat(r.poll()).isEqualTo(5);
        assertThat(r.poll()).isNull();
        assertThat(r.isEmpty()).isTrue();
    }

    @Test
    void wrapsAroundManyTimes() {
        PtrRing<Integer> r = new PtrRing<>(4);
        for (int i = 0; i < 10_000; i++) {
            assertThat(r.offer(i)).isTrue();
            assertThat(r.poll()).isEqualTo(i);
        }
    }

    @Test
    void misuse_isRejected() {
        assertThatThrownBy(() -> new PtrRing<>(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PtrRing<Object>(4).offer(null)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Four producer threads against one consumer: every element arrives exactly once and each
     * producer's elements in its order. Bounded work, no clock: the threads are joined.
     */
    @Test
    void manyProducersOneConsumer_loseNothingAndKeepPerProducerOrder() throws InterruptedException {
        int producers = 4;
        int perProducer = 50_000;
        PtrRing<long[]> ring = new PtrRing<>(256);
        Thread[] ts = new Thread[producers];
        for (int p = 0; p < producers; p++) {
            final int id = p;
            ts[p] = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < perProducer; i++) {
                    long[] e = {id, i};
                    while (!ring.offer(e)) {
                        Thread.onSpinWait();
                    }
                }
            });
        }
        int[] next = new int[producers];
        int received = 0;
        AtomicBoolean bad = new AtomicBoolean();
        while (received < producers * perProducer) {
            long[] e = ring.poll();
            if (e == null) {
                Thread.onSpinWait();
                continue;
            }
            int id = (int) e[0];
            if (e[1] != next[id]) {
                bad.set(true);
            }
            next[id]++;
            received++;
        }
        for (Thread t : ts) {
            t.join();
        }
        assertThat(bad).isFalse();
        assertThat(next).containsOnly(perProducer);
        assertThat(ring.isEmpty()).isTrue();
    }
}
