package dev.packetflow.net;

import dev.packetflow.kernel.Kernel;
import dev.packetflow.kernel.time.Clock;
import dev.packetflow.net.core.DropCounters;
import dev.packetflow.net.core.Mib;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.NetDeviceRegistry;
import dev.packetflow.net.core.PacketType;
import dev.packetflow.net.core.PagePool;
import dev.packetflow.net.core.Xdp;
import dev.packetflow.net.netfilter.Netfilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One network stack: what Linux calls a network namespace ({@code struct net}). It owns devices,
 * addresses, routes, neighbours, sockets, counters and hooks; several stacks can share one
 * {@link Kernel} (one simulation, or one set of softnet worker threads) and be joined by wires.
 *
 * <p>Subsystems hang off it the way they hang off {@code struct net} in Linux: {@link #ipv4()}
 * (addresses, FIB, IP and ICMP counters, fragments), {@link #arp()} (the neighbour table),
 * {@link #netfilter()}, {@link #sockets()} (the BSD socket calls) and {@link #udp()}.
 */
public final class NetStack implements AutoCloseable {
    private final String name;
    private final Kernel kernel;
    private final int cpu;
    private final PagePool pool;
    private final Random random;
    private final NetDeviceRegistry devices;
    private final DropCounters drops = new DropCounters();
    private final Xdp.Stats xdpStats = new Xdp.Stats();
    private final Netfilter netfilter = new Netfilter();
    private final List<Mib> mibs = new ArrayList<>();
    private final List<AutoCloseable> onClose = new ArrayList<>();
    private volatile PacketType[] ptypeByProto = new PacketType[0];
    private volatile int[] ptypeProtos = new int[0];
    private final dev.packetflow.net.ipv4.Ipv4 ipv4;
    private final dev.packetflow.net.ipv4.Arp arp;
    private final dev.packetflow.net.ipv4.LocalPorts localPorts;
    private final dev.packetflow.net.socket.SocketLayer sockets;
    private final dev.packetflow.net.ipv4.Udp udp;
    private final dev.packetflow.net.ipv4.tcp.Tcp tcp;
    private boolean closed;

    private NetStack(Kernel kernel, String name, int cpu, long seed) {
        this.kernel = kernel;
        this.name = name;
        this.cpu = cpu;
        this.pool = new PagePool(name, 1L << 30);
        this.random = new Random(seed ^ name.hashCode());
        this.devices = new NetDeviceRegistry(this);
        this.ipv4 = new dev.packetflow.net.ipv4.Ipv4(this);
        this.arp = new dev.packetflow.net.ipv4.Arp(this);
        // Linux: arp_error_report() -> dst_link_failure() -> ipv4_link_failure(): a packet whose
        // neighbour failed is answered with ICMP host unreachable to its sender, which tells a
        // local socket EHOSTUNREACH ("No route to host" after ARP's 3 probes).
        this.arp.setLinkFailure(skb -> ipv4.icmp().icmpSend(skb, 3, 1, 0));
        // A random source of its own, so adding sockets does not shift the stack's other random draws.
        this.localPorts = new dev.packetflow.net.ipv4.LocalPorts(new Random(seed ^ name.hashCode() ^ 0x9e3779b97f4a7c15L));
        this.sockets = new dev.packetflow.net.socket.SocketLayer(this);
        this.udp = new dev.packetflow.net.ipv4.Udp(this);
        this.tcp = new dev.packetflow.net.ipv4.tcp.Tcp(this);
    }

    /** A new stack called {@code name} whose timers run on CPU 0 of {@code kernel}. */
    public static NetStack create(Kernel kernel, String name) {
        return create(kernel, name, 0);
    }

    public static NetStack create(Kernel kernel, String name, int cpu) {
        long seed = kernel instanceof dev.packetflow.kernel.Simulation s ? s.seed() : System.nanoTime();
        return new NetStack(kernel, name, cpu, seed);
    }

    public String name() {
        return name;
    }

    public Kernel kernel() {
        return kernel;
    }

    public Clock clock() {
        return kernel.clock();
    }

    /**
     * Sockets that want receive timestamps ({@code SO_TIMESTAMP}, {@code SO_TIMESTAMPNS}). Linux:
     * the {@code netstamp_needed_key} static branch: while none does, {@code netif_receive_skb}
     * does not read the clock for every packet (in real time a clock read is tens of ns in a VM).
     */
    private final java.util.concurrent.atomic.AtomicInteger netstampNeeded = new java.util.concurrent.atomic.AtomicInteger();

    /** Linux: {@code net_enable_timestamp()}. */
    public void netEnableTimestamp() {
        netstampNeeded.incrementAndGet();
    }

    /** Linux: {@code net_disable_timestamp()}. */
    public void netDisableTimestamp() {
        netstampNeeded.decrementAndGet();
    }

    /** Whether received packets are stamped on arrival (some socket asked for timestamps). */
    public boolean netstampNeeded() {
        return netstampNeeded.get() > 0;
    }

    /** CPU whose softnet runs this stack's timers. */
    public int cpu() {
        return cpu;
    }

    public dev.packetflow.net.core.SoftnetData softnet() {
        return kernel.softnet(cpu);
    }

    public dev.packetflow.kernel.time.TimerWheel timers() {
        return kernel.softnet(cpu).timers();
    }

    /** The stack's random source; seeded, so simulations are reproducible. */
    public Random random() {
        return random;
    }

    public PagePool pool() {
        return pool;
    }

    public DropCounters drops() {
        return drops;
    }

    public Xdp.Stats xdpStats() {
        return xdpStats;
    }

    public Netfilter netfilter() {
        return netfilter;
    }

    public dev.packetflow.net.ipv4.Ipv4 ipv4() {
        return ipv4;
    }

    public dev.packetflow.net.ipv4.Arp arp() {
        return arp;
    }

    /** TCP of this stack: sysctls, MIBs, tracepoints and the socket tables. */
    public dev.packetflow.net.ipv4.tcp.Tcp tcp() {
        return tcp;
    }

    /** The BSD socket calls of this stack: descriptors, sockets, poll and epoll. */
    public dev.packetflow.net.socket.SocketLayer sockets() {
        return sockets;
    }

    /** UDP: its socket table and its Udp MIB group. */
    public dev.packetflow.net.ipv4.Udp udp() {
        return udp;
    }

    /** {@code net.ipv4.ip_local_port_range} and ephemeral port selection, shared by UDP and TCP. */
    public dev.packetflow.net.ipv4.LocalPorts localPorts() {
        return localPorts;
    }

    // ------------------------------------------------------------------ devices

    public NetDeviceRegistry devices() {
        return devices;
    }

    /** Registers {@code dev} in this stack (Linux: {@code register_netdevice()}); it starts down. */
    public <D extends NetDevice> D addDevice(D dev) {
        devices.register(dev);
        return dev;
    }

    public NetDevice device(String name) {
        return devices.byName(name);
    }

    public NetDevice deviceByIndex(int ifindex) {
        return devices.byIndex(ifindex);
    }

    // ------------------------------------------------------------------ protocol handlers

    /** Linux: {@code dev_add_pack()}. One handler per ethertype. */
    public synchronized void addPacketHandler(int ethertype, PacketType handler) {
        int[] protos = java.util.Arrays.copyOf(ptypeProtos, ptypeProtos.length + 1);
        PacketType[] h = java.util.Arrays.copyOf(ptypeByProto, ptypeByProto.length + 1);
        protos[protos.length - 1] = ethertype;
        h[h.length - 1] = handler;
        ptypeByProto = h;
        ptypeProtos = protos;
    }

    /** The handler for {@code ethertype}, or null (Linux: the {@code ptype_base} hash). */
    public PacketType packetHandler(int ethertype) {
        int[] protos = ptypeProtos;
        for (int i = 0; i < protos.length; i++) {
            if (protos[i] == ethertype) {
                return ptypeByProto[i];
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ counters

    /** Adds a MIB group (done once by each protocol at start-up). */
    public synchronized void addMib(Mib mib) {
        mibs.add(mib);
    }

    public synchronized List<Mib> mibs() {
        return List.copyOf(mibs);
    }

    public synchronized Mib mib(String group) {
        for (Mib m : mibs) {
            if (m.group().equals(group)) {
                return m;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ configuration

    /**
     * Runs an {@code ip} command against this stack, as {@code ip netns exec NAME ip ...} would:
     * {@code ip link}, {@code ip addr}, {@code ip route} and {@code ip neigh}, e.g.
     * {@code exec("ip addr add 198.18.0.1/24 dev eth0")}, {@code exec("ip route add default via 198.18.0.254")},
     * {@code exec("ip neigh show dev eth0")}. Returns what the command prints, in iproute2's layout. A bad
     * command is rejected whole with an {@link IllegalArgumentException} naming the offending word
     * and changes nothing.
     */
    public String exec(String command) {
        return dev.packetflow.iproute2.IpCommand.exec(this, command);
    }

    /** Registers something to release when the stack closes (socket tables, queues). */
    public synchronized void onClose(AutoCloseable c) {
        onClose.add(c);
    }

    /**
     * Brings every device down and frees every packet the stack still holds (queues, rings,
     * reassembly, neighbour queues). Afterwards the stack holds no skb.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        sockets.close();
        devices.closeAll();
        for (int i = onClose.size() - 1; i >= 0; i--) {
            try {
                onClose.get(i).close();
            } catch (Exception e) {
                throw new IllegalStateException("closing " + name, e);
            }
        }
        arp.close();
        ipv4.close();
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "netns[" + name + "]";
    }
}
