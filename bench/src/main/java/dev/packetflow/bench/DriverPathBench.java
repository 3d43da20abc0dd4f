package dev.packetflow.bench;

import dev.packetflow.drivers.net.loopback.Loopback;
import dev.packetflow.drivers.net.simnic.SimNic;
import dev.packetflow.drivers.net.veth.Veth;
import dev.packetflow.drivers.net.wire.WireConditions;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.Dev;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.PacketType;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.core.Xdp;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
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
 * One frame through each driver, send to delivery, in virtual time: the driver path's cost and,
 * with {@code -prof gc}, its allocation (expected: 0 B/op in steady state).
 *
 * <pre>java -jar bench/target/benchmarks.jar DriverPathBench -prof gc</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseParallelGC", "-XX:+UseCondCardMark", "-XX:MaxInlineLevel=25"})
@State(Scope.Thread)
public class DriverPathBench {
    private static final int ETH_P_TEST = 0x88B5;
    private static final int LEN = 128;

    private Simulation sim;
    private NetStack a;
    private NetStack b;
    private NetDevice lo;
    private NetDevice veth;
    private NetDevice vethDelayed;
    private NetDevice nic;
    private NetDevice nicXdpDrop;
    long received;

    @Setup(Level.Trial)
    public void setUp() {
        sim = new Simulation(1);
        a = NetStack.create(sim, "a");
        b = NetStack.create(sim, "b");
        PacketType sink = (skb, dev) -> {
            received++;
            Skb.consumeSkb(skb);
            return PacketType.NET_RX_SUCCESS;
        };
        a.addPacketHandler(ETH_P_TEST, sink);
        b.addPacketHandler(ETH_P_TEST, sink);
        lo = Loopback.create(a);
        a.devices().open(lo);
        Veth.Pair v = Veth.pair(a, "veth0", b, "veth0");
        open(v.a(), v.b());
        veth = v.a();
        Veth.Pair vd = Veth.pair(a, "veth1", b, "veth1",
                WireConditions.builder().delayNs(100_000).jitterNs(10_000).loss(0.01).duplicate(0.01).corrupt(0.01).build());
        open(vd.a(), vd.b());
        vethDelayed = vd.a();
        SimNic.Pair n = SimNic.pair(a, "eth0", b, "eth0", WireConditions.PERFECT);
        open(n.a(), n.b());
        nic = n.a();
        SimNic.Pair nx = SimNic.pair(a, "eth1", b, "eth1", WireConditions.PERFECT);
        open(nx.a(), nx.b());
        Xdp.attach(nx.b(), xdp -> Xdp.XDP_DROP);
        nicXdpDrop = nx.a();
    }

    private void open(NetDevice x, NetDevice y) {
        x.net().devices().open(x);
        y.net().devices().open(y);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        a.close();
        b.close();
    }

    private void send(NetDevice dev) {
        SkBuff skb = Skb.allocSkb(dev.pool(), Skb.MAX_HEADER + LEN);
        skb.reserve(Skb.MAX_HEADER);
        int off = skb.put(LEN);
        skb.setU48(off, 0x0200_0000_0001L);
        skb.setU48(off + 6, dev.mac());
        skb.setU16(off + 12, ETH_P_TEST);
        skb.dev = dev;
        Dev.devQueueXmit(skb);
        sim.run();
    }

    @Benchmark
    public long loopback() {
        send(lo);
        return received;
    }

    @Benchmark
    public long veth() {
        send(veth);
        return received;
    }

    @Benchmark
    public long vethImpairedWire() {
        send(vethDelayed);
        return received;
    }

    @Benchmark
    public long simnic() {
        send(nic);
        return received;
    }

    @Benchmark
    public long simnicXdpDrop() {
        send(nicXdpDrop);
        return received;
    }
}
