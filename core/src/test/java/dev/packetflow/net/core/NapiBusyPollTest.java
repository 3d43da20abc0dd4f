package dev.packetflow.net.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.kernel.Simulation;
import org.junit.jupiter.api.Test;

/** {@link Napi#busyPoll}: an application thread polls a NAPI context only when softnet does not hold it. */
class NapiBusyPollTest {
    final Simulation sim = new Simulation(1);
    int ring;
    int polled;

    Napi napi(int budgetUse) {
        Napi n = new Napi(null, (napi, budget) -> {
            int work = Math.min(Math.min(ring, budget), budgetUse);
            ring -= work;
            polled += work;
            if (work < budget) {
                napi.complete();
            }
            return work;
        });
        n.bind(sim.softnet(0));
        return n;
    }

    @Test
    void busyPoll_idleContext_isPolledInTheCallersThreadAndCompleted() {
        Napi n = napi(Integer.MAX_VALUE);
        ring = 3;
        assertThat(n.busyPoll(8)).isEqualTo(3);
        assertThat(polled).isEqualTo(3);
        assertThat(n.scheduled()).isFalse();
        assertThat(sim.softnet(0).hasPendingWork()).isFalse();
    }

    @Test
    void busyPoll_contextScheduledForSoftnet_isLeftAlone() {
        Napi n = napi(Integer.MAX_VALUE);
        ring = 3;
        n.schedule();
        assertThat(n.busyPoll(8)).isZero();
        assertThat(polled).isZero();
        sim.run();
        assertThat(polled).isEqualTo(3);
    }

    @Test
    void busyPoll_usingWholeBudget_handsTheContextBackToSoftnet() {
        Napi n = napi(Integer.MAX_VALUE);
        ring = 20;
        assertThat(n.busyPoll(8)).isEqualTo(8);
        assertThat(n.scheduled()).isTrue();
        assertThat(sim.softnet(0).hasPendingWork()).isTrue();
        sim.run();
        assertThat(polled).isEqualTo(20);
        assertThat(n.scheduled()).isFalse();
    }

    @Test
    void preferBusyPoll_contextScheduledForSoftnet_isRunByTheCaller_andLeavesTheWorkerAsleep() {
        Napi n = napi(Integer.MAX_VALUE);
        ring = 3;
        n.schedule();
        SoftnetData sd = sim.softnet(0);
        assertThat(n.busyPoll(8, true)).isEqualTo(3); // the caller ran net_rx_action
        assertThat(polled).isEqualTo(3);
        assertThat(n.scheduled()).isFalse();
        assertThat(sd.hasPendingWork()).isFalse();
        assertThat(sd.busyPollActive()).isTrue();
        int[] wakes = new int[1];
        sd.setWaker(() -> wakes[0]++);
        sd.sleeping = true;
        ring = 1;
        n.schedule(); // a producer: the poller will take it, the worker sleeps on
        assertThat(wakes[0]).isZero();
        sd.busyPollStop(); // the poller goes to sleep: softnet takes the work back at once
        assertThat(wakes[0]).isEqualTo(1);
        assertThat(sd.busyPollActive()).isFalse();
        n.busyPoll(8, false); // scheduled: left alone without preference
        assertThat(polled).isEqualTo(3);
        sd.sleeping = false;
        sd.setWaker(null);
        sim.run();
        assertThat(polled).isEqualTo(4);
    }

    @Test
    void preferBusyPoll_idleContext_staysWithThePollerAcrossCalls_andProducersDoNotScheduleIt() {
        Napi n = napi(Integer.MAX_VALUE);
        SoftnetData sd = sim.softnet(0);
        assertThat(n.busyPoll(8, true)).isZero(); // takes the idle context and keeps it
        assertThat(n.busyPolled()).isTrue();
        assertThat(n.scheduled()).isTrue(); // SCHED held: the driver's interrupt stays masked
        ring = 2;
        n.schedule(); // a producer finds it held: nothing goes on softnet's list
        assertThat(sd.hasPendingWork()).isFalse();
        assertThat(n.busyPoll(8, true)).isEqualTo(2); // the owner polls the ring directly
        assertThat(n.complete()).isFalse(); // napi_complete_done refused while busy-polled
        n.busyPollRelease(); // busy_poll_stop: back to softnet, which completes it
        assertThat(n.busyPolled()).isFalse();
        assertThat(sd.hasPendingWork()).isTrue();
        sim.run();
        assertThat(n.scheduled()).isFalse();
        assertThat(polled).isEqualTo(2);
    }

    @Test
    void preferBusyPoll_pollerThatStopsPolling_leavesTheWorkToSoftnetAfterTheDeferral() {
        Napi n = napi(Integer.MAX_VALUE);
        SoftnetData sd = sim.softnet(0);
        int[] wakes = new int[1];
        sd.setWaker(() -> wakes[0]++);
        n.busyPoll(8, true); // claims the CPU's receive work for the deferral period
        sim.runForNs(SoftnetData.BUSY_POLL_DEFER_NS / 2 + 1);
        n.busyPoll(8, true); // still polling past half the period: the claim is renewed
        sim.runForNs(SoftnetData.BUSY_POLL_DEFER_NS - 2);
        assertThat(sd.busyPollActive()).isTrue();
        sd.sleeping = true;
        ring = 1;
        n.schedule(); // the poller will take it: the worker sleeps on
        assertThat(wakes[0]).isZero();
        n.busyPoll(8, true);
        assertThat(polled).isEqualTo(1);
        sim.runForNs(SoftnetData.BUSY_POLL_DEFER_NS + 1); // the poller stopped without a word
        assertThat(sd.busyPollActive()).isFalse();
        ring = 1;
        n.schedule();
        assertThat(wakes[0]).isZero(); // still held by the vanished poller...
        sd.releaseBusyPollers(); // ...until the worker, past the deferral, takes it back
        assertThat(wakes[0]).isEqualTo(1);
        assertThat(n.busyPolled()).isFalse();
        sd.sleeping = false;
        sd.setWaker(null);
        sim.run();
        assertThat(polled).isEqualTo(2);
        assertThat(n.scheduled()).isFalse();
    }
}
