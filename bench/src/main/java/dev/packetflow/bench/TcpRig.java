package dev.packetflow.bench;

import static dev.packetflow.net.socket.Uapi.*;

import dev.packetflow.drivers.net.veth.Veth;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.socket.SockAddrIn;
import dev.packetflow.net.socket.SocketLayer;
import java.time.Duration;

/**
 * Two stacks in one simulation joined by a perfect veth pair (MTU 1500, TSO as Linux's veth) and
 * one established TCP connection A 198.18.0.1 → B 198.18.0.2:5001 with non-blocking descriptors.
 * The simulation runs on the caller's thread: the figures are one core's worth of both stacks.
 */
final class TcpRig implements AutoCloseable {
    static final int A = InetAddr.parse("198.18.0.1");
    static final int B = InetAddr.parse("198.18.0.2");

    final Simulation sim = new Simulation(1);
    final NetStack a = NetStack.create(sim, "a");
    final NetStack b = NetStack.create(sim, "b");
    final Veth.Pair veth;
    final SocketLayer sa = a.sockets();
    final SocketLayer sb = b.sockets();
    final int cfd;
    final int sfd;
    private final int lfd;

    TcpRig() {
        veth = Veth.builder(a, "veth0", b, "veth1").seed(1).create();
        a.devices().open(veth.a());
        b.devices().open(veth.b());
        a.ipv4().addAddress(veth.a(), A, 24);
        b.ipv4().addAddress(veth.b(), B, 24);
        sim.run();
        lfd = sb.socket(AF_INET, SOCK_STREAM, 0);
        sb.setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, 1);
        check(sb.bind(lfd, new SockAddrIn(B, 5001)), "bind");
        check(sb.listen(lfd, 16), "listen");
        sb.fcntl(lfd, F_SETFL, O_NONBLOCK);
        cfd = sa.socket(AF_INET, SOCK_STREAM, 0);
        sa.fcntl(cfd, F_SETFL, O_NONBLOCK);
        sa.connect(cfd, new SockAddrIn(B, 5001));
        int[] s = {-1};
        if (!sim.runUntil(() -> (s[0] = sb.accept4(lfd, null, SOCK_NONBLOCK)) >= 0, Duration.ofSeconds(10))) {
            throw new IllegalStateException("connection not accepted");
        }
        sim.runFor(Duration.ofMillis(1));
        sfd = s[0];
    }

    static void check(int r, String what) {
        if (r < 0) {
            throw new IllegalStateException(what + ": " + r);
        }
    }

    static long allocated() {
        return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
                .getCurrentThreadAllocatedBytes();
    }

    @Override
    public void close() {
        a.close();
        b.close();
    }
}
