package dev.packetflow.net.core;

/**
 * A protocol handler registered for one ethertype, what {@code __netif_receive_skb_core} delivers
 * to by {@code skb->protocol}: IPv4's {@code ip_rcv}, ARP's {@code arp_rcv}.
 *
 * <p>Linux: {@code struct packet_type} and {@code dev_add_pack()}.
 */
@FunctionalInterface
public interface PacketType {
    /** Return values, Linux's NET_RX_*. */
    int NET_RX_SUCCESS = 0;
    int NET_RX_DROP = 1;

    /** Takes ownership of {@code skb} (data at the network header). */
    int rcv(SkBuff skb, NetDevice dev);
}
