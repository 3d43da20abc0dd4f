package dev.packetflow.net.ipv4.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.drivers.net.wire.WireConditions;
import dev.packetflow.testing.LeakCheckExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Allocation per segment in steady state: the whole path (send, tcp_write_xmit, IP, veth, NAPI,
 * tcp_v4_rcv, fast path, ACK processing, recv) runs on the simulation's thread, so its allocated
 * bytes are what the stack allocates. Paranoid leak detection records a stack trace per skb, so
 * this test runs without it, in a surefire execution of its own ({@code zero-alloc} in
 * core/pom.xml, for every {@code *ZeroAllocTest}) that every test run naming no tests with
 * {@code -Dtest} includes, CI's too ({@link LeakCheckExtension#requireDetectionOff}). Alone:
 *
 * <pre>
 * ./mvnw -o -q -pl core test-compile surefire:test@zero-alloc
 * </pre>
 */
class TcpZeroAllocTest {
    static double bytesPerSegment(WireConditions wire, long warmup, long measured) {
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        try (TcpNet n = new TcpNet(61, wire)) {
            n.capturing = false;
            int[] c = n.establish(80);
            Pump p = new Pump(n.sa, c[0], n.sb, c[1], warmup + measured + (1 << 20), 1);
            n.sim.runUntil(() -> p.step() || p.read > warmup, Duration.ofHours(1));
            long segs0 = n.b.tcp().mib().get(TcpMib.IN_SEGS) + n.a.tcp().mib().get(TcpMib.IN_SEGS);
            long before = mx.getCurrentThreadAllocatedBytes();
            n.sim.runUntil(() -> p.step() || p.read > warmup + measured, Duration.ofHours(1));
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            long segs = n.b.tcp().mib().get(TcpMib.IN_SEGS) + n.a.tcp().mib().get(TcpMib.IN_SEGS) - segs0;
            assertThat(p.error).isZero();
            assertThat(segs).isGreaterThan(1000);
            System.out.printf("%s: %d bytes allocated for %d segments (%.3f per segment)%n", wire, allocated, segs,
                    (double) allocated / segs);
            return (double) allocated / segs;
        }
    }

    @Test
    void steadyState_perfectWire_allocatesNothingPerSegment() {
        LeakCheckExtension.requireDetectionOff();
        assertThat(bytesPerSegment(WireConditions.PERFECT, 20 << 20, 50 << 20)).isLessThan(1.0);
    }

    @Test
    void lossAndReordering_recoveryPathsAllocateLittle() {
        LeakCheckExtension.requireDetectionOff();
        WireConditions w = WireConditions.builder().delay(Duration.ofMillis(5)).loss(0.02).reorder(0.05).build();
        assertThat(bytesPerSegment(w, 10 << 20, 60 << 20)).isLessThan(4.0);
    }
}
