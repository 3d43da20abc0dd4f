package dev.packetflow.net.ipv4;

import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.Mib;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.trace.Trace;
import dev.packetflow.trace.Tracepoint;

/**
 * Routing decisions for packets: {@link #ipRouteInput} for received packets (deliver, forward, or
 * an error route), {@link #ipRouteOutput} for packets this host sends (device, nexthop, source
 * address), and {@link #routeGet} for {@code ip route get}.
 *
 * <p>Martian addresses are refused as in Linux with {@code route_localnet=0} and
 * {@code rp_filter=0} (the kernel's own defaults): a multicast, limited-broadcast, zero-network or
 * loopback source, or one of our own addresses as source, is a martian source; a zero-network or
 * loopback destination is a martian destination. Counters like {@code /proc/net/stat/rt_cache}'s
 * are kept in {@link #stats()}.
 *
 * <p>Linux: {@code net/ipv4/route.c} ({@code ip_route_input_slow}, {@code ip_route_output_key_hash_rcu},
 * {@code inet_rtm_getroute}), {@code fib_frontend.c fib_validate_source}.
 */
public final class Route {
    public static final Tracepoint IP_ROUTE_OUTPUT = Trace.point("ip_route_output");

    static final String[] RT_STATS = {
        "in_slow_tot", "in_no_route", "in_brd", "in_martian_dst", "in_martian_src", "out_slow_tot",
    };
    static final int IN_SLOW_TOT = 0;
    static final int IN_NO_ROUTE = 1;
    static final int IN_BRD = 2;
    static final int IN_MARTIAN_DST = 3;
    static final int IN_MARTIAN_SRC = 4;
    static final int OUT_SLOW_TOT = 5;

    private final NetStack net;
    private final Ipv4 ipv4;
    private final Fib fib;
    private final Mib stats = new Mib("rt_cache", RT_STATS);

    /** The error routes of {@code ip_route_input_slow}'s no_route label, one per errno. */
    final Rtable rtNetUnreach = new Rtable(FibRoute.RTN_UNREACHABLE, 0, Rtable.INPUT_ERROR, Errno.ENETUNREACH.code,
            null, 0, 0, 0, null);
    final Rtable rtHostUnreach = new Rtable(FibRoute.RTN_UNREACHABLE, 0, Rtable.INPUT_ERROR, Errno.EHOSTUNREACH.code,
            null, 0, 0, 0, null);
    /** Limited broadcast (255.255.255.255) and 0.0.0.0 to 0.0.0.0 received: delivered locally. */
    final Rtable rtBrdInput = new Rtable(FibRoute.RTN_BROADCAST, Rtable.RTCF_LOCAL | Rtable.RTCF_BROADCAST,
            Rtable.INPUT_LOCAL, 0, null, 0, 0, 0, null);

    /** Linux: {@code ip_rt_min_pmtu} (512 + 20 + 20) and {@code ip_rt_mtu_expires} (10 minutes). */
    public static final int IP_RT_MIN_PMTU = 552;
    public static final long IP_RT_MTU_EXPIRES_NS = 600_000_000_000L;

    /**
     * A learned path MTU for one destination (Linux: {@code struct fib_nh_exception}): the route it
     * refines, and the route to use instead, identical but for its MTU.
     */
    private record Pmtu(int daddr, Rtable base, Rtable rt, long expiresNs) {}

    /** Copy-on-write; usually empty, so output lookups pay one length test. */
    private volatile Pmtu[] pmtus = new Pmtu[0];

    Route(NetStack net, Ipv4 ipv4, Fib fib) {
        this.net = net;
        this.ipv4 = ipv4;
        this.fib = fib;
    }

    /** Route cache statistics, as {@code lnstat -f rt_cache} shows them (not a /proc/net/snmp group). */
    public Mib stats() {
        return stats;
    }

