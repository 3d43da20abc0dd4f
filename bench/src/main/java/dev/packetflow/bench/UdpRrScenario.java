package dev.packetflow.bench;

import dev.packetflow.kernel.RealTimeKernel;
import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.MsgHdr;
import dev.packetflow.net.socket.SockAddrIn;
import java.io.PrintStream;
import java.nio.ByteBuffer;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * {@code udp-rr}: UDP request/response between two stacks over a veth pair in one JVM, real time:
 * a client on A sends 64 bytes and waits for the 64-byte answer of an echo server on B, over and
 * over. Both sockets are connected and use busy polling ({@code SO_BUSY_POLL}): a receiver that
 * finds its queue empty polls the veth's NAPI context itself instead of sleeping. Prints round
 * trips per second and the bytes allocated per round trip, then the Linux kernel's figure between
 * two network namespaces when run as root.
 */
final class UdpRrScenario implements Scenario {
    static final int PAYLOAD = 64;
    static final int BUSY_POLL_US = 50;
    /** {@code SO_PREFER_BUSY_POLL} too (off with {@code -Dpacketflow.bench.udp.prefer=false}). */
    static final boolean PREFER = !"false".equals(System.getProperty("packetflow.bench.udp.prefer"));

    @Override
    public String name() {
        return "udp-rr";
    }

    @Override
    public String description() {
        return "64-byte UDP request/response over veth with busy polling, real time: round trips/s";
    }

    @Override
    public void run(PrintStream out, double seconds) throws Exception {
        try (RealTimeKernel k = new RealTimeKernel(2, RealTimeKernel.IdleStrategy.PARK); UdpRig rig = new UdpRig(k)) {
            int srv = UdpRig.socket(rig.sb, UdpRig.B, 9000);
            int cli = UdpRig.socket(rig.sa, UdpRig.A, 9001);
            UdpRig.check(rig.sb.connect(srv, new SockAddrIn(UdpRig.A, 9001)), "connect");
            UdpRig.check(rig.sa.connect(cli, new SockAddrIn(UdpRig.B, 9000)), "connect");
            for (int fd : new int[] {srv, cli}) {
                UdpRig.check((fd == srv ? rig.sb : rig.sa).setsockopt(fd, SOL_SOCKET, SO_BUSY_POLL, BUSY_POLL_US),
                        "SO_BUSY_POLL");
                if (PREFER) {
                    UdpRig.check((fd == srv ? rig.sb : rig.sa).setsockopt(fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, 1),
                            "SO_PREFER_BUSY_POLL");
                }
            }
            // spin: every empty non-blocking receive polls the device once (SO_BUSY_POLL); with
            // -Dpacketflow.bench.udp.rr=block, blocking receives busy-poll for 50 µs, then sleep
            int flags = "block".equals(System.getProperty("packetflow.bench.udp.rr")) ? 0 : MSG_DONTWAIT;
            UdpThroughputScenario.Counter trips = new UdpThroughputScenario.Counter();
            Thread server = Thread.ofPlatform().name("udp-echo").start(() -> {
                ByteBuffer buf = ByteBuffer.allocateDirect(2048);
                MsgHdr m = new MsgHdr();
                while (!trips.stop) {
                    buf.clear();
                    m.setBuffer(buf);
                    int r = rig.sb.recvmsg(srv, m, flags);
                    if (r > 0) {
                        buf.flip();
                        rig.sb.send(srv, buf, 0);
                    } else if (r != Errno.EAGAIN.neg()) {
                        return; // closed
                    }
                }
            });
            // a receive timeout lets both threads notice the end of the run
            byte[] tv = dev.packetflow.net.socket.SockOpts.timeval(0, 100_000);
            rig.sb.setsockopt(srv, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
            rig.sa.setsockopt(cli, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
            Thread client = Thread.ofPlatform().name("udp-rr").start(() -> {
                ByteBuffer out1 = ByteBuffer.allocateDirect(PAYLOAD);
                ByteBuffer in = ByteBuffer.allocateDirect(2048);
                MsgHdr m = new MsgHdr();
                while (!trips.stop) {
                    out1.clear();
                    rig.sa.send(cli, out1, 0);
                    in.clear();
                    m.setBuffer(in);
                    int r;
                    while ((r = rig.sa.recvmsg(cli, m, flags)) == Errno.EAGAIN.neg() && !trips.stop) {
                        Thread.onSpinWait();
                    }
                    if (r == PAYLOAD) {
                        trips.inc();
                    }
                }
            });
            Thread.sleep((long) (Math.min(2.0, seconds) * 1000));
            long n0 = trips.read();
            long a0 = UdpRig.allocated(client, server);
            long c0 = UdpRig.cpuNs(0, client, server) + UdpRig.cpuNs(1);
            long t0 = System.nanoTime();
            Thread.sleep((long) (seconds * 1000));
            long n1 = trips.read();
            long a1 = UdpRig.allocated(client, server);
            long c1 = UdpRig.cpuNs(0, client, server) + UdpRig.cpuNs(1);
            long t1 = System.nanoTime();
            trips.stop = true;
            client.join();
            server.join();
            long n = n1 - n0;
            Scenario.figure(out, "udp_rr", Math.round(n / ((t1 - t0) / 1e9)), "round trips/s");
            Scenario.figure(out, "udp_rr_alloc_bytes_per_round_trip", n == 0 ? 0 : (double) (a1 - a0) / n, "B");
            // CPU of client, server and both softnet workers per round trip, spins included
            Scenario.figure(out, "udp_rr_cpu_ns_per_round_trip", n == 0 ? 0 : Math.round((double) (c1 - c0) / n), "ns");
        }
        KernelUdp.requestResponse(out, seconds);
    }
}
