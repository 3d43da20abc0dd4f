package dev.packetflow.drivers.net.wire;

import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.SkBuff;

/**
 * A device's attachment to a {@link Wire}: its PHY, the place where bits from the medium become a
 * frame for the device (a veth end's RX ring, a simulated NIC's receive DMA).
 */
public interface WireEndpoint {
    /** The device; the wire arms its delivery timer on this device's stack's timer wheel. */
    NetDevice device();

    /**
     * A frame arrives from the wire (data at the Ethernet header, {@code [data, tail)}); the
     * endpoint now owns {@code skb} and must queue, consume or drop it. Called in the sender's
     * thread when the wire has no delay, otherwise from a timer on this device's softnet.
     */
    void wireReceive(SkBuff skb);
}
