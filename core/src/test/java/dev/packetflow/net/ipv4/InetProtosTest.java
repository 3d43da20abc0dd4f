package dev.packetflow.net.ipv4;

import dev.packetflow.net.socket.Errno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The contract with transport protocols: registration, delivery, sending, ICMP errors. */
class InetProtosTest {

    /** A stand-in for UDP: records what it receives; with no socket it answers port unreachable. */
    static final class FakeUdp implements NetProtocol {
        final TestNet n;
        final Ipv4 ipv4;
        final List<String> received = new ArrayList<>();
        final List<String> errors = new ArrayList<>();
        boolean portOpen;

        FakeUdp(TestNet n, Ipv4 ipv4) {
            this.n = n;
            this.ipv4 = ipv4;
        }

        @Override
        public int handler(SkBuff skb) {
            int nh = skb.networkHeader;
            received.add(InetAddr.toString(Ipv4Header.sourceAddress(skb, nh)) + ">"
                    + InetAddr.toString(Ipv4Header.destinationAddress(skb, nh)) + " len " + skb.len()
                    + " th " + (skb.transportHeader == skb.data));
            if (portOpen) {
                Skb.consumeSkb(skb);
                return 0;
            }
            ipv4.icmp().icmpSend(skb, IcmpHeader.ICMP_DEST_UNREACH, IcmpHeader.ICMP_PORT_UNREACH, 0);
            Skb.kfreeSkb(skb, DropReason.NO_SOCKET);
            return 1;
        }

        @Override
        public void errHandler(SkBuff skb, int type, int code, int info) {
            int q = skb.data;
            int udp = q + Ipv4Header.headerLength(skb, q);
            errors.add(type + "/" + code + " from " + InetAddr.toString(Ipv4Header.sourceAddress(skb, skb.networkHeader))
                    + " about " + InetAddr.toString(Ipv4Header.destinationAddress(skb, q)) + " proto "
                    + Ipv4Header.protocol(skb, q) + " dport " + skb.u16(udp + 2));
        }
    }

    private static int sendUdp(TestNet n, int dst, int dport, int len) {
        Flowi4 fl4 = new Flowi4().init(dst, 0, 0, 17);
        Rtable rt = n.a.ipv4().route().ipRouteOutput(fl4);
        SkBuff skb = n.a.pool().alloc(Skb.MAX_HEADER + 8 + len);
        skb.reserve(Skb.MAX_HEADER);
        int o = skb.put(8 + len);
        skb.setU16(o, 40000);
        skb.setU16(o + 2, dport);
        skb.setU16(o + 4, 8 + len);
        skb.setU16(o + 6, 0);
        return n.a.ipv4().output().ipSendSkb(skb, rt, fl4.saddr, dst, 17, -1, 0, IpOutput.IP_PMTUDISC_WANT);
    }

    @Test
    void registeredProtocol_receivesItsDatagrams_andPortUnreachableReachesSendersErrHandler() {
        try (TestNet n = new TestNet().router()) {
            FakeUdp atB = new FakeUdp(n, n.b.ipv4());
            FakeUdp atA = new FakeUdp(n, n.a.ipv4());
            // The stand-in takes protocol 17 from the stacks' real UDP.
            n.b.ipv4().delProtocol(17, n.b.udp());
            n.a.ipv4().delProtocol(17, n.a.udp());
            n.b.ipv4().addProtocol(17, atB);
            n.a.ipv4().addProtocol(17, atA);
            assertThat(sendUdp(n, TestNet.B, 53, 12)).isZero();
            n.sim.run();
            assertThat(atB.received).containsExactly("198.18.0.1>198.18.1.1 len 20 th true");
            assertThat(n.mib(n.b, "Ip", "InDelivers")).isEqualTo(1);
            assertThat(n.mib(n.b, "Icmp", "OutDestUnreachs")).isEqualTo(1);
            assertThat(atA.errors).containsExactly("3/3 from 198.18.1.1 about 198.18.1.1 proto 17 dport 53");
            assertThat(n.mib(n.a, "Icmp", "InDestUnreachs")).isEqualTo(1);

            atB.portOpen = true;
            assertThat(sendUdp(n, TestNet.B, 53, 12)).isZero();
            n.sim.run();
            assertThat(atB.received).hasSize(2);
            assertThat(atA.errors).hasSize(1);
        }
    }

