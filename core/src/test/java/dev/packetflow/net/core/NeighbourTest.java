package dev.packetflow.net.core;

import static dev.packetflow.testing.TwoHosts.IP_A;
import static dev.packetflow.testing.TwoHosts.IP_B;
import static dev.packetflow.testing.TwoHosts.MAC_A;
import static dev.packetflow.testing.TwoHosts.MAC_B;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.ipv4.ArpHeader;
import dev.packetflow.testing.TwoHosts;
import dev.packetflow.testing.TwoHosts.Frame;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The NUD state machine in virtual time, driven through a's ARP table towards b. */
class NeighbourTest {
    private static final long SEC = 1_000_000_000L;
    private static final long MS = 1_000_000L;

    private final TwoHosts h = new TwoHosts();

    @AfterEach
    void close() {
        h.close();
    }

    private Neighbour entryAtoB() {
        return h.a.arp().table().lookup(h.ethA, IP_B);
    }

    private String state() {
        Neighbour n = entryAtoB();
        return n == null ? "none" : NeighInfo.stateName(n.state());
    }

    /** Resolves b from a and returns the time it became REACHABLE. */
    private long resolve() {
        h.sendFromA(IP_B, 1);
        h.settle();
        assertThat(state()).isEqualTo("REACHABLE");
        h.clear();
        return entryAtoB().confirmedNs();
    }

    @Test
    void resolutionFailure_afterExactlyThreeRequestsOneSecondApart_dropsQueuedWithLinkFailure() {
        h.deliverAtoB = false;
        List<Integer> reported = new ArrayList<>();
        h.a.arp().setLinkFailure(skb -> reported.add(skb.u16(skb.data + 4)));
        long t0 = h.sim.nowNs();
        h.sendFromA(IP_B, 1);
        h.sendFromA(IP_B, 2);
        assertThat(state()).isEqualTo("INCOMPLETE");
        h.runForNs(3 * SEC - 1);
        assertThat(state()).isEqualTo("INCOMPLETE");
        assertThat(reported).isEmpty();
        h.runForNs(1);
        assertThat(state()).isEqualTo("FAILED");
        assertThat(h.txA).extracting(Frame::timeNs).containsExactly(t0, t0 + SEC, t0 + 2 * SEC);
        assertThat(h.txA).allSatisfy(f -> {
            assertThat(f.dst()).isEqualTo(NetDevice.BROADCAST_MAC);
            assertThat(f.arp().op()).isEqualTo(ArpHeader.ARPOP_REQUEST);
            assertThat(f.arp().tip()).isEqualTo(IP_B);
        });
        assertThat(reported).containsExactly(1, 2);
        assertThat(h.a.drops().get(DropReason.NEIGH_FAILED)).isEqualTo(2);
        assertThat(h.a.arp().table().stats().get(NeighTable.RES_FAILED)).isEqualTo(1);
        assertThat(entryAtoB().queueLen()).isZero();
        // nothing more happens: FAILED has no timer, so run() returns
        h.sim.run();
        assertThat(h.txA).hasSize(3);
        assertThat(h.a.arp().neighbour(IP_B, h.ethA).hasLladdr()).isFalse();
    }

    @Test
    void failedEntry_newTraffic_restartsResolution() {
        h.deliverAtoB = false;
        h.sendFromA(IP_B, 1);
        h.sim.run();
        assertThat(state()).isEqualTo("FAILED");
        h.clear();
        h.deliverAtoB = true;
        h.sendFromA(IP_B, 2);
        h.settle();
        assertThat(state()).isEqualTo("REACHABLE");
        assertThat(TwoHosts.ip(h.txA)).extracting(Frame::ipId).containsExactly(2);
    }

    @Test
    void queueOverLimit_dropsOldestWithNeighQueuefull_andKeepsOrder() {
        h.deliverAtoB = false;
        int n = 100;
        for (int i = 1; i <= n; i++) {
            assertThat(h.sendFromA(IP_B, i)).isZero();
        }
        int truesize = PagePool.SMALL + Neighbour.SKB_TRUESIZE_OVERHEAD;
        int fits = 212_992 / truesize;
        int dropped = n - fits;
        assertThat(dropped).isPositive();
        assertThat(h.a.drops().get(DropReason.NEIGH_QUEUEFULL)).isEqualTo(dropped);
        assertThat(h.a.arp().table().stats().get(NeighTable.UNRESOLVED_DISCARDS)).isEqualTo(dropped);
        assertThat(entryAtoB().queueLen()).isEqualTo(fits);
        assertThat(entryAtoB().queueBytes()).isEqualTo(fits * truesize);
        // the second request (1 s later) is answered: the survivors leave in order
        h.deliverAtoB = true;
        h.runForNs(SEC);
        assertThat(state()).isEqualTo("REACHABLE");
        List<Integer> ids = TwoHosts.ip(h.txA).stream().map(Frame::ipId).toList();
        List<Integer> expected = new ArrayList<>();
        for (int i = dropped + 1; i <= n; i++) {
            expected.add(i);
        }
        assertThat(ids).isEqualTo(expected);
        assertThat(TwoHosts.ip(h.txA)).allSatisfy(f -> assertThat(f.dst()).isEqualTo(MAC_B));
    }

