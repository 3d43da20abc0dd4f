package dev.packetflow.net.ipv4;

import static dev.packetflow.testing.TwoHosts.IP_A;
import static dev.packetflow.testing.TwoHosts.IP_B;
import static dev.packetflow.testing.TwoHosts.MAC_A;
import static dev.packetflow.testing.TwoHosts.MAC_B;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.NeighInfo;
import dev.packetflow.net.core.NeighTable;
import dev.packetflow.net.core.Neighbour;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.testing.TwoHosts;
import dev.packetflow.testing.TwoHosts.Frame;
import dev.packetflow.trace.Trace;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** ARP on the wire: frame layout, request/reply, learning rules, gratuitous ARP, bad frames. */
class ArpTest {
    private static final int IP_C = InetAddr.parse("198.18.0.3");
    private static final long MAC_X = 0x02_00_00_00_00_99L;

    private final TwoHosts h = new TwoHosts();

    @AfterEach
    void close() {
        h.close();
    }

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void arpRequest_bytes_matchLinuxLayout() {
        h.deliverAtoB = false;
        h.sendFromA(IP_B, 1);
        // Ethernet: broadcast, from A, ARP. ARP: Ethernet/IPv4, 6/4, request, A's MAC and address,
        // target MAC zero, target address; 42 bytes, no padding.
        byte[] expected = hex("ffffffffffff 020000000001 0806"
                + "0001 0800 06 04 0001 020000000001 c6120001 000000000000 c6120002");
        assertThat(h.txA).hasSize(1);
        assertThat(h.txA.get(0).bytes()).isEqualTo(expected);
    }

    @Test
    void arpReply_bytes_matchLinuxLayout() {
        h.sendFromA(IP_B, 1);
        h.settle();
        byte[] expected = hex("020000000001 020000000002 0806"
                + "0001 0800 06 04 0002 020000000002 c6120002 020000000001 c6120001");
        assertThat(TwoHosts.arp(h.txB)).hasSize(1);
        assertThat(h.txB.get(0).bytes()).isEqualTo(expected);
    }

    @Test
    void arpRequest_forLocalAddress_getsReplyAndRequesterLearnedStale() {
        h.sendFromA(IP_B, 1);
        h.settle();
        ArpHeader.Repr reply = h.txB.get(0).arp();
        assertThat(reply).isEqualTo(ArpHeader.Repr.of(ArpHeader.ARPOP_REPLY, MAC_B, IP_B, MAC_A, IP_A));
        assertThat(h.txB.get(0).dst()).isEqualTo(MAC_A);
        // neigh_event_ns(): the requester is about to talk to us, so it is cached, as STALE.
        NeighInfo learned = h.b.arp().neighbour(IP_A, h.ethB);
        assertThat(learned.stateName()).isEqualTo("STALE");
        assertThat(learned.lladdr()).isEqualTo(MAC_A);
    }

    @Test
    void roundTrip_resolves_andSendsQueuedPacketToResolvedMac() {
        int rc = h.sendFromA(IP_B, 7);
        assertThat(rc).isZero();
        h.settle();
        List<Frame> ip = TwoHosts.ip(h.txA);
        assertThat(ip).hasSize(1);
        assertThat(ip.get(0).dst()).isEqualTo(MAC_B);
        assertThat(ip.get(0).src()).isEqualTo(MAC_A);
        assertThat(ip.get(0).ipId()).isEqualTo(7);
        assertThat(ip.get(0).bytes()).hasSize(14 + 28);
        // the request went first, the packet after the reply
        assertThat(h.txA.get(0).isArp()).isTrue();
        NeighInfo n = h.a.arp().neighbour(IP_B, h.ethA);
        assertThat(n.state()).isEqualTo(Neighbour.NUD_REACHABLE);
        assertThat(n.lladdr()).isEqualTo(MAC_B);
        assertThat(n.toString()).isEqualTo("198.18.0.2 dev eth0 lladdr 02:00:00:00:00:02 REACHABLE");
    }

    @Test
    void arpRequest_senderAddress_isQueuedPacketsLocalSource() {
        int second = InetAddr.parse("198.18.0.10");
        h.a.arp().setGratuitousArpOnAddressAdd(false);
        h.a.ipv4().addAddress(h.ethA, second, 24);
        h.deliverAtoB = false;
        h.a.arp().neighOutput(TwoHosts.ipPacket(h.a, second, IP_B, 1), h.ethA, IP_B);
        assertThat(h.txA.get(0).arp().sip()).isEqualTo(second);
    }

