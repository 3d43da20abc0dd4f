package dev.packetflow.net.ipv4.tcp;

import static dev.packetflow.net.socket.Uapi.*;

import dev.packetflow.net.socket.SockAddrIn;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** Rough numbers for BENCHMARKS.md; runs only with -Dpacketflow.perf=true. */
@EnabledIfSystemProperty(named = "packetflow.perf", matches = "true")
class TcpPerfProbe {
    @Test
    void bulkThroughput() {
        try (TcpNet n = new TcpNet(1)) {
            n.capturing = false;
            int[] c = n.establish(80);
            ByteBuffer out = ByteBuffer.allocate(1 << 20);
            ByteBuffer in = ByteBuffer.allocate(1 << 20);
            long total = 2L << 30;
            long[] sent = {0}, got = {0};
            for (int round = 0; round < 2; round++) {
                long t0 = System.nanoTime();
                long start = got[0];
                n.sim.runUntil(() -> {
                    out.clear();
                    int w = n.sa.send(c[0], out, MSG_DONTWAIT);
                    if (w > 0) sent[0] += w;
                    for (;;) {
                        in.clear();
                        int r = n.sb.recv(c[1], in, MSG_DONTWAIT);
                        if (r <= 0) break;
                        got[0] += r;
                    }
                    return got[0] - start >= total / 2;
                }, Duration.ofHours(10));
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf("bulk: %.2f Gbit/s (%.1f s real)%n", (got[0] - start) * 8 / s / 1e9, s);
            }
        }
    }

    @Test
    void requestResponse() {
        try (TcpNet n = new TcpNet(1)) {
            n.capturing = false;
            int[] c = n.establish(80);
            n.sa.setsockopt(c[0], SOL_TCP, TcpSockOpts.TCP_NODELAY, 1);
            n.sb.setsockopt(c[1], SOL_TCP, TcpSockOpts.TCP_NODELAY, 1);
            ByteBuffer one = ByteBuffer.allocate(1);
            for (int round = 0; round < 2; round++) {
                int count = 500_000;
                long t0 = System.nanoTime();
                for (int i = 0; i < count; i++) {
                    one.clear();
                    n.sa.send(c[0], one, MSG_DONTWAIT);
                    n.sim.runForNs(0);
                    one.clear();
                    n.sb.recv(c[1], one, MSG_DONTWAIT);
                    one.flip();
                    n.sb.send(c[1], one, MSG_DONTWAIT);
                    n.sim.runForNs(0);
                    one.clear();
                    n.sa.recv(c[0], one, MSG_DONTWAIT);
                }
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf("rr: %.0f round trips/s%n", count / s);
            }
        }
    }

    @Test
    void idleConnectionHeap() throws Exception {
        try (TcpNet n = new TcpNet(1)) {
            n.capturing = false;
            int conns = 20_000;
            int l = n.listenB(80, 65535);
            Runtime rt = Runtime.getRuntime();
            System.gc();
            Thread.sleep(200);
            long before = rt.totalMemory() - rt.freeMemory();
            int[] fds = new int[conns];
            for (int i = 0; i < conns; i++) {
                int fd = n.sa.socket(AF_INET, SOCK_STREAM, 0);
                n.sa.fcntl(fd, F_SETFL, O_NONBLOCK);
                n.sa.connect(fd, new SockAddrIn(TcpNet.B, 80));
                if (i % 100 == 99) {
                    n.sim.runFor(Duration.ofMillis(1));
                    while (n.sb.accept4(l, null, SOCK_NONBLOCK) >= 0) {}
                }
                fds[i] = fd;
            }
            n.sim.runFor(Duration.ofMillis(300));
            while (n.sb.accept4(l, null, SOCK_NONBLOCK) >= 0) {}
            System.gc();
            Thread.sleep(200);
            System.gc();
            long after = rt.totalMemory() - rt.freeMemory();
            System.out.printf("idle: %d connections, %.0f bytes of heap per socket (both ends counted)%n", conns,
                    (after - before) / (2.0 * conns));
            System.out.println("established A: " + n.a.tcp().mib().get(TcpMib.CURR_ESTAB));
        }
    }
}
