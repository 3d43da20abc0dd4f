package dev.packetflow.net.ipv4;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.packetflow.net.core.LeakDetector;
import dev.packetflow.net.core.NetDevice;
import java.time.Duration;

/**
 * Jazzer fuzz target for {@code arp_rcv()}: the input is an ARP payload (hardware and protocol
 * types, lengths, opcode, addresses, and whatever follows), broadcast or unicast by the peer to a
 * host. Nothing may throw or leak, and the host still answers a ping afterwards (the peer's
 * permanent neighbour entry must survive any ARP claim). A plain test run replays the seeds under
 * {@code ArpWireFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes. ({@link ArpFuzzTest} is the
 * seeded-random variant that also checks the drop reasons.)
 */
class ArpWireFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void arpRcv_arbitraryPayload_neverThrows_andPingStillWorks(byte[] data) {
        try (WireHost h = new WireHost()) {
            long dst = data.length > 0 && (data[data.length - 1] & 1) != 0 ? h.eth0.mac() : NetDevice.BROADCAST_MAC;
            h.eth0.inject(h.frame(dst, 0x0806, data));
            h.sim.runFor(Duration.ofSeconds(2));
            assertThat(h.ping(1)).as("echo reply after the ARP frame").isTrue();
        }
        assertThat(LeakDetector.live()).isZero();
    }
}