    @Test
    void reply_notForUs_createsNoEntry() {
        // arp_accept=0: an unsolicited reply does not create an entry
        h.ethA.inject(ArpHeader.Repr.of(ArpHeader.ARPOP_REPLY, MAC_X, IP_C, MAC_A, IP_A).toFrame(MAC_A, MAC_X));
        h.settle();
        assertThat(h.a.arp().neighbour(IP_C, h.ethA)).isNull();
    }

    @Test
    void broadcastReply_updatesIncompleteEntryToStaleNotReachable() {
        h.deliverAtoB = false;
        h.sendFromA(IP_B, 1);
        h.ethA.inject(ArpHeader.Repr.of(ArpHeader.ARPOP_REPLY, MAC_B, IP_B, MAC_A, IP_A)
                .toFrame(NetDevice.BROADCAST_MAC, MAC_B));
        h.settle();
        NeighInfo n = h.a.arp().neighbour(IP_B, h.ethA);
        assertThat(n.lladdr()).isEqualTo(MAC_B);
        // The queued packet left at once (STALE + traffic = DELAY) with the learned address.
        assertThat(TwoHosts.ip(h.txA)).hasSize(1);
        assertThat(n.stateName()).isEqualTo("DELAY");
    }

    @Test
    void repliesBackToBack_firstWins_untilLocktime() {
        h.deliverAtoB = false;
        h.sendFromA(IP_B, 1);
        h.ethA.inject(ArpHeader.Repr.of(ArpHeader.ARPOP_REPLY, MAC_B, IP_B, MAC_A, IP_A).toFrame(MAC_A, MAC_B));
        h.ethA.inject(ArpHeader.Repr.of(ArpHeader.ARPOP_REPLY, MAC_X, IP_B, MAC_A, IP_A).toFrame(MAC_A, MAC_X));
        h.settle();
        assertThat(h.a.arp().neighbour(IP_B, h.ethA).lladdr()).isEqualTo(MAC_B);
        h.runForNs(1_000_000_001L);
        h.ethA.inject(ArpHeader.Repr.of(ArpHeader.ARPOP_REPLY, MAC_X, IP_B, MAC_A, IP_A).toFrame(MAC_A, MAC_X));
        h.settle();
        NeighInfo n = h.a.arp().neighbour(IP_B, h.ethA);
        assertThat(n.lladdr()).isEqualTo(MAC_X);
        assertThat(n.stateName()).isEqualTo("REACHABLE");
    }

    @Test
    void dadProbe_forOurAddress_isAnsweredWithZeroTarget() {
        h.ethB.inject(ArpHeader.Repr.of(ArpHeader.ARPOP_REQUEST, MAC_X, 0, 0, IP_B)
                .toFrame(NetDevice.BROADCAST_MAC, MAC_X));
        h.settle();
        assertThat(h.txB).hasSize(1);
        assertThat(h.txB.get(0).dst()).isEqualTo(MAC_X);
        assertThat(h.txB.get(0).arp()).isEqualTo(ArpHeader.Repr.of(ArpHeader.ARPOP_REPLY, MAC_B, IP_B, MAC_X, 0));
        assertThat(h.b.arp().neighbours()).isEmpty();
    }

    @Test
    void ieee802HardwareType_isAcceptedOnEthernet() {
        byte[] f = ArpHeader.Repr.of(ArpHeader.ARPOP_REQUEST, MAC_X, IP_C, 0, IP_B)
                .toFrame(NetDevice.BROADCAST_MAC, MAC_X);
        f[15] = 6;
        h.ethB.inject(f);
        h.settle();
        assertThat(TwoHosts.arp(h.txB)).hasSize(1);
    }

    @Test
    void gratuitousArp_onAddressAdd_isSentAsRequestForOwnAddress() {
        int addr = InetAddr.parse("198.18.0.20");
        h.a.ipv4().addAddress(h.ethA, addr, 24);
        assertThat(h.txA).hasSize(1);
        assertThat(h.txA.get(0).bytes()).isEqualTo(hex("ffffffffffff 020000000001 0806"
                + "0001 0800 06 04 0001 020000000001 c6120014 000000000000 c6120014"));
    }

