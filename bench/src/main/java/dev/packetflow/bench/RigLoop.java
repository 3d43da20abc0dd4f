package dev.packetflow.bench;

import java.lang.management.ManagementFactory;
import java.util.function.IntSupplier;

/**
 * Drives a rig's bursts in a timed loop, bounded in both time and packets, and measures what one
 * packet costs: wall-clock time, the thread's CPU time, heap bytes allocated (which should be 0),
 * and the best time per packet over any chunk of {@value #CHUNK} bursts: on a machine shared with
 * other work that is the closest figure to what the path costs when the core is left alone.
 */
final class RigLoop {
    /** Bursts between clock readings. */
    private static final int CHUNK = 64;

    /** What a measured run found. */
    record Result(long packets, long wallNs, long cpuNs, long allocatedBytes, double bestChunkNsPerPacket,
                  double warmupSeconds) {
        double nsPerPacket() {
            return (double) wallNs / packets;
        }

        double cpuNsPerPacket() {
            return (double) cpuNs / packets;
        }

        double mpps() {
            return packets * 1e3 / wallNs;
        }

        double allocBytesPerPacket() {
            return (double) allocatedBytes / packets;
        }
    }

    private RigLoop() {}

    /** {@code -Dpacketflow.bench.series=true}: print ns/packet every 100 ms of the measured phase (to stderr). */
    private static final boolean SERIES = Boolean.getBoolean("packetflow.bench.series");

    /** The JIT counts as settled once it has compiled nothing for this long. */
    static final long JIT_QUIET_NS = 500_000_000L;
    /** Warm-up never lasts longer than this, settled or not. */
    static final long MAX_WARMUP_NS = 20_000_000_000L;

    /**
     * Runs {@code burst} for warm-up (a third of the time, at most 2 s, and then until the JIT
     * has settled), then measures for {@code seconds} or {@code maxPackets} packets, whichever
     * comes first.
     */
    static Result run(IntSupplier burst, double seconds, long maxPackets) {
        long warmNs = (long) Math.min(2e9, seconds * 1e9 / 3);
        long warmPackets = 0;
        Warmup w = new Warmup(warmNs);
        while (!w.done() && warmPackets < maxPackets) {
            for (int i = 0; i < CHUNK; i++) {
                warmPackets += burst.getAsInt();
            }
        }
        double warmSeconds = w.seconds();
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long alloc0 = mx.getCurrentThreadAllocatedBytes();
        long cpu0 = mx.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        long deadline = t0 + (long) (seconds * 1e9);
        long packets = 0;
        long now = t0;
        double best = Double.MAX_VALUE;
        long seriesT = t0;
        long seriesP = 0;
        while (now < deadline && packets < maxPackets) {
            long chunkPackets = 0;
            for (int i = 0; i < CHUNK; i++) {
                chunkPackets += burst.getAsInt();
            }
            long t = System.nanoTime();
            if (chunkPackets > 0) {
                best = Math.min(best, (double) (t - now) / chunkPackets);
            }
            packets += chunkPackets;
            now = t;
            if (SERIES && now - seriesT >= 100_000_000L) {
                System.err.printf("series %.1f ns/packet%n", (double) (now - seriesT) / (packets - seriesP));
                seriesT = now;
                seriesP = packets;
            }
        }
        long cpu1 = mx.getCurrentThreadCpuTime();
        long alloc1 = mx.getCurrentThreadAllocatedBytes();
        return new Result(packets, now - t0, cpu1 - cpu0, alloc1 - alloc0, best, warmSeconds);
    }

    /**
     * When to stop warming up: after a minimum time, once the JIT compiler has been idle for
     * {@link #JIT_QUIET_NS} (at most {@link #MAX_WARMUP_NS}). On a small machine C2 takes seconds
     * to compile the whole packet path (longer when other work shares the cores), and a
     * measurement that starts before it is done times partly C1 code and shares the CPU with the
     * compiler thread.
     */
    static final class Warmup {
        private final java.lang.management.CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        private final long start = System.nanoTime();
        private final long minEnd;
        private long lastJitMs = -1;
        private long quietSince = start;
        private long lastCheck = start;

        Warmup(long minNs) {
            this.minEnd = start + minNs;
        }

        /** Call now and then while warming up; true when the warm-up is over. */
        boolean done() {
            long now = System.nanoTime();
            if (now - lastCheck >= 50_000_000L || lastJitMs < 0) {
                lastCheck = now;
                long ms = jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
                if (ms != lastJitMs) {
                    lastJitMs = ms;
                    quietSince = now;
                }
            }
            return now - minEnd >= 0 && (now - quietSince >= JIT_QUIET_NS || now - start >= MAX_WARMUP_NS);
        }

        /** Seconds spent warming up so far. */
        double seconds() {
            return (System.nanoTime() - start) / 1e9;
        }
    }
}
