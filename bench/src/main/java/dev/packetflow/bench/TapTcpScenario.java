package dev.packetflow.bench;

import static dev.packetflow.net.socket.Uapi.*;

import dev.packetflow.drivers.net.loopback.Loopback;
import dev.packetflow.drivers.net.tap.TapDevice;
import dev.packetflow.kernel.RealTimeKernel;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.ipv4.tcp.TcpSockOpts;
import dev.packetflow.net.socket.SockAddrIn;
import dev.packetflow.net.socket.SocketLayer;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code tap-tcp} (root only): bulk TCP between packetflow and the Linux kernel over a TAP with
 * segmentation offload ({@code IFF_VNET_HDR}, {@code TUN_F_CSUM | TUN_F_TSO4}, device MTU 1500):
 * packetflow (a {@link RealTimeKernel} with one softnet CPU, 198.18.0.2) sends 1 MiB writes to a
 * kernel socket in a network namespace made for the run (198.18.0.1, {@link KernelTcpPeer} sink),
 * then receives from a kernel sender; each way, {@link #WARMUP_S} seconds of traffic go uncounted. Prints Gbit/s each way (measured by the receiver) and the
 * TAP's GSO frame counters. The namespace is deleted at the end.
 */
final class TapTcpScenario implements Scenario {
    /**
     * Seconds of traffic each way before the clock starts: the JIT compiles the TCP paths of both
     * JVMs meanwhile, which on two shared vCPUs takes as much CPU as the stack for several seconds.
     */
    static final double WARMUP_S = 2;

    @Override
    public String name() {
        return "tap-tcp";
    }

    @Override
    public String description() {
        return "bulk TCP over a TSO TAP, packetflow <-> Linux kernel, Gbit/s each way (root)";
    }

    @Override
    public void run(PrintStream out, double seconds) throws Exception {
        if (!KernelUdp.root()) {
            out.println("# tap_tcp: skipped (needs root for a TAP and a network namespace)");
            return;
        }
        String tag = String.format("%04x", ThreadLocalRandom.current().nextInt(0x10000));
        String ns = "pf-bench-" + tag + "-t";
        String name = "pftt" + tag;
        ip("netns", "add", ns);
        // The TAP's interrupt thread runs the receive work on irq exit; ksoftirqd keeps the timers.
        try (RealTimeKernel k = new RealTimeKernel(1, RealTimeKernel.IdleStrategy.PARK)) {
            NetStack net = NetStack.create(k, "pf");
            try {
                Loopback.create(net);
                net.exec("ip link set lo up");
                // as packetflow serve runs it: the interrupt thread polls up to 200 µs before sleeping
                TapDevice tap = TapDevice.builder(net).name(name).mode(TapDevice.Mode.CREATE).vnetHdr(true)
                        .pollMaxMicros(200).open();
                ip("link", "set", name, "netns", ns);
                ip("netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf." + name + ".disable_ipv6=1");
                ip("-n", ns, "addr", "add", "198.18.0.1/24", "dev", name);
                ip("-n", ns, "link", "set", name, "up");
                net.exec("ip addr add 198.18.0.2/24 dev " + name);
                net.exec("ip link set " + name + " up");
                Thread.sleep(200);
                SocketLayer s = net.sockets();
                // packetflow → kernel
                Process sink = java(ns, "sink", "198.18.0.1", "5001", fmt(seconds), fmt(WARMUP_S));
                Thread.sleep(1500);
                int fd = s.socket(AF_INET, SOCK_STREAM, 0);
                TcpRig.check(s.connect(fd, new SockAddrIn(InetAddr.parse("198.18.0.1"), 5001)), "connect");
                ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
                long end = System.nanoTime() + (long) ((WARMUP_S + seconds + 10) * 1e9);
                while (System.nanoTime() < end) {
                    buf.clear();
                    if (s.send(fd, buf, MSG_NOSIGNAL) < 0) {
                        break; // the sink closed
                    }
                }
                info(out, s, fd, "tx");
                s.close(fd);
                String r = KernelUdp.result(sink, 20);
                out.println(r.isEmpty() ? "# tap_tcp_tx: no result" : r.replace("bulk=", "tap_tcp_tx="));
                // kernel → packetflow
                int l = s.socket(AF_INET, SOCK_STREAM, 0);
                s.setsockopt(l, SOL_SOCKET, SO_REUSEADDR, 1);
                TcpRig.check(s.bind(l, new SockAddrIn(InetAddr.parse("198.18.0.2"), 5002)), "bind");
                TcpRig.check(s.listen(l, 4), "listen");
                Process source = java(ns, "source", "198.18.0.2", "5002", fmt(WARMUP_S + seconds + 2));
                int c = s.accept(l, null);
                TcpRig.check(c, "accept");
                buf.clear();
                s.recv(c, buf, 0); // the first bytes start the warm-up, then the clock
                long warm = System.nanoTime() + (long) (WARMUP_S * 1e9);
                while (System.nanoTime() < warm) {
                    buf.clear();
                    if (s.recv(c, buf, 0) <= 0) {
                        break;
                    }
                }
                long bytes = 0;
                long t0 = System.nanoTime();
                long stop = t0 + (long) (seconds * 1e9);
                long now;
                while ((now = System.nanoTime()) < stop) {
                    buf.clear();
                    int n = s.recv(c, buf, 0);
                    if (n <= 0) {
                        break;
                    }
                    bytes += n;
                }
                Scenario.figure(out, "tap_tcp_rx", bytes * 8 / ((now - t0) / 1e9) / 1e9, "Gbit/s");
                info(out, s, c, "rx");
                s.close(c);
                s.close(l);
                source.destroy();
                source.waitFor(10, TimeUnit.SECONDS);
                Scenario.figure(out, "tap_tcp_gso_frames_tx", tap.txGsoFrames(), "frames");
                Scenario.figure(out, "tap_tcp_gso_frames_rx", tap.rxGsoFrames(), "frames");
            } finally {
                net.close();
            }
        } finally {
            try {
                ip("netns", "del", ns);
            } catch (Exception e) {
                // already gone
            }
        }
    }

    private static Process java(String ns, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns,
                ProcessHandle.current().info().command().orElse("java"), "-XX:+UseParallelGC", "-cp",
                System.getProperty("java.class.path"), KernelTcpPeer.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** The connection's state at the end of a run (struct tcp_info and the buffer sizes), as a comment line. */
    private static void info(PrintStream out, SocketLayer s, int fd, String dir) {
        byte[] b = new byte[TcpSockOpts.TCP_INFO_LEN];
        int[] len = {b.length};
        int[] rcvbuf = new int[1];
        int[] sndbuf = new int[1];
        if (s.getsockopt(fd, IPPROTO_TCP, TcpSockOpts.TCP_INFO, b, len) < 0
                || s.getsockopt(fd, SOL_SOCKET, SO_RCVBUF, rcvbuf) < 0
                || s.getsockopt(fd, SOL_SOCKET, SO_SNDBUF, sndbuf) < 0) {
            return;
        }
        ByteBuffer i = ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        out.printf(Locale.ROOT, "# tap_tcp_%s: rtt=%dus rcv_rtt=%dus cwnd=%d snd_wnd=%d rcv_wnd=%d rcv_ssthresh=%d"
                        + " rcv_space=%d rcvbuf=%d sndbuf=%d segs_out=%d segs_in=%d%n",
                dir, i.getInt(68), i.getInt(92), i.getInt(80), i.getInt(228), i.getInt(232), i.getInt(64),
                i.getInt(96), rcvbuf[0], sndbuf[0], i.getInt(136), i.getInt(140));
    }

    private static String fmt(double s) {
        return String.format(Locale.ROOT, "%.3f", s);
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
}
