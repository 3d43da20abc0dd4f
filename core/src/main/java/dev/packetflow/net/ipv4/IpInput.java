package dev.packetflow.net.ipv4;

import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.LinkStats64;
import dev.packetflow.net.core.Mib;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.PacketType;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.netfilter.Netfilter;
import dev.packetflow.net.socket.Sock;
import dev.packetflow.trace.Trace;
import dev.packetflow.trace.Tracepoint;

/**
 * The IPv4 receive path, one method per kernel function and each behind its tracepoint:
 *
 * <pre>
 * ip_rcv ─► ip_rcv_core (validate) ─► NF_INET_PRE_ROUTING ─► ip_rcv_finish ─► ip_route_input
 *    ─► dst_input ─┬─► ip_local_deliver ─► [ip_defrag] ─► NF_INET_LOCAL_IN ─► ip_local_deliver_finish
 *                  │                                        ─► inet_protos[proto].handler (icmp_rcv, udp_rcv...)
 *                  ├─► ip_forward (IpForward)
 *                  └─► ip_error (no route: ICMP unreachable)
 * </pre>
 *
 * Every malformed packet is dropped with its own reason and counted as Linux counts it. Nothing
 * on this path allocates.
 *
 * <p>Linux: {@code net/ipv4/ip_input.c}, {@code route.c ip_error()}.
 */
final class IpInput {
    static final Tracepoint IP_ERROR = Trace.point("ip_error");

    private final NetStack net;
    private final Ipv4 ipv4;
    private final Mib ip;
    private final Mib ipExt;

    IpInput(NetStack net, Ipv4 ipv4) {
        this.net = net;
        this.ipv4 = ipv4;
        this.ip = ipv4.ipMib;
        this.ipExt = ipv4.ipExtMib;
    }

    /**
     * Linux: {@code ip_rcv()}, the ETH_P_IP packet handler. Validates the header, then passes the
     * packet through NF_INET_PRE_ROUTING to {@link #ipRcvFinish}.
     */
    int ipRcv(SkBuff skb, NetDevice dev) {
        if (Trace.IP_RCV.enabled) {
            Trace.IP_RCV.fire(dev, skb, 0);
        }
        if (!ipRcvCore(skb, dev)) {
            return PacketType.NET_RX_DROP;
        }
        int rc = Netfilter.nfHook(Netfilter.NF_INET_PRE_ROUTING, net, skb, dev, null);
        return rc == 1 ? ipRcvFinish(net, skb) : rc;
    }

    /**
     * Linux: {@code ip_rcv_core()}. RFC 1122 3.2.1.1-3.2.1.2 header checks, in the kernel's order;
     * each failure has its own drop reason and counter:
     * <ul>
     * <li>frame for another host's MAC: OTHERHOST (device {@code rx_otherhost_dropped})
     * <li>shorter than 20 bytes: PKT_TOO_SMALL, InHdrErrors
     * <li>version not 4: IP_INHDR_VERSION, InHdrErrors
     * <li>IHL below 5 or beyond the packet: IP_INHDR_IHL, InHdrErrors
     * <li>bad header checksum: IP_CSUM, InCsumErrors and InHdrErrors
     * <li>total length beyond the packet: IP_INHDR_TOTLEN, InTruncatedPkts
     * <li>total length shorter than the header: IP_INHDR_TOTLEN, InHdrErrors
     * </ul>
     * Link-layer padding beyond the total length is trimmed. Returns false when the packet was dropped.
     */
    boolean ipRcvCore(SkBuff skb, NetDevice dev) {
        if (skb.pktType == SkBuff.PACKET_OTHERHOST) {
            dev.stats().inc(LinkStats64.RX_OTHERHOST_DROPPED);
            Skb.kfreeSkb(skb, DropReason.OTHERHOST);
            return false;
        }
        if (skb.pktType == SkBuff.PACKET_LOOPBACK) {
            // Looped back by ourselves: keep the output route (lo keeps skb_dst) and look local.
            skb.pktType = SkBuff.PACKET_HOST;
        } else if (dev.type() != NetDevice.ARPHRD_LOOPBACK) {
            skb.dst = null;
        }
        // A packet sent through the lo device keeps its output route too (loopback_xmit():
        // skb_dst_force()), so ip_rcv_finish does not route it again: a route lookup would call
        // 127.0.0.1 a martian destination, which it is only when it comes from a wire.
        int len = skb.len();
        ip.inc(IpMib.IN_RECEIVES);
        int nh = skb.data;
        skb.networkHeader = nh;
        if (len < Ipv4Header.MIN_LEN) {
            ipExt.add(IpMib.EXT_IN_OCTETS, len);
            return inhdrError(skb, DropReason.PKT_TOO_SMALL);
        }
        int vihl = skb.u8(nh);
        if ((vihl >>> 4) != 4) {
            ipExt.add(IpMib.EXT_IN_OCTETS, len);
            return inhdrError(skb, DropReason.IP_INHDR_VERSION);
        }
        int hl = (vihl & 0x0f) << 2;
        if (hl < Ipv4Header.MIN_LEN || hl > len) {
            ipExt.add(IpMib.EXT_IN_OCTETS, len);
            return inhdrError(skb, DropReason.IP_INHDR_IHL);
        }
        // InOctets and the ECN codepoint's counter in one go.
        ipExt.add(IpMib.EXT_IN_OCTETS, len, IpMib.EXT_IN_NOECT_PKTS + (skb.u8(nh + Ipv4Header.TOS) & 3), 1);
        if (InetChecksum.ipFastCsum(skb, nh, hl >>> 2) != 0) {
            ipExt.inc(IpMib.EXT_IN_CSUM_ERRORS);
            return inhdrError(skb, DropReason.IP_CSUM);
        }
        int tot = skb.u16(nh + Ipv4Header.TOT_LEN);
        if (tot > len) {
            ipExt.inc(IpMib.EXT_IN_TRUNCATED_PKTS);
            Skb.kfreeSkb(skb, DropReason.IP_INHDR_TOTLEN);
            return false;
        }
        if (tot < hl) {
            return inhdrError(skb, DropReason.IP_INHDR_TOTLEN);
        }
        if (tot < len) {
            skb.trim(tot);
        }
        skb.transportHeader = nh + hl;
        skb.cb0 = 0;
        skb.cb1 = 0;
        return true;
    }

