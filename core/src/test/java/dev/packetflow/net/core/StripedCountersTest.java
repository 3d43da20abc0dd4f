package dev.packetflow.net.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class StripedCountersTest {
    @Test
    void singleThread_countsExactly_andSetOverridesAValue() {
        StripedCounters c = new StripedCounters(3);
        c.inc(0);
        c.add(1, 40);
        c.add(0, 1, 2, 1500);
        assertThat(c.get(0)).isEqualTo(2);
        assertThat(c.get(1)).isEqualTo(40);
        assertThat(c.get(2)).isEqualTo(1500);
        c.set(1, 7);
        assertThat(c.get(1)).isEqualTo(7);
        c.inc(1);
        assertThat(c.get(1)).isEqualTo(8);
    }

    @Test
    void badIndex_throwsAndCountsNothing() {
        StripedCounters c = new StripedCounters(2);
        assertThatThrownBy(() -> c.inc(2)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> c.add(-1, 5)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> c.get(9)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(c.get(0) + c.get(1)).isZero();
    }

    /** More threads than private stripes: the rest share the atomic copy; nothing is lost. */
    @Test
    void manyThreads_moreThanStripes_sumIsExact() throws Exception {
        StripedCounters c = new StripedCounters(2);
        int threads = StripedCounters.SLOTS * 3;
        int perThread = 200_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    c.inc(0);
                    c.add(0, 1, 1, 3);
                }
            });
            ts.add(th);
            th.start();
        }
        start.countDown();
        for (Thread th : ts) {
            th.join();
        }
        assertThat(c.get(0)).isEqualTo(2L * threads * perThread);
        assertThat(c.get(1)).isEqualTo(3L * threads * perThread);
    }
}
