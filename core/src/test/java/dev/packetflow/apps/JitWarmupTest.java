package dev.packetflow.apps;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * {@link JitWarmup} in real time (it exists for the JIT, which virtual time cannot exercise): every
 * phase moves traffic through the two internal stacks and everything is released afterwards (the
 * leak check after each test fails on any buffer left behind).
 */
class JitWarmupTest {
    @Test
    void run_exercisesEveryPhase_andLeavesNothingBehind() throws Exception {
        // with a polling window on the answering TAP driver, as serve warms up for its own
        JitWarmup.Result r = JitWarmup.run(600, 200);
        assertThat(r.pings()).isPositive();
        assertThat(r.udpRoundTrips()).isPositive();
        assertThat(r.tcpRoundTrips()).isPositive();
        assertThat(r.tcpConnections()).isPositive();
        assertThat(r.bulkBytes()).isGreaterThanOrEqualTo(2 * 64 * 1024);
        assertThat(r.toString()).contains("pings", "round trips", "MB bulk");
        assertThat(r.link()).as("the TAP driver is warmed up too").isEqualTo("veth, then TAP drivers on a socket pair");
    }
}