    private boolean inhdrError(SkBuff skb, DropReason reason) {
        ip.inc(IpMib.IN_HDR_ERRORS);
        Skb.kfreeSkb(skb, reason);
        return false;
    }

    /**
     * Linux: {@code ip_rcv_finish()}. Routes the packet unless it already carries a route (looped
     * back, or kept by the socket early demux found), then calls {@code dst_input}.
     */
    int ipRcvFinish(NetStack net, SkBuff skb) {
        if (Trace.IP_RCV_FINISH.enabled) {
            Trace.IP_RCV_FINISH.fire(net, skb, 0);
        }
        if (skb.dst == null) {
            DropReason r = ipRcvFinishCore(net, skb);
            if (r != null) {
                Skb.kfreeSkb(skb, r);
                return PacketType.NET_RX_DROP;
            }
        }
        Rtable rt = (Rtable) skb.dst;
        if (rt.type == FibRoute.RTN_BROADCAST) {
            ipExt.inc(IpMib.EXT_IN_BCAST_PKTS);
            ipExt.add(IpMib.EXT_IN_BCAST_OCTETS, skb.len());
        }
        return dstInput(skb, rt);
    }

    /**
     * Linux: {@code ip_rcv_finish_core()} for a packet without a route: early demux (the
     * protocol's {@code early_demux}, TCP's or UDP's, {@code INDIRECT_CALL_2}) for a packet nobody
     * has claimed yet, which may find the socket's kept input route; else {@code ip_route_input},
     * whose route a socket found by early demux keeps. Returns why the packet must be dropped, or
     * null with {@code skb.dst} set.
     */
    private DropReason ipRcvFinishCore(NetStack net, SkBuff skb) {
        int nh = skb.networkHeader;
        Route route = ipv4.route();
        int genid = 0;
        Sock early = null;
        if (ipv4.ipEarlyDemux != 0 && skb.sk == null && !Ipv4Header.isFragment(skb, nh)) {
            int proto = skb.u8(nh + Ipv4Header.PROTOCOL);
            if (proto == Ipv4Header.IPPROTO_TCP && ipv4.tcpEarlyDemux != 0) {
                genid = route.rtGenid(); // before routing: a change meanwhile leaves what is kept stale
                early = net.tcp().earlyDemux(skb, genid);
            } else if (proto == Ipv4Header.IPPROTO_UDP && ipv4.udpEarlyDemux != 0) {
                genid = route.rtGenid();
                early = net.udp().earlyDemux(skb, genid);
            }
            if (skb.dst != null) {
                return null; // the socket's kept route: no routing
            }
        }
        DropReason r = route.ipRouteInput(skb, skb.u32(nh + Ipv4Header.DADDR),
                skb.u32(nh + Ipv4Header.SADDR), skb.dev);
        if (r != null || early == null) {
            return r;
        }
        if (((Rtable) skb.dst).input != Rtable.INPUT_LOCAL) {
            Skb.skbOrphan(skb); // not for us after all: no socket goes along (ip_forward drops one)
        } else {
            early.skRxDstSet((Rtable) skb.dst, genid, skb.dev);
        }
        return null;
    }

