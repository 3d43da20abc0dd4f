package dev.packetflow.net.ipv4;

import dev.packetflow.drivers.net.channel.ChannelDevice;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ethernet.Eth;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One host ({@link #LOCAL} on a channel device) and a peer ({@link #PEER}, a permanent neighbour)
 * the fuzz targets speak for: every frame the host sends is kept in {@link #tx}.
 */
final class WireHost implements AutoCloseable {
    static final int LOCAL = InetAddr.parse("198.18.0.1");
    static final int PEER = InetAddr.parse("198.18.0.2");
    static final long PEER_MAC = Eth.localMac(9);

    final Simulation sim = new Simulation(7);
    final NetStack net = NetStack.create(sim, "host");
    final ChannelDevice eth0;
    final List<byte[]> tx = new ArrayList<>();

    WireHost() {
        net.arp().setGratuitousArpOnAddressAdd(false);
        eth0 = net.addDevice(new ChannelDevice("eth0", Eth.localMac(1)));
        net.devices().open(eth0);
        net.ipv4().addAddress(eth0, LOCAL, 24);
        net.arp().addPermanent(PEER, PEER_MAC, eth0);
        eth0.setTxSink(skb -> {
            tx.add(skb.toByteArray());
            Skb.consumeSkb(skb);
        });
    }

    /** An Ethernet frame from the peer to this host (or broadcast) with {@code ethertype}. */
    byte[] frame(long dst, int ethertype, byte[] payload) {
        byte[] f = new byte[14 + payload.length];
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) (dst >>> (40 - 8 * i));
            f[6 + i] = (byte) (PEER_MAC >>> (40 - 8 * i));
        }
        f[12] = (byte) (ethertype >>> 8);
        f[13] = (byte) ethertype;
        System.arraycopy(payload, 0, f, 14, payload.length);
        return f;
    }

    /** Pings the host from the peer: true when an echo reply left for the peer. */
    boolean ping(int seq) {
        tx.clear();
        eth0.inject(TestNet.frame(eth0.mac(), PEER_MAC, TestNet.echo(PEER, LOCAL, 64, 77, seq, 16)));
        sim.runFor(Duration.ofMillis(10));
        for (byte[] f : tx) {
            if (f.length >= 34 + 8 && f[12] == 8 && f[13] == 0 && f[23] == 1 && f[34] == 0
                    && ((f[30] & 0xff) << 24 | (f[31] & 0xff) << 16 | (f[32] & 0xff) << 8 | (f[33] & 0xff)) == PEER) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        net.close();
    }
}
