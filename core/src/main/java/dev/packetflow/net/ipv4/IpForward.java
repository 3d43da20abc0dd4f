package dev.packetflow.net.ipv4;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.Mib;
import dev.packetflow.net.core.PacketType;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.netfilter.Netfilter;
import dev.packetflow.trace.Trace;

/**
 * Forwarding: the input function of routes to other hosts when {@code ip_forward} is 1.
 *
 * <pre>
 * ip_route_input ─► ip_forward (TTL, MTU, TTL-1) ─► NF_INET_FORWARD ─► ip_forward_finish ─► dst_output ─► ip_output ...
 * </pre>
 *
 * The packet is forwarded in the buffer it arrived in: only the TTL and checksum change, patched
 * incrementally (RFC 1624), and the buffer is copied only if a clone shares it. This is the path
 * benchmarked at millions of packets per second: no allocation, no lock of its own.
 *
 * <p>Linux: {@code net/ipv4/ip_forward.c}.
 */
final class IpForward {
    private final NetStack net;
    private final Ipv4 ipv4;
    private final Mib ip;

    IpForward(NetStack net, Ipv4 ipv4) {
        this.net = net;
        this.ipv4 = ipv4;
        this.ip = ipv4.ipMib;
    }

    /**
     * Linux: {@code ip_forward()}. RFC 1812 5.3.1: a packet whose TTL would reach zero is dropped
     * and answered with ICMP time exceeded (InHdrErrors). A packet larger than the outgoing MTU
     * with DF set is answered with "fragmentation needed" carrying the next-hop MTU (RFC 1191,
     * FragFails); without DF it is fragmented on output.
     */
    int ipForward(SkBuff skb) {
        if (Trace.IP_FORWARD.enabled) {
            Trace.IP_FORWARD.fire(net, skb, 0);
        }
        if (skb.pktType != SkBuff.PACKET_HOST) {
            Skb.kfreeSkb(skb, DropReason.NOT_SPECIFIED);
            return PacketType.NET_RX_DROP;
        }
        int nh = skb.networkHeader;
        if (Ipv4Header.timeToLive(skb, nh) <= 1) {
            ip.inc(IpMib.IN_HDR_ERRORS);
            ipv4.icmp().icmpSend(skb, IcmpHeader.ICMP_TIME_EXCEEDED, IcmpHeader.ICMP_EXC_TTL, 0);
            Skb.kfreeSkb(skb, DropReason.IP_INHDR_TTL);
            return PacketType.NET_RX_DROP;
        }
        Rtable rt = (Rtable) skb.dst;
        int mtu = rt.mtu();
        if (ipExceedsMtu(skb, nh, mtu)) {
            ip.inc(IpMib.FRAG_FAILS);
            ipv4.icmp().icmpSend(skb, IcmpHeader.ICMP_DEST_UNREACH, IcmpHeader.ICMP_FRAG_NEEDED, mtu);
            Skb.kfreeSkb(skb, DropReason.PKT_TOO_BIG);
            return PacketType.NET_RX_DROP;
        }
        if (!skb.cow(IpOutput.LL_RESERVED_SPACE)) {
            Skb.kfreeSkb(skb, DropReason.NOMEM);
            return PacketType.NET_RX_DROP;
        }
        Ipv4Header.decreaseTtl(skb, skb.networkHeader);
        if ((skb.cb0 & Ipv4.IPSKB_DOREDIRECT) != 0) {
            ipRtSendRedirect(skb, rt);
        }
        skb.cb0 |= Ipv4.IPSKB_FORWARDED;
        int rc = Netfilter.nfHook(Netfilter.NF_INET_FORWARD, net, skb, skb.dev, rt.dev);
        return rc == 1 ? ipForwardFinish(net, skb) : rc;
    }

    /**
     * Linux: {@code ip_rt_send_redirect()}. RFC 1812 5.2.7.2: tells a sender on the link that the
     * nexthop is reachable directly (ICMP redirect for host), with Linux's back-off per sender.
     * The packet itself is still forwarded.
     */
    private void ipRtSendRedirect(SkBuff skb, Rtable rt) {
        int nh = skb.networkHeader;
        if (ipv4.rateLimit.redirectAllow(Ipv4Header.sourceAddress(skb, nh))) {
            ipv4.icmp().icmpSend(skb, IcmpHeader.ICMP_REDIRECT, IcmpHeader.ICMP_REDIR_HOST,
                    rt.nexthop(Ipv4Header.destinationAddress(skb, nh)));
        }
    }

    /** Linux: {@code ip_exceeds_mtu()}. */
    private static boolean ipExceedsMtu(SkBuff skb, int nh, int mtu) {
        if (skb.len() <= mtu) {
            return false;
        }
        if (skb.gsoSize != 0) {
            // skb_gso_validate_network_len(): the segments, not the aggregate, meet the MTU
            return IpOutput.gsoNetworkSegLen(skb) > mtu;
        }
        if ((Ipv4Header.fragOff(skb, nh) & Ipv4Header.IP_DF) == 0) {
            return false;
        }
        return skb.cb1 > mtu || (skb.cb0 & Ipv4.IPSKB_IGNORE_DF) == 0;
    }

    /** Linux: {@code ip_forward_finish()}: counts ForwDatagrams and sends via {@code dst_output}. */
    int ipForwardFinish(NetStack net, SkBuff skb) {
        if (Trace.IP_FORWARD_FINISH.enabled) {
            Trace.IP_FORWARD_FINISH.fire(net, skb, 0);
        }
        ip.inc(IpMib.FORW_DATAGRAMS);
        return ipv4.output().dstOutput(net, skb);
    }
}
