package dev.packetflow.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * An ICMP echo request turned into its reply on one stack, from the {@code napi_poll} that takes
 * the frame to the {@code ndo_start_xmit} of the reply (see {@link EchoRig}): time and, with
 * {@code -prof gc}, heap allocation per packet (expected 0 B/op in steady state). Frames arrive in
 * bursts of 64 per NAPI poll; figures are per packet.
 *
 * <pre>java -jar bench/target/benchmarks.jar IcmpEchoBench -prof gc</pre>
 *
 * {@link #echo} times the rig's copy of each request into a fresh skb as well; {@link #napiToXmit}
 * leaves that copy (the NIC's DMA) out of the timing.
 *
 * On a machine shared with other work the average swings with the load; add
 * {@code -bm sample -tu ns} for the per-invocation distribution, whose median and minimum are
 * hardly touched by preemption (BENCHMARKS.md, issue 2). JMH settings and the rig's lifecycle:
 * {@link RigBench}.
 */
public class IcmpEchoBench extends RigBench {
    /** One rig per benchmark thread, checked before and after the trial. */
    @State(Scope.Thread)
    public static class Rig extends RigBench.Trial {
        EchoRig rig;

        @Override
        RigBench.Verifiable open() {
            return rig = new EchoRig();
        }
    }

    @Benchmark
    @OperationsPerInvocation(EchoRig.BATCH)
    public int echo(Rig r) {
        return r.rig.runBatch();
    }

    /**
     * The span the issue names, {@code napi_poll} to {@code ndo_start_xmit}: each invocation's
     * burst is copied into skbs and queued on the device before the timer starts (what a NIC's
     * DMA into posted buffers does), so only the stack's work is timed: the poll, the whole
     * receive and reply path, the transmit and the TX completion that frees each reply. The
     * per-invocation setup costs JMH two timestamps per burst of 64, well under 1 ns per packet.
     */
    @State(Scope.Thread)
    public static class Dma extends Rig {
        @Setup(Level.Invocation)
        public void dma() {
            rig.dma();
        }
    }

    @Benchmark
    @OperationsPerInvocation(EchoRig.BATCH)
    public int napiToXmit(Dma d) {
        return d.rig.napiToXmit();
    }
}