    /**
     * Linux: {@code ip_route_input_noref()} / {@code ip_route_input_slow()}. Decides what happens to
     * a received packet and stores the decision in {@code skb.dst}. Returns null on success (an error
     * route is a success here: {@code ip_error} handles it) or the reason to drop the packet.
     */
    public DropReason ipRouteInput(SkBuff skb, int daddr, int saddr, NetDevice dev) {
        if (Trace.IP_ROUTE_INPUT.enabled) {
            Trace.IP_ROUTE_INPUT.fire(dev, skb, daddr & 0xffffffffL);
        }
        stats.inc(IN_SLOW_TOT);
        if (InetAddr.isMulticast(daddr)) {
            // No IGMP membership exists yet, so no multicast group is joined: not for us.
            stats.inc(IN_MARTIAN_DST);
            return DropReason.IP_INVALID_DEST;
        }
        if (InetAddr.isMulticast(saddr) || InetAddr.isLbcast(saddr)) {
            return martianSource();
        }
        if (InetAddr.isLbcast(daddr) || (saddr == 0 && daddr == 0)) {
            return brdInput(skb, saddr, rtBrdInput);
        }
        if (InetAddr.isZeronet(saddr)) {
            return martianSource();
        }
        if (InetAddr.isZeronet(daddr) || InetAddr.isLoopback(daddr)) {
            stats.inc(IN_MARTIAN_DST);
            return DropReason.IP_INVALID_DEST;
        }
        if (InetAddr.isLoopback(saddr)) {
            return martianSource();
        }
        boolean forwarding = ipv4.ipForward() != 0;
        FibRoute r = fib.lookup(daddr);
        if (r == null) {
            stats.inc(IN_NO_ROUTE);
            skb.dst = forwarding ? rtNetUnreach : rtHostUnreach;
            return null;
        }
        switch (r.type) {
            case FibRoute.RTN_BROADCAST:
                return brdInput(skb, saddr, r.rt);
            case FibRoute.RTN_LOCAL:
                if (ipv4.isLocal(saddr)) {
                    return localSource();
                }
                skb.dst = r.rt;
                return null;
            case FibRoute.RTN_UNREACHABLE:
            case FibRoute.RTN_PROHIBIT:
            case FibRoute.RTN_BLACKHOLE:
                stats.inc(IN_NO_ROUTE);
                skb.dst = forwarding ? r.rt : rtHostUnreach;
                return null;
            case FibRoute.RTN_UNICAST:
                if (!forwarding) {
                    skb.dst = rtHostUnreach;
                    return null;
                }
                if (ipv4.isLocal(saddr)) {
                    return localSource();
                }
                if (r.dev == dev && ipv4.sendRedirects != 0 && onLink(dev, saddr)) {
                    // Linux __mkroute_input(): leaving by the interface it came in on, to a sender
                    // on that link: the sender could have used the nexthop directly.
                    skb.cb0 |= Ipv4.IPSKB_DOREDIRECT;
                }
                skb.dst = r.rt;
                return null;
            default:
                stats.inc(IN_MARTIAN_DST);
                return DropReason.IP_INVALID_DEST;
        }
    }

    private boolean onLink(NetDevice dev, int addr) {
        for (InIfaddr ifa : ipv4.addresses()) {
            if (ifa.dev() == dev && ifa.onLink(addr)) {
                return true;
            }
        }
        return false;
    }

    private DropReason brdInput(SkBuff skb, int saddr, Rtable rt) {
        if (saddr != 0 && ipv4.isLocal(saddr)) {
            return localSource();
        }
        stats.inc(IN_BRD);
        skb.dst = rt;
        return null;
    }

    private DropReason martianSource() {
        stats.inc(IN_MARTIAN_SRC);
        return DropReason.IP_INVALID_SOURCE;
    }

    /** Linux: {@code fib_validate_source()} with rp_filter off: our own address as source is martian. */
    private DropReason localSource() {
        stats.inc(IN_MARTIAN_SRC);
        return DropReason.IP_LOCAL_SOURCE;
    }

    /**
     * The calling thread's {@link Flowi4} for a lookup it makes now ({@link Fib#scratchFlow}):
     * valid until the thread routes again, so read what the lookup filled in before sending.
     */
    public Flowi4 scratchFlow() {
        return fib.scratchFlow();
    }

