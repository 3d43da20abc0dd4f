package dev.packetflow.net.ipv4;

import dev.packetflow.net.NetStack;

/**
 * Per-stack IPv4 state ({@code struct netns_ipv4}): addresses, FIB, sysctls, MIB counters and the
 * fragment reassembly queue. Placeholder: filled in by the IPv4 layer.
 */
public final class Ipv4 implements AutoCloseable {
    private final NetStack net;

    public Ipv4(NetStack net) {
        this.net = net;
    }

    public NetStack net() {
        return net;
    }

    @Override
    public void close() {}
}
