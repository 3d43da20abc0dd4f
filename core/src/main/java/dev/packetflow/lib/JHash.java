package dev.packetflow.lib;

/**
 * Bob Jenkins' lookup3 hash for a few 32-bit words, the function Linux uses to spread sockets over
 * its hash tables ({@code inet_ehashfn}, {@code ipv4_portaddr_hash}). Fast, allocation-free and
 * good enough for table spreading; the caller supplies a random {@code initval} so that remote
 * peers cannot aim many flows at one chain.
 *
 * <p>Linux: {@code include/linux/jhash.h} ({@code jhash_1word}, {@code jhash_3words}).
 */
public final class JHash {
    /** An arbitrary value, as in lookup3 and Linux's {@code JHASH_INITVAL}. */
    public static final int JHASH_INITVAL = 0xdeadbeef;

    private JHash() {}

    /** Linux: {@code jhash_3words()}. */
    public static int jhash3Words(int a, int b, int c, int initval) {
        return nwords(a, b, c, initval + JHASH_INITVAL + (3 << 2));
    }

    /** Linux: {@code jhash_2words()}. */
    public static int jhash2Words(int a, int b, int initval) {
        return nwords(a, b, 0, initval + JHASH_INITVAL + (2 << 2));
    }

    /** Linux: {@code jhash_1word()}. */
    public static int jhash1Word(int a, int initval) {
        return nwords(a, 0, 0, initval + JHASH_INITVAL + (1 << 2));
    }

    private static int nwords(int a, int b, int c, int initval) {
        a += initval;
        b += initval;
        c += initval;
        // __jhash_final(a, b, c)
        c ^= b; c -= Integer.rotateLeft(b, 14);
        a ^= c; a -= Integer.rotateLeft(c, 11);
        b ^= a; b -= Integer.rotateLeft(a, 25);
        c ^= b; c -= Integer.rotateLeft(b, 16);
        a ^= c; a -= Integer.rotateLeft(c, 4);
        b ^= a; b -= Integer.rotateLeft(a, 14);
        c ^= b; c -= Integer.rotateLeft(b, 24);
        return c;
    }

    /**
     * Linux: {@code reciprocal_scale()}. Maps a 32-bit hash onto {@code [0, n)} with a multiply
     * instead of a division, keeping the hash's high bits (the well-mixed ones).
     */
    public static int reciprocalScale(int hash, int n) {
        return (int) (((hash & 0xffffffffL) * n) >>> 32);
    }
}
