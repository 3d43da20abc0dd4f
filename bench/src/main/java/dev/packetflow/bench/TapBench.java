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
 * The TAP driver against the kernel, in frames per second (root only):
 *
 * <ul>
 *   <li><b>write</b>: packetflow → kernel. One thread builds 64- or 1514-byte frames in pooled
 *       skbs and sends them with {@code dev_queue_xmit} (pfifo_fast, then {@code write()} on the
 *       tun fd), for a bounded time. Also {@code dev_direct_xmit} (no qdisc): the driver alone.
 *   <li><b>read</b>: kernel → packetflow. A thread in the namespace blasts frames into the TAP
 *       through an {@code AF_PACKET} socket ({@link PacketBlaster}); packetflow receives them
 *       through epoll, NAPI, {@code read()} into page-pool pages and {@code netif_receive_skb} to a
 *       handler that counts and frees them.
 *   <li><b>kernel_veth_read</b>: the same blaster into one end of a veth pair in the same
 *       namespace, counted by the kernel at the other end ({@code rx_packets}): what the kernel
 *       itself takes in from the same sender, printed beside {@code tap_read}.
 * </ul>
 *
 * Allocation per frame is measured on the threads that do the work (the sender for write, the
 * softnet worker and the interrupt thread for read) with {@code ThreadMXBean}. With
 * {@code --ref PATH} the same figures are measured for the plain C loop in
 * {@code bench/src/main/c/tap_ref.c}, under the same load, for comparison.
 *
 * <p>The TAP lives in a namespace made for the run ({@code pf-bench-XXXXXX}), deleted at the end;
 * frames carry ethertype 0x88B5 (local experimental), so the kernel drops what it gets right after
 * {@code eth_type_trans}.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar \
 *     dev.packetflow.bench.TapBench [--seconds 3] [--ref /path/to/tap_ref]</pre>
 */
