package dev.packetflow.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The Linux kernel's own UDP figures on this machine, for comparison: two network namespaces made
 * for the run ({@code pf-bench-XXXX-a}, {@code -b}) joined by a veth pair with addresses from
 * 198.18.0.0/15, and two small Java programs ({@link KernelUdpPeer}) run inside them with
 * {@code ip netns exec}. Everything is deleted afterwards. Only as root; otherwise one line says it
 * was skipped.
 */
final class KernelUdp {
    private KernelUdp() {}

    static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** {@code kernel_udp_rx_pps}: a sender floods 64-byte datagrams, a receiver counts them. */
    static void throughput(PrintStream out, double seconds) throws Exception {
        if (!root()) {
            out.println("# kernel_udp_rx_pps: skipped (needs root to create network namespaces)");
            return;
        }
        try (Netns ns = Netns.create()) {
            Process sink = ns.java(ns.b, "sink", "198.18.0.2", "9000", fmt(seconds));
            Thread.sleep(1500); // the receiving JVM binds its socket
            Process flood = ns.java(ns.a, "flood", "198.18.0.2", "9000", fmt(seconds + 4));
            String r = result(sink, seconds + 20);
            flood.destroy();
            flood.waitFor(10, TimeUnit.SECONDS);
            out.println(r.isEmpty() ? "# kernel_udp_rx_pps: no result" : r.replace("pps=", "kernel_udp_rx_pps="));
        }
    }

    /** {@code kernel_udp_rr}: a client and an echo server, both spinning on non-blocking sockets. */
    static void requestResponse(PrintStream out, double seconds) throws Exception {
        if (!root()) {
            out.println("# kernel_udp_rr: skipped (needs root to create network namespaces)");
            return;
        }
        try (Netns ns = Netns.create()) {
            Process echo = ns.java(ns.b, "echo", "198.18.0.2", "9000", fmt(seconds + 6));
            Thread.sleep(1500);
            Process rr = ns.java(ns.a, "rr", "198.18.0.2", "9000", fmt(seconds));
            String r = result(rr, seconds + 20);
            echo.destroy();
            echo.waitFor(10, TimeUnit.SECONDS);
            out.println(r.isEmpty() ? "# kernel_udp_rr: no result" : r.replace("rr=", "kernel_udp_rr="));
        }
    }

    private static String fmt(double s) {
        return String.format(Locale.ROOT, "%.3f", s);
    }

    /** The peer's figure line ("name=value unit"), waiting at most {@code limitSeconds}. */
    static String result(Process p, double limitSeconds) throws Exception {
        List<String> lines = new ArrayList<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    synchronized (lines) {
                        lines.add(l);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        });
        if (!p.waitFor((long) (limitSeconds * 1000), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
        }
        reader.join(5000);
        synchronized (lines) {
            for (String l : lines) {
                if (l.contains("=")) {
                    return l;
                }
            }
        }
        return "";
    }

    /** Two namespaces and a veth pair between them, deleted on close. */
    static final class Netns implements AutoCloseable {
        final String a;
        final String b;
        private final String tag;

        private Netns(String tag) {
            this.tag = tag;
            this.a = "pf-bench-" + tag + "-a";
            this.b = "pf-bench-" + tag + "-b";
        }

        static Netns create() throws Exception {
            String tag = String.format("%04x", ThreadLocalRandom.current().nextInt(0x10000));
            Netns ns = new Netns(tag);
            try {
                ip("netns", "add", ns.a);
                ip("netns", "add", ns.b);
                String va = "pfb" + tag + "a";
                String vb = "pfb" + tag + "b";
                ip("-n", ns.a, "link", "add", va, "type", "veth", "peer", "name", vb, "netns", ns.b);
                ip("-n", ns.a, "addr", "add", "198.18.0.1/24", "dev", va);
                ip("-n", ns.b, "addr", "add", "198.18.0.2/24", "dev", vb);
                ip("-n", ns.a, "link", "set", "lo", "up");
                ip("-n", ns.b, "link", "set", "lo", "up");
                ip("-n", ns.a, "link", "set", va, "up");
                ip("-n", ns.b, "link", "set", vb, "up");
            } catch (Exception e) {
                ns.close();
                throw e;
            }
            return ns;
        }

        /** Starts {@link KernelUdpPeer} with {@code args} inside namespace {@code ns}. */
        Process java(String ns, String... args) throws IOException {
            return java(KernelUdpPeer.class, ns, args);
        }

        /** Starts {@code main} (a class of this module) with {@code args} inside namespace {@code ns}. */
        Process java(Class<?> main, String ns, String... args) throws IOException {
            List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns,
                    ProcessHandle.current().info().command().orElse("java"), "-XX:+UseParallelGC", "-cp",
                    System.getProperty("java.class.path"), main.getName()));
            cmd.addAll(List.of(args));
            return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        }

        private static void ip(String... args) throws Exception {
            List<String> cmd = new ArrayList<>(List.of("ip"));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String o = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + ": " + o.trim());
            }
        }

        @Override
        public void close() {
            for (String n : new String[] {a, b}) {
                try {
                    ip("netns", "del", n); // takes the veth end inside it, and so the pair, along
                } catch (Exception e) {
                    // not created, or already gone
                }
            }
        }
    }
}
