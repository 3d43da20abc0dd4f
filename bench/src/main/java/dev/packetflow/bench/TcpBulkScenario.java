package dev.packetflow.bench;

import static dev.packetflow.net.socket.Uapi.*;

import dev.packetflow.net.ipv4.tcp.TcpMib;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * {@code tcp-bulk}: one TCP connection between two stacks in one JVM over a veth pair (MTU 1500,
 * TSO/GSO on as in Linux's veth), the sender writing 1 MiB at a time, the receiver reading 1 MiB
 * at a time, both non-blocking between simulation steps on one thread (so the figure is what one
 * core does for both stacks; the simulation's virtual clock only orders events). Prints Gbit/s,
 * bytes allocated per wire segment, wire segments per skb that crossed the veth (the GSO factor),
 * then the Linux kernel's figure between two network namespaces when run as root.
 */
final class TcpBulkScenario implements Scenario {
    @Override
    public String name() {
        return "tcp-bulk";
    }

    @Override
    public String description() {
        return "one TCP connection over veth (MTU 1500, TSO), 1 MiB writes: Gbit/s, bytes allocated/segment";
    }

    @Override
    public void run(PrintStream out, double seconds) throws Exception {
        try (TcpRig rig = new TcpRig()) {
            ByteBuffer tx = ByteBuffer.allocateDirect(1 << 20);
            ByteBuffer rx = ByteBuffer.allocateDirect(1 << 20);
            long[] got = {0};
            // warm-up: the JIT and cwnd/window growth
            drive(rig, tx, rx, got, (long) (Math.min(2.0, seconds) * 1e9));
            long g0 = got[0];
            long segs0 = rig.a.tcp().mib().get(TcpMib.OUT_SEGS);
            long skbs0 = rig.veth.a().stats().txPackets();
            long a0 = TcpRig.allocated();
            long t0 = System.nanoTime();
            drive(rig, tx, rx, got, (long) (seconds * 1e9));
            long t1 = System.nanoTime();
            long a1 = TcpRig.allocated();
            long segs = rig.a.tcp().mib().get(TcpMib.OUT_SEGS) - segs0;
            long skbs = rig.veth.a().stats().txPackets() - skbs0;
            long bytes = got[0] - g0;
            Scenario.figure(out, "tcp_bulk", bytes * 8 / ((t1 - t0) / 1e9) / 1e9, "Gbit/s");
            Scenario.figure(out, "tcp_bulk_alloc_bytes_per_segment", segs == 0 ? 0 : (double) (a1 - a0) / segs, "B");
            Scenario.figure(out, "tcp_bulk_segments_per_skb", skbs == 0 ? 0 : (double) segs / skbs, "segments");
        }
        KernelTcp.bulk(out, seconds);
    }

    private static void drive(TcpRig rig, ByteBuffer tx, ByteBuffer rx, long[] got, long ns) {
        long end = System.nanoTime() + ns;
        int[] tick = {0};
        rig.sim.runUntil(() -> {
            tx.clear();
            rig.sa.send(rig.cfd, tx, MSG_DONTWAIT);
            for (;;) {
                rx.clear();
                int r = rig.sb.recv(rig.sfd, rx, MSG_DONTWAIT);
                if (r <= 0) {
                    break;
                }
                got[0] += r;
            }
            return (++tick[0] & 63) == 0 && System.nanoTime() > end;
        }, Duration.ofDays(1));
    }
}