    /**
     * Linux: {@code ip_route_output_key()} ({@code ip_route_output_key_hash_rcu}). Chooses the route
     * for a packet this host sends to {@code fl4.daddr} (out of {@code fl4.oif} if set) and, when
     * {@code fl4.saddr} is 0, the source address: the route's preferred source, else the address of
     * the output device on the nexthop's subnet, else its primary address. Returns the route, or
     * null with {@code fl4.err} set to -ENETUNREACH (no route), -EHOSTUNREACH (unreachable route),
     * -EACCES (prohibit), -EINVAL (blackhole, or a source address that is not ours), -ENODEV (no such
     * oif). Allocates nothing unless it has to invent an on-link route for {@code oif}.
     */
    public Rtable ipRouteOutput(Flowi4 fl4) {
        if (IP_ROUTE_OUTPUT.enabled) {
            IP_ROUTE_OUTPUT.fire(net, null, fl4.daddr & 0xffffffffL);
        }
        stats.inc(OUT_SLOW_TOT);
        fl4.err = 0;
        int daddr = fl4.daddr;
        NetDevice oifDev = null;
        if (fl4.oif != 0) {
            oifDev = net.deviceByIndex(fl4.oif);
            if (oifDev == null) {
                fl4.err = Errno.ENODEV.neg();
                return null;
            }
        }
        if (fl4.saddr != 0) {
            if (InetAddr.isMulticast(fl4.saddr) || InetAddr.isLbcast(fl4.saddr) || !ipv4.isLocal(fl4.saddr)) {
                fl4.err = Errno.EINVAL.neg();
                return null;
            }
        }
        if (daddr == 0) {
            daddr = fl4.saddr;
            if (daddr == 0) {
                fl4.err = Errno.EINVAL.neg();
                return null;
            }
            fl4.daddr = daddr;
        }
        if (InetAddr.isLbcast(daddr)) {
            NetDevice dev = oifDev;
            if (dev == null && fl4.saddr != 0) {
                dev = ipv4.ifaddr(fl4.saddr).dev();
            }
            if (dev != null) {
                if (fl4.saddr == 0) {
                    fl4.saddr = ipv4.primaryAddress(dev);
                }
                return new Rtable(FibRoute.RTN_BROADCAST, Rtable.RTCF_LOCAL | Rtable.RTCF_BROADCAST,
                        Rtable.INPUT_LOCAL, 0, dev, 0, fl4.saddr, 0, null);
            }
        }
        FibRoute r = fib.lookup(daddr, fl4.oif);
        if (r == null) {
            if (oifDev != null) {
                // Linux: "Apparently, routing tables are wrong. Assume, that the destination is on link."
                if (fl4.saddr == 0) {
                    fl4.saddr = ipv4.selectAddress(oifDev, daddr);
                }
                return new Rtable(FibRoute.RTN_UNICAST, 0, Rtable.INPUT_FORWARD, 0, oifDev, 0, 0, 0, null);
            }
            fl4.err = Errno.ENETUNREACH.neg();
            return null;
        }
        switch (r.type) {
            case FibRoute.RTN_UNREACHABLE:
            case FibRoute.RTN_PROHIBIT:
            case FibRoute.RTN_BLACKHOLE:
                fl4.err = -r.rt.error;
                return null;
            case FibRoute.RTN_LOCAL:
                if (fl4.saddr == 0) {
                    fl4.saddr = r.prefsrc != 0 ? r.prefsrc : daddr;
                }
                return r.rt;
            default:
                if (fl4.saddr == 0) {
                    fl4.saddr = r.prefsrc != 0 ? r.prefsrc
                            : r.dev != null ? ipv4.selectAddress(r.dev, r.nexthop(daddr)) : 0;
                }
                Pmtu[] ex = pmtus;
                if (ex.length != 0) {
                    for (Pmtu p : ex) {
                        if (p.daddr == daddr && p.base == r.rt && p.expiresNs - net.clock().nanoTime() > 0) {
                            return p.rt;
                        }
                    }
                }
                return r.rt;
        }
    }

