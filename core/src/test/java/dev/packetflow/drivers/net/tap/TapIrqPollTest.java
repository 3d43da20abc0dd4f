package dev.packetflow.drivers.net.tap;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The interrupt thread's polling window adapts as Linux's cpuidle-haltpoll adjusts its poll limit. */
class TapIrqPollTest {
    static final long MAX = 200_000;

    @Test
    void shortIdle_growsTheWindowFrom50usByDoubling_upToTheMaximum() {
        long w = TapIrq.adjustPollNs(0, MAX, 80_000);
        assertThat(w).isEqualTo(50_000);
        w = TapIrq.adjustPollNs(w, MAX, 80_000);
        assertThat(w).isEqualTo(100_000);
        w = TapIrq.adjustPollNs(w, MAX, 150_000);
        assertThat(w).isEqualTo(200_000);
        assertThat(TapIrq.adjustPollNs(w, MAX, 199_000)).isEqualTo(200_000);
    }

    @Test
    void idleLongerThanTheMaximum_halvesTheWindow_andDropsItToZeroBelow50us() {
        long w = TapIrq.adjustPollNs(200_000, MAX, 10_000_000);
        assertThat(w).isEqualTo(100_000);
        w = TapIrq.adjustPollNs(w, MAX, 10_000_000);
        assertThat(w).isEqualTo(50_000);
        assertThat(TapIrq.adjustPollNs(w, MAX, 10_000_000)).isZero();
    }

    @Test
    void idleWithinTheWindow_keepsIt_andASmallMaximumCapsTheStart() {
        assertThat(TapIrq.adjustPollNs(100_000, MAX, 60_000)).isEqualTo(100_000);
        assertThat(TapIrq.adjustPollNs(0, 20_000, 10_000)).isEqualTo(20_000);
    }
}
