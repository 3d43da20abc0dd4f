package dev.packetflow.drivers.net;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.Dev;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.PacketType;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ethernet.Eth;
import java.util.ArrayList;
import java.util.List;

/**
 * Test frames for the drivers: Ethernet frames of ethertype 0x88B5 (IEEE 802 local experimental),
 * numbered by a 32-bit sequence number right after the header, and a handler that records what a
 * stack receives of them. Needs no IPv4.
 */
public final class FrameKit {
    /** IEEE Std 802 "local experimental ethertype 1". */
    public static final int ETH_P_TEST = 0x88B5;

    private FrameKit() {}

    /** A frame of {@code len} bytes (at least 18): header, sequence number, then a byte pattern. */
    public static byte[] frame(long dst, long src, int seq, int len) {
        if (len < Eth.ETH_HLEN + 4) {
            throw new IllegalArgumentException("frame too short for a sequence number: " + len);
        }
        byte[] f = new byte[len];
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) (dst >>> (40 - 8 * i));
            f[6 + i] = (byte) (src >>> (40 - 8 * i));
        }
        f[12] = (byte) (ETH_P_TEST >>> 8);
        f[13] = (byte) ETH_P_TEST;
        f[14] = (byte) (seq >>> 24);
        f[15] = (byte) (seq >>> 16);
        f[16] = (byte) (seq >>> 8);
        f[17] = (byte) seq;
        for (int i = 18; i < len; i++) {
            f[i] = (byte) (seq * 31 + i);
        }
        return f;
    }

    /** A frame from {@code from} to {@code to}'s MAC. */
    public static byte[] frame(NetDevice from, NetDevice to, int seq, int len) {
        return frame(to.mac(), from.mac(), seq, len);
    }

    /** An skb holding {@code frame}, with MAX_HEADER headroom, ready for {@code dev_queue_xmit}. */
    public static SkBuff skb(NetDevice dev, byte[] frame) {
        SkBuff skb = Skb.allocSkb(dev.pool(), Skb.MAX_HEADER + frame.length);
        skb.reserve(Skb.MAX_HEADER);
        skb.putData(frame);
        skb.resetMacHeader();
        skb.dev = dev;
        return skb;
    }

    /** {@code dev_queue_xmit} of {@code frame} on {@code dev}; returns the NET_XMIT_* code. */
    public static int send(NetDevice dev, byte[] frame) {
        return Dev.devQueueXmit(skb(dev, frame));
    }

    /** Sequence number of a whole frame. */
    public static int seqOf(byte[] frame) {
        return ((frame[14] & 0xff) << 24) | ((frame[15] & 0xff) << 16) | ((frame[16] & 0xff) << 8) | (frame[17] & 0xff);
    }

    /** One frame a {@link Sink} received. */
    public record Rx(int seq, byte[] frame, long journey, long timeNs, NetDevice dev, int pktType) {}

    /** Records every test frame a stack receives and consumes its skb. */
    public static final class Sink implements PacketType {
        private final NetStack net;
        public final List<Rx> frames = new ArrayList<>();

        private Sink(NetStack net) {
            this.net = net;
        }

        @Override
        public int rcv(SkBuff skb, NetDevice dev) {
            byte[] whole = new byte[skb.tail - skb.macHeader];
            skb.read(skb.macHeader, whole, 0, whole.length);
            frames.add(new Rx(seqOf(whole), whole, skb.journey, net.clock().nanoTime(), dev, skb.pktType));
            Skb.consumeSkb(skb);
            return NET_RX_SUCCESS;
        }

        public int count() {
            return frames.size();
        }

        public List<Integer> seqs() {
            List<Integer> l = new ArrayList<>(frames.size());
            for (Rx r : frames) {
                l.add(r.seq());
            }
            return l;
        }
    }

    /** Installs a {@link Sink} for {@link #ETH_P_TEST} in {@code net}. */
    public static Sink sink(NetStack net) {
        Sink s = new Sink(net);
        net.addPacketHandler(ETH_P_TEST, s);
        return s;
    }
}
