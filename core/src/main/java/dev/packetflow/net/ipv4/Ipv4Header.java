package dev.packetflow.net.ipv4;

import dev.packetflow.net.core.SkBuff;

/**
 * A view of an IPv4 header inside an {@link SkBuff}: reads and writes fields in place, allocates
 * nothing. RFC 791 section 3.1:
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |Type of Service|          Total Length         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Identification        |Flags|      Fragment Offset    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Source Address                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination Address                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options                    |    Padding    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * Flags: bit 0 reserved (must be zero), bit 1 DF (don't fragment), bit 2 MF (more fragments); the
 * fragment offset counts 8-byte units. The type-of-service octet is DSCP (6 bits) and ECN (2 bits)
 * since RFC 2474/3168.
 *
 * <p>Two ways to use it: the packet path calls the static accessors with the header's absolute
 * offset (no object, safe from any thread); tests and slow paths {@link #wrap} an instance. Bounds
 * are the caller's business: {@link #checkLen} (or {@code ip_rcv_core}) must have passed first.
 *
 * <p>Linux: {@code include/uapi/linux/ip.h struct iphdr}, {@code include/net/ip.h}.
 */
public final class Ipv4Header {
    public static final int MIN_LEN = 20;
    public static final int MAX_LEN = 60;
    public static final int MAX_TOTAL_LEN = 65535;

    // field offsets
    public static final int VERSION_IHL = 0;
    public static final int TOS = 1;
    public static final int TOT_LEN = 2;
    public static final int ID = 4;
    public static final int FRAG_OFF = 6;
    public static final int TTL = 8;
    public static final int PROTOCOL = 9;
    public static final int CHECK = 10;
    public static final int SADDR = 12;
    public static final int DADDR = 16;

    /** Bits of the 16-bit flags+offset word, Linux's IP_CE/IP_DF/IP_MF/IP_OFFSET. */
    public static final int IP_CE = 0x8000;
    public static final int IP_DF = 0x4000;
    public static final int IP_MF = 0x2000;
    public static final int IP_OFFSET = 0x1fff;

    /** Protocol numbers (IANA), Linux's IPPROTO_*. */
    public static final int IPPROTO_ICMP = 1;
    public static final int IPPROTO_TCP = 6;
    public static final int IPPROTO_UDP = 17;

    /** Option types (RFC 791 3.1); the top bit says whether fragments copy the option. */
    public static final int IPOPT_END = 0;
    public static final int IPOPT_NOOP = 1;
    public static final int IPOPT_COPY = 0x80;

    private SkBuff skb;
    private int off;

    /** Points this view at the header starting at absolute offset {@code off} of {@code skb}. */
    public Ipv4Header wrap(SkBuff skb, int off) {
        this.skb = skb;
        this.off = off;
        return this;
    }

    /** The view over {@code skb}'s network header. */
    public Ipv4Header wrapNetworkHeader(SkBuff skb) {
        return wrap(skb, skb.networkHeader);
    }

    public int offset() {
        return off;
    }

    /**
     * Whether the bytes from the header to the packet's tail hold a well-formed header: at least 20
     * bytes, version 4, IHL of at least 5 words within the packet, total length within the packet
     * and not shorter than the header. Does not check the checksum.
     */
    public boolean checkLen() {
        int avail = skb.tail - off;
        if (avail < MIN_LEN || version(skb, off) != 4) {
            return false;
        }
        int hl = headerLength(skb, off);
        int tl = totalLength(skb, off);
        return hl >= MIN_LEN && hl <= avail && tl >= hl && tl <= avail;
    }

    // ------------------------------------------------------------ static accessors (hot path)

    public static int version(SkBuff s, int o) {
        return s.u8(o + VERSION_IHL) >>> 4;
    }

    /** Internet Header Length in 32-bit words. */
    public static int ihl(SkBuff s, int o) {
        return s.u8(o + VERSION_IHL) & 0x0f;
    }

    public static int headerLength(SkBuff s, int o) {
        return (s.u8(o + VERSION_IHL) & 0x0f) << 2;
    }

    public static int tos(SkBuff s, int o) {
        return s.u8(o + TOS);
    }

    public static int totalLength(SkBuff s, int o) {
        return s.u16(o + TOT_LEN);
    }

    public static int identification(SkBuff s, int o) {
        return s.u16(o + ID);
    }

    /** The flags and fragment offset word (Linux: {@code iph->frag_off} in host order). */
    public static int fragOff(SkBuff s, int o) {
        return s.u16(o + FRAG_OFF);
    }

    /** Linux: {@code ip_is_fragment()}: MF set or a non-zero offset. */
    public static boolean isFragment(SkBuff s, int o) {
        return (s.u16(o + FRAG_OFF) & (IP_MF | IP_OFFSET)) != 0;
    }

    public static int timeToLive(SkBuff s, int o) {
        return s.u8(o + TTL);
    }

    public static int protocol(SkBuff s, int o) {
        return s.u8(o + PROTOCOL);
    }

    public static int headerChecksum(SkBuff s, int o) {
        return s.u16(o + CHECK);
    }

    public static int sourceAddress(SkBuff s, int o) {
        return s.u32(o + SADDR);
    }

    public static int destinationAddress(SkBuff s, int o) {
        return s.u32(o + DADDR);
    }

