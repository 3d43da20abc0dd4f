package dev.packetflow.kernel.time;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The real clock's jiffies. Only bounds that hold however the machine schedules the tick thread
 * are asserted: never ahead of the clock, never backwards, and exact when read with the tick
 * stopped (the first read).
 */
class SystemClockTest {
    private static long ms() {
        return System.nanoTime() / 1_000_000L;
    }

    @Test
    void firstRead_readsTheClock_laterReadsNeverGoBackNorAhead() {
        SystemClock c = new SystemClock();
        long before = ms();
        long first = c.jiffies();
        long after = ms();
        assertThat(first).isBetween(before, after);
        long last = first;
        for (int i = 0; i < 200_000; i++) {
            long j = c.jiffies();
            assertThat(j).isGreaterThanOrEqualTo(last).isLessThanOrEqualTo(ms());
            last = j;
        }
    }

    @Test
    void nanoTime_isTheSystemClock_andVirtualJiffiesAreExact() {
        SystemClock c = new SystemClock();
        long before = System.nanoTime();
        assertThat(c.nanoTime()).isGreaterThanOrEqualTo(before).isLessThanOrEqualTo(System.nanoTime());
        VirtualClock v = new VirtualClock();
        v.advanceBy(2_999_999L);
        assertThat(v.jiffies()).isEqualTo(v.nanoTime() / 1_000_000L).isEqualTo(VirtualClock.EPOCH_NS / 1_000_000L + 2);
    }
}
