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

    /** Round-trip histogram: 100 ns buckets up to 1 ms, the last one for anything longer. */
    static final int RTT_BUCKETS = 10_001;

    /** The upper edge (µs) of the bucket holding the {@code q} quantile; 0 when nothing was measured. */
    static double percentile(long[] hist, long total, double q) {
        if (total == 0) {
            return 0;
        }
        long want = (long) Math.ceil(total * q);
        long seen = 0;
        for (int i = 0; i < hist.length; i++) {
            seen += hist[i];
            if (seen >= want) {
                return (i + 1) / 10.0;
            }
        }
        return hist.length / 10.0;
    }

    /** SO_BUSY_POLL (and SO_PREFER_BUSY_POLL unless turned off) on {@code fd} of {@code sys}. */
    private static void busyPoll(dev.packetflow.net.socket.SocketLayer sys, int fd) {
        UdpRig.check(sys.setsockopt(fd, SOL_SOCKET, SO_BUSY_POLL, BUSY_POLL_US), "SO_BUSY_POLL");
        if (PREFER) {
            UdpRig.check(sys.setsockopt(fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, 1), "SO_PREFER_BUSY_POLL");
        }
    }

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
        RealTimeKernel.IdleStrategy idle = RealTimeKernel.IdleStrategy.valueOf(
                System.getProperty("packetflow.bench.udp.idle", "PARK"));
        try (RealTimeKernel k = new RealTimeKernel(2, idle); UdpRig rig = new UdpRig(k)) {
            int srv = UdpRig.socket(rig.sb, UdpRig.B, 9000);
            int cli = UdpRig.socket(rig.sa, UdpRig.A, 9001);
            UdpRig.check(rig.sb.connect(srv, new SockAddrIn(UdpRig.A, 9001)), "connect");
            UdpRig.check(rig.sa.connect(cli, new SockAddrIn(UdpRig.B, 9000)), "connect");
            // Both ends busy-poll. (The two stacks number their descriptors independently, so
            // srv and cli may well be the same number: pick the socket layer per end, not by fd.)
            busyPoll(rig.sb, srv);
            busyPoll(rig.sa, cli);
            // spin: every empty non-blocking receive polls the device once (SO_BUSY_POLL); with
            // -Dpacketflow.bench.udp.rr=block, blocking receives busy-poll for 50 µs, then sleep
            int flags = "block".equals(System.getProperty("packetflow.bench.udp.rr")) ? 0 : MSG_DONTWAIT;
            UdpThroughputScenario.Counter trips = new UdpThroughputScenario.Counter();
            // round-trip times in 100 ns buckets up to 1 ms (the last bucket takes the rest),
            // written by the client only, read after it stopped
            long[] rttHist = new long[RTT_BUCKETS];
            long[] histFrom = new long[RTT_BUCKETS];
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
                boolean measuring = false;
                while (!trips.stop) {
                    if (!measuring && trips.measure) {
                        measuring = true;
                        System.arraycopy(rttHist, 0, histFrom, 0, RTT_BUCKETS);
                    }
                    long sentAt = System.nanoTime();
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
                        rttHist[(int) Math.min(RTT_BUCKETS - 1, (System.nanoTime() - sentAt) / 100)]++;
                    }
                }
            });
            // warm-up (JIT, pools, buffers): at least 2 s, and until the JIT has settled
            RigLoop.Warmup warm = new RigLoop.Warmup((long) (Math.min(2.0, seconds) * 1e9));
            while (!warm.done()) {
                Thread.sleep(50);
            }
            trips.measure = true;
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
            long[] hist = new long[RTT_BUCKETS];
            long total = 0;
            for (int i = 0; i < RTT_BUCKETS; i++) {
                hist[i] = rttHist[i] - histFrom[i];
                total += hist[i];
            }
            Scenario.figure(out, "udp_rr", Math.round(n / ((t1 - t0) / 1e9)), "round trips/s");
            Scenario.figure(out, "udp_rr_alloc_bytes_per_round_trip", n == 0 ? 0 : (double) (a1 - a0) / n, "B");
            // CPU of client, server and both softnet workers per round trip, spins included
            Scenario.figure(out, "udp_rr_cpu_ns_per_round_trip", n == 0 ? 0 : Math.round((double) (c1 - c0) / n), "ns");
            // from the client's send to its receive of the answer; 100 ns resolution
            Scenario.figure(out, "udp_rr_rtt_p50_us", percentile(hist, total, 0.5), "us");
            Scenario.figure(out, "udp_rr_rtt_p90_us", percentile(hist, total, 0.9), "us");
            Scenario.figure(out, "udp_rr_rtt_p99_us", percentile(hist, total, 0.99), "us");
        }
        KernelUdp.requestResponse(out, seconds);
    }
}
