package dev.packetflow.bench;

import java.io.PrintStream;

/**
 * {@code packetflow bench forward}: a router forwarding 64-byte frames from dev0 to dev1 as fast
 * as it can, the path of {@link ForwardBench} (64 frames per NAPI poll) in a timed loop.
 */
final class ForwardScenario implements Scenario {
    static final long MAX_PACKETS = 500_000_000L;

    @Override
    public String name() {
        return "forward";
    }

    @Override
    public String description() {
        return "IPv4 forwarding of 64-byte frames through one router, 64 per NAPI poll (Mpps on one core)";
    }

    @Override
    public void run(PrintStream out, double seconds) {
        try (ForwardRig rig = new ForwardRig()) {
            rig.verify();
            RigLoop.Result r = RigLoop.run(rig::runBatch, seconds, MAX_PACKETS);
            rig.verify();
            Scenario.figure(out, "forward_warmup_seconds", r.warmupSeconds(), "s");
            Scenario.figure(out, "forward_packets", r.packets(), "packets");
            Scenario.figure(out, "forward_mpps", r.mpps(), "Mpps");
            Scenario.figure(out, "forward_ns_per_packet", r.nsPerPacket(), "ns");
            Scenario.figure(out, "forward_cpu_ns_per_packet", r.cpuNsPerPacket(), "ns");
            Scenario.figure(out, "forward_best_ns_per_packet", r.bestChunkNsPerPacket(), "ns");
            Scenario.figure(out, "forward_best_mpps", 1e3 / r.bestChunkNsPerPacket(), "Mpps");
            Scenario.figure(out, "forward_alloc_bytes_per_packet", r.allocBytesPerPacket(), "B");
        }
    }
}
