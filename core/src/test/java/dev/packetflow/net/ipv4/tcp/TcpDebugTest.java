package dev.packetflow.net.ipv4.tcp;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TcpDebugTest {
    @Test
    void debug() throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        try (TcpNet n = new TcpNet(41)) {
            n.capturing = false;
            int[] c = n.establish(80);
            Pump p = new Pump(n.sa, c[0], n.sb, c[1], 400L << 20, 1);
            n.sim.runUntil(() -> { p.step(); return p.read > (100 << 20); }, Duration.ofHours(1));
            long segs0 = n.b.tcp().mib().get(TcpMib.IN_SEGS);
            long t = Thread.currentThread().threadId();
            long b0 = mx.getThreadAllocatedBytes(t);
            n.sim.runUntil(() -> { p.step(); return p.read > (200 << 20); }, Duration.ofHours(1));
            long b1 = mx.getThreadAllocatedBytes(t);
            long segs = n.b.tcp().mib().get(TcpMib.IN_SEGS) - segs0;
            System.out.println("allocated " + (b1 - b0) + " bytes for " + segs + " segments: " + (double) (b1 - b0) / segs + " per segment");
            System.out.println(TcpTransferTest.nz(n.a.tcp().extMib()));
            System.out.println(TcpTransferTest.nz(n.b.tcp().extMib()));
        }
    }
}
