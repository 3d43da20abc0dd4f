package dev.packetflow.bench;

import dev.packetflow.drivers.net.FrameRing;
import dev.packetflow.drivers.net.veth.Veth;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import java.io.PrintStream;

/**
 * {@code ring-floor}: the ceiling this machine puts on any split of a UDP datagram's path between
 * two threads. It prints
 * <ul>
 * <li>{@code ring_floor_uncoupled_pps}: two threads each doing, per frame, the busy work of one
 * half of the path (by default what {@code UdpPathBench} measures on one thread: {@code sendHalf}
 * about 260 ns, {@code receiveHalf} about 230 ns), at the same time and with nothing at all
 * between them. No two-thread design moves more datagrams than this; on a VM whose two vCPUs
 * share a host core or its caches it is well below 1 / 260 ns.</li>
 * <li>{@code ring_floor_ring_only_pps}: 106-byte frames (a 64-byte UDP payload with its headers)
 * through veth's {@link FrameRing} between the two threads, copied in and out as veth does, with
 * no other work: the hand-over's own rate.</li>
 * <li>{@code ring_floor_coupled_pps}: the same ring with each half's busy work on its side: the
 * two-thread model of {@code udp-throughput} with the stack's code replaced by work of the same
 * length, so that it says what rate halves of a given cost can reach on this machine.</li>
 * </ul>
 * {@code udp-throughput}'s per-datagram figure has both costs in it; when the first figure is
 * itself near the target, the shortfall is the machine's. {@code -Dpacketflow.bench.floor.tx_ns}
 * and {@code .rx_ns} set the work per frame.
 */
final class RingFloorScenario implements Scenario {
    static final int FRAME = 106; // a 64-byte UDP payload with its UDP, IPv4 and Ethernet headers
    static final int RING = 256;
    static final long MAX_FRAMES = 200_000_000L;

    @Override
    public String name() {
        return "ring-floor";
    }

    @Override
    public String description() {
        return "two threads with a UDP half's work each and nothing between them, and veth's ring alone: frames/s";
    }

    @Override
    public void run(PrintStream out, double seconds) throws Exception {
        long txNs = Long.getLong("packetflow.bench.floor.tx_ns", 260);
        long rxNs = Long.getLong("packetflow.bench.floor.rx_ns", 230);
        double unitNs = Work.calibrate();
        int txUnits = (int) Math.round(txNs / unitNs);
        int rxUnits = (int) Math.round(rxNs / unitNs);
        Scenario.figure(out, "ring_floor_tx_work_ns", Math.round(txUnits * unitNs), "ns");
        Scenario.figure(out, "ring_floor_rx_work_ns", Math.round(rxUnits * unitNs), "ns");
        Scenario.figure(out, "cacheline_round_trip_ns", Math.round(CoreToCore.roundTripNs(5, 100_000)), "ns");
        Scenario.figure(out, "ring_floor_uncoupled_pps", Math.round(uncoupled(txUnits, rxUnits, seconds)), "pps");
        Scenario.figure(out, "ring_floor_ring_only_pps", Math.round(ring(0, 0, seconds)), "pps");
        Scenario.figure(out, "ring_floor_coupled_pps", Math.round(ring(txUnits, rxUnits, seconds)), "pps");
    }

    /** Where each thread leaves its work's result, so that the JIT cannot drop the work. */
    static volatile long sink;

    /** Store-heavy busy work, as the packet path is: a pseudo-random walk through a small table. */
    static final class Work {
        private final long[] table = new long[64];
        private long x;

        Work(long seed) {
            x = seed;
        }

        void run(int units) {
            long v = x;
            for (int i = 0; i < units; i++) {
                // reads what earlier rounds wrote, so that no store is dead to the JIT
                v = (v ^ table[(int) v & 63]) * 6364136223846793005L + 1442695040888963407L;
                table[(int) (v >>> 58)] = v;
            }
            x = v;
        }

        long value() {
            return x;
        }

        /** ns per unit on this thread, best of five rounds (after a warm-up). */
        static double calibrate() {
            Work w = new Work(1);
            double best = Double.MAX_VALUE;
            for (int r = 0; r < 8; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < 20_000; i++) {
                    w.run(100);
                }
                double ns = (System.nanoTime() - t0) / (20_000 * 100.0);
                if (r >= 3) {
                    best = Math.min(best, ns);
                }
            }
            sink = w.value();
            return best;
        }
    }

    /** Both threads work at the same time, with nothing between them: frames/s of the slower. */
    private static double uncoupled(int txUnits, int rxUnits, double seconds) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        double[] rate = new double[2];
        Thread[] t = new Thread[2];
        for (int k = 0; k < 2; k++) {
            int side = k;
            int units = side == 0 ? txUnits : rxUnits;
            t[k] = Thread.ofPlatform().name(side == 0 ? "floor-tx" : "floor-rx").start(() -> {
                Work w = new Work(side + 1);
                long n = 0;
                long t0 = System.nanoTime();
                while (n < MAX_FRAMES) {
                    w.run(units);
                    n++;
                    if ((n & 1023) == 0 && System.nanoTime() >= deadline) {
                        break;
                    }
                }
                rate[side] = n * 1e9 / (System.nanoTime() - t0);
                sink = w.value();
            });
        }
        for (Thread x : t) {
            x.join();
        }
        return Math.min(rate[0], rate[1]);
    }

    /**
     * A producer thread does {@code txUnits} of work, allocates a frame and offers it to the ring
     * (spinning while the ring is full); the consumer polls it (a copy into an skb of the device's
     * pool), frees it and does {@code rxUnits} of work. Returns the frames/s the consumer took.
     * With no work it is the ring's own rate; with each half's work it is the whole two-thread
     * model of {@code udp-throughput}, the stack's code replaced by work of the same length.
     */
    private static double ring(int txUnits, int rxUnits, double seconds) throws InterruptedException {
        NetStack net = NetStack.create(new Simulation(1), "floor");
        NetDevice dev = Veth.pair(net, "f0", net, "f1").a();
        FrameRing ring = new FrameRing(RING);
        byte[] frame = new byte[FRAME];
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        long[] sent = new long[1];
        Thread producer = Thread.ofPlatform().name("floor-tx").start(() -> {
            Work w = new Work(1);
            long n = 0;
            while (n < MAX_FRAMES && ((n & 1023) != 0 || System.nanoTime() < deadline)) {
                w.run(txUnits);
                SkBuff s = Skb.allocSkb(dev.pool(), Skb.NET_SKB_PAD + FRAME);
                s.reserve(Skb.NET_SKB_PAD);
                s.putData(frame);
                while (!ring.offer(s)) {
                    Thread.onSpinWait();
                }
                n++;
            }
            sent[0] = n;
            sink = w.value();
        });
        Work w = new Work(2);
        long got = 0;
        long t0 = System.nanoTime();
        for (;;) {
            SkBuff s = ring.poll(dev);
            if (s == null) {
                if (!producer.isAlive() && ring.isEmpty()) {
                    break;
                }
                Thread.onSpinWait();
                continue;
            }
            Skb.consumeSkb(s);
            w.run(rxUnits);
            got++;
        }
        sink = w.value();
        long t1 = System.nanoTime();
        producer.join();
        if (got != sent[0]) {
            throw new IllegalStateException("ring-floor: sent " + sent[0] + ", received " + got);
        }
        return got * 1e9 / (t1 - t0);
    }
}
