package dev.packetflow.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.drivers.net.veth.Veth;
import dev.packetflow.drivers.net.wire.WireConditions;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.Dev;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.Xdp;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.ipv4.Ping;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 2's end-to-end scenarios on the demo's topology, A — R — B over two veth wires, with the
 * drivers, ARP, IPv4 and ICMP all real: loss on a wire, and an XDP program on B.
 */
class RouterScenarioTest {
    static final int A = InetAddr.parse("198.18.0.2");
    static final int B = InetAddr.parse("198.18.1.2");

    final Simulation sim = new Simulation(2024);
    final NetStack a = NetStack.create(sim, "A");
    final NetStack r = NetStack.create(sim, "R");
    final NetStack b = NetStack.create(sim, "B");
    Veth.Pair ar;
    Veth.Pair rb;

    void build(WireConditions arWire) {
        ar = Veth.pair(a, "eth0", r, "eth0", arWire);
        rb = Veth.pair(r, "eth1", b, "eth0", WireConditions.builder().delayNs(5_000).build());
        a.exec("ip link set eth0 up");
        a.exec("ip addr add 198.18.0.2/24 dev eth0");
        a.exec("ip route add default via 198.18.0.1");
        r.exec("ip link set eth0 up");
        r.exec("ip link set eth1 up");
        r.exec("ip addr add 198.18.0.1/24 dev eth0");
        r.exec("ip addr add 198.18.1.1/24 dev eth1");
        r.ipv4().setIpForward(1);
        b.exec("ip link set eth0 up");
        b.exec("ip addr add 198.18.1.2/24 dev eth0");
        b.exec("ip route add default via 198.18.1.1");
        // Resolve every neighbour over a clean wire first, so that loss below hits only pings.
        a.exec("ip neigh add 198.18.0.1 lladdr " + Eth.macToString(ar.b().mac()) + " dev eth0");
        r.exec("ip neigh add 198.18.0.2 lladdr " + Eth.macToString(ar.a().mac()) + " dev eth0");
        r.exec("ip neigh add 198.18.1.2 lladdr " + Eth.macToString(rb.b().mac()) + " dev eth1");
        b.exec("ip neigh add 198.18.1.1 lladdr " + Eth.macToString(rb.a().mac()) + " dev eth0");
        sim.runFor(Duration.ofMillis(10));
    }

    @AfterEach
    void close() {
        a.close();
        r.close();
        b.close();
    }

    /** Sequence numbers of ICMP echo messages of {@code type} that a tap on {@code dev} saw arrive. */
    static AutoCloseable seqsArriving(NetDevice dev, int type, Set<Integer> out) {
        return Dev.addTap(dev, (d, skb, outgoing) -> {
            if (!outgoing && skb.protocol == Eth.ETH_P_IP) {
                int ip = skb.networkHeader;
                int icmp = ip + (skb.u8(ip) & 0xf) * 4;
                if (skb.u8(ip + 9) == 1 && skb.u8(icmp) == type) {
                    out.add(skb.u16(icmp + 6));
                }
            }
        });
    }

    @Test
    void pingAcrossRouter_with20PercentLoss_getsRepliesForExactlyTheProbesThatSurvive() throws Exception {
        build(WireConditions.builder().delayNs(5_000).loss(0.20).build());
        Set<Integer> requestsAtB = new TreeSet<>();
        Set<Integer> repliesAtA = new TreeSet<>();
        try (AutoCloseable t1 = seqsArriving(b.device("eth0"), 8, requestsAtB);
                AutoCloseable t2 = seqsArriving(a.device("eth0"), 0, repliesAtA);
                Ping ping = Ping.open(a, 77)) {
            for (int seq = 1; seq <= 500; seq++) {
                assertThat(ping.send(B, seq, 56)).isZero();
                sim.runFor(Duration.ofMillis(10));
            }
            Set<Integer> replied = new TreeSet<>();
            for (Ping.Reply x : ping.replies()) {
                assertThat(x.intact()).isTrue();
                replied.add(x.seq());
            }
            // Ground truth from the wires themselves: a probe is answered iff its request reached B
            // and B's reply made it back to A.
            Set<Integer> survived = new TreeSet<>(requestsAtB);
            survived.retainAll(repliesAtA);
            assertThat(replied).isEqualTo(survived).isEqualTo(repliesAtA);
            // 500 requests cross the lossy wire; every request that reached B is answered and its reply
            // crosses it back: what the wire lost is exactly what is missing at the far ends.
            assertThat(ar.a().txLane().lost()).isEqualTo(500 - requestsAtB.size());
            assertThat(ar.b().txLane().lost()).isEqualTo(requestsAtB.size() - repliesAtA.size());
            // Both directions of the lossy wire lose about 20%: about 64% of the probes come back.
            assertThat(replied.size()).isBetween(280, 360);
            assertThat(b.mib("Icmp").get("InEchos")).isEqualTo(requestsAtB.size());
        }
    }

