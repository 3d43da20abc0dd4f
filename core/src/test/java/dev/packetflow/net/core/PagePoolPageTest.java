package dev.packetflow.net.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class PagePoolPageTest {
    private final PagePool pool = new PagePool("test", 1 << 24);

    @Test
    void allocPage_andRecycle_areCounted() {
        PagePool.Page p = pool.allocPage(1500);
        assertThat(p.size()).isEqualTo(PagePool.SMALL);
        assertThat(p.pool()).isSameAs(pool);
        assertThat(pool.livePages()).isEqualTo(1);
        pool.recyclePage(p);
        assertThat(pool.livePages()).isZero();
        PagePool.Page big = pool.allocPage(9000);
        assertThat(big.size()).isEqualTo(PagePool.LARGE);
        pool.recyclePage(big);
    }

    @Test
    void buildSkb_wrapsThePageWithoutCopying() {
        PagePool.Page p = pool.allocPage(2048);
        p.segment().set(ValueLayout.JAVA_BYTE, 256, (byte) 0x5a);
        SkBuff skb = Skb.buildSkb(p, 256, 100, null);

        assertThat(skb.segment().address()).isEqualTo(p.segment().address());
        assertThat(skb.headroom()).isEqualTo(256);
        assertThat(skb.len()).isEqualTo(100);
        assertThat(skb.u8(skb.data)).isEqualTo(0x5a);
        assertThat(skb.journey).isZero();
        assertThat(pool.livePages()).isZero();
        assertThat(pool.live()).isEqualTo(1);

        Skb.consumeSkb(skb);
        assertThat(pool.live()).isZero();
        // the buffer went back to the free list: the next page is the same memory
        PagePool.Page again = pool.allocPage(2048);
        assertThat(again.segment().address()).isEqualTo(p.segment().address());
        pool.recyclePage(again);
    }

    @Test
    void buildSkb_beyondThePage_isRejectedAndKeepsThePage() {
        PagePool.Page p = pool.allocPage(2048);
        assertThatThrownBy(() -> Skb.buildSkb(p, 256, 2000, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("build_skb");
        assertThat(pool.livePages()).isEqualTo(1);
        pool.recyclePage(p);
    }

    @Test
    void recycle_intoAnotherPool_isRejected() {
        PagePool other = new PagePool("other", 1 << 24);
        PagePool.Page p = pool.allocPage(100);
        assertThatThrownBy(() -> other.recyclePage(p)).isInstanceOf(IllegalArgumentException.class);
        pool.recyclePage(p);
    }

    @Test
    void leakDetector_seesRawPages() {
        assumeTrue(LeakDetector.ENABLED, "leak detection is off");
        int before = LeakDetector.live();
        PagePool.Page p = pool.allocPage(100);
        assertThat(LeakDetector.live()).isEqualTo(before + 1);
        assertThat(LeakDetector.report(10)).anyMatch(s -> s.contains("page-pool buffer allocated here"));
        SkBuff skb = Skb.buildSkb(p, 0, 10, null);
        assertThat(LeakDetector.live()).isEqualTo(before + 1); // now tracked as an skb
        Skb.consumeSkb(skb);
        assertThat(LeakDetector.live()).isEqualTo(before);
    }

    @Test
    void exhaustedPool_returnsNull() {
        PagePool tiny = new PagePool("tiny", PagePool.SMALL * 256L);
        PagePool.Page[] all = new PagePool.Page[256];
        for (int i = 0; i < 256; i++) {
            all[i] = tiny.allocPage(100);
            assertThat(all[i]).isNotNull();
        }
        assertThat(tiny.allocPage(100)).isNull();
        for (PagePool.Page p : all) {
            tiny.recyclePage(p);
        }
    }
}
