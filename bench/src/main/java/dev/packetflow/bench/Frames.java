package dev.packetflow.bench;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;

/** Frame building for the benchmark rigs (set-up only; the measured loops copy prebuilt frames). */
final class Frames {
    private Frames() {}

    static byte[] ethernet(long dst, long src, int type, byte[] payload) {
        byte[] f = new byte[14 + payload.length];
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) (dst >>> (40 - 8 * i));
            f[6 + i] = (byte) (src >>> (40 - 8 * i));
        }
        f[12] = (byte) (type >>> 8);
        f[13] = (byte) type;
        System.arraycopy(payload, 0, f, 14, payload.length);
        return f;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** The frame in native memory, from the stack's pool, to be copied into received skbs. */
    static SkBuff template(NetStack net, byte[] frame) {
        SkBuff t = Skb.allocSkb(net.pool(), Skb.NET_SKB_PAD + frame.length);
        t.reserve(Skb.NET_SKB_PAD);
        t.putData(frame);
        return t;
    }

    /**
     * What a driver does for each received frame: a buffer from the device's pool
     * ({@code netdev_alloc_skb}) and the frame copied in (the "DMA").
     */
    static SkBuff copy(NetDevice dev, SkBuff template, int len) {
        SkBuff skb = Skb.netdevAllocSkb(dev, len);
        skb.write(skb.put(len), template, template.data, len);
        return skb;
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("wrong " + what);
        }
    }
}
