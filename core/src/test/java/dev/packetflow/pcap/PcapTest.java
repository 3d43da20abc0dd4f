package dev.packetflow.pcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.packetflow.drivers.net.channel.ChannelDevice;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.kernel.time.VirtualClock;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.Dev;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.net.ipv4.InetAddr;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapTest {
    private static final long MAC_A = Eth.localMac(0x0a);
    private static final long MAC_B = Eth.localMac(0x0b);
    private static final int IP_A = InetAddr.parse("198.18.0.1");
    private static final int IP_B = InetAddr.parse("198.18.0.2");

    @TempDir
    Path tmp;

    @Test
    void fileHeader_isLittleEndianNanosecondPcapV24Ethernet() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new PcapWriter(out).close();
        assertThat(out.toByteArray()).containsExactly(
                0x4d, 0x3c, 0xb2, 0xa1, // magic 0xa1b23c4d: nanosecond timestamps
                0x02, 0x00, 0x04, 0x00, // version 2.4
                0x00, 0x00, 0x00, 0x00, // thiszone
                0x00, 0x00, 0x00, 0x00, // sigfigs
                0x00, 0x00, 0x04, 0x00, // snaplen 262144
                0x01, 0x00, 0x00, 0x00); // LINKTYPE_ETHERNET
    }

    @Test
    void recordHeader_carriesSecondsNanosecondsAndLengths() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PcapWriter w = new PcapWriter(out)) {
            w.write(3_000_000_123L, new byte[] {1, 2, 3});
        }
        byte[] b = out.toByteArray();
        assertThat(b).hasSize(24 + 16 + 3);
        byte[] rec = java.util.Arrays.copyOfRange(b, 24, b.length);
        assertThat(rec).containsExactly(
                3, 0, 0, 0, // ts_sec
                123, 0, 0, 0, // ts_nsec
                3, 0, 0, 0, // incl_len
                3, 0, 0, 0, // orig_len
                1, 2, 3);
    }

    @Test
    void records_roundTripThroughReader_andSnaplenCutsLongFrames() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] big = new byte[100];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) i;
        }
        try (PcapWriter w = new PcapWriter(out, 64, PcapWriter.LINKTYPE_ETHERNET)) {
            w.write(VirtualClock.EPOCH_NS, new byte[] {9, 8, 7});
            w.write(VirtualClock.EPOCH_NS + 1_500, big);
            assertThat(w.records()).isEqualTo(2);
        }
        try (PcapReader r = new PcapReader(new java.io.ByteArrayInputStream(out.toByteArray()))) {
            assertThat(r.nanosecond()).isTrue();
            assertThat(r.versionMajor()).isEqualTo(2);
            assertThat(r.versionMinor()).isEqualTo(4);
            assertThat(r.snaplen()).isEqualTo(64);
            assertThat(r.linktype()).isEqualTo(1);
            List<PcapReader.Record> recs = r.readAll();
            assertThat(recs).hasSize(2);
            assertThat(recs.get(0).tsNs()).isEqualTo(1_000_000_000L);
            assertThat(recs.get(0).data()).containsExactly(9, 8, 7);
            assertThat(recs.get(1).tsNs()).isEqualTo(1_000_001_500L);
            assertThat(recs.get(1).origLen()).isEqualTo(100);
            assertThat(recs.get(1).inclLen()).isEqualTo(64);
            assertThat(recs.get(1).data()).isEqualTo(java.util.Arrays.copyOf(big, 64));
        }
    }

    @Test
    void reader_rejectsWhatIsNotPcap() {
        byte[] junk = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> PcapReader.readAll(junk)).isInstanceOf(IOException.class).hasMessageContaining("not a pcap");
    }

    @Test
    void capture_recordsReceivedAndSentFramesWithVirtualTimestamps() throws IOException {
        Simulation sim = new Simulation(7);
        try (NetStack net = NetStack.create(sim, "A")) {
            ChannelDevice eth0 = net.addDevice(new ChannelDevice("eth0", MAC_A));
            net.devices().open(eth0);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] request = Frames.icmpEcho(MAC_A, MAC_B, IP_B, IP_A, Frames.ICMP_ECHO, 1, 1, 16);
            byte[] reply = Frames.icmpEcho(MAC_B, MAC_A, IP_A, IP_B, Frames.ICMP_ECHO_REPLY, 1, 1, 16);
            try (PcapCapture cap = PcapCapture.attach(eth0, out)) {
                eth0.inject(request);
                sim.run();
                sim.runFor(Duration.ofMillis(2));
                transmit(eth0, reply);
                sim.run();
                assertThat(cap.packets()).isEqualTo(2);
            }
            drainTx(eth0);
            List<PcapReader.Record> recs = PcapReader.readAll(out.toByteArray());
            assertThat(recs).hasSize(2);
            assertThat(recs.get(0).data()).isEqualTo(request);
            assertThat(recs.get(0).tsNs()).isEqualTo(VirtualClock.EPOCH_NS);
            assertThat(recs.get(1).data()).isEqualTo(reply);
            assertThat(recs.get(1).tsNs()).isEqualTo(VirtualClock.EPOCH_NS + 2_000_000);
        }
    }

    @Test
    void closedCapture_recordsNothingMore() throws IOException {
        Simulation sim = new Simulation(7);
        try (NetStack net = NetStack.create(sim, "A")) {
            ChannelDevice eth0 = net.addDevice(new ChannelDevice("eth0", MAC_A));
            net.devices().open(eth0);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            PcapCapture cap = PcapCapture.attach(eth0, out);
            eth0.inject(Frames.icmpEcho(MAC_A, MAC_B, IP_B, IP_A, Frames.ICMP_ECHO, 1, 1, 8));
            sim.run();
            cap.close();
            eth0.inject(Frames.icmpEcho(MAC_A, MAC_B, IP_B, IP_A, Frames.ICMP_ECHO, 1, 2, 8));
            sim.run();
            assertThat(PcapReader.readAll(out.toByteArray())).hasSize(1);
        }
    }

    @Test
    void twoIdenticalSimulations_writeByteIdenticalFiles() throws IOException {
        byte[] first = simulatedCapture(tmp.resolve("run1.pcap"));
        byte[] second = simulatedCapture(tmp.resolve("run2.pcap"));
        assertThat(PcapReader.readAll(first)).hasSize(10);
        assertThat(second).isEqualTo(first);
    }

    @Test
    void tshark_readsCaptureWithoutMalformedPackets() throws Exception {
        Path tshark = Path.of("/usr/bin/tshark");
        if (!Files.isExecutable(tshark)) {
            if ("true".equals(System.getenv("CI"))) {
                Assertions.fail("tshark is not installed; CI must install it (.ci/run)");
            }
            Assumptions.abort("tshark is not installed (apt-get install tshark); skipping the pcap interop check");
        }
        Path file = tmp.resolve("ping.pcap");
        simulatedCapture(file);
        Process p = new ProcessBuilder(tshark.toString(), "-n", "-r", file.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("tshark finished").isTrue();
        assertThat(p.exitValue()).as("tshark exit status; output:\n%s", output).isZero();
        assertThat(output).doesNotContainIgnoringCase("malformed");
        assertThat(output.lines().filter(l -> l.contains("Echo (ping) request"))).hasSize(5);
        assertThat(output.lines().filter(l -> l.contains("Echo (ping) reply"))).hasSize(5);
        assertThat(output.lines().filter(l -> l.matches(".*198\\.18\\.0\\.2 +\\S+ +198\\.18\\.0\\.1 +ICMP.*"))).hasSize(5);
    }

    /** Five pings into a stack and five replies out of it, 1 ms apart in virtual time. */
    private static byte[] simulatedCapture(Path file) throws IOException {
        Simulation sim = new Simulation(42);
        try (NetStack net = NetStack.create(sim, "A")) {
            ChannelDevice eth0 = net.addDevice(new ChannelDevice("eth0", MAC_A));
            net.devices().open(eth0);
            try (PcapCapture cap = PcapCapture.attach(eth0, file)) {
                for (int seq = 1; seq <= 5; seq++) {
                    eth0.inject(Frames.icmpEcho(MAC_A, MAC_B, IP_B, IP_A, Frames.ICMP_ECHO, 0x77, seq, 56));
                    sim.run();
                    sim.runFor(Duration.ofNanos(250_000));
                    transmit(eth0, Frames.icmpEcho(MAC_B, MAC_A, IP_A, IP_B, Frames.ICMP_ECHO_REPLY, 0x77, seq, 56));
                    sim.run();
                    sim.runFor(Duration.ofMillis(1));
                }
            }
            drainTx(eth0);
        }
        return Files.readAllBytes(file);
    }

    private static void transmit(ChannelDevice dev, byte[] frame) {
        SkBuff skb = Skb.netdevAllocSkb(dev, frame.length);
        skb.putData(frame);
        skb.resetMacHeader();
        Dev.devQueueXmit(skb);
    }

    private static void drainTx(ChannelDevice dev) {
        while (dev.takeTx() != null) {
            // frees each transmitted frame
        }
    }
}