    /**
     * Linux: {@code __ip_rt_update_pmtu()}, called by transport error handlers on ICMP
     * "fragmentation needed" (RFC 1191): remembers a smaller path MTU towards {@code daddr} for
     * ten minutes. An MTU below {@value #IP_RT_MIN_PMTU} is raised to it, as Linux does against
     * forged tiny MTUs. Larger values than the current MTU are ignored.
     */
    public synchronized void updatePmtu(int daddr, int mtu) {
        FibRoute r = fib.lookup(daddr);
        if (r == null || r.type != FibRoute.RTN_UNICAST || r.dev == null) {
            return;
        }
        long now = net.clock().nanoTime();
        int current = r.rt.mtu();
        java.util.List<Pmtu> keep = new java.util.ArrayList<>();
        for (Pmtu p : pmtus) {
            if (p.expiresNs - now > 0 && !(p.daddr == daddr && p.base == r.rt)) {
                keep.add(p);
            } else if (p.daddr == daddr && p.base == r.rt && p.expiresNs - now > 0) {
                current = p.rt.mtu;
            }
        }
        if (mtu >= current) {
            return;
        }
        mtu = Math.max(mtu, IP_RT_MIN_PMTU);
        Rtable b = r.rt;
        keep.add(new Pmtu(daddr, b, new Rtable(b.type, b.flags, b.input, b.error, b.dev, b.gateway, b.prefsrc, mtu,
                b.route), now + IP_RT_MTU_EXPIRES_NS));
        pmtus = keep.toArray(new Pmtu[0]);
        fib.rtGenidBump();
    }

    /**
     * Linux: {@code rt_genid_ipv4()}: the generation of the routes a lookup gives now. Read it
     * before {@link #ipRouteOutput} to cache the answer: a change made meanwhile leaves the cached
     * route stale, never a stale route marked fresh.
     */
    public int rtGenid() {
        return fib.rtGenid();
    }

    /**
     * Whether a socket may keep {@code rt} as its route ({@code sk_dst_set}): the FIB entry's own
     * route. A learned path MTU's route expires by time, which a generation does not see, and an
     * invented one (broadcast, on-link through {@code oif}) is built per lookup: those are looked
     * up each time.
     */
    public static boolean cacheable(Rtable rt) {
        return rt.route != null && rt.route.rt == rt;
    }

    /** The path MTU the stack uses towards {@code daddr} now (learned or the route's), 0 if unroutable. */
    public int pathMtu(int daddr) {
        Rtable rt = ipRouteOutput(new Flowi4().init(daddr, 0, 0, 0));
        return rt == null ? 0 : rt.type == FibRoute.RTN_LOCAL ? Ipv4.LOOPBACK_MTU : rt.mtu();
    }

    /**
     * What {@code ip route get ADDR} answers.
     *
     * @param dst the destination asked about
     * @param type RTN_* of the route
     * @param gateway gateway, 0 if on link
     * @param dev output device
     * @param src the source address the stack would use
     * @param mtu route MTU (0 = device MTU)
     * @param route the FIB entry that matched (null for invented routes)
     */
    public record RouteGet(int dst, int type, int gateway, NetDevice dev, int src, int mtu, FibRoute route) {
        /** As {@code ip route get} prints it. */
        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            if (type != FibRoute.RTN_UNICAST) {
                sb.append(FibRoute.typeName(type)).append(' ');
            }
            sb.append(InetAddr.toString(dst));
            if (gateway != 0) {
                sb.append(" via ").append(InetAddr.toString(gateway));
            }
            if (dev != null) {
                sb.append(" dev ").append(dev.name());
            }
            if (src != 0) {
                sb.append(" src ").append(InetAddr.toString(src));
            }
            sb.append(" uid 0 \n    cache ");
            if (type == FibRoute.RTN_LOCAL) {
                sb.append("<local> ");
            } else if (type == FibRoute.RTN_BROADCAST) {
                sb.append("<local,brd> ");
            }
            if (mtu != 0) {
                sb.append("mtu ").append(mtu).append(' ');
            }
            return sb.toString();
        }
    }

    /**
     * Linux: {@code inet_rtm_getroute()}, what {@code ip route get DST} shows: the output route.
     * Throws IllegalArgumentException with the kernel's message when there is none.
     */
    public RouteGet routeGet(int dst) {
        Flowi4 fl4 = new Flowi4().init(dst, 0, 0, 0);
        Rtable rt = ipRouteOutput(fl4);
        if (rt == null) {
            throw new IllegalArgumentException("RTNETLINK answers: " + switch (Errno.of(fl4.err)) {
                case ENETUNREACH -> "Network is unreachable";
                case EHOSTUNREACH -> "No route to host";
                case EACCES -> "Permission denied";
                case null, default -> "Invalid argument";
            });
        }
        return new RouteGet(dst, rt.type, rt.gateway, rt.dev, fl4.saddr, rt.mtu, rt.route);
    }
}
