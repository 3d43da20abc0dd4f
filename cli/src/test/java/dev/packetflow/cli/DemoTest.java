package dev.packetflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoTest {
    @TempDir
    Path tmp;

    private static Demo.Result quiet(long seed, Path pcaps) throws Exception {
        return Demo.run(seed, pcaps, 3, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), 0);
    }

    @Test
    void demo_everyProbeIsAnswered() throws Exception {
        assertThat(quiet(1, null).repliesReceived()).isEqualTo(3);
    }

    @Test
    void demo_journeyCrossesAandRandBInTheSeedsOrder() throws Exception {
        List<String> s = quiet(1, null).journeyStages();
        // A: the seed's TX path.
        assertSubsequence(s, "ping_v4_sendmsg", "ip_local_out", "__ip_local_out", "NF_INET_LOCAL_OUT", "dst_output",
                "ip_output", "NF_INET_POST_ROUTING", "ip_finish_output", "ip_finish_output2", "dev_queue_xmit",
                "__dev_queue_xmit", "dev_hard_start_xmit", "netdev_start_xmit", "ndo_start_xmit",
                // R: RX, then forwarding, then TX again.
                "napi_poll", "netif_receive_skb", "ip_rcv", "NF_INET_PRE_ROUTING", "ip_rcv_finish", "ip_route_input",
                "ip_forward", "NF_INET_FORWARD", "ip_output", "NF_INET_POST_ROUTING", "ip_finish_output",
                "ip_finish_output2", "dev_queue_xmit", "ndo_start_xmit",
                // B: RX to local delivery.
                "napi_poll", "netif_receive_skb", "ip_rcv", "NF_INET_PRE_ROUTING", "ip_rcv_finish", "ip_route_input",
                "ip_local_deliver", "NF_INET_LOCAL_IN", "ip_local_deliver_finish", "icmp_rcv");
    }

    @Test
    void demo_sameSeedTwice_writesByteIdenticalPcaps() throws Exception {
        Demo.Result r1 = quiet(7, tmp.resolve("one"));
        Demo.Result r2 = quiet(7, tmp.resolve("two"));
        assertThat(r1.pcapFiles()).hasSize(4);
        for (int i = 0; i < r1.pcapFiles().size(); i++) {
            byte[] a = Files.readAllBytes(r1.pcapFiles().get(i));
            byte[] b = Files.readAllBytes(r2.pcapFiles().get(i));
            assertThat(a.length).isGreaterThan(24 + 16 * 6);
            assertThat(b).as(r1.pcapFiles().get(i).getFileName().toString()).isEqualTo(a);
        }
    }

    @Test
    void demo_pcapFiles_areReadByTsharkWithoutMalformedPackets() throws Exception {
        Path tshark = Path.of("/usr/bin/tshark");
        if (!Files.isExecutable(tshark)) {
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError("CI=true but tshark is not installed (.ci/run installs it)");
            }
            Assumptions.abort("tshark not installed: skipping the pcap check (apt-get install tshark)");
        }
        Demo.Result r = quiet(3, tmp.resolve("pcap"));
        for (Path f : r.pcapFiles()) {
            Process p = new ProcessBuilder(tshark.toString(), "-n", "-r", f.toString(), "-V")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).as(f.toString()).doesNotContainIgnoringCase("malformed")
                    .doesNotContain("[Expert Info (Error")
                    .contains("Echo (ping) request").contains("Echo (ping) reply")
                    .contains("Address Resolution Protocol");
        }
    }

    @Test
    void demoCommand_printsJourneyStatsCountersAndPcaps() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Demo.run(1, tmp.resolve("p"), 2, new PrintStream(buf, true, StandardCharsets.UTF_8), 200);
        String out = buf.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("64 bytes from 198.18.1.2: icmp_seq=1 ttl=63")
                .contains("[A]").contains("[R]").contains("[B]")
                .contains("Network Layer:").contains("Netfilter:").contains("Device Driver:")
                .contains("# ip -s link").contains("RX:  bytes packets")
                .contains("# nstat -a").contains("IcmpOutEchos").contains("IpForwDatagrams")
                .contains("A-eth0.pcap");
    }

    private static void assertSubsequence(List<String> actual, String... expected) {
        int i = 0;
        List<String> missing = new ArrayList<>();
        for (String e : expected) {
            while (i < actual.size() && !actual.get(i).equals(e)) {
                i++;
            }
            if (i == actual.size()) {
                missing.add(e);
                break;
            }
            i++;
        }
        assertThat(missing).as("stages %s in order within %s", List.of(expected), actual).isEmpty();
    }
}
