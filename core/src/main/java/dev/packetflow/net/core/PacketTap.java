package dev.packetflow.net.core;

/**
 * A packet tap: sees every frame a device receives or sends, like an {@code AF_PACKET} socket
 * (tcpdump) does through Linux's {@code ptype_all} list ({@code __netif_receive_skb_core} on RX,
 * {@code dev_queue_xmit_nit} on TX). A tap only reads: it must copy what it keeps.
 */
@FunctionalInterface
public interface PacketTap {
    PacketTap[] NONE = new PacketTap[0];

    /**
     * @param skb the frame; bytes {@code [skb.macHeader, skb.tail)} are the whole Ethernet frame
     * @param outgoing true on the TX path
     */
    void tap(NetDevice dev, SkBuff skb, boolean outgoing);
}
