package dev.packetflow.net.ipv4;

import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.Mib;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.net.netfilter.Netfilter;
import dev.packetflow.trace.Trace;
import dev.packetflow.trace.Tracepoint;

/**
 * The IPv4 send path, shared by locally generated and forwarded packets:
 *
 * <pre>
 * ip_queue_xmit | ip_send_skb ─► ip_local_out ─► __ip_local_out (tot_len, checksum)
 *   ─► NF_INET_LOCAL_OUT ─► dst_output ─► ip_output ─► NF_INET_POST_ROUTING ─► ip_finish_output
 *   ─► [ip_fragment if larger than the MTU] ─► ip_finish_output2 ─► neigh_output ─► dev_queue_xmit
 * ip_forward_finish ─► dst_output ─► ...
 * </pre>
 *
 * <h2>Entry points for transport protocols</h2>
 * Route first with {@link Route#ipRouteOutput(Flowi4)} (which also picks the source address the
 * transport checksum needs), build the transport header at {@code skb.data} with at least
 * {@link #DGRAM_HEADROOM} bytes of headroom (less is made room for, with a copy), then call
 * {@link #ipSendSkb} (datagram protocols, ID
 * chosen by the stack) or {@link #ipQueueXmit} (connected sockets that keep their own ID counter).
 * Both take the skb in every case and return 0 or a negative errno.
 *
 * <p>{@code pmtudisc} is the socket's IP_MTU_DISCOVER mode, Linux's IP_PMTUDISC_*: DONT (no DF,
 * fragment locally), WANT (DF when the datagram fits the path MTU, else fragment locally), DO
 * (always DF; a datagram larger than the MTU is refused in ip_fragment with ICMP "fragmentation
 * needed" to ourselves and FragFails).
 *
 * <p>Linux: {@code net/ipv4/ip_output.c}.
 */
public final class IpOutput {
    public static final int IP_PMTUDISC_DONT = 0;
    public static final int IP_PMTUDISC_WANT = 1;
    public static final int IP_PMTUDISC_DO = 2;
    public static final int IP_PMTUDISC_PROBE = 3;

    public static final Tracepoint IP_SEND_SKB = Trace.point("ip_send_skb");
    public static final Tracepoint IP_QUEUE_XMIT = Trace.point("ip_queue_xmit");
    public static final Tracepoint LOOPBACK_XMIT = Trace.point("loopback_xmit");

    /** Headroom an output device needs for its link header (Linux: LL_RESERVED_SPACE for Ethernet). */
    static final int LL_RESERVED_SPACE = 16;

    /**
     * Headroom of a datagram built by a protocol ({@code udp_sendmsg}): the link header's
     * {@link #LL_RESERVED_SPACE} and the IP header, as Linux's {@code __ip_append_data()} reserves
     * {@code hh_len} and puts the IP header right after it. The IP header then starts 16 bytes into
     * the buffer, and the Ethernet, IP and UDP headers and the first 20 bytes of data share the
     * buffer's first cache line: a 64-byte datagram's frame is two lines, each of which crosses
     * to the receiving core once. With {@link Skb#MAX_HEADER} (160) it was three, and the Ethernet
     * header's first two bytes were the only ones written in the buffer's second line.
     */
    public static final int DGRAM_HEADROOM = LL_RESERVED_SPACE + Ipv4Header.MIN_LEN;

    private final NetStack net;
    private final Ipv4 ipv4;
    private final Mib ip;
    private final Mib ipExt;

    IpOutput(NetStack net, Ipv4 ipv4) {
        this.net = net;
        this.ipv4 = ipv4;
        this.ip = ipv4.ipMib;
        this.ipExt = ipv4.ipExtMib;
    }

