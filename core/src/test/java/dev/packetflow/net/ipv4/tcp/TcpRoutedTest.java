package dev.packetflow.net.ipv4.tcp;

import static dev.packetflow.net.socket.Sock.*;
import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.drivers.net.veth.Veth;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.ipv4.RouteSpec;
import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.SockAddrIn;
import dev.packetflow.net.socket.SocketLayer;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** TCP across a router: ICMP errors as Linux uses them (path MTU discovery, unreachable hosts). */
class TcpRoutedTest {
    static final int A = InetAddr.parse("198.18.0.1");
    static final int R0 = InetAddr.parse("198.18.0.254");
    static final int R1 = InetAddr.parse("198.18.1.254");
    static final int B = InetAddr.parse("198.18.1.1");

    final Simulation sim = new Simulation(71);
    final NetStack a = NetStack.create(sim, "a");
    final NetStack r = NetStack.create(sim, "r");
    final NetStack b = NetStack.create(sim, "b");
    final Veth.Pair ar = Veth.pair(a, "veth0", r, "veth1");
    final Veth.Pair rb = Veth.pair(r, "veth2", b, "veth3");
    final SocketLayer sa = a.sockets();
    final SocketLayer sb = b.sockets();

    TcpRoutedTest() {
        for (NetStack s : new NetStack[] {a, r, b}) {
            s.arp().setGratuitousArpOnAddressAdd(false);
        }
        a.devices().open(ar.a());
        r.devices().open(ar.b());
        r.devices().open(rb.a());
        b.devices().open(rb.b());
        a.ipv4().addAddress(ar.a(), A, 24);
        r.ipv4().addAddress(ar.b(), R0, 24);
        r.ipv4().addAddress(rb.a(), R1, 24);
        b.ipv4().addAddress(rb.b(), B, 24);
        a.ipv4().fib().routeAdd(RouteSpec.defaultRoute().via(R0));
        b.ipv4().fib().routeAdd(RouteSpec.defaultRoute().via(R1));
        r.ipv4().setIpForward(1);
        sim.runFor(Duration.ofMillis(10));
    }

    @AfterEach
    void close() {
        a.close();
        r.close();
        b.close();
    }

    int[] establish() {
        int l = sb.socket(AF_INET, SOCK_STREAM, 0);
        sb.bind(l, new SockAddrIn(B, 80));
        sb.listen(l, 8);
        sb.fcntl(l, F_SETFL, O_NONBLOCK);
        int c = sa.socket(AF_INET, SOCK_STREAM, 0);
        sa.fcntl(c, F_SETFL, O_NONBLOCK);
        assertThat(sa.connect(c, new SockAddrIn(B, 80))).isEqualTo(-Errno.EINPROGRESS.code);
        int[] acc = {-1};
        assertThat(sim.runUntil(() -> (acc[0] = sb.accept4(l, null, SOCK_NONBLOCK)) >= 0, Duration.ofSeconds(10))).isTrue();
        return new int[] {c, acc[0], l};
    }

    @Test
    void pathMtu_fragNeededFromTheRouter_shrinksMssAndDataStillArrives() {
        int[] c = establish();
        TcpSock tp = (TcpSock) sa.sock(c[0]);
        assertThat(tp.mss()).isEqualTo(1448);
        r.devices().setMtu(rb.a(), 1000);
        byte[] data = new byte[20_000];
        new java.util.Random(3).nextBytes(data);
        assertThat(sa.send(c[0], ByteBuffer.wrap(data), 0)).isEqualTo(data.length);
        ByteBuffer in = ByteBuffer.allocate(30_000);
        sim.runUntil(() -> {
            sb.recv(c[1], in, MSG_DONTWAIT);
            return in.position() == data.length;
        }, Duration.ofSeconds(10));
        assertThat(in.position()).isEqualTo(data.length);
        assertThat(java.util.Arrays.equals(java.util.Arrays.copyOf(in.array(), data.length), data)).isTrue();
        // 1000 - 20 (IP) - 20 (TCP) - 12 (timestamps)
        assertThat(tp.mss()).isEqualTo(948);
        assertThat(a.mib("Icmp").get("InDestUnreachs")).isPositive();
    }

    @Test
    void connectThroughAnUnreachableRoute_icmpHostUnreachableFailsTheConnect() {
        r.ipv4().fib().routeAdd(RouteSpec.to(InetAddr.parse("198.18.2.0"), 24)
                .type(dev.packetflow.net.ipv4.FibRoute.RTN_UNREACHABLE));
        int c = sa.socket(AF_INET, SOCK_STREAM, 0);
        sa.fcntl(c, F_SETFL, O_NONBLOCK);
        assertThat(sa.connect(c, new SockAddrIn(InetAddr.parse("198.18.2.5"), 80))).isEqualTo(-Errno.EINPROGRESS.code);
        sim.runFor(Duration.ofMillis(10));
        int[] err = new int[1];
        sa.getsockopt(c, SOL_SOCKET, SO_ERROR, err);
        assertThat(err[0]).as("a icmp %s r icmp %s", a.mib("Icmp").snapshot(), r.mib("Icmp").snapshot()).isEqualTo(Errno.EHOSTUNREACH.code);
        assertThat(((TcpSock) sa.sock(c)).state).isEqualTo(TCP_CLOSE);
    }

    @Test
    void bulkAcrossTheRouter() {
        int[] c = establish();
        Pump p = new Pump(sa, c[0], sb, c[1], 2 << 20, 5);
        assertThat(sim.runUntil(p::step, Duration.ofMinutes(1))).isTrue();
        assertThat(p.equalHashes()).isTrue();
    }

    @Test
    void deletingTheRoute_stopsAnEstablishedConnectionsSegments_untilARouteIsBack() {
        int[] c = establish();
        a.ipv4().fib().routeDel(RouteSpec.defaultRoute());
        byte[] data = new byte[3000];
        new java.util.Random(5).nextBytes(data);
        assertThat(sa.send(c[0], ByteBuffer.wrap(data), 0)).isEqualTo(data.length);
        ByteBuffer in = ByteBuffer.allocate(8000);
        sim.runFor(Duration.ofMillis(500));
        // Linux: __sk_dst_check() finds the kept route stale and the new lookup finds none, so
        // nothing leaves along the route that was deleted
        assertThat(sb.recv(c[1], in, MSG_DONTWAIT)).isEqualTo(Errno.EAGAIN.neg());

        a.ipv4().fib().routeAdd(RouteSpec.defaultRoute().via(R0));
        sim.runUntil(() -> {
            sb.recv(c[1], in, MSG_DONTWAIT);
            return in.position() == data.length;
        }, Duration.ofSeconds(30));
        assertThat(java.util.Arrays.equals(java.util.Arrays.copyOf(in.array(), in.position()), data)).isTrue();
    }
}
