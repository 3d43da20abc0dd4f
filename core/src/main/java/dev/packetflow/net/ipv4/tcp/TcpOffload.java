package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ipv4.Ipv4Header;

/**
 * Software segmentation of a TCP/IPv4 GSO super-packet into the wire packets a TSO-capable NIC
 * would have made of it: {@code inet_gso_segment()} (IPv4: total length, identification counting
 * up from the super-packet's, header checksum) and {@code tcp_gso_segment()} (TCP: each segment's
 * sequence number, CWR only on the first segment, FIN and PSH only on the last, the full checksum
 * of each segment).
 *
 * <p>Linux: {@code net/ipv4/af_inet.c inet_gso_segment()}, {@code net/ipv4/tcp_offload.c
 * tcp_gso_segment()} / {@code tcp4_gso_segment()}, {@code net/core/skbuff.c skb_segment()}.
 */
public final class TcpOffload {
    private TcpOffload() {}

    /**
     * Linux: {@code inet_gso_segment()} + {@code tcp_gso_segment()} + {@code skb_segment()}. Cuts
     * {@code skb} (data at its first header, network and transport headers set, {@code gsoSize}
     * the MSS) into segments of at most {@code gsoSize} payload bytes, each a private copy of all
     * headers in front of the payload, linked through {@link SkBuff#next}. Returns the first
     * segment, or null when the packet is not a well-formed TCP/IPv4 GSO packet or memory ran out
     * (nothing allocated then is left behind). {@code skb} itself is not freed.
     */
    public static SkBuff segment(SkBuff skb) {
        int nh = skb.networkHeader;
        int th = skb.transportHeader;
        int mss = skb.gsoSize;
        if (mss <= 0 || nh < skb.data || th < nh + Ipv4Header.MIN_LEN || th + TcpHeader.MIN_LEN > skb.tail) {
            return null;
        }
        if (Ipv4Header.version(skb, nh) != 4 || Ipv4Header.protocol(skb, nh) != 6
                || nh + Ipv4Header.headerLength(skb, nh) != th) {
            return null;
        }
        int doff = TcpHeader.doff(skb, th);
        if (doff < TcpHeader.MIN_LEN || th + doff > skb.tail) {
            return null;
        }
        int hdr = th + doff - skb.data;
        int payload = skb.len() - hdr;
        if (payload <= 0) {
            return null;
        }
        int id = Ipv4Header.identification(skb, nh);
        int seq = TcpHeader.seq(skb, th);
        int flags = TcpHeader.flags(skb, th);
        int saddr = Ipv4Header.sourceAddress(skb, nh);
        int daddr = Ipv4Header.destinationAddress(skb, nh);
        SkBuff first = null;
        SkBuff last = null;
        for (int off = 0; off < payload; off += mss) {
            int plen = Math.min(mss, payload - off);
            SkBuff s = Skb.segmentAppend(skb, first, last, hdr, off, plen);
            if (s == null) {
                return null; // out of memory: the segments made so far are freed
            }
            int snh = s.networkHeader;
            int sth = s.transportHeader;
            // inet_gso_segment(): identification counts up (no SKB_GSO_TCP_FIXEDID), own length
            s.setU16(snh + 4, id);
            id = (id + 1) & 0xffff;
            Ipv4Header.setTotLenAndChecksum(s, snh, th + doff - nh + plen);
            // tcp_gso_segment(): CWR on the first only, FIN and PSH on the last only
            int f = flags;
            if (off != 0) {
                f &= ~TcpHeader.CWR;
            }
            if (off + plen < payload) {
                f &= ~(TcpHeader.FIN | TcpHeader.PSH);
            }
            s.setU32(sth + 4, seq + off);
            s.setU8(sth + 13, f);
            TcpHeader.fillChecksum(s, sth, doff + plen, saddr, daddr);
            s.ipSummed = SkBuff.CHECKSUM_UNNECESSARY;
            if (first == null) {
                first = s;
            }
            last = s;
        }
        return first;
    }
}
