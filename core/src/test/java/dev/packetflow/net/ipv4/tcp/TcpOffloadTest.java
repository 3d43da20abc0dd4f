package dev.packetflow.net.ipv4.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.drivers.net.channel.ChannelDevice;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.Dev;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.LinkStats64;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.ipv4.Ipv4Header;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Software segmentation of TCP/IPv4 GSO packets (tcp_gso_segment, inet_gso_segment, validate_xmit_skb). */
class TcpOffloadTest {
    static final int SADDR = InetAddr.parse("198.18.0.1");
    static final int DADDR = InetAddr.parse("198.18.0.2");
    static final long SMAC = Eth.localMac(1);
    static final long DMAC = Eth.localMac(2);
    static final int MSS = 1000;
    static final int SEQ = 0xfffff000; // wraps inside the train
    static final int ID = 0xfffe; // wraps too

    final Simulation sim = new Simulation(3);
    final NetStack net = NetStack.create(sim, "t");
    final ChannelDevice dev = net.addDevice(new ChannelDevice("eth0", SMAC));

    @AfterEach
    void close() {
        net.close();
    }

    /** Payload byte i of the stream. */
    static int payload(int i) {
        return (i * 7 + 3) & 0xff;
    }

    /** Writes Ethernet + IPv4 + TCP (with a timestamp option) + payload; total TCP payload {@code len}. */
    static void frame(SkBuff s, int seq, int id, int flags, int payloadOff, int len, boolean fullChecksum) {
        int o = s.put(14 + 20 + 32 + len);
        s.macHeader = o;
        s.setU48(o, DMAC);
        s.setU48(o + 6, SMAC);
        s.setU16(o + 12, Eth.ETH_P_IP);
        int nh = o + 14;
        s.networkHeader = nh;
        Ipv4Header.build(s, nh, 0, 20 + 32 + len, id, Ipv4Header.IP_DF, 64, 6, SADDR, DADDR);
        Ipv4Header.fillChecksum(s, nh);
        int th = nh + 20;
        s.transportHeader = th;
        TcpHeader.write(s, th, 40000, 5001, seq, 0x01020304, 32, flags, 512);
        s.setU32(th + 20, TcpHeader.TSTAMP_ALIGNED_WORD);
        s.setU32(th + 24, 0x11111111);
        s.setU32(th + 28, 0x22222222);
        for (int i = 0; i < len; i++) {
            s.setU8(th + 32 + i, payload(payloadOff + i));
        }
        if (fullChecksum) {
            TcpHeader.fillChecksum(s, th, 32 + len, SADDR, DADDR);
        }
        s.protocol = Eth.ETH_P_IP;
    }

    SkBuff superPacket(int len, int flags) {
        SkBuff s = net.pool().alloc(128 + 14 + 52 + len);
        s.reserve(128);
        frame(s, SEQ, ID, flags, 0, len, false);
        s.gsoSize = MSS;
        s.gsoSegs = (len + MSS - 1) / MSS;
        s.gsoType = SkBuff.SKB_GSO_TCPV4;
        s.ipSummed = SkBuff.CHECKSUM_PARTIAL;
        s.dev = dev;
        return s;
    }

    /** The train a TSO NIC would send: built segment by segment, independently of the code under test. */
    List<String> expectedTrain(int len, int flags) {
        List<String> out = new ArrayList<>();
        for (int off = 0, i = 0; off < len; off += MSS, i++) {
            int plen = Math.min(MSS, len - off);
            int f = flags;
            if (off != 0) {
                f &= ~TcpHeader.CWR;
            }
            if (off + plen < len) {
                f &= ~(TcpHeader.FIN | TcpHeader.PSH);
            }
            SkBuff s = net.pool().alloc(14 + 52 + plen);
            frame(s, SEQ + off, (ID + i) & 0xffff, f, off, plen, true);
            out.add(HexFormat.of().formatHex(s.toByteArray()));
            Skb.consumeSkb(s);
        }
        return out;
    }

    static List<String> hex(SkBuff segs) {
        List<String> out = new ArrayList<>();
        while (segs != null) {
            SkBuff n = segs.next;
            segs.next = null;
            out.add(HexFormat.of().formatHex(segs.toByteArray()));
            Skb.consumeSkb(segs);
            segs = n;
        }
        return out;
    }

    @Test
    void skbGsoSegment_superPacket_isTheTrainATsoNicSends() {
        int flags = TcpHeader.ACK | TcpHeader.PSH | TcpHeader.FIN | TcpHeader.CWR;
        SkBuff skb = superPacket(3500, flags);
        List<String> got = hex(Dev.skbGsoSegment(skb));
        Skb.consumeSkb(skb);
        List<String> want = expectedTrain(3500, flags);
        assertThat(got).hasSize(4);
        assertThat(got).containsExactlyElementsOf(want);
    }