    /** Linux: {@code ip_send_check()}: recomputes the header checksum in place. */
    public static void fillChecksum(SkBuff s, int o) {
        s.setU16(o + CHECK, 0);
        s.setU16(o + CHECK, InetChecksum.ipFastCsum(s, o, ihl(s, o)));
    }

    /**
     * Sets the total length to {@code totLen} and fills in the checksum: Linux's
     * {@code __ip_local_out()} ({@code iph->tot_len = htons(skb->len); ip_send_check(iph)}). An
     * options-less header is read as two 8-byte words and a 4-byte word, patched and summed in
     * registers and written back whole: the loads match the stores that built the header (see
     * {@link #build}), and no narrow store sits under a wide load, which would stall it.
     */
    public static void setTotLenAndChecksum(SkBuff s, int o, int totLen) {
        long w0 = s.u64(o);
        if ((w0 >>> 56) != 0x45) {
            s.setU16(o + TOT_LEN, totLen);
            fillChecksum(s, o);
            return;
        }
        long w1 = s.u64(o + 8);
        int w2 = s.u32(o + 16);
        w0 = (w0 & ~(0xffffL << 32)) | ((long) (totLen & 0xffff) << 32);
        w1 &= ~(0xffffL << 32);
        long sum = (w0 >>> 32) + (w0 & 0xffffffffL) + (w1 >>> 32) + (w1 & 0xffffffffL) + (w2 & 0xffffffffL);
        w1 |= (long) InetChecksum.fold(sum) << 32;
        s.setU64(o, w0);
        s.setU64(o + 8, w1);
    }

    /**
     * Writes an options-less header at {@code o} with a zero checksum, in three stores (see
     * {@link #setTotLenAndChecksum}).
     */
    public static void build(SkBuff s, int o, int tos, int totLen, int id, int fragOff, int ttl, int protocol,
                             int saddr, int daddr) {
        long w0 = (0x45L << 56) | ((long) (tos & 0xff) << 48) | ((long) (totLen & 0xffff) << 32)
                | ((long) (id & 0xffff) << 16) | (fragOff & 0xffff);
        long w1 = ((long) (ttl & 0xff) << 56) | ((long) (protocol & 0xff) << 48) | (saddr & 0xffffffffL);
        s.setU64(o, w0);
        s.setU64(o + 8, w1);
        s.setU32(o + 16, daddr);
    }

    /** Whether the header checksum verifies (RFC 791: the sum over the header including it is zero). */
    public static boolean verifyChecksum(SkBuff s, int o) {
        return InetChecksum.ipFastCsum(s, o, ihl(s, o)) == 0;
    }

    /**
     * Linux: {@code ip_decrease_ttl()}. Decrements the TTL and patches the checksum incrementally
     * (RFC 1624) instead of recomputing it: only the TTL/protocol word changed. Returns the new TTL.
     */
    public static int decreaseTtl(SkBuff s, int o) {
        int oldWord = s.u16(o + TTL);
        int newWord = oldWord - 0x0100;
        s.setU16(o + TTL, newWord);
        s.setU16(o + CHECK, InetChecksum.csumReplace2(s.u16(o + CHECK), oldWord, newWord));
        return newWord >>> 8;
    }

    // ------------------------------------------------------------ instance view (tests, slow paths)

    public int version() {
        return version(skb, off);
    }

    public int ihl() {
        return ihl(skb, off);
    }

    public int headerLength() {
        return headerLength(skb, off);
    }

    public int typeOfService() {
        return tos(skb, off);
    }

    public int dscp() {
        return tos(skb, off) >>> 2;
    }

    public int ecn() {
        return tos(skb, off) & 3;
    }

    public int totalLength() {
        return totalLength(skb, off);
    }

    public int identification() {
        return identification(skb, off);
    }

    public boolean dontFragment() {
        return (fragOff(skb, off) & IP_DF) != 0;
    }

    public boolean moreFragments() {
        return (fragOff(skb, off) & IP_MF) != 0;
    }

    /** Fragment offset in 8-byte units, as on the wire. */
    public int fragmentOffset() {
        return fragOff(skb, off) & IP_OFFSET;
    }

    public int timeToLive() {
        return timeToLive(skb, off);
    }

    public int protocol() {
        return protocol(skb, off);
    }

    public int headerChecksum() {
        return headerChecksum(skb, off);
    }

    public int sourceAddress() {
        return sourceAddress(skb, off);
    }

    public int destinationAddress() {
        return destinationAddress(skb, off);
    }

    public boolean verifyChecksum() {
        return verifyChecksum(skb, off);
    }

    public void fillChecksum() {
        fillChecksum(skb, off);
    }

    public void setTypeOfService(int v) {
        skb.setU8(off + TOS, v);
    }

    public void setTotalLength(int v) {
        skb.setU16(off + TOT_LEN, v);
    }

    public void setIdentification(int v) {
        skb.setU16(off + ID, v);
    }

    public void setTimeToLive(int v) {
        skb.setU8(off + TTL, v);
    }

    public void setSourceAddress(int a) {
        skb.setU32(off + SADDR, a);
    }

    public void setDestinationAddress(int a) {
        skb.setU32(off + DADDR, a);
    }

    public int decreaseTtl() {
        return decreaseTtl(skb, off);
    }
}