    @Test
    void reachable_becomesStale_afterRandomizedReachableTime() {
        long rt = h.a.arp().parms().reachableTimeNs();
        assertThat(rt).isBetween(15 * SEC, 45 * SEC - 1);
        long t1 = resolve();
        h.runForNs(t1 + rt - 1 - h.sim.nowNs());
        assertThat(state()).isEqualTo("REACHABLE");
        // The timer at confirmed+reachable_time still counts as confirmed and re-arms by HZ/100.
        h.runForNs(10 * MS + 1);
        assertThat(state()).isEqualTo("STALE");
        assertThat(h.txA).isEmpty();
    }

    @Test
    void reachableTime_isUniformInHalfToThreeHalvesOfBase_andSeeded() {
        List<Long> drawn = new ArrayList<>();
        for (int seed = 1; seed <= 200; seed++) {
            try (TwoHosts t = new TwoHosts(seed)) {
                drawn.add(t.a.arp().parms().reachableTimeNs());
            }
        }
        assertThat(drawn).allSatisfy(v -> assertThat(v).isBetween(15 * SEC, 45 * SEC - 1));
        assertThat(drawn.stream().filter(v -> v < 30 * SEC).count()).isBetween(70L, 130L);
        try (TwoHosts again = new TwoHosts(1)) {
            assertThat(again.a.arp().parms().reachableTimeNs()).isEqualTo(drawn.get(0));
        }
        // writing base_reachable_time draws a new value from the new base
        h.a.arp().parms().setBaseReachableTimeNs(2 * SEC);
        assertThat(h.a.arp().parms().reachableTimeNs()).isBetween(SEC, 3 * SEC - 1);
    }

    private long goStale() {
        resolve();
        h.sim.runFor(java.time.Duration.ofSeconds(50));
        assertThat(state()).isEqualTo("STALE");
        h.clear();
        return h.sim.nowNs();
    }

    @Test
    void staleWithTraffic_delay_probe_unicastProbeAnswered_becomesReachable() {
        long ts = goStale();
        h.sendFromA(IP_B, 2);
        assertThat(state()).isEqualTo("DELAY");
        // the packet left at once with the cached address
        assertThat(h.txA).hasSize(1);
        assertThat(h.txA.get(0).ipId()).isEqualTo(2);
        assertThat(h.txA.get(0).dst()).isEqualTo(MAC_B);
        h.runForNs(5 * SEC - 1);
        assertThat(state()).isEqualTo("DELAY");
        assertThat(TwoHosts.arp(h.txA)).isEmpty();
        h.runForNs(1);
        List<Frame> probes = TwoHosts.arp(h.txA);
        assertThat(probes).hasSize(1);
        Frame p = probes.get(0);
        assertThat(p.timeNs()).isEqualTo(ts + 5 * SEC);
        assertThat(p.dst()).as("unicast probe").isEqualTo(MAC_B);
        assertThat(p.arp()).isEqualTo(ArpHeader.Repr.of(ArpHeader.ARPOP_REQUEST, MAC_A, IP_A, 0, IP_B));
        assertThat(state()).isEqualTo("REACHABLE");
    }

    @Test
    void staleWithTraffic_unansweredUnicastProbes_fail() {
        long ts = goStale();
        h.deliverAtoB = false;
        h.sendFromA(IP_B, 2);
        h.sim.run();
        assertThat(state()).isEqualTo("FAILED");
        List<Frame> probes = TwoHosts.arp(h.txA);
        assertThat(probes).extracting(Frame::timeNs)
                .containsExactly(ts + 5 * SEC, ts + 6 * SEC, ts + 7 * SEC);
        assertThat(probes).allSatisfy(f -> assertThat(f.dst()).isEqualTo(MAC_B));
        assertThat(h.sim.nowNs()).isEqualTo(ts + 8 * SEC);
    }