    /**
     * Linux: {@code ip_send_skb()} after {@code ip_make_skb()}: the datagram path (UDP, ping, ICMP).
     * Prepends the IP header to the transport packet at {@code skb.data} and sends it along
     * {@code rt}. The identification comes from the per-destination generator, or is 0 for an
     * unfragmentable (DO) datagram, as Linux's {@code ip_select_ident_segs()} does for
     * unconnected sockets.
     *
     * @param ttl time to live, or -1 for {@code ip_default_ttl}
     * @param tos type-of-service octet
     * @param pmtudisc IP_PMTUDISC_DONT/WANT/DO/PROBE
     * @return 0, or a negative errno when the packet was dropped
     */
    public int ipSendSkb(SkBuff skb, Rtable rt, int saddr, int daddr, int protocol, int ttl, int tos, int pmtudisc) {
        return ipSendSkb(skb, rt, saddr, daddr, protocol, ttl, tos, pmtudisc, -1);
    }

    /**
     * {@link #ipSendSkb(SkBuff, Rtable, int, int, int, int, int, int)} with the identification
     * chosen by the caller when {@code id >= 0}: a connected datagram socket numbers its datagrams
     * from its own counter (Linux: {@code inet->inet_id}, used by {@code ip_select_ident_segs()}
     * whenever the socket has a peer address). A qdisc's NET_XMIT_DROP becomes -ENOBUFS and
     * NET_XMIT_CN success, and a failed send counts OutDiscards, as Linux's {@code ip_send_skb()}
     * does with {@code net_xmit_errno()}.
     */
    public int ipSendSkb(SkBuff skb, Rtable rt, int saddr, int daddr, int protocol, int ttl, int tos, int pmtudisc,
                         int id) {
        if (IP_SEND_SKB.enabled) {
            IP_SEND_SKB.fire(net, skb, protocol);
        }
        int err = buildAndSend(skb, rt, saddr, daddr, protocol, ttl, tos, pmtudisc, id < 0 ? -1 : id & 0xffff);
        if (err != 0) {
            if (err > 0) {
                err = err == dev.packetflow.net.sched.Qdisc.NET_XMIT_CN ? 0 : Errno.ENOBUFS.neg();
            }
            if (err != 0) {
                ip.inc(IpMib.OUT_DISCARDS);
            }
        }
        return err;
    }

    /**
     * Linux: {@code ip_queue_xmit()}: the connected-socket path (TCP). Like {@link #ipSendSkb} but
     * with the identification supplied by the caller (Linux: the socket's {@code inet_id}).
     */
    public int ipQueueXmit(SkBuff skb, Rtable rt, int saddr, int daddr, int protocol, int ttl, int tos,
                           int pmtudisc, int id) {
        if (IP_QUEUE_XMIT.enabled) {
            IP_QUEUE_XMIT.fire(net, skb, protocol);
        }
        return buildAndSend(skb, rt, saddr, daddr, protocol, ttl, tos, pmtudisc, id & 0xffff);
    }

    /**
     * Routes and sends in one call, for callers without a route at hand (slow paths, tests). The
     * same as {@link Route#ipRouteOutput} then {@link #ipSendSkb}; counts OutNoRoutes when there is
     * no route. Allocates a {@link Flowi4}.
     */
    public int ipSendSkb(SkBuff skb, int saddr, int daddr, int protocol, int ttl, int tos, int pmtudisc) {
        Flowi4 fl4 = new Flowi4().init(daddr, saddr, 0, protocol);
        Rtable rt = ipv4.route().ipRouteOutput(fl4);
        if (rt == null) {
            if (fl4.err == Errno.ENETUNREACH.neg()) {
                ip.inc(IpMib.OUT_NO_ROUTES);
            }
            Skb.kfreeSkb(net, skb, DropReason.IP_OUTNOROUTES);
            return fl4.err;
        }
        return ipSendSkb(skb, rt, fl4.saddr, daddr, protocol, ttl, tos, pmtudisc);
    }

