package dev.packetflow.drivers.net.tap;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.packetflow.net.core.SkBuff;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Jazzer fuzz target for the receive half of the virtio-net header ({@link VirtioNetHdr#rxChecksum},
 * {@link VirtioNetHdr#rxGsoSize}, as {@link TapRx} calls them): the input is a 10-byte header (host
 * byte order) and the frame after it, laid out as TapRx reads it, in memory that ends where the
 * frame ends, so any read past the frame throws. A header is either refused
 * ({@code BAD_GSO}/{@code BAD_CSUM}) or describes the frame: a completed checksum verifies, and a
 * super-packet's IPv4 and TCP headers lie inside the frame (TapRx reads them to count segments).
 * No TAP is needed. A plain test run replays the seeds under {@code VirtioNetHdrFuzzTestInputs/};
 * {@code JAZZER_FUZZ=1} fuzzes.
 */
class VirtioNetHdrFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void virtioNetHdrToSkb_arbitraryHeaderAndFrame_refusedOrConsistent(byte[] data) {
        if (data.length < VirtioNetHdr.SIZE) {
            return;
        }
        int len = data.length - VirtioNetHdr.SIZE;
        int data0 = TapRx.RX_HEADROOM;
        int hdrOff = data0 - VirtioNetHdr.SIZE;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(data0 + len);
            MemorySegment.copy(data, 0, seg, ValueLayout.JAVA_BYTE, hdrOff, data.length);
            int flags = data[VirtioNetHdr.FLAGS] & 0xff;
            int start = VirtioNetHdr.csumStart(seg, hdrOff);
            int off = VirtioNetHdr.csumOffset(seg, hdrOff);
            long before = start <= len ? VirtioNetHdr.sum(seg, data0 + start, len - start) : 0;
            int summed = VirtioNetHdr.rxChecksum(seg, hdrOff, data0, len);
            assertThat(summed).isIn(VirtioNetHdr.BAD_GSO, VirtioNetHdr.BAD_CSUM, SkBuff.CHECKSUM_NONE,
                    SkBuff.CHECKSUM_UNNECESSARY, SkBuff.CHECKSUM_PARTIAL);
            if (summed < 0) {
                return;
            }
            if ((flags & VirtioNetHdr.F_NEEDS_CSUM) != 0) {
                assertThat(start + off + 2).as("checksum field inside the frame").isLessThanOrEqualTo(len);
                if (summed == SkBuff.CHECKSUM_UNNECESSARY && (off & 1) == 0) {
                    // the field now holds the complement of what csum_start..end summed to
                    // (the pseudo-header sum it held included)
                    int field = seg.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN),
                            data0 + start + off) & 0xffff;
                    assertThat(VirtioNetHdr.fold(VirtioNetHdr.fold(before) + (long) field)).isEqualTo(0xffff);
                }
            }
            int gso = VirtioNetHdr.rxGsoSize(seg, hdrOff, data0, len);
            if (gso > 0) {
                assertThat(summed).isEqualTo(SkBuff.CHECKSUM_PARTIAL);
                int ihl = (seg.get(ValueLayout.JAVA_BYTE, data0 + 14) & 15) << 2;
                assertThat(ihl).as("IPv4 header length").isGreaterThanOrEqualTo(20);
                int th = 14 + ihl;
                assertThat(th + 20).as("TCP header inside the frame").isLessThanOrEqualTo(len);
                int doff = (seg.get(ValueLayout.JAVA_BYTE, data0 + th + 12) & 0xf0) >>> 2;
                assertThat(doff).as("TCP data offset").isGreaterThanOrEqualTo(20);
                assertThat(th + doff).as("TCP options inside the frame").isLessThanOrEqualTo(len);
            }
        }
    }
}
