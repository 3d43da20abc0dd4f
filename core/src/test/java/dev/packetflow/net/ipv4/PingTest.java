package dev.packetflow.net.ipv4;

import dev.packetflow.net.socket.Errno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.packetflow.net.core.DropReason;
import java.util.List;
import org.junit.jupiter.api.Test;

class PingTest {

    @Test
    void ping_acrossRouter_getsReplyWithTtlDecremented() {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 7)) {
            assertThat(ping.send(TestNet.B, 1, 56)).isZero();
            n.sim.run();
            List<Ping.Reply> replies = ping.replies();
            assertThat(replies).hasSize(1);
            Ping.Reply r = replies.get(0);
            assertThat(r.seq()).isEqualTo(1);
            assertThat(r.from()).isEqualTo(TestNet.B);
            assertThat(r.ttl()).isEqualTo(63);
            assertThat(r.dataLen()).isEqualTo(56);
            assertThat(r.intact()).isTrue();
            assertThat(n.mib(n.r, "Ip", "ForwDatagrams")).isEqualTo(2);
            assertThat(n.mib(n.b, "Icmp", "InEchos")).isEqualTo(1);
            assertThat(n.mib(n.b, "Icmp", "OutEchoReps")).isEqualTo(1);
            assertThat(n.mib(n.a, "Icmp", "OutEchos")).isEqualTo(1);
            assertThat(n.mib(n.a, "Icmp", "InEchoReps")).isEqualTo(1);
            assertThat(n.mib(n.a, "IcmpMsg", "OutType8")).isEqualTo(1);
            assertThat(n.mib(n.a, "IcmpMsg", "InType0")).isEqualTo(1);
            String snmp = IpMib.procNetSnmp(n.a.ipv4());
            assertThat(snmp).startsWith("Ip: Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams "
                    + "InUnknownProtos InDiscards InDelivers OutRequests OutDiscards OutNoRoutes ReasmTimeout ReasmReqds "
                    + "ReasmOKs ReasmFails FragOKs FragFails FragCreates OutTransmits\nIp: 2 64 1 0 0 0 0 0 1 1 0 0 0 0 0 0 0 0 0 1\n");
            assertThat(snmp).contains("Icmp: InMsgs InErrors InCsumErrors InDestUnreachs");
            assertThat(snmp).endsWith("IcmpMsg: InType0 OutType8\nIcmpMsg: 1 1\n");
            // Every packet on the wire has a valid header; the forwarded copies have TTL 63.
            List<byte[]> pkts = n.ipPackets();
            assertThat(pkts).hasSize(4);
            for (byte[] p : pkts) {
                assertThat(Ipv4Repr.parse(p, 0, p.length)).isNotNull();
            }
            assertThat(Ipv4Repr.parse(pkts.get(0), 0, pkts.get(0).length).ttl()).isEqualTo(64);
            assertThat(Ipv4Repr.parse(pkts.get(1), 0, pkts.get(1).length).ttl()).isEqualTo(63);
        }
    }

    @Test
    void ping_ownAddress_isLoopedBackAndAnswered() {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 9)) {
            assertThat(ping.send(TestNet.A, 3, 100)).isZero();
            n.sim.run();
            assertThat(ping.replies()).extracting(Ping.Reply::seq).containsExactly(3);
            assertThat(ping.replies().get(0).from()).isEqualTo(TestNet.A);
            assertThat(n.wire).isEmpty();
        }
    }

    @Test
    void ping_routerAddress_answeredByRouter() {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 9)) {
            ping.send(TestNet.R1, 1, 8);
            n.sim.run();
            assertThat(ping.replies()).extracting(Ping.Reply::from).containsExactly(TestNet.R1);
            assertThat(n.mib(n.r, "Ip", "ForwDatagrams")).isZero();
        }
    }

    @Test
    void ping_ttl1_timeExceededFromRouter() {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 5)) {
            ping.send(TestNet.B, 11, 56, 1, false);
            n.sim.run();
            assertThat(ping.replies()).isEmpty();
            assertThat(ping.errors()).hasSize(1);
            Ping.Error e = ping.errors().get(0);
            assertThat(e.seq()).isEqualTo(11);
            assertThat(e.from()).isEqualTo(TestNet.R0);
            assertThat(e.type()).isEqualTo(IcmpHeader.ICMP_TIME_EXCEEDED);
            assertThat(e.code()).isEqualTo(IcmpHeader.ICMP_EXC_TTL);
            assertThat(n.mib(n.r, "Ip", "InHdrErrors")).isEqualTo(1);
            assertThat(n.r.drops().get(DropReason.IP_INHDR_TTL)).isEqualTo(1);
            assertThat(n.mib(n.r, "Icmp", "OutTimeExcds")).isEqualTo(1);
            assertThat(n.mib(n.a, "Icmp", "InTimeExcds")).isEqualTo(1);
        }
    }

    @Test
    void ping_noRoute_returnsEnetunreachAndCountsOutNoRoutes() {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.b, 5)) {
            n.b.ipv4().fib().routeDel(RouteSpec.defaultRoute());
            assertThat(ping.send(TestNet.A, 1, 8)).isEqualTo(Errno.ENETUNREACH.neg());
            assertThat(n.mib(n.b, "Ip", "OutNoRoutes")).isEqualTo(1);
        }
    }

    @Test
    void ping_routerWithoutRoute_sendsNetUnreachable() {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 5)) {
            int far = InetAddr.parse("198.19.7.7");
            ping.send(far, 2, 8);
            n.sim.run();
            assertThat(ping.errors()).extracting(Ping.Error::type, Ping.Error::code)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(3, IcmpHeader.ICMP_NET_UNREACH));
            assertThat(n.mib(n.r, "IpExt", "InNoRoutes")).isEqualTo(1);
            assertThat(n.r.drops().get(DropReason.IP_INNOROUTES)).isEqualTo(1);
        }
    }

    @Test
    void ping_hostNotForwarding_dropsSilentlyWithInAddrErrors() {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 5)) {
            n.r.ipv4().setIpForward(0);
            ping.send(TestNet.B, 2, 8);
            n.sim.run();
            assertThat(ping.errors()).isEmpty();
            assertThat(ping.replies()).isEmpty();
            assertThat(n.mib(n.r, "Ip", "InAddrErrors")).isEqualTo(1);
            assertThat(n.r.drops().get(DropReason.IP_INADDRERRORS)).isEqualTo(1);
            assertThat(n.mib(n.r, "Ip", "Forwarding")).isEqualTo(2);
        }
    }

    @Test
    void ping_dfTooBigForRoute_isRefusedLocally() {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 5)) {
            assertThat(ping.send(TestNet.B, 1, 1473, -1, true)).isEqualTo(Errno.EMSGSIZE.neg());
            assertThat(ping.send(TestNet.B, 2, 1472, -1, true)).isZero();
            n.sim.run();
            assertThat(ping.replies()).extracting(Ping.Reply::seq).containsExactly(2);
        }
    }

    @Test
    void ping_broadcastWithoutPermission_isRefused() {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 5)) {
            assertThat(ping.send(InetAddr.parse("198.18.0.255"), 1, 8)).isEqualTo(Errno.EACCES.neg());
            assertThat(ping.send(InetAddr.BROADCAST, 1, 8)).isEqualTo(Errno.EACCES.neg());
        }
    }

    @Test
    void ping_broadcastEcho_ignoredByDefault() {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 5)) {
            ping.setBroadcast(true);
            assertThat(ping.send(InetAddr.parse("198.18.0.255"), 1, 8)).isZero();
            n.sim.run();
            assertThat(ping.replies()).isEmpty();
            assertThat(n.r.drops().get(DropReason.INVALID_PROTO)).isEqualTo(1);
            assertThat(n.mib(n.r, "IpExt", "InBcastPkts")).isEqualTo(1);
        }
    }

    @Test
    void open_sameIdTwice_throws() {
        try (TestNet n = new TestNet().router(); Ping p = Ping.open(n.a, 5)) {
            assertThatThrownBy(() -> Ping.open(n.a, 5)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> Ping.open(n.a, 70000)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> p.send(TestNet.B, 1, 70000)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void echoReply_withoutPingEndpoint_droppedNoSocket() {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 5)) {
            ping.send(TestNet.B, 1, 8);
            ping.close();
            n.sim.run();
            assertThat(n.a.drops().get(DropReason.NO_SOCKET)).isEqualTo(1);
        }
    }
}
