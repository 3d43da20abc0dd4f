package dev.packetflow.iproute2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.packetflow.drivers.net.channel.ChannelDevice;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.NeighInfo;
import dev.packetflow.net.core.Neighbour;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.net.ipv4.InetAddr;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IpNeighTest {
    private final Simulation sim = new Simulation(1);
    private final NetStack net = NetStack.create(sim, "A");
    private final ChannelDevice eth0 = net.addDevice(new ChannelDevice("eth0", Eth.localMac(0x0a)));
    private final ChannelDevice eth1 = net.addDevice(new ChannelDevice("eth1", Eth.localMac(0x0b)));

    IpNeighTest() {
        net.arp().setGratuitousArpOnAddressAdd(false);
        net.devices().open(eth0);
        net.devices().open(eth1);
        net.ipv4().addAddress(eth0, InetAddr.parse("198.18.0.2"), 24);
        net.ipv4().addAddress(eth1, InetAddr.parse("198.18.1.2"), 24);
    }

    @AfterEach
    void close() {
        net.close();
    }

    private String state() {
        return net.exec("ip route show table all") + "|" + net.exec("ip neigh show nud all");
    }

    private NeighInfo entry(String addr, ChannelDevice dev) {
        return net.arp().neighbour(InetAddr.parse(addr), dev);
    }

    // ------------------------------------------------------------------ add / replace / change / del

    @Test
    void neighAdd_acceptsIproute2Forms_andShowPrintsThemLikeIproute2() {
        net.exec("ip neigh add 198.18.0.1 lladdr 02:00:00:00:00:01 dev eth0"); // nud permanent by default
        net.exec("ip n a 198.18.0.3 ll 02:00:00:00:00:03 dev eth0 nud reachable");
        net.exec("ip neighbour add to 198.18.0.4 lladdr 2:0:0:0:0:4 dev eth0 nud stale");
        net.exec("ip neighbor add 198.18.0.6 lladdr 02:00:00:00:00:06 dev eth0 nud noarp");
        net.exec("ip neigh add 198.18.1.1 lladdr 02:00:00:00:01:01 dev eth1 nud perm");
        // iproute2 ends every field with a space, the state too.
        assertThat(net.exec("ip neigh")).isEqualTo("""
                198.18.0.1 dev eth0 lladdr 02:00:00:00:00:01 PERMANENT\s
                198.18.0.3 dev eth0 lladdr 02:00:00:00:00:03 REACHABLE\s
                198.18.0.4 dev eth0 lladdr 02:00:00:00:00:04 STALE\s
                198.18.1.1 dev eth1 lladdr 02:00:00:00:01:01 PERMANENT\s
                """);
        assertThat(entry("198.18.0.3", eth0)).isEqualTo(
                new NeighInfo(InetAddr.parse("198.18.0.3"), eth0, 0x0200_0000_0003L, Neighbour.NUD_REACHABLE));
        // NOARP entries are listed only when asked for.
        assertThat(net.exec("ip neigh show nud noarp")).isEqualTo("198.18.0.6 dev eth0 lladdr 02:00:00:00:00:06 NOARP \n");
        assertThat(net.exec("ip neigh show nud all")).contains("198.18.0.6 dev eth0");
        assertThat(net.exec("ip -6 neigh")).isEmpty();
    }

    @Test
    void neighReplaceAndChange_overrideOrCreate_keepingAKnownLladdr() {
        net.exec("ip neigh add 198.18.0.1 lladdr 02:00:00:00:00:01 dev eth0");
        net.exec("ip neigh replace 198.18.0.1 lladdr 02:00:00:00:00:11 dev eth0 nud reachable");
        net.exec("ip neigh replace 198.18.0.7 lladdr 02:00:00:00:00:07 dev eth0"); // nothing to replace: created
        net.exec("ip neigh change 198.18.0.7 dev eth0 nud stale"); // no lladdr: the known one stays
        net.exec("ip neigh chg 198.18.0.1 lladdr 02:00:00:00:00:21 dev eth0 nud 128");
        assertThat(net.exec("ip neigh show dev eth0")).isEqualTo("""
                198.18.0.1 lladdr 02:00:00:00:00:21 PERMANENT\s
                198.18.0.7 lladdr 02:00:00:00:00:07 STALE\s
                """);
    }

    @Test
    void neighDel_removesTheEntry() {
        net.exec("ip neigh add 198.18.0.1 lladdr 02:00:00:00:00:01 dev eth0");
        net.exec("ip neigh add 198.18.0.3 lladdr 02:00:00:00:00:03 dev eth0");
        net.exec("ip neigh del 198.18.0.1 dev eth0");
        net.exec("ip n d to 198.18.0.3 lladdr 02:00:00:00:00:03 dev eth0 nud probe"); // iproute2 passes these, unused
        assertThat(net.exec("ip neigh show nud all")).isEmpty();
        assertThat(entry("198.18.0.1", eth0)).isNull();
    }

    // ------------------------------------------------------------------ show filters

    @Test
    void neighShow_filtersByDeviceStateAndPrefix() {
        net.exec("ip neigh add 198.18.0.1 lladdr 02:00:00:00:00:01 dev eth0");
        net.exec("ip neigh add 198.18.0.3 lladdr 02:00:00:00:00:03 dev eth0 nud reachable");
        net.exec("ip neigh add 198.18.0.9 lladdr 02:00:00:00:00:09 dev eth0 nud stale");
        net.exec("ip neigh add 198.18.1.1 lladdr 02:00:00:00:01:01 dev eth1 nud reachable");
        // An entry the stack created while resolving: no address yet, state NONE.
        net.arp().table().lookupOrCreate(eth0, InetAddr.parse("198.18.0.20"));

        assertThat(net.exec("ip neigh show dev eth1")).isEqualTo("198.18.1.1 lladdr 02:00:00:00:01:01 REACHABLE \n");
        assertThat(net.exec("ip neigh show nud reachable")).isEqualTo("""
                198.18.0.3 dev eth0 lladdr 02:00:00:00:00:03 REACHABLE\s
                198.18.1.1 dev eth1 lladdr 02:00:00:00:01:01 REACHABLE\s
                """);
        assertThat(net.exec("ip neigh show nud reachable nud stale dev eth0")).isEqualTo("""
                198.18.0.3 lladdr 02:00:00:00:00:03 REACHABLE\s
                198.18.0.9 lladdr 02:00:00:00:00:09 STALE\s
                """);
        // NONE is hidden by default and prints neither lladdr nor state.
        assertThat(net.exec("ip neigh show")).doesNotContain("198.18.0.20");
        assertThat(net.exec("ip neigh show nud none")).isEqualTo("198.18.0.20 dev eth0 \n");
        assertThat(net.exec("ip neigh show nud all dev eth0")).contains("198.18.0.20 \n");
        assertThat(net.exec("ip neigh show 198.18.0.3")).isEqualTo("198.18.0.3 dev eth0 lladdr 02:00:00:00:00:03 REACHABLE \n");
        assertThat(net.exec("ip neigh show to 198.18.0.0/30 nud permanent nud reachable")).isEqualTo("""
                198.18.0.1 dev eth0 lladdr 02:00:00:00:00:01 PERMANENT\s
                198.18.0.3 dev eth0 lladdr 02:00:00:00:00:03 REACHABLE\s
                """);
        assertThat(net.exec("ip neigh list")).isEqualTo(net.exec("ip neigh"))
                .isEqualTo(net.exec("ip neigh lst"))
                .isEqualTo(net.exec("ip neigh show all"))
                .isEqualTo(net.exec("ip n s"));
    }

    @Test
    void neighGet_printsTheEntryWithItsDevice() {
        net.exec("ip neigh add 198.18.1.1 lladdr 02:00:00:00:01:01 dev eth1 nud stale");
        assertThat(net.exec("ip neigh get 198.18.1.1 dev eth1")).isEqualTo("198.18.1.1 dev eth1 lladdr 02:00:00:00:01:01 STALE \n");
        assertThat(net.exec("ip n g to 198.18.1.1 dev eth1")).isEqualTo(net.exec("ip neigh get 198.18.1.1 dev eth1"));
        assertThatThrownBy(() -> net.exec("ip neigh get 198.18.1.1 dev eth0"))
                .hasMessage("ip: Error: Neighbour entry not found. \"198.18.1.1\"");
    }

    // ------------------------------------------------------------------ flush

    @Test
    void neighFlush_sparesPermanentAndNoarp_unlessAskedFor() {
        net.exec("ip neigh add 198.18.0.1 lladdr 02:00:00:00:00:01 dev eth0");
        net.exec("ip neigh add 198.18.0.3 lladdr 02:00:00:00:00:03 dev eth0 nud reachable");
        net.exec("ip neigh add 198.18.0.6 lladdr 02:00:00:00:00:06 dev eth0 nud noarp");
        net.exec("ip neigh add 198.18.0.9 lladdr 02:00:00:00:00:09 dev eth0 nud stale");
        net.exec("ip neigh add 198.18.1.1 lladdr 02:00:00:00:01:01 dev eth1 nud reachable");
        net.arp().table().lookupOrCreate(eth0, InetAddr.parse("198.18.0.20"));

        assertThat(net.exec("ip neigh flush dev eth0")).isEmpty();
        assertThat(net.exec("ip neigh show nud all")).isEqualTo("""
                198.18.0.1 dev eth0 lladdr 02:00:00:00:00:01 PERMANENT\s
                198.18.0.6 dev eth0 lladdr 02:00:00:00:00:06 NOARP\s
                198.18.1.1 dev eth1 lladdr 02:00:00:00:01:01 REACHABLE\s
                """);
        assertThat(net.exec("ip -s neigh flush dev eth0")).isEqualTo("Nothing to flush.\n");
        assertThat(net.exec("ip -s -s neigh flush dev eth0 nud all")).isEqualTo("""
                198.18.0.1 lladdr 02:00:00:00:00:01 PERMANENT\s

                *** Round 1, deleting 1 entries ***
                *** Flush is complete after 1 round ***
                """);
        net.exec("ip neigh flush dev eth0 nud noarp");
        net.exec("ip neigh add 198.18.1.7 lladdr 02:00:00:00:01:07 dev eth1 nud stale");
        net.exec("ip neigh flush to 198.18.1.7");
        assertThat(net.exec("ip neigh show nud all")).isEqualTo("198.18.1.1 dev eth1 lladdr 02:00:00:00:01:01 REACHABLE \n");
        assertThat(net.exec("ip -s neigh flush all")).isEqualTo("""

                *** Round 1, deleting 1 entries ***
                *** Flush is complete after 1 round ***
                """);
        assertThat(net.exec("ip neigh show nud all")).isEmpty();
    }

    // ------------------------------------------------------------------ rejections

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            ip neigh frob                                                     | unknown neigh command "frob"
            ip neigh add 198.18.0.1 lladdr 02:00:00:00:00:01 dev eth9         | no such device "eth9"
            ip neigh add 198.18.0.1 lladdr 02:00:00:00:01 dev eth0            | invalid lladdr "02:00:00:00:01"
            ip neigh add 198.18.0.1 lladdr zz:00:00:00:00:01 dev eth0         | invalid lladdr "zz:00:00:00:00:01"
            ip neigh add 198.18.0.1 lladdr 02:00:00:00:00:001 dev eth0        | invalid lladdr "02:00:00:00:00:001"
            ip neigh add 198.18.0.300 lladdr 02:00:00:00:00:01 dev eth0       | invalid address "198.18.0.300"
            ip neigh add 198.18.0.1 lladdr 02:00:00:00:00:01 dev eth0 nud bad | nud state is bad "bad"
            ip neigh add 198.18.0.1 lladdr 02:00:00:00:00:01 dev eth0 nud 3   | nud state is bad "3"
            ip neigh add 198.18.0.1 lladdr 02:00:00:00:00:01 dev eth0 nud probe | unsupported nud state (use permanent, noarp, reachable or stale) "probe"
            ip neigh add 198.18.0.1 lladdr 02:00:00:00:00:01 dev eth0 nud none | unsupported nud state (use permanent, noarp, reachable or stale) "none"
            ip neigh add 198.18.0.1 lladdr 02:00:00:00:00:01                  | missing "dev DEV" after "198.18.0.1"
            ip neigh add lladdr 02:00:00:00:00:01 dev eth0                    | device and destination are required
            ip neigh add 198.18.0.1 lladdr 02:00:00:00:00:01 dev              | missing value after "dev"
            ip neigh add 198.18.0.1 lladdr 02:00:00:00:00:01 dev eth0 dev eth1 | duplicate argument "dev"
            ip neigh add 198.18.0.1 dev eth0                                  | Error: No link layer address given. "198.18.0.1"
            ip neigh add 198.18.0.1 lladdr null dev eth0                      | Error: No link layer address given. "198.18.0.1"
            ip neigh add 198.18.0.5 lladdr 02:00:00:00:00:05 dev eth0         | RTNETLINK answers: File exists "198.18.0.5"
            ip neigh change 198.18.0.1 lladdr 02:00:00:00:00:01 dev eth0      | RTNETLINK answers: No such file or directory "198.18.0.1"
            ip neigh del 198.18.0.1 dev eth0                                  | RTNETLINK answers: No such file or directory "198.18.0.1"
            ip neigh del 198.18.0.5 dev eth1                                  | RTNETLINK answers: No such file or directory "198.18.0.5"
            ip neigh add 198.18.0.1 lladdr 02:00:00:00:00:01 dev eth0 router  | unsupported argument "router"
            ip neigh add proxy 198.18.0.1 dev eth0                            | unsupported argument "proxy"
            ip neigh add 198.18.0.1 lladdr 02:00:00:00:00:01 dev eth0 bogus   | unknown keyword "bogus"
            ip neigh add 198.18.0.1 198.18.0.2 lladdr 02:00:00:00:00:01 dev eth0 | duplicate address "198.18.0.2"
            ip neigh show dev eth9                                            | no such device "eth9"
            ip neigh show nud bogus                                           | nud state is bad "bogus"
            ip neigh show bogus                                               | unknown keyword "bogus"
            ip neigh show to 198.18.0.0/33                                    | invalid prefix "198.18.0.0/33"
            ip neigh show proxy                                               | unsupported argument "proxy"
            ip neigh flush                                                    | flush requires arguments
            ip neigh flush dev eth9                                           | no such device "eth9"
            ip neigh get 198.18.0.1 dev eth0                                  | Error: Neighbour entry not found. "198.18.0.1"
            ip neigh get 198.18.0.5                                           | device and address are required
            ip neigh get 198.18.0.5 dev eth9                                  | no such device "eth9"
            """)
    void badNeighCommand_isRejectedWhole_namingTheBadWord_andChangesNothing(String command, String message) {
        net.exec("ip route add 198.18.20.0/24 via 198.18.0.1 metric 5");
        net.exec("ip neigh add 198.18.0.5 lladdr 02:00:00:00:00:05 dev eth0");
        net.exec("ip neigh add 198.18.0.6 lladdr 02:00:00:00:00:06 dev eth0 nud reachable");
        String before = state();
        assertThatThrownBy(() -> net.exec(command))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("ip: ")
                .hasMessageContaining(message.strip());
        assertThat(state()).isEqualTo(before);
    }
}
