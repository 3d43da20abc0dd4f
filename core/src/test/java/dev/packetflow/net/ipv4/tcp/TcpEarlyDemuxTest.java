package dev.packetflow.net.ipv4.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.ipv4.RouteSpec;
import dev.packetflow.trace.Trace;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * TCP early demux ({@code tcp_v4_early_demux}, sysctl {@code tcp_early_demux}): a segment of an
 * established connection finds its sock before routing and, once the sock keeps the input route
 * of its segments ({@code sk_rx_dst}), skips routing altogether until the routes change.
 */
class TcpEarlyDemuxTest {
    private final TcpNet n = new TcpNet(17);
    private static final byte[] CHUNK = new byte[100];

    @AfterEach
    void close() {
        n.close();
    }

    /** Input route lookups B made (Linux: rt_cache {@code in_slow_tot}). */
    private long inputLookupsB() {
        return n.b.ipv4().route().stats().get("in_slow_tot");
    }

    /**
     * Sends {@code count} chunks from A one at a time, each read by B before the next, and returns
     * the input routes B looked up meanwhile (for the data and A's ACKs of B's nothing: B sends
     * only ACKs, which A receives).
     */
    private long lookupsForChunks(int[] c, int count) {
        long before = inputLookupsB();
        byte[] buf = new byte[CHUNK.length];
        for (int i = 0; i < count; i++) {
            assertThat(n.sa.write(c[0], CHUNK, 0, CHUNK.length)).isEqualTo(CHUNK.length);
            n.sim.run();
            assertThat(n.sb.read(c[1], buf, 0, buf.length)).isEqualTo(CHUNK.length);
        }
        return inputLookupsB() - before;
    }

    @Test
    void segmentsOfAnEstablishedConnection_areRoutedOnce_thenTakeTheKeptRoute() {
        int[] c = n.establish(80);
        n.sim.run();
        long routed = lookupsForChunks(c, 10);
        assertThat(routed).as("the first segment learns the route (or the handshake did)").isLessThanOrEqualTo(1);
        assertThat(lookupsForChunks(c, 10)).isZero();
        assertThat(n.tcpB(c[1]).skRxDst()).isNotNull();
    }

    @Test
    void withTheSysctlOff_everySegmentIsRouted() {
        n.b.ipv4().tcpEarlyDemux = 0;
        int[] c = n.establish(80);
        n.sim.run();
        assertThat(lookupsForChunks(c, 10)).isGreaterThanOrEqualTo(10);
        assertThat(n.tcpB(c[1]).skRxDst()).isNull();
    }

    @Test
    void aRouteChange_makesTheKeptRouteStale_andTheNextSegmentLearnsItAgain() {
        int[] c = n.establish(80);
        n.sim.run();
        lookupsForChunks(c, 3);
        n.b.ipv4().fib().routeAdd(RouteSpec.to(InetAddr.parse("198.19.7.0"), 24).dev(n.veth.b()));
        assertThat(lookupsForChunks(c, 5)).isEqualTo(1);
    }

    @Test
    void theStageIsTraced_withWhetherTheKeptRouteWasUsed() throws Exception {
        int[] c = n.establish(80);
        n.sim.run();
        AtomicInteger withKept = new AtomicInteger();
        AtomicInteger all = new AtomicInteger();
        try (AutoCloseable probe = Trace.attach("tcp_v4_early_demux", (tp, net, dev, skb, arg) -> {
            if (net == n.b) {
                all.incrementAndGet();
                if (arg == 1) {
                    withKept.incrementAndGet();
                }
            }
        })) {
            lookupsForChunks(c, 5);
        }
        assertThat(all.get()).isGreaterThanOrEqualTo(5);
        assertThat(withKept.get()).isGreaterThanOrEqualTo(4);
    }
}
