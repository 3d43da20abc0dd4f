package dev.packetflow.bench;

import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.ipv4.UdpTable;
import dev.packetflow.net.socket.Sock;
import dev.packetflow.net.socket.SockAddrIn;
import dev.packetflow.net.socket.SocketLayer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * The socket lookup of an arriving UDP datagram ({@code __udp4_lib_lookup}) with 10, 1,000 and
 * 100,000 bound sockets in the stack: the cost should not grow with the number of sockets. Each op
 * looks up a datagram for one of the bound ports, chosen from a pre-computed pseudo-random
 * sequence (so caches see a realistic spread, not one hot entry), plus one miss in eight (a port
 * nobody bound, which walks the specific and the wildcard chains).
 *
 * <pre>java -jar bench/target/benchmarks.jar UdpLookupBench -prof gc</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
@State(Scope.Thread)
public class UdpLookupBench {
    static final int LOCAL = InetAddr.parse("198.18.0.2");
    static final int PEER = InetAddr.parse("198.18.0.1");

    @Param({"10", "1000", "100000"})
    int sockets;

    private NetStack net;
    private UdpTable table;
    private int[] ports;
    private int i;

    @Setup(Level.Trial)
    public void setUp() {
        net = NetStack.create(new Simulation(1), "b");
        net.arp().setGratuitousArpOnAddressAdd(false);
        var eth = net.addDevice(new dev.packetflow.drivers.net.channel.ChannelDevice("eth0", 0x02_00_00_00_00_02L));
        net.devices().open(eth);
        net.ipv4().addAddress(eth, LOCAL, 24);
        SocketLayer sys = net.sockets();
        table = net.udp().table();
        int n = sockets;
        ports = new int[4096];
        java.util.Random r = new java.util.Random(42);
        for (int k = 0; k < n; k++) {
            int fd = sys.socket(AF_INET, SOCK_DGRAM, 0);
            // half on the address, half on the wildcard, as a busy server would have
            int port = 1024 + k % 60000;
            int addr = (k / 60000) % 2 == 0 && k % 2 == 0 ? LOCAL : INADDR_ANY;
            if (sys.bind(fd, new SockAddrIn(addr, port)) < 0) {
                sys.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
                sys.bind(fd, new SockAddrIn(LOCAL, port)); // 100,000 > 64,511 ports: doubles share
            }
        }
        for (int k = 0; k < ports.length; k++) {
            ports[k] = k % 8 == 7 ? 65000 + (k & 7) : 1024 + r.nextInt(Math.min(n, 60000));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        net.close();
    }

    @Benchmark
    public Sock lookup() {
        int p = ports[i++ & (ports.length - 1)];
        return table.lookup(PEER, 40000, LOCAL, p, 2);
    }
}
