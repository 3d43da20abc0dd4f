package dev.packetflow.bench;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The Linux kernel's own TCP figures on this machine, for comparison with {@code tcp-bulk} and
 * {@code tcp-rr}: two network namespaces made for the run and a veth pair (MTU 1500, the kernel's
 * default offloads: TSO/GSO/GRO on) with addresses from 198.18.0.0/15 ({@link KernelUdp.Netns}),
 * and {@link KernelTcpPeer} run inside them. Everything is deleted afterwards. Only as root;
 * otherwise one line says it was skipped.
 */
final class KernelTcp {
    private KernelTcp() {}

    /** {@code kernel_tcp_bulk}: one connection, 1 MiB writes, Gbit/s at the receiver. */
    static void bulk(PrintStream out, double seconds) throws Exception {
        if (!KernelUdp.root()) {
            out.println("# kernel_tcp_bulk: skipped (needs root to create network namespaces)");
            return;
        }
        try (KernelUdp.Netns ns = KernelUdp.Netns.create()) {
            Process sink = ns.java(KernelTcpPeer.class, ns.b, "sink", "198.18.0.2", "5001", fmt(seconds));
            Thread.sleep(1500); // the receiving JVM listens
            Process source = ns.java(KernelTcpPeer.class, ns.a, "source", "198.18.0.2", "5001", fmt(seconds + 4));
            String r = KernelUdp.result(sink, seconds + 20);
            source.destroy();
            source.waitFor(10, TimeUnit.SECONDS);
            out.println(r.isEmpty() ? "# kernel_tcp_bulk: no result" : r.replace("bulk=", "kernel_tcp_bulk="));
        }
    }

    /** {@code kernel_tcp_rr}: 1-byte request/response, both ends spinning, TCP_NODELAY. */
    static void requestResponse(PrintStream out, double seconds) throws Exception {
        if (!KernelUdp.root()) {
            out.println("# kernel_tcp_rr: skipped (needs root to create network namespaces)");
            return;
        }
        try (KernelUdp.Netns ns = KernelUdp.Netns.create()) {
            Process echo = ns.java(KernelTcpPeer.class, ns.b, "echo", "198.18.0.2", "5002", fmt(seconds + 6));
            Thread.sleep(1500);
            Process rr = ns.java(KernelTcpPeer.class, ns.a, "rr", "198.18.0.2", "5002", fmt(seconds));
            String r = KernelUdp.result(rr, seconds + 20);
            echo.destroy();
            echo.waitFor(10, TimeUnit.SECONDS);
            out.println(r.isEmpty() ? "# kernel_tcp_rr: no result" : r.replace("rr=", "kernel_tcp_rr="));
        }
    }

    private static String fmt(double s) {
        return String.format(Locale.ROOT, "%.3f", s);
    }
}