    @Test
    void gratuitousArp_updatesPeersExistingEntry_butCreatesNone() {
        h.sendFromA(IP_B, 1);
        h.settle();
        assertThat(h.b.arp().neighbour(IP_A, h.ethB).lladdr()).isEqualTo(MAC_A);
        long newMac = 0x02_00_00_00_00_0aL;
        h.a.ipv4().delAddress(h.ethA, IP_A, 24);
        h.ethA.setMac(newMac);
        h.a.ipv4().addAddress(h.ethA, IP_A, 24);
        h.a.ipv4().addAddress(h.ethA, IP_C, 24);
        h.settle();
        NeighInfo n = h.b.arp().neighbour(IP_A, h.ethB);
        assertThat(n.lladdr()).isEqualTo(newMac);
        assertThat(n.stateName()).isEqualTo("STALE");
        // arp_accept=0: the announcement of an address b never used creates nothing
        assertThat(h.b.arp().neighbour(IP_C, h.ethB)).isNull();
    }

    @Test
    void gratuitousArp_onDeviceUp_announcesEveryAddress_andNotWhileDown() {
        h.a.devices().close(h.ethA);
        h.a.ipv4().addAddress(h.ethA, IP_C, 24);
        assertThat(h.txA).isEmpty();
        h.a.devices().open(h.ethA);
        assertThat(h.txA).extracting(f -> f.arp().tip()).containsExactly(IP_A, IP_C);
        assertThat(h.txA).allSatisfy(f -> assertThat(f.arp().sip()).isEqualTo(f.arp().tip()));
    }

    private void assertDropped(byte[] frame, DropReason reason) {
        long before = h.b.drops().get(reason);
        h.ethB.inject(frame);
        h.settle();
        assertThat(h.b.drops().get(reason)).as("%s", reason).isEqualTo(before + 1);
        assertThat(h.txB).as("no answer to a dropped frame").isEmpty();
    }

    private byte[] requestForB() {
        return ArpHeader.Repr.of(ArpHeader.ARPOP_REQUEST, MAC_X, IP_C, 0, IP_B).toFrame(NetDevice.BROADCAST_MAC, MAC_X);
    }

    @Test
    void malformedFrames_areDroppedWithTheirReason() {
        byte[] shortFrame = java.util.Arrays.copyOf(requestForB(), 14 + 27);
        assertDropped(shortFrame, DropReason.PKT_TOO_SMALL);

        byte[] hln = requestForB();
        hln[14 + 4] = 8;
        assertDropped(hln, DropReason.ARP_INVALID_HDR);
        byte[] pln = requestForB();
        pln[14 + 5] = 16;
        assertDropped(pln, DropReason.ARP_INVALID_HDR);
        byte[] hrd = requestForB();
        hrd[14 + 1] = 0x20;
        assertDropped(hrd, DropReason.ARP_INVALID_HDR);
        byte[] pro = requestForB();
        pro[14 + 2] = (byte) 0x86;
        pro[14 + 3] = (byte) 0xdd;
        assertDropped(pro, DropReason.ARP_INVALID_HDR);
        byte[] op = requestForB();
        op[14 + 7] = 3;
        assertDropped(op, DropReason.ARP_INVALID_OP);

        assertDropped(ArpHeader.Repr.of(ArpHeader.ARPOP_REQUEST, MAC_X, IP_C, 0, InetAddr.parse("224.0.0.1"))
                .toFrame(NetDevice.BROADCAST_MAC, MAC_X), DropReason.ARP_INVALID_ADDR);
        assertDropped(ArpHeader.Repr.of(ArpHeader.ARPOP_REQUEST, MAC_X, IP_C, 0, InetAddr.parse("127.0.0.1"))
                .toFrame(NetDevice.BROADCAST_MAC, MAC_X), DropReason.ARP_INVALID_ADDR);
        assertDropped(ArpHeader.Repr.of(ArpHeader.ARPOP_REQUEST, MAC_X, InetAddr.BROADCAST, 0, IP_B)
                .toFrame(NetDevice.BROADCAST_MAC, MAC_X), DropReason.ARP_INVALID_ADDR);
        assertDropped(ArpHeader.Repr.of(ArpHeader.ARPOP_REQUEST, MAC_X, InetAddr.parse("198.18.0.255"), 0, IP_B)
                .toFrame(NetDevice.BROADCAST_MAC, MAC_X), DropReason.ARP_INVALID_ADDR);

        assertDropped(ArpHeader.Repr.of(ArpHeader.ARPOP_REQUEST, MAC_X, IP_C, 0, IP_B).toFrame(MAC_X, MAC_X),
                DropReason.OTHERHOST);
        assertThat(h.b.arp().neighbours()).isEmpty();
        // and a well-formed request still works afterwards
        h.ethB.inject(requestForB());
        h.settle();
        assertThat(TwoHosts.arp(h.txB)).hasSize(1);
    }

