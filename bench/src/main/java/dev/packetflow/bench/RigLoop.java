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
    record Result(long packets, long wallNs, long cpuNs, long allocatedBytes, double bestChunkNsPerPacket) {
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

    /**
     * Runs {@code burst} for warm-up (a third of the time, at most 2 s), then measures for
     * {@code seconds} or {@code maxPackets} packets, whichever comes first.
     */
    static Result run(IntSupplier burst, double seconds, long maxPackets) {
        long warmNs = (long) Math.min(2e9, seconds * 1e9 / 3);
        long end = System.nanoTime() + warmNs;
        long warmPackets = 0;
        while (System.nanoTime() < end && warmPackets < maxPackets) {
            for (int i = 0; i < CHUNK; i++) {
                warmPackets += burst.getAsInt();
            }
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long alloc0 = mx.getCurrentThreadAllocatedBytes();
        long cpu0 = mx.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        long deadline = t0 + (long) (seconds * 1e9);
        long packets = 0;
        long now = t0;
        double best = Double.MAX_VALUE;
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
        }
        long cpu1 = mx.getCurrentThreadCpuTime();
        long alloc1 = mx.getCurrentThreadAllocatedBytes();
        return new Result(packets, now - t0, cpu1 - cpu0, alloc1 - alloc0, best);
    }
}
