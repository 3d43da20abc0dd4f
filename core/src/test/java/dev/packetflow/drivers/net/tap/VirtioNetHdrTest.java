package dev.packetflow.drivers.net.tap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.core.PagePool;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The virtio-net header both ways and the software checksum behind it, on bytes. No root needed. */
class VirtioNetHdrTest {
    static final ValueLayout.OfShort NATIVE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    final PagePool pool = new PagePool("test", 1 << 24);
    final Arena arena = Arena.ofConfined();

    @AfterEach
    void close() {
        arena.close();
    }

    @Test
    void sum_equalsRfc1071ReferenceForEveryLengthAndAlignment() {
        Random r = new Random(7);
        MemorySegment seg = arena.allocate(300);
        byte[] b = new byte[300];
        r.nextBytes(b);
        MemorySegment.copy(b, 0, seg, ValueLayout.JAVA_BYTE, 0, b.length);
        for (int off = 0; off < 9; off++) {
            for (int len = 0; len < 280; len++) {
                assertThat(VirtioNetHdr.fold(VirtioNetHdr.sum(seg, off, len)))
                        .as("off %d len %d", off, len).isEqualTo(reference(b, off, len));
            }
        }
    }

    @Test
    void checksumHelp_completesAPseudoHeaderSum_intoAValidUdpChecksum() {
        byte[] ip = TapDeviceTest.udpPartial(0xc6120002, 0xc6120001, 40000, 9, "hello, kernel".getBytes());
        MemorySegment seg = arena.allocate(ip.length);
        MemorySegment.copy(ip, 0, seg, ValueLayout.JAVA_BYTE, 0, ip.length);

        VirtioNetHdr.checksumHelp(seg, 20, ip.length, 6);

        byte[] frame = new byte[14 + ip.length];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, 0, frame, 14, ip.length);
        assertThat(TapDeviceTest.udpChecksumOk(frame)).isTrue();
    }

    @Test
    void fromSkb_partialChecksum_setsNeedsCsumWithOffsetsFromTheEthernetHeader() {
        SkBuff skb = frameSkb(60);
        skb.ipSummed = SkBuff.CHECKSUM_PARTIAL;
        skb.csumStart = skb.data + 14 + 20;
        skb.csumOffset = 6;
        MemorySegment hdr = arena.allocate(12);
        hdr.fill((byte) 0x55);

        assertThat(VirtioNetHdr.fromSkb(hdr, 12, skb)).isTrue();

        assertThat(hdr.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) VirtioNetHdr.F_NEEDS_CSUM);
        assertThat(hdr.get(ValueLayout.JAVA_BYTE, 1)).isEqualTo((byte) VirtioNetHdr.GSO_NONE);
        assertThat(hdr.get(NATIVE16, 2)).isZero();
        assertThat(hdr.get(NATIVE16, 4)).isZero();
        assertThat(hdr.get(NATIVE16, 6)).isEqualTo((short) 34);
        assertThat(hdr.get(NATIVE16, 8)).isEqualTo((short) 6);
        assertThat(hdr.get(NATIVE16, 10)).as("num_buffers").isZero();
        Skb.consumeSkb(skb);
    }

    @Test
    void fromSkb_completeChecksum_isAllZero() {
        SkBuff skb = frameSkb(60);
        MemorySegment hdr = arena.allocate(10);
        hdr.fill((byte) 0x55);

        assertThat(VirtioNetHdr.fromSkb(hdr, 10, skb)).isTrue();

        for (int i = 0; i < 10; i++) {
            assertThat(hdr.get(ValueLayout.JAVA_BYTE, i)).isZero();
        }
        Skb.consumeSkb(skb);
    }

    @Test
    void fromSkb_refusesGsoAndChecksumOutsideTheFrame() {
        SkBuff skb = frameSkb(60);
        MemorySegment hdr = arena.allocate(10);
        skb.gsoSize = 1448;
        assertThat(VirtioNetHdr.fromSkb(hdr, 10, skb)).isFalse();
        skb.gsoSize = 0;
        skb.ipSummed = SkBuff.CHECKSUM_PARTIAL;
        skb.csumStart = skb.data + 58;
        skb.csumOffset = 6;
        assertThat(VirtioNetHdr.fromSkb(hdr, 10, skb)).isFalse();
        skb.csumStart = skb.data - 1;
        skb.csumOffset = 0;
        assertThat(VirtioNetHdr.fromSkb(hdr, 10, skb)).isFalse();
        Skb.consumeSkb(skb);
    }

    @Test
    void rxChecksum_mapsFlagsToIpSummed_andRejectsWhatWasNeverOffered() {
        MemorySegment seg = arena.allocate(100);
        seg.set(ValueLayout.JAVA_BYTE, 0, (byte) VirtioNetHdr.F_DATA_VALID);
        assertThat(VirtioNetHdr.rxChecksum(seg, 0, 10, 60)).isEqualTo(SkBuff.CHECKSUM_UNNECESSARY);

        seg.set(ValueLayout.JAVA_BYTE, 0, (byte) 0);
        assertThat(VirtioNetHdr.rxChecksum(seg, 0, 10, 60)).isEqualTo(SkBuff.CHECKSUM_NONE);

        seg.set(ValueLayout.JAVA_BYTE, 1, (byte) VirtioNetHdr.GSO_TCPV4);
        assertThat(VirtioNetHdr.rxChecksum(seg, 0, 10, 60)).isEqualTo(VirtioNetHdr.BAD_GSO);

        seg.set(ValueLayout.JAVA_BYTE, 1, (byte) 0);
        seg.set(ValueLayout.JAVA_BYTE, 0, (byte) VirtioNetHdr.F_NEEDS_CSUM);
        seg.set(NATIVE16, 6, (short) 50);
        seg.set(NATIVE16, 8, (short) 9);
        assertThat(VirtioNetHdr.rxChecksum(seg, 0, 10, 60)).as("50 + 9 + 2 > 60").isEqualTo(VirtioNetHdr.BAD_CSUM);
    }

    @Test
    void rxChecksum_needsCsum_completesTheChecksumInPlace() {
        byte[] ip = TapDeviceTest.udpPartial(0xc6120001, 0xc6120002, 5353, 7, "from the kernel".getBytes());
        int data = 64;
        MemorySegment seg = arena.allocate(data + 14 + ip.length);
        MemorySegment.copy(ip, 0, seg, ValueLayout.JAVA_BYTE, data + 14, ip.length);
        seg.set(ValueLayout.JAVA_BYTE, data - 10, (byte) VirtioNetHdr.F_NEEDS_CSUM);
        seg.set(NATIVE16, data - 10 + 6, (short) 34);
        seg.set(NATIVE16, data - 10 + 8, (short) 6);

        assertThat(VirtioNetHdr.rxChecksum(seg, data - 10, data, 14 + ip.length)).isEqualTo(SkBuff.CHECKSUM_UNNECESSARY);

        byte[] frame = new byte[14 + ip.length];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, data, frame, 0, frame.length);
        assertThat(TapDeviceTest.udpChecksumOk(frame)).isTrue();
    }

    /** A TCP/IPv4 super-packet as packetflow's TCP hands it to a device: CHECKSUM_PARTIAL, gso fields set. */
    SkBuff tcpSuperPacket(int payload, int mss) {
        SkBuff skb = frameSkb(14 + 20 + 20 + payload);
        int o = skb.data;
        skb.setU16(o + 12, 0x0800);
        int ip = o + 14;
        skb.networkHeader = ip;
        skb.setU8(ip, 0x45);
        skb.setU16(ip + 2, 40 + payload);
        skb.setU8(ip + 8, 64);
        skb.setU8(ip + 9, 6);
        skb.setU32(ip + 12, 0xc6120001);
        skb.setU32(ip + 16, 0xc6120002);
        int th = ip + 20;
        skb.transportHeader = th;
        skb.setU16(th, 40000);
        skb.setU16(th + 2, 5001);
        skb.setU32(th + 4, 12345);
        skb.setU8(th + 12, 5 << 4);
        skb.setU8(th + 13, 0x18);
        for (int i = 0; i < payload; i++) {
            skb.setU8(th + 20 + i, i * 13);
        }
        long pseudo = 0xc6120001L + 0xc6120002L + 6 + 20 + payload;
        skb.setU16(th + 16, VirtioNetHdr.fold(pseudo));
        skb.ipSummed = SkBuff.CHECKSUM_PARTIAL;
        skb.csumStart = th;
        skb.csumOffset = 16;
        skb.gsoSize = mss;
        skb.gsoSegs = (payload + mss - 1) / mss;
        skb.gsoType = SkBuff.SKB_GSO_TCPV4;
        return skb;
    }

    @Test
    void gso_tcpSuperPacket_roundTripsThroughTheHeader() {
        SkBuff skb = tcpSuperPacket(4000, 1448);
        MemorySegment hdr = arena.allocate(10);
        assertThat(VirtioNetHdr.fromSkb(hdr, 10, skb)).isTrue();
        assertThat(hdr.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) VirtioNetHdr.F_NEEDS_CSUM);
        assertThat(hdr.get(ValueLayout.JAVA_BYTE, 1)).isEqualTo((byte) VirtioNetHdr.GSO_TCPV4);
        assertThat(hdr.get(NATIVE16, 2)).as("hdr_len").isEqualTo((short) 54);
        assertThat(hdr.get(NATIVE16, 4)).as("gso_size").isEqualTo((short) 1448);
        assertThat(hdr.get(NATIVE16, 6)).as("csum_start").isEqualTo((short) 34);
        assertThat(hdr.get(NATIVE16, 8)).as("csum_offset").isEqualTo((short) 16);

        // what the kernel's tun_put_user() would hand back for the same packet
        int len = skb.len();
        int data = 64;
        MemorySegment seg = arena.allocate(data + len);
        MemorySegment.copy(hdr, 0, seg, data - 10, 10);
        MemorySegment.copy(skb.segment(), skb.data, seg, data, len);
        // a super-packet stays CHECKSUM_PARTIAL; completing it gives a valid checksum over all of it
        assertThat(VirtioNetHdr.rxChecksum(seg, data - 10, data, len)).isEqualTo(SkBuff.CHECKSUM_PARTIAL);
        assertThat(VirtioNetHdr.rxGsoSize(seg, data - 10, data, len)).isEqualTo(1448);
        assertThat(VirtioNetHdr.csumStart(seg, data - 10)).isEqualTo(34);
        assertThat(VirtioNetHdr.csumOffset(seg, data - 10)).isEqualTo(16);
        VirtioNetHdr.checksumHelp(seg, data + 34, data + len, 16);
        long pseudo = 0xc6120001L + 0xc6120002L + 6 + 20 + 4000;
        assertThat(VirtioNetHdr.fold(VirtioNetHdr.sum(seg, data + 34, len - 34) + pseudo))
                .as("the completed checksum verifies over the whole super-packet").isEqualTo(0xffff);
        Skb.consumeSkb(skb);
    }

    /**
     * A 3000-byte TCPv4 super-packet (gso_size 1000) as a read from the TAP leaves it: its
     * virtio-net header at offset 54, the frame at 64, nothing after it.
     */
    private MemorySegment receivedSuperPacket() {
        SkBuff skb = tcpSuperPacket(3000, 1000);
        MemorySegment hdr = arena.allocate(10);
        assertThat(VirtioNetHdr.fromSkb(hdr, 10, skb)).isTrue();
        int len = skb.len();
        MemorySegment seg = arena.allocate(64 + len);
        MemorySegment.copy(hdr, 0, seg, 54, 10);
        MemorySegment.copy(skb.segment(), skb.data, seg, 64, len);
        Skb.consumeSkb(skb);
        return seg;
    }

    @Test
    void gso_receivedHeadersThatDoNotDescribeATcpV4SuperPacket_areRefused() {
        MemorySegment seg = receivedSuperPacket();
        int len = (int) seg.byteSize() - 64;
        seg.set(NATIVE16, 54 + 4, (short) 0);
        assertThat(VirtioNetHdr.rxGsoSize(seg, 54, 64, len)).as("gso_size 0").isEqualTo(VirtioNetHdr.BAD_GSO);
        seg.set(NATIVE16, 54 + 4, (short) 1000);
        seg.set(ValueLayout.JAVA_BYTE, 64 + 14 + 9, (byte) 17);
        assertThat(VirtioNetHdr.rxGsoSize(seg, 54, 64, len)).as("not TCP").isEqualTo(VirtioNetHdr.BAD_GSO);
        seg.set(ValueLayout.JAVA_BYTE, 54 + 1, (byte) (VirtioNetHdr.GSO_TCPV4 | VirtioNetHdr.GSO_ECN));
        assertThat(VirtioNetHdr.rxChecksum(seg, 54, 64, len)).as("ECN").isEqualTo(VirtioNetHdr.BAD_GSO);
        seg.set(ValueLayout.JAVA_BYTE, 54 + 1, (byte) VirtioNetHdr.GSO_UDP);
        assertThat(VirtioNetHdr.rxChecksum(seg, 54, 64, len)).as("UDP").isEqualTo(VirtioNetHdr.BAD_GSO);
    }

    @Test
    void gso_shortOrMisplacedIpOrTcpHeader_isRefused() {
        MemorySegment seg = receivedSuperPacket();
        int len = (int) seg.byteSize() - 64;
        assertThat(VirtioNetHdr.rxGsoSize(seg, 54, 64, len)).isEqualTo(1000);
        int th = 64 + 14 + 20;
        seg.set(ValueLayout.JAVA_BYTE, th + 12, (byte) 0x40);
        assertThat(VirtioNetHdr.rxGsoSize(seg, 54, 64, len)).as("doff 4").isEqualTo(VirtioNetHdr.BAD_GSO);
        seg.set(ValueLayout.JAVA_BYTE, th + 12, (byte) 0x50);
        seg.set(ValueLayout.JAVA_BYTE, 64 + 14, (byte) 0x44);
        assertThat(VirtioNetHdr.rxGsoSize(seg, 54, 64, len)).as("ihl 4").isEqualTo(VirtioNetHdr.BAD_GSO);
        seg.set(ValueLayout.JAVA_BYTE, 64 + 14, (byte) 0x4f);
        // a 60-byte IP header puts the TCP header's data offset at frame byte 86, outside 54
        assertThat(VirtioNetHdr.rxGsoSize(seg, 54, 64, 54)).as("TCP header outside").isEqualTo(VirtioNetHdr.BAD_GSO);
    }

    SkBuff frameSkb(int len) {
        SkBuff skb = Skb.allocSkb(pool, Skb.MAX_HEADER + len);
        skb.reserve(Skb.MAX_HEADER);
        skb.put(len);
        return skb;
    }

    static int reference(byte[] b, int off, int len) {
        long s = 0;
        for (int i = 0; i + 1 < len; i += 2) {
            s += ((b[off + i] & 0xff) << 8) | (b[off + i + 1] & 0xff);
        }
        if ((len & 1) != 0) {
            s += (b[off + len - 1] & 0xff) << 8;
        }
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) s;
    }
}
