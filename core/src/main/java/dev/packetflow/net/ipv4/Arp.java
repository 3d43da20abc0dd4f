package dev.packetflow.net.ipv4;

import dev.packetflow.net.NetStack;

/**
 * The ARP neighbour table of one stack ({@code arp_tbl}). Placeholder: filled in by the neighbour layer.
 */
public final class Arp implements AutoCloseable {
    private final NetStack net;

    public Arp(NetStack net) {
        this.net = net;
    }

    public NetStack net() {
        return net;
    }

    @Override
    public void close() {}
}
