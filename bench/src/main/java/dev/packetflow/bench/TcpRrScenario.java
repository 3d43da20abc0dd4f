package dev.packetflow.bench;

import static dev.packetflow.net.socket.Uapi.*;

import dev.packetflow.net.ipv4.tcp.TcpSockOpts;
import java.io.PrintStream;
import java.nio.ByteBuffer;

/**
 * {@code tcp-rr}: 1-byte request/response over one TCP connection between two stacks in one JVM
 * over veth, TCP_NODELAY on both ends, one thread driving the simulation (a request, the
 * simulation until it is delivered, the echo, the simulation again). Prints round trips per second
 * and bytes allocated per round trip, then the Linux kernel's figure when run as root.
 */
final class TcpRrScenario implements Scenario {
    @Override
    public String name() {
        return "tcp-rr";
    }

    @Override
    public String description() {
        return "1-byte TCP request/response over veth: round trips/s";
    }

    @Override
    public void run(PrintStream out, double seconds) throws Exception {
        try (TcpRig rig = new TcpRig()) {
            rig.sa.setsockopt(rig.cfd, SOL_TCP, TcpSockOpts.TCP_NODELAY, 1);
            rig.sb.setsockopt(rig.sfd, SOL_TCP, TcpSockOpts.TCP_NODELAY, 1);
            ByteBuffer one = ByteBuffer.allocateDirect(1);
            loop(rig, one, (long) (Math.min(2.0, seconds) * 1e9));
            long a0 = TcpRig.allocated();
            long t0 = System.nanoTime();
            long n = loop(rig, one, (long) (seconds * 1e9));
            long t1 = System.nanoTime();
            long a1 = TcpRig.allocated();
            Scenario.figure(out, "tcp_rr", Math.round(n / ((t1 - t0) / 1e9)), "round trips/s");
            Scenario.figure(out, "tcp_rr_alloc_bytes_per_round_trip", n == 0 ? 0 : (double) (a1 - a0) / n, "B");
        }
        KernelTcp.requestResponse(out, seconds);
    }

    private static long loop(TcpRig rig, ByteBuffer one, long ns) {
        long end = System.nanoTime() + ns;
        long n = 0;
        do {
            for (int i = 0; i < 256; i++) {
                one.clear();
                rig.sa.send(rig.cfd, one, MSG_DONTWAIT);
                rig.sim.runForNs(0);
                one.clear();
                if (rig.sb.recv(rig.sfd, one, MSG_DONTWAIT) != 1) {
                    throw new IllegalStateException("request not delivered");
                }
                one.flip();
                rig.sb.send(rig.sfd, one, MSG_DONTWAIT);
                rig.sim.runForNs(0);
                one.clear();
                if (rig.sa.recv(rig.cfd, one, MSG_DONTWAIT) != 1) {
                    throw new IllegalStateException("response not delivered");
                }
                n++;
            }
        } while (System.nanoTime() < end);
        return n;
    }
}
