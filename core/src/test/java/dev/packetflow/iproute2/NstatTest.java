package dev.packetflow.iproute2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.Mib;
import org.junit.jupiter.api.Test;

class NstatTest {
    @Test
    void format_printsNonZeroCountersLikeNstat_thenDropReasons() {
        try (NetStack net = NetStack.create(new Simulation(1), "A")) {
            Mib ip = new Mib("Ip", "Forwarding", "DefaultTTL", "InReceives", "InHdrErrors", "InDelivers");
            Mib icmp = new Mib("Icmp", "InMsgs", "OutEchoReps");
            net.addMib(ip);
            net.addMib(icmp);
            ip.set(0, 1);
            ip.set(1, 64);
            ip.add(2, 123);
            ip.add(4, 120);
            icmp.add(1, 12_345_678_901L);
            net.drops().count(DropReason.NO_SOCKET);
            net.drops().count(DropReason.NO_SOCKET);
            net.drops().count(DropReason.IP_INHDR_TTL);

            assertThat(Nstat.format(net)).isEqualTo("""
                    #kernel
                    IpInReceives                    123                0.0
                    IpInDelivers                    120                0.0
                    IcmpOutEchoReps                 12345678901        0.0
                    #drop reasons
                    NO_SOCKET                       2                  0.0
                    IP_INHDR_TTL                    1                  0.0
                    """);
        }
    }

    @Test
    void formatWithZeros_printsEveryCounterButNstatsSettings() {
        try (NetStack net = NetStack.create(new Simulation(1), "A")) {
            String out = Nstat.format(net, true);
            assertThat(out).startsWith("#kernel\nIpInReceives                    0                  0.0\n");
            assertThat(out).doesNotContain("IpForwarding").doesNotContain("IpDefaultTTL");
            long counters = 0;
            for (Mib m : net.mibs()) {
                if (java.util.Set.of("Ip", "Icmp", "IcmpMsg", "IpExt", "Udp", "Tcp", "TcpExt").contains(m.group())) {
                    for (String f : m.fields()) {
                        // nstat leaves out the fields that are settings, not counters.
                        if (!java.util.Set.of("IpForwarding", "IpDefaultTTL", "TcpRtoAlgorithm", "TcpRtoMin",
                                "TcpRtoMax", "TcpMaxConn", "TcpCurrEstab").contains(m.group() + f)) {
                            counters++;
                        }
                    }
                }
            }
            // Every counter of the nstat groups but the settings and the TcpCurrEstab gauge, then every drop reason.
            assertThat(out.lines().filter(l -> !l.startsWith("#"))).hasSize((int) counters + DropReason.values().length);
            assertThat(out).contains("\nNOT_SPECIFIED                   0                  0.0\n");
            assertThat(out).doesNotContain("arp_cache");
        }
    }
}
