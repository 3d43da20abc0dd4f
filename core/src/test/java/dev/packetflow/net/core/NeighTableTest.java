package dev.packetflow.net.core;

import static dev.packetflow.testing.TwoHosts.IP_A;
import static dev.packetflow.testing.TwoHosts.IP_B;
import static dev.packetflow.testing.TwoHosts.MAC_B;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.packetflow.net.ipv4.ArpHeader;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.testing.TwoHosts;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Table-level behaviour: garbage collection, administration (ip neigh), device events, close. */
class NeighTableTest {
    private static final long SEC = 1_000_000_000L;
    private static final int BASE = InetAddr.parse("198.18.4.0");

    private final TwoHosts h = new TwoHosts();

    @AfterEach
    void close() {
        h.close();
    }

    private void addStale(int count) {
        for (int i = 0; i < count; i++) {
            h.a.arp().neighAdd(BASE + i, 0x02_00_00_01_00_00L + i, h.ethA, Neighbour.NUD_STALE, false);
        }
    }

    @Test
    void periodicGc_isDeferrable_soRunTerminates() {
        addStale(200);
        long t0 = h.sim.nowNs();
        h.sim.run();
        assertThat(h.sim.nowNs()).isEqualTo(t0);
        assertThat(h.a.arp().table().size()).isEqualTo(200);
    }

    @Test
    void periodicGc_aboveThresh1_removesEntriesUnusedForGcStaleTime_neverPermanent() {
        addStale(200);
        h.a.arp().addPermanent(IP_B, MAC_B, h.ethA);
        h.sim.runFor(Duration.ofSeconds(59));
        assertThat(h.a.arp().table().size()).isEqualTo(201);
        // passes run every base_reachable_time/2 = 15 s: all stale entries are gone within one more
        h.sim.runFor(Duration.ofSeconds(17));
        assertThat(h.a.arp().neighbours()).extracting(NeighInfo::stateName).containsExactly("PERMANENT");
        assertThat(h.a.arp().table().stats().get(NeighTable.PERIODIC_GC_RUNS)).isPositive();
        assertThat(h.a.arp().table().stats().get(NeighTable.DESTROYS)).isEqualTo(200);
    }

    @Test
    void periodicGc_belowThresh1_keepsEverything() {
        addStale(100);
        h.sim.runFor(Duration.ofMinutes(10));
        assertThat(h.a.arp().table().size()).isEqualTo(100);
    }

    private byte[] requestFrom(int sip) {
        return ArpHeader.Repr.of(ArpHeader.ARPOP_REQUEST, 0x02_00_00_02_00_00L + (sip & 0xffff), sip, 0, IP_B)
                .toFrame(NetDevice.BROADCAST_MAC, 0x02_00_00_02_00_00L + (sip & 0xffff));
    }

    @Test
    void forcedGc_atThresh3_tableFullUntilEntriesAreFiveSecondsOld() {
        h.deliverBtoA = false;
        for (int i = 0; i < 1024; i++) {
            h.ethB.inject(requestFrom(BASE + i));
        }
        h.sim.run();
        NeighTable t = h.b.arp().table();
        assertThat(t.size()).isEqualTo(1024);
        assertThat(TwoHosts.arp(h.txB)).hasSize(1024);
        h.clear();
        h.sim.runFor(Duration.ofSeconds(1));
        h.ethB.inject(requestFrom(BASE + 5000));
        h.sim.run();
        // every entry is younger than 5 s: nothing to collect, creation fails, no answer
        assertThat(t.stats().get(NeighTable.TABLE_FULLS)).isEqualTo(1);
        assertThat(t.size()).isEqualTo(1024);
        assertThat(h.txB).isEmpty();
        h.sim.runFor(Duration.ofSeconds(5));
        h.ethB.inject(requestFrom(BASE + 5001));
        h.sim.run();
        // forced gc back to gc_thresh2, oldest first, then the new entry
        assertThat(t.size()).isEqualTo(512 + 1);
        assertThat(TwoHosts.arp(h.txB)).hasSize(1);
        assertThat(h.b.arp().neighbour(BASE, h.ethB)).isNull();
        assertThat(h.b.arp().neighbour(BASE + 1023, h.ethB)).isNotNull();
        assertThat(h.b.arp().neighbour(BASE + 5001, h.ethB)).isNotNull();
        assertThat(t.stats().get(NeighTable.FORCED_GC_RUNS)).isEqualTo(2);
    }

