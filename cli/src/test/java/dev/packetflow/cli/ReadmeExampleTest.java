package dev.packetflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.drivers.net.veth.Veth;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.ipv4.Ping;
import dev.packetflow.trace.Journey;
import dev.packetflow.trace.JourneyRecorder;
import org.junit.jupiter.api.Test;

/** The Java example of the README, verbatim, so the README stays true. */
class ReadmeExampleTest {
    @Test
    void readmeExample() throws Exception {
        // --- README example begins
        Simulation sim = new Simulation(42);                       // deterministic virtual time
        try (NetStack a = NetStack.create(sim, "A"); NetStack b = NetStack.create(sim, "B")) {
            Veth.pair(a, "eth0", b, "eth0");                        // a virtual wire between them
            a.exec("ip link set eth0 up");
            a.exec("ip addr add 198.18.0.1/24 dev eth0");
            b.exec("ip link set eth0 up");
            b.exec("ip addr add 198.18.0.2/24 dev eth0");

            try (Ping ping = Ping.open(a, 1); JourneyRecorder rec = JourneyRecorder.start()) {
                ping.send(InetAddr.parse("198.18.0.2"), 1, 56);     // resolves B's MAC with ARP first
                sim.runUntil(() -> ping.replies().size() == 1);
                Journey j = rec.follow(() -> ping.send(InetAddr.parse("198.18.0.2"), 2, 56));
                sim.runUntil(() -> ping.replies().size() == 2);
                System.out.println(j.stageNames());                 // [ping_v4_sendmsg, ..., icmp_rcv, ...]
                System.out.println(a.exec("ip -s link show eth0"));
                // --- README example ends
                assertThat(j.stageNames()).contains("ip_local_out", "ndo_start_xmit", "netif_receive_skb", "icmp_rcv");
                assertThat(ping.replies()).hasSize(2);
            }
        }
    }
}
