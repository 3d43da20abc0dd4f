package dev.packetflow.net.ipv4;

import dev.packetflow.net.core.NetDevice;

/**
 * Linux: {@code sk->sk_rx_dst} with {@code sk_rx_dst_ifindex}: the input route of the packets
 * early demux finds a socket for (a connected UDP socket, a TCP connection), so that the next ones
 * skip routing. Valid while the FIB generation is still {@code genid} (Linux's {@code dst_check()})
 * and they arrive on {@code ifindex}. Immutable: a socket's packets may be received on several
 * threads, and a route and the keys it was found with must never be paired across two updates.
 */
public record SkRxDst(Rtable rt, int genid, int ifindex) {
    /** Whether this route still holds for a packet arriving on {@code ifindex} at FIB generation {@code gen}. */
    public boolean valid(int gen, int ifindex) {
        return genid == gen && this.ifindex == ifindex;
    }

    /**
     * Linux: {@code inet_sk_rx_dst_set()} / {@code udp_sk_rx_dst_set()}: what a socket keeps after
     * a packet of its was routed by {@code rt}, looked up at generation {@code genid}: {@code cur}
     * itself when nothing changed (no allocation per packet), else a new one.
     */
    public static SkRxDst update(SkRxDst cur, Rtable rt, int genid, NetDevice dev) {
        int ifindex = dev != null ? dev.ifindex() : 0;
        if (cur != null && cur.rt == rt && cur.genid == genid && cur.ifindex == ifindex) {
            return cur;
        }
        return new SkRxDst(rt, genid, ifindex);
    }
}
