package dev.packetflow.net.ipv4;

import dev.packetflow.net.socket.Errno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.packetflow.drivers.net.channel.ChannelDevice;
import dev.packetflow.net.NetStack;
import java.util.List;
import org.junit.jupiter.api.Test;

class FibTest {
    private static int ip(String s) {
        return InetAddr.parse(s);
    }

    @Test
    void addAddress_installsLocalBroadcastAndConnectedRoutes() {
        try (TestNet n = new TestNet()) {
            NetStack s = n.stack("h");
            ChannelDevice eth0 = n.dev(s, "eth0");
            s.ipv4().addAddress(eth0, ip("198.18.0.1"), 24);
            assertThat(s.ipv4().fib().routes()).extracting(Object::toString)
                    .containsExactly("198.18.0.0/24 dev eth0 proto kernel scope link src 198.18.0.1");
            assertThat(s.ipv4().fib().routes(FibRoute.RT_TABLE_LOCAL)).extracting(Object::toString).containsExactly(
                    "local 198.18.0.1 dev eth0 proto kernel scope host src 198.18.0.1",
                    "broadcast 198.18.0.255 dev eth0 proto kernel scope link src 198.18.0.1");
            s.ipv4().delAddress(eth0, ip("198.18.0.1"), 24);
            assertThat(s.ipv4().fib().routes()).isEmpty();
            assertThat(s.ipv4().fib().routes(FibRoute.RT_TABLE_LOCAL)).isEmpty();
        }
    }

    @Test
    void lookup_longestPrefixWins_thenLowestMetric_thenDefault() {
        try (TestNet n = new TestNet()) {
            NetStack s = n.stack("h");
            ChannelDevice eth0 = n.dev(s, "eth0");
            ChannelDevice eth1 = n.dev(s, "eth1");
            s.ipv4().addAddress(eth0, ip("198.18.0.1"), 24);
            s.ipv4().addAddress(eth1, ip("198.18.1.1"), 24);
            Fib fib = s.ipv4().fib();
            fib.routeAdd(RouteSpec.defaultRoute().via(ip("198.18.0.254")));
            fib.routeAdd(RouteSpec.to(ip("198.19.0.0"), 16).via(ip("198.18.0.2")));
            fib.routeAdd(RouteSpec.to(ip("198.19.5.0"), 24).via(ip("198.18.1.2")).metric(200));
            fib.routeAdd(RouteSpec.to(ip("198.19.5.0"), 24).via(ip("198.18.0.3")).metric(100));
            fib.routeAdd(RouteSpec.to(ip("198.19.5.7"), 32).dev(eth1));

            assertThat(fib.lookup(ip("198.19.5.7")).dev).isSameAs(eth1);
            assertThat(fib.lookup(ip("198.19.5.7")).gateway).isZero();
            assertThat(fib.lookup(ip("198.19.5.8")).gateway).isEqualTo(ip("198.18.0.3"));
            assertThat(fib.lookup(ip("198.19.5.8")).metric).isEqualTo(100);
            assertThat(fib.lookup(ip("198.19.6.1")).gateway).isEqualTo(ip("198.18.0.2"));
            assertThat(fib.lookup(ip("198.18.2.1")).gateway).isEqualTo(ip("198.18.0.254"));
            assertThat(fib.lookup(ip("198.18.1.77")).dev).isSameAs(eth1);
            assertThat(fib.lookup(ip("198.18.0.1")).type).isEqualTo(FibRoute.RTN_LOCAL);
            assertThat(fib.lookup(ip("198.18.0.255")).type).isEqualTo(FibRoute.RTN_BROADCAST);
            // Restricted to eth1, the metric-200 route is the one left.
            assertThat(fib.lookup(ip("198.19.5.8"), eth1.ifindex()).gateway).isEqualTo(ip("198.18.1.2"));

            fib.routeDel(RouteSpec.to(ip("198.19.5.0"), 24).metric(100));
            assertThat(fib.lookup(ip("198.19.5.8")).gateway).isEqualTo(ip("198.18.1.2"));
            assertThat(fib.routes()).extracting(Object::toString).containsExactly(
                    "default via 198.18.0.254 dev eth0",
                    "198.18.0.0/24 dev eth0 proto kernel scope link src 198.18.0.1",
                    "198.18.1.0/24 dev eth1 proto kernel scope link src 198.18.1.1",
                    "198.19.0.0/16 via 198.18.0.2 dev eth0",
                    "198.19.5.0/24 via 198.18.1.2 dev eth1 metric 200",
                    "198.19.5.7 dev eth1 scope link");
        }
    }

