package dev.packetflow.bench;

import dev.packetflow.drivers.net.channel.ChannelDevice;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.ipv4.InetChecksum;
import dev.packetflow.net.ipv4.Ipv4Repr;

/**
 * A router forwarding small frames as fast as it goes:
 *
 * <pre>
 *  198.18.0.1 ──► dev0 198.18.0.254/24  R  dev1 198.18.1.254/24 ──► 198.18.1.1 (permanent neighbour)
 * </pre>
 *
 * Each {@link #runBatch()} copies a prebuilt 64-byte frame (Ethernet, IPv4 with a valid checksum
 * and TTL 64, UDP with 22 bytes of payload) into {@link #BATCH} pooled skbs, queues them on dev0
 * as one burst and runs {@code net_rx_action} ({@link FrameFeed}): every frame goes
 * {@code napi_poll} → {@code ip_rcv} → {@code ip_forward} → {@code ip_output} →
 * {@code ndo_start_xmit} of dev1, whose sink counts and frees it. Nothing is allocated on the heap in steady state.
 */
public final class ForwardRig implements RigBench.Verifiable {
    public static final int BATCH = 64;
    public static final int FRAME_LEN = 64;
    public static final int SRC = InetAddr.parse("198.18.0.1");
    public static final int DST = InetAddr.parse("198.18.1.1");
    static final long SRC_MAC = Eth.localMac(0x0b0001);
    static final long DST_MAC = Eth.localMac(0x0b0002);

    public final Simulation sim = new Simulation(1);
    public final NetStack net;
    public final ChannelDevice dev0;
    public final ChannelDevice dev1;
    private final FrameFeed feed;

    public ForwardRig() {
        this(BATCH);
    }

    /** A rig feeding {@code burst} frames per NAPI poll (at most the NAPI weight, 64, are taken per poll). */
    public ForwardRig(int burst) {
        FrameFeed.requireBurst(burst);
        net = NetStack.create(sim, "r");
        net.arp().setGratuitousArpOnAddressAdd(false);
        dev0 = net.addDevice(new ChannelDevice("dev0", Eth.localMac(0x0c0000)));
        dev1 = net.addDevice(new ChannelDevice("dev1", Eth.localMac(0x0c0001)));
        net.devices().open(dev0);
        net.devices().open(dev1);
        net.ipv4().addAddress(dev0, InetAddr.parse("198.18.0.254"), 24);
        net.ipv4().addAddress(dev1, InetAddr.parse("198.18.1.254"), 24);
        net.ipv4().setIpForward(1);
        net.arp().addPermanent(DST, DST_MAC, dev1);
        int ipLen = FRAME_LEN - 14;
        byte[] udp = new byte[ipLen - 20];
        udp[0] = (byte) 0x9c; // source port 40000
        udp[1] = 0x40;
        udp[2] = 0x13; // destination port 5001
        udp[3] = (byte) 0x89;
        udp[4] = 0;
        udp[5] = (byte) udp.length;
        for (int i = 8; i < udp.length; i++) {
            udp[i] = (byte) i;
        }
        long sum = InetChecksum.pseudoHeader(SRC, DST, 17, udp.length);
        int c = InetChecksum.fold(InetChecksum.partial(udp, 0, udp.length, sum));
        udp[6] = (byte) (c >>> 8);
        udp[7] = (byte) c;
        Ipv4Repr h = new Ipv4Repr(0, 0x0101, true, false, 0, 64, 17, SRC, DST, null, udp.length);
        byte[] frame = Frames.ethernet(dev0.mac(), SRC_MAC, Eth.ETH_P_IP, Frames.concat(h.toBytes(), udp));
        feed = new FrameFeed(sim, net, dev0, frame, burst);
        dev1.setTxSink(feed::transmit);
    }

    /** Frames that left by dev1. */
    public long forwarded() {
        return feed.transmitted();
    }

    /**
     * Forwards one frame and checks it as it leaves: MACs rewritten for the next hop, TTL 63, IP
     * checksum still valid, payload untouched. Throws IllegalStateException if anything is wrong.
     */
    public void verify() {
        SkBuff f = feed.sendOne("frame not forwarded", "frames out");
        SkBuff template = feed.template();
        try {
            int m = f.data;
            int ip = m + 14;
            Frames.check(f.len() == FRAME_LEN, "forwarded length " + f.len());
            Frames.check(f.u48(m) == DST_MAC && f.u48(m + 6) == dev1.mac(), "forwarded MACs");
            Frames.check(f.u8(ip + 8) == 63, "forwarded TTL " + f.u8(ip + 8));
            Frames.check(InetChecksum.compute(f, ip, 20) == 0, "forwarded IP checksum");
            for (int i = 20; i < FRAME_LEN - 14; i++) {
                Frames.check(f.u8(ip + i) == template.u8(template.data + 14 + i), "forwarded payload");
            }
        } finally {
            Skb.consumeSkb(f);
        }
    }

    /** Pushes {@link #BATCH} frames through R; returns how many left by dev1. */
    public int runBatch() {
        return feed.runBurst();
    }

    @Override
    public void close() {
        feed.close();
        net.close();
    }
}
