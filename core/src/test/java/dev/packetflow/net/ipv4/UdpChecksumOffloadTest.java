package dev.packetflow.net.ipv4;

import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.drivers.net.simnic.SimNic;
import dev.packetflow.drivers.net.veth.Veth;
import dev.packetflow.drivers.net.wire.WireConditions;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.Dev;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.socket.SockAddrIn;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * UDP checksum offload, as Linux does it: a datagram leaves {@code CHECKSUM_PARTIAL} when its
 * device checksums, crosses a veth uncomputed and is taken as verified; a device without the
 * offload gets it finished in software ({@code skb_checksum_help}) before the driver.
 */
class UdpChecksumOffloadTest {
    static final int A = InetAddr.parse("198.18.0.1");
    static final int B = InetAddr.parse("198.18.0.2");

    final Simulation sim = new Simulation(7);
    final NetStack a = NetStack.create(sim, "a");
    final NetStack b = NetStack.create(sim, "b");

    @AfterEach
    void close() {
        a.close();
        b.close();
    }

    void up(NetDevice da, NetDevice db) {
        a.devices().open(da);
        b.devices().open(db);
        a.ipv4().addAddress(da, A, 24);
        b.ipv4().addAddress(db, B, 24);
        sim.run();
    }

    /** Sends "hello" from a:5000 to b:6000 and returns what b's socket read (null if nothing came). */
    String sendAndReceive() {
        int rx = b.sockets().socket(AF_INET, SOCK_DGRAM, 0);
        assertThat(b.sockets().bind(rx, new SockAddrIn(B, 6000))).isZero();
        int tx = a.sockets().socket(AF_INET, SOCK_DGRAM, 0);
        assertThat(a.sockets().bind(tx, new SockAddrIn(A, 5000))).isZero();
        byte[] msg = "hello".getBytes();
        assertThat(a.sockets().sendto(tx, msg, 0, msg.length, 0, new SockAddrIn(B, 6000))).isEqualTo(5);
        sim.run();
        byte[] buf = new byte[64];
        int n = b.sockets().recvfrom(rx, buf, 0, buf.length, MSG_DONTWAIT, null);
        return n < 0 ? null : new String(buf, 0, n);
    }

    /** What a packet tap on {@code dev} saw leave: the UDP check field and the skb's ip_summed. */
    record Seen(int check, int ipSummed, int udpOff, byte[] frame) {}

    static List<Seen> watchTx(NetDevice dev) {
        List<Seen> seen = new ArrayList<>();
        Dev.addTap(dev, (d, skb, outgoing) -> {
            // UDP, and the first fragment only (fragment offset 0): the one with the UDP header
            if (outgoing && skb.u16(skb.data + 12) == 0x0800 && skb.u8(skb.data + 23) == 17
                    && (skb.u16(skb.data + 14 + 6) & 0x1fff) == 0) {
                int udp = skb.data + 14 + 20;
                seen.add(new Seen(skb.u16(udp + 6), skb.ipSummed, 14 + 20, skb.toByteArray()));
            }
        });
        return seen;
    }

    @Test
    void overVeth_leavesPartial_neverComputed_andIsAcceptedAsVerified() {
        Veth.Pair p = Veth.pair(a, "eth0", b, "eth0");
        up(p.a(), p.b());
        List<Seen> seen = watchTx(p.a());

        assertThat(sendAndReceive()).isEqualTo("hello");

        assertThat(seen).hasSize(1);
        assertThat(seen.get(0).ipSummed()).isEqualTo(SkBuff.CHECKSUM_PARTIAL);
        // udp4_hwcsum(): the field holds the pseudo-header sum, not the checksum
        int pseudo = ~InetChecksum.fold(InetChecksum.pseudoHeader(A, B, 17, 8 + 5)) & 0xffff;
        assertThat(seen.get(0).check()).isEqualTo(pseudo);
        assertThat(b.udp().mib().get("InDatagrams")).isEqualTo(1);
        assertThat(b.udp().mib().get("InCsumErrors")).isZero();
    }

    @Test
    void deviceWithoutOffload_getsTheChecksumFinishedInSoftware_validOnTheWire() {
        SimNic.Pair p = SimNic.pair(a, "eth0", b, "eth0", WireConditions.PERFECT);
        assertThat(p.a().features() & (NetDevice.NETIF_F_HW_CSUM | NetDevice.NETIF_F_IP_CSUM)).isZero();
        up(p.a(), p.b());
        List<Seen> seen = watchTx(p.a());

        assertThat(sendAndReceive()).isEqualTo("hello");

        assertThat(seen).hasSize(1);
        assertThat(seen.get(0).ipSummed()).isNotEqualTo(SkBuff.CHECKSUM_PARTIAL);
        byte[] f = seen.get(0).frame();
        int off = seen.get(0).udpOff();
        int ulen = ((f[off + 4] & 0xff) << 8) | (f[off + 5] & 0xff);
        assertThat(InetChecksum.fold(InetChecksum.partial(f, off, ulen, InetChecksum.pseudoHeader(A, B, 17, ulen))))
                .as("the full checksum verifies").isZero();
        assertThat(b.udp().mib().get("InCsumErrors")).isZero();
    }

    @Test
    void skbChecksumHelp_sendsAZeroResultAsAllOnes_andRefusesOffsetsOutsideThePacket() {
        SkBuff skb = Skb.allocSkb(a.pool(), 64);
        int o = skb.put(8);
        // a "datagram" whose bytes sum to 0xffff: the finished checksum would be 0
        skb.setU16(o, 0xfffe);
        skb.setU16(o + 2, 0x0001);
        skb.setU16(o + 4, 0);
        skb.setU16(o + 6, 0);
        skb.ipSummed = SkBuff.CHECKSUM_PARTIAL;
        skb.csumStart = o;
        skb.csumOffset = 6;
        assertThat(Dev.skbChecksumHelp(skb)).isTrue();
        assertThat(skb.u16(o + 6)).isEqualTo(0xffff);
        assertThat(skb.ipSummed).isEqualTo(SkBuff.CHECKSUM_NONE);

        skb.ipSummed = SkBuff.CHECKSUM_PARTIAL;
        skb.csumOffset = 7; // the field would end past the tail
        assertThat(Dev.skbChecksumHelp(skb)).isFalse();
        Skb.consumeSkb(skb);
    }

    @Test
    void fragmentedDatagram_isChecksummedBeforeItIsCut() {
        Veth.Pair p = Veth.pair(a, "eth0", b, "eth0");
        up(p.a(), p.b());
        List<Seen> seen = watchTx(p.a());
        int rx = b.sockets().socket(AF_INET, SOCK_DGRAM, 0);
        assertThat(b.sockets().bind(rx, new SockAddrIn(B, 6000))).isZero();
        int tx = a.sockets().socket(AF_INET, SOCK_DGRAM, 0);
        byte[] big = new byte[3000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) i;
        }
        assertThat(a.sockets().sendto(tx, big, 0, big.length, 0, new SockAddrIn(B, 6000))).isEqualTo(3000);
        sim.run();

        assertThat(seen).as("the first fragment carries the UDP header").hasSize(1);
        assertThat(seen.get(0).ipSummed()).isNotEqualTo(SkBuff.CHECKSUM_PARTIAL);
        byte[] buf = new byte[4000];
        assertThat(b.sockets().recvfrom(rx, buf, 0, buf.length, MSG_DONTWAIT, null)).isEqualTo(3000);
        assertThat(b.udp().mib().get("InCsumErrors")).isZero();
    }
}
