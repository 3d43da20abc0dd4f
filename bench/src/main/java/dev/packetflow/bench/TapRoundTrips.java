package dev.packetflow.bench;

import dev.packetflow.apps.UdpServices;
import dev.packetflow.drivers.net.tap.TapDevice;
import dev.packetflow.iproute2.Nstat;
import dev.packetflow.iproute2.Ss;
import dev.packetflow.net.NetStack;
import java.io.IOException;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The round-trip half of {@code packetflow bench tap}: the kernel's {@code ping -f} of packetflow
 * on the TAP, and a kernel UDP client against packetflow's RFC 862 echo service
 * ({@link UdpServices}), each beside the same between two kernel namespaces over veth.
 *
 * <pre>
 *  TAP:  kernel (netns pf-bench-X)  pfbX 198.18.0.1/24 ── TAP ── 198.18.0.2/24 packetflow
 *  veth: kernel (netns pf-bench-X-a) 198.18.1.1/24 ── veth ── 198.18.1.2/24 kernel (netns -b)
 * </pre>
 *
 * <ul>
 *   <li><b>ping</b>: {@code ping -f -q}: the next request leaves when the previous reply is back
 *       (or after 10 ms), so round trips per second is one over the mean round-trip time. Bounded
 *       by {@code -c} and {@code -w}.
 *   <li><b>udp_echo</b>: this class's {@link #main} in {@code rr} mode, run inside the client's
 *       namespace: one 64-byte datagram at a time on a blocking kernel socket (the reply wakes
 *       it), a sequence number in each so that a late reply is not taken for the next. The server
 *       is packetflow's echo (a thread blocked in {@code recvfrom} on a packetflow socket) or, for
 *       the kernel, this class in {@code echo} mode (a thread blocked in {@code recvfrom} on a
 *       kernel socket). Both modes are bounded by time and count.
 * </ul>
 */
final class TapRoundTrips {
    static final String TAP_KERNEL = "198.18.0.1";
    static final String TAP_PACKETFLOW = "198.18.0.2";
    static final String VETH_A = "198.18.1.1";
    static final String VETH_B = "198.18.1.2";
    /** Upper bound on the measured round trips of one figure, whatever the time allows. */
    static final int MAX_ROUND_TRIPS = 1_000_000;
    static final int WARMUP_ROUND_TRIPS = 5_000;
    static final int PAYLOAD = 64;
    /** A request without its reply after this long is counted lost and the next one goes. */
    static final int TIMEOUT_MS = 200;
    /** The kernel echo server's port (packetflow's is {@link UdpServices#ECHO_PORT}). */
    static final int KERNEL_ECHO_PORT = 7;

    private TapRoundTrips() {}

    /** Ping and UDP echo over the TAP, then the same over the veth, printed pairwise. */
    static void run(PrintStream out, TapBench.Teardown td, NetStack net, TapDevice tap, String tapNs,
            String tapKernelName, String nsA, String nsB, double seconds) throws Exception {
        net.exec("ip addr add " + TAP_PACKETFLOW + "/24 dev " + tap.name());
        TapBench.check(TapBench.sh("ip", "-n", tapNs, "addr", "add", TAP_KERNEL + "/24", "dev", tapKernelName));
        try (UdpServices services = UdpServices.start(net)) {
            ping(out, "tap", td, tapNs, TAP_PACKETFLOW, seconds);
            ping(out, "kernel_veth", td, nsA, VETH_B, seconds);
            Process kernelEcho = td.start(java(nsB, "echo", VETH_B, Integer.toString(KERNEL_ECHO_PORT),
                    fmt(4 * seconds + 30)));
            long echoed0 = services.echoed();
            long rx0 = tap.stats().rxPackets();
            long tx0 = tap.stats().txPackets();
            boolean trouble = udpEcho(out, "tap", td, tapNs, TAP_PACKETFLOW, UdpServices.ECHO_PORT, seconds);
            // What each side saw, for a run where requests went unanswered.
            if (trouble) {
                for (String l : (Ss.exec(net, "-uanm") + Nstat.format(net)).split("\n")) {
                    out.println("# " + l);
                }
                out.println("# " + TapBench.sh("ip", "-s", "-n", tapNs, "link", "show", tapKernelName).output()
                        .replace("\n", "\n# "));
            }
            out.println("# tap udp echo: packetflow rx " + (tap.stats().rxPackets() - rx0) + " tx "
                    + (tap.stats().txPackets() - tx0) + " echoed " + (services.echoed() - echoed0) + " tx_busy "
                    + tap.txBusy() + " tx_wakes " + tap.txWakes() + " queue_stopped " + tap.queueStopped()
                    + " drops " + net.drops().snapshot());
            udpEcho(out, "kernel_veth", td, nsA, VETH_B, KERNEL_ECHO_PORT, seconds);
            kernelEcho.destroy();
            kernelEcho.waitFor(5, TimeUnit.SECONDS);
            Scenario.figure(out, "tap_udp_echo_served", services.echoed(), "datagrams");
        }
    }