    @Test
    void addProtocol_twice_orOutOfRange_throws_delProtocolFrees() {
        try (TestNet n = new TestNet().router()) {
            FakeUdp p = new FakeUdp(n, n.b.ipv4());
            Ipv4 ipv4 = n.b.ipv4();
            assertThatThrownBy(() -> ipv4.addProtocol(17, p)).hasMessageContaining("already registered");
            ipv4.delProtocol(17, n.b.udp());
            ipv4.addProtocol(17, p);
            assertThatThrownBy(() -> ipv4.addProtocol(17, p)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> ipv4.addProtocol(256, p)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> ipv4.addProtocol(1, p)).hasMessageContaining("already registered");
            assertThatThrownBy(() -> ipv4.delProtocol(6, p)).isInstanceOf(IllegalArgumentException.class);
            ipv4.delProtocol(17, p);
            assertThat(ipv4.protocol(17)).isNull();
            assertThat(ipv4.protocol(1)).isSameAs(ipv4.icmp());
        }
    }

    @Test
    void sendWithoutRoute_countsOutNoRoutes() {
        try (TestNet n = new TestNet().router()) {
            n.a.ipv4().fib().routeDel(RouteSpec.defaultRoute());
            SkBuff skb = n.a.pool().alloc(Skb.MAX_HEADER + 8);
            skb.reserve(Skb.MAX_HEADER);
            skb.put(8);
            assertThat(n.a.ipv4().output().ipSendSkb(skb, 0, TestNet.B, 17, -1, 0, IpOutput.IP_PMTUDISC_WANT))
                    .isEqualTo(Errno.ENETUNREACH.neg());
            assertThat(n.mib(n.a, "Ip", "OutNoRoutes")).isEqualTo(1);
            assertThat(n.a.drops().get(DropReason.IP_OUTNOROUTES)).isEqualTo(1);
        }
    }

    @Test
    void ipIds_increasePerDestination_andDfDatagramsOfDoSocketsGetZero() {
        try (TestNet n = new TestNet().router()) {
            sendUdp(n, TestNet.B, 1, 4);
            sendUdp(n, TestNet.B, 1, 4);
            n.sim.run();
            List<byte[]> p = n.ipPackets();
            int id0 = Ipv4Repr.parse(p.get(0), 0, p.get(0).length).id();
            int id1 = Ipv4Repr.parse(p.get(1), 0, p.get(1).length).id();
            assertThat(Ipv4Repr.parse(p.get(0), 0, p.get(0).length).df()).isTrue(); // WANT and it fits
            assertThat((id1 - id0) & 0xffff).isEqualTo(1); // same jiffy: no random jump
            try (Ping ping = Ping.open(n.a, 2)) {
                n.wire.clear();
                ping.send(TestNet.B, 1, 8, -1, true);
                n.sim.run();
                Ipv4Repr r = Ipv4Repr.parse(n.ipPackets().get(0), 0, n.ipPackets().get(0).length);
                assertThat(r.df()).isTrue();
                assertThat(r.id()).isZero();
            }
        }
    }

    @Test
    void idents_differAcrossStackSeeds() {
        int[] ids = new int[2];
        for (int i = 0; i < 2; i++) {
            try (TestNet n = new TestNet(100 + i).router()) {
                sendUdp(n, TestNet.B, 1, 4);
                n.sim.run();
                ids[i] = Ipv4Repr.parse(n.ipPackets().get(0), 0, n.ipPackets().get(0).length).id();
            }
        }
        assertThat(ids[0]).isNotEqualTo(ids[1]);
    }
}
