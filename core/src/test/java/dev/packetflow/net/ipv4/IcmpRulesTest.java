package dev.packetflow.net.ipv4;

import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.core.DropReason;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When ICMP errors must not be sent (RFC 1122 3.2.2, Linux icmp_send), and the timestamp reply. */
class IcmpRulesTest {

    private static byte[] udpTo(int dst, int ttl, int fragOffset, boolean mf) {
        return TestNet.ip(new Ipv4Repr(0, 42, false, mf, fragOffset, ttl, 17, TestNet.A, dst, null, 16), new byte[16]);
    }

    private static void rxAtRouter(TestNet n, byte[] ip, long dstMac) {
        n.rEth0.inject(TestNet.frame(dstMac, n.aEth0.mac(), ip));
        n.sim.run();
    }

    @Test
    void ttlExceeded_firstFragmentAnswered_laterFragmentsNot() {
        try (TestNet n = new TestNet().router()) {
            rxAtRouter(n, udpTo(TestNet.B, 1, 8, true), n.rEth0.mac());
            assertThat(n.mib(n.r, "Icmp", "OutTimeExcds")).isZero();
            rxAtRouter(n, udpTo(TestNet.B, 1, 0, true), n.rEth0.mac());
            assertThat(n.mib(n.r, "Icmp", "OutTimeExcds")).isEqualTo(1);
            assertThat(n.r.drops().get(DropReason.IP_INHDR_TTL)).isEqualTo(2);
        }
    }

    @Test
    void linkLayerBroadcast_isNotForwardedNorAnswered() {
        try (TestNet n = new TestNet().router()) {
            rxAtRouter(n, udpTo(TestNet.B, 1, 0, false), 0xffff_ffff_ffffL);
            assertThat(n.mib(n.r, "Icmp", "OutMsgs")).isZero();
            assertThat(n.mib(n.r, "Ip", "ForwDatagrams")).isZero();
            assertThat(n.wire).isEmpty();
        }
    }

    @Test
    void errorQuoting_isCappedAt576Bytes() {
        try (TestNet n = new TestNet().router()) {
            byte[] big = TestNet.ip(new Ipv4Repr(0, 43, false, false, 0, 1, 17, TestNet.A, TestNet.B, null, 1400),
                    new byte[1400]);
            rxAtRouter(n, big, n.rEth0.mac());
            List<byte[]> out = n.ipPackets();
            assertThat(out).hasSize(1);
            assertThat(out.get(0)).hasSize(576);
            byte[] quote = Arrays.copyOfRange(out.get(0), 28, 576);
            assertThat(quote).isEqualTo(Arrays.copyOf(big, 548));
            Ipv4Repr h = Ipv4Repr.parse(out.get(0), 0, 576);
            assertThat(h.src()).isEqualTo(TestNet.R0);
            assertThat(h.dst()).isEqualTo(TestNet.A);
            assertThat(h.df()).isFalse();
            assertThat(h.ttl()).isEqualTo(64);
        }
    }

    @Test
    void errorAboutMartianOrBroadcastDestination_isNotSent() {
        try (TestNet n = new TestNet().router()) {
            // To the subnet broadcast, unknown protocol: delivered locally as broadcast, no protocol
            // unreachable back (RFC 1122 3.2.2: not for broadcast destinations).
            byte[] p = TestNet.ip(new Ipv4Repr(0, 44, false, false, 0, 64, 253, TestNet.A,
                    InetAddr.parse("198.18.0.255"), null, 8), new byte[8]);
            rxAtRouter(n, p, 0xffff_ffff_ffffL);
            assertThat(n.r.drops().get(DropReason.IP_NOPROTO)).isEqualTo(1);
            assertThat(n.mib(n.r, "Icmp", "OutMsgs")).isZero();
        }
    }

    @Test
    void timestampRequest_getsTimestampReply() {
        try (TestNet n = new TestNet().router()) {
            byte[] ts = new IcmpRepr(IcmpHeader.ICMP_TIMESTAMP, 0, 0x00050001, new byte[] {0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0})
                    .toBytes();
            rxAtRouter(n, TestNet.ip(new Ipv4Repr(0, 45, false, false, 0, 64, 1, TestNet.A, TestNet.R0, null, ts.length),
                    ts), n.rEth0.mac());
            List<byte[]> out = n.ipPackets();
            assertThat(out).hasSize(1);
            IcmpRepr r = IcmpRepr.parse(out.get(0), 20, out.get(0).length - 20);
            assertThat(r.type()).isEqualTo(IcmpHeader.ICMP_TIMESTAMPREPLY);
            assertThat(r.rest()).isEqualTo(0x00050001);
            assertThat(Arrays.copyOf(r.data(), 4)).containsExactly(0, 0, 0, 9);
            long now = (n.sim.nowNs() / 1_000_000L) % 86_400_000L;
            assertThat(Ipv4Repr.get32(r.data(), 4)).isEqualTo((int) now);
            assertThat(n.mib(n.r, "Icmp", "OutTimestampReps")).isEqualTo(1);
        }
    }

