package dev.packetflow.bench;

import java.io.PrintStream;

/**
 * {@code packetflow bench icmp-echo}: one stack answering pings as fast as it can, the path of
 * {@link IcmpEchoBench} ({@code napi_poll} to {@code ndo_start_xmit} of the reply, 64 requests
 * per NAPI poll) in a timed loop; then the same with the rig's copy of each request (the NIC's
 * DMA) left out of the timing ({@code icmp_echo_napi_to_xmit_ns_per_packet}).
 */
final class IcmpEchoScenario implements Scenario {
    /** Upper bound on packets, whatever the time allows. */
    static final long MAX_PACKETS = 200_000_000L;

    @Override
    public String name() {
        return "icmp-echo";
    }

    @Override
    public String description() {
        return "ICMP echo request to reply on one stack, 64 per NAPI poll (ns per packet, allocation)";
    }

    @Override
    public void run(PrintStream out, double seconds) {
        try (EchoRig rig = new EchoRig()) {
            rig.verify();
            RigLoop.Result r = RigLoop.run(rig::runBatch, seconds, MAX_PACKETS);
            rig.verify();
            Scenario.figure(out, "icmp_echo_warmup_seconds", r.warmupSeconds(), "s");
            Scenario.figure(out, "icmp_echo_packets", r.packets(), "packets");
            Scenario.figure(out, "icmp_echo_ns_per_packet", r.nsPerPacket(), "ns");
            Scenario.figure(out, "icmp_echo_cpu_ns_per_packet", r.cpuNsPerPacket(), "ns");
            Scenario.figure(out, "icmp_echo_best_ns_per_packet", r.bestChunkNsPerPacket(), "ns");
            Scenario.figure(out, "icmp_echo_replies_per_second", Math.round(r.packets() * 1e9 / r.wallNs()), "replies/s");
            Scenario.figure(out, "icmp_echo_alloc_bytes_per_packet", r.allocBytesPerPacket(), "B");
            Scenario.figure(out, "icmp_echo_napi_to_xmit_ns_per_packet", napiToXmitNs(rig, seconds), "ns");
            rig.verify();
        }
    }

    /**
     * The span the issue names, as {@link IcmpEchoBench#napiToXmit} times it: per burst, the
     * rig's copy of the requests into skbs (the NIC's DMA) runs untimed, then {@code napi_poll}
     * to {@code ndo_start_xmit} and TX completion of the replies is timed; two clock reads per 64
     * packets. Runs for {@code seconds} (at most {@link #MAX_PACKETS}) after the loop above warmed
     * the path; returns nanoseconds per packet.
     */
    static double napiToXmitNs(EchoRig rig, double seconds) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long timed = 0;
        long packets = 0;
        while (packets < MAX_PACKETS) {
            rig.dma();
            long t0 = System.nanoTime();
            packets += rig.napiToXmit();
            long t1 = System.nanoTime();
            timed += t1 - t0;
            if (t1 - end >= 0) {
                break;
            }
        }
        return packets == 0 ? Double.NaN : (double) timed / packets;
    }
}