    private int buildAndSend(SkBuff skb, Rtable rt, int saddr, int daddr, int protocol, int ttl, int tos,
                             int pmtudisc, int id) {
        if (rt == null || rt.input == Rtable.INPUT_ERROR) {
            throw new IllegalArgumentException("no usable route: " + rt);
        }
        int len = skb.len() + Ipv4Header.MIN_LEN;
        int mtu = rt.type == FibRoute.RTN_LOCAL ? Ipv4.LOOPBACK_MTU : rt.mtu();
        // A GSO packet's wire packets are gsoSize-sized: they, not the super-packet, meet the MTU.
        boolean df = pmtudisc >= IP_PMTUDISC_DO || (pmtudisc == IP_PMTUDISC_WANT && (len <= mtu || skb.gsoSize != 0));
        boolean ignoreDf = pmtudisc < IP_PMTUDISC_DO;
        if (skb.headroom() < Ipv4Header.MIN_LEN + LL_RESERVED_SPACE && !skb.cow(Ipv4Header.MIN_LEN + LL_RESERVED_SPACE)) {
            Skb.kfreeSkb(net, skb, DropReason.NOMEM);
            return Errno.ENOBUFS.neg();
        }
        skb.transportHeader = skb.data;
        int o = skb.push(Ipv4Header.MIN_LEN);
        skb.networkHeader = o;
        if (id < 0) {
            // ip_select_ident_segs(): a GSO packet reserves one identification per segment
            id = df && !ignoreDf ? 0 : ipv4.idents.select(daddr, saddr, protocol, skb.gsoSegs > 1 ? skb.gsoSegs : 1);
        }
        Ipv4Header.build(skb, o, tos, skb.len(), id, df ? Ipv4Header.IP_DF : 0, ttl < 0 ? ipv4.ipDefaultTtl() : ttl,
                protocol, saddr, daddr);
        skb.dst = rt;
        skb.cb0 = ignoreDf ? Ipv4.IPSKB_IGNORE_DF : 0;
        skb.cb1 = 0;
        return ipLocalOut(skb);
    }

    /**
     * Linux: {@code ip_local_out()}. Sends a complete datagram (data at its IP header, route in
     * {@code skb.dst}) built by this host.
     */
    public int ipLocalOut(SkBuff skb) {
        if (Trace.IP_LOCAL_OUT.enabled) {
            Trace.IP_LOCAL_OUT.fire(net, skb, 0);
        }
        return ipLocalOutInner(skb);
    }

    /**
     * Linux: {@code __ip_local_out()}. Sets the total length and header checksum, counts
     * OutRequests, and passes the packet through NF_INET_LOCAL_OUT to {@code dst_output}.
     */
    int ipLocalOutInner(SkBuff skb) {
        if (Trace.__IP_LOCAL_OUT.enabled) {
            Trace.__IP_LOCAL_OUT.fire(net, skb, 0);
        }
        ip.inc(IpMib.OUT_REQUESTS);
        int o = skb.data;
        skb.networkHeader = o;
        Ipv4Header.setTotLenAndChecksum(skb, o, skb.len());
        skb.protocol = Eth.ETH_P_IP;
        Rtable rt = (Rtable) skb.dst;
        int rc = Netfilter.nfHook(Netfilter.NF_INET_LOCAL_OUT, net, skb, null, rt.dev);
        return rc == 1 ? dstOutput(net, skb) : rc;
    }

    /** Linux: {@code dst_output()}: the route's output function, {@code ip_output} for IPv4 routes. */
    int dstOutput(NetStack net, SkBuff skb) {
        if (Trace.DST_OUTPUT.enabled) {
            Trace.DST_OUTPUT.fire(net, skb, 0);
        }
        return ipOutput(skb);
    }

    /** Linux: {@code ip_output()}: sets the output device and passes through NF_INET_POST_ROUTING. */
    int ipOutput(SkBuff skb) {
        Rtable rt = (Rtable) skb.dst;
        NetDevice indev = skb.dev;
        NetDevice dev = rt.dev;
        if (Trace.IP_OUTPUT.enabled) {
            Trace.IP_OUTPUT.fire(net, dev, skb, 0);
        }
        skb.dev = dev;
        skb.protocol = Eth.ETH_P_IP;
        int rc = Netfilter.nfHook(Netfilter.NF_INET_POST_ROUTING, net, skb, indev, dev);
        return rc == 1 ? ipFinishOutput(net, skb) : rc;
    }

