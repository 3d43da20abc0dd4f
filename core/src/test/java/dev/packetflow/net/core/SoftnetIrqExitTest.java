package dev.packetflow.net.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.kernel.Simulation;
import org.junit.jupiter.api.Test;

/**
 * {@link SoftnetData#irqExit}: the receive softirq an interrupt handler raised runs on the
 * handler's own thread, within Linux's restart limits, and ksoftirqd is woken only for what is left.
 */
class SoftnetIrqExitTest {
    final Simulation sim = new Simulation(1);
    final SoftnetData sd = sim.softnet(0);
    int ring;
    int polled;
    int wakes;

    Napi napi() {
        Napi n = new Napi(null, (napi, budget) -> {
            int work = Math.min(ring, budget);
            ring -= work;
            polled += work;
            if (work < budget) {
                napi.complete();
            }
            return work;
        });
        n.bind(sd);
        sd.setWaker(() -> wakes++);
        return n;
    }

    @Test
    void scheduleIrqoff_leavesTheSleepingWorkerAlone_andIrqExitRunsTheWork() {
        Napi n = napi();
        sd.sleeping = true;
        ring = 5;
        n.scheduleIrqoff();
        assertThat(wakes).isZero();
        assertThat(sd.irqExit()).isEqualTo(5);
        assertThat(polled).isEqualTo(5);
        assertThat(n.scheduled()).isFalse();
        assertThat(sd.hasPendingWork()).isFalse();
        assertThat(wakes).isZero(); // nothing left for ksoftirqd
    }

    @Test
    void schedule_fromAnywhereElse_stillWakesTheSleepingWorker() {
        Napi n = napi();
        sd.sleeping = true;
        ring = 1;
        n.schedule();
        assertThat(wakes).isEqualTo(1);
    }

    @Test
    void irqExit_stopsAfterMaxSoftirqRestartRounds_andWakesKsoftirqdForTheRest() {
        Napi n = napi();
        sd.sleeping = true;
        int perRound = 5 * Napi.POLL_WEIGHT;
        ring = 1_000_000;
        n.scheduleIrqoff();
        int done = sd.irqExit();
        // Each round of net_rx_action polls the one context until the 300-frame budget is spent
        // (64-frame weights: 5 polls, 320 frames), and irq exit allows MAX_SOFTIRQ_RESTART rounds.
        assertThat(done).isEqualTo(SoftnetData.MAX_SOFTIRQ_RESTART * perRound);
        assertThat(n.scheduled()).isTrue();
        assertThat(wakes).isEqualTo(1); // wakeup_softirqd(): the worker finishes the ring
        sim.run();
        assertThat(ring).isZero();
        assertThat(polled).isEqualTo(1_000_000);
    }

    @Test
    void irqExit_whileAPreferringBusyPollerOwnsTheCpu_leavesTheWorkToIt() {
        Napi n = napi();
        sd.busyPollPrefer(sd.clock().nanoTime());
        ring = 3;
        n.scheduleIrqoff();
        assertThat(sd.irqExit()).isZero();
        assertThat(polled).isZero();
        assertThat(sd.hasPendingWork()).isTrue();
        sd.busyPollStop();
        sim.run();
        assertThat(polled).isEqualTo(3);
    }
}
