package dev.packetflow.net.ipv4;

import dev.packetflow.net.core.NetDevice;

/**
 * A routing decision attached to a packet as {@code skb.dst}: where it goes next and what the
 * receive path does with it. Immutable and shared: each {@link FibRoute} carries its own, so the
 * packet path never allocates one (Linux caches them per nexthop the same way, {@code nh_rth_input}
 * and {@code nh_pcpu_rth_output}).
 *
 * <p>Linux: {@code include/net/route.h struct rtable} with its {@code struct dst_entry}.
 */
public final class Rtable {
    /** Linux's RTCF_* flags (include/uapi/linux/in_route.h). */
    public static final int RTCF_LOCAL = 0x80000000;
    public static final int RTCF_BROADCAST = 0x10000000;
    public static final int RTCF_MULTICAST = 0x20000000;

    /** What {@code dst_input()} calls: Linux's {@code dst.input} function pointer. */
    public static final int INPUT_LOCAL = 1;
    public static final int INPUT_FORWARD = 2;
    public static final int INPUT_ERROR = 3;

    /** RTN_* type of the route (unicast, local, broadcast, unreachable...). */
    public final int type;
    public final int flags;
    public final int input;
    /** For {@link #INPUT_ERROR}: the positive errno {@code ip_error} reports (ENETUNREACH...). */
    public final int error;
    /** Output device; null for error routes. */
    public final NetDevice dev;
    /** Gateway, or 0 when the destination is on link (Linux: {@code rt_gw4}). */
    public final int gateway;
    /** Preferred source address, 0 if the route has none. */
    public final int prefsrc;
    /** Route MTU, 0 to use the device's. */
    public final int mtu;
    /** The FIB entry this came from, or null for synthetic routes. */
    public final FibRoute route;

    Rtable(int type, int flags, int input, int error, NetDevice dev, int gateway, int prefsrc, int mtu, FibRoute route) {
        this.type = type;
        this.flags = flags;
        this.input = input;
        this.error = error;
        this.dev = dev;
        this.gateway = gateway;
        this.prefsrc = prefsrc;
        this.mtu = mtu;
        this.route = route;
    }

    /** Linux: {@code rt_nexthop()}: the gateway, or the destination itself when on link. */
    public int nexthop(int daddr) {
        return gateway != 0 ? gateway : daddr;
    }

    /** Linux: {@code dst_mtu()}. */
    public int mtu() {
        return mtu != 0 ? mtu : dev != null ? dev.mtu() : 0;
    }

    public boolean isLocal() {
        return (flags & RTCF_LOCAL) != 0;
    }

    @Override
    public String toString() {
        return "rtable[" + FibRoute.typeName(type) + (dev != null ? " dev " + dev.name() : "")
                + (gateway != 0 ? " via " + InetAddr.toString(gateway) : "") + "]";
    }
}