    /** Linux: {@code dst_input()}: calls the route's input function. */
    int dstInput(SkBuff skb, Rtable rt) {
        switch (rt.input) {
            case Rtable.INPUT_LOCAL:
                return ipLocalDeliver(skb);
            case Rtable.INPUT_FORWARD:
                return ipv4.forward.ipForward(skb);
            default:
                return ipError(skb, rt);
        }
    }

    /**
     * Linux: {@code ip_local_deliver()}. Reassembles fragments ({@code ip_defrag}), then passes the
     * whole datagram through NF_INET_LOCAL_IN to {@link #ipLocalDeliverFinish}.
     */
    int ipLocalDeliver(SkBuff skb) {
        if (Trace.IP_LOCAL_DELIVER.enabled) {
            Trace.IP_LOCAL_DELIVER.fire(net, skb, 0);
        }
        if (Ipv4Header.isFragment(skb, skb.networkHeader)) {
            skb = ipv4.defrag.ipDefrag(skb);
            if (skb == null) {
                return PacketType.NET_RX_SUCCESS;
            }
        }
        int rc = Netfilter.nfHook(Netfilter.NF_INET_LOCAL_IN, net, skb, skb.dev, null);
        return rc == 1 ? ipLocalDeliverFinish(net, skb) : rc;
    }

    /**
     * Linux: {@code ip_local_deliver_finish()} → {@code ip_protocol_deliver_rcu()}. Pulls the IP
     * header and hands the packet to its protocol's handler. An unknown protocol gets an ICMP
     * protocol unreachable (RFC 1122 3.2.2.1) and is counted in InUnknownProtos.
     */
    int ipLocalDeliverFinish(NetStack net, SkBuff skb) {
        if (Trace.IP_LOCAL_DELIVER_FINISH.enabled) {
            Trace.IP_LOCAL_DELIVER_FINISH.fire(net, skb, 0);
        }
        int nh = skb.networkHeader;
        skb.pull(Ipv4Header.headerLength(skb, nh));
        skb.transportHeader = skb.data;
        int protocol = skb.u8(nh + Ipv4Header.PROTOCOL);
        NetProtocol p = ipv4.protocol(protocol);
        if (p != null) {
            ip.inc(IpMib.IN_DELIVERS);
            return p.handler(skb);
        }
        ip.inc(IpMib.IN_UNKNOWN_PROTOS);
        ipv4.icmp().icmpSend(skb, IcmpHeader.ICMP_DEST_UNREACH, IcmpHeader.ICMP_PROT_UNREACH, 0);
        Skb.kfreeSkb(skb, DropReason.IP_NOPROTO);
        return PacketType.NET_RX_DROP;
    }

    /**
     * Linux: {@code ip_error()}, the input function of error routes. A host (forwarding off) counts
     * InAddrErrors or InNoRoutes and drops silently; a router answers with ICMP destination
     * unreachable (net unreachable for no route, host unreachable for an unreachable route,
     * communication prohibited for a prohibit route; a blackhole stays silent), limited per source
     * by its own token bucket (one per second, burst five).
     */
    int ipError(SkBuff skb, Rtable rt) {
        if (IP_ERROR.enabled) {
            IP_ERROR.fire(net, skb, rt.error);
        }
        DropReason reason = DropReason.NOT_SPECIFIED;
        if (ipv4.ipForward() == 0) {
            if (rt.error == Errno.EHOSTUNREACH.code) {
                reason = DropReason.IP_INADDRERRORS;
                ip.inc(IpMib.IN_ADDR_ERRORS);
            } else if (rt.error == Errno.ENETUNREACH.code) {
                reason = DropReason.IP_INNOROUTES;
                ipExt.inc(IpMib.EXT_IN_NO_ROUTES);
            }
            Skb.kfreeSkb(skb, reason);
            return PacketType.NET_RX_DROP;
        }
        int code;
        switch (Errno.of(rt.error)) {
            case EHOSTUNREACH:
                code = IcmpHeader.ICMP_HOST_UNREACH;
                break;
            case ENETUNREACH:
                code = IcmpHeader.ICMP_NET_UNREACH;
                reason = DropReason.IP_INNOROUTES;
                ipExt.inc(IpMib.EXT_IN_NO_ROUTES);
                break;
            case EACCES:
                code = IcmpHeader.ICMP_PKT_FILTERED;
                break;
            case null, default:
                Skb.kfreeSkb(skb, reason);
                return PacketType.NET_RX_DROP;
        }
        if (ipv4.rateLimit.ipErrorAllow(skb.u32(skb.networkHeader + Ipv4Header.SADDR))) {
            ipv4.icmp().icmpSend(skb, IcmpHeader.ICMP_DEST_UNREACH, code, 0);
        }
        Skb.kfreeSkb(skb, reason);
        return PacketType.NET_RX_DROP;
    }
}
