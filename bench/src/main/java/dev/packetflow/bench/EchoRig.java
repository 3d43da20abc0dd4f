package dev.packetflow.bench;

import dev.packetflow.drivers.net.channel.ChannelDevice;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.net.ipv4.IcmpRepr;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.ipv4.InetChecksum;
import dev.packetflow.net.ipv4.Ipv4Repr;

/**
 * One stack answering pings, driven as fast as it goes: a {@link ChannelDevice} at 198.18.0.1/24
 * with a permanent neighbour entry for the pinger 198.18.0.2, gratuitous ARP off. Each
 * {@link #runBatch()} copies a prebuilt 98-byte echo request (the frame {@code ping} sends by
 * default: 56 bytes of data) into {@link #BATCH} pooled skbs, queues them on the device as one
 * burst and runs {@code net_rx_action} ({@link FrameFeed}): {@code napi_poll} takes each frame up
 * through {@code icmp_rcv}/{@code icmp_echo}, and the reply goes down to {@code ndo_start_xmit},
 * whose sink counts and frees it. Nothing is allocated on the heap in steady state.
 */
public final class EchoRig implements RigBench.Verifiable {
    /** Frames per NAPI burst: Linux's NAPI weight. */
    public static final int BATCH = 64;
    public static final int LOCAL = InetAddr.parse("198.18.0.1");
    public static final int PINGER = InetAddr.parse("198.18.0.2");
    static final long PINGER_MAC = Eth.localMac(0x0a0002);
    static final int ECHO_ID = 0x1234;

    public final Simulation sim = new Simulation(1);
    public final NetStack net;
    public final ChannelDevice dev;
    private final FrameFeed feed;

    public EchoRig() {
        this(BATCH);
    }

    /** A rig feeding {@code burst} frames per NAPI poll (at most the NAPI weight, 64, are taken per poll). */
    public EchoRig(int burst) {
        FrameFeed.requireBurst(burst);
        net = NetStack.create(sim, "echo");
        net.arp().setGratuitousArpOnAddressAdd(false);
        dev = net.addDevice(new ChannelDevice("eth0", Eth.localMac(0x0a0001)));
        net.devices().open(dev);
        net.ipv4().addAddress(dev, LOCAL, 24);
        net.arp().addPermanent(PINGER, PINGER_MAC, dev);
        byte[] data = new byte[56];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        byte[] icmp = IcmpRepr.echo(ECHO_ID, 1, data).toBytes();
        Ipv4Repr h = new Ipv4Repr(0, 0x4242, true, false, 0, 64, 1, PINGER, LOCAL, null, icmp.length);
        byte[] frame = Frames.ethernet(dev.mac(), PINGER_MAC, Eth.ETH_P_IP, Frames.concat(h.toBytes(), icmp));
        feed = new FrameFeed(sim, net, dev, frame, burst);
        dev.setTxSink(feed::transmit);
    }

    /** Length of the request frame. */
    public int frameLen() {
        return feed.frameLen();
    }

    /** Replies seen by the device's transmit sink. */
    public long replies() {
        return feed.transmitted();
    }

    /**
     * Sends one request and checks the reply byte by byte against what Linux sends (echo reply,
     * same identifier, sequence and data, addresses swapped, valid checksums, TTL 64); throws
     * IllegalStateException if it is wrong.
     */
    public void verify() {
        SkBuff r = feed.sendOne("no echo reply", "frames sent");
        try {
            int m = r.data;
            int ip = m + 14;
            int icmp = ip + 20;
            Frames.check(r.u48(m) == PINGER_MAC, "reply's destination MAC");
            Frames.check(r.u48(m + 6) == dev.mac(), "reply's source MAC");
            Frames.check(r.u16(m + 12) == Eth.ETH_P_IP, "reply's ethertype");
            Frames.check(r.len() == feed.frameLen(), "reply's length " + r.len());
            Frames.check(r.u8(ip + 8) == 64, "reply's TTL");
            Frames.check(r.u32(ip + 12) == LOCAL && r.u32(ip + 16) == PINGER, "reply's addresses");
            Frames.check(InetChecksum.compute(r, ip, 20) == 0, "reply's IP checksum");
            Frames.check(r.u8(icmp) == 0 && r.u8(icmp + 1) == 0, "reply's ICMP type");
            Frames.check(r.u16(icmp + 4) == ECHO_ID && r.u16(icmp + 6) == 1, "reply's id/seq");
            Frames.check(InetChecksum.compute(r, icmp, r.len() - 34) == 0, "reply's ICMP checksum");
            for (int i = 0; i < 56; i++) {
                Frames.check(r.u8(icmp + 8 + i) == i, "reply's data");
            }
        } finally {
            Skb.consumeSkb(r);
        }
    }

    /** Pushes {@link #BATCH} echo requests through the stack; returns the replies sent. */
    public int runBatch() {
        return feed.runBurst();
    }

    /** The NIC's part of {@link #runBatch()}: the requests copied into skbs and queued on the device. */
    public void dma() {
        feed.dma();
    }

    /**
     * The stack's part of {@link #runBatch()}, after {@link #dma()}: {@code napi_poll} of the
     * queued requests to {@code ndo_start_xmit} of the replies (and their TX completion); returns
     * the replies sent.
     */
    public int napiToXmit() {
        return feed.poll();
    }

    @Override
    public void close() {
        feed.close();
        net.close();
    }
}
