package dev.packetflow.testing;

import dev.packetflow.drivers.net.channel.ChannelDevice;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.net.ipv4.ArpHeader;
import dev.packetflow.net.ipv4.InetAddr;
import java.util.ArrayList;
import java.util.List;

/**
 * Two stacks, {@code a} (198.18.0.1/24) and {@code b} (198.18.0.2/24), each with one
 * {@link ChannelDevice} {@code eth0}, joined by a wire that this class plays: every frame a device
 * transmits is logged with its virtual time and, unless that direction is cut, injected into the
 * other device. IPv4 frames are logged but only delivered when {@link #deliverIp} is set, so tests
 * of the neighbour layer do not depend on the IPv4 layer.
 *
 * <p>Set-up (addresses, the gratuitous ARPs they cause) is done and the logs are cleared when the
 * constructor returns.
 */
public final class TwoHosts implements AutoCloseable {
    public static final int IP_A = InetAddr.parse("198.18.0.1");
    public static final int IP_B = InetAddr.parse("198.18.0.2");
    public static final long MAC_A = 0x02_00_00_00_00_01L;
    public static final long MAC_B = 0x02_00_00_00_00_02L;

    /** One frame seen on the wire. */
    public record Frame(long timeNs, byte[] bytes) {
        public int ethertype() {
            return bytes.length < 14 ? -1 : ((bytes[12] & 0xff) << 8) | (bytes[13] & 0xff);
        }

        public long dst() {
            return u48(bytes, 0);
        }

        public long src() {
            return u48(bytes, 6);
        }

        public boolean isArp() {
            return ethertype() == Eth.ETH_P_ARP;
        }

        public ArpHeader.Repr arp() {
            return ArpHeader.Repr.parse(bytes, Eth.ETH_HLEN);
        }

        /** The identification field of an IPv4 frame (the tests number their packets with it). */
        public int ipId() {
            return ((bytes[18] & 0xff) << 8) | (bytes[19] & 0xff);
        }

        private static long u48(byte[] b, int o) {
            long v = 0;
            for (int i = 0; i < 6; i++) {
                v = (v << 8) | (b[o + i] & 0xff);
            }
            return v;
        }
    }

    public final Simulation sim;
    public final NetStack a;
    public final NetStack b;
    public final ChannelDevice ethA;
    public final ChannelDevice ethB;
    /** Frames transmitted by a (resp. b), oldest first. */
    public final List<Frame> txA = new ArrayList<>();
    public final List<Frame> txB = new ArrayList<>();
    public boolean deliverAtoB = true;
    public boolean deliverBtoA = true;
    public boolean deliverIp;
    /** When false, frames are neither logged nor delivered (fuzzing, benchmarks). */
    public boolean log = true;

    public TwoHosts() {
        this(1);
    }

    public TwoHosts(long seed) {
        sim = new Simulation(seed);
        a = NetStack.create(sim, "a");
        b = NetStack.create(sim, "b");
        ethA = a.addDevice(new ChannelDevice("eth0", MAC_A));
        ethB = b.addDevice(new ChannelDevice("eth0", MAC_B));
        ethA.setTxSink(skb -> wire(skb, txA, ethB, deliverAtoB));
        ethB.setTxSink(skb -> wire(skb, txB, ethA, deliverBtoA));
        a.devices().open(ethA);
        b.devices().open(ethB);
        a.ipv4().addAddress(ethA, IP_A, 24);
        b.ipv4().addAddress(ethB, IP_B, 24);
        sim.run();
        clear();
    }

    private void wire(SkBuff skb, List<Frame> logTo, ChannelDevice peer, boolean deliver) {
        if (!log) {
            Skb.consumeSkb(skb);
            return;
        }
        byte[] f = skb.toByteArray();
        Skb.consumeSkb(skb);
        Frame fr = new Frame(sim.nowNs(), f);
        logTo.add(fr);
        if (deliver && (deliverIp || fr.ethertype() != Eth.ETH_P_IP)) {
            peer.inject(f);
        }
    }

    public void clear() {
        txA.clear();
        txB.clear();
    }

    /** The ARP frames among {@code frames}. */
    public static List<Frame> arp(List<Frame> frames) {
        return frames.stream().filter(Frame::isArp).toList();
    }

    /** The IPv4 frames among {@code frames}. */
    public static List<Frame> ip(List<Frame> frames) {
        return frames.stream().filter(f -> f.ethertype() == Eth.ETH_P_IP).toList();
    }

    /**
     * A 28-byte IPv4 packet (protocol 253, "for experimentation", RFC 3692) from {@code src} to
     * {@code dst} numbered {@code id}, data at the IP header with {@link Skb#MAX_HEADER} headroom:
     * what the IPv4 layer hands to the neighbour layer.
     */
    public static SkBuff ipPacket(NetStack net, int src, int dst, int id) {
        SkBuff skb = net.pool().alloc(Skb.MAX_HEADER + 28);
        skb.reserve(Skb.MAX_HEADER);
        int o = skb.put(28);
        skb.setU8(o, 0x45);
        skb.setU8(o + 1, 0);
        skb.setU16(o + 2, 28);
        skb.setU16(o + 4, id);
        skb.setU16(o + 6, 0x4000);
        skb.setU8(o + 8, 64);
        skb.setU8(o + 9, 253);
        skb.setU16(o + 10, 0);
        skb.setU32(o + 12, src);
        skb.setU32(o + 16, dst);
        skb.setU32(o + 20, id);
        skb.setU32(o + 24, ~id);
        int sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += skb.u16(o + i);
        }
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        skb.setU16(o + 10, ~sum & 0xffff);
        skb.resetNetworkHeader();
        skb.protocol = Eth.ETH_P_IP;
        return skb;
    }

    /** Sends packet {@code id} from a to {@code dst} through a's neighbour layer on eth0. */
    public int sendFromA(int dst, int id) {
        return a.arp().neighOutput(ipPacket(a, IP_A, dst, id), ethA, dst);
    }

    public int sendFromB(int dst, int id) {
        return b.arp().neighOutput(ipPacket(b, IP_B, dst, id), ethB, dst);
    }

    /**
     * Delivers every frame in flight and handles it, without letting time pass (frames cross the
     * wire instantly). Unlike {@code sim.run()} this does not run the neighbour timers to their end.
     */
    public void settle() {
        sim.runForNs(0);
    }

    public void runForNs(long ns) {
        sim.runForNs(ns);
    }

    @Override
    public void close() {
        a.close();
        b.close();
    }
}
