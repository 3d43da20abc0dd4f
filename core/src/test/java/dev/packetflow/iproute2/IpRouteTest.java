package dev.packetflow.iproute2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.packetflow.drivers.net.channel.ChannelDevice;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.net.ipv4.Fib;
import dev.packetflow.net.ipv4.FibRoute;
import dev.packetflow.net.ipv4.InetAddr;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IpRouteTest {
    private final Simulation sim = new Simulation(1);
    private final NetStack net = NetStack.create(sim, "A");
    private final IpCommandTest.Lo lo = net.addDevice(new IpCommandTest.Lo());
    private final ChannelDevice eth0 = net.addDevice(new ChannelDevice("eth0", Eth.localMac(0x0a)));
    private final ChannelDevice eth1 = net.addDevice(new ChannelDevice("eth1", Eth.localMac(0x0b)));
    private final Fib fib = net.ipv4().fib();

    IpRouteTest() {
        net.arp().setGratuitousArpOnAddressAdd(false);
        net.devices().open(lo);
        net.devices().open(eth0);
        net.ipv4().addAddress(lo, InetAddr.parse("127.0.0.1"), 8);
        net.ipv4().addAddress(eth0, InetAddr.parse("198.18.0.2"), 24);
    }

    @AfterEach
    void close() {
        net.close();
    }

    private String state() {
        return net.exec("ip route show table all") + "|" + net.exec("ip neigh show nud all");
    }

    /** The lines of {@code ip route show ...} without iproute2's trailing space, as FibRoute prints them. */
    private static List<String> lines(String out) {
        return Arrays.stream(out.split("\n")).filter(l -> !l.isEmpty()).map(String::stripTrailing).toList();
    }

    // ------------------------------------------------------------------ output layout

    @Test
    void routeShow_printsTheKernelRoutesLikeIproute2() {
        // iproute2 ends every field with a space, the last one too.
        assertThat(net.exec("ip route")).isEqualTo("198.18.0.0/24 dev eth0 proto kernel scope link src 198.18.0.2 \n");
        assertThat(net.exec("ip route show table local")).isEqualTo("""
                local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1\s
                local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1\s
                broadcast 127.255.255.255 dev lo proto kernel scope link src 127.0.0.1\s
                local 198.18.0.2 dev eth0 proto kernel scope host src 198.18.0.2\s
                broadcast 198.18.0.255 dev eth0 proto kernel scope link src 198.18.0.2\s
                """);
        // Every table: main first (Linux dumps by table id hash), "table local" named.
        assertThat(net.exec("ip route show table all")).isEqualTo("""
                198.18.0.0/24 dev eth0 proto kernel scope link src 198.18.0.2\s
                local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1\s
                local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1\s
                broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1\s
                local 198.18.0.2 dev eth0 table local proto kernel scope host src 198.18.0.2\s
                broadcast 198.18.0.255 dev eth0 table local proto kernel scope link src 198.18.0.2\s
                """);
        assertThat(net.exec("ip route show table 255")).isEqualTo(net.exec("ip route show table local"));
        assertThat(net.exec("ip route show table main")).isEqualTo(net.exec("ip r"));
        assertThat(net.exec("ip route show table 100")).isEmpty();
        assertThat(net.exec("ip -6 route")).isEmpty();
    }

    @Test
    void routeShow_linesAreFibRouteToString_plusIproute2sTrailingSpace() {
        net.exec("ip route add 198.18.2.0/24 via 198.18.0.1");
        net.exec("ip route add 198.18.3.0/24 via 198.18.0.1 metric 100 src 198.18.0.2 mtu 1400 proto static");
        net.exec("ip route add unreachable 198.18.4.0/24");
        net.exec("ip route add default via 198.18.0.1");
        assertThat(lines(net.exec("ip route show"))).isEqualTo(fib.routes().stream().map(Object::toString).toList());
        assertThat(lines(net.exec("ip route show table local")))
                .isEqualTo(fib.routes(FibRoute.RT_TABLE_LOCAL).stream().map(Object::toString).toList());
        for (String line : net.exec("ip route show table all").split("\n")) {
            assertThat(line).endsWith(" ");
        }
    }

    // ------------------------------------------------------------------ add

    @Test
    void routeAdd_acceptsIproute2Forms_andShowPrintsThem() {
        net.exec("ip route add 198.18.2.0/24 via 198.18.0.1");
        net.exec("ip route add default via 198.18.0.1");
        net.exec("ip r a 198.18.3.0/24 via 198.18.0.1 dev eth0 metric 100 src 198.18.0.2 mtu 1400 proto static");
        net.exec("ip route add 198.18.4.0/24 dev eth0");
        net.exec("ip route add 198.18.5.1 dev eth0"); // a bare address is a /32
        net.exec("ip route add blackhole 198.18.6.0/24");
        net.exec("ip route add unreachable 198.18.7.0/24");
        net.exec("ip route add prohibit 198.18.8.0/24");
        net.exec("ip route add to unicast 198.18.9.0/24 via 198.18.0.1 table main scope global");
        net.exec("ip route add 198.18.10.0/24 via 198.18.0.1 table 254 priority 5");
        net.exec("ip route add 198.18.11.0/255.255.255.0 via 198.18.0.1 preference 6 proto dhcp");
        net.exec("ip route add 198.19/16 via 198.18.0.1 p 7"); // iproute2: omitted bytes are 0, "p" is priority
        net.exec("ip route add 198.18.12.0/24 via 198.18.0.1 proto 99 metric 0x10");
        net.exec("ip route add 198.18.13.0/24 dev eth0 scope host");
        assertThat(net.exec("ip route show")).isEqualTo("""
                default via 198.18.0.1 dev eth0\s
                198.18.0.0/24 dev eth0 proto kernel scope link src 198.18.0.2\s
                198.18.2.0/24 via 198.18.0.1 dev eth0\s
                198.18.3.0/24 via 198.18.0.1 dev eth0 proto static src 198.18.0.2 metric 100 mtu 1400\s
                198.18.4.0/24 dev eth0 scope link\s
                198.18.5.1 dev eth0 scope link\s
                blackhole 198.18.6.0/24\s
                unreachable 198.18.7.0/24\s
                prohibit 198.18.8.0/24\s
                198.18.9.0/24 via 198.18.0.1 dev eth0\s
                198.18.10.0/24 via 198.18.0.1 dev eth0 metric 5\s
                198.18.11.0/24 via 198.18.0.1 dev eth0 proto dhcp metric 6\s
                198.18.12.0/24 via 198.18.0.1 dev eth0 proto 99 metric 16\s
                198.18.13.0/24 dev eth0 scope host\s
                198.19.0.0/16 via 198.18.0.1 dev eth0 metric 7\s
                """);
        FibRoute r = fib.lookup(InetAddr.parse("198.18.3.77"));
        assertThat(r.gateway).isEqualTo(InetAddr.parse("198.18.0.1"));
        assertThat(r.metric).isEqualTo(100);
        assertThat(r.mtu).isEqualTo(1400);
        assertThat(r.protocol).isEqualTo(FibRoute.RTPROT_STATIC);
        assertThat(fib.lookup(InetAddr.parse("198.18.7.1")).type).isEqualTo(FibRoute.RTN_UNREACHABLE);
    }

    @Test
    void routeAddLocalOrBroadcast_goesToTheLocalTable_asIproute2Arranges() {
        net.exec("ip route add local 198.18.11.1 dev eth0");
        net.exec("ip route add broadcast 198.18.11.255 dev eth0");
        net.exec("ip route add local 198.18.12.1 dev eth0 table main");
        assertThat(net.exec("ip route show table local")).contains(
                "local 198.18.11.1 dev eth0 scope host \n", "broadcast 198.18.11.255 dev eth0 scope link \n");
        assertThat(net.exec("ip route show")).contains("local 198.18.12.1 dev eth0 scope host \n");
        net.exec("ip route del local 198.18.11.1 dev eth0");
        net.exec("ip route del broadcast 198.18.11.255");
        net.exec("ip route del local 198.18.12.1 table main");
        assertThat(net.exec("ip route show table all")).doesNotContain("198.18.11.", "198.18.12.");
    }

    @Test
    void routeReplaceAndChange_replaceTheRouteOfThatMetric_orCreate() {
        net.exec("ip route add 198.18.2.0/24 via 198.18.0.1");
        net.exec("ip route add 198.18.2.0/24 via 198.18.0.1 metric 50");
        net.exec("ip route replace 198.18.2.0/24 via 198.18.0.3");
        net.exec("ip route replace 198.18.20.0/24 via 198.18.0.1"); // nothing to replace: created
        net.exec("ip route change 198.18.2.0/24 via 198.18.0.4 metric 50 mtu 1300");
        net.exec("ip route chg 198.18.20.0/24 dev eth0");
        assertThat(net.exec("ip route show root 198.18.2.0/23")).isEqualTo("""
                198.18.2.0/24 via 198.18.0.3 dev eth0\s
                198.18.2.0/24 via 198.18.0.4 dev eth0 metric 50 mtu 1300\s
                """);
        assertThat(net.exec("ip route show 198.18.20.0/24")).isEqualTo("198.18.20.0/24 dev eth0 scope link \n");
        // A route of another type replaces the unicast one in place.
        net.exec("ip route replace blackhole 198.18.20.0/24");
        assertThat(net.exec("ip route show 198.18.20.0/24")).isEqualTo("blackhole 198.18.20.0/24 \n");
    }

    // ------------------------------------------------------------------ del

    @Test
    void routeDel_acceptsTheSameSelectors_andRemovesTheLowestMetricMatch() {
        net.exec("ip route add 198.18.2.0/24 via 198.18.0.1");
        net.exec("ip route add 198.18.2.0/24 via 198.18.0.3 metric 10");
        net.exec("ip route add 198.18.2.0/24 via 198.18.0.4 metric 20");
        net.exec("ip route add default via 198.18.0.1");
        net.exec("ip route add 198.18.3.0/24 via 198.18.0.1 dev eth0 metric 100 proto static src 198.18.0.2");
        net.exec("ip route add blackhole 198.18.6.0/24");
        net.exec("ip route add 198.18.5.1 dev eth0");

        net.exec("ip route del 198.18.2.0/24 via 198.18.0.4"); // selected by gateway, whatever its metric
        net.exec("ip route del 198.18.2.0/24"); // the lowest metric
        assertThat(net.exec("ip route show 198.18.2.0/24")).isEqualTo("198.18.2.0/24 via 198.18.0.3 dev eth0 metric 10 \n");
        net.exec("ip r d 198.18.2.0/24 metric 10");
        net.exec("ip route del default");
        net.exec("ip route delete 198.18.3.0/24 via 198.18.0.1 dev eth0 metric 100 proto static src 198.18.0.2 table main");
        net.exec("ip route del blackhole 198.18.6.0/24");
        net.exec("ip route del 198.18.5.1 dev eth0 scope link");
        assertThat(net.exec("ip route")).isEqualTo("198.18.0.0/24 dev eth0 proto kernel scope link src 198.18.0.2 \n");

        // Kernel routes go too, with the selectors they match.
        net.exec("ip route del 198.18.0.0/24 dev eth0 proto kernel scope link");
        assertThat(net.exec("ip route")).isEmpty();
    }

    // ------------------------------------------------------------------ show filters

    @Test
    void routeShow_filters_leaveOutWhatTheyFix() {
        net.exec("ip link set eth1 up");
        net.exec("ip addr add 198.18.1.2/24 dev eth1");
        net.exec("ip route add default via 198.18.0.1 metric 10");
        net.exec("ip route add 198.18.2.0/24 via 198.18.0.1 proto static");
        net.exec("ip route add 198.18.3.0/24 via 198.18.1.1 src 198.18.1.2");
        net.exec("ip route add blackhole 198.18.6.0/24");

        assertThat(net.exec("ip route show dev eth1")).isEqualTo("""
                198.18.1.0/24 proto kernel scope link src 198.18.1.2\s
                198.18.3.0/24 via 198.18.1.1 src 198.18.1.2\s
                """);
        assertThat(net.exec("ip route show proto kernel")).isEqualTo("""
                198.18.0.0/24 dev eth0 scope link src 198.18.0.2\s
                198.18.1.0/24 dev eth1 scope link src 198.18.1.2\s
                """);
        assertThat(net.exec("ip route show proto static")).isEqualTo("198.18.2.0/24 via 198.18.0.1 dev eth0 \n");
        assertThat(net.exec("ip route show proto all")).isEqualTo(net.exec("ip route show"));
        assertThat(net.exec("ip route show scope link")).isEqualTo("""
                198.18.0.0/24 dev eth0 proto kernel src 198.18.0.2\s
                198.18.1.0/24 dev eth1 proto kernel src 198.18.1.2\s
                """);
        assertThat(net.exec("ip route show type blackhole")).isEqualTo("blackhole 198.18.6.0/24 \n");
        assertThat(net.exec("ip route show via 198.18.0.1")).isEqualTo("""
                default dev eth0 metric 10\s
                198.18.2.0/24 dev eth0 proto static\s
                """);
        assertThat(net.exec("ip route show via 198.18.0.0/24")).isEqualTo("""
                default via 198.18.0.1 dev eth0 metric 10\s
                198.18.2.0/24 via 198.18.0.1 dev eth0 proto static\s
                """);
        assertThat(net.exec("ip route show src 198.18.1.2")).isEqualTo("""
                198.18.1.0/24 dev eth1 proto kernel scope link\s
                198.18.3.0/24 via 198.18.1.1 dev eth1\s
                """);
        assertThat(net.exec("ip route show metric 10")).isEqualTo("default via 198.18.0.1 dev eth0 \n");
        assertThat(net.exec("ip route show default")).isEqualTo("default via 198.18.0.1 dev eth0 metric 10 \n");
        assertThat(net.exec("ip route show all")).isEqualTo(net.exec("ip route list"));
        assertThat(net.exec("ip route show 198.18.2.0/24")).isEqualTo(net.exec("ip route show exact 198.18.2.0/24"))
                .isEqualTo(net.exec("ip route lst to 198.18.2.0/24"))
                .isEqualTo("198.18.2.0/24 via 198.18.0.1 dev eth0 proto static \n");
        assertThat(net.exec("ip route show root 198.18.2.0/23")).isEqualTo(
                "198.18.2.0/24 via 198.18.0.1 dev eth0 proto static \n198.18.3.0/24 via 198.18.1.1 dev eth1 src 198.18.1.2 \n");
        assertThat(net.exec("ip route show match 198.18.2.77")).isEqualTo(
                "default via 198.18.0.1 dev eth0 metric 10 \n198.18.2.0/24 via 198.18.0.1 dev eth0 proto static \n");
        assertThat(net.exec("ip route show table local type local dev eth1"))
                .isEqualTo("local 198.18.1.2 proto kernel scope host src 198.18.1.2 \n");
        assertThat(net.exec("ip route show table all dev eth1 scope host"))
                .isEqualTo("local 198.18.1.2 table local proto kernel src 198.18.1.2 \n");
    }

    @Test
    void routeThroughDeviceWithoutCarrier_isMarkedLinkdown_exceptLocalRoutes() {
        net.exec("ip route add 198.18.2.0/24 via 198.18.0.1");
        net.exec("ip link set eth0 carrier off");
        assertThat(net.exec("ip route")).isEqualTo("""
                198.18.0.0/24 dev eth0 proto kernel scope link src 198.18.0.2 linkdown\s
                198.18.2.0/24 via 198.18.0.1 dev eth0 linkdown\s
                """);
        assertThat(net.exec("ip route show table local dev eth0")).isEqualTo("""
                local 198.18.0.2 proto kernel scope host src 198.18.0.2\s
                broadcast 198.18.0.255 proto kernel scope link src 198.18.0.2 linkdown\s
                """);
        net.exec("ip link set eth0 carrier on");
        assertThat(net.exec("ip route")).doesNotContain("linkdown");
    }

    // ------------------------------------------------------------------ flush

    @Test
    void routeFlush_removesWhatTheFilterSelects() {
        net.exec("ip link set eth1 up");
        net.exec("ip addr add 198.18.1.2/24 dev eth1");
        net.exec("ip route add 198.18.2.0/24 via 198.18.0.1");
        net.exec("ip route add 198.18.3.0/24 via 198.18.1.1");
        net.exec("ip route add blackhole 198.18.6.0/24");
        String local = net.exec("ip route show table local");

        assertThat(net.exec("ip route flush dev eth0")).isEmpty();
        assertThat(net.exec("ip route")).isEqualTo("""
                198.18.1.0/24 dev eth1 proto kernel scope link src 198.18.1.2\s
                198.18.3.0/24 via 198.18.1.1 dev eth1\s
                blackhole 198.18.6.0/24\s
                """);
        assertThat(net.exec("ip route show table local")).isEqualTo(local); // flush works on main unless told

        assertThat(net.exec("ip -s route flush type blackhole")).isEqualTo("""

                *** Round 1, deleting 1 entries ***
                *** Flush is complete after 1 round ***
                """);
        assertThat(net.exec("ip -s route flush type blackhole")).isEqualTo("Nothing to flush.\n");
        assertThat(net.exec("ip -s -s route flush proto boot")).isEqualTo("""
                198.18.3.0/24 via 198.18.1.1 dev eth1\s

                *** Round 1, deleting 1 entries ***
                *** Flush is complete after 1 round ***
                """);
        net.exec("ip route flush table main");
        assertThat(net.exec("ip route")).isEmpty();
        assertThat(net.exec("ip route show table local")).isEqualTo(local);
    }

    // ------------------------------------------------------------------ get

    @Test
    void routeGet_throughAGateway_andOnLink_printLikeIproute2() {
        net.exec("ip route add 198.18.2.0/24 via 198.18.0.1");
        assertThat(net.exec("ip route get 198.18.2.5")).isEqualTo("""
                198.18.2.5 via 198.18.0.1 dev eth0 src 198.18.0.2 uid 0\s
                    cache\s
                """);
        assertThat(net.exec("ip route get 198.18.0.7")).isEqualTo("""
                198.18.0.7 dev eth0 src 198.18.0.2 uid 0\s
                    cache\s
                """);
        // The same as the route layer's own rendering, with the final newline.
        assertThat(net.exec("ip r g to 198.18.2.5"))
                .isEqualTo(net.ipv4().route().routeGet(InetAddr.parse("198.18.2.5")) + "\n");
        assertThat(net.exec("ip route get fibmatch 198.18.2.5")).isEqualTo("198.18.2.0/24 via 198.18.0.1 dev eth0 \n");
        assertThat(net.exec("ip route get 198.18.0.7 fibmatch"))
                .isEqualTo("198.18.0.0/24 dev eth0 proto kernel scope link src 198.18.0.2 \n");
    }

    @Test
    void routeGet_localBroadcastAndMtu_showTableLocalAndCacheFlags() {
        assertThat(net.exec("ip route get 198.18.0.2")).isEqualTo("""
                local 198.18.0.2 dev eth0 table local src 198.18.0.2 uid 0\s
                    cache <local>\s
                """);
        assertThat(net.exec("ip route get 198.18.0.255")).isEqualTo("""
                broadcast 198.18.0.255 dev eth0 table local src 198.18.0.2 uid 0\s
                    cache <local,brd>\s
                """);
        assertThat(net.exec("ip route get fibmatch 198.18.0.2"))
                .isEqualTo("local 198.18.0.2 dev eth0 table local proto kernel scope host src 198.18.0.2 \n");
        net.exec("ip route add 198.18.2.0/24 via 198.18.0.1 mtu 1400");
        assertThat(net.exec("ip route get 198.18.2.1")).isEqualTo("""
                198.18.2.1 via 198.18.0.1 dev eth0 src 198.18.0.2 uid 0\s
                    cache mtu 1400\s
                """);
    }

    @Test
    void routeGet_errorRoutes_reportTheKernelsAnswer() {
        net.exec("ip route add unreachable 198.18.7.0/24");
        net.exec("ip route add prohibit 198.18.8.0/24");
        assertThatThrownBy(() -> net.exec("ip route get 198.18.7.1"))
                .hasMessage("ip: RTNETLINK answers: No route to host \"198.18.7.1\"");
        assertThatThrownBy(() -> net.exec("ip route get 198.18.8.1"))
                .hasMessage("ip: RTNETLINK answers: Permission denied \"198.18.8.1\"");
        assertThatThrownBy(() -> net.exec("ip route get 198.19.0.1"))
                .hasMessage("ip: RTNETLINK answers: Network is unreachable \"198.19.0.1\"");
    }

    // ------------------------------------------------------------------ rejections

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            ip route frob                                               | unknown route command "frob"
            ip route append 198.18.2.0/24 via 198.18.0.1                | "route append" is not supported
            ip route add 198.18.0.0/33 via 198.18.0.1                   | invalid prefix "198.18.0.0/33"
            ip route add 198.18.0.0/24/8 via 198.18.0.1                 | invalid prefix "198.18.0.0/24/8"
            ip route add 198.18.0.256/24 via 198.18.0.1                 | invalid prefix "198.18.0.256/24"
            ip route add 198.18.2.0/255.0.255.0 via 198.18.0.1          | invalid prefix "198.18.2.0/255.0.255.0"
            ip route add 198.18.2.0/24 via 198.18.0.300                 | invalid address "198.18.0.300"
            ip route add 198.18.2.0/24 via 198.18.0.1 dev eth9          | no such device "eth9"
            ip route add 198.18.2.0/24 viaa 198.18.0.1                  | unknown keyword "viaa"
            ip route add 198.18.2.0/24 198.18.3.0/24 via 198.18.0.1     | duplicate destination "198.18.3.0/24"
            ip route add via 198.18.0.1                                 | missing destination
            ip route add 198.18.2.0/24 via                              | missing value after "via"
            ip route add 198.18.2.0/24 via 198.18.0.1 via 198.18.0.3    | duplicate argument "via"
            ip route add 198.18.2.0/24 via 198.18.0.1 metric -1         | invalid metric "-1"
            ip route add 198.18.2.0/24 via 198.18.0.1 metric x          | invalid metric "x"
            ip route add 198.18.2.0/24 via 198.18.0.1 proto foo         | invalid protocol "foo"
            ip route add 198.18.2.0/24 via 198.18.0.1 scope foo         | invalid scope "foo"
            ip route add 198.18.2.0/24 via 198.18.0.1 table foo         | invalid table "foo"
            ip route add 198.18.2.0/24 via 198.18.0.1 table 100         | unsupported table (only main and local) "100"
            ip route add 198.18.2.0/24 via 198.18.0.1 onlink            | unsupported argument "onlink"
            ip route add 198.18.2.0/24 nexthop via 198.18.0.1           | unsupported argument "nexthop"
            ip route add 198.18.2.0/24 via 198.18.0.1 initcwnd 10       | unsupported argument "initcwnd"
            ip route add 198.18.2.0/24 via 198.18.0.1 mtu lock 1400     | unsupported argument "mtu lock"
            ip route add 198.18.2.0/24 from 198.18.0.0/24 dev eth0      | unsupported argument "from"
            ip route add anycast 198.18.2.0/24 dev eth0                 | unsupported route type "anycast"
            ip route add blackhole                                      | missing value after "blackhole"
            ip -6 route add 198.18.2.0/24 via 198.18.0.1                | invalid prefix "198.18.2.0/24"
            ip route add 198.18.2.1/24 via 198.18.0.1                   | Error: Invalid prefix for given prefix length. "198.18.2.1/24"
            ip route add 198.18.2.0/24 via 198.18.9.1                   | Error: Nexthop has invalid gateway. "198.18.9.1"
            ip route add 198.18.2.0/24 via 198.18.0.2                   | Error: Gateway can not be a local address. "198.18.0.2"
            ip route add 198.18.2.0/24 via 198.18.0.1 dev eth1          | Error: Nexthop has invalid gateway. "198.18.0.1"
            ip route add 198.18.2.0/24 dev eth1                         | Error: Nexthop device is not up. "eth1"
            ip route add 198.18.2.0/24 via 198.18.0.1 src 198.18.0.99   | Error: Invalid prefsrc address. "198.18.0.99"
            ip route add 198.18.2.0/24 via 198.18.0.1 mtu 10            | Error: Invalid mtu 10. "10"
            ip route add 198.18.0.0/24 dev eth0                         | RTNETLINK answers: File exists "198.18.0.0/24"
            ip route add 198.18.20.0/24 via 198.18.0.3 metric 5         | RTNETLINK answers: File exists "198.18.20.0/24"
            ip route add blackhole 198.18.2.0/24 via 198.18.0.1         | "198.18.2.0/24"
            ip route add local 198.18.2.1                               | "198.18.2.1"
            ip route change 198.18.2.0/24 via 198.18.0.1                | RTNETLINK answers: No such file or directory "198.18.2.0/24"
            ip route change 198.18.20.0/24 via 198.18.0.1               | RTNETLINK answers: No such file or directory "198.18.20.0/24"
            ip route replace 198.18.20.0/24 via 198.18.9.1 metric 5     | Error: Nexthop has invalid gateway. "198.18.9.1"
            ip route del 198.18.2.0/24                                  | RTNETLINK answers: No such process "198.18.2.0/24"
            ip route del 198.18.20.0/24 via 198.18.0.9                  | RTNETLINK answers: No such process "198.18.20.0/24"
            ip route del 198.18.20.0/24 metric 6                        | RTNETLINK answers: No such process "198.18.20.0/24"
            ip route del 198.18.0.0/24 proto static                     | RTNETLINK answers: No such process "198.18.0.0/24"
            ip route del 198.18.0.0/24 dev eth1                         | RTNETLINK answers: No such process "198.18.0.0/24"
            ip route del 198.18.0.2                                     | RTNETLINK answers: No such process "198.18.0.2"
            ip route del 198.18.0.1/24                                  | Error: Invalid prefix for given prefix length. "198.18.0.1/24"
            ip route del                                                | missing destination
            ip route show table foo                                     | invalid table "foo"
            ip route show dev eth9                                      | no such device "eth9"
            ip route show cached                                        | "cached"
            ip route show bogus                                         | unknown keyword "bogus"
            ip route show 198.18.0.0/40                                 | invalid prefix "198.18.0.0/40"
            ip route show to bogus                                      | invalid prefix "bogus"
            ip route show type frob                                     | invalid route type "frob"
            ip route show from 198.18.0.0/24                            | unsupported argument "from"
            ip route flush                                              | requires arguments
            ip route flush cache                                        | "cache"
            ip route flush dev eth9                                     | no such device "eth9"
            ip route get                                                | missing address
            ip route get 198.18.0.300                                   | invalid address "198.18.0.300"
            ip route get 198.18.2.1 from 198.18.0.2                     | unsupported argument "from"
            ip route get 198.18.2.1 198.18.2.2                          | duplicate destination "198.18.2.2"
            ip route get 198.19.0.1                                     | RTNETLINK answers: Network is unreachable "198.19.0.1"
            """)
    void badRouteCommand_isRejectedWhole_namingTheBadWord_andChangesNothing(String command, String message) {
        net.exec("ip route add 198.18.20.0/24 via 198.18.0.1 metric 5");
        net.exec("ip neigh add 198.18.0.5 lladdr 02:00:00:00:00:05 dev eth0");
        String before = state();
        assertThatThrownBy(() -> net.exec(command))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("ip: ")
                .hasMessageContaining(message.strip());
        assertThat(state()).isEqualTo(before);
    }
}
