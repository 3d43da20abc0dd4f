package dev.packetflow.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.apps.UdpServices;
import dev.packetflow.drivers.net.tap.TapDevice;
import dev.packetflow.kernel.RealTimeKernel;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.Dev;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.ipv4.Ping;
import dev.packetflow.net.socket.UdpSocket;
import dev.packetflow.testing.KernelNetns;
import dev.packetflow.testing.NetnsTap;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * packetflow against the Linux kernel's own stack, with Linux's own tools, over a TAP: what
 * {@code packetflow serve} runs (a {@link RealTimeKernel} with one CPU, a stack with {@code lo}
 * and the TAP configured through {@code ip} commands, {@link UdpServices} on ports 7 and 9),
 * in-process. Each test makes its own network namespace ({@link NetnsTap}), moves the kernel
 * end of the TAP there with 198.18.0.1/24 (packetflow is 198.18.0.2/24), and deletes all of it
 * afterwards, also when the test fails.
 *
 * <p>Real time, every wait and command bounded (at most 10 s). Needs root, iputils' ping,
 * python3 and tcpdump: skipped otherwise, a failure under {@code CI=true}.
 */
class KernelInteropTest {
    static final String KERNEL = NetnsTap.KERNEL;
    static final String OURS = NetnsTap.OURS;
    static final int KERNEL_IP = InetAddr.parse(KERNEL);
    static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    final NetnsTap env = NetnsTap.requiring("ping", "python3", "tcpdump");

    NetStack net;
    KernelNetns ns;
    TapDevice tap;
    String tapName;
    UdpServices services;

    @BeforeEach
    void setUp() {
        net = env.net();
        ns = env.ns();
        tap = env.tap();
        tapName = env.tapName();
        try {
            services = env.closeAtEnd(UdpServices.start(net));
        } catch (IOException e) {
            throw new AssertionError("UDP services did not start", e);
        }
    }

    // ------------------------------------------------------------------ ping from the kernel

    @Test
    void kernelPing_1000probes_noneLost() {
        String out = ns.exec("ping", "-c", "1000", "-i", "0.002", "-W", "1", "-q", OURS).output();

        assertThat(summary(out)).as(out).containsExactly(1000, 1000);
        assertThat(out).contains(" 0% packet loss");
        // The kernel resolved us with ARP first.
        assertThat(ns.ip("neigh", "show", OURS, "dev", tapName).check())
                .contains("lladdr " + Eth.macToString(tap.mac()));
    }

    @Test
    void kernelPing_4000bytes_isFragmentedBothWays_andAnswered() {
        long reasm0 = ip("ReasmOKs");
        long frag0 = ip("FragOKs");

        String out = ns.exec("ping", "-c", "3", "-i", "0.2", "-W", "2", "-s", "4000", OURS).output();

        assertThat(summary(out)).as(out).containsExactly(3, 3);
        assertThat(out).contains("4008 bytes from " + OURS);
        // The kernel fragmented each request (we reassembled it), we fragmented each reply.
        assertThat(ip("ReasmOKs") - reasm0).isEqualTo(3);
        assertThat(ip("FragOKs") - frag0).isEqualTo(3);
        assertThat(kernelNstat("IpReasmOKs")).isEqualTo(3);
    }

    /**
     * {@code ping -f -w 3}: 0% loss. The kernel's own ICMP counters are the judge of "lost": ping
     * exits at its deadline even with a probe in flight (between two kernel namespaces the reply
     * is queued before sendto() returns, so that never happens there; here the reply takes a few
     * tens of microseconds on another thread), so at most the last probe may miss ping's summary
     * while its reply still reaches the kernel, which counts it.
     */
    @Test
    void kernelFloodPing_3s_nothingLost() {
        String out = ns.exec("ping", "-f", "-w", "3", "-q", OURS).output();

        int[] s = summary(out);
        String why = out + "\nours: " + diagnostics();
        assertThat(s[0]).as(why).isGreaterThan(100);
        assertThat(net.mib("Icmp").get("InEchos")).as(why).isEqualTo(s[0]);
        assertThat(net.mib("Icmp").get("OutEchoReps")).as(why).isEqualTo(s[0]);
        assertThat(KernelNetns.await(() -> kernelNstat("IcmpInEchoReps") == s[0], WAIT))
                .as("every reply reached the kernel: " + why).isTrue();
        assertThat(kernelNstat("IcmpOutEchos")).isEqualTo(s[0]);
        // ping -f sends the next probe after a reply or after 10 ms, so on a loaded machine a few
        // may be in flight when the deadline ends it; the kernel's IcmpInEchoReps above proves
        // that those replies arrived too, after ping stopped counting.
        assertThat(s[1]).as("received, in ping's summary (the last few may be cut by the deadline): " + why)
                .isBetween(s[0] - 5, s[0]);
    }

