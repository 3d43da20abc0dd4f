package dev.packetflow.net.ipv4;

import dev.packetflow.net.socket.Errno;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.LeakDetector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class IpFragmentTest {

    private static List<Ipv4Repr> headers(List<byte[]> pkts) {
        List<Ipv4Repr> l = new ArrayList<>();
        for (byte[] p : pkts) {
            l.add(Ipv4Repr.parse(p, 0, p.length));
        }
        return l;
    }

    @Test
    void ping4000_overMtu1500_fragmentsIntoThree_andReassembles_replyFragmentedToo() {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 1)) {
            assertThat(ping.send(TestNet.B, 1, 4000)).isZero();
            n.sim.run();
            assertThat(ping.replies()).hasSize(1);
            assertThat(ping.replies().get(0).dataLen()).isEqualTo(4000);
            assertThat(ping.replies().get(0).intact()).isTrue();
            List<Ipv4Repr> h = headers(n.ipPackets());
            assertThat(h).doesNotContainNull();
            // A→R: 3 fragments, R→B: 3, B→R: 3, R→A: 3.
            assertThat(h).hasSize(12);
            List<Ipv4Repr> first = h.subList(0, 3);
            assertThat(first).extracting(Ipv4Repr::fragOffset).containsExactly(0, 1480, 2960);
            assertThat(first).extracting(Ipv4Repr::mf).containsExactly(true, true, false);
            assertThat(first).extracting(Ipv4Repr::payloadLen).containsExactly(1480, 1480, 1048);
            assertThat(first).extracting(Ipv4Repr::df).containsOnly(false);
            assertThat(first).extracting(Ipv4Repr::id).containsOnly(first.get(0).id());
            assertThat(first.get(0).id()).isNotZero();
            List<Ipv4Repr> reply = h.subList(6, 9);
            assertThat(reply).extracting(Ipv4Repr::src).containsOnly(TestNet.B);
            assertThat(reply).extracting(Ipv4Repr::fragOffset).containsExactly(0, 1480, 2960);
            assertThat(n.mib(n.a, "Ip", "FragOKs")).isEqualTo(1);
            assertThat(n.mib(n.a, "Ip", "FragCreates")).isEqualTo(3);
            assertThat(n.mib(n.a, "Ip", "OutRequests")).isEqualTo(1);
            assertThat(n.mib(n.a, "Ip", "OutTransmits")).isEqualTo(3);
            assertThat(n.mib(n.b, "Ip", "ReasmReqds")).isEqualTo(3);
            assertThat(n.mib(n.b, "Ip", "ReasmOKs")).isEqualTo(1);
            assertThat(n.mib(n.a, "Ip", "ReasmOKs")).isEqualTo(1);
            assertThat(n.mib(n.r, "Ip", "ForwDatagrams")).isEqualTo(6);
            assertThat(n.b.ipv4().defrag.memory()).isZero();
        }
    }

    /** Sends raw fragments of one datagram from A's side into R... easier: straight into B. */
    private static byte[] frag(int id, int off, boolean mf, byte[] data) {
        return TestNet.ip(new Ipv4Repr(0, id, false, mf, off, 64, 1, TestNet.A, TestNet.B, null, data.length), data);
    }

    private static byte[] echoPayload(int dataLen) {
        byte[] d = new byte[dataLen];
        for (int i = 0; i < dataLen; i++) {
            d[i] = (byte) i;
        }
        return IcmpRepr.echo(3, 4, d).toBytes();
    }

    private static void rxAtB(TestNet n, byte[] ip) {
        n.bEth0.inject(TestNet.frame(n.bEth0.mac(), n.rEth1.mac(), ip));
    }

    private static byte[] slice(byte[] b, int from, int to) {
        return java.util.Arrays.copyOfRange(b, from, to);
    }

    @Test
    void fragmentsOutOfOrder_withExactDuplicate_reassemble() {
        try (TestNet n = new TestNet().router()) {
            byte[] msg = echoPayload(40); // 48 bytes of ICMP
            rxAtB(n, frag(9, 24, true, slice(msg, 24, 40)));
            rxAtB(n, frag(9, 40, false, slice(msg, 40, 48)));
            rxAtB(n, frag(9, 24, true, slice(msg, 24, 40)));
            rxAtB(n, frag(9, 0, true, slice(msg, 0, 24)));
            n.sim.run();
            assertThat(n.b.drops().get(DropReason.DUP_FRAG)).isEqualTo(1);
            assertThat(n.mib(n.b, "Ip", "ReasmOKs")).isEqualTo(1);
            assertThat(n.mib(n.b, "Icmp", "InEchos")).isEqualTo(1);
            assertThat(n.mib(n.b, "Icmp", "OutEchoReps")).isEqualTo(1);
        }
    }

    @Test
    void overlappingFragment_discardsWholeDatagram() {
        try (TestNet n = new TestNet().router()) {
            byte[] msg = echoPayload(40);
            rxAtB(n, frag(9, 0, true, slice(msg, 0, 24)));
            rxAtB(n, frag(9, 16, true, slice(msg, 16, 32))); // overlaps 16..24
            rxAtB(n, frag(9, 32, false, slice(msg, 32, 48)));
            n.sim.runFor(Duration.ofSeconds(1));
            assertThat(n.b.drops().get(DropReason.IP_FRAG_OVERLAP)).isEqualTo(2); // the newcomer and the queued one
            assertThat(n.mib(n.b, "Ip", "ReasmFails")).isEqualTo(1);
            assertThat(n.mib(n.b, "IpExt", "ReasmOverlaps")).isEqualTo(1);
            assertThat(n.mib(n.b, "Ip", "ReasmOKs")).isZero();
            assertThat(n.mib(n.b, "Icmp", "InEchos")).isZero();
            // The last fragment started a new queue, which waits for its timeout.
            assertThat(n.b.ipv4().defrag.queueCount()).isEqualTo(1);
        }
    }

    @Test
    void reassemblyTimeout_sendsTimeExceededWhenFirstArrived_andFreesMemory() {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 3)) {
            byte[] msg = echoPayload(40);
            rxAtB(n, frag(9, 0, true, slice(msg, 0, 24)));
            rxAtB(n, frag(10, 24, true, slice(msg, 24, 40))); // another datagram, first never arrives
            n.sim.runFor(Duration.ofSeconds(29));
            assertThat(n.b.ipv4().defrag.queueCount()).isEqualTo(2);
            assertThat(n.b.ipv4().defrag.memory()).isPositive();
            n.sim.runFor(Duration.ofSeconds(2));
            assertThat(n.b.ipv4().defrag.queueCount()).isZero();
            assertThat(n.b.ipv4().defrag.memory()).isZero();
            assertThat(n.mib(n.b, "Ip", "ReasmTimeout")).isEqualTo(2);
            assertThat(n.mib(n.b, "Ip", "ReasmFails")).isEqualTo(2);
            assertThat(n.b.drops().get(DropReason.FRAG_REASM_TIMEOUT)).isEqualTo(2);
            assertThat(n.mib(n.b, "Icmp", "OutTimeExcds")).isEqualTo(1);
            // It reached A, which (like Linux's icmp_unreach) does not pass "reassembly time
            // exceeded" on to the transport: the ping endpoint whose request it quotes hears nothing.
            assertThat(n.mib(n.a, "Icmp", "InTimeExcds")).isEqualTo(1);
            assertThat(ping.errors()).isEmpty();
        }
    }

    @Test
    void memoryAboveHighThresh_refusesNewFragments() {
        try (TestNet n = new TestNet().router()) {
            n.b.ipv4().ipfragHighThresh = 10_000;
            byte[] chunk = new byte[1024];
            for (int id = 0; id < 10; id++) {
                rxAtB(n, frag(100 + id, 0, true, chunk));
            }
            n.sim.runFor(Duration.ofMillis(1));
            long mem = n.b.ipv4().defrag.memory();
            assertThat(mem).isGreaterThan(10_000).isLessThan(10_000 + 2 * 2400);
            assertThat(n.b.drops().get(DropReason.IP_FRAG_MEM)).isPositive();
            assertThat(n.mib(n.b, "Ip", "ReasmFails")).isEqualTo(n.b.drops().get(DropReason.IP_FRAG_MEM));
        }
    }

    @Test
    void close_freesQueuedFragments() {
        TestNet n = new TestNet().router();
        rxAtB(n, frag(9, 0, true, new byte[24]));
        n.sim.runFor(Duration.ofMillis(1));
        assertThat(n.b.ipv4().defrag.queueCount()).isEqualTo(1);
        n.close();
        assertThat(n.b.ipv4().defrag.queueCount()).isZero();
        assertThat(LeakDetector.live()).isZero();
    }

    @Test
    void forwardingDfTooBig_fragNeededWithNextHopMtu() {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 4)) {
            n.r.devices().setMtu(n.rEth1, 1000);
            assertThat(ping.send(TestNet.B, 1, 1400, -1, true)).isZero();
            n.sim.run();
            assertThat(ping.errors()).hasSize(1);
            Ping.Error e = ping.errors().get(0);
            assertThat(e.type()).isEqualTo(IcmpHeader.ICMP_DEST_UNREACH);
            assertThat(e.code()).isEqualTo(IcmpHeader.ICMP_FRAG_NEEDED);
            assertThat(e.info()).isEqualTo(1000);
            assertThat(e.from()).isEqualTo(TestNet.R0);
            assertThat(n.mib(n.r, "Ip", "FragFails")).isEqualTo(1);
            assertThat(n.r.drops().get(DropReason.PKT_TOO_BIG)).isEqualTo(1);
        }
    }

    @Test
    void forwardingWithoutDf_routerFragments() {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 4)) {
            n.r.devices().setMtu(n.rEth1, 1000);
            ping.setPmtuDiscovery(IpOutput.IP_PMTUDISC_DONT); // ping -M dont
            assertThat(ping.send(TestNet.B, 2, 1400, -1, false)).isZero();
            n.sim.run();
            assertThat(ping.replies()).extracting(Ping.Reply::seq).containsExactly(2);
            assertThat(ping.replies().get(0).intact()).isTrue();
            assertThat(n.mib(n.r, "Ip", "FragOKs")).isEqualTo(1);
            assertThat(n.mib(n.r, "Ip", "FragCreates")).isEqualTo(2);
            assertThat(n.mib(n.a, "Ip", "FragCreates")).isZero();
        }
    }

    @Test
    void pathMtuDiscovery_fragNeededLowersPathMtu_nextWantPingFragmentsLocally() {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 4)) {
            n.r.devices().setMtu(n.rEth1, 1000);
            assertThat(n.a.ipv4().route().pathMtu(TestNet.B)).isEqualTo(1500);
            ping.send(TestNet.B, 1, 1400); // IP_PMTUDISC_WANT: fits 1500, so DF
            n.sim.run();
            assertThat(ping.errors()).extracting(Ping.Error::info).containsExactly(1000);
            assertThat(n.a.ipv4().route().pathMtu(TestNet.B)).isEqualTo(1000);
            assertThat(n.a.ipv4().route().pathMtu(TestNet.R1)).isEqualTo(1500);
            ping.send(TestNet.B, 2, 1400);
            n.sim.run();
            assertThat(ping.replies()).extracting(Ping.Reply::seq).containsExactly(2);
            assertThat(n.mib(n.a, "Ip", "FragCreates")).isEqualTo(2);
            // A forged tiny MTU is raised to 552; learned values expire after ten minutes.
            n.a.ipv4().route().updatePmtu(TestNet.B, 100);
            assertThat(n.a.ipv4().route().pathMtu(TestNet.B)).isEqualTo(Route.IP_RT_MIN_PMTU);
            n.sim.runFor(Duration.ofMinutes(11));
            assertThat(n.a.ipv4().route().pathMtu(TestNet.B)).isEqualTo(1500);
        }
    }

    @Test
    void localDoTooBig_failsInIpFragment_withFragNeededToOurselves() {
        try (TestNet n = new TestNet().router()) {
            List<int[]> errs = new ArrayList<>();
            n.a.ipv4().addProtocol(253, new NetProtocol() {
                @Override
                public int handler(dev.packetflow.net.core.SkBuff skb) {
                    dev.packetflow.net.core.Skb.consumeSkb(skb);
                    return 0;
                }

                @Override
                public void errHandler(dev.packetflow.net.core.SkBuff skb, int type, int code, int info) {
                    errs.add(new int[] {type, code, info, Ipv4Header.sourceAddress(skb, skb.networkHeader)});
                }
            });
            var skb = n.a.pool().alloc(dev.packetflow.net.core.Skb.MAX_HEADER + 2000);
            skb.reserve(dev.packetflow.net.core.Skb.MAX_HEADER);
            skb.put(2000);
            int rc = n.a.ipv4().output().ipSendSkb(skb, 0, TestNet.B, 253, -1, 0, IpOutput.IP_PMTUDISC_DO);
            assertThat(rc).isEqualTo(Errno.EMSGSIZE.neg());
            n.sim.run();
            assertThat(n.mib(n.a, "Ip", "FragFails")).isEqualTo(1);
            assertThat(n.a.drops().get(DropReason.PKT_TOO_BIG)).isEqualTo(1);
            assertThat(errs).hasSize(1);
            assertThat(errs.get(0)).containsExactly(3, 4, 1500, TestNet.A);
            assertThat(n.wire).isEmpty();
        }
    }
}