    @Test
    void delay_confirmedByUpperLayer_returnsToReachableWithoutProbe() {
        goStale();
        h.sendFromA(IP_B, 2);
        assertThat(state()).isEqualTo("DELAY");
        h.runForNs(2 * SEC);
        h.a.arp().neighConfirm(IP_B, h.ethA);
        h.runForNs(3 * SEC);
        assertThat(state()).isEqualTo("REACHABLE");
        assertThat(TwoHosts.arp(h.txA)).isEmpty();
    }

    @Test
    void confirmation_keepsEntryReachable() {
        resolve();
        for (int i = 0; i < 40; i++) {
            h.runForNs(5 * SEC);
            h.a.arp().neighConfirm(IP_B, h.ethA);
            assertThat(state()).isEqualTo("REACHABLE");
        }
        assertThat(TwoHosts.arp(h.txA)).isEmpty();
    }

    @Test
    void reachableWithRecentResolvingTraffic_goesDelayNotStale() {
        // used is stamped by the resolving path; traffic within delay_first_probe_time of the
        // expiry sends the entry to DELAY (and a probe) rather than STALE
        long rt = h.a.arp().parms().reachableTimeNs();
        long t1 = resolve();
        entryAtoB().eventSend(null);
        h.runForNs(t1 + rt - h.sim.nowNs() - 2 * SEC);
        entryAtoB().eventSend(null);
        h.runForNs(2 * SEC + 10 * MS + 1);
        assertThat(state()).isEqualTo("DELAY");
    }

    @Test
    void permanentEntry_neverExpires_andArpCannotChangeIt() {
        long other = 0x02_00_00_00_00_77L;
        h.a.arp().addPermanent(IP_B, other, h.ethA);
        h.sim.runFor(java.time.Duration.ofHours(1));
        assertThat(state()).isEqualTo("PERMANENT");
        h.sendFromA(IP_B, 3);
        assertThat(h.txA).hasSize(1);
        assertThat(h.txA.get(0).dst()).isEqualTo(other);
        // a reply or a gratuitous ARP from b's real MAC does not touch it
        h.ethA.inject(ArpHeader.Repr.of(ArpHeader.ARPOP_REPLY, MAC_B, IP_B, MAC_A, IP_A).toFrame(MAC_A, MAC_B));
        h.ethA.inject(ArpHeader.Repr.of(ArpHeader.ARPOP_REQUEST, MAC_B, IP_B, 0, IP_B)
                .toFrame(NetDevice.BROADCAST_MAC, MAC_B));
        h.sim.runFor(java.time.Duration.ofSeconds(5));
        assertThat(h.a.arp().neighbour(IP_B, h.ethA).lladdr()).isEqualTo(other);
        assertThat(state()).isEqualTo("PERMANENT");
    }

    @Test
    void requestWhileIncomplete_makesEntryStaleAndSendsQueued() {
        // b asks for a while a is still resolving b: neigh_event_ns() fills a's entry
        h.deliverAtoB = false;
        h.sendFromA(IP_B, 9);
        h.sendFromB(IP_A, 1);
        h.settle();
        assertThat(TwoHosts.ip(h.txA)).extracting(Frame::ipId).containsExactly(9);
        assertThat(TwoHosts.ip(h.txA).get(0).dst()).isEqualTo(MAC_B);
    }

    @Test
    void connectedOutput_allocatesNothing() {
        h.log = false;
        h.a.arp().addPermanent(IP_B, MAC_B, h.ethA);
        Neighbour n = entryAtoB();
        int count = 20_000;
        SkBuff[] pkts = new SkBuff[2 * count];
        for (int i = 0; i < pkts.length; i++) {
            pkts[i] = TwoHosts.ipPacket(h.a, IP_A, IP_B, i);
        }
        for (int i = 0; i < count; i++) {
            h.a.arp().neighOutput(pkts[i], h.ethA, IP_B);
        }
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long sentBefore = h.ethA.stats().txPackets();
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = count; i < 2 * count; i++) {
            h.a.arp().neighOutput(pkts[i], h.ethA, IP_B);
        }
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertThat(n.state()).isEqualTo(Neighbour.NUD_PERMANENT);
        assertThat(h.ethA.stats().txPackets() - sentBefore).isEqualTo(count);
        assertThat(allocated).as("bytes allocated for %d packets", count).isLessThan(4096);
    }
}