    // ------------------------------------------------------------------ ping from packetflow

    @Test
    void ourPing_toKernel_getsIntactReplies() {
        AtomicInteger seen = new AtomicInteger();
        try (Ping ping = Ping.open(net, 0x5046)) {
            ping.onReply(r -> seen.incrementAndGet());
            for (int seq = 1; seq <= 20; seq++) {
                int rc = ping.send(KERNEL_IP, seq, 56);
                assertThat(rc).isZero();
                int want = seq;
                assertThat(KernelNetns.await(() -> seen.get() >= want, WAIT)).as("reply " + seq).isTrue();
            }
            assertThat(ping.replies()).hasSize(20);
            // We resolved the kernel with ARP first.
            assertThat(net.arp().neighbour(KERNEL_IP, tap).lladdr()).isEqualTo(tap.kernelMac());
            assertThat(ping.replies()).allSatisfy(r -> {
                assertThat(r.from()).isEqualTo(KERNEL_IP);
                assertThat(r.intact()).isTrue();
                assertThat(r.dataLen()).isEqualTo(56);
                assertThat(r.ttl()).isEqualTo(64);
            });
            assertThat(ping.replies().stream().mapToInt(Ping.Reply::seq).toArray())
                    .containsExactly(java.util.stream.IntStream.rangeClosed(1, 20).toArray());
        }
    }

    // ------------------------------------------------------------------ UDP

    @Test
    void kernelUdpClient_echoOn7_returnsSameBytes_discardOn9_swallows() {
        String script = """
                import socket, sys
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.settimeout(3)
                for n in (1, 100, 1472, 4000):
                    msg = bytes((i * 7 + n) & 0xff for i in range(n))
                    s.sendto(msg, ('%s', 7))
                    data, addr = s.recvfrom(65535)
                    print('echo', n, data == msg, addr[0], addr[1])
                s.sendto(b'into the void', ('%s', 9))
                print('done')
                """.formatted(OURS, OURS);

        String out = ns.exec("python3", "-c", script).output();

        assertThat(out).as(out).contains(
                "echo 1 True " + OURS + " 7", "echo 100 True " + OURS + " 7",
                "echo 1472 True " + OURS + " 7", "echo 4000 True " + OURS + " 7", "done");
        assertThat(services.echoed()).isEqualTo(4);
        assertThat(KernelNetns.await(() -> services.discarded() == 1, WAIT)).isTrue();
    }

    @Test
    void ourUdpClient_toKernelServer_contentComesBackChecked() throws Exception {
        // A kernel-side server that answers each datagram with its bytes reversed.
        String script = """
                import socket, sys
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind(('%s', 5000))
                print('ready', flush=True)
                s.settimeout(8)
                while True:
                    data, addr = s.recvfrom(65535)
                    s.sendto(data[::-1], addr)
                """.formatted(KERNEL);
        Path log = startInNs("python3", "-c", script);
        assertThat(KernelNetns.await(() -> read(log).contains("ready"), WAIT)).as(read(log)).isTrue();
        byte[] msg = "packetflow to the kernel, and back".getBytes(StandardCharsets.US_ASCII);
        try (UdpSocket s = UdpSocket.open(net)) {
            s.setSoTimeout(2000);
            s.send(msg, new InetSocketAddress(KERNEL, 5000));
            byte[] buf = new byte[2000];
            UdpSocket.Received r = s.receive(buf);

            assertThat(r.sender()).isEqualTo(new InetSocketAddress(KERNEL, 5000));
            byte[] reversed = msg.clone();
            for (int i = 0; i < msg.length; i++) {
                reversed[i] = msg[msg.length - 1 - i];
            }
            assertThat(Arrays.copyOf(buf, r.length())).isEqualTo(reversed);
        }
    }

    @Test
    void kernelConnectedUdpSocket_toClosedPort_getsEconnrefused() {
        long unreach0 = net.mib("Icmp").get("OutDestUnreachs");
        String script = """
                import socket
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.settimeout(3)
                s.connect(('%s', 4444))
                s.send(b'anyone?')
                try:
                    s.recv(100)
                    print('got data')
                except ConnectionRefusedError as e:
                    print('ECONNREFUSED', e.errno)
                except socket.timeout:
                    print('timeout')
                """.formatted(OURS);

        String out = ns.exec("python3", "-c", script).output();

        assertThat(out).as(out).contains("ECONNREFUSED 111");
        assertThat(net.mib("Icmp").get("OutDestUnreachs") - unreach0).isEqualTo(1);
    }

    // ------------------------------------------------------------------ capture, MTU

