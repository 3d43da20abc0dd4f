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
 * looks up a datagram for one of the bound sockets, chosen from a pre-computed pseudo-random
 * sequence of 4096 (so caches see a spread, not one hot entry), and one op in eight misses (a port
 * nobody bound, which walks the specific and then the wildcard chain). Two variants: datagrams for
 * any bound socket, and for at most 1024 active ones (see each method).
 *
 * <pre>java -jar bench/target/benchmarks.jar UdpLookupBench -prof gc</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseParallelGC", "-XX:+UseCondCardMark", "-XX:MaxInlineLevel=25"})
@State(Scope.Thread)
public class UdpLookupBench {
    static final int LOCAL = InetAddr.parse("198.18.0.2");
    static final int PEER = InetAddr.parse("198.18.0.1");

    @Param({"10", "1000", "100000"})
    int sockets;

    private NetStack net;
    private UdpTable table;
    private int[] ports;
    private int[] addrs;
    private int[] hotPorts;
    private int[] hotAddrs;
    private int i;

    @Setup(Level.Trial)
    public void setUp() {
        net = NetStack.create(new Simulation(1), "b");
        net.arp().setGratuitousArpOnAddressAdd(false);
        var eth = net.addDevice(new dev.packetflow.drivers.net.channel.ChannelDevice("eth0", 0x02_00_00_00_00_02L));
        net.devices().open(eth);
        net.ipv4().addAddress(eth, LOCAL, 24);
        net.ipv4().addAddress(eth, LOCAL + 1, 24);
        SocketLayer sys = net.sockets();
        table = net.udp().table();
        int n = sockets;
        for (int k = 0; k < n; k++) {
            int fd = sys.socket(AF_INET, SOCK_DGRAM, 0);
            // 50,000 ports on each of two addresses: 100,000 sockets need both
            if (sys.bind(fd, new SockAddrIn(LOCAL + k / 50_000, 1024 + k % 50_000)) != 0) {
                throw new IllegalStateException("bind " + k);
            }
        }
        if (table.size() != n) {
            throw new IllegalStateException(table.size() + " sockets bound, wanted " + n);
        }
        java.util.Random r = new java.util.Random(42);
        addrs = new int[4096];
        ports = new int[4096];
        hotAddrs = new int[4096];
        hotPorts = new int[4096];
        // the "hot" sockets: at most 1024 of them, spread evenly over all the bound ones
        int hot = Math.min(n, 1024);
        for (int k = 0; k < ports.length; k++) {
            int s = r.nextInt(n);
            addrs[k] = LOCAL + s / 50_000;
            ports[k] = k % 8 == 7 ? 60_000 + (k & 7) : 1024 + s % 50_000; // one in eight misses
            int h = (int) ((long) r.nextInt(hot) * n / hot);
            hotAddrs[k] = LOCAL + h / 50_000;
            hotPorts[k] = k % 8 == 7 ? 60_000 + (k & 7) : 1024 + h % 50_000;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        net.close();
    }

    /**
     * Datagrams for any of the bound sockets: the table's cost plus the memory hierarchy's, whose
     * working set grows with the number of sockets (100,000 sockets do not fit in the caches).
     */
    @Benchmark
    public Sock lookupAnySocket() {
        int k = i++ & (ports.length - 1);
        return table.lookup(PEER, 40000, addrs[k], ports[k], 2);
    }

    /**
     * Datagrams for at most 1024 active sockets among all the bound ones (a server with many idle
     * sockets): the same working set for every table size, so this shows the table's own cost.
     */
    @Benchmark
    public Sock lookupActiveSockets() {
        int k = i++ & (ports.length - 1);
        return table.lookup(PEER, 40000, hotAddrs[k], hotPorts[k], 2);
    }
}
