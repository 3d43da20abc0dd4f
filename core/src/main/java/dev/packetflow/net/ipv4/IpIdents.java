package dev.packetflow.net.ipv4;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Random;
import java.util.function.LongSupplier;

/**
 * IP identification numbers for datagrams that may be fragmented, chosen as Linux does: a hash of
 * (destination, source, protocol) under a per-stack secret key picks one of 2048 counters; each
 * counter starts random and, when it has been idle, jumps ahead by a random amount below the idle
 * time in jiffies. Neighbouring flows therefore do not share a predictable sequence (the attacks
 * RFC 6864 and RFC 7739 discuss), while one flow's IDs still increase.
 *
 * <p>Linux: {@code net/ipv4/route.c ip_idents_reserve()}, {@code __ip_select_ident()}; the hash is a
 * keyed mix rather than SipHash.
 */
final class IpIdents {
    private static final int SZ = 2048;
    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);

    private final int[] idents = new int[SZ];
    private final int[] tstamps = new int[SZ];
    private final int k0;
    private final int k1;
    private final Random random;
    private final LongSupplier jiffies;

    IpIdents(Random random, LongSupplier jiffies) {
        this.random = random;
        this.jiffies = jiffies;
        for (int i = 0; i < SZ; i++) {
            idents[i] = random.nextInt();
        }
        this.k0 = random.nextInt();
        this.k1 = random.nextInt() | 1;
    }

    /**
     * Linux: {@code __ip_select_ident()} / {@code ip_idents_reserve()}: reserves {@code segs}
     * consecutive IDs; returns the first (16 bits). Lock-free as in Linux: the thread that moves a
     * bucket's timestamp draws the random jump, and the counter advances by one atomic add.
     */
    int select(int daddr, int saddr, int protocol, int segs) {
        int h = mix(mix(mix(k0 ^ daddr) ^ saddr) ^ protocol) * k1;
        int bucket = (h ^ (h >>> 16)) & (SZ - 1);
        int now = (int) jiffies.getAsLong();
        int old = (int) INTS.getOpaque(tstamps, bucket);
        int delta = 0;
        if (old != now && INTS.compareAndSet(tstamps, bucket, old, now)) {
            int idle = now - old;
            if (idle > 0) {
                delta = random.nextInt(idle);
            }
        }
        return ((int) INTS.getAndAdd(idents, bucket, segs + delta) + delta) & 0xffff;
    }

    private static int mix(int x) {
        x *= 0x9E3779B1;
        return x ^ (x >>> 15);
    }
}