    @Test
    void xdpProgramDroppingAsAddress_stopsThePingsAtB_andCountsThem() throws Exception {
        build(WireConditions.builder().delayNs(5_000).build());
        try (Ping ping = Ping.open(a, 78)) {
            assertThat(ping.send(B, 1, 56)).isZero();
            sim.runFor(Duration.ofMillis(10));
            assertThat(ping.replies()).hasSize(1);

            // Drop every IPv4 frame whose source is A, before B builds an skb for it.
            Xdp.attach(b.device("eth0"), x -> x.len() >= 34 && x.u16(12) == Eth.ETH_P_IP && x.u32(26) == A
                    ? Xdp.XDP_DROP : Xdp.XDP_PASS);
            for (int seq = 2; seq <= 11; seq++) {
                ping.send(B, seq, 56);
                sim.runFor(Duration.ofMillis(10));
            }
            assertThat(ping.replies()).hasSize(1);
            assertThat(b.xdpStats().drop).isEqualTo(10);
            assertThat(b.drops().get(DropReason.XDP)).isEqualTo(10);
            assertThat(b.mib("Icmp").get("InEchos")).isEqualTo(1);
            assertThat(r.mib("Ip").get("ForwDatagrams")).isEqualTo(2 + 10);

            Xdp.attach(b.device("eth0"), null);
            ping.send(B, 12, 56);
            sim.runFor(Duration.ofMillis(10));
            assertThat(ping.replies()).extracting(Ping.Reply::seq).containsExactly(1, 12);
        }
    }

    @Test
    void ttlOne_getsTimeExceededFromTheRouter() {
        build(WireConditions.builder().delayNs(5_000).build());
        try (Ping ping = Ping.open(a, 79)) {
            ping.send(B, 1, 56, 1, false);
            sim.runFor(Duration.ofMillis(10));
            assertThat(ping.replies()).isEmpty();
            assertThat(ping.errors()).singleElement().satisfies(e -> {
                assertThat(e.type()).isEqualTo(11); // ICMP_TIME_EXCEEDED
                assertThat(e.code()).isEqualTo(0);
                assertThat(InetAddr.toString(e.from())).isEqualTo("198.18.0.1");
            });
            assertThat(r.drops().get(DropReason.IP_INHDR_TTL)).isEqualTo(1);
        }
    }

    @Test
    void bigPing_fragmentsAtA_andReassemblesAtB() {
        build(WireConditions.builder().delayNs(5_000).build());
        try (Ping ping = Ping.open(a, 80)) {
            ping.send(B, 1, 4000);
            sim.runFor(Duration.ofMillis(10));
            assertThat(ping.replies()).singleElement().satisfies(x -> {
                assertThat(x.dataLen()).isEqualTo(4000);
                assertThat(x.intact()).isTrue();
            });
            assertThat(a.mib("Ip").get("FragCreates")).isEqualTo(3);
            assertThat(b.mib("Ip").get("ReasmOKs")).isEqualTo(1);
            assertThat(b.mib("Ip").get("FragCreates")).isEqualTo(3);
            assertThat(a.mib("Ip").get("ReasmOKs")).isEqualTo(1);
        }
    }

}
