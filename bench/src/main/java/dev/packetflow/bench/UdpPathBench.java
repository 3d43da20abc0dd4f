package dev.packetflow.bench;

import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.socket.MsgHdr;
import dev.packetflow.net.socket.SockAddrIn;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * One 64-byte datagram from an application on A to an application on B over a veth pair, in
 * virtual time and on one thread: {@code sendto} down to the veth, the receive path up to the
 * socket queue, {@code recvmsg} into the application's buffer. The whole UDP path's CPU cost
 * without threads, and with {@code -prof gc} its allocation (expected: 0 B/op). {@link #sendHalf}
 * and {@link #receiveHalf} time the two halves of {@link #batchOf64} apart (the other half runs
 * outside the timed region): what each of {@code udp-throughput}'s two threads costs without the
 * cache lines that cross between them.
 *
 * <pre>java -jar bench/target/benchmarks.jar UdpPathBench -prof gc</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseParallelGC", "-XX:+UseCondCardMark", "-XX:MaxInlineLevel=25"})
public class UdpPathBench {
    /** Datagrams per batch: what one NAPI poll takes. */
    static final int BATCH = 64;

    /** Two stacks joined by a veth, a bound socket on each, in one simulation. */
    @State(Scope.Thread)
    public static class Pair {
        private Simulation sim;
        private UdpRig rig;
        private int tx;
        private int rx;
        private final ByteBuffer out = ByteBuffer.allocateDirect(64);
        private final ByteBuffer in = ByteBuffer.allocateDirect(2048);
        private final MsgHdr m = new MsgHdr();
        private final SockAddrIn to = new SockAddrIn(UdpRig.B, 9000);
        private SockAddrIn dest;

        /**
         * Both sockets connected to each other: the sender keeps its route and IP ID counter, the
         * receiver is found by early demux with its kept input route.
         */
        @Param({"false", "true"})
        public boolean connected;

        @Setup(Level.Trial)
        public void setUp() {
            sim = new Simulation(1);
            rig = new UdpRig(sim);
            tx = rig.sa.socket(AF_INET, SOCK_DGRAM, 0);
            rig.sa.bind(tx, new SockAddrIn(UdpRig.A, 9001));
            rx = rig.sb.socket(AF_INET, SOCK_DGRAM, 0);
            rig.sb.bind(rx, to);
            if (connected) {
                rig.sa.connect(tx, to);
                rig.sb.connect(rx, new SockAddrIn(UdpRig.A, 9001));
            }
            dest = connected ? null : to;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            rig.close();
        }

        int sendOne() {
            out.clear();
            return rig.sa.sendto(tx, out, MSG_DONTWAIT, dest);
        }

        int receiveOne() {
            in.clear();
            m.setBuffer(in);
            return rig.sb.recvmsg(rx, m, MSG_DONTWAIT);
        }

        void sendBatch() {
            for (int i = 0; i < BATCH; i++) {
                sendOne();
            }
        }

        /** Runs the simulation (B's veth polls the batch), then receives it; the bytes received. */
        int receiveBatch() {
            sim.runForNs(0);
            int got = 0;
            for (int i = 0; i < BATCH; i++) {
                got += receiveOne();
            }
            return got;
        }
    }

    /** A {@link Pair} whose batch is sent before each timed call. */
    @State(Scope.Thread)
    public static class Sent extends Pair {
        @Setup(Level.Invocation)
        public void send() {
            sendBatch();
        }
    }

    /** A {@link Pair} whose batch is received after each timed call. */
    @State(Scope.Thread)
    public static class Drained extends Pair {
        @TearDown(Level.Invocation)
        public void drain() {
            receiveBatch();
        }
    }

    @Benchmark
    public int sendtoToRecvmsg(Pair p) {
        p.sendOne();
        p.sim.runForNs(0);
        return p.receiveOne();
    }

    /**
     * 64 datagrams per op, as a NAPI poll takes them: 64 sends, one run of the simulation (the
     * receiving veth polls them in one batch), 64 receives. Reported per datagram.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int batchOf64(Pair p) {
        p.sendBatch();
        return p.receiveBatch();
    }

    /** The send half of {@link #batchOf64}: 64 {@code sendto} to the veth. Per datagram. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void sendHalf(Drained p) {
        p.sendBatch();
    }

    /** The receive half of {@link #batchOf64}: B's veth poll and 64 {@code recvmsg}. Per datagram. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int receiveHalf(Sent p) {
        return p.receiveBatch();
    }
}
