package dev.packetflow.bench;

import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Locale;

/**
 * The Linux side of {@link KernelTcp}: a tiny program run inside a network namespace with
 * {@code ip netns exec}, using the JDK's own (kernel) TCP sockets. Every mode is bounded by its
 * time argument.
 *
 * <pre>
 * sink   ADDR PORT SECONDS [WARMUP]
 *                            accept one connection, read for SECONDS after the first byte (after
 *                            WARMUP more seconds, not counted, when given); print bulk=G Gbit/s
 * source ADDR PORT SECONDS   connect and write 1 MiB buffers until SECONDS pass or the peer closes
 * echo   ADDR PORT SECONDS   accept one connection, send back every byte (TCP_NODELAY)
 * rr     ADDR PORT SECONDS   1-byte request/response (TCP_NODELAY); print rr=N round trips/s
 * </pre>
 */
public final class KernelTcpPeer {
    private KernelTcpPeer() {}

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        InetSocketAddress addr = new InetSocketAddress(args[1], Integer.parseInt(args[2]));
        long limitNs = (long) (Double.parseDouble(args[3]) * 1e9);
        switch (mode) {
            case "sink", "echo" -> {
                try (ServerSocketChannel l = ServerSocketChannel.open()) {
                    l.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                    l.bind(addr);
                    try (SocketChannel c = l.accept()) {
                        if (mode.equals("sink")) {
                            sink(c, limitNs, args.length > 4 ? (long) (Double.parseDouble(args[4]) * 1e9) : 0);
                        } else {
                            echo(c, limitNs);
                        }
                    }
                }
            }
            case "source" -> {
                try (SocketChannel c = SocketChannel.open(addr)) {
                    ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
                    long end = System.nanoTime() + limitNs;
                    while (System.nanoTime() < end) {
                        b.clear();
                        c.write(b);
                    }
                } catch (java.io.IOException e) {
                    // the sink closed first
                }
            }
            case "rr" -> {
                try (SocketChannel c = SocketChannel.open(addr)) {
                    c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    c.configureBlocking(false);
                    ByteBuffer p = ByteBuffer.allocateDirect(1);
                    long n = 0;
                    long t0 = System.nanoTime();
                    long end = t0 + limitNs;
                    long now = t0;
                    while (now < end) {
                        p.clear();
                        c.write(p);
                        p.clear();
                        while (c.read(p) <= 0 && (now = System.nanoTime()) < end) {
                            Thread.onSpinWait();
                        }
                        n++;
                        now = System.nanoTime();
                    }
                    System.out.printf(Locale.ROOT, "rr=%d round trips/s%n", Math.round(n / ((now - t0) / 1e9)));
                }
            }
            default -> throw new IllegalArgumentException("mode: " + mode);
        }
    }

    private static void sink(SocketChannel c, long limitNs, long warmupNs) throws java.io.IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
        c.read(b); // the first bytes start the clock
        long warm = System.nanoTime() + warmupNs;
        while (System.nanoTime() < warm) {
            b.clear();
            if (c.read(b) < 0) {
                break;
            }
        }
        long n = 0;
        long t0 = System.nanoTime();
        long end = t0 + limitNs;
        long now;
        while ((now = System.nanoTime()) < end) {
            b.clear();
            int r = c.read(b);
            if (r < 0) {
                break;
            }
            n += r;
        }
        System.out.printf(Locale.ROOT, "bulk=%.3f Gbit/s%n", n * 8 / ((now - t0) / 1e9) / 1e9);
    }

    private static void echo(SocketChannel c, long limitNs) throws java.io.IOException {
        c.setOption(StandardSocketOptions.TCP_NODELAY, true);
        c.configureBlocking(false);
        ByteBuffer b = ByteBuffer.allocateDirect(4096);
        long end = System.nanoTime() + limitNs;
        while (System.nanoTime() < end) {
            b.clear();
            int r = c.read(b);
            if (r < 0) {
                return;
            }
            if (r > 0) {
                b.flip();
                while (b.hasRemaining()) {
                    c.write(b);
                }
            }
        }
    }
}
