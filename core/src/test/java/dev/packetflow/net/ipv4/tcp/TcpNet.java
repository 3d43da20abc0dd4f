package dev.packetflow.net.ipv4.tcp;

import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.drivers.net.veth.Veth;
import dev.packetflow.drivers.net.wire.WireConditions;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.socket.SockAddrIn;
import dev.packetflow.net.socket.SocketLayer;

/**
 * Two stacks joined by a veth pair in one simulation: A 198.18.0.1/24 ── 198.18.0.2/24 B. The wire
 * is perfect unless given conditions.
 */
final class TcpNet implements AutoCloseable {
    static final int A = InetAddr.parse("198.18.0.1");
    static final int B = InetAddr.parse("198.18.0.2");
    /** An address on B's subnet that nobody owns. */
    static final int NOBODY = InetAddr.parse("198.18.0.99");

    final Simulation sim;
    final NetStack a;
    final NetStack b;
    final Veth.Pair veth;
    final SocketLayer sa;
    final SocketLayer sb;

    TcpNet(long seed) {
        this(seed, WireConditions.PERFECT);
    }

    TcpNet(long seed, WireConditions conditions) {
        sim = new Simulation(seed);
        a = NetStack.create(sim, "a");
        b = NetStack.create(sim, "b");
        veth = Veth.builder(a, "veth0", b, "veth1").conditions(conditions).seed(seed).create();
        a.devices().open(veth.a());
        b.devices().open(veth.b());
        a.ipv4().addAddress(veth.a(), A, 24);
        b.ipv4().addAddress(veth.b(), B, 24);
        sa = a.sockets();
        sb = b.sockets();
        sim.run();
        dropHook(b, true);
        dropHook(a, false);
        dev.packetflow.net.core.Dev.addTap(veth.a(), (d, skb, out) -> capture(skb, out, true));
        dev.packetflow.net.core.Dev.addTap(veth.b(), (d, skb, out) -> capture(skb, out, false));
    }

    /** While set, TCP segments from A that it matches are lost before B's IP layer sees them. */
    java.util.function.Predicate<Seg> dropAtoB;
    /** While set, TCP segments from B that it matches are lost. */
    java.util.function.Predicate<Seg> dropBtoA;
    int droppedAtoB;
    int droppedBtoA;

    private void dropHook(NetStack receiver, boolean fromA) {
        receiver.netfilter().register(new dev.packetflow.net.netfilter.Netfilter.HookOps(
                dev.packetflow.net.netfilter.Netfilter.NF_INET_PRE_ROUTING, 0, (skb, net, hook, in, out) -> {
                    java.util.function.Predicate<Seg> p = fromA ? dropAtoB : dropBtoA;
                    if (p == null) {
                        return dev.packetflow.net.netfilter.Netfilter.NF_ACCEPT;
                    }
                    Seg s = parse(skb, skb.data, fromA);
                    if (s != null && p.test(s)) {
                        if (fromA) droppedAtoB++;
                        else droppedBtoA++;
                        return dev.packetflow.net.netfilter.Netfilter.NF_DROP;
                    }
                    return dev.packetflow.net.netfilter.Netfilter.NF_ACCEPT;
                }));
    }

    /** Loses every TCP segment in both directions while {@code on}. */
    void blackhole(boolean on) {
        dropAtoB = on ? s -> true : null;
        dropBtoA = on ? s -> true : null;
    }

    /** One TCP segment seen leaving a stack. */
    record Seg(long timeNs, boolean fromA, int flags, long seq, long ack, int win, byte[] options, int len, int ipId) {
        boolean syn() {
            return (flags & TcpHeader.SYN) != 0;
        }

        boolean fin() {
            return (flags & TcpHeader.FIN) != 0;
        }

        boolean rst() {
            return (flags & TcpHeader.RST) != 0;
        }

        boolean ackFlag() {
            return (flags & TcpHeader.ACK) != 0;
        }

        /** Options as hex bytes. */
        String optHex() {
            return java.util.HexFormat.ofDelimiter(" ").formatHex(options);
        }

        @Override
        public String toString() {
            StringBuilder f = new StringBuilder();
            if (syn()) f.append('S');
            if (fin()) f.append('F');
            if (rst()) f.append('R');
            if ((flags & TcpHeader.PSH) != 0) f.append('P');
            if (f.isEmpty()) f.append('.');
            else if (ackFlag()) f.append('.');
            return String.format("%.6f %s %s seq %d ack %d win %d len %d opts[%s]", timeNs / 1e9,
                    fromA ? "A>B" : "B>A", f, seq, ack, win, len, optHex());
        }
    }

