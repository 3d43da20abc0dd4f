package dev.packetflow.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the rig benchmarks ({@link IcmpEchoBench}, {@link ForwardBench}) share. A subclass
 * inherits the JMH settings (JMH's class-level annotations are {@code @Inherited}): average time
 * per packet in ns, 3 one-second warm-up and 5 one-second measurement iterations, one fork with
 * the parallel collector, {@code -XX:+UseCondCardMark} (README, "JVM flags") and
 * {@code -XX:MaxInlineLevel=25}, so that C2 inlines the whole transmit
 * tail (BENCHMARKS.md). A benchmark's state extends {@link Trial}: one rig per benchmark thread,
 * checked before and after the trial, then closed.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseParallelGC", "-XX:+UseCondCardMark", "-XX:MaxInlineLevel=25"})
abstract class RigBench {
    /** A rig: checks one packet's way through it against Linux's result, and frees its stack. */
    interface Verifiable extends AutoCloseable {
        /** Throws IllegalStateException when the packet's result is wrong. */
        void verify();

        @Override
        void close();
    }

    /**
     * A rig per benchmark thread: built by {@link #open()} and verified before the trial,
     * verified again after it (the timed loop must not have broken the path), then closed.
     * A subclass keeps the rig in a field of its own type, so the timed code reads it as before.
     */
    @State(Scope.Thread)
    abstract static class Trial extends RigBench {
        private Verifiable opened;

        /** Builds the rig (and stores it where the benchmark reads it). */
        abstract Verifiable open();

        @Setup(Level.Trial)
        public void setUp() {
            opened = open();
            opened.verify();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            opened.verify();
            opened.close();
        }
    }
}