    @Test
    void tcpdumpInNamespace_capturesOurFrames_andDecodesThemWithoutErrors() throws Exception {
        Path pcap = env.tempFile(".pcap");
        Path log = startInNs("tcpdump", "--immediate-mode", "-i", tapName, "-U", "-n", "-w", pcap.toString());
        assertThat(KernelNetns.await(() -> read(log).contains("listening on"), WAIT)).as(read(log)).isTrue();

        ns.exec("ping", "-c", "2", "-i", "0.2", "-W", "2", OURS).check();
        ns.exec("ping", "-c", "1", "-W", "2", "-s", "3000", OURS).check();
        ns.exec("python3", "-c", """
                import socket
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.settimeout(3)
                s.sendto(b'captured', ('%s', 7))
                print(s.recvfrom(100))
                """.formatted(OURS)).check();
        Process tcpdump = env.processes().getLast();
        tcpdump.destroy();
        assertThat(tcpdump.waitFor(10, TimeUnit.SECONDS)).isTrue();

        KernelNetns.Result r = KernelNetns.run("tcpdump", "-r", pcap.toString(), "-nn", "-vv", "-e");
        assertThat(r.exit()).as(r.output()).isZero();
        String text = r.output();
        assertThat(text).contains("Request who-has " + OURS + " tell " + KERNEL, "Reply " + OURS + " is-at");
        assertThat(text).contains(OURS + " > " + KERNEL + ": ICMP echo reply");
        assertThat(text).contains(OURS + ".7 > " + KERNEL);
        assertThat(text).contains("[udp sum ok]");
        assertThat(text).containsPattern("flags \\[\\+\\].*\\n.*" + Pattern.quote(OURS) + " > " + Pattern.quote(KERNEL));
        assertThat(text).doesNotContain("bad cksum", "bad udp cksum", "truncated", "[|", "malformed", "wrong");
    }

    @Test
    void mtu1280_onBothSides_largePingsFragmentToIt_andAreAnswered() {
        ns.ip("link", "set", tapName, "mtu", "1280").check();
        net.exec("ip link set " + tapName + " mtu 1280");
        AtomicInteger largestOut = new AtomicInteger();
        AtomicInteger largestIn = new AtomicInteger();
        AtomicInteger ipOut = new AtomicInteger();
        try (AutoCloseable t = Dev.addTap(tap, (dev, skb, outgoing) -> {
            int len = skb.tail - skb.macHeader;
            (outgoing ? largestOut : largestIn).accumulateAndGet(len, Math::max);
            if (outgoing) {
                ipOut.incrementAndGet();
            }
        })) {
            String out = ns.exec("ping", "-c", "3", "-i", "0.2", "-W", "2", "-s", "1400", OURS).output();
            assertThat(summary(out)).as(out).containsExactly(3, 3);

            AtomicInteger seen = new AtomicInteger();
            try (Ping ping = Ping.open(net, 0x5047)) {
                ping.onReply(r -> seen.incrementAndGet());
                for (int seq = 1; seq <= 3; seq++) {
                    assertThat(ping.send(KERNEL_IP, seq, 2000)).isZero();
                    int want = seq;
                    assertThat(KernelNetns.await(() -> seen.get() >= want, WAIT)).as("reply " + seq).isTrue();
                }
                assertThat(ping.replies()).allSatisfy(r -> assertThat(r.intact()).isTrue());
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertThat(tap.mtu()).isEqualTo(1280);
        assertThat(largestOut.get()).isEqualTo(14 + 1280 - (1280 - 20) % 8);
        assertThat(largestIn.get()).isLessThanOrEqualTo(14 + 1280).isGreaterThan(14 + 1200);
    }

    // ------------------------------------------------------------------ helpers

    /** [transmitted, received] from iputils ping's summary line. */
    static int[] summary(String out) {
        Matcher m = Pattern.compile("(\\d+) packets transmitted, (\\d+) received").matcher(out);
        if (!m.find()) {
            return new int[] {-1, -1};
        }
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }

    /** Our side's view, for failure messages. */
    String diagnostics() {
        return "InEchos=" + net.mib("Icmp").get("InEchos") + " OutEchoReps=" + net.mib("Icmp").get("OutEchoReps")
                + " rx=" + tap.stats().rxPackets() + " tx=" + tap.stats().txPackets()
                + " rxDropped=" + tap.stats().rxDropped() + " txDropped=" + tap.stats().txDropped()
                + " txBusy=" + tap.txBusy() + " drops=" + net.drops().snapshot()
                + " kernel: " + ns.exec("ip", "-s", "link", "show", tapName).output();
    }

    long ip(String counter) {
        return net.mib("Ip").get(counter);
    }

    /** A counter of the namespace's kernel stack since it was created ({@code nstat -az}). */
    long kernelNstat(String name) {
        String out = ns.exec("nstat", "-asz", name).output();
        Matcher m = Pattern.compile(Pattern.quote(name) + "\\s+(\\d+)").matcher(out);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    Path startInNs(String... cmd) throws IOException {
        return env.startInNs(cmd);
    }

    static String read(Path p) {
        return NetnsTap.read(p);
    }
}
