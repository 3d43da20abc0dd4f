package dev.packetflow.kernel.time;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TimerWheelTest {
    @Test
    void modTimer_earlierThanTheSleepingRunnersWakeUp_kicksIt_laterOrAwakeDoesNot() {
        TimerWheel w = new TimerWheel();
        int[] kicks = new int[1];
        w.setIdleKick(() -> kicks[0]++);
        TimerList t = new TimerList(x -> { }, null);
        w.modTimer(t, 500); // the runner is awake: nothing to kick
        assertThat(kicks[0]).isZero();
        w.setIdleUntil(1_000_000); // sleeping until 1 ms
        w.modTimer(t, 2_000_000); // later than its wake-up: it will see the timer then
        assertThat(kicks[0]).isZero();
        w.modTimer(t, 999_999); // earlier: wake_up_nohz_cpu
        assertThat(kicks[0]).isEqualTo(1);
        w.setIdleUntil(0);
        w.modTimer(t, 10);
        assertThat(kicks[0]).isEqualTo(1);
    }

    @Test
    void timersFireAtExactExpiryInExpiryThenArmingOrder() {
        TimerWheel w = new TimerWheel();
        List<String> fired = new ArrayList<>();
        TimerList a = new TimerList(t -> fired.add("a"), null);
        TimerList b = new TimerList(t -> fired.add("b"), null);
        TimerList c = new TimerList(t -> fired.add("c"), null);
        w.modTimer(a, 5_000_000_000L); // beyond one revolution: same slot as far-away timers
        w.modTimer(b, 1_500);
        w.modTimer(c, 1_500);
        assertThat(w.nextExpiryNs(true)).isEqualTo(1_500);
        assertThat(w.runTimers(1_499)).isZero();
        assertThat(w.runTimers(1_500)).isEqualTo(2);
        assertThat(fired).containsExactly("b", "c");
        assertThat(w.nextExpiryNs(true)).isEqualTo(5_000_000_000L);
        w.runTimers(6_000_000_000L);
        assertThat(fired).containsExactly("b", "c", "a");
        assertThat(w.size()).isZero();
    }

    @Test
    void modTimerRearmsAndDelTimerCancels() {
        TimerWheel w = new TimerWheel();
        int[] n = new int[1];
        TimerList t = new TimerList(x -> n[0]++, null);
        w.modTimer(t, 100);
        w.modTimer(t, 200);
        assertThat(w.size()).isEqualTo(1);
        assertThat(w.runTimers(150)).isZero();
        assertThat(w.delTimer(t)).isTrue();
        assertThat(w.delTimer(t)).isFalse();
        assertThat(w.runTimers(1_000)).isZero();
        assertThat(n[0]).isZero();
    }

    @Test
    void deferrableTimersDoNotCountAsPendingWork() {
        TimerWheel w = new TimerWheel();
        w.modTimer(new TimerList(x -> {}, null, true), 10);
        assertThat(w.hasNonDeferrable()).isFalse();
        assertThat(w.nextExpiryNs(false)).isEqualTo(Long.MAX_VALUE);
        assertThat(w.nextExpiryNs(true)).isEqualTo(10);
    }

    @Test
    void randomScheduleFiresInSortedOrder() {
        Random r = new Random(42);
        TimerWheel w = new TimerWheel();
        List<Long> fired = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            TimerList t = new TimerList(x -> fired.add(x.expiresNs()), null);
            w.modTimer(t, r.nextLong(20_000_000_000L));
        }
        long now = 0;
        while (w.size() > 0) {
            now = w.nextExpiryNs(true);
            w.runTimers(now);
        }
        assertThat(fired).hasSize(5_000).isSorted();
    }
}
