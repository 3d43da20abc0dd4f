package dev.packetflow.net.ipv4;

import static dev.packetflow.net.socket.Uapi.*;
import static dev.packetflow.testing.TwoHosts.IP_A;
import static dev.packetflow.testing.TwoHosts.IP_B;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.drivers.net.channel.ChannelDevice;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.net.sched.PfifoFast;
import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.SockAddrIn;
import dev.packetflow.net.socket.SocketLayer;
import dev.packetflow.testing.TwoHosts;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** UDP on the wire, byte by byte: headers, checksums, malformed datagrams, ICMP both ways. */
class UdpWireTest {
    final TwoHosts h = new TwoHosts();
    final SocketLayer sa = h.a.sockets();
    final SocketLayer sb = h.b.sockets();

    UdpWireTest() {
        h.deliverIp = true;
    }

    @AfterEach
    void close() {
        h.close();
    }

    static final int CSUM_VALID = 0;
    static final int CSUM_NONE = 1;
    static final int CSUM_BAD = 2;

    /** An Ethernet frame from a to b carrying a UDP datagram; {@code extra} bytes of IP padding after it. */
    static byte[] udpFrame(int src, int dst, int sport, int dport, byte[] payload, int csum, int extra) {
        int ulen = 8 + payload.length;
        byte[] u = new byte[ulen + extra];
        put16(u, 0, sport);
        put16(u, 2, dport);
        put16(u, 4, ulen);
        System.arraycopy(payload, 0, u, 8, payload.length);
        if (csum != CSUM_NONE) {
            int c = InetChecksum.fold(InetChecksum.partial(u, 0, ulen,
                    InetChecksum.pseudoHeader(src, dst, 17, ulen)));
            c = c == 0 ? 0xffff : c;
            put16(u, 6, csum == CSUM_BAD ? c ^ 0x0101 : c);
        }
        byte[] ip = TestNet.ip(new Ipv4Repr(0, 77, true, false, 0, 64, 17, src, dst, null, u.length), u);
        return TestNet.frame(TwoHosts.MAC_B, TwoHosts.MAC_A, ip);
    }

    static void put16(byte[] b, int o, int v) {
        b[o] = (byte) (v >>> 8);
        b[o + 1] = (byte) v;
    }

    static int u16(byte[] b, int o) {
        return ((b[o] & 0xff) << 8) | (b[o + 1] & 0xff);
    }

    int boundB(int port) {
        int fd = sb.socket(AF_INET, SOCK_DGRAM, 0);
        assertThat(sb.bind(fd, new SockAddrIn(IP_B, port))).isZero();
        return fd;
    }

    int boundA(int port) {
        int fd = sa.socket(AF_INET, SOCK_DGRAM, 0);
        assertThat(sa.bind(fd, new SockAddrIn(IP_A, port))).isZero();
        return fd;
    }

    /** The one IPv4 frame a sent since the last clear. */
    byte[] onlyIpFrameFromA() {
        List<TwoHosts.Frame> ip = TwoHosts.ip(h.txA);
        assertThat(ip).hasSize(1);
        return ip.getFirst().bytes();
    }

    @Test
    void sentDatagram_hasRfc768Header_validChecksum_andLinuxIpDefaults() {
        int rx = boundB(5000);
        int tx = boundA(4000);
        byte[] p = "packetflow".getBytes(StandardCharsets.US_ASCII);
        assertThat(sa.sendto(tx, p, 0, p.length, 0, new SockAddrIn(IP_B, 5000))).isEqualTo(p.length);
        h.sim.run();
        byte[] f = onlyIpFrameFromA();
        int ip = 14;
        int u = ip + 20;
        assertThat(f[ip] & 0xff).isEqualTo(0x45);
        assertThat(f[ip + 1]).isZero(); // TOS
        assertThat(u16(f, ip + 2)).isEqualTo(20 + 8 + p.length);
        assertThat(u16(f, ip + 6)).isEqualTo(Ipv4Header.IP_DF); // IP_PMTUDISC_WANT, fits: DF
        assertThat(f[ip + 8] & 0xff).isEqualTo(64);
        assertThat(f[ip + 9] & 0xff).isEqualTo(17);
        assertThat(u16(f, u)).isEqualTo(4000);
        assertThat(u16(f, u + 2)).isEqualTo(5000);
        assertThat(u16(f, u + 4)).isEqualTo(8 + p.length);
        assertThat(u16(f, u + 6)).isNotZero();
        long sum = InetChecksum.partial(f, u, 8 + p.length, InetChecksum.pseudoHeader(IP_A, IP_B, 17, 8 + p.length));
        assertThat(InetChecksum.fold(sum)).isZero();
        assertThat(sb.recvfrom(rx, new byte[32], 0, 32, MSG_DONTWAIT, null)).isEqualTo(p.length);
    }

