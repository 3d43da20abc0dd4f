package dev.packetflow.bench;

import java.util.List;

/** Every scenario {@code packetflow bench} knows. */
public final class Scenarios {
    private Scenarios() {}

    public static List<Scenario> all() {
        return List.of(new IcmpEchoScenario(), new ForwardScenario(), new PingRttScenario(),
                new UdpThroughputScenario(), new RingFloorScenario(), new UdpRrScenario(), new TapBench(), new TcpBulkScenario(),
                new TcpRrScenario(), new TapTcpScenario(), new TcpIdleScenario());
    }

    public static Scenario byName(String name) {
        for (Scenario s : all()) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }
}
