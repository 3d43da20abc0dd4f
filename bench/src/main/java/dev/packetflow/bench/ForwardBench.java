package dev.packetflow.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * IPv4 forwarding through a router of 64-byte frames, dev0 to dev1 (see {@link ForwardRig}): time
 * and, with {@code -prof gc}, heap allocation per packet (expected 0 B/op). Frames arrive in
 * bursts of 64 per NAPI poll; figures are per packet (1000 / ns per op = Mpps on one core).
 *
 * <pre>java -jar bench/target/benchmarks.jar ForwardBench -prof gc</pre>
 *
 * On a machine shared with other work the average swings with the load; add
 * {@code -bm sample -tu ns} for the per-invocation distribution, whose median and minimum are
 * hardly touched by preemption (BENCHMARKS.md, issue 2).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseParallelGC", "-XX:MaxInlineLevel=25"})
@State(Scope.Thread)
public class ForwardBench {
    private ForwardRig rig;

    @Setup(Level.Trial)
    public void setUp() {
        rig = new ForwardRig();
        rig.verify();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        rig.verify();
        rig.close();
    }

    @Benchmark
    @OperationsPerInvocation(ForwardRig.BATCH)
    public int forward() {
        return rig.runBatch();
    }
}
