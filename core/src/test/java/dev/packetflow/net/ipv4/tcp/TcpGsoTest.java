package dev.packetflow.net.ipv4.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.netfilter.Netfilter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** TCP segmentation offload: GSO super-packets from tcp_sendmsg/tcp_write_xmit over veth. */
class TcpGsoTest {
    /** One skb TCP handed to the IP layer's POST_ROUTING: sequence, payload length, segments. */
    record Sent(long seq, int len, int gsoSize, int gsoSegs) {}

    static List<Sent> recordPostRouting(TcpNet n, boolean fromA) {
        List<Sent> out = new ArrayList<>();
        (fromA ? n.a : n.b).netfilter().register(new Netfilter.HookOps(Netfilter.NF_INET_POST_ROUTING, 0,
                (skb, net, hook, in, o) -> {
                    int nh = skb.networkHeader;
                    if (skb.u8(nh + 9) == 6) {
                        int th = nh + (skb.u8(nh) & 15) * 4;
                        int doff = (skb.u8(th + 12) >> 4) * 4;
                        int len = skb.len() - (th - skb.data) - doff;
                        if (len > 0) {
                            out.add(new Sent(skb.u32(th + 4) & 0xffffffffL, len, skb.gsoSize, skb.gsoSegs));
                        }
                    }
                    return Netfilter.NF_ACCEPT;
                }));
        return out;
    }

    @Test
    void tenMegabytes_overVethWithTso_arriveIntactInFewerLargerSkbs() {
        long bytes = 10 << 20;
        long framesWithTso;
        long framesWithout;
        try (TcpNet n = new TcpNet(11)) {
            n.capturing = false;
            List<Sent> sent = recordPostRouting(n, true);
            TcpTransferTest.transfer(n, bytes, Duration.ofMinutes(5));
            framesWithTso = n.veth.a().stats().txPackets();
            int maxLen = sent.stream().mapToInt(Sent::len).max().orElse(0);
            long gsoSkbs = sent.stream().filter(s -> s.gsoSegs() > 1).count();
            assertThat(maxLen).as("largest skb's payload").isGreaterThan(30_000);
            assertThat(gsoSkbs).isGreaterThan(sent.size() / 2);
            assertThat(sent).allSatisfy(s -> assertThat(s.gsoSize() == 0 ? s.len() <= 1448
                    : s.gsoSize() == 1448 && (s.len() + 1447) / 1448 == s.gsoSegs()).isTrue());
            // B received the super-packets whole, so it acknowledged per super-packet
            assertThat(n.veth.b().stats().rxPackets()).isEqualTo(framesWithTso);
            assertThat(n.a.tcp().mib().get(TcpMib.OUT_SEGS)).isGreaterThan(bytes / 1448);
        }
        try (TcpNet n = new TcpNet(11)) {
            n.capturing = false;
            n.veth.a().setFeatures(n.veth.a().features() & ~(NetDevice.NETIF_F_TSO | NetDevice.NETIF_F_GSO));
            TcpTransferTest.transfer(n, bytes, Duration.ofMinutes(5));
            framesWithout = n.veth.a().stats().txPackets();
        }
        assertThat(framesWithout).isGreaterThan(bytes / 1448);
        assertThat(framesWithTso).as("frames with TSO vs %d without", framesWithout).isLessThan(framesWithout / 10);
    }

    @Test
    void gsoOnly_deviceWithoutTso_segmentsInSoftware_wireSeesMssFrames() {
        try (TcpNet n = new TcpNet(12)) {
            n.veth.a().setFeatures(n.veth.a().features() & ~NetDevice.NETIF_F_TSO);
            List<Sent> sent = recordPostRouting(n, true);
            TcpTransferTest.transfer(n, 2 << 20, Duration.ofMinutes(5));
            assertThat(sent.stream().filter(s -> s.gsoSegs() > 1).count()).isPositive();
            List<TcpNet.Seg> wire = n.segsFrom(true).stream().filter(s -> s.len() > 0).toList();
            assertThat(wire).allSatisfy(s -> assertThat(s.len()).isLessThanOrEqualTo(1448));
            assertThat(wire.stream().mapToLong(TcpNet.Seg::len).sum()).isEqualTo(2 << 20);
            // IP identification counts up by one per wire packet inside each super-packet
            for (int i = 1; i < wire.size(); i++) {
                assertThat(wire.get(i).ipId()).isEqualTo((wire.get(i - 1).ipId() + 1) & 0xffff);
            }
        }
    }

    /**
     * The second segment of a super-packet is lost on the way: the ACK of the first segment trims
     * the skb (tcp_tso_acked), the SACK of the rest splits it (tcp_match_skb_to_sack), and exactly
     * the lost segment is retransmitted; the scoreboard ends empty.
     */
    @Test
    void lostSegmentInsideSuperPacket_partlyAckedAndSacked_onlyItIsRetransmitted() {
        try (TcpNet n = new TcpNet(13, dev.packetflow.drivers.net.wire.WireConditions.builder()
                .delay(Duration.ofMillis(1)).build())) {
            n.veth.a().setFeatures(n.veth.a().features() & ~NetDevice.NETIF_F_TSO);
            long[] target = {-1};
            int[] gsoSeen = {0};
            n.a.netfilter().register(new Netfilter.HookOps(Netfilter.NF_INET_POST_ROUTING, 0, (skb, net, hook, in, o) -> {
                if (target[0] < 0 && skb.gsoSegs >= 4 && ++gsoSeen[0] == 5) {
                    int th = skb.transportHeader;
                    target[0] = (skb.u32(th + 4) & 0xffffffffL) + skb.gsoSize;
                }
                return Netfilter.NF_ACCEPT;
            }));
            boolean[] dropped = {false};
            n.dropAtoB = s -> {
                if (!dropped[0] && s.len() > 0 && s.seq() == target[0]) {
                    dropped[0] = true;
                    return true;
                }
                return false;
            };
            int[] c = n.establish(5001);
            Pump p = new Pump(n.sa, c[0], n.sb, c[1], 4 << 20, 5);
            assertThat(n.sim.runUntil(p::step, Duration.ofMinutes(5))).isTrue();
            assertThat(p.error).isZero();
            assertThat(p.received.digest()).isEqualTo(p.sent.digest());
            assertThat(dropped[0]).isTrue();
            List<TcpNet.Seg> copies = n.segsFrom(true).stream().filter(s -> s.seq() == target[0] && s.len() > 0).toList();
            // The retransmissions are the lost segment alone, never the rest of its super-packet.
            // (In virtual time new data can leave in the same microsecond as a retransmission;
            // RACK may then retransmit it once more, and the receiver's D-SACK says so.)
            assertThat(copies.size()).isBetween(2, 3);
            assertThat(copies).allSatisfy(s -> assertThat(s.len()).isEqualTo(1448));
            java.util.Set<Long> seen = new java.util.HashSet<>();
            long repeated = n.segsFrom(true).stream().filter(s -> s.len() > 0).filter(s -> !seen.add(s.seq()))
                    .peek(s -> assertThat(s.seq()).isEqualTo(target[0])).count();
            assertThat(n.a.tcp().mib().get(TcpMib.RETRANS_SEGS)).isEqualTo(repeated).isEqualTo(copies.size() - 1);
            TcpSock tp = n.tcpA(c[0]);
            n.runMs(1000);
            assertThat(tp.packetsOut).isZero();
            assertThat(tp.sackedOut).isZero();
            assertThat(tp.lostOut).isZero();
            assertThat(tp.retransOut).isZero();
        }
    }
}
