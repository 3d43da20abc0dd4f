package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.net.core.Dev;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ipv4.InetChecksum;

/** Hand-made TCP/IPv4/Ethernet frames, for segments no socket would send (floods, attacks). */
final class Segments {
    private Segments() {}

    /** {@code <mss 1460,sackOK,TS val tsval ecr 0,nop,wscale 7>}, Linux's SYN options. */
    static byte[] synOptions(int tsval) {
        return new byte[] {2, 4, 0x05, (byte) 0xb4, 4, 2, 8, 10, (byte) (tsval >>> 24), (byte) (tsval >>> 16),
            (byte) (tsval >>> 8), (byte) tsval, 0, 0, 0, 0, 1, 3, 3, 7};
    }

    /** A whole Ethernet frame carrying one TCP segment with correct checksums. */
    static byte[] frame(long dstMac, long srcMac, int saddr, int sport, int daddr, int dport, int seq, int ack,
            int flags, int win, byte[] options, byte[] payload) {
        int thLen = 20 + options.length;
        int ipLen = 20 + thLen + payload.length;
        byte[] f = new byte[14 + ipLen];
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) (dstMac >>> (40 - 8 * i));
            f[6 + i] = (byte) (srcMac >>> (40 - 8 * i));
        }
        f[12] = 0x08;
        int ip = 14;
        f[ip] = 0x45;
        put16(f, ip + 2, ipLen);
        put16(f, ip + 4, seq & 0xffff);
        f[ip + 6] = 0x40; // DF
        f[ip + 8] = 64;
        f[ip + 9] = 6;
        put32(f, ip + 12, saddr);
        put32(f, ip + 16, daddr);
        put16(f, ip + 10, InetChecksum.compute(f, ip, 20));
        int th = ip + 20;
        put16(f, th, sport);
        put16(f, th + 2, dport);
        put32(f, th + 4, seq);
        put32(f, th + 8, ack);
        f[th + 12] = (byte) ((thLen / 4) << 4);
        f[th + 13] = (byte) flags;
        put16(f, th + 14, win);
        System.arraycopy(options, 0, f, th + 20, options.length);
        System.arraycopy(payload, 0, f, th + thLen, payload.length);
        long sum = InetChecksum.pseudoHeader(saddr, daddr, 6, thLen + payload.length);
        sum = InetChecksum.partial(f, th, thLen + payload.length, sum);
        put16(f, th + 16, InetChecksum.fold(sum));
        return f;
    }

    /** Puts {@code frame} on the wire from {@code dev}, as if its stack had sent it. */
    static void send(NetDevice dev, byte[] frame) {
        SkBuff skb = Skb.allocSkb(dev.pool(), Skb.MAX_HEADER + frame.length);
        skb.reserve(Skb.MAX_HEADER);
        skb.putData(frame);
        skb.resetMacHeader();
        skb.dev = dev;
        Dev.devQueueXmit(skb);
    }

    static void put16(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }

    static void put32(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }
}