    @Test
    void echoIgnoreAll_silencesEchoReplies() {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 1)) {
            n.b.ipv4().icmpEchoIgnoreAll = 1;
            ping.send(TestNet.B, 1, 8);
            n.sim.run();
            assertThat(ping.replies()).isEmpty();
            assertThat(n.mib(n.b, "Icmp", "InEchos")).isEqualTo(1);
            assertThat(n.b.drops().total()).isZero();
        }
    }

    @Test
    void prohibitRoute_atRouter_answersCommunicationProhibited_blackholeIsSilent() {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 1)) {
            n.r.ipv4().fib().routeAdd(RouteSpec.to(InetAddr.parse("198.19.2.0"), 24).type(FibRoute.RTN_PROHIBIT));
            n.r.ipv4().fib().routeAdd(RouteSpec.to(InetAddr.parse("198.19.3.0"), 24).type(FibRoute.RTN_BLACKHOLE));
            n.r.ipv4().fib().routeAdd(RouteSpec.to(InetAddr.parse("198.19.4.0"), 24).type(FibRoute.RTN_UNREACHABLE));
            ping.send(InetAddr.parse("198.19.2.1"), 1, 8);
            ping.send(InetAddr.parse("198.19.3.1"), 2, 8);
            ping.send(InetAddr.parse("198.19.4.1"), 3, 8);
            n.sim.run();
            assertThat(ping.errors()).extracting(Ping.Error::seq, Ping.Error::code).containsExactly(
                    org.assertj.core.groups.Tuple.tuple(1, IcmpHeader.ICMP_PKT_FILTERED),
                    org.assertj.core.groups.Tuple.tuple(3, IcmpHeader.ICMP_HOST_UNREACH));
        }
    }

    @Test
    void forwardingBackOutTheSameLink_sendsRedirectsWithBackoff_andStillForwards() {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 1)) {
            // A second router on A's link, reached through R: R should redirect A to it.
            int other = InetAddr.parse("198.18.0.253");
            n.r.ipv4().fib().routeAdd(RouteSpec.to(InetAddr.parse("198.19.0.0"), 16).via(other));
            n.r.arp().addPermanent(other, dev.packetflow.net.ethernet.Eth.localMac(0x99), n.rEth0);
            int far = InetAddr.parse("198.19.0.1");
            for (int i = 0; i < 30; i++) {
                ping.send(far, i, 8);
                n.sim.runFor(java.time.Duration.ofMillis(5));
            }
            n.sim.run();
            assertThat(n.mib(n.r, "Ip", "ForwDatagrams")).isEqualTo(30);
            // Requests every 5 ms for 150 ms; the k-th redirect waits 20 ms << k after the previous
            // one: sent at 0, 45 (> 40) and 130 ms (> 45 + 80); the next would be after 290 ms.
            assertThat(n.mib(n.r, "Icmp", "OutRedirects")).isEqualTo(3);
            assertThat(n.mib(n.a, "Icmp", "InRedirects")).isEqualTo(3);
            byte[] first = n.ipPackets().get(1); // R's redirect follows A's first request
            IcmpRepr r = IcmpRepr.parse(first, 20, first.length - 20);
            assertThat(r.type()).isEqualTo(IcmpHeader.ICMP_REDIRECT);
            assertThat(r.code()).isEqualTo(IcmpHeader.ICMP_REDIR_HOST);
            assertThat(r.rest()).isEqualTo(other);
            n.r.ipv4().sendRedirects = 0;
            n.sim.runFor(java.time.Duration.ofSeconds(30));
            ping.send(far, 99, 8);
            n.sim.run();
            assertThat(n.mib(n.r, "Icmp", "OutRedirects")).isEqualTo(3);
            n.r.ipv4().sendRedirects = 1;
            ping.send(far, 100, 8); // 30 s of silence reset the back-off
            n.sim.run();
            assertThat(n.mib(n.r, "Icmp", "OutRedirects")).isEqualTo(4);
        }
    }
}
