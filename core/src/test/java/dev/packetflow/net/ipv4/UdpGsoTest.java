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
import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.SockAddrIn;
import dev.packetflow.net.socket.SocketLayer;
import dev.packetflow.testing.TwoHosts;
import dev.packetflow.testing.VethHosts;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * UDP generic segmentation offload ({@code UDP_SEGMENT}), as Linux does it: one send becomes one
 * super-packet that crosses a veth whole and is cut into datagrams at the receiving socket, or is
 * cut in software for a device without {@code NETIF_F_GSO_UDP_L4}, each piece a valid packet.
 */
class UdpGsoTest {
    static final int A = InetAddr.parse("198.18.0.1");
    static final int B = InetAddr.parse("198.18.0.2");

    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 7 + i / 100);
        }
        return b;
    }

    static int bound(SocketLayer s, int addr, int port) {
        int fd = s.socket(AF_INET, SOCK_DGRAM, 0);
        assertThat(s.bind(fd, new SockAddrIn(addr, port))).isZero();
        return fd;
    }

    /** Reads every queued datagram of {@code fd}. */
    static List<byte[]> drain(SocketLayer s, int fd) {
        List<byte[]> got = new ArrayList<>();
        byte[] buf = new byte[70000];
        int n;
        while ((n = s.recvfrom(fd, buf, 0, buf.length, MSG_DONTWAIT, null)) >= 0) {
            got.add(java.util.Arrays.copyOf(buf, n));
        }
        assertThat(n).isEqualTo(Errno.EAGAIN.neg());
        return got;
    }

    static void assertPieces(List<byte[]> got, byte[] sent, int size) {
        int expected = (sent.length + size - 1) / size;
        assertThat(got).hasSize(expected);
        for (int i = 0; i < expected; i++) {
            int len = Math.min(size, sent.length - i * size);
            assertThat(got.get(i)).as("datagram %d", i)
                    .isEqualTo(java.util.Arrays.copyOfRange(sent, i * size, i * size + len));
        }
    }

    record Tx(int gsoSize, int gsoSegs, int gsoType, int len) {}

    static List<Tx> watchUdpTx(NetDevice dev) {
        List<Tx> seen = new ArrayList<>();
        Dev.addTap(dev, (d, skb, outgoing) -> {
            if (outgoing && skb.u16(skb.data + 12) == 0x0800 && skb.u8(skb.data + 23) == 17) {
                seen.add(new Tx(skb.gsoSize, skb.gsoSegs, skb.gsoType, skb.len()));
            }
        });
        return seen;
    }

    @Test
    void udpSegment_overVeth_crossesAsOneSkb_andIsReadAsTenDatagrams() {
        try (VethHosts h = new VethHosts(1)) {
            List<Tx> tx = watchUdpTx(h.a.device("eth0"));
            int rx = bound(h.sb, B, 6000);
            int fd = bound(h.sa, A, 5000);
            assertThat(h.sa.setsockopt(fd, SOL_UDP, Udp.UDP_SEGMENT, 100)).isZero();
            byte[] data = pattern(1000);

            assertThat(h.sa.sendto(fd, data, 0, data.length, 0, new SockAddrIn(B, 6000))).isEqualTo(1000);
            h.sim.run();

            assertThat(tx).as("one super-packet crossed the veth").hasSize(1);
            assertThat(tx.get(0)).isEqualTo(new Tx(100, 10, SkBuff.SKB_GSO_UDP_L4, 14 + 20 + 8 + 1000));
            assertPieces(drain(h.sb, rx), data, 100);
            assertThat(h.b.udp().mib().get("InDatagrams")).isEqualTo(10);
            assertThat(h.b.udp().mib().get("InErrors")).isZero();
            assertThat(h.a.udp().mib().get("OutDatagrams")).isEqualTo(1);
        }
    }

    @Test
    void udpSegment_datagramNotLongerThanTheSegment_goesOutAsToday() {
        try (VethHosts h = new VethHosts(2)) {
            List<Tx> tx = watchUdpTx(h.a.device("eth0"));
            int rx = bound(h.sb, B, 6000);
            int fd = bound(h.sa, A, 5000);
            assertThat(h.sa.setsockopt(fd, SOL_UDP, Udp.UDP_SEGMENT, 100)).isZero();
            byte[] data = pattern(100);

            assertThat(h.sa.sendto(fd, data, 0, data.length, 0, new SockAddrIn(B, 6000))).isEqualTo(100);
            h.sim.run();

            assertThat(tx).containsExactly(new Tx(0, 0, 0, 14 + 20 + 8 + 100));
            assertPieces(drain(h.sb, rx), data, 100);
        }
    }

    @Test
    void udpSegment_channelDevice_wireCarriesValidSeparatePackets_lastShorter() {
        try (TwoHosts h = new TwoHosts()) {
            h.deliverIp = true;
            h.a.arp().addPermanent(B, TwoHosts.MAC_B, h.ethA);
            SocketLayer sa = h.a.sockets();
            SocketLayer sb = h.b.sockets();
            int rx = bound(sb, B, 6000);
            int fd = bound(sa, A, 5000);
            assertThat(sa.setsockopt(fd, SOL_UDP, Udp.UDP_SEGMENT, 100)).isZero();
            byte[] data = pattern(950);

            assertThat(sa.sendto(fd, data, 0, data.length, 0, new SockAddrIn(B, 6000))).isEqualTo(950);
            h.sim.run();

            List<TwoHosts.Frame> ip = h.txA.stream().filter(f -> f.ethertype() == 0x0800).toList();
            assertThat(ip).hasSize(10);
            int firstId = ip.get(0).ipId();
            for (int i = 0; i < 10; i++) {
                byte[] f = ip.get(i).bytes();
                int plen = i < 9 ? 100 : 50;
                assertThat(f).hasSize(14 + 20 + 8 + plen);
                assertThat(u16(f, 14 + 2)).as("IP total length").isEqualTo(20 + 8 + plen);
                assertThat(ip.get(i).ipId()).as("consecutive ids").isEqualTo((firstId + i) & 0xffff);
                assertThat(InetChecksum.fold(InetChecksum.partial(f, 14, 20, 0))).as("IP header checksum").isZero();
                int uo = 14 + 20;
                assertThat(u16(f, uo + 4)).as("UDP length").isEqualTo(8 + plen);
                assertThat(u16(f, uo + 6)).isNotZero();
                assertThat(InetChecksum.fold(InetChecksum.partial(f, uo, 8 + plen,
                        InetChecksum.pseudoHeader(A, B, 17, 8 + plen)))).as("UDP checksum").isZero();
                assertThat(java.util.Arrays.copyOfRange(f, uo + 8, f.length))
                        .isEqualTo(java.util.Arrays.copyOfRange(data, i * 100, i * 100 + plen));
            }
            assertPieces(drain(sb, rx), data, 100);
            assertThat(h.b.udp().mib().get("InCsumErrors")).isZero();
            assertThat(h.b.udp().mib().get("InDatagrams")).isEqualTo(10);
        }
    }

    @Test
    void udpSegment_lossyVeth_segmentsInTheDriver() {
        Simulation sim = new Simulation(3);
        NetStack a = NetStack.create(sim, "a");
        NetStack b = NetStack.create(sim, "b");
        try {
            WireConditions lossy = new WireConditions(0, 0, 0, 0, WireConditions.DEFAULT_REORDER_DELAY_NS, 0, 0, 0,
                    1000);
            Veth.Pair p = Veth.pair(a, "eth0", b, "eth0", lossy);
            a.arp().setGratuitousArpOnAddressAdd(false);
            b.arp().setGratuitousArpOnAddressAdd(false);
            a.devices().open(p.a());
            b.devices().open(p.b());
            a.ipv4().addAddress(p.a(), A, 24);
            b.ipv4().addAddress(p.b(), B, 24);
            sim.run();
            a.arp().addPermanent(B, p.b().mac(), p.a());
            int rx = bound(b.sockets(), B, 6000);
            int fd = bound(a.sockets(), A, 5000);
            assertThat(a.sockets().setsockopt(fd, SOL_UDP, Udp.UDP_SEGMENT, 200)).isZero();
            byte[] data = pattern(1100);
            long txPackets = p.a().stats().get(dev.packetflow.net.core.LinkStats64.TX_PACKETS);

            assertThat(a.sockets().sendto(fd, data, 0, data.length, 0, new SockAddrIn(B, 6000))).isEqualTo(1100);
            sim.run();

            assertThat(p.a().stats().get(dev.packetflow.net.core.LinkStats64.TX_PACKETS) - txPackets)
                    .as("six wire packets").isEqualTo(6);
            assertPieces(drain(b.sockets(), rx), data, 200);
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void udpSegment_toALocalAddress_isDeliveredWhole_andReadAsSeparateDatagrams() {
        try (VethHosts h = new VethHosts(11)) {
            List<Tx> tx = watchUdpTx(h.a.device("eth0"));
            int rx = bound(h.sa, A, 6000);
            int fd = bound(h.sa, A, 5000);
            assertThat(h.sa.setsockopt(fd, SOL_UDP, Udp.UDP_SEGMENT, 1400)).isZero();
            byte[] data = pattern(6000);

            assertThat(h.sa.sendto(fd, data, 0, data.length, 0, new SockAddrIn(A, 6000))).isEqualTo(6000);
            h.sim.run();

            assertThat(tx).as("local delivery never reaches the veth").isEmpty();
            assertPieces(drain(h.sa, rx), data, 1400);
            assertThat(h.a.udp().mib().get("InDatagrams")).isEqualTo(5);
        }
    }

    @Test
    void udpOffload_partialSuperPacket_forADeviceWithoutChecksum_getsFinishedChecksums() {
        try (VethHosts h = new VethHosts(12)) {
            byte[] data = pattern(250);
            SkBuff skb = dev.packetflow.net.core.Skb.allocSkb(h.a.pool(), 64 + 28 + data.length);
            skb.reserve(64);
            int nh = skb.put(28 + data.length);
            Ipv4Header.build(skb, nh, 0, 28 + data.length, 0x1234, 0, 64, 17, A, B);
            Ipv4Header.fillChecksum(skb, nh);
            int th = nh + 20;
            skb.setU16(th, 5000);
            skb.setU16(th + 2, 6000);
            skb.setU16(th + 4, 8 + data.length);
            skb.write(th + 8, data, 0, data.length);
            skb.networkHeader = nh;
            skb.transportHeader = th;
            skb.protocol = dev.packetflow.net.ethernet.Eth.ETH_P_IP;
            Udp.udp4Hwcsum(skb, th, 8 + data.length, A, B);
            skb.gsoSize = 100;
            skb.gsoSegs = 3;
            skb.gsoType = SkBuff.SKB_GSO_UDP_L4;

            SkBuff segs = Dev.skbGsoSegment(skb, 0);
            dev.packetflow.net.core.Skb.consumeSkb(skb);

            int[] lens = {100, 100, 50};
            SkBuff s = segs;
            for (int i = 0; i < 3; i++) {
                assertThat(s).isNotNull();
                assertThat(s.ipSummed).isEqualTo(SkBuff.CHECKSUM_NONE);
                int sth = s.transportHeader;
                assertThat(Ipv4Header.identification(s, s.networkHeader)).isEqualTo(0x1234 + i);
                assertThat(s.u16(s.networkHeader + 2)).isEqualTo(28 + lens[i]);
                assertThat(s.u16(sth + 4)).isEqualTo(8 + lens[i]);
                assertThat(UdpHeader.checksum(s, sth, 8 + lens[i], A, B)).as("segment %d checksum", i).isZero();
                s = s.next;
            }
            assertThat(s).isNull();
            dev.packetflow.net.core.Skb.consumeSkbList(segs);
        }
    }

    @Test
    void udpOffload_singleSegmentOrNotUdp_isRefused() {
        try (VethHosts h = new VethHosts(13)) {
            SkBuff skb = dev.packetflow.net.core.Skb.allocSkb(h.a.pool(), 64 + 28 + 100);
            skb.reserve(64);
            int nh = skb.put(28 + 100);
            Ipv4Header.build(skb, nh, 0, 128, 1, 0, 64, 17, A, B);
            skb.networkHeader = nh;
            skb.transportHeader = nh + 20;
            skb.protocol = dev.packetflow.net.ethernet.Eth.ETH_P_IP;
            skb.gsoType = SkBuff.SKB_GSO_UDP_L4;
            skb.gsoSize = 100; // exactly one segment: nothing to cut (__udp_gso_segment's EINVAL)
            assertThat(UdpOffload.segment(skb, true)).isNull();
            skb.gsoSize = 50;
            skb.setU8(nh + 9, 6); // not UDP
            assertThat(UdpOffload.segment(skb, true)).isNull();
            dev.packetflow.net.core.Skb.consumeSkb(skb);
        }
    }

    @Test
    void udpSegment_corked_sendsOneSuperPacketWhenUncorked() {
        try (VethHosts h = new VethHosts(4)) {
            List<Tx> tx = watchUdpTx(h.a.device("eth0"));
            int rx = bound(h.sb, B, 6000);
            int fd = bound(h.sa, A, 5000);
            assertThat(h.sa.setsockopt(fd, SOL_UDP, Udp.UDP_SEGMENT, 300)).isZero();
            byte[] data = pattern(1000);

            assertThat(h.sa.sendto(fd, data, 0, 600, MSG_MORE, new SockAddrIn(B, 6000))).isEqualTo(600);
            assertThat(h.sa.sendto(fd, data, 600, 400, 0, new SockAddrIn(B, 6000))).isEqualTo(400);
            h.sim.run();

            assertThat(tx).containsExactly(new Tx(300, 4, SkBuff.SKB_GSO_UDP_L4, 14 + 20 + 8 + 1000));
            assertPieces(drain(h.sb, rx), data, 300);
        }
    }

    @Test
    void udpSegment_segmentLargerThanTheMtu_isEinval() {
        try (VethHosts h = new VethHosts(5)) {
            int fd = bound(h.sa, A, 5000);
            assertThat(h.sa.setsockopt(fd, SOL_UDP, Udp.UDP_SEGMENT, 1473)).isZero(); // 20 + 8 + 1473 > 1500
            byte[] data = pattern(3000);

            assertThat(h.sa.sendto(fd, data, 0, data.length, 0, new SockAddrIn(B, 6000)))
                    .isEqualTo(Errno.EINVAL.neg());
            assertThat(h.sa.setsockopt(fd, SOL_UDP, Udp.UDP_SEGMENT, 1472)).isZero();
            assertThat(h.sa.sendto(fd, data, 0, data.length, 0, new SockAddrIn(B, 6000))).isEqualTo(3000);
            h.sim.run();
        }
    }

    @Test
    void udpSegment_moreThanMaxSegments_isEinval_andTheMaximumIsSent() {
        try (VethHosts h = new VethHosts(6)) {
            int rx = bound(h.sb, B, 6000);
            assertThat(h.sb.setsockopt(rx, SOL_SOCKET, SO_RCVBUF, 1 << 20)).isZero(); // 128 small skbs
            int fd = bound(h.sa, A, 5000);
            assertThat(h.sa.setsockopt(fd, SOL_UDP, Udp.UDP_SEGMENT, 100)).isZero();
            byte[] data = pattern(100 * Udp.UDP_MAX_SEGMENTS + 1);

            assertThat(h.sa.sendto(fd, data, 0, data.length, 0, new SockAddrIn(B, 6000)))
                    .isEqualTo(Errno.EINVAL.neg());
            assertThat(h.sa.sendto(fd, data, 0, data.length - 1, 0, new SockAddrIn(B, 6000)))
                    .isEqualTo(data.length - 1);
            h.sim.run();
            assertThat(drain(h.sb, rx)).hasSize(Udp.UDP_MAX_SEGMENTS);
        }
    }

    @Test
    void udpSegment_largerThanOneIpPacket_isEmsgsize() {
        try (VethHosts h = new VethHosts(7)) {
            int fd = bound(h.sa, A, 5000);
            assertThat(h.sa.setsockopt(fd, SOL_UDP, Udp.UDP_SEGMENT, 1000)).isZero();
            byte[] data = pattern(Udp.MAX_PAYLOAD + 1);

            assertThat(h.sa.sendto(fd, data, 0, data.length, 0, new SockAddrIn(B, 6000)))
                    .isEqualTo(Errno.EMSGSIZE.neg());
        }
    }

    @Test
    void udpSegment_withSoNoCheck_isEinval() {
        try (VethHosts h = new VethHosts(8)) {
            int fd = bound(h.sa, A, 5000);
            assertThat(h.sa.setsockopt(fd, SOL_SOCKET, SO_NO_CHECK, 1)).isZero();
            assertThat(h.sa.setsockopt(fd, SOL_UDP, Udp.UDP_SEGMENT, 100)).isZero();
            byte[] data = pattern(1000);

            assertThat(h.sa.sendto(fd, data, 0, data.length, 0, new SockAddrIn(B, 6000)))
                    .isEqualTo(Errno.EINVAL.neg());
        }
    }

    @Test
    void udpSegment_deviceWithoutChecksumOffload_isEio_butAShortDatagramGoes() {
        Simulation sim = new Simulation(9);
        NetStack a = NetStack.create(sim, "a");
        NetStack b = NetStack.create(sim, "b");
        try {
            SimNic.Pair p = SimNic.pair(a, "eth0", b, "eth0", WireConditions.PERFECT);
            a.devices().open(p.a());
            b.devices().open(p.b());
            a.ipv4().addAddress(p.a(), A, 24);
            b.ipv4().addAddress(p.b(), B, 24);
            sim.run();
            int rx = bound(b.sockets(), B, 6000);
            int fd = bound(a.sockets(), A, 5000);
            assertThat(a.sockets().setsockopt(fd, SOL_UDP, Udp.UDP_SEGMENT, 100)).isZero();
            byte[] data = pattern(1000);

            assertThat(a.sockets().sendto(fd, data, 0, data.length, 0, new SockAddrIn(B, 6000)))
                    .isEqualTo(Errno.EIO.neg());
            assertThat(a.sockets().sendto(fd, data, 0, 80, 0, new SockAddrIn(B, 6000))).isEqualTo(80);
            sim.run();
            assertPieces(drain(b.sockets(), rx), java.util.Arrays.copyOf(data, 80), 100);
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void udpSegment_getsockopt_returnsTheSize_andBadValuesAreEinval() {
        try (VethHosts h = new VethHosts(10)) {
            int fd = h.sa.socket(AF_INET, SOCK_DGRAM, 0);
            int[] v = {-1};
            assertThat(h.sa.getsockopt(fd, SOL_UDP, Udp.UDP_SEGMENT, v)).isZero();
            assertThat(v[0]).isZero();
            assertThat(h.sa.setsockopt(fd, SOL_UDP, Udp.UDP_SEGMENT, 1400)).isZero();
            assertThat(h.sa.getsockopt(fd, SOL_UDP, Udp.UDP_SEGMENT, v)).isZero();
            assertThat(v[0]).isEqualTo(1400);
            assertThat(h.sa.setsockopt(fd, SOL_UDP, Udp.UDP_SEGMENT, -1)).isEqualTo(Errno.EINVAL.neg());
            assertThat(h.sa.setsockopt(fd, SOL_UDP, Udp.UDP_SEGMENT, 65536)).isEqualTo(Errno.EINVAL.neg());
            assertThat(h.sa.getsockopt(fd, SOL_UDP, Udp.UDP_SEGMENT, v)).isZero();
            assertThat(v[0]).isEqualTo(1400);
            assertThat(h.sa.setsockopt(fd, SOL_UDP, Udp.UDP_SEGMENT, 0)).isZero();
            assertThat(h.sa.getsockopt(fd, SOL_UDP, Udp.UDP_SEGMENT, v)).isZero();
            assertThat(v[0]).isZero();
        }
    }

    static int u16(byte[] b, int o) {
        return ((b[o] & 0xff) << 8) | (b[o + 1] & 0xff);
    }
}
