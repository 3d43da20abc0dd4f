package dev.packetflow.net.ipv4;

import dev.packetflow.net.core.NetDevice;

/**
 * What {@code ip route add|del} says about a route, as a value the configuration layer builds and
 * {@link Fib#routeAdd}/{@link Fib#routeDel} check. Unset fields: gateway 0, dev null, prefsrc 0,
 * mtu 0; metric -1 and scope -1 mean "default" on add and "any" on delete; type 0 means unicast on
 * add and any on delete.
 *
 * <pre>
 *   fib.routeAdd(RouteSpec.to(InetAddr.parse("198.18.5.0"), 24).via(gw).metric(100));
 *   fib.routeAdd(RouteSpec.defaultRoute().via(gw));
 *   fib.routeAdd(RouteSpec.to(net, 24).type(FibRoute.RTN_UNREACHABLE));
 * </pre>
 *
 * <p>Linux: {@code struct fib_config} ({@code include/net/ip_fib.h}).
 */
public record RouteSpec(int type, int dst, int prefixLen, int gateway, NetDevice dev, int metric, int prefsrc,
                        int table, int protocol, int scope, int mtu) {

    public static RouteSpec to(int dst, int prefixLen) {
        return new RouteSpec(0, dst, prefixLen, 0, null, -1, 0, FibRoute.RT_TABLE_MAIN, FibRoute.RTPROT_BOOT, -1, 0);
    }

    public static RouteSpec defaultRoute() {
        return to(0, 0);
    }

    public RouteSpec type(int t) {
        return new RouteSpec(t, dst, prefixLen, gateway, dev, metric, prefsrc, table, protocol, scope, mtu);
    }

    public RouteSpec via(int gw) {
        return new RouteSpec(type, dst, prefixLen, gw, dev, metric, prefsrc, table, protocol, scope, mtu);
    }

    public RouteSpec dev(NetDevice d) {
        return new RouteSpec(type, dst, prefixLen, gateway, d, metric, prefsrc, table, protocol, scope, mtu);
    }

    public RouteSpec metric(int m) {
        return new RouteSpec(type, dst, prefixLen, gateway, dev, m, prefsrc, table, protocol, scope, mtu);
    }

    public RouteSpec src(int s) {
        return new RouteSpec(type, dst, prefixLen, gateway, dev, metric, s, table, protocol, scope, mtu);
    }

    public RouteSpec table(int t) {
        return new RouteSpec(type, dst, prefixLen, gateway, dev, metric, prefsrc, t, protocol, scope, mtu);
    }

    public RouteSpec protocol(int p) {
        return new RouteSpec(type, dst, prefixLen, gateway, dev, metric, prefsrc, table, p, scope, mtu);
    }

    public RouteSpec scope(int s) {
        return new RouteSpec(type, dst, prefixLen, gateway, dev, metric, prefsrc, table, protocol, s, mtu);
    }

    public RouteSpec mtu(int m) {
        return new RouteSpec(type, dst, prefixLen, gateway, dev, metric, prefsrc, table, protocol, scope, m);
    }
}
