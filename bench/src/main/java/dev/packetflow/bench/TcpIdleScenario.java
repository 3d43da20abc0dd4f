package dev.packetflow.bench;

import static dev.packetflow.net.socket.Uapi.*;

import dev.packetflow.drivers.net.veth.Veth;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.ipv4.tcp.TcpMib;
import dev.packetflow.net.socket.SockAddrIn;
import dev.packetflow.net.socket.SocketLayer;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;

/**
 * {@code tcp-idle}: 100,000 established, idle TCP connections between two stacks in one JVM (both
 * ends live in this process, so each connection is two sockets), and the heap they hold: the
 * heap after a full GC with the connections open, minus the heap after a full GC with the two
 * stacks built and nothing connected. One client address holds more connections than it has
 * ephemeral ports: connect() shares a port among different destinations (four server ports here),
 * as Linux's {@code __inet_hash_connect} does, with the range widened to 1024-65535
 * ({@code net.ipv4.ip_local_port_range}) as a Linux load generator would.
 */
final class TcpIdleScenario implements Scenario {
    static final int CONNECTIONS = 100_000;
    static final int PORTS = 4;

    @Override
    public String name() {
        return "tcp-idle";
    }

    @Override
    public String description() {
        return "100,000 idle established TCP connections in one JVM: heap per connection";
    }

    @Override
    public void run(PrintStream out, double seconds) {
        Simulation sim = new Simulation(1);
        try (NetStack a = NetStack.create(sim, "a"); NetStack b = NetStack.create(sim, "b")) {
            Veth.Pair veth = Veth.builder(a, "veth0", b, "veth1").seed(1).create();
            a.devices().open(veth.a());
            b.devices().open(veth.b());
            a.ipv4().addAddress(veth.a(), TcpRig.A, 24);
            b.ipv4().addAddress(veth.b(), TcpRig.B, 24);
            a.localPorts().setRange(1024, 65535);
            b.sockets().sysctl().setSomaxconn(65535);
            sim.run();
            SocketLayer sa = a.sockets();
            SocketLayer sb = b.sockets();
            int[] listeners = new int[PORTS];
            for (int p = 0; p < PORTS; p++) {
                int l = sb.socket(AF_INET, SOCK_STREAM, 0);
                TcpRig.check(sb.bind(l, new SockAddrIn(TcpRig.B, 5001 + p)), "bind");
                TcpRig.check(sb.listen(l, 65535), "listen");
                sb.fcntl(l, F_SETFL, O_NONBLOCK);
                listeners[p] = l;
            }
            MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
            long before = settledHeap(mem);
            long t0 = System.nanoTime();
            int accepted = 0;
            for (int i = 0; i < CONNECTIONS; i++) {
                int fd = sa.socket(AF_INET, SOCK_STREAM, 0);
                TcpRig.check(fd, "socket");
                sa.fcntl(fd, F_SETFL, O_NONBLOCK);
                int rc = sa.connect(fd, new SockAddrIn(TcpRig.B, 5001 + i % PORTS));
                if (rc != dev.packetflow.net.socket.Errno.EINPROGRESS.neg()) {
                    throw new IllegalStateException("connect " + i + ": " + rc);
                }
                if (i % 64 == 63 || i == CONNECTIONS - 1) {
                    sim.runFor(Duration.ofMillis(1));
                    accepted += drain(sb, listeners);
                }
            }
            // A SYN that found the veth ring full is retransmitted after the initial RTO (1 s).
            int[] acc = {accepted};
            sim.runUntil(() -> (acc[0] += drain(sb, listeners)) == CONNECTIONS
                    && a.tcp().mib().get(TcpMib.CURR_ESTAB) == CONNECTIONS, Duration.ofSeconds(10));
            accepted = acc[0];
            long setup = System.nanoTime() - t0;
            long estA = a.tcp().mib().get(TcpMib.CURR_ESTAB);
            long estB = b.tcp().mib().get(TcpMib.CURR_ESTAB);
            if (estA != CONNECTIONS || estB != CONNECTIONS || accepted != CONNECTIONS) {
                throw new IllegalStateException("established " + estA + "/" + estB + ", accepted " + accepted);
            }
            long after = settledHeap(mem);
            double perConn = (after - before) / (double) CONNECTIONS;
            Scenario.figure(out, "tcp_idle_connections", CONNECTIONS, "connections (both ends in this JVM)");
            Scenario.figure(out, "tcp_idle_heap_per_connection", Math.round(perConn), "B (client and server socket)");
            Scenario.figure(out, "tcp_idle_heap_per_socket", Math.round(perConn / 2), "B");
            Scenario.figure(out, "tcp_idle_setup_seconds", setup / 1e9, "s");
        }
    }

    private static int drain(SocketLayer sb, int[] listeners) {
        int n = 0;
        for (int l : listeners) {
            while (sb.accept4(l, null, SOCK_NONBLOCK) >= 0) {
                n++;
            }
        }
        return n;
    }

    /** Heap in use after full collections, once two in a row agree within 1%. */
    private static long settledHeap(MemoryMXBean mem) {
        long last = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            long used = mem.getHeapMemoryUsage().getUsed();
            if (Math.abs(used - last) < last / 100) {
                return used;
            }
            last = used;
        }
        return last;
    }
}