    @Test
    void skbGsoSegment_segmentsCarryValidChecksumsAndLengths() {
        SkBuff skb = superPacket(2 * MSS, TcpHeader.ACK);
        SkBuff segs = Dev.skbGsoSegment(skb);
        Skb.consumeSkb(skb);
        int n = 0;
        for (SkBuff s = segs; s != null; s = s.next, n++) {
            int nh = s.networkHeader;
            assertThat(Ipv4Header.verifyChecksum(s, nh)).isTrue();
            assertThat(Ipv4Header.totalLength(s, nh)).isEqualTo(20 + 32 + MSS);
            assertThat(TcpHeader.checksumOk(s, s.transportHeader, 32 + MSS, SADDR, DADDR)).isTrue();
            assertThat(s.gsoSize).isZero();
            assertThat(s.ipSummed).isEqualTo(SkBuff.CHECKSUM_UNNECESSARY);
        }
        assertThat(n).isEqualTo(2);
        hex(segs);
    }

    @Test
    void devQueueXmit_deviceWithoutTso_sendsTheSegments() {
        net.devices().open(dev);
        int flags = TcpHeader.ACK | TcpHeader.PSH;
        SkBuff skb = superPacket(3500, flags);
        skb.data = skb.macHeader;
        Dev.devQueueXmit(skb);
        sim.run();
        List<String> got = new ArrayList<>();
        byte[] f;
        while ((f = dev.takeTx()) != null) {
            got.add(HexFormat.of().formatHex(f));
        }
        assertThat(got).containsExactlyElementsOf(expectedTrain(3500, flags));
        assertThat(dev.stats().get(LinkStats64.TX_PACKETS)).isEqualTo(4);
    }

    /**
     * A router receives a super-packet (as from a veth or a TSO TAP) and forwards it to a device
     * without TSO: the wire gets MSS-sized segments with the decremented TTL and valid checksums.
     */
    @Test
    void forwarding_superPacketToDeviceWithoutTso_isSegmentedInSoftware() {
        int dst = InetAddr.parse("198.18.1.1");
        ChannelDevice out = net.addDevice(new ChannelDevice("eth1", Eth.localMac(3)));
        net.arp().setGratuitousArpOnAddressAdd(false);
        net.devices().open(dev);
        net.devices().open(out);
        net.ipv4().addAddress(dev, InetAddr.parse("198.18.0.254"), 24);
        net.ipv4().addAddress(out, InetAddr.parse("198.18.1.254"), 24);
        net.ipv4().setIpForward(1);
        net.arp().addPermanent(dst, Eth.localMac(4), out);
        SkBuff skb = net.pool().alloc(128 + 14 + 52 + 3500);
        skb.reserve(128);
        frame(skb, SEQ, ID, TcpHeader.ACK | TcpHeader.PSH, 0, 3500, true);
        skb.setU48(skb.data, SMAC); // to the router's MAC
        skb.setU32(skb.networkHeader + 16, dst);
        Ipv4Header.fillChecksum(skb, skb.networkHeader);
        TcpHeader.fillChecksum(skb, skb.transportHeader, 32 + 3500, SADDR, dst);
        skb.gsoSize = MSS;
        skb.gsoSegs = 4;
        skb.gsoType = SkBuff.SKB_GSO_TCPV4;
        skb.ipSummed = SkBuff.CHECKSUM_UNNECESSARY;
        dev.inject(skb);
        sim.run();
        List<byte[]> frames = new ArrayList<>();
        byte[] f;
        while ((f = out.takeTx()) != null) {
            frames.add(f);
        }
        assertThat(frames).hasSize(4);
        long payload = 0;
        for (int i = 0; i < frames.size(); i++) {
            byte[] b = frames.get(i);
            SkBuff s = net.pool().alloc(b.length);
            s.putData(b);
            int nh = s.data + 14;
            assertThat(Ipv4Header.timeToLive(s, nh)).isEqualTo(63);
            assertThat(Ipv4Header.verifyChecksum(s, nh)).isTrue();
            int tcpLen = Ipv4Header.totalLength(s, nh) - 20;
            assertThat(TcpHeader.checksumOk(s, nh + 20, tcpLen, SADDR, dst)).isTrue();
            assertThat(TcpHeader.seq(s, nh + 20)).isEqualTo(SEQ + i * MSS);
            payload += tcpLen - 32;
            Skb.consumeSkb(s);
        }
        assertThat(payload).isEqualTo(3500);
    }

    @Test
    void devQueueXmit_malformedGsoPacket_isDroppedAndCounted() {
        net.devices().open(dev);
        SkBuff skb = superPacket(3500, TcpHeader.ACK);
        skb.setU8(skb.networkHeader + 9, 17); // says UDP: not a TCP GSO packet
        long before = net.drops().get(DropReason.SKB_GSO_SEG);
        Dev.devQueueXmit(skb);
        sim.run();
        assertThat(dev.takeTx()).isNull();
        assertThat(dev.stats().get(LinkStats64.TX_DROPPED)).isEqualTo(1);
        assertThat(net.drops().get(DropReason.SKB_GSO_SEG)).isEqualTo(before + 1);
    }
}