    @Test
    void requestFromOurOwnAddress_isNotAnswered() {
        h.ethB.inject(ArpHeader.Repr.of(ArpHeader.ARPOP_REQUEST, MAC_X, IP_B, 0, IP_B)
                .toFrame(NetDevice.BROADCAST_MAC, MAC_X));
        h.settle();
        assertThat(h.txB).isEmpty();
        assertThat(h.b.arp().neighbours()).isEmpty();
    }

    @Test
    void tracepoints_arpRcvAndArpProcessAndArpXmit_fire() throws Exception {
        List<String> seen = new ArrayList<>();
        List<AutoCloseable> probes = new ArrayList<>();
        for (String name : List.of("arp_rcv", "arp_process", "arp_xmit", "arp_solicit", "neigh_update",
                "neigh_resolve_output", "neigh_output", "neigh_create")) {
            probes.add(Trace.attach(name, (tp, net, dev, skb, arg) -> seen.add(net.name() + ":" + tp.name())));
        }
        try {
            h.sendFromA(IP_B, 1);
            h.settle();
        } finally {
            for (AutoCloseable p : probes) {
                p.close();
            }
        }
        assertThat(seen).containsSubsequence("a:neigh_output", "a:neigh_create", "a:neigh_resolve_output",
                "a:arp_solicit", "a:arp_xmit", "b:arp_rcv", "b:arp_process", "b:neigh_create", "b:neigh_update",
                "b:arp_xmit", "a:arp_rcv", "a:arp_process", "a:neigh_update");
    }

    @Test
    void broadcastAndMulticastNexthops_needNoResolution() {
        h.deliverAtoB = false;
        h.sendFromA(InetAddr.BROADCAST, 1);
        h.sendFromA(InetAddr.parse("198.18.0.255"), 2);
        h.sendFromA(InetAddr.parse("224.0.0.251"), 3);
        assertThat(h.txA).extracting(Frame::dst)
                .containsExactly(NetDevice.BROADCAST_MAC, NetDevice.BROADCAST_MAC, 0x01_00_5e_00_00_fbL);
        assertThat(h.txA).allSatisfy(f -> assertThat(f.ethertype()).isEqualTo(0x0800));
        assertThat(h.a.arp().neighbours()).isEmpty();
    }

    @Test
    void clonedPacket_isUnsharedBeforeTheHeaderIsWritten() {
        h.a.arp().addPermanent(IP_B, MAC_B, h.ethA);
        SkBuff skb = TwoHosts.ipPacket(h.a, IP_A, IP_B, 5);
        SkBuff clone = skb.cloneSkb();
        byte[] before = new byte[14 + 28];
        clone.read(clone.data - 14, before, 0, before.length);
        h.a.arp().neighOutput(skb, h.ethA, IP_B);
        // the shared buffer is untouched: the header went into a private copy
        byte[] after = new byte[14 + 28];
        clone.read(clone.data - 14, after, 0, after.length);
        assertThat(after).isEqualTo(before);
        assertThat(clone.len()).isEqualTo(28);
        dev.packetflow.net.core.Skb.consumeSkb(clone);
        assertThat(TwoHosts.ip(h.txA)).hasSize(1);
        assertThat(TwoHosts.ip(h.txA).get(0).ipId()).isEqualTo(5);
        assertThat(TwoHosts.ip(h.txA).get(0).dst()).isEqualTo(MAC_B);
    }

    @Test
    void arpCacheCounters_areRegisteredAsMib() {
        h.sendFromA(IP_B, 1);
        h.settle();
        assertThat(h.a.mib("arp_cache").get("allocs")).isEqualTo(1);
        assertThat(h.a.mib("arp_cache").get("entries")).isEqualTo(1);
        assertThat(h.a.arp().table().stats().get(NeighTable.ENTRIES)).isEqualTo(1);
    }
}
