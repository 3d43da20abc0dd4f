package dev.packetflow.bench;

import dev.packetflow.drivers.net.tap.TapDevice;
import dev.packetflow.kernel.RealTimeKernel;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.Dev;
import dev.packetflow.net.core.PacketType;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code packetflow bench tap} (root only): packetflow on a TAP against the Linux kernel, each figure
 * printed beside the same workload between two kernel network namespaces over a veth pair, in the
 * same run.
 *
 * <ul>
 *   <li><b>tap_write</b>: packetflow → kernel. One thread builds 64- or 1514-byte frames in pooled
 *       skbs and sends them with {@code dev_queue_xmit} (pfifo_fast, then {@code write()} on the
 *       tun fd), for a bounded time. Also {@code dev_direct_xmit} (no qdisc): the driver alone.
 *       Beside it <b>kernel_veth_write</b>: an {@code AF_PACKET} sender in namespace A sending
 *       through {@code dev_queue_xmit} into one end of a veth pair, counted by the kernel in
 *       namespace B ({@code rx_packets}): one kernel stack feeding another the same frames.
 *   <li><b>tap_read</b>: kernel → packetflow. A thread in the TAP's namespace blasts frames into the
 *       TAP through an {@code AF_PACKET} socket ({@link PacketBlaster}, {@code PACKET_QDISC_BYPASS});
 *       packetflow receives them through epoll, NAPI, {@code read()} into page-pool pages and
 *       {@code netif_receive_skb} to a handler that counts and frees them. Beside it
 *       <b>kernel_veth_read</b>: the same sender into the veth, counted in namespace B. (veth has
 *       no qdisc, so the two kernel figures differ by the qdisc-layer call and the run's noise.)
 *   <li><b>ping and UDP echo round trips</b> ({@link TapRoundTrips}): kernel {@code ping -f} of
 *       packetflow, and a kernel UDP client against packetflow's RFC 862 echo, beside the same
 *       from namespace A to namespace B.
 *   <li><b>c_write, c_read</b>: the plain C loop in {@code bench/src/main/c/tap_ref.c} over a TAP in
 *       the same namespace, when {@code --ref PATH} gives it or {@code cc} can build it from the
 *       source tree. The kernel-side generator and the reader share the machine's cores, so one
 *       pair of figures can swing by 20 %: packetflow's write and read and the C loop's run
 *       alternately for {@link #ROUNDS} rounds, and <b>tap_write_N_vs_c</b>/<b>tap_read_N_vs_c</b>
 *       compare the medians (every round's pair is printed as a comment).
 * </ul>
 *
 * Allocation per frame is measured on the threads that do the work (the sender for write, the
 * softnet worker and the interrupt thread for read) with {@code ThreadMXBean}.
 *
 * <p>Everything lives in namespaces made for the run ({@code pf-bench-XXXXXX}, {@code -a},
 * {@code -b}), deleted at the end, also when the run fails or is interrupted (a shutdown hook);
 * addresses are from 198.18.0.0/15; raw frames carry ethertype 0x88B5 (local experimental), so the
 * kernel drops them right after {@code eth_type_trans}. Every loop is bounded in time and count.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar \
 *     dev.packetflow.bench.TapBench [--seconds 3] [--ref /path/to/tap_ref]</pre>
 */
public final class TapBench implements Scenario {
    private static final int ETH_P_TEST = 0x88B5;
    private static final int[] SIZES = {64, 1514};
    /** At most this many 2-second warm-up blasts before a read figure. */
    private static final int WARMUP_BLASTS = 10;

    private final String refPath;

    public TapBench() {
        this(null);
    }

    public TapBench(String refPath) {
        this.refPath = refPath;
    }

    @Override
    public String name() {
        return "tap";
    }

    @Override
    public String description() {
        return "packetflow on a TAP vs kernel ns<->ns over veth: frames/s both ways, ping and UDP echo RTT (root)";
    }

    public static void main(String[] args) throws Exception {
        double seconds = 3;
        String ref = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--ref" -> ref = args[++i];
                default -> {
                    System.err.println("usage: TapBench [--seconds S] [--ref PATH-TO-tap_ref]");
                    System.exit(2);
                }
            }
        }
        new TapBench(ref).run(System.out, seconds);
    }

    @Override
    public void run(PrintStream out, double seconds) throws Exception {
        if (!isRoot() || !Files.exists(Path.of("/dev/net/tun"))) {
            out.println("# tap: skipped, needs root and /dev/net/tun");
            return;
        }
        String tag = suffix();
        try (Teardown td = new Teardown()) {
            String ns = td.netns("pf-bench-" + tag);
            String nsA = td.netns("pf-bench-" + tag + "-a");
            String nsB = td.netns("pf-bench-" + tag + "-b");
            String va = "pfva" + tag;
            String vb = "pfvb" + tag;
            for (String n : new String[] {ns, nsA, nsB}) {
                // No IPv6 chatter (router solicitations, MLD) in the counts.
                check(sh("ip", "netns", "exec", n, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                        "net.ipv6.conf.default.disable_ipv6=1"));
                check(sh("ip", "-n", n, "link", "set", "lo", "up"));
            }
            check(sh("ip", "-n", nsA, "link", "add", va, "type", "veth", "peer", "name", vb, "netns", nsB));
            check(sh("ip", "-n", nsA, "addr", "add", TapRoundTrips.VETH_A + "/24", "dev", va));
            check(sh("ip", "-n", nsB, "addr", "add", TapRoundTrips.VETH_B + "/24", "dev", vb));
            check(sh("ip", "-n", nsA, "link", "set", va, "up"));
            check(sh("ip", "-n", nsB, "link", "set", vb, "up"));
            String ref = refPath != null ? refPath : buildRef(out, td.tempDir());
            // The TAP's interrupt thread runs the receive work on irq exit; ksoftirqd keeps the timers.
            RealTimeKernel kernel = new RealTimeKernel(1, RealTimeKernel.IdleStrategy.PARK);
            NetStack net = NetStack.create(kernel, "bench");
            try {
                String name = "pfb" + tag;
                // as packetflow serve runs it: the interrupt thread polls up to 200 µs before sleeping
                TapDevice tap = TapDevice.builder(net).name(name).mode(TapDevice.Mode.CREATE).pollMaxMicros(200).open();
                check(sh("ip", "link", "set", name, "netns", ns));
                check(sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf." + name + ".disable_ipv6=1"));
                check(sh("ip", "-n", ns, "link", "set", name, "up"));
                AtomicLong received = new AtomicLong();
                PacketType counter = (skb, dev) -> {
                    received.incrementAndGet();
                    Skb.consumeSkb(skb);
                    return PacketType.NET_RX_SUCCESS;
                };
                net.addPacketHandler(ETH_P_TEST, counter);
                net.devices().open(tap);
                for (int size : SIZES) {
                    double[] w = new double[ROUNDS];
                    double[] r = new double[ROUNDS];
                    double[] cw = new double[ROUNDS];
                    double[] cr = new double[ROUNDS];
                    w[0] = write(out, tap, size, seconds, false);
                    write(out, tap, size, seconds, true);
                    vethBlast(out, "kernel_veth_write_", nsA, va, nsB, vb, size, seconds, false);
                    r[0] = read(out, tap, ns, name, size, seconds, received);
                    vethBlast(out, "kernel_veth_read_", nsA, va, nsB, vb, size, seconds, true);
                    if (ref != null) {
                        cw[0] = refWrite(out, td, ref, ns, size, seconds);
                        cr[0] = refRead(out, td, ref, ns, size, seconds);
                        // The reader and the kernel-side generator share the machine's cores, so one
                        // pair of figures swings by 20 %: more rounds, alternating, and the medians.
                        for (int i = 1; i < ROUNDS; i++) {
                            w[i] = write(QUIET, tap, size, seconds, false);
                            cw[i] = refWrite(QUIET, td, ref, ns, size, seconds);
                            r[i] = read(QUIET, tap, ns, name, size, seconds, received);
                            cr[i] = refRead(QUIET, td, ref, ns, size, seconds);
                        }
                        versusC(out, "write", size, w, cw);
                        versusC(out, "read", size, r, cr);
                    }
                }
                TapRoundTrips.run(out, td, net, tap, ns, name, nsA, nsB, seconds);
            } finally {
                net.close();
                kernel.close();
            }
        }
    }

    /**
     * What the run made outside this JVM, removed at the end: child processes and network
     * namespaces (which take the TAP and the veth pair with them), a temporary directory. A
     * shutdown hook does the same when the run is interrupted (Ctrl-C), since {@code finally}
     * blocks do not run then.
     */
    static final class Teardown implements AutoCloseable {
        private final List<String> namespaces = new ArrayList<>();
        private final List<Process> processes = new ArrayList<>();
        private Path tempDir;
        private final Thread hook = Thread.ofPlatform().unstarted(this::removeAll);
        private boolean done;

        Teardown() {
            Runtime.getRuntime().addShutdownHook(hook);
        }

        /** Creates network namespace {@code name}; it is deleted at the end. */
        String netns(String name) throws IOException, InterruptedException {
            synchronized (this) {
                if (done) {
                    throw new IllegalStateException("the run is over");
                }
                namespaces.add(name); // before it exists: an interrupt in between still deletes it
            }
            check(sh("ip", "netns", "add", name));
            return name;
        }

        /** A temporary directory of the run's own, deleted at the end. */
        synchronized Path tempDir() throws IOException {
            if (done) {
                throw new IllegalStateException("the run is over");
            }
            if (tempDir == null) {
                tempDir = Files.createTempDirectory("pf-tap-bench");
            }
            return tempDir;
        }

        /** Starts {@code cmd} (its output merged and readable); it is ended at the end if still running. */
        synchronized Process start(List<String> cmd) throws IOException {
            if (done) {
                throw new IllegalStateException("the run is over");
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            processes.add(p);
            return p;
        }

        private synchronized void removeAll() {
            if (done) {
                return;
            }
            done = true;
            for (Process p : processes) {
                p.destroy();
            }
            for (Process p : processes) {
                try {
                    if (!p.waitFor(3, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    p.destroyForcibly();
                }
            }
            if (tempDir != null) {
                try {
                    deleteTree(tempDir);
                } catch (IOException e) {
                    System.err.println("tap: could not delete " + tempDir + ": " + e);
                }
            }
            for (String n : namespaces.reversed()) {
                try {
                    sh("ip", "netns", "del", n);
                } catch (IOException | InterruptedException e) {
                    System.err.println("tap: could not delete namespace " + n + ": " + e);
                }
            }
        }

        @Override
        public void close() {
            removeAll();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is what is running
            }
        }
    }

    /**
     * Rounds of packetflow against the C loop per size and direction (medians printed):
     * {@code -Dpacketflow.bench.tap.rounds=N}, default 5: with 3 the read medians still swung from 73 % to
     * 124 % of C between runs (the generator shares the two vCPUs with the reader; BENCHMARKS.md).
     */
    static final int ROUNDS = Math.max(1, Integer.getInteger("packetflow.bench.tap.rounds", 5));
    /** Where the figures of the extra rounds go: only their medians are printed. */
    private static final PrintStream QUIET = new PrintStream(java.io.OutputStream.nullOutputStream());

    /** Prints both medians over the rounds and packetflow's as a share of C's, with every round's pair. */
    private static void versusC(PrintStream out, String dir, int size, double[] pf, double[] c) {
        double mp = median(pf);
        double mc = median(c);
        StringBuilder rounds = new StringBuilder();
        for (int i = 0; i < pf.length; i++) {
            rounds.append(String.format(java.util.Locale.ROOT, " %.0f/%.0f", pf[i], c[i]));
        }
        out.println("# tap " + dir + " " + size + " B, packetflow/C per round:" + rounds);
        Scenario.figure(out, "tap_" + dir + "_" + size + "_median", mp, "frames/s");
        Scenario.figure(out, "c_" + dir + "_" + size + "_median", mc, "frames/s");
        Scenario.figure(out, "tap_" + dir + "_" + size + "_vs_c", mc == 0 || Double.isNaN(mc) ? Double.NaN : 100 * mp / mc, "%");
    }

    /** The median of the rounds that gave a figure (NaN, a lost round, is left out). */
    static double median(double[] v) {
        double[] s = java.util.Arrays.stream(v).filter(x -> !Double.isNaN(x)).sorted().toArray();
        int n = s.length;
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    // ------------------------------------------------------------------ packetflow

    private static double write(PrintStream out, TapDevice tap, int size, double seconds, boolean direct) {
        writeLoop(tap, size, 2.0, direct); // warm-up: JIT (C2 must inline the downcalls for 0 B/frame)
        com.sun.management.ThreadMXBean mx = threadMx();
        long tx0 = tap.stats().txPackets();
        long alloc0 = mx.getCurrentThreadAllocatedBytes();
        long t0 = System.nanoTime();
        writeLoop(tap, size, seconds, direct);
        long ns = System.nanoTime() - t0;
        long alloc = mx.getCurrentThreadAllocatedBytes() - alloc0;
        long frames = tap.stats().txPackets() - tx0;
        String what = "tap_write_" + size + (direct ? "_direct" : "_qdisc");
        Scenario.figure(out, what, frames * 1e9 / ns, "frames/s");
        Scenario.figure(out, what + "_alloc", (double) alloc / Math.max(1, frames), "B/frame");
        return frames * 1e9 / ns;
    }

    private static void writeLoop(TapDevice tap, int size, double seconds, boolean direct) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long max = (long) (seconds * PacketBlaster.MAX_FRAMES_PER_SECOND);
        long dst = tap.kernelMac();
        long src = tap.mac();
        for (long i = 1; i <= max; i++) {
            if ((i & 255) == 0 && System.nanoTime() - end >= 0) {
                return;
            }
            SkBuff skb = Skb.allocSkb(tap.pool(), Skb.MAX_HEADER + size);
            if (skb == null) {
                continue;
            }
            skb.reserve(Skb.MAX_HEADER);
            int off = skb.put(size);
            skb.setU48(off, dst);
            skb.setU48(off + 6, src);
            skb.setU16(off + 12, ETH_P_TEST);
            skb.resetMacHeader();
            skb.dev = tap;
            if (direct) {
                Dev.directXmit(tap, skb);
            } else {
                Dev.devQueueXmit(skb);
            }
        }
    }

    private static double read(PrintStream out, TapDevice tap, String ns, String ifname, int size, double seconds,
            AtomicLong received) throws InterruptedException {
        byte[] frame = testFrame(tap.mac(), tap.kernelMac(), size);
        com.sun.management.ThreadMXBean mx = threadMx();
        long[] softnet = threadIds("ksoftirqd/");
        long[] irq = threadIds("tap-irq/");
        // Warm-up until the receive path is compiled: until C2 has inlined them, the FFM downcalls
        // that capture errno allocate a segment per call (SharedUtils.checkCaptureSegment), and on
        // this shared 2-core machine under load C2 can take 10 s of traffic to get there. 2-s
        // blasts until one allocates under 0.05 B/frame on the worker threads, at most WARMUP_BLASTS.
        int warm = 0;
        while (warm < WARMUP_BLASTS) {
            long a0 = allocated(mx, softnet) + allocated(mx, irq);
            long w0 = received.get();
            blast(ns, ifname, frame, 2.0);
            waitDrained(received);
            warm++;
            long a = allocated(mx, softnet) + allocated(mx, irq) - a0;
            if (a < 0.05 * (received.get() - w0)) {
                break;
            }
        }
        long softnet0 = allocated(mx, softnet);
        long irq0b = allocated(mx, irq);
        long r0 = received.get();
        long polls0 = tap.rxPolls();
        long irq0 = tap.interrupts();
        long t0 = System.nanoTime();
        PacketBlaster b = blast(ns, ifname, frame, seconds);
        waitDrained(received); // frames still queued in the TAP when the sender stops are part of the run
        long ns1 = System.nanoTime() - t0;
        long frames = received.get() - r0;
        long allocSoftnet = allocated(mx, softnet) - softnet0;
        long allocIrq = allocated(mx, irq) - irq0b;
        String what = "tap_read_" + size;
        Scenario.figure(out, what, frames * 1e9 / ns1, "frames/s");
        Scenario.figure(out, what + "_offered", b.sent * 1e9 / ns1, "frames/s");
        Scenario.figure(out, what + "_per_poll", (double) frames / Math.max(1, tap.rxPolls() - polls0), "frames");
        Scenario.figure(out, what + "_per_interrupt", (double) frames / Math.max(1, tap.interrupts() - irq0), "frames");
        Scenario.figure(out, what + "_alloc", (double) (allocSoftnet + allocIrq) / Math.max(1, frames), "B/frame");
        Scenario.figure(out, what + "_alloc_softnet", allocSoftnet, "B");
        Scenario.figure(out, what + "_alloc_irq", allocIrq, "B");
        Scenario.figure(out, what + "_warmup", 2 * warm, "s");
        if (b.error != null) {
            out.println("# blaster: " + b.error);
        }
        return frames * 1e9 / ns1;
    }

    /** Returns when {@code received} has stopped moving for 10 ms (at most a second). */
    private static void waitDrained(AtomicLong received) throws InterruptedException {
        long last = -1;
        for (int i = 0; i < 100 && received.get() != last; i++) {
            last = received.get();
            Thread.sleep(10);
        }
    }

    /**
     * The same blast between two kernel namespaces: an {@code AF_PACKET} sender on {@code va} in
     * {@code nsA} (through {@code dev_queue_xmit}, or straight to the driver with
     * {@code bypassQdisc}), counted by the kernel on {@code vb} in {@code nsB}.
     */
    private static void vethBlast(PrintStream out, String prefix, String nsA, String va, String nsB, String vb,
            int size, double seconds, boolean bypassQdisc) throws IOException, InterruptedException {
        byte[] frame = testFrame(0x02_00_00_00_00_02L, 0x02_00_00_00_00_01L, size);
        blast(nsA, va, frame, Math.min(1.0, seconds), bypassQdisc); // warm-up, as for packetflow
        long r0 = rxPackets(nsB, vb);
        long t0 = System.nanoTime();
        PacketBlaster b = blast(nsA, va, frame, seconds, bypassQdisc);
        long ns1 = System.nanoTime() - t0;
        long frames = rxPackets(nsB, vb) - r0;
        Scenario.figure(out, prefix + size, frames * 1e9 / ns1, "frames/s");
        Scenario.figure(out, prefix + size + "_offered", b.sent * 1e9 / ns1, "frames/s");
        if (b.error != null) {
            out.println("# blaster: " + b.error);
        }
    }

    private static long rxPackets(String ns, String dev) throws IOException, InterruptedException {
        Sh r = sh("ip", "netns", "exec", ns, "cat", "/sys/class/net/" + dev + "/statistics/rx_packets");
        check(r);
        return Long.parseLong(r.output().trim());
    }

    private static PacketBlaster blast(String ns, String ifname, byte[] frame, double seconds)
            throws InterruptedException {
        return blast(ns, ifname, frame, seconds, true);
    }

    private static PacketBlaster blast(String ns, String ifname, byte[] frame, double seconds, boolean bypassQdisc)
            throws InterruptedException {
        PacketBlaster b = new PacketBlaster(ns, ifname, frame, seconds, bypassQdisc);
        Thread t = Thread.ofPlatform().name("blaster").start(b);
        t.join((long) (seconds * 1000) + 10_000);
        return b;
    }

    private static byte[] testFrame(long dst, long src, int size) {
        byte[] f = new byte[size];
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) (dst >>> (40 - 8 * i));
            f[6 + i] = (byte) (src >>> (40 - 8 * i));
        }
        f[12] = (byte) (ETH_P_TEST >>> 8);
        f[13] = (byte) ETH_P_TEST;
        return f;
    }

    // ------------------------------------------------------------------ the C baseline

    private static double refWrite(PrintStream out, Teardown td, String ref, String ns, int size, double seconds)
            throws Exception {
        // Count-based in C: aim at about the measured time with a first short calibration run.
        String rate = refRun(td, ref, ns, "write", size, 200_000, seconds, null);
        double fps = parseRate(rate);
        long count = (long) Math.max(100_000, Math.min(50_000_000, fps * seconds));
        fps = parseRate(refRun(td, ref, ns, "write", size, count, seconds, null));
        Scenario.figure(out, "c_write_" + size, fps, "frames/s");
        return fps;
    }

    private static double refRead(PrintStream out, Teardown td, String ref, String ns, int size, double seconds)
            throws Exception {
        double fps = parseRate(refRun(td, ref, ns, "read", size, 0, seconds,
                testFrame(-1L, 0x02_00_00_00_00_01L, size)));
        Scenario.figure(out, "c_read_" + size, fps, "frames/s");
        return fps;
    }

    /** Runs tap_ref in the namespace (it creates its own TAP there), configures the TAP, lets it go. */
    private static String refRun(Teardown td, String ref, String ns, String mode, int size, long count,
            double seconds, byte[] blastFrame) throws Exception {
        String ifname = "pfr" + suffix();
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, ref, mode, ifname));
        if (mode.equals("write")) {
            cmd.add(Integer.toString(size));
            cmd.add(Long.toString(count));
        } else {
            cmd.add(Double.toString(seconds));
        }
        Process p = td.start(cmd);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                OutputStream w = p.getOutputStream()) {
            String line = r.readLine();
            if (!"ready".equals(line)) {
                throw new IOException("tap_ref: " + line);
            }
            check(sh("ip", "-n", ns, "link", "set", ifname, "up"));
            w.write('\n');
            w.flush();
            if (blastFrame != null) {
                blast(ns, ifname, blastFrame, seconds);
            }
            // Wait for the end first: a reader blocked in read() with nothing more coming is
            // killed, and its missing line reported, instead of hanging the run.
            if (!p.waitFor((long) (seconds * 1000) + 60_000, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
            try {
                return r.readLine();
            } catch (IOException lost) {
                // Seen once (JDK 25): the pipe's reader says "Stream closed" when the process
                // exited while we waited, its last line lost. The round is reported as missing.
                return null;
            }
        } finally {
            p.destroyForcibly();
        }
    }

    /**
     * Builds {@code tap_ref} with {@code cc -O2} from {@code bench/src/main/c/tap_ref.c}, looked for
     * from the working directory and from where these classes were loaded. Null, after a comment
     * line, when there is no source tree or no compiler: the C figures are then left out.
     */
    private static String buildRef(PrintStream out, Path dir) throws IOException, InterruptedException {
        Path src = findRefSource();
        if (src == null) {
            out.println("# c baseline: skipped (bench/src/main/c/tap_ref.c not found; --ref PATH gives a built one)");
            return null;
        }
        Path bin = dir.resolve("tap_ref");
        Sh r;
        try {
            r = sh("cc", "-O2", "-o", bin.toString(), src.toString());
        } catch (IOException noCompiler) {
            r = new Sh(-1, noCompiler.getMessage());
        }
        if (r.exit() != 0) {
            out.println("# c baseline: skipped (cc -O2 " + src + " failed: " + r.output().strip() + ")");
            return null;
        }
        return bin.toString();
    }

    private static Path findRefSource() {
        List<Path> starts = new ArrayList<>();
        starts.add(Path.of("").toAbsolutePath());
        try {
            starts.add(Path.of(TapBench.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        } catch (Exception unknown) {
            // only the working directory then
        }
        for (Path start : starts) {
            for (Path d = start; d != null; d = d.getParent()) {
                Path c = d.resolve("bench/src/main/c/tap_ref.c");
                if (Files.isRegularFile(c)) {
                    return c;
                }
            }
        }
        return null;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    /** The rate in a tap_ref result line; NaN (the round missing) when the line was lost. */
    private static double parseRate(String line) throws IOException {
        if (line == null) {
            return Double.NaN;
        }
        Matcher m = Pattern.compile("= ([0-9.]+) frames/s").matcher(line);
        if (!m.find()) {
            throw new IOException("tap_ref said: " + line);
        }
        return Double.parseDouble(m.group(1));
    }

    // ------------------------------------------------------------------ helpers

    private static com.sun.management.ThreadMXBean threadMx() {
        return (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    }

    private static long[] threadIds(String... prefixes) {
        List<Long> ids = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            for (String p : prefixes) {
                if (t.getName().startsWith(p)) {
                    ids.add(t.threadId());
                }
            }
        }
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    private static long allocated(com.sun.management.ThreadMXBean mx, long[] ids) {
        long sum = 0;
        for (long a : mx.getThreadAllocatedBytes(ids)) {
            sum += Math.max(0, a);
        }
        return sum;
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    static String suffix() {
        return String.format(Locale.ROOT, "%06x", ThreadLocalRandom.current().nextInt(1 << 24));
    }

    record Sh(int exit, String output) {}

    static Sh sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Sh(-1, String.join(" ", cmd) + ": timed out");
        }
        return new Sh(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    static void check(Sh r) throws IOException {
        if (r.exit() != 0) {
            throw new IOException(r.output());
        }
    }
}
