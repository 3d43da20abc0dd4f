package dev.packetflow.net.ipv4;

import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.drivers.net.veth.Veth;
import dev.packetflow.drivers.net.wire.WireConditions;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.socket.SockAddrIn;
import dev.packetflow.net.socket.SocketLayer;
import dev.packetflow.testing.VethHosts;
import java.util.Map;

/**
 * Two stacks joined by a perfect veth pair in one simulation, for UDP tests:
 * {@code a} eth0 198.18.0.1/24 ── 198.18.0.2/24 eth0 {@code b}. Address announcements are off so
 * that the tests' counters and buffers hold only their own traffic.
 */
final class UdpNet implements AutoCloseable {
    static final int A = InetAddr.parse("198.18.0.1");
    static final int B = InetAddr.parse("198.18.0.2");
    static final int BCAST = InetAddr.parse("198.18.0.255");

    final Simulation sim;
    final NetStack a;
    final NetStack b;
    final SocketLayer sa;
    final SocketLayer sb;
    final Veth.Pair veth;

    UdpNet() {
        this(7, WireConditions.PERFECT);
    }

    UdpNet(long seed, WireConditions wire) {
        VethHosts h = new VethHosts(seed, wire);
        sim = h.sim;
        a = h.a;
        b = h.b;
        sa = h.sa;
        sb = h.sb;
        veth = h.veth;
    }

    /**
     * Permanent neighbour entries both ways, so that no datagram waits for ARP (tests that send
     * in bulk without running the simulation in between).
     */
    UdpNet neighbours() {
        a.arp().addPermanent(B, veth.b().mac(), veth.a());
        b.arp().addPermanent(A, veth.a().mac(), veth.b());
        return this;
    }

    /** A UDP socket of {@code sys} bound to {@code addr:port}. */
    static int bound(SocketLayer sys, int addr, int port) {
        int fd = sys.socket(AF_INET, SOCK_DGRAM, 0);
        assertThat(fd).isPositive();
        assertThat(sys.bind(fd, new SockAddrIn(addr, port))).isZero();
        return fd;
    }

    static long udp(NetStack n, String counter) {
        return n.udp().mib().get(counter);
    }

    static Map<String, Long> udpMib(NetStack n) {
        return n.udp().mib().snapshot();
    }

    /**
     * What an error must leave unchanged: both stacks' Udp, Ip and Icmp counters, drop counts,
     * socket tables, descriptors and every socket's addresses and state, and the packets held.
     */
    String state() {
        StringBuilder sb = new StringBuilder();
        for (NetStack n : new NetStack[] {a, b}) {
            sb.append(n.name()).append(' ').append(udpMib(n)).append(' ').append(n.ipv4().ipMib().snapshot())
                    .append(' ').append(n.ipv4().icmpMib().snapshot()).append(' ').append(n.drops().snapshot())
                    .append(" table=").append(n.udp().table().size())
                    .append(" fds=").append(java.util.Arrays.toString(n.sockets().openFds()))
                    .append(" socks=").append(n.sockets().socks()).append(" live=").append(n.pool().live())
                    .append('\n');
        }
        return sb.toString();
    }

    private static final long GUARD_NS = 60_000_000_000L;

    /** Waits (real time, as a guard only) until {@code n} threads sleep on {@code fd}. */
    static void awaitSleepers(SocketLayer sys, int fd, int n) {
        long start = System.nanoTime();
        while (sys.sleepers(fd) < n) {
            if (System.nanoTime() - start > GUARD_NS) {
                throw new AssertionError("fd " + fd + ": " + sys.sleepers(fd) + " sleepers, expected " + n);
            }
            Thread.yield();
        }
    }

    static void join(Thread t) throws InterruptedException {
        t.join(GUARD_NS / 1_000_000);
        if (t.isAlive()) {
            throw new AssertionError(t + " did not finish");
        }
    }

    @Override
    public void close() {
        a.close();
        b.close();
    }
}
