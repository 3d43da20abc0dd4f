package dev.packetflow.net.ipv4;

import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.socket.Errno;

/**
 * Software segmentation of a UDP/IPv4 GSO super-packet ({@link SkBuff#SKB_GSO_UDP_L4}, built by
 * a {@code UDP_SEGMENT} send) into the datagrams it stands for: each a full copy of the headers in
 * front of {@code gsoSize} bytes of payload (the last one shorter), with its own IP total length,
 * identification (counting up from the super-packet's, as {@code inet_gso_segment()} numbers
 * them), IP header checksum, UDP length and UDP checksum.
 *
 * <p>Used on transmit for a device without {@code NETIF_F_GSO_UDP_L4} ({@code validate_xmit_skb}
 * → {@code skb_gso_segment}), and on receive when a super-packet that crossed a veth or the
 * loopback whole reaches a socket without {@code UDP_GRO} ({@code udp_rcv_segment}), so that its
 * application reads the separate datagrams. A socket with {@code UDP_GRO} takes it whole
 * ({@link #unexpectedGso}). Only super-packets built by a {@code UDP_SEGMENT} sender arrive
 * whole: separate datagrams arriving on a device are not coalesced ({@code udp_gro_receive}, the
 * NAPI-level GRO, is not implemented), so they reach a {@code UDP_GRO} socket one by one, without
 * the control message.
 *
 * <p>Linux: {@code net/ipv4/udp_offload.c __udp_gso_segment()} / {@code udp4_ufo_fragment()},
 * {@code net/ipv4/af_inet.c inet_gso_segment()}, {@code net/core/skbuff.c skb_segment()}.
 */
public final class UdpOffload {
    private UdpOffload() {}

    /**
     * Linux: the {@code UDP_SEGMENT} checks of {@code udp_send_skb()}, for a datagram of
     * {@code datalen} payload bytes sent with segment size {@code gso}: EINVAL when one segment
     * would not fit {@code pathMtu}, for more than {@link Udp#UDP_MAX_SEGMENTS} segments, or with
     * {@code SO_NO_CHECK}; EIO when the payload needs more than one segment and the route's device
     * cannot checksum ({@code devCsum} false: the super-packet could not be
     * {@code CHECKSUM_PARTIAL}; Linux before 6.11). A payload longer than {@code gso} makes
     * {@code skb} a GSO super-packet ({@link SkBuff#SKB_GSO_UDP_L4}). Returns the number of
     * segments (1 when it fits one), or -errno; {@code skb} is the caller's either way.
     */
    static int udpSendGso(UdpSock sk, SkBuff skb, int datalen, int gso, int pathMtu, boolean devCsum) {
        if (Ipv4Header.MIN_LEN + UdpHeader.LEN + Math.min(datalen, gso) > pathMtu
                || datalen > gso * Udp.UDP_MAX_SEGMENTS || sk.noCheckTx) {
            return Errno.EINVAL.neg();
        }
        if (datalen <= gso) {
            return 1;
        }
        if (!devCsum) {
            return Errno.EIO.neg();
        }
        int segs = (datalen + gso - 1) / gso;
        skb.gsoSize = gso;
        skb.gsoType = SkBuff.SKB_GSO_UDP_L4;
        skb.gsoSegs = segs;
        return segs;
    }

    /**
     * Linux: {@code include/net/udp.h udp_unexpected_gso()}: whether a super-packet reaching
     * {@code sk} must be cut into its datagrams ({@code udp_rcv_segment}) before it is queued:
     * always, unless the socket has {@code UDP_GRO} on ({@code ACCEPT_L4}) and it is a
     * {@link SkBuff#SKB_GSO_UDP_L4} packet. False for a plain datagram, at the cost of one field
     * read.
     */
    static boolean unexpectedGso(UdpSock sk, SkBuff skb) {
        return skb.gsoSize != 0 && ((skb.gsoType & SkBuff.SKB_GSO_UDP_L4) == 0 || !sk.groEnabled);
    }

    /**
     * Linux: {@code inet_gso_segment()} + {@code __udp_gso_segment()} + {@code skb_segment()}.
     * Cuts {@code skb} (data at its first header, network and transport headers set) into
     * datagrams of at most {@code gsoSize} payload bytes, linked through {@link SkBuff#next}.
     * A {@code CHECKSUM_PARTIAL} super-packet gives {@code CHECKSUM_PARTIAL} segments when
     * {@code hwCsum} (the device, or the receiving socket, will finish or trust them); otherwise
     * each segment's checksum is computed here (0 sent as 0xffff) and it leaves as
     * {@code CHECKSUM_NONE}. Returns the first segment, or null when the packet is not a
     * well-formed UDP/IPv4 GSO packet of more than one segment, or memory ran out (nothing
     * allocated is left behind). {@code skb} itself is not freed.
     */
    public static SkBuff segment(SkBuff skb, boolean hwCsum) {
        int nh = skb.networkHeader;
        int th = skb.transportHeader;
        int mss = skb.gsoSize;
        if (mss <= 0 || (skb.gsoType & SkBuff.SKB_GSO_UDP_L4) == 0 || nh < skb.data
                || th < nh + Ipv4Header.MIN_LEN || th + UdpHeader.LEN > skb.tail) {
            return null;
        }
        if (Ipv4Header.version(skb, nh) != 4 || Ipv4Header.protocol(skb, nh) != Ipv4Header.IPPROTO_UDP
                || nh + Ipv4Header.headerLength(skb, nh) != th) {
            return null;
        }
        boolean partial = skb.ipSummed == SkBuff.CHECKSUM_PARTIAL;
        // __udp_gso_segment(): a single segment is no GSO packet; a partial checksum must start
        // at the UDP header (anything else would be a tunnel, not handled here)
        int payload = skb.tail - th - UdpHeader.LEN;
        if (payload <= mss || (partial && skb.csumStart != th)) {
            return null;
        }
        int hdr = th + UdpHeader.LEN - skb.data;
        int id = Ipv4Header.identification(skb, nh);
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
            // inet_gso_segment(): identification counts up (UDP_L4 is never FIXEDID), own length
            s.setU16(snh + 4, id);
            id = (id + 1) & 0xffff;
            Ipv4Header.setTotLenAndChecksum(s, snh, th - nh + UdpHeader.LEN + plen);
            int ulen = UdpHeader.LEN + plen;
            s.setU16(sth + UdpHeader.LENGTH, ulen);
            if (partial && hwCsum) {
                Udp.udp4Hwcsum(s, sth, ulen, saddr, daddr); // gso_reset_checksum()
            } else {
                UdpHeader.fillChecksum(s, sth, ulen, saddr, daddr); // gso_make_checksum(), CSUM_MANGLED_0
                s.ipSummed = SkBuff.CHECKSUM_NONE;
            }
            if (first == null) {
                first = s;
            }
            last = s;
        }
        return first;
    }
}