    @Test
    void tableFull_newNexthop_dropsWithNeighCreatefail() {
        h.a.arp().table().setGcThresholds(1, 2, 3);
        addStale(3);
        int rc = h.sendFromA(IP_B, 1);
        assertThat(rc).isNegative();
        assertThat(h.a.drops().get(DropReason.NEIGH_CREATEFAIL)).isEqualTo(1);
        assertThat(h.txA).isEmpty();
    }

    @Test
    void ipNeigh_addReplaceShowDeleteFlush() {
        var arp = h.a.arp();
        arp.neighAdd(IP_B, MAC_B, h.ethA, Neighbour.NUD_PERMANENT, false);
        assertThatThrownBy(() -> arp.neighAdd(IP_B, 0x02_00_00_00_00_05L, h.ethA, Neighbour.NUD_PERMANENT, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exists");
        assertThat(arp.neighbour(IP_B, h.ethA).lladdr()).isEqualTo(MAC_B);
        arp.neighAdd(IP_B, 0x02_00_00_00_00_05L, h.ethA, Neighbour.NUD_PERMANENT, true);
        assertThat(arp.neighbour(IP_B, h.ethA).toString())
                .isEqualTo("198.18.0.2 dev eth0 lladdr 02:00:00:00:00:05 PERMANENT");
        int c = InetAddr.parse("198.18.0.3");
        arp.neighAdd(c, 0x02_00_00_00_00_03L, h.ethA, Neighbour.NUD_REACHABLE, false);
        h.deliverAtoB = false;
        h.sendFromA(InetAddr.parse("198.18.0.4"), 1);
        assertThat(arp.neighbours()).extracting(NeighInfo::toString).containsExactly(
                "198.18.0.2 dev eth0 lladdr 02:00:00:00:00:05 PERMANENT",
                "198.18.0.3 dev eth0 lladdr 02:00:00:00:00:03 REACHABLE",
                "198.18.0.4 dev eth0 INCOMPLETE");
        assertThatThrownBy(() -> arp.neighDelete(InetAddr.parse("198.18.0.9"), h.ethA))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("198.18.0.9");
        assertThatThrownBy(() -> arp.neighAdd(c, -5, h.ethA, Neighbour.NUD_PERMANENT, true))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> arp.neighAdd(c, 1, h.ethA, Neighbour.NUD_DELAY, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DELAY");
        assertThatThrownBy(() -> arp.neighAdd(c, 1, h.ethB, Neighbour.NUD_PERMANENT, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not in");
        assertThat(arp.neighbour(c, h.ethA).lladdr()).isEqualTo(0x02_00_00_00_00_03L);

        // flush's default leaves permanent entries; the INCOMPLETE one drops its packet
        assertThat(arp.neighFlush(h.ethA)).isEqualTo(2);
        assertThat(arp.neighbours()).extracting(NeighInfo::stateName).containsExactly("PERMANENT");
        assertThat(h.a.drops().get(DropReason.NEIGH_FAILED)).isEqualTo(1);
        arp.neighDelete(IP_B, h.ethA);
        assertThat(arp.neighbours()).isEmpty();
        h.sim.run();
    }

    @Test
    void permanentEntry_isExemptFromGcCount_andReplaceToStaleRejoinsIt() {
        NeighTable t = h.a.arp().table();
        h.a.arp().addPermanent(IP_B, MAC_B, h.ethA);
        assertThat(t.gcEntries()).isZero();
        h.a.arp().neighAdd(IP_B, MAC_B, h.ethA, Neighbour.NUD_STALE, true);
        assertThat(t.gcEntries()).isEqualTo(1);
        h.a.arp().addPermanent(IP_B, MAC_B, h.ethA);
        assertThat(t.gcEntries()).isZero();
    }

    @Test
    void deviceDown_removesEveryEntry_andDropsQueuedPackets() {
        h.deliverAtoB = false;
        h.a.arp().addPermanent(InetAddr.parse("198.18.0.3"), 0x02_00_00_00_00_03L, h.ethA);
        h.sendFromA(IP_B, 1);
        h.sendFromA(IP_B, 2);
        h.a.devices().close(h.ethA);
        assertThat(h.a.arp().neighbours()).isEmpty();
        assertThat(h.a.drops().get(DropReason.QUEUE_PURGE)).isEqualTo(2);
        // nothing is left armed: run() returns at once
        long t0 = h.sim.nowNs();
        h.sim.run();
        assertThat(h.sim.nowNs()).isEqualTo(t0);
        // and a packet for a down device is dropped, not queued
        assertThat(h.sendFromA(IP_B, 3)).isNegative();
        assertThat(h.a.drops().get(DropReason.DEV_DOWN)).isEqualTo(1);
    }

    @Test
    void lastAddressRemoved_flushesTheDevicesEntries() {
        h.sendFromA(IP_B, 1);
        h.settle();
        assertThat(h.a.arp().neighbours()).hasSize(1);
        h.a.ipv4().delAddress(h.ethA, IP_A, 24);
        assertThat(h.a.arp().neighbours()).isEmpty();
    }

    @Test
    void close_cancelsTimers_andFreesEveryQueuedPacket() {
        h.deliverAtoB = false;
        for (int i = 0; i < 10; i++) {
            h.sendFromA(IP_B, i);
        }
        h.a.arp().addPermanent(InetAddr.parse("198.18.0.3"), 0x02_00_00_00_00_03L, h.ethA);
        h.a.close();
        assertThat(h.a.arp().neighbours()).isEmpty();
        assertThat(h.a.drops().get(DropReason.QUEUE_PURGE)).isEqualTo(10);
        assertThat(h.sim.virtualClock().nanoTime()).isPositive();
        // after close nothing is created or queued, and nothing throws
        assertThat(h.sendFromA(IP_B, 99)).isNegative();
        assertThat(h.a.arp().neighbours()).isEmpty();
        assertThatThrownBy(() -> h.a.arp().addPermanent(IP_B, MAC_B, h.ethA)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void lookups_findEntriesAcrossTableGrowth_andTombstones() {
        NeighTable t = h.a.arp().table();
        for (int i = 0; i < 1000; i++) {
            h.a.arp().addPermanent(BASE + i, i, h.ethA);
        }
        for (int i = 0; i < 1000; i += 2) {
            h.a.arp().neighDelete(BASE + i, h.ethA);
        }
        for (int i = 0; i < 1000; i++) {
            Neighbour n = t.lookup(h.ethA, BASE + i);
            if (i % 2 == 0) {
                assertThat(n).isNull();
            } else {
                assertThat(n.lladdr()).isEqualTo(i);
            }
        }
        assertThat(t.lookup(h.ethA, BASE + 1000)).isNull();
        assertThat(t.stats().get(NeighTable.HASH_GROWS)).isPositive();
        assertThat(t.size()).isEqualTo(500);
    }

    @Test
    void entries_areKeyedByDeviceAndAddress() {
        var eth1 = h.a.addDevice(new dev.packetflow.drivers.net.channel.ChannelDevice("eth1", 0x02_00_00_00_01_01L));
        h.a.devices().open(eth1);
        h.a.arp().addPermanent(IP_B, MAC_B, h.ethA);
        h.a.arp().addPermanent(IP_B, 0x02_00_00_00_00_0bL, eth1);
        assertThat(h.a.arp().neighbour(IP_B, h.ethA).lladdr()).isEqualTo(MAC_B);
        assertThat(h.a.arp().neighbour(IP_B, eth1).lladdr()).isEqualTo(0x02_00_00_00_00_0bL);
        // b's eth0 has the same ifindex as a's, but is another device
        assertThat(h.ethB.ifindex()).isEqualTo(h.ethA.ifindex());
        assertThat(h.a.arp().table().lookup(h.ethB, IP_B)).isNull();
        h.a.arp().neighDelete(IP_B, eth1);
        assertThat(h.a.arp().neighbours()).hasSize(1);
    }
}