    /**
     * Linux: {@code ip_finish_output()} / {@code __ip_finish_output()}: fragments a datagram larger
     * than the route's MTU (or one reassembled from fragments, to keep their sizes), else goes on to
     * {@code ip_finish_output2}.
     */
    int ipFinishOutput(NetStack net, SkBuff skb) {
        if (Trace.IP_FINISH_OUTPUT.enabled) {
            Trace.IP_FINISH_OUTPUT.fire(net, skb, 0);
        }
        Rtable rt = (Rtable) skb.dst;
        int mtu = rt.type == FibRoute.RTN_LOCAL ? Ipv4.LOOPBACK_MTU : rt.mtu();
        if (skb.gsoSize != 0) {
            return ipFinishOutputGso(skb, mtu);
        }
        if (skb.len() > mtu || skb.cb1 != 0) {
            return ipv4.fragment.ipFragment(skb, mtu);
        }
        return ipFinishOutput2(skb);
    }

    /**
     * Linux: {@code ip_finish_output_gso()}: a GSO packet whose segments fit the MTU goes on whole
     * ({@code skb_gso_validate_network_len()}); otherwise (the path MTU shrank after TCP built it)
     * it is segmented here and each segment is fragmented as needed.
     */
    private int ipFinishOutputGso(SkBuff skb, int mtu) {
        if (gsoNetworkSegLen(skb) <= mtu) {
            return ipFinishOutput2(skb);
        }
        SkBuff segs = dev.packetflow.net.core.Dev.skbGsoSegment(skb);
        if (segs == null) {
            Skb.kfreeSkb(net, skb, DropReason.SKB_GSO_SEG);
            return Errno.ENOMEM.neg();
        }
        Skb.consumeSkb(skb);
        int ret = 0;
        while (segs != null) {
            SkBuff n = segs.next;
            segs.next = null;
            int err = segs.len() > mtu ? ipv4.fragment.ipFragment(segs, mtu) : ipFinishOutput2(segs);
            if (err != 0 && ret == 0) {
                ret = err;
            }
            segs = n;
        }
        return ret;
    }

    /**
     * Linux: {@code skb_gso_network_seglen()}: the length of each segment's IP packet (network
     * and transport headers plus {@code gsoSize}).
     */
    public static int gsoNetworkSegLen(SkBuff skb) {
        int th = skb.transportHeader;
        int l4 = skb.gsoType == SkBuff.SKB_GSO_UDP_L4 ? UdpHeader.LEN : (skb.u8(th + 12) >>> 4) << 2;
        return th - skb.networkHeader + l4 + skb.gsoSize;
    }

    /**
     * Linux: {@code ip_finish_output2()}: counts the transmission (OutTransmits, OutOctets) and hands
     * the packet to the neighbour layer for the route's nexthop. Packets to our own addresses go
     * to the loopback instead.
     */
    int ipFinishOutput2(SkBuff skb) {
        Rtable rt = (Rtable) skb.dst;
        NetDevice dev = rt.dev;
        if (Trace.IP_FINISH_OUTPUT2.enabled) {
            Trace.IP_FINISH_OUTPUT2.fire(net, dev, skb, 0);
        }
        int len = skb.len();
        ip.inc(IpMib.OUT_TRANSMITS);
        ipExt.add(IpMib.EXT_OUT_OCTETS, len);
        if (rt.type == FibRoute.RTN_BROADCAST) {
            ipExt.inc(IpMib.EXT_OUT_BCAST_PKTS);
            ipExt.add(IpMib.EXT_OUT_BCAST_OCTETS, len);
        } else if (rt.type == FibRoute.RTN_LOCAL && dev.type() != NetDevice.ARPHRD_LOOPBACK) {
            if (LOOPBACK_XMIT.enabled) {
                LOOPBACK_XMIT.fire(net, dev, skb, 0);
            }
            ipv4.loopbackXmit(skb);
            return 0;
        }
        int nexthop = rt.nexthop(skb.u32(skb.data + Ipv4Header.DADDR));
        return net.arp().neighOutput(skb, dev, nexthop);
    }
}
