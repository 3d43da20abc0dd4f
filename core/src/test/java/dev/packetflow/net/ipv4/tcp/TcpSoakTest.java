package dev.packetflow.net.ipv4.tcp;

import java.time.Duration;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The soak: 100 MB each way over the hostile wire (5% loss, 10% reordering, 1% duplication, 0.1%
 * corruption, 5 ms each way) for 20 seeds, every byte intact and no stall. It takes minutes, so it
 * runs in CI ({@code CI=true}) and otherwise only when asked:
 *
 * <pre>
 * ./mvnw -o -q -pl core test -Dtest=TcpSoakTest -DargLine="-Dpacketflow.soak=true \
 *     -Dpacketflow.leakDetection=paranoid --enable-native-access=ALL-UNNAMED"
 * </pre>
 */
@EnabledIf("wanted")
class TcpSoakTest {
    static boolean wanted() {
        return "true".equals(System.getProperty("packetflow.soak")) || "true".equals(System.getenv("CI"));
    }


    static java.util.stream.LongStream seeds() {
        return java.util.stream.LongStream.rangeClosed(1, 20);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void hundredMegabytes_hostileWire_arriveIntact(long seed) {
        try (TcpNet n = new TcpNet(seed, TcpTransferTest.HOSTILE)) {
            n.capturing = false;
            long t0 = System.nanoTime();
            TcpTransferTest.bothWays(n, 100L << 20, Duration.ofHours(2));
            System.out.printf("seed %d: 100 MB each way in %.1f s virtual, %.1f s real%n", seed, n.sim.nowNs() / 1e9,
                    (System.nanoTime() - t0) / 1e9);
        }
    }
}
