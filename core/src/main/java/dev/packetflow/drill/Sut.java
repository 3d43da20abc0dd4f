package dev.packetflow.drill;

import dev.packetflow.drivers.net.channel.ChannelDevice;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.ipv4.InetChecksum;
import dev.packetflow.net.ipv4.RouteSpec;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * The system under test: one {@link NetStack} in its own {@link Simulation}, with a
 * {@link ChannelDevice} {@code tun0} standing in for packetdrill's tun device. Its address is the
 * script's local address moved into the test range ({@link AddressMap}); the remote peer is reached
 * through {@code tun0} by a host route and a permanent neighbour entry, so no ARP ever crosses the
 * device. Every IPv4 frame the stack transmits is captured with its virtual send time.
 */
final class Sut implements AutoCloseable {
    static final String DEVICE = "tun0";

    final Simulation sim;
    final NetStack net;
    final ChannelDevice dev;
    final long sutMac = Eth.localMac(1);
    final long peerMac = Eth.localMac(2);
    final int localIp;
    final int remoteIp;
    private final ArrayDeque<Captured> captured = new ArrayDeque<>();
    private long capturedTotal;
    private boolean capturing;

    Sut(DrillConfig cfg, long seed, Consumer<NetStack> setup) {
        localIp = AddressMap.toTest(cfg.localIp);
        remoteIp = AddressMap.toTest(cfg.remoteIp);
        int prefix = AddressMap.prefixLen(cfg.netmaskIp);
        sim = new Simulation(seed);
        net = NetStack.create(sim, "sut");
        boolean ok = false;
        try {
            net.arp().setGratuitousArpOnAddressAdd(false);
            net.tcp().sysctl().setHz(cfg.hz);
            dev = net.addDevice(new ChannelDevice(DEVICE, sutMac));
            // packetdrill's tun device takes TSO super-packets (it sets TUNSETOFFLOAD), so Linux
            // hands it one GSO packet per burst; the scripts' "P. 1:10001(10000)" lines are those.
            dev.setFeatures(dev.features() | NetDevice.NETIF_F_TSO | NetDevice.NETIF_F_GSO);
            if (cfg.mtu != dev.mtu()) {
                net.devices().setMtu(dev, cfg.mtu);
            }
            net.devices().open(dev);
            net.ipv4().addAddress(dev, localIp, prefix);
            if ((remoteIp & InetAddr.mask(prefix)) != (localIp & InetAddr.mask(prefix))) {
                net.ipv4().fib().routeAdd(RouteSpec.to(remoteIp, 32).dev(dev));
            }
            net.arp().addPermanent(remoteIp, peerMac, dev);
            dev.setTxSink(this::capture);
            if (setup != null) {
                setup.accept(net);
            }
            sim.runUntil(() -> false, java.time.Duration.ZERO);
            synchronized (captured) {
                captured.clear();
                capturing = true;
            }
            ok = true;
        } finally {
            if (!ok) {
                net.close();
            }
        }
    }

    /** The device's transmit hook: keeps IPv4 packets (as bytes) and frees every frame. */
    private void capture(SkBuff skb) {
        try {
            byte[] f = skb.toByteArray();
            if (f.length < Eth.ETH_HLEN + Frames.IP_HLEN || Bytes.u16(f, 12) != Eth.ETH_P_IP) {
                return; // ARP and others: packetdrill's tun device carries IP only
            }
            byte[] ip = java.util.Arrays.copyOfRange(f, Eth.ETH_HLEN, f.length);
            boolean partial = skb.ipSummed == SkBuff.CHECKSUM_PARTIAL;
            if (partial) {
                partial = !completeChecksum(ip, skb.csumStart - skb.data - Eth.ETH_HLEN, skb.csumOffset);
            }
            Captured c = new Captured(sim.nowNs(), ip, partial, skb.gsoSize);
            synchronized (captured) {
                if (capturing) {
                    captured.addLast(c);
                    capturedTotal++;
                }
            }
        } finally {
            Skb.consumeSkb(skb);
        }
    }

    /**
     * Does what a device with checksum offload does for a CHECKSUM_PARTIAL packet: sums from
     * {@code start} to the end (the field holds the pseudo-header sum) and stores the result at
     * {@code start + offset}. Returns false if the offsets make no sense.
     */
    private static boolean completeChecksum(byte[] ip, int start, int offset) {
        if (start < Frames.IP_HLEN || offset < 0 || start + offset + 2 > ip.length) {
            return false;
        }
        int totLen = Math.min(Bytes.u16(ip, 2), ip.length);
        Bytes.put16(ip, start + offset, InetChecksum.fold(InetChecksum.partial(ip, start, totLen - start, 0)));
        return true;
    }

    /** Hands a frame to the stack as received on {@code tun0}, as a GSO aggregate if {@code gsoSize > 0}. */
    void inject(Peer.Inbound in) {
        if (in.gsoSize() == 0) {
            dev.inject(in.frame());
            return;
        }
        SkBuff skb = Skb.netdevAllocSkb(dev, in.frame().length);
        if (skb == null) {
            throw new IllegalStateException("no buffer for a " + in.frame().length + "-byte frame");
        }
        skb.putData(in.frame());
        skb.gsoSize = in.gsoSize();
        skb.gsoSegs = in.gsoSegs();
        skb.gsoType = 1; // SKB_GSO_TCPV4
        dev.inject(skb);
    }

    boolean hasCaptured() {
        synchronized (captured) {
            return !captured.isEmpty();
        }
    }

    Captured peekCaptured() {
        synchronized (captured) {
            return captured.peekFirst();
        }
    }

    Captured nextCaptured() {
        synchronized (captured) {
            return captured.pollFirst();
        }
    }

    /** Packets captured since the start (including ones already taken). */
    long capturedTotal() {
        synchronized (captured) {
            return capturedTotal;
        }
    }

    @Override
    public void close() {
        synchronized (captured) {
            capturing = false;
        }
        net.close();
    }
}
