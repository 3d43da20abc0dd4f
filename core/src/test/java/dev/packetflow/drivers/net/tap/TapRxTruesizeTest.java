package dev.packetflow.drivers.net.tap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.core.PagePool;
import dev.packetflow.net.core.SkBuff;
import org.junit.jupiter.api.Test;

class TapRxTruesizeTest {
    private static final int LARGE_TRUESIZE = PagePool.LARGE + SkBuff.SKB_HEAD_TRUESIZE;

    @Test
    void rxTruesize_smallSuperPacketInALargePage_isChargedThePagesItFills() {
        // five segments of a sender in slow start: 14 + 20 + 32 + 5 * 1448 bytes
        int end = TapRx.RX_HEADROOM + 14 + 20 + 32 + 5 * 1448;
        assertThat(TapRx.rxTruesize(LARGE_TRUESIZE, end)).isEqualTo(SkBuff.SKB_HEAD_TRUESIZE + 8192);
    }

    @Test
    void rxTruesize_fullSuperPacket_isChargedTheWholeBuffer() {
        int end = TapRx.RX_HEADROOM + 14 + 65535;
        assertThat(TapRx.rxTruesize(LARGE_TRUESIZE, end)).isEqualTo(LARGE_TRUESIZE);
    }
}
