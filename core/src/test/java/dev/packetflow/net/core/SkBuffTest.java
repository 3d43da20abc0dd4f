package dev.packetflow.net.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SkBuffTest {
    private final PagePool pool = new PagePool("test", 1 << 24);

    @Test
    void reservePushPullPutTrimMoveTheOffsetsLikeLinux() {
        SkBuff skb = pool.alloc(256);
        skb.reserve(64);
        assertThat(skb.headroom()).isEqualTo(64);
        int p = skb.put(10);
        assertThat(p).isEqualTo(64);
        assertThat(skb.len()).isEqualTo(10);
        assertThat(skb.push(8)).isEqualTo(56);
        assertThat(skb.len()).isEqualTo(18);
        assertThat(skb.pull(8)).isEqualTo(64);
        assertThat(skb.pull(11)).isEqualTo(-1);
        assertThat(skb.len()).isEqualTo(10);
        skb.trim(4);
        assertThat(skb.len()).isEqualTo(4);
        assertThat(skb.tailroom()).isEqualTo(skb.end - 68);
        Skb.consumeSkb(skb);
    }

    @Test
    void pushBeyondHeadroomIsABug() {
        SkBuff skb = pool.alloc(64);
        assertThatThrownBy(() -> skb.push(1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("under");
        assertThatThrownBy(() -> skb.put(skb.end + 1)).isInstanceOf(IllegalStateException.class);
        Skb.consumeSkb(skb);
    }

    @Test
    void bigEndianAccessors() {
        SkBuff skb = pool.alloc(64);
        skb.put(16);
        skb.setU16(0, 0x0800);
        skb.setU32(2, 0xc6120001);
        skb.setU48(6, 0x0200_0000_0001L);
        assertThat(skb.u8(0)).isEqualTo(0x08);
        assertThat(skb.u16(0)).isEqualTo(0x0800);
        assertThat(skb.u32(2)).isEqualTo(0xc6120001);
        assertThat(skb.u48(6)).isEqualTo(0x0200_0000_0001L);
        Skb.consumeSkb(skb);
    }

    @Test
    void cloneSharesDataAndCowUnshares() {
        SkBuff a = pool.alloc(128);
        a.reserve(32);
        a.putData(new byte[] {1, 2, 3});
        SkBuff b = a.cloneSkb();
        assertThat(a.cloned()).isTrue();
        assertThat(b.toByteArray()).containsExactly(1, 2, 3);
        assertThat(b.cow(64)).isTrue();
        assertThat(b.headroom()).isGreaterThanOrEqualTo(64);
        assertThat(a.cloned()).isFalse();
        b.setU8(b.data, 9);
        assertThat(a.toByteArray()).containsExactly(1, 2, 3);
        assertThat(b.toByteArray()).containsExactly(9, 2, 3);
        Skb.consumeSkb(a);
        Skb.consumeSkb(b);
        assertThat(pool.live()).isZero();
    }

    @Test
    void cowHead_onTcpsHeaderPrivateClone_pushesInPlace_whileAPlainCloneUnshares() {
        SkBuff queued = pool.alloc(PagePool.LARGE);
        queued.reserve(128);
        queued.putData(new byte[] {1, 2, 3});
        SkBuff tx = queued.cloneSkb();
        tx.hdrPrivate = true;
        assertThat(tx.headerCloned()).isFalse();
        assertThat(tx.cowHead(14)).isTrue();
        assertThat(tx.segment().address()).isEqualTo(queued.segment().address());
        tx.setU8(tx.push(14), 0xee);
        assertThat(queued.toByteArray()).containsExactly(1, 2, 3);

        SkBuff tap = tx.cloneSkb();
        assertThat(tap.hdrPrivate).isFalse();
        assertThat(tap.headerCloned()).isTrue();
        assertThat(tap.cowHead(14)).isTrue();
        assertThat(tap.segment().address()).isNotEqualTo(queued.segment().address());
        assertThat(tap.toByteArray()).startsWith(0xee).endsWith(1, 2, 3);
        Skb.consumeSkb(tap);
        Skb.consumeSkb(tx);
        Skb.consumeSkb(queued);
        assertThat(pool.live()).isZero();
    }

    @Test
    void copyIsPrivate() {
        SkBuff a = pool.alloc(128);
        a.putData(new byte[] {5, 6});
        SkBuff c = a.copySkb();
        c.setU8(c.data, 7);
        assertThat(a.toByteArray()).containsExactly(5, 6);
        Skb.consumeSkb(a);
        Skb.consumeSkb(c);
    }

    @Test
    void buffersAreRecycledAndLargeRequestsUseTheLargeClass() {
        SkBuff a = pool.alloc(100);
        long before = pool.bytesReserved();
        Skb.consumeSkb(a);
        SkBuff b = pool.alloc(100);
        assertThat(pool.bytesReserved()).isEqualTo(before);
        SkBuff big = pool.alloc(60_000);
        assertThat(big.end).isEqualTo(PagePool.LARGE);
        assertThat(pool.alloc(PagePool.LARGE + 1)).isNull();
        Skb.consumeSkb(b);
        Skb.consumeSkb(big);
    }

    @Test
    void kfreeSkbCountsTheReason() {
        SkBuff a = pool.alloc(100);
        long before = Skb.globalDrops().get(DropReason.IP_CSUM);
        Skb.kfreeSkb(a, DropReason.IP_CSUM);
        assertThat(Skb.globalDrops().get(DropReason.IP_CSUM)).isEqualTo(before + 1);
        assertThatThrownBy(() -> Skb.kfreeSkb(a, DropReason.IP_CSUM)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void queueIsFifoAndUnlinks() {
        SkBuffHead q = new SkBuffHead();
        SkBuff a = pool.alloc(64);
        SkBuff b = pool.alloc(64);
        SkBuff c = pool.alloc(64);
        q.queueTail(a);
        q.queueTail(b);
        q.queueTail(c);
        q.unlink(b);
        assertThat(q.qlen()).isEqualTo(2);
        assertThat(q.dequeue()).isSameAs(a);
        assertThat(q.dequeue()).isSameAs(c);
        assertThat(q.dequeue()).isNull();
        Skb.consumeSkb(a);
        Skb.consumeSkb(b);
        Skb.consumeSkb(c);
    }
}