    @Test
    void computedChecksumZero_goesOutAsAllOnes() {
        boundB(5000);
        int tx = boundA(4000);
        // Choose the last two payload bytes so that the checksum computes to 0.
        byte[] p = {1, 2, 3, 4, 0, 0};
        long sum = InetChecksum.partial(p, 0, p.length, InetChecksum.pseudoHeader(IP_A, IP_B, 17, 14) + 4000 + 5000 + 14);
        int c = InetChecksum.fold(sum);
        p[4] = (byte) (c >>> 8);
        p[5] = (byte) c;
        sa.sendto(tx, p, 0, p.length, 0, new SockAddrIn(IP_B, 5000));
        h.sim.run();
        byte[] f = onlyIpFrameFromA();
        assertThat(u16(f, 14 + 20 + 6)).isEqualTo(0xffff);
        assertThat(UdpNet.udp(h.b, "InDatagrams") + UdpNet.udp(h.b, "InCsumErrors")).isZero(); // not read yet
        assertThat(UdpNet.udp(h.b, "InErrors")).isZero(); // 0xffff verifies
    }

    @Test
    void badChecksum_droppedAndCounted_zeroChecksum_accepted() {
        int rx = boundB(5000);
        byte[] p = "data".getBytes(StandardCharsets.US_ASCII);
        h.ethB.inject(udpFrame(IP_A, IP_B, 4000, 5000, p, CSUM_BAD, 0));
        h.sim.run();
        assertThat(UdpNet.udp(h.b, "InCsumErrors")).isEqualTo(1);
        assertThat(UdpNet.udp(h.b, "InErrors")).isEqualTo(1);
        assertThat(h.b.drops().snapshot().get(DropReason.UDP_CSUM)).isEqualTo(1);
        assertThat(sb.recvfrom(rx, new byte[8], 0, 8, MSG_DONTWAIT, null)).isEqualTo(Errno.EAGAIN.neg());

        h.ethB.inject(udpFrame(IP_A, IP_B, 4000, 5000, p, CSUM_NONE, 0));
        h.ethB.inject(udpFrame(IP_A, IP_B, 4000, 5000, p, CSUM_VALID, 0));
        h.sim.run();
        assertThat(sb.recvfrom(rx, new byte[8], 0, 8, MSG_DONTWAIT, null)).isEqualTo(4);
        assertThat(sb.recvfrom(rx, new byte[8], 0, 8, MSG_DONTWAIT, null)).isEqualTo(4);
        assertThat(UdpNet.udp(h.b, "InDatagrams")).isEqualTo(2);
        assertThat(UdpNet.udp(h.b, "InCsumErrors")).isEqualTo(1);
    }

    @Test
    void lengthFieldLongerThanPacket_orShorterThanHeader_isShortPacket() {
        int rx = boundB(5000);
        byte[] f = udpFrame(IP_A, IP_B, 4000, 5000, new byte[4], CSUM_NONE, 0);
        put16(f, 14 + 20 + 4, 13); // claims 13, has 12
        h.ethB.inject(f);
        byte[] g = udpFrame(IP_A, IP_B, 4000, 5000, new byte[4], CSUM_NONE, 0);
        put16(g, 14 + 20 + 4, 7);
        h.ethB.inject(g);
        h.sim.run();
        assertThat(UdpNet.udp(h.b, "InErrors")).isEqualTo(2);
        assertThat(h.b.drops().snapshot().get(DropReason.PKT_TOO_SMALL)).isEqualTo(2);
        assertThat(sb.sock(rx).receiveQueueLen()).isZero();
    }