public final class TapBench implements Scenario {
    private static final int ETH_P_TEST = 0x88B5;
    private static final int[] SIZES = {64, 1514};

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
        return "frames/s over a TAP, packetflow <-> Linux kernel, 64 and 1514 bytes (root)";
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
        String ns = "pf-bench-" + suffix();
        check(sh("ip", "netns", "add", ns));
        RealTimeKernel kernel = new RealTimeKernel(1, RealTimeKernel.IdleStrategy.BACKOFF);
        NetStack net = NetStack.create(kernel, "bench");
        try {
            String name = "pfb" + suffix();
            TapDevice tap = TapDevice.builder(net).name(name).mode(TapDevice.Mode.CREATE).open();
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
            String va = "pfva" + suffix();
            String vb = "pfvb" + suffix();
            boolean veth = sh("ip", "-n", ns, "link", "add", va, "type", "veth", "peer", "name", vb).exit() == 0
                    && sh("ip", "-n", ns, "link", "set", va, "up").exit() == 0
                    && sh("ip", "-n", ns, "link", "set", vb, "up").exit() == 0;
            for (int size : SIZES) {
                write(out, tap, size, seconds, false);
                write(out, tap, size, seconds, true);
                read(out, tap, ns, name, size, seconds, received);
                if (veth) {
                    vethRead(out, ns, va, vb, size, seconds);
                }
                if (refPath != null) {
                    refWrite(out, ns, size, seconds);
                    refRead(out, ns, size, seconds);
                }
            }
        } finally {
            net.close();
            kernel.close();
            sh("ip", "netns", "del", ns);
        }
    }

    // ------------------------------------------------------------------ packetflow

    private static void write(PrintStream out, TapDevice tap, int size, double seconds, boolean direct) {
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
    }

    private static void writeLoop(TapDevice tap, int size, double seconds, boolean direct) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long dst = tap.kernelMac();
        long src = tap.mac();
        for (long i = 1; ; i++) {
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

    private static void read(PrintStream out, TapDevice tap, String ns, String ifname, int size, double seconds,
            AtomicLong received) throws InterruptedException {
        byte[] frame = testFrame(tap.mac(), tap.kernelMac(), size);
        blast(ns, ifname, frame, 2.0); // warm-up: JIT
        com.sun.management.ThreadMXBean mx = threadMx();
        long[] softnet = threadIds("ksoftirqd/");
        long[] irq = threadIds("tap-irq/");
        long softnet0 = allocated(mx, softnet);
        long irq0b = allocated(mx, irq);
        long r0 = received.get();
        long polls0 = tap.rxPolls();
        long irq0 = tap.interrupts();
        long t0 = System.nanoTime();
        PacketBlaster b = blast(ns, ifname, frame, seconds);
        // Frames still queued in the TAP when the sender stops are part of the run.
        long last = -1;
        for (int i = 0; i < 100 && received.get() != last; i++) {
            last = received.get();
            Thread.sleep(10);
        }
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
        if (b.error != null) {
            out.println("# blaster: " + b.error);
        }
    }

    /**
     * The same blast between two kernel interfaces (a veth pair in the namespace): what the kernel
     * itself receives per second from one {@code AF_PACKET} sender, beside {@code tap_read}.
     */
    private static void vethRead(PrintStream out, String ns, String va, String vb, int size, double seconds)
            throws IOException, InterruptedException {
        byte[] frame = testFrame(0x02_00_00_00_00_02L, 0x02_00_00_00_00_01L, size);
        long r0 = rxPackets(ns, vb);
        long t0 = System.nanoTime();
        PacketBlaster b = blast(ns, va, frame, seconds);
        long ns1 = System.nanoTime() - t0;
        long frames = rxPackets(ns, vb) - r0;
        Scenario.figure(out, "kernel_veth_read_" + size, frames * 1e9 / ns1, "frames/s");
        Scenario.figure(out, "kernel_veth_read_" + size + "_offered", b.sent * 1e9 / ns1, "frames/s");
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
        PacketBlaster b = new PacketBlaster(ns, ifname, frame, seconds);
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

    private void refWrite(PrintStream out, String ns, int size, double seconds) throws Exception {
        // Count-based in C: aim at about the measured time with a first short calibration run.
        String rate = refRun(ns, "write", size, 200_000, seconds, null);
        double fps = parseRate(rate);
        long count = (long) Math.max(100_000, Math.min(50_000_000, fps * seconds));
        fps = parseRate(refRun(ns, "write", size, count, seconds, null));
        Scenario.figure(out, "c_write_" + size, fps, "frames/s");
    }

    private void refRead(PrintStream out, String ns, int size, double seconds) throws Exception {
        double fps = parseRate(refRun(ns, "read", size, 0, seconds, testFrame(-1L, 0x02_00_00_00_00_01L, size)));
        Scenario.figure(out, "c_read_" + size, fps, "frames/s");
    }

    /** Runs tap_ref in the namespace (it creates its own TAP there), configures the TAP, lets it go. */
    private String refRun(String ns, String mode, int size, long count, double seconds, byte[] blastFrame)
            throws Exception {
        String ifname = "pfr" + suffix();
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, refPath, mode, ifname));
        if (mode.equals("write")) {
            cmd.add(Integer.toString(size));
            cmd.add(Long.toString(count));
        } else {
            cmd.add(Double.toString(seconds));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                OutputStream w = p.getOutputStream()) {
            String line = r.readLine();
            if (!"ready".equals(line)) {
                throw new IOException("tap_ref: " + line);
            }
            check(sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf." + ifname + ".disable_ipv6=1"));
            check(sh("ip", "-n", ns, "link", "set", ifname, "up"));
            w.write('\n');
            w.flush();
            if (blastFrame != null) {
                blast(ns, ifname, blastFrame, seconds);
            }
            String result = r.readLine();
            if (!p.waitFor((long) (seconds * 1000) + 60_000, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
            }
            return result;
        }
    }

    private static double parseRate(String line) throws IOException {
        Matcher m = Pattern.compile("= ([0-9.]+) frames/s").matcher(line == null ? "" : line);
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

    private static String suffix() {
        return String.format(Locale.ROOT, "%06x", ThreadLocalRandom.current().nextInt(1 << 24));
    }

    private record Sh(int exit, String output) {}

    private static Sh sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Sh(-1, String.join(" ", cmd) + ": timed out");
        }
        return new Sh(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private static void check(Sh r) throws IOException {
        if (r.exit() != 0) {
            throw new IOException(r.output());
        }
    }
}
