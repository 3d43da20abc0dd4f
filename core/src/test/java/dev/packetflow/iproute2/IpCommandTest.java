package dev.packetflow.iproute2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.packetflow.drivers.net.channel.ChannelDevice;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.LinkStats64;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.net.ipv4.InetAddr;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IpCommandTest {
    /** A stand-in for the loopback driver, enough to show how {@code ip} prints lo. */
    static final class Lo extends NetDevice {
        Lo() {
            super("lo");
            type = ARPHRD_LOOPBACK;
            mtu = 65536;
            maxMtu = 65536;
        }

        @Override
        protected void ndoOpen() {}

        @Override
        protected void ndoStop() {}

        @Override
        protected int ndoStartXmit(SkBuff skb) {
            Skb.consumeSkb(skb);
            return NETDEV_TX_OK;
        }

        @Override
        public String kind() {
            return "loopback";
        }
    }

    private final Simulation sim = new Simulation(1);
    private final NetStack net = NetStack.create(sim, "A");
    private final Lo lo = net.addDevice(new Lo());
    private final ChannelDevice eth0 = net.addDevice(new ChannelDevice("eth0", Eth.localMac(0x0a)));
    private final ChannelDevice eth1 = net.addDevice(new ChannelDevice("eth1", Eth.localMac(0x0b)));

    IpCommandTest() {
        // Keep the TX counters these tests compare free of the announcement an address add sends.
        net.arp().setGratuitousArpOnAddressAdd(false);
        net.devices().open(lo);
        net.devices().open(eth0);
        net.ipv4().addAddress(lo, InetAddr.parse("127.0.0.1"), 8);
        net.ipv4().addAddress(eth0, InetAddr.parse("198.18.0.10"), 24);
    }

    @AfterEach
    void close() {
        net.close();
    }

    private String state() {
        return IpLink.show(net, null, 2) + IpAddr.show(net);
    }

    // ------------------------------------------------------------------ output layout

    @Test
    void ipLink_printsLikeIproute2() {
        assertThat(net.exec("ip link")).isEqualTo("""
                1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000
                    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
                2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP mode DEFAULT group default qlen 1000
                    link/ether 02:00:00:00:00:0a brd ff:ff:ff:ff:ff:ff
                3: eth1: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000
                    link/ether 02:00:00:00:00:0b brd ff:ff:ff:ff:ff:ff
                """);
        assertThat(IpLink.show(net, false)).isEqualTo(net.exec("ip link show"));
    }

    @Test
    void ipStatsLink_printsTheCountersBlockLikeIproute2() {
        LinkStats64 s = eth0.stats();
        s.add(LinkStats64.RX_BYTES, 12_345_678);
        s.add(LinkStats64.RX_PACKETS, 12_345);
        s.add(LinkStats64.RX_DROPPED, 3);
        s.add(LinkStats64.MULTICAST, 7);
        s.add(LinkStats64.TX_BYTES, 1_234_567);
        s.add(LinkStats64.TX_PACKETS, 1_234);
        // Trailing spaces are iproute2's: every number is followed by one, and an empty
        // "compressed" column still takes its width in the header.
        assertThat(net.exec("ip -s link show eth0")).isEqualTo(
                "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP mode DEFAULT group default qlen 1000\n"
                + "    link/ether 02:00:00:00:00:0a brd ff:ff:ff:ff:ff:ff\n"
                + "    RX:  bytes packets errors dropped  missed   mcast           \n"
                + "      12345678   12345      0       3       0       7 \n"
                + "    TX:  bytes packets errors dropped carrier collsns           \n"
                + "       1234567    1234      0       0       0       0 \n");
        assertThat(IpLink.show(net, true)).contains("      12345678   12345      0       3       0       7 \n");
    }

    @Test
    void ipStatsStatsLink_widensColumnsForLargeCounters() {
        // The values of iproute2's own example for its column sizing (commit "ip: dynamically
        // size columns when printing stats"), without its transns column.
        LinkStats64 s = eth0.stats();
        s.add(LinkStats64.RX_BYTES, 126570234447969L);
        s.add(LinkStats64.RX_PACKETS, 15016149200L);
        s.add(LinkStats64.TX_BYTES, 126570234447969L);
        s.add(LinkStats64.TX_PACKETS, 15016149200L);
        String out = net.exec("ip -s -s link show dev eth0");
        assertThat(out).endsWith(""
                + "    RX:       bytes     packets errors dropped  missed   mcast           \n"
                + "    126570234447969 15016149200      0       0       0       0 \n"
                + "    RX errors:           length    crc   frame    fifo overrun\n"
                + "                              0      0       0       0       0 \n"
                + "    TX:       bytes     packets errors dropped carrier collsns           \n"
                + "    126570234447969 15016149200      0       0       0       0 \n"
                + "    TX errors:          aborted   fifo  window heartbt\n"
                + "                              0      0       0       0 \n");
    }

    @Test
    void ipAddr_printsLikeIproute2_withSecondaryAndHostScope() {
        net.exec("ip addr add 198.18.0.11/24 dev eth0");
        net.exec("ip addr add 198.18.5.1/32 dev eth0");
        assertThat(net.exec("ip addr")).isEqualTo("""
                1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
                    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
                    inet 127.0.0.1/8 brd 127.255.255.255 scope host lo
                       valid_lft forever preferred_lft forever
                2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP group default qlen 1000
                    link/ether 02:00:00:00:00:0a brd ff:ff:ff:ff:ff:ff
                    inet 198.18.0.10/24 brd 198.18.0.255 scope global eth0
                       valid_lft forever preferred_lft forever
                    inet 198.18.5.1/32 scope global eth0
                       valid_lft forever preferred_lft forever
                    inet 198.18.0.11/24 brd 198.18.0.255 scope global secondary eth0
                       valid_lft forever preferred_lft forever
                3: eth1: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN group default qlen 1000
                    link/ether 02:00:00:00:00:0b brd ff:ff:ff:ff:ff:ff
                """);
        assertThat(IpAddr.show(net)).isEqualTo(net.exec("ip address show"));
    }

    @Test
    void ipFamilyAddr_listsOnlyDevicesWithSuchAddresses() {
        assertThat(net.exec("ip -4 addr")).isEqualTo("""
                1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
                    inet 127.0.0.1/8 brd 127.255.255.255 scope host lo
                       valid_lft forever preferred_lft forever
                2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP group default qlen 1000
                    inet 198.18.0.10/24 brd 198.18.0.255 scope global eth0
                       valid_lft forever preferred_lft forever
                """);
        assertThat(net.exec("ip -6 addr")).isEmpty();
        assertThat(net.exec("ip -0 addr show eth1")).isEqualTo("""
                3: eth1: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN group default qlen 1000
                    link/ether 02:00:00:00:00:0b brd ff:ff:ff:ff:ff:ff
                """);
    }

    @Test
    void linkWithoutCarrier_showsNoCarrierAndStateDown() {
        net.exec("ip link set eth0 carrier off");
        assertThat(net.exec("ip link show eth0")).startsWith(
                "2: eth0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc pfifo_fast state DOWN mode DEFAULT");
        net.exec("ip link set eth0 carrier on");
        assertThat(eth0.isRunning()).isTrue();
    }

    // ------------------------------------------------------------------ accepted forms

    @Test
    void linkSet_appliesSeveralSettingsInOneCommand() {
        assertThat(net.exec("ip link set dev eth1 mtu 9000 txqueuelen 500 address 02:00:00:00:00:99 name wan0 up"))
                .isEmpty();
        assertThat(eth1.name()).isEqualTo("wan0");
        assertThat(eth1.mtu()).isEqualTo(9000);
        assertThat(eth1.txQueueLen()).isEqualTo(500);
        assertThat(eth1.mac()).isEqualTo(0x0200_0000_0099L);
        assertThat(eth1.isUp()).isTrue();
        assertThat(net.exec("ip link show wan0")).isEqualTo("""
                3: wan0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9000 qdisc pfifo_fast state UP mode DEFAULT group default qlen 500
                    link/ether 02:00:00:00:00:99 brd ff:ff:ff:ff:ff:ff
                """);
        net.exec("ip l s wan0 down");
        assertThat(eth1.isUp()).isFalse();
        net.exec("ip link set wan0 qlen 1000");
        net.exec("ip link set wan0 txqlen 999");
        assertThat(eth1.txQueueLen()).isEqualTo(999);
        net.exec("ip link change wan0 addr 02:00:00:00:00:0b");
        assertThat(eth1.mac()).isEqualTo(Eth.localMac(0x0b));
    }

    @Test
    void linkShow_acceptsIproute2Abbreviations() {
        String one = net.exec("ip link show dev eth1");
        assertThat(one).startsWith("3: eth1:");
        assertThat(net.exec("ip link show eth1")).isEqualTo(one);
        assertThat(net.exec("ip l sh eth1")).isEqualTo(one);
        assertThat(net.exec("ip link list eth1")).isEqualTo(one);
        assertThat(net.exec("ip link lst eth1")).isEqualTo(one);
        assertThat(net.exec("ip link show up")).contains("1: lo:").contains("2: eth0:").doesNotContain("eth1");
        assertThat(net.exec("ip -stats link")).isEqualTo(net.exec("ip -s link show"));
        assertThat(net.exec("ip -statistics link")).isEqualTo(IpLink.show(net, true));
    }

    @Test
    void addrAddDel_acceptIproute2Forms() {
        net.exec("ip addr add 198.18.1.1/24 dev eth1");
        net.exec("ip a a 198.18.2.1/16 brd + dev eth1");
        net.exec("ip address add local 198.18.3.1/24 broadcast 198.18.3.255 scope global label eth1 dev eth1");
        net.exec("ip a add 198.18.4.1 dev eth1");
        assertThat(net.ipv4().addresses(eth1)).extracting(a -> a.toString()).containsExactly(
                "198.18.1.1/24 dev eth1", "198.18.2.1/16 dev eth1", "198.18.3.1/24 dev eth1", "198.18.4.1/32 dev eth1");
        assertThat(net.exec("ip a s eth1")).isEqualTo(net.exec("ip address show dev eth1"))
                .contains("    inet 198.18.2.1/16 brd 198.18.255.255 scope global eth1\n");

        net.exec("ip addr del 198.18.1.1/24 dev eth1");
        net.exec("ip a d 198.18.2.1 dev eth1"); // no prefix: whatever its length, as iproute2 allows
        net.exec("ip address delete 198.18.4.1/32 dev eth1");
        assertThat(net.ipv4().addresses(eth1)).extracting(a -> a.toString()).containsExactly("198.18.3.1/24 dev eth1");

        net.exec("ip addr replace 198.18.3.1/25 dev eth1");
        assertThat(net.ipv4().addresses(eth1)).extracting(a -> a.toString()).containsExactly("198.18.3.1/25 dev eth1");
        net.exec("ip addr flush dev eth1");
        assertThat(net.ipv4().addresses(eth1)).isEmpty();
    }

    // ------------------------------------------------------------------ rejections

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            ip addrx                                          | unknown command "addrx"
            tc qdisc show                                     | unknown command "tc"
            ip -x link                                        | unknown option "-x"
            ip link frob                                      | unknown link command "frob"
            ip addr frob                                      | unknown address command "frob"
            ip addr add 198.18.0.1/33 dev eth0                | invalid prefix "198.18.0.1/33"
            ip addr add 198.18.0.1/ dev eth0                  | invalid prefix "198.18.0.1/"
            ip addr add 198.18.0.300/24 dev eth0              | invalid address "198.18.0.300/24"
            ip addr add 198.18.0.20/24 dev eth9               | no such device "eth9"
            ip addr add 198.18.0.20/24                        | missing "dev DEV" after "198.18.0.20/24"
            ip addr add 198.18.0.20/24 dev eth0 bogus         | unknown argument "bogus"
            ip addr add 198.18.0.20/24 brd 198.18.0.1 dev eth0 | "198.18.0.1"
            ip addr add 198.18.0.20/24 scope host dev eth0    | unsupported scope
            ip addr add 198.18.0.20/24 label eth7 dev eth0    | "eth7"
            ip addr add 198.18.0.10/24 dev eth0               | already assigned (File exists): "198.18.0.10/24"
            ip addr del 198.18.0.77/24 dev eth0               | not assigned (Cannot assign requested address): "198.18.0.77/24"
            ip addr del 198.18.0.10/16 dev eth0               | "198.18.0.10/16"
            ip addr show dev eth9                             | no such device "eth9"
            ip addr flush                                     | flush requires arguments
            ip link set eth9 up                               | no such device "eth9"
            ip link set eth1 up mtu 99999                     | invalid mtu "99999" for eth1 (range 68..65535)
            ip link set eth1 up mtu 67                        | invalid mtu "67"
            ip link set eth1 up mtu abc                       | invalid mtu "abc"
            ip link set eth1 up mtu                           | missing value after "mtu"
            ip link set eth1 up mtu 1400 mtu 1500             | duplicate argument "mtu"
            ip link set eth1 up address 01:00:5e:00:00:01     | "01:00:5e:00:00:01"
            ip link set eth1 up address 00:00:00:00:00:00     | "00:00:00:00:00:00"
            ip link set eth1 up address zz:00:00:00:00:01     | invalid address "zz:00:00:00:00:01"
            ip link set eth1 up address 02:00:00:00:01        | invalid address "02:00:00:00:01"
            ip link set eth1 up name eth0                     | device already exists: "eth0"
            ip link set eth1 up name a/b                      | invalid name "a/b"
            ip link set eth1 up name averyveryverylongname    | invalid name "averyveryverylongname"
            ip link set eth0 name wan0                        | cannot rename "eth0" to "wan0" while it is up
            ip link set eth1 up txqueuelen -5                 | invalid txqueuelen "-5"
            ip link set eth1 up carrier maybe                 | carrier must be on or off, not "maybe"
            ip link set eth1 up foo                           | unknown argument "foo"
            ip link set up                                    | link set needs a device
            ip link show eth9                                 | no such device "eth9"
            ip link show eth0 eth1                            | unknown argument "eth1"
            ip link add veth0 type veth                       | "link add" is not supported
            ip rule show                                      | "rule" is not supported
            """)
    void badCommand_isRejectedWhole_namingTheBadWord_andChangesNothing(String command, String message) {
        String before = state();
        assertThatThrownBy(() -> net.exec(command))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("ip: ")
                .hasMessageContaining(message.strip());
        assertThat(state()).isEqualTo(before);
        assertThat(eth1.isUp()).isFalse();
    }

    @Test
    void emptyCommand_isRejected() {
        assertThatThrownBy(() -> net.exec("  ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> net.exec("ip")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing object");
    }
}
