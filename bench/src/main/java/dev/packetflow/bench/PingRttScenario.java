package dev.packetflow.bench;

import dev.packetflow.drivers.net.veth.Veth;
import dev.packetflow.kernel.RealTimeKernel;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.ipv4.Ping;
import dev.packetflow.net.ipv4.RouteSpec;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code packetflow bench ping-rtt}: A ── R ── B over two veth wires in real time, each stack with
 * its own softnet worker thread; A pings B one request at a time (the next leaves when the
 * previous reply is back) and the figures are round trips per second and the round-trip time.
 *
 * <pre>
 *  A veth0 198.18.0.1/24 ── 198.18.0.254/24 veth0 R veth1 198.18.1.254/24 ── 198.18.1.1/24 veth0 B
 * </pre>
 *
 * Every request crosses eight NAPI polls and four thread hand-offs (A's sender → R's worker → B's
 * worker → R's worker → A's worker), so the figure measures wake-up latency as much as the stack.
 */
final class PingRttScenario implements Scenario {
    static final int A = InetAddr.parse("198.18.0.1");
    static final int R0 = InetAddr.parse("198.18.0.254");
    static final int R1 = InetAddr.parse("198.18.1.254");
    static final int B = InetAddr.parse("198.18.1.1");
    /** Upper bound on measured round trips, whatever the time allows. */
    static final int MAX_PINGS = 200_000;
    static final int WARMUP_PINGS = 2_000;
    static final long TIMEOUT_NS = 1_000_000_000L;

    @Override
    public String name() {
        return "ping-rtt";
    }

    @Override
    public String description() {
        return "A-R-B over veth in real time: ping round trips per second and RTT";
    }

    @Override
    public void run(PrintStream out, double seconds) {
        int cpus = Math.max(1, Math.min(3, Runtime.getRuntime().availableProcessors()));
        RealTimeKernel k = new RealTimeKernel(cpus, RealTimeKernel.IdleStrategy.BACKOFF);
        NetStack a = NetStack.create(k, "a", 0);
        NetStack r = NetStack.create(k, "r", 1 % cpus);
        NetStack b = NetStack.create(k, "b", 2 % cpus);
        try {
            Veth.Pair ar = Veth.pair(a, "veth0", r, "veth0");
            Veth.Pair rb = Veth.pair(r, "veth1", b, "veth0");
            for (NetDevice d : new NetDevice[] {ar.a(), ar.b(), rb.a(), rb.b()}) {
                d.net().devices().open(d);
            }
            a.ipv4().addAddress(ar.a(), A, 24);
            r.ipv4().addAddress(ar.b(), R0, 24);
            r.ipv4().addAddress(rb.a(), R1, 24);
            b.ipv4().addAddress(rb.b(), B, 24);
            a.ipv4().fib().routeAdd(RouteSpec.defaultRoute().via(R0));
            b.ipv4().fib().routeAdd(RouteSpec.defaultRoute().via(R1));
            r.ipv4().setIpForward(1);
            try (Ping ping = Ping.open(a, 0x5150)) {
                AtomicInteger lastReply = new AtomicInteger(-1);
                Thread me = Thread.currentThread();
                ping.onReply(rep -> {
                    lastReply.set(rep.seq());
                    LockSupport.unpark(me);
                });
                int seq = 0;
                long lost = 0;
                // Warm-up: resolves ARP on both wires and lets the JIT compile the path.
                for (int i = 0; i < WARMUP_PINGS; i++) {
                    seq = (seq + 1) & 0xffff;
                    if (!roundTrip(ping, seq, lastReply)) {
                        lost++;
                    }
                }
                long[] rtt = new long[MAX_PINGS];
                int n = 0;
                long t0 = System.nanoTime();
                long deadline = t0 + (long) (seconds * 1e9);
                long now = t0;
                while (now < deadline && n < MAX_PINGS) {
                    seq = (seq + 1) & 0xffff;
                    long s = System.nanoTime();
                    boolean ok = roundTrip(ping, seq, lastReply);
                    now = System.nanoTime();
                    if (ok) {
                        rtt[n++] = now - s;
                    } else {
                        lost++;
                    }
                }
                long wall = now - t0;
                Arrays.sort(rtt, 0, n);
                Scenario.figure(out, "ping_rtt_round_trips", n, "round trips");
                Scenario.figure(out, "ping_rtt_lost", lost, "requests");
                Scenario.figure(out, "ping_rtt_round_trips_per_second", n == 0 ? 0 : Math.round(n * 1e9 / wall), "round trips/s");
                if (n > 0) {
                    Scenario.figure(out, "ping_rtt_p50_us", rtt[n / 2] / 1e3, "us");
                    Scenario.figure(out, "ping_rtt_p99_us", rtt[Math.min(n - 1, (int) (n * 0.99))] / 1e3, "us");
                    Scenario.figure(out, "ping_rtt_min_us", rtt[0] / 1e3, "us");
                }
                Scenario.figure(out, "ping_rtt_softnet_cpus", cpus, "cpus");
            }
        } finally {
            a.close();
            r.close();
            b.close();
            k.close();
        }
    }

    /** Sends echo request {@code seq} and waits for its reply; false after a second without one. */
    private static boolean roundTrip(Ping ping, int seq, AtomicInteger lastReply) {
        if (ping.send(B, seq, 56) != 0) {
            return false;
        }
        long start = System.nanoTime();
        int spins = 0;
        while (lastReply.get() != seq) {
            if (System.nanoTime() - start > TIMEOUT_NS) {
                return false;
            }
            if (++spins < 200) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(20_000);
            }
        }
        return true;
    }
}
