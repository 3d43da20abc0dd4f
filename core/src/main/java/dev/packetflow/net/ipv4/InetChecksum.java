package dev.packetflow.net.ipv4;

import dev.packetflow.net.core.SkBuff;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum of
 * the data taken as big-endian 16-bit words. Sums are accumulated unfolded in a {@code long}, so
 * words can be added 32 bits at a time and folded once at the end (RFC 1071 section 2(B), "deferred
 * carries"). {@link #csumReplace2} updates a checksum when one 16-bit word changes (RFC 1624).
 *
 * <p>Linux: {@code include/net/checksum.h}, {@code lib/checksum.c} ({@code csum_partial},
 * {@code csum_fold}, {@code ip_fast_csum}, {@code csum_replace2}).
 */
public final class InetChecksum {
    private static final ValueLayout.OfLong NATIVE_LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt NATIVE_INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private InetChecksum() {}

    /**
     * Linux: {@code csum_partial()}. Adds {@code len} bytes of {@code skb} at absolute offset
     * {@code off} to {@code sum}; the result is unfolded. An odd last byte is padded with zero on the
     * right, as RFC 1071 requires.
     *
     * <p>The bulk is read eight bytes at a time in the machine's byte order and summed as two
     * 32-bit halves (RFC 1071 section 2(C): the sum is independent of byte order up to a final
     * swap, and 2(B): carries can be deferred), then folded to 16 bits and swapped into network
     * order; the last few bytes are added as big-endian words.
     */
    public static long partial(SkBuff skb, int off, int len, long sum) {
        int i = 0;
        if (len >= 8) {
            // Long indices in a counted loop let the JIT hoist the bounds checks out of the loop.
            // (No slice: a slice is an object, and where escape analysis gives up, as it does
            // deep in the UDP receive path, it is allocated for every packet.)
            MemorySegment seg = skb.segment();
            long n = len & ~7L;
            long end = off + n;
            long acc = 0;
            for (long j = off; j < end; j += 8) {
                long v = seg.get(NATIVE_LONG, j);
                acc += (v & 0xffffffffL) + (v >>> 32);
            }
            i = (int) n;
            sum += LITTLE_ENDIAN ? swab16(fold16(acc)) : fold16(acc);
        }
        if (i + 4 <= len) {
            sum += skb.u32(off + i) & 0xffffffffL;
            i += 4;
        }
        if (i + 2 <= len) {
            sum += skb.u16(off + i);
            i += 2;
        }
        if (i < len) {
            sum += skb.u8(off + i) << 8;
        }
        return sum;
    }

    /** The one's complement sum in {@code acc}, end-around carries folded in, as 16 bits (not complemented). */
    private static int fold16(long acc) {
        acc = (acc & 0xffffffffL) + (acc >>> 32);
        acc = (acc & 0xffffffffL) + (acc >>> 32);
        acc = (acc & 0xffff) + (acc >>> 16);
        acc = (acc & 0xffff) + (acc >>> 16);
        acc = (acc & 0xffff) + (acc >>> 16);
        return (int) acc;
    }

    private static int swab16(int x) {
        return ((x & 0xff) << 8) | (x >>> 8);
    }

    /** {@link #partial(SkBuff, int, int, long)} over a byte array. */
    public static long partial(byte[] b, int off, int len, long sum) {
        int i = 0;
        for (; i + 2 <= len; i += 2) {
            sum += ((b[off + i] & 0xff) << 8) | (b[off + i + 1] & 0xff);
        }
        if (i < len) {
            sum += (b[off + i] & 0xff) << 8;
        }
        return sum;
    }

    /** Linux: {@code csum_fold()}. Folds the carries into 16 bits and complements: the checksum field. */
    public static int fold(long sum) {
        sum = (sum & 0xffffffffL) + (sum >>> 32);
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        return (int) (~sum) & 0xffff;
    }

    /** The checksum of {@code len} bytes at {@code off}: 0 when data that includes its checksum is intact. */
    public static int compute(SkBuff skb, int off, int len) {
        return fold(partial(skb, off, len, 0));
    }

    public static int compute(byte[] b, int off, int len) {
        return fold(partial(b, off, len, 0));
    }

    /**
     * Linux: {@code ip_fast_csum()}. Checksum of an IPv4 header of {@code ihl} 32-bit words; 0 when
     * the header (including its checksum field) is intact.
     */
    public static int ipFastCsum(SkBuff skb, int off, int ihl) {
        if (ihl != 5) {
            return fold(partial(skb, off, ihl << 2, 0));
        }
        // The usual 20-byte header: two 8-byte reads and one 4-byte read, like Linux's x86 version.
        MemorySegment seg = skb.segment();
        long a = seg.get(NATIVE_LONG, off);
        long b = seg.get(NATIVE_LONG, off + 8L);
        long c = seg.get(NATIVE_INT, off + 16L) & 0xffffffffL;
        long acc = (a & 0xffffffffL) + (a >>> 32) + (b & 0xffffffffL) + (b >>> 32) + c;
        int s = fold16(acc);
        return ~(LITTLE_ENDIAN ? swab16(s) : s) & 0xffff;
    }

    /**
     * Linux: {@code csum_replace2()}. The new checksum after a 16-bit word of the covered data
     * changed from {@code oldWord} to {@code newWord}: RFC 1624 equation 3, HC' = ~(~HC + ~m + m'),
     * which (unlike RFC 1141's equation) never yields 0xFFFF where a full recomputation gives 0.
     */
    public static int csumReplace2(int check, int oldWord, int newWord) {
        long sum = (~check & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
        return fold(sum);
    }

    /**
     * Linux: {@code csum_tcpudp_nofold()}: the IPv4 pseudo-header sum (RFC 793/768) for transport
     * checksums, unfolded, to be continued with {@link #partial}.
     */
    public static long pseudoHeader(int saddr, int daddr, int protocol, int len) {
        return (saddr & 0xffffffffL) + (daddr & 0xffffffffL) + protocol + len;
    }
}
