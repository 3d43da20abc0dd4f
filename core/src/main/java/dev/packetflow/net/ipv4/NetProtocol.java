package dev.packetflow.net.ipv4;

import dev.packetflow.net.core.SkBuff;

/**
 * A transport protocol's entry in the {@code inet_protos} table: {@code ip_local_deliver_finish}
 * hands it the packets of its protocol number, and {@code icmp_rcv} hands it the ICMP errors that
 * quote one of its packets. Register with {@link Ipv4#addProtocol}.
 *
 * <p>Linux: {@code include/net/protocol.h struct net_protocol} ({@code handler},
 * {@code err_handler}), {@code net/ipv4/protocol.c inet_add_protocol()}.
 */
public interface NetProtocol {
    /**
     * Receives a packet: {@code skb.data} at the transport header (the IP header pulled, still at
     * {@code skb.networkHeader}), {@code skb.dst} the input {@link Rtable}. Takes ownership: must
     * consume or drop the skb. Returns NET_RX_SUCCESS or NET_RX_DROP.
     */
    int handler(SkBuff skb);

    /**
     * An ICMP error about a packet of this protocol arrived. {@code skb.data} points at the quoted
     * IP header (its header plus at least 8 bytes of transport header are present),
     * {@code skb.transportHeader} at the ICMP header and {@code skb.networkHeader} at the outer IP
     * header. {@code info} is the next-hop MTU for "fragmentation needed", the pointer for a
     * parameter problem, else 0. Must not keep or free the skb.
     */
    default void errHandler(SkBuff skb, int type, int code, int info) {}
}