    /** Every TCP segment each side transmitted, in order (on the wire's sending end). */
    final java.util.List<Seg> segs = new java.util.ArrayList<>();
    boolean capturing = true;

    private void capture(dev.packetflow.net.core.SkBuff skb, boolean out, boolean sideA) {
        if (!out || !capturing) {
            return;
        }
        int m = skb.macHeader;
        if (m < 0 || skb.u16(m + 12) != 0x0800) {
            return;
        }
        Seg s = parse(skb, m + 14, sideA);
        if (s != null) {
            segs.add(s);
        }
    }

    private Seg parse(dev.packetflow.net.core.SkBuff skb, int ip, boolean sideA) {
        if (skb.u8(ip + 9) != 6) {
            return null;
        }
        int ihl = (skb.u8(ip) & 15) * 4;
        int totLen = skb.u16(ip + 2);
        int th = ip + ihl;
        int doff = (skb.u8(th + 12) >> 4) * 4;
        byte[] opts = new byte[doff - 20];
        for (int i = 0; i < opts.length; i++) {
            opts[i] = (byte) skb.u8(th + 20 + i);
        }
        return new Seg(sim.nowNs(), sideA, skb.u8(th + 13), skb.u32(th + 4) & 0xffffffffL,
                skb.u32(th + 8) & 0xffffffffL, skb.u16(th + 14), opts, totLen - ihl - doff, skb.u16(ip + 4));
    }

    java.util.List<Seg> segsFrom(boolean fromA) {
        return segs.stream().filter(s -> s.fromA() == fromA).toList();
    }

    String dump() {
        StringBuilder sb = new StringBuilder();
        for (Seg s : segs) {
            sb.append(s).append('\n');
        }
        return sb.toString();
    }

    /** Runs the simulation for {@code ms} of virtual time. */
    void runMs(long ms) {
        sim.runFor(java.time.Duration.ofMillis(ms));
    }

    long nowMs() {
        return a.clock().nanoTime() / 1_000_000;
    }

    static int tcpSocket(SocketLayer s) {
        int fd = s.socket(AF_INET, SOCK_STREAM, 0);
        assertThat(fd).isGreaterThanOrEqualTo(3);
        return fd;
    }

    /** A listening socket on B at {@code port}. */
    int listenB(int port, int backlog) {
        int fd = tcpSocket(sb);
        assertThat(sb.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1)).isZero();
        assertThat(sb.bind(fd, new SockAddrIn(B, port))).isZero();
        assertThat(sb.listen(fd, backlog)).isZero();
        assertThat(sb.fcntl(fd, F_SETFL, O_NONBLOCK)).isZero();
        return fd;
    }

    /** A non-blocking connect from A to B:port; returns A's descriptor (connection in progress). */
    int connectA(int port) {
        int fd = tcpSocket(sa);
        assertThat(sa.fcntl(fd, F_SETFL, O_NONBLOCK)).isZero();
        int r = sa.connect(fd, new SockAddrIn(B, port));
        assertThat(r).isEqualTo(-dev.packetflow.net.socket.Errno.EINPROGRESS.code);
        return fd;
    }

    /** Establishes A → B:port; returns {clientFd on A, acceptedFd on B, listenFd on B}. */
    int[] establish(int port) {
        int lfd = listenB(port, 16);
        int cfd = connectA(port);
        int[] afd = {-1};
        boolean ok = sim.runUntil(() -> (afd[0] = sb.accept4(lfd, null, SOCK_NONBLOCK)) >= 0, java.time.Duration.ofMinutes(1));
        assertThat(ok).as("accepted").isTrue();
        sim.runUntil(() -> tcpA(cfd).state == dev.packetflow.net.socket.Sock.TCP_ESTABLISHED, java.time.Duration.ofMinutes(1));
        return new int[] {cfd, afd[0], lfd};
    }

    TcpSock tcpA(int fd) {
        return (TcpSock) sa.sock(fd);
    }

    TcpSock tcpB(int fd) {
        return (TcpSock) sb.sock(fd);
    }

    @Override
    public void close() {
        a.close();
        b.close();
    }
}
