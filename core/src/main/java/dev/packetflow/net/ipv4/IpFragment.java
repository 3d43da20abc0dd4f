package dev.packetflow.net.ipv4;

import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.Mib;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.trace.Trace;
import dev.packetflow.trace.Tracepoint;

/**
 * Fragmentation on output (RFC 791 section 3.2, "Fragmentation and Reassembly"): a datagram
 * larger than the outgoing MTU is cut into fragments whose data lengths are multiples of 8 bytes,
 * each with a copy of the header, the same identification, its offset in 8-byte units and MF set on
 * all but the last (the original MF is kept on the last, so re-fragmenting a fragment works). Non-
 * first fragments carry only the options marked "copied" (the others become NOPs).
 *
 * <p>Linux: {@code net/ipv4/ip_output.c ip_fragment()}, {@code ip_do_fragment()} (its slow path:
 * one new buffer per fragment), {@code ip_options.c ip_options_fragment()}.
 */
final class IpFragment {
    static final Tracepoint IP_FRAGMENT = Trace.point("ip_fragment");
    static final Tracepoint IP_DO_FRAGMENT = Trace.point("ip_do_fragment");

    /** Headroom of each fragment buffer: the link header and some slack for encapsulation. */
    private static final int FRAG_HEADROOM = 64;

    private final NetStack net;
    private final Ipv4 ipv4;
    private final Mib ip;

    IpFragment(NetStack net, Ipv4 ipv4) {
        this.net = net;
        this.ipv4 = ipv4;
        this.ip = ipv4.ipMib;
    }

    /**
     * Linux: {@code ip_fragment()}. A datagram with DF that the sender did not allow us to fragment
     * (IP_PMTUDISC_DO) is refused: FragFails, ICMP "fragmentation needed" with the MTU to the
     * sender (that is, to ourselves, so the socket learns it), drop with PKT_TOO_BIG.
     */
    int ipFragment(SkBuff skb, int mtu) {
        if (IP_FRAGMENT.enabled) {
            IP_FRAGMENT.fire(net, skb, mtu);
        }
        int nh = skb.data;
        boolean df = (Ipv4Header.fragOff(skb, nh) & Ipv4Header.IP_DF) != 0;
        if (df && ((skb.cb0 & Ipv4.IPSKB_IGNORE_DF) == 0 || skb.cb1 > mtu)) {
            ip.inc(IpMib.FRAG_FAILS);
            ipv4.icmp().icmpSend(skb, IcmpHeader.ICMP_DEST_UNREACH, IcmpHeader.ICMP_FRAG_NEEDED, mtu);
            Skb.kfreeSkb(skb, DropReason.PKT_TOO_BIG);
            return Errno.EMSGSIZE.neg();
        }
        return ipDoFragment(skb, mtu);
    }

    /**
     * Linux: {@code ip_do_fragment()}. Builds and sends each fragment through
     * {@code ip_finish_output2}; counts FragCreates per fragment and FragOKs (or FragFails) per
     * datagram. Consumes the original.
     */
    int ipDoFragment(SkBuff skb, int mtu) {
        if (IP_DO_FRAGMENT.enabled) {
            IP_DO_FRAGMENT.fire(net, skb, mtu);
        }
        int nh = skb.data;
        int hlen = Ipv4Header.headerLength(skb, nh);
        int left = skb.len() - hlen;
        int room = (mtu - hlen) & ~7;
        if (room < 8) {
            ip.inc(IpMib.FRAG_FAILS);
            Skb.kfreeSkb(skb, DropReason.PKT_TOO_BIG);
            return Errno.EMSGSIZE.neg();
        }
        int origFo = Ipv4Header.fragOff(skb, nh);
        int offset = (origFo & Ipv4Header.IP_OFFSET) << 3;
        boolean notLast = (origFo & Ipv4Header.IP_MF) != 0;
        boolean keepDf = (skb.cb0 & Ipv4.IPSKB_FRAG_PMTU) != 0;
        int ptr = nh + hlen;
        int err = 0;
        boolean first = true;
        while (left > 0) {
            int len = Math.min(left, room);
            SkBuff f = net.pool().alloc(FRAG_HEADROOM + hlen + len);
            if (f == null) {
                err = Errno.ENOBUFS.neg();
                break;
            }
            f.reserve(FRAG_HEADROOM);
            int fo = f.put(hlen + len);
            f.write(fo, skb, nh, hlen);
            if (!first) {
                optionsFragment(f, fo, hlen);
            }
            f.write(fo + hlen, skb, ptr, len);
            left -= len;
            int word = (offset >> 3) | (left > 0 || notLast ? Ipv4Header.IP_MF : 0) | (keepDf ? Ipv4Header.IP_DF : 0);
            f.setU16(fo + Ipv4Header.FRAG_OFF, word);
            f.setU16(fo + Ipv4Header.TOT_LEN, hlen + len);
            Ipv4Header.fillChecksum(f, fo);
            copyMetadata(f, skb, fo);
            ip.inc(IpMib.FRAG_CREATES);
            int rc = ipv4.output().ipFinishOutput2(f);
            if (rc != 0 && err == 0) {
                err = rc;
            }
            ptr += len;
            offset += len;
            first = false;
        }
        if (err == 0 && left == 0) {
            ip.inc(IpMib.FRAG_OKS);
            Skb.consumeSkb(skb);
            return 0;
        }
        ip.inc(IpMib.FRAG_FAILS);
        Skb.kfreeSkb(skb, err == Errno.ENOBUFS.neg() ? DropReason.NOMEM : DropReason.NOT_SPECIFIED);
        return err;
    }

    /** Linux: {@code ip_copy_metadata()}. */
    private static void copyMetadata(SkBuff to, SkBuff from, int nh) {
        to.networkHeader = nh;
        to.transportHeader = nh + Ipv4Header.headerLength(to, nh);
        to.dev = from.dev;
        to.dst = from.dst;
        to.protocol = from.protocol;
        to.pktType = from.pktType;
        to.priority = from.priority;
        to.mark = from.mark;
        to.tstampNs = from.tstampNs;
        to.journey = from.journey;
        to.cb0 = from.cb0;
    }

    /**
     * Linux: {@code ip_options_fragment()}: in fragments after the first, options without the
     * "copied" flag are overwritten with NOPs (RFC 791: such options appear in the first fragment
     * only).
     */
    private static void optionsFragment(SkBuff f, int nh, int hlen) {
        int p = nh + Ipv4Header.MIN_LEN;
        int end = nh + hlen;
        while (p < end) {
            int type = f.u8(p);
            if (type == Ipv4Header.IPOPT_END) {
                return;
            }
            if (type == Ipv4Header.IPOPT_NOOP) {
                p++;
                continue;
            }
            if (p + 1 >= end) {
                return;
            }
            int olen = f.u8(p + 1);
            if (olen < 2 || p + olen > end) {
                return;
            }
            if ((type & Ipv4Header.IPOPT_COPY) == 0) {
                for (int i = 0; i < olen; i++) {
                    f.setU8(p + i, Ipv4Header.IPOPT_NOOP);
                }
            }
            p += olen;
        }
    }
}
