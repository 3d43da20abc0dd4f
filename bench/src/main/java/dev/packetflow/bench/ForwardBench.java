package dev.packetflow.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;

/**
 * IPv4 forwarding through a router of 64-byte frames, dev0 to dev1 (see {@link ForwardRig}): time
 * and, with {@code -prof gc}, heap allocation per packet (expected 0 B/op). Frames arrive in
 * bursts of 64 per NAPI poll; figures are per packet (1000 / ns per op = Mpps on one core).
 *
 * <pre>java -jar bench/target/benchmarks.jar ForwardBench -prof gc</pre>
 *
 * On a machine shared with other work the average swings with the load; add
 * {@code -bm sample -tu ns} for the per-invocation distribution, whose median and minimum are
 * hardly touched by preemption (BENCHMARKS.md, issue 2). JMH settings and the rig's lifecycle
 * (checked before and after the trial): {@link RigBench}.
 */
public class ForwardBench extends RigBench.Trial {
    private ForwardRig rig;

    @Override
    RigBench.Verifiable open() {
        return rig = new ForwardRig();
    }

    @Benchmark
    @OperationsPerInvocation(ForwardRig.BATCH)
    public int forward() {
        return rig.runBatch();
    }
}