    @Test
    void lookup_noRoute_isNull() {
        try (TestNet n = new TestNet()) {
            NetStack s = n.stack("h");
            assertThat(s.ipv4().fib().lookup(ip("198.18.0.1"))).isNull();
        }
    }

    @Test
    void lookup_manyRandomPrefixes_agreesWithLinearScan() {
        try (TestNet n = new TestNet()) {
            NetStack s = n.stack("h");
            ChannelDevice eth0 = n.dev(s, "eth0");
            s.ipv4().addAddress(eth0, ip("198.18.0.1"), 24);
            Fib fib = s.ipv4().fib();
            java.util.Random rnd = new java.util.Random(5);
            for (int i = 0; i < 300; i++) {
                int len = rnd.nextInt(33);
                int dst = rnd.nextInt() & InetAddr.mask(len);
                try {
                    fib.routeAdd(RouteSpec.to(dst, len).via(ip("198.18.0.2")).metric(rnd.nextInt(4)));
                } catch (IllegalArgumentException dup) {
                    // same prefix and metric drawn twice
                }
            }
            List<FibRoute> all = fib.routes();
            for (int i = 0; i < 20000; i++) {
                int a = rnd.nextInt();
                FibRoute best = null;
                for (FibRoute r : all) {
                    if ((a & r.mask()) == r.dst && (best == null || r.prefixLen > best.prefixLen
                            || (r.prefixLen == best.prefixLen && r.metric < best.metric))) {
                        best = r;
                    }
                }
                FibRoute got = fib.mainTable().lookup(a, 0);
                assertThat(got).isSameAs(best);
            }
        }
    }

