package dev.packetflow.drivers.net.tap;

import dev.packetflow.net.core.SkBuff;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The virtio-net header a TAP opened with {@code IFF_VNET_HDR} puts in front of every frame, in
 * both directions: how the sender's offloads (checksum, segmentation) travel with the frame.
 *
 * <pre>
 *  0        1          2            4            6              8               10            12
 *  +--------+----------+------------+------------+--------------+---------------+-------------+
 *  | flags  | gso_type | hdr_len    | gso_size   | csum_start   | csum_offset   | num_buffers |
 *  +--------+----------+------------+------------+--------------+---------------+-------------+
 *                                                                 (10-byte header ends here;
 *                                                                  12 with VIRTIO_NET_F_MRG_RXBUF)
 * </pre>
 *
 * {@code csum_start} counts from the first byte of the Ethernet header; the 16-bit checksum goes
 * at {@code csum_start + csum_offset} and covers everything from {@code csum_start} to the end of
 * the frame, starting from what the field holds (the pseudo-header sum). Fields are in the byte
 * order of the host (legacy virtio; the kernel's {@code tun_is_little_endian()} on x86-64/arm64).
 *
 * <p>Segmentation: packetflow offers TCPv4 segmentation offload ({@code TUNSETOFFLOAD} with
 * {@code TUN_F_TSO4}), so the kernel may send TCP super-packets of up to 64 KB
 * ({@code gso_type} TCPV4, {@code gso_size} the MSS, {@code hdr_len} the headers,
 * {@code NEEDS_CSUM}), which {@link #rxGsoSize} maps to a GSO skb; our own GSO skbs leave the
 * same way ({@link #fromSkb}) and the kernel segments them. ECN, UDP and TCPv6 GSO are refused.
 *
 * <p>Linux: {@code include/uapi/linux/virtio_net.h}, {@code include/linux/virtio_net.h}
 * ({@code virtio_net_hdr_to_skb()}, {@code virtio_net_hdr_from_skb()}).
 */
final class VirtioNetHdr {
    static final int SIZE = 10;
    static final int SIZE_MRG_RXBUF = 12;

    static final int F_NEEDS_CSUM = 1;
    static final int F_DATA_VALID = 2;

    static final int GSO_NONE = 0;
    static final int GSO_TCPV4 = 1;
    static final int GSO_UDP = 3;
    static final int GSO_TCPV6 = 4;
    static final int GSO_ECN = 0x80;

    static final int FLAGS = 0;
    static final int GSO_TYPE = 1;
    static final int HDR_LEN = 2;
    static final int GSO_SIZE = 4;
    static final int CSUM_START = 6;
    static final int CSUM_OFFSET = 8;

    /** {@link #rxChecksum} results beside the CHECKSUM_* values. */
    /** The header asks for something we never offered (GSO). */
    static final int BAD_GSO = -1;
    /** {@code csum_start}/{@code csum_offset} point outside the frame. */
    static final int BAD_CSUM = -2;

    private static final ValueLayout.OfShort U16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfLong BE64 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt BE32 =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort BE16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private VirtioNetHdr() {}

    /**
     * Linux: {@code virtio_net_hdr_from_skb()}. Writes the header for {@code skb} (data at the
     * Ethernet header) into {@code hdr} ({@code size} bytes). A CHECKSUM_PARTIAL skb becomes
     * {@code NEEDS_CSUM} with its {@code csum_start}/{@code csum_offset}: the kernel finishes the
     * checksum, or does not need to. Returns false when the skb cannot be described (a GSO skb, or
     * a checksum position outside the frame).
     */
    static boolean fromSkb(MemorySegment hdr, int size, SkBuff skb) {
        hdr.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 0L);
        hdr.set(U16, 8, (short) 0);
        if (size > SIZE) {
            hdr.set(U16, SIZE, (short) 0);
        }
        if (skb.gsoSize != 0) {
            // A TCP/IPv4 super-packet: the kernel segments it (tun_get_user() →
            // virtio_net_hdr_to_skb() → GSO); it needs the partial checksum to finish per segment.
            int th = skb.transportHeader;
            if (skb.gsoType != SkBuff.SKB_GSO_TCPV4 || skb.ipSummed != SkBuff.CHECKSUM_PARTIAL
                    || th < skb.data || th + 20 > skb.tail || skb.gsoSize > 0xffff) {
                return false;
            }
            int hdrLen = th - skb.data + ((skb.u8(th + 12) >>> 4) << 2);
            hdr.set(ValueLayout.JAVA_BYTE, GSO_TYPE, (byte) GSO_TCPV4);
            hdr.set(U16, HDR_LEN, (short) hdrLen);
            hdr.set(U16, GSO_SIZE, (short) skb.gsoSize);
        }
        if (skb.ipSummed == SkBuff.CHECKSUM_PARTIAL) {
            int start = skb.csumStart - skb.data;
            if (start < 0 || start + skb.csumOffset + 2 > skb.len() || start > 0xffff) {
                return false;
            }
            hdr.set(ValueLayout.JAVA_BYTE, FLAGS, (byte) F_NEEDS_CSUM);
            hdr.set(U16, CSUM_START, (short) start);
            hdr.set(U16, CSUM_OFFSET, (short) skb.csumOffset);
        }
        return true;
    }

    /**
     * Linux: {@code virtio_net_hdr_to_skb()} for a received frame: the header at {@code hdrOff} of
     * {@code seg}, the frame ({@code len} bytes, from the Ethernet header) at {@code data}. Returns
     * the skb's {@code ip_summed}, or {@link #BAD_GSO}/{@link #BAD_CSUM} for a header that must not
     * be trusted.
     *
     * <p>{@code DATA_VALID}: the kernel already verified the checksums, so
     * {@code CHECKSUM_UNNECESSARY}. {@code NEEDS_CSUM}: the kernel left the checksum for "hardware"
     * to fill in, and packetflow is the hardware here: it completes the checksum in software
     * ({@link #checksumHelp}) and reports {@code CHECKSUM_UNNECESSARY}. (Linux keeps such a frame
     * {@code CHECKSUM_PARTIAL}, which its receive path accepts as valid.) Completing it once here
     * makes the bytes right for every consumer (packet capture, forwarding) and spares every upper
     * layer a partial-checksum case. A GSO super-packet is the exception: it stays
     * {@code CHECKSUM_PARTIAL} (the caller sets {@code csumStart}/{@code csumOffset} from
     * {@link #csumStart}/{@link #csumOffset}), because segmentation recomputes every segment's
     * checksum and local TCP accepts a partial one.
     */
    static int rxChecksum(MemorySegment seg, int hdrOff, int data, int len) {
        int flags = seg.get(ValueLayout.JAVA_BYTE, hdrOff + FLAGS) & 0xff;
        int gsoType = seg.get(ValueLayout.JAVA_BYTE, hdrOff + GSO_TYPE) & 0xff;
        if (gsoType != GSO_NONE && (gsoType != GSO_TCPV4 || (flags & F_NEEDS_CSUM) == 0)) {
            return BAD_GSO;
        }
        if ((flags & F_NEEDS_CSUM) != 0) {
            int start = seg.get(U16, hdrOff + CSUM_START) & 0xffff;
            int off = seg.get(U16, hdrOff + CSUM_OFFSET) & 0xffff;
            if (start + off + 2 > len) {
                return BAD_CSUM;
            }
            if (gsoType != GSO_NONE) {
                // A super-packet stays CHECKSUM_PARTIAL, as in Linux: whoever segments it
                // computes each segment's checksum, and local TCP trusts it; summing 64 KB here
                // would be work nobody needs.
                return SkBuff.CHECKSUM_PARTIAL;
            }
            checksumHelp(seg, data + start, data + len, off);
            return SkBuff.CHECKSUM_UNNECESSARY;
        }
        return (flags & F_DATA_VALID) != 0 ? SkBuff.CHECKSUM_UNNECESSARY : SkBuff.CHECKSUM_NONE;
    }

    /** {@code csum_start} of a received header (from the Ethernet header). */
    static int csumStart(MemorySegment seg, int hdrOff) {
        return seg.get(U16, hdrOff + CSUM_START) & 0xffff;
    }

    /** {@code csum_offset} of a received header. */
    static int csumOffset(MemorySegment seg, int hdrOff) {
        return seg.get(U16, hdrOff + CSUM_OFFSET) & 0xffff;
    }

    /**
     * Linux: the GSO half of {@code virtio_net_hdr_to_skb()}: for a received TCPv4 super-packet
     * (frame of {@code len} bytes at {@code data}, Ethernet first), its segment size, or 0 for
     * an ordinary frame, or {@link #BAD_GSO} when the header does not describe a TCP/IPv4
     * packet longer than one segment ({@code hdr_len} beyond the frame, a zero
     * {@code gso_size}, not IPv4/TCP, an IPv4 or TCP header that is short or not inside the
     * frame). Only TCPV4 gets here ({@link #rxChecksum} refused the
     * others).
     */
    static int rxGsoSize(MemorySegment seg, int hdrOff, int data, int len) {
        int gsoType = seg.get(ValueLayout.JAVA_BYTE, hdrOff + GSO_TYPE) & 0xff;
        if (gsoType == GSO_NONE) {
            return 0;
        }
        int gsoSize = seg.get(U16, hdrOff + GSO_SIZE) & 0xffff;
        int hdrLen = seg.get(U16, hdrOff + HDR_LEN) & 0xffff;
        if (gsoSize == 0 || hdrLen > len || len < 14 + 20 + 20
                || (seg.get(BE16, data + 12) & 0xffff) != 0x0800
                || (seg.get(ValueLayout.JAVA_BYTE, data + 14 + 9) & 0xff) != 6) {
            return BAD_GSO;
        }
        // TapRx reads both headers to count the segments: they must lie inside the frame and be
        // well formed (Linux pulls csum_start + the TCP header here and has tcp_gso_segment()
        // refuse a bad data offset later, for a SKB_GSO_DODGY packet).
        int th = 14 + ((seg.get(ValueLayout.JAVA_BYTE, data + 14) & 15) << 2);
        if (th < 14 + 20 || th + 20 > len) {
            return BAD_GSO;
        }
        int doff = (seg.get(ValueLayout.JAVA_BYTE, data + th + 12) & 0xf0) >>> 2;
        if (doff < 20 || th + doff > len) {
            return BAD_GSO;
        }
        return gsoSize;
    }

    /**
     * Linux: {@code skb_checksum_help()}. Completes a partial checksum: sums the bytes from
     * absolute offset {@code start} to {@code end} (the checksum field, holding the pseudo-header
     * sum, included), and stores the complement at {@code start + csumOffset}; a result of 0 is
     * sent as 0xffff ({@code CSUM_MANGLED_0}; for UDP a 0 would mean "no checksum"). The caller
     * checked the bounds.
     */
    static void checksumHelp(MemorySegment seg, int start, int end, int csumOffset) {
        long sum = sum(seg, start, end - start);
        int folded = ~fold(sum) & 0xffff;
        seg.set(BE16, start + csumOffset, (short) (folded == 0 ? 0xffff : folded));
    }

    /**
     * The 16-bit one's complement sum (RFC 1071) of {@code len} bytes at {@code off}, not yet
     * folded: summing 32-bit big-endian words and folding at the end gives the same result as
     * 16-bit words, with a quarter of the additions. Linux: {@code csum_partial()}.
     */
    static long sum(MemorySegment seg, long off, int len) {
        long acc = 0;
        long p = off;
        long end = off + len;
        while (end - p >= 8) {
            long v = seg.get(BE64, p);
            acc += (v >>> 32) + (v & 0xffff_ffffL);
            p += 8;
        }
        if (end - p >= 4) {
            acc += seg.get(BE32, p) & 0xffff_ffffL;
            p += 4;
        }
        if (end - p >= 2) {
            acc += seg.get(BE16, p) & 0xffff;
            p += 2;
        }
        if (end - p == 1) {
            acc += (seg.get(ValueLayout.JAVA_BYTE, p) & 0xff) << 8;
        }
        return acc;
    }

    /** Folds a sum from {@link #sum} to 16 bits (without complementing). Linux: {@code csum_fold()} sans ~. */
    static int fold(long acc) {
        acc = (acc & 0xffff_ffffL) + (acc >>> 32);
        acc = (acc & 0xffff_ffffL) + (acc >>> 32);
        int s = (int) ((acc & 0xffff) + (acc >>> 16));
        s = (s & 0xffff) + (s >>> 16);
        return (s & 0xffff) + (s >>> 16);
    }
}