    // ------------------------------------------------------------------ ping

    private static final Pattern PING_COUNTS =
            Pattern.compile("(\\d+) packets transmitted, (\\d+) received.*time (\\d+)ms");
    private static final Pattern PING_RTT = Pattern.compile("= ([0-9.]+)/([0-9.]+)/([0-9.]+)/([0-9.]+) ms");

    private static void ping(PrintStream out, String prefix, TapBench.Teardown td, String ns, String addr,
            double seconds) throws Exception {
        int deadline = (int) Math.max(1, Math.round(seconds));
        // Warm-up: ARP, and packetflow's JIT.
        runPing(td, ns, addr, WARMUP_ROUND_TRIPS, Math.max(2, deadline));
        String o = runPing(td, ns, addr, MAX_ROUND_TRIPS, deadline);
        Matcher c = PING_COUNTS.matcher(o);
        Matcher r = PING_RTT.matcher(o);
        if (!c.find()) {
            out.println("# " + prefix + "_ping: no result: " + o.strip().replace('\n', ' '));
            return;
        }
        long sent = Long.parseLong(c.group(1));
        long received = Long.parseLong(c.group(2));
        long ms = Math.max(1, Long.parseLong(c.group(3)));
        Scenario.figure(out, prefix + "_ping_round_trips_per_second", Math.round(received * 1000.0 / ms),
                "round trips/s");
        if (r.find()) {
            Scenario.figure(out, prefix + "_ping_rtt_avg_us", Double.parseDouble(r.group(2)) * 1000, "us");
            Scenario.figure(out, prefix + "_ping_rtt_min_us", Double.parseDouble(r.group(1)) * 1000, "us");
            Scenario.figure(out, prefix + "_ping_rtt_max_us", Double.parseDouble(r.group(3)) * 1000, "us");
        }
        Scenario.figure(out, prefix + "_ping_lost", sent - received, "requests");
    }

    private static String runPing(TapBench.Teardown td, String ns, String addr, int count, int deadlineSeconds)
            throws Exception {
        Process p = td.start(List.of("ip", "netns", "exec", ns, "ping", "-f", "-q", "-n",
                "-c", Integer.toString(count), "-w", Integer.toString(deadlineSeconds), addr));
        return output(p, deadlineSeconds + 10);
    }

    // ------------------------------------------------------------------ UDP echo

    /** Prints the figures; true when requests went unanswered (or no figures came). */
    private static boolean udpEcho(PrintStream out, String prefix, TapBench.Teardown td, String ns, String addr,
            int port, double seconds) throws Exception {
        Process p = td.start(java(ns, "rr", prefix + "_udp_echo", addr, Integer.toString(port), fmt(seconds)));
        String o = output(p, seconds + 60);
        boolean any = false;
        boolean lost = false;
        for (String line : o.split("\n")) {
            if (line.startsWith(prefix + "_udp_echo")) {
                out.println(line);
                any = true;
                lost |= line.startsWith(prefix + "_udp_echo_lost=") && !line.startsWith(prefix + "_udp_echo_lost=0 ");
            }
        }
        if (!any) {
            out.println("# " + prefix + "_udp_echo: no result: " + o.strip().replace('\n', ' '));
        }
        return !any || lost;
    }

