package dev.packetflow.net.ipv4;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.NetDevice;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Per-stack IPv4 state ({@code struct netns_ipv4} plus the {@code in_device}s): the addresses of
 * every device. The IPv4 layer adds its FIB, sysctls, MIB counters and reassembly queue here.
 *
 * <p>Addresses are kept in a copy-on-write array so that the packet path ({@link #isLocal}) reads
 * without locking; changes are serialised and announced to listeners (the FIB adds the connected
 * and local routes, ARP sends a gratuitous ARP).
 */
public final class Ipv4 implements AutoCloseable {
    private final NetStack net;
    private volatile InIfaddr[] addrs = new InIfaddr[0];
    private final List<Consumer<InIfaddr>> added = new ArrayList<>();
    private final List<Consumer<InIfaddr>> removed = new ArrayList<>();

    public Ipv4(NetStack net) {
        this.net = net;
    }

    public NetStack net() {
        return net;
    }

    // ------------------------------------------------------------------ addresses

    /**
     * Linux: {@code inet_rtm_newaddr()} / {@code __inet_insert_ifa()}. Adds {@code address/prefixLen}
     * to {@code dev}. Throws IllegalArgumentException if the device already has it.
     */
    public synchronized InIfaddr addAddress(NetDevice dev, int address, int prefixLen) {
        if (prefixLen < 0 || prefixLen > 32) {
            throw new IllegalArgumentException("invalid prefix length " + prefixLen);
        }
        for (InIfaddr a : addrs) {
            if (a.dev() == dev && a.address() == address) {
                throw new IllegalArgumentException("address " + InetAddr.toString(address) + " already on " + dev.name());
            }
        }
        int bcast = prefixLen >= 31 ? 0 : (address | ~InetAddr.mask(prefixLen));
        int scope = InetAddr.isLoopback(address) ? InIfaddr.RT_SCOPE_HOST : InIfaddr.RT_SCOPE_UNIVERSE;
        InIfaddr ifa = new InIfaddr(address, prefixLen, bcast, dev, scope);
        InIfaddr[] n = java.util.Arrays.copyOf(addrs, addrs.length + 1);
        n[n.length - 1] = ifa;
        addrs = n;
        for (Consumer<InIfaddr> l : added) {
            l.accept(ifa);
        }
        return ifa;
    }

    /** Linux: {@code inet_rtm_deladdr()}. Throws IllegalArgumentException if the address is absent. */
    public synchronized void delAddress(NetDevice dev, int address, int prefixLen) {
        InIfaddr found = null;
        for (InIfaddr a : addrs) {
            if (a.dev() == dev && a.address() == address && (prefixLen < 0 || a.prefixLen() == prefixLen)) {
                found = a;
            }
        }
        if (found == null) {
            throw new IllegalArgumentException("address " + InetAddr.toString(address) + " not on " + dev.name());
        }
        InIfaddr f = found;
        addrs = java.util.Arrays.stream(addrs).filter(a -> a != f).toArray(InIfaddr[]::new);
        for (Consumer<InIfaddr> l : removed) {
            l.accept(f);
        }
    }

    /** Every address, in the order added. */
    public List<InIfaddr> addresses() {
        return List.of(addrs);
    }

    public List<InIfaddr> addresses(NetDevice dev) {
        List<InIfaddr> l = new ArrayList<>();
        for (InIfaddr a : addrs) {
            if (a.dev() == dev) {
                l.add(a);
            }
        }
        return l;
    }

    /** The first address of {@code dev} (Linux: {@code inet_select_addr()} without scope rules), or 0. */
    public int primaryAddress(NetDevice dev) {
        for (InIfaddr a : addrs) {
            if (a.dev() == dev) {
                return a.address();
            }
        }
        return 0;
    }

    /** The address of {@code dev} on the same subnet as {@code dst}, else its primary address, else 0. */
    public int selectAddress(NetDevice dev, int dst) {
        int first = 0;
        for (InIfaddr a : addrs) {
            if (a.dev() == dev) {
                if (a.onLink(dst)) {
                    return a.address();
                }
                if (first == 0) {
                    first = a.address();
                }
            }
        }
        return first;
    }

    /** Whether {@code a} is one of this stack's addresses (on any device that is up). */
    public boolean isLocal(int a) {
        for (InIfaddr x : addrs) {
            if (x.address() == a) {
                return true;
            }
        }
        return false;
    }

    /** The address record for local address {@code a}, or null. */
    public InIfaddr ifaddr(int a) {
        for (InIfaddr x : addrs) {
            if (x.address() == a) {
                return x;
            }
        }
        return null;
    }

    /** Whether {@code a} is the directed broadcast address of one of our subnets. */
    public boolean isLocalBroadcast(int a) {
        for (InIfaddr x : addrs) {
            if (x.broadcast() == a && a != 0) {
                return true;
            }
        }
        return false;
    }

    /** Called after an address is added (FIB, ARP listen here). */
    public synchronized void onAddressAdded(Consumer<InIfaddr> l) {
        added.add(l);
    }

    public synchronized void onAddressRemoved(Consumer<InIfaddr> l) {
        removed.add(l);
    }

    @Override
    public void close() {}
}