    @Test
    void routeAdd_errors_areClearAndChangeNothing() {
        try (TestNet n = new TestNet()) {
            NetStack s = n.stack("h");
            NetStack other = n.stack("o");
            ChannelDevice eth0 = n.dev(s, "eth0");
            ChannelDevice foreign = n.dev(other, "eth9");
            s.ipv4().addAddress(eth0, ip("198.18.0.1"), 24);
            Fib fib = s.ipv4().fib();
            fib.routeAdd(RouteSpec.to(ip("198.19.0.0"), 16).via(ip("198.18.0.2")));
            List<FibRoute> before = fib.routes();
            assertThatThrownBy(() -> fib.routeAdd(RouteSpec.to(ip("198.19.0.0"), 16).via(ip("198.18.0.3"))))
                    .hasMessageContaining("File exists");
            assertThatThrownBy(() -> fib.routeAdd(RouteSpec.to(ip("198.19.0.1"), 16).via(ip("198.18.0.3"))))
                    .hasMessageContaining("Invalid prefix");
            assertThatThrownBy(() -> fib.routeAdd(RouteSpec.to(ip("198.20.0.0"), 16).via(ip("198.18.5.5"))))
                    .hasMessageContaining("Nexthop has invalid gateway");
            assertThatThrownBy(() -> fib.routeAdd(RouteSpec.to(ip("198.20.0.0"), 16).via(ip("198.18.0.1"))))
                    .hasMessageContaining("local address");
            assertThatThrownBy(() -> fib.routeAdd(RouteSpec.to(ip("198.20.0.0"), 16).dev(foreign)))
                    .hasMessageContaining("Cannot find device \"eth9\"");
            assertThatThrownBy(() -> fib.routeAdd(RouteSpec.to(ip("198.20.0.0"), 16)))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> fib.routeAdd(RouteSpec.to(ip("198.20.0.0"), 33).dev(eth0)))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> fib.routeDel(RouteSpec.to(ip("198.21.0.0"), 16)))
                    .hasMessageContaining("No such process");
            assertThatThrownBy(() -> fib.routeDel(RouteSpec.to(ip("198.19.0.0"), 16).metric(5)))
                    .hasMessageContaining("No such process");
            assertThat(fib.routes()).isEqualTo(before);
        }
    }

    @Test
    void routeTypes_unreachableProhibitBlackhole_reportedByRouteGet() {
        try (TestNet n = new TestNet()) {
            NetStack s = n.stack("h");
            ChannelDevice eth0 = n.dev(s, "eth0");
            s.ipv4().addAddress(eth0, ip("198.18.0.1"), 24);
            Fib fib = s.ipv4().fib();
            fib.routeAdd(RouteSpec.defaultRoute().via(ip("198.18.0.254")));
            fib.routeAdd(RouteSpec.to(ip("198.19.1.0"), 24).type(FibRoute.RTN_UNREACHABLE));
            fib.routeAdd(RouteSpec.to(ip("198.19.2.0"), 24).type(FibRoute.RTN_PROHIBIT));
            fib.routeAdd(RouteSpec.to(ip("198.19.3.0"), 24).type(FibRoute.RTN_BLACKHOLE));
            Route rt = s.ipv4().route();
            assertThatThrownBy(() -> rt.routeGet(ip("198.19.1.1"))).hasMessageContaining("No route to host");
            assertThatThrownBy(() -> rt.routeGet(ip("198.19.2.1"))).hasMessageContaining("Permission denied");
            assertThatThrownBy(() -> rt.routeGet(ip("198.19.3.1"))).hasMessageContaining("Invalid argument");
            assertThat(rt.routeGet(ip("198.19.4.1")).toString())
                    .startsWith("198.19.4.1 via 198.18.0.254 dev eth0 src 198.18.0.1 uid 0");
            assertThat(rt.routeGet(ip("198.18.0.1")).toString()).startsWith("local 198.18.0.1 dev eth0 src 198.18.0.1");
            assertThat(fib.routes()).extracting(Object::toString).contains("unreachable 198.19.1.0/24",
                    "prohibit 198.19.2.0/24", "blackhole 198.19.3.0/24");
            fib.routeDel(RouteSpec.defaultRoute());
            assertThatThrownBy(() -> rt.routeGet(ip("198.19.4.1"))).hasMessageContaining("Network is unreachable");
        }
    }

    @Test
    void deviceDown_flushesItsRoutes_upRestoresKernelRoutes() {
        try (TestNet n = new TestNet()) {
            NetStack s = n.stack("h");
            ChannelDevice eth0 = n.dev(s, "eth0");
            s.ipv4().addAddress(eth0, ip("198.18.0.1"), 24);
            Fib fib = s.ipv4().fib();
            fib.routeAdd(RouteSpec.defaultRoute().via(ip("198.18.0.254")));
            s.devices().close(eth0);
            assertThat(fib.routes()).isEmpty();
            assertThat(fib.routes(FibRoute.RT_TABLE_LOCAL)).extracting(r -> r.type).containsExactly(FibRoute.RTN_LOCAL);
            assertThatThrownBy(() -> fib.routeAdd(RouteSpec.to(ip("198.19.0.0"), 16).dev(eth0)))
                    .hasMessageContaining("not up");
            s.devices().open(eth0);
            assertThat(fib.routes()).extracting(Object::toString)
                    .containsExactly("198.18.0.0/24 dev eth0 proto kernel scope link src 198.18.0.1");
            assertThat(fib.routes(FibRoute.RT_TABLE_LOCAL)).hasSize(2);
        }
    }

    @Test
    void routeOutput_picksSourceOfOutputDevice() {
        try (TestNet n = new TestNet()) {
            NetStack s = n.stack("h");
            ChannelDevice eth0 = n.dev(s, "eth0");
            ChannelDevice eth1 = n.dev(s, "eth1");
            s.ipv4().addAddress(eth0, ip("198.18.0.1"), 24);
            s.ipv4().addAddress(eth1, ip("198.18.1.1"), 24);
            s.ipv4().fib().routeAdd(RouteSpec.to(ip("198.19.0.0"), 16).via(ip("198.18.1.9")));
            Flowi4 fl = new Flowi4().init(ip("198.19.3.3"), 0, 0, 17);
            Rtable rt = s.ipv4().route().ipRouteOutput(fl);
            assertThat(rt.dev).isSameAs(eth1);
            assertThat(rt.nexthop(ip("198.19.3.3"))).isEqualTo(ip("198.18.1.9"));
            assertThat(fl.saddr).isEqualTo(ip("198.18.1.1"));
            Flowi4 bad = new Flowi4().init(ip("198.19.3.3"), ip("198.18.7.7"), 0, 17);
            assertThat(s.ipv4().route().ipRouteOutput(bad)).isNull();
            assertThat(bad.err).isEqualTo(Errno.EINVAL.neg());
        }
    }
}