    @Test
    void ipPaddingBeyondUdpLength_isTrimmed_andChecksumStillVerifies() {
        int rx = boundB(5000);
        byte[] p = "abc".getBytes(StandardCharsets.US_ASCII);
        h.ethB.inject(udpFrame(IP_A, IP_B, 4000, 5000, p, CSUM_VALID, 5));
        h.sim.run();
        byte[] got = new byte[16];
        assertThat(sb.recvfrom(rx, got, 0, 16, MSG_DONTWAIT, null)).isEqualTo(3);
        assertThat(UdpNet.udp(h.b, "InErrors")).isZero();
    }

    @Test
    void noSocket_countsNoPorts_andAnswersPortUnreachableQuotingTheDatagram() {
        byte[] f = udpFrame(IP_A, IP_B, 4000, 9, new byte[12], CSUM_VALID, 0);
        h.ethB.inject(f);
        h.sim.run();
        assertThat(UdpNet.udp(h.b, "NoPorts")).isEqualTo(1);
        assertThat(UdpNet.udp(h.b, "InErrors")).isZero();
        assertThat(h.b.drops().snapshot().get(DropReason.NO_SOCKET)).isEqualTo(1);
        List<TwoHosts.Frame> out = TwoHosts.ip(h.txB);
        assertThat(out).hasSize(1);
        byte[] icmp = out.getFirst().bytes();
        int o = 14 + 20;
        assertThat(icmp[14 + 9]).isEqualTo((byte) 1);
        assertThat(icmp[o] & 0xff).isEqualTo(IcmpHeader.ICMP_DEST_UNREACH);
        assertThat(icmp[o + 1] & 0xff).isEqualTo(IcmpHeader.ICMP_PORT_UNREACH);
        // the quote: the whole original datagram (it is short), starting at its IP header
        assertThat(java.util.Arrays.copyOfRange(icmp, o + 8, icmp.length))
                .isEqualTo(java.util.Arrays.copyOfRange(f, 14, f.length));
    }

    @Test
    void badChecksumWithoutSocket_isDroppedSilently_noIcmp() {
        h.ethB.inject(udpFrame(IP_A, IP_B, 4000, 9, new byte[12], CSUM_BAD, 0));
        h.sim.run();
        assertThat(UdpNet.udp(h.b, "NoPorts")).isZero();
        assertThat(UdpNet.udp(h.b, "InCsumErrors")).isEqualTo(1);
        assertThat(TwoHosts.ip(h.txB)).isEmpty();
    }

    @Test
    void ttlTosAndNoCheck_fromSocketOptions_showOnTheWire() {
        boundB(5000);
        int tx = boundA(4000);
        sa.setsockopt(tx, SOL_IP, IpSockglue.IP_TTL, 5);
        sa.setsockopt(tx, SOL_IP, IpSockglue.IP_TOS, 0xb8); // DSCP EF
        sa.setsockopt(tx, SOL_SOCKET, SO_NO_CHECK, 1);
        sa.sendto(tx, new byte[3], 0, 3, 0, new SockAddrIn(IP_B, 5000));
        h.sim.run();
        byte[] f = onlyIpFrameFromA();
        assertThat(f[14 + 8] & 0xff).isEqualTo(5);
        assertThat(f[14 + 1] & 0xff).isEqualTo(0xb8);
        assertThat(u16(f, 14 + 20 + 6)).isZero();
        h.clear();
        sa.setsockopt(tx, SOL_IP, IpSockglue.IP_MTU_DISCOVER, IpSockglue.IP_PMTUDISC_DONT);
        sa.sendto(tx, new byte[3], 0, 3, 0, new SockAddrIn(IP_B, 5000));
        h.sim.run();
        assertThat(u16(onlyIpFrameFromA(), 14 + 6) & Ipv4Header.IP_DF).isZero();
    }

