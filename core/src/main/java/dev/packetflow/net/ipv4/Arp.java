package dev.packetflow.net.ipv4;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.Dev;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.trace.Trace;
import java.util.HashMap;
import java.util.Map;

/**
 * The ARP neighbour table of one stack ({@code arp_tbl}).
 *
 * <p>PLACEHOLDER CONTRACT: {@link #neighOutput} is what {@code ip_finish_output2} calls; this
 * first version knows only permanent entries and broadcast. The neighbour layer replaces the
 * internals (NUD state machine, resolution, queueing) and keeps these signatures.
 */
public final class Arp implements AutoCloseable {
    private final NetStack net;
    private final Map<Long, Long> permanent = new HashMap<>();

    public Arp(NetStack net) {
        this.net = net;
    }

    public NetStack net() {
        return net;
    }

    /** Adds a permanent entry (Linux: {@code ip neigh add ADDR lladdr MAC dev DEV nud permanent}). */
    public synchronized void addPermanent(int addr, long mac, NetDevice dev) {
        permanent.put(key(addr, dev), mac);
    }

    private static long key(int addr, NetDevice dev) {
        return ((long) dev.ifindex() << 32) | (addr & 0xffffffffL);
    }

    /**
     * Linux: {@code neigh_output()} for {@code ip_finish_output2()}. Sends {@code skb} (data at the IP
     * header) to {@code nexthop} on {@code dev}: adds the Ethernet header with the neighbour's MAC
     * and calls {@code dev_queue_xmit}, or queues the packet while the address resolves. Takes the
     * skb in every case; returns 0 on success or queueing, a negative errno when dropped.
     */
    public int neighOutput(SkBuff skb, NetDevice dev, int nexthop) {
        if (Trace.NEIGH_OUTPUT.enabled) {
            Trace.NEIGH_OUTPUT.fire(dev, skb, nexthop);
        }
        long mac;
        if (nexthop == InetAddr.BROADCAST || net.ipv4().isLocalBroadcast(nexthop)
                || (dev.flags() & NetDevice.IFF_NOARP) != 0) {
            mac = (dev.flags() & NetDevice.IFF_NOARP) != 0 ? 0 : NetDevice.BROADCAST_MAC;
        } else {
            Long m;
            synchronized (this) {
                m = permanent.get(key(nexthop, dev));
            }
            if (m == null) {
                Skb.kfreeSkb(skb, DropReason.NEIGH_FAILED);
                return -113; // EHOSTUNREACH
            }
            mac = m;
        }
        if (!skb.cow(Eth.ETH_HLEN)) {
            Skb.kfreeSkb(skb, DropReason.NOMEM);
            return -12;
        }
        skb.dev = dev;
        skb.protocol = Eth.ETH_P_IP;
        Eth.ethHeader(skb, mac, dev.mac(), Eth.ETH_P_IP);
        Dev.devQueueXmit(skb);
        return 0;
    }

    @Override
    public void close() {}
}