    /** This class's {@link #main} in a JVM of its own inside {@code ns}. */
    private static List<String> java(String ns, String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns,
                ProcessHandle.current().info().command().orElse("java"), "-XX:+UseParallelGC", "-cp",
                System.getProperty("java.class.path"), TapRoundTrips.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** What {@code p} printed, waiting at most {@code limitSeconds} for it to end (then ending it). */
    private static String output(Process p, double limitSeconds) throws Exception {
        StringBuilder sb = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                byte[] all = p.getInputStream().readAllBytes();
                synchronized (sb) {
                    sb.append(new String(all, StandardCharsets.UTF_8));
                }
            } catch (IOException ended) {
                // the process was ended
            }
        });
        if (!p.waitFor((long) (limitSeconds * 1000), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
        }
        reader.join(5000);
        synchronized (sb) {
            return sb.toString();
        }
    }

    private static String fmt(double s) {
        return String.format(Locale.ROOT, "%.3f", s);
    }

    // ------------------------------------------------------------------ the kernel-side peer

    /**
     * <pre>
     * echo ADDR PORT SECONDS          send every datagram back, for SECONDS
     * rr   NAME ADDR PORT SECONDS     warm up, then one request at a time for SECONDS; print
     *                                 NAME_round_trips_per_second, NAME_rtt_p50_us, ... as figures
     * </pre>
     */
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "echo" -> echo(args[1], Integer.parseInt(args[2]), Double.parseDouble(args[3]));
            case "rr" -> rr(args[1], args[2], Integer.parseInt(args[3]), Double.parseDouble(args[4]));
            default -> throw new IllegalArgumentException("mode: " + args[0]);
        }
    }

    private static void echo(String addr, int port, double seconds) throws IOException {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        byte[] buf = new byte[65536];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(addr, port))) {
            s.setSoTimeout(TIMEOUT_MS);
            long n = 0;
            while (System.nanoTime() - end < 0 && n < 100L * MAX_ROUND_TRIPS) {
                p.setLength(buf.length);
                try {
                    s.receive(p);
                } catch (SocketTimeoutException idle) {
                    continue;
                }
                s.send(p);
                n++;
            }
        }
    }

    private static void rr(String name, String addr, int port, double seconds) throws IOException {
        byte[] req = new byte[PAYLOAD];
        byte[] rsp = new byte[2048];
        DatagramPacket out = new DatagramPacket(req, req.length);
        DatagramPacket in = new DatagramPacket(rsp, rsp.length);
        try (DatagramSocket s = new DatagramSocket()) {
            s.connect(new InetSocketAddress(addr, port));
            s.setSoTimeout(TIMEOUT_MS);
            long seq = 0;
            // Warm-up: the server may still be starting (its JVM); ARP; the JIT on both sides.
            long warmEnd = System.nanoTime() + 20_000_000_000L;
            int warm = 0;
            while (warm < WARMUP_ROUND_TRIPS && System.nanoTime() - warmEnd < 0) {
                if (roundTrip(s, out, in, ++seq)) {
                    warm++;
                }
            }
            long[] rtt = new long[MAX_ROUND_TRIPS];
            int n = 0;
            long lost = 0;
            long t0 = System.nanoTime();
            long end = t0 + (long) (seconds * 1e9);
            long now = t0;
            while (now - end < 0 && n < MAX_ROUND_TRIPS && lost < MAX_ROUND_TRIPS) {
                long start = now;
                boolean ok = roundTrip(s, out, in, ++seq);
                now = System.nanoTime();
                if (ok) {
                    rtt[n++] = now - start;
                } else {
                    lost++;
                }
            }
            Arrays.sort(rtt, 0, n);
            PrintStream o = System.out;
            Scenario.figure(o, name + "_round_trips_per_second", Math.round(n * 1e9 / Math.max(1, now - t0)),
                    "round trips/s");
            if (n > 0) {
                Scenario.figure(o, name + "_rtt_p50_us", rtt[n / 2] / 1e3, "us");
                Scenario.figure(o, name + "_rtt_p99_us", rtt[Math.min(n - 1, (int) (n * 0.99))] / 1e3, "us");
                Scenario.figure(o, name + "_rtt_min_us", rtt[0] / 1e3, "us");
            }
            Scenario.figure(o, name + "_lost", lost, "requests");
            Scenario.figure(o, name + "_warmup_round_trips", warm, "round trips");
        }
    }

    /** One request with sequence number {@code seq}; true when its reply came back in time. */
    private static boolean roundTrip(DatagramSocket s, DatagramPacket out, DatagramPacket in, long seq)
            throws IOException {
        byte[] req = out.getData();
        for (int i = 0; i < 8; i++) {
            req[i] = (byte) (seq >>> (56 - 8 * i));
        }
        try {
            s.send(out);
        } catch (java.net.PortUnreachableException refused) {
            return false; // the echo server is not bound yet (ICMP port unreachable)
        }
        long deadline = System.nanoTime() + TIMEOUT_MS * 1_000_000L;
        for (int tries = 0; tries < 64 && System.nanoTime() - deadline < 0; tries++) {
            in.setLength(in.getData().length);
            try {
                s.receive(in);
            } catch (SocketTimeoutException late) {
                return false;
            } catch (java.net.PortUnreachableException refused) {
                return false;
            }
            if (in.getLength() == PAYLOAD && seqOf(in.getData()) == seq) {
                return true;
            }
            // a late reply to an earlier request: wait on for this one's
        }
        return false;
    }

    private static long seqOf(byte[] b) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[i] & 0xff);
        }
        return v;
    }
}
