package dev.packetflow.testing;

import dev.packetflow.drivers.net.veth.Veth;
import dev.packetflow.drivers.net.wire.WireConditions;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.socket.SocketLayer;

/**
 * Two stacks joined by a veth pair in one simulation: A is 198.18.0.1/24 and B 198.18.0.2/24 on
 * their {@code eth0}, both up, gratuitous ARP off, the simulation run until they are quiet. The
 * set-up socket tests share.
 */
public final class VethHosts implements AutoCloseable {
    public final Simulation sim;
    public final NetStack a;
    public final NetStack b;
    public final SocketLayer sa;
    public final SocketLayer sb;
    public final Veth.Pair veth;

    public VethHosts(long seed) {
        this(seed, WireConditions.PERFECT);
    }

    /** The same over a wire with {@code wire}'s conditions. */
    public VethHosts(long seed, WireConditions wire) {
        sim = new Simulation(seed);
        a = NetStack.create(sim, "a");
        b = NetStack.create(sim, "b");
        sa = a.sockets();
        sb = b.sockets();
        a.arp().setGratuitousArpOnAddressAdd(false);
        b.arp().setGratuitousArpOnAddressAdd(false);
        veth = Veth.pair(a, "eth0", b, "eth0", wire);
        a.exec("ip link set eth0 up");
        b.exec("ip link set eth0 up");
        a.exec("ip addr add 198.18.0.1/24 dev eth0");
        b.exec("ip addr add 198.18.0.2/24 dev eth0");
        sim.run();
    }

    @Override
    public void close() {
        a.close();
        b.close();
    }
}