    @Test
    void connectedSocket_numbersItsDatagramsFromItsOwnIpId() {
        boundB(5000);
        int tx = boundA(4000);
        sa.connect(tx, new SockAddrIn(IP_B, 5000));
        for (int i = 0; i < 3; i++) {
            sa.send(tx, java.nio.ByteBuffer.allocate(1), 0);
        }
        h.sim.run();
        List<TwoHosts.Frame> ip = TwoHosts.ip(h.txA);
        assertThat(ip).hasSize(3);
        int id0 = ip.get(0).ipId();
        assertThat(ip.get(1).ipId()).isEqualTo((id0 + 1) & 0xffff);
        assertThat(ip.get(2).ipId()).isEqualTo((id0 + 2) & 0xffff);
    }

    @Test
    void icmpTimeExceeded_isSoft_reportedOnlyWithIpRecverr_asEhostunreach() {
        int tx = boundA(4000);
        sa.connect(tx, new SockAddrIn(IP_B, 5000));
        h.deliverIp = false; // keep the datagram on the wire; we answer it ourselves
        sa.send(tx, java.nio.ByteBuffer.allocate(4), 0);
        h.sim.run();
        byte[] sent = onlyIpFrameFromA();
        byte[] quote = java.util.Arrays.copyOfRange(sent, 14, sent.length);
        h.ethA.inject(timeExceeded(quote));
        h.sim.run();
        assertThat(sa.sock(tx).pendingError()).isZero(); // soft error, no IP_RECVERR
        sa.setsockopt(tx, SOL_IP, IpSockglue.IP_RECVERR, 1);
        h.ethA.inject(timeExceeded(quote));
        h.sim.run();
        assertThat(sa.send(tx, java.nio.ByteBuffer.allocate(4), 0)).isEqualTo(Errno.EHOSTUNREACH.neg());
    }

    /** ICMP time exceeded from b's address to a, quoting {@code quote}. */
    private static byte[] timeExceeded(byte[] quote) {
        byte[] icmp = new byte[8 + quote.length];
        icmp[0] = (byte) IcmpHeader.ICMP_TIME_EXCEEDED;
        System.arraycopy(quote, 0, icmp, 8, quote.length);
        put16(icmp, 2, InetChecksum.compute(icmp, 0, icmp.length));
        byte[] ip = TestNet.ip(new Ipv4Repr(0xc0, 9, false, false, 0, 64, 1, IP_B, IP_A, null, icmp.length), icmp);
        return TestNet.frame(TwoHosts.MAC_A, TwoHosts.MAC_B, ip);
    }

    @Test
    void soPriority_choosesThePfifoFastBand() {
        Simulation sim = new Simulation(3);
        try (NetStack s = NetStack.create(sim, "p")) {
            s.arp().setGratuitousArpOnAddressAdd(false);
            ChannelDevice eth = s.addDevice(new ChannelDevice("eth0", Eth.localMac(5)));
            s.devices().open(eth);
            s.ipv4().addAddress(eth, IP_A, 24);
            s.arp().addPermanent(IP_B, TwoHosts.MAC_B, eth);
            assertThat(eth.qdisc()).isInstanceOf(PfifoFast.class);
            PfifoFast q = (PfifoFast) eth.qdisc();
            SocketLayer sys = s.sockets();
            int fd = sys.socket(AF_INET, SOCK_DGRAM, 0);
            eth.netifStopQueue(); // packets wait in their band
            int[] bands = new int[3];
            int[] prios = {0, 6, 2}; // best effort: band 1; interactive: band 0; bulk: band 2
            for (int prio : prios) {
                sys.setsockopt(fd, SOL_SOCKET, SO_PRIORITY, prio);
                assertThat(sys.sendto(fd, new byte[1], 0, 1, 0, new SockAddrIn(IP_B, 5000))).isEqualTo(1);
            }
            for (int b = 0; b < 3; b++) {
                bands[b] = q.bandQlen(b);
            }
            assertThat(bands).containsExactly(1, 1, 1);
            eth.netifWakeQueue();
            sim.run();
            int[] seen = new int[3];
            SkBuff skb;
            int i = 0;
            while ((skb = eth.txQueue().dequeue()) != null) {
                seen[i++] = skb.priority;
                Skb.consumeSkb(skb);
            }
            assertThat(seen).containsExactly(6, 0, 2); // band 0 first, then 1, then 2
        }
    }
}
