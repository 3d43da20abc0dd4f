package dev.packetflow.net.ipv4;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Linux's ICMP rate limits, in virtual time. */
class IcmpRateLimitTest {

    private static void burstOfTtl1(TestNet n, Ping ping, int count, int seq0) {
        for (int i = 0; i < count; i++) {
            assertThat(ping.send(TestNet.B, seq0 + i, 8, 1, false)).isZero();
        }
        n.sim.run();
    }

    @Test
    void perHost_burstOfSix_thenOnePerSecond() {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 1)) {
            burstOfTtl1(n, ping, 20, 0);
            assertThat(ping.errors()).hasSize(6);
            assertThat(n.mib(n.r, "Icmp", "OutTimeExcds")).isEqualTo(6);
            assertThat(n.mib(n.r, "Icmp", "OutRateLimitHost")).isEqualTo(14);
            assertThat(n.mib(n.r, "Icmp", "OutRateLimitGlobal")).isZero();

            n.sim.runFor(Duration.ofMillis(999));
            burstOfTtl1(n, ping, 3, 100);
            assertThat(ping.errors()).hasSize(6);
            n.sim.runFor(Duration.ofMillis(1));
            burstOfTtl1(n, ping, 3, 200);
            assertThat(ping.errors()).hasSize(7);

            n.sim.runFor(Duration.ofSeconds(60));
            burstOfTtl1(n, ping, 10, 300);
            assertThat(ping.errors()).hasSize(13);
        }
    }

    @Test
    void global_limitsAllHostsTogether_aroundBurst() {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 1)) {
            n.r.ipv4().icmpRatelimit = 0; // no per-host limit: only the global bucket applies
            burstOfTtl1(n, ping, 200, 0);
            long sent = n.mib(n.r, "Icmp", "OutTimeExcds");
            long limited = n.mib(n.r, "Icmp", "OutRateLimitGlobal");
            assertThat(sent + limited).isEqualTo(200);
            // 50 credits, each message taking 0..2 of them (one on average).
            assertThat(sent).isBetween(26L, 120L);
            assertThat(ping.errors()).hasSize((int) sent);

            n.sim.runFor(Duration.ofMillis(10)); // below the 20 ms refill granularity
            burstOfTtl1(n, ping, 5, 1000);
            assertThat(n.mib(n.r, "Icmp", "OutTimeExcds")).isEqualTo(sent);
            n.sim.runFor(Duration.ofSeconds(1));
            burstOfTtl1(n, ping, 5, 2000);
            assertThat(n.mib(n.r, "Icmp", "OutTimeExcds")).isEqualTo(sent + 5);
        }
    }

    @Test
    void global_isDeterministicUnderASeed() {
        long[] sent = new long[2];
        for (int run = 0; run < 2; run++) {
            try (TestNet n = new TestNet(99).router(); Ping ping = Ping.open(n.a, 1)) {
                n.r.ipv4().icmpRatelimit = 0;
                burstOfTtl1(n, ping, 200, 0);
                sent[run] = n.mib(n.r, "Icmp", "OutTimeExcds");
            }
        }
        assertThat(sent[0]).isEqualTo(sent[1]);
    }

    @Test
    void echoReplies_areNotRateLimited() {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 1)) {
            for (int i = 0; i < 300; i++) {
                ping.send(TestNet.B, i, 8);
            }
            n.sim.run();
            assertThat(ping.replies()).hasSize(300);
            assertThat(n.mib(n.b, "Icmp", "OutRateLimitGlobal") + n.mib(n.b, "Icmp", "OutRateLimitHost")).isZero();
        }
    }

    @Test
    void fragNeeded_isNeverRateLimited() {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 1)) {
            n.r.devices().setMtu(n.rEth1, 600);
            for (int i = 0; i < 100; i++) {
                ping.send(TestNet.B, i, 1000, -1, true);
            }
            n.sim.run();
            assertThat(ping.errors()).hasSize(100);
            assertThat(ping.errors()).extracting(Ping.Error::info).containsOnly(600);
        }
    }

    @Test
    void ratemaskCleared_disablesLimits() {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 1)) {
            n.r.ipv4().icmpRatemask = 0;
            burstOfTtl1(n, ping, 100, 0);
            assertThat(ping.errors()).hasSize(100);
        }
    }
}
