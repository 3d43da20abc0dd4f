package dev.packetflow.net.sched;

import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.core.PagePool;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import org.junit.jupiter.api.Test;

class PfifoFastTest {
    final PagePool pool = new PagePool("t", 1 << 22);

    SkBuff pkt(int prio, int tag) {
        SkBuff s = pool.alloc(64);
        s.put(1);
        s.setU8(s.data, tag);
        s.priority = prio;
        return s;
    }

    @Test
    void prioMapMatchesLinux() {
        // TC_PRIO_BESTEFFORT 0 -> band 1, BULK 2 -> 2, INTERACTIVE 6 -> 0, CONTROL 7 -> 0
        assertThat(PfifoFast.band(0)).isEqualTo(1);
        assertThat(PfifoFast.band(2)).isEqualTo(2);
        assertThat(PfifoFast.band(6)).isEqualTo(0);
        assertThat(PfifoFast.band(7)).isEqualTo(0);
        assertThat(PfifoFast.band(16 + 6)).isEqualTo(0);
    }

    @Test
    void lowerBandsAreServedFirstAndFifoWithinABand() {
        PfifoFast q = new PfifoFast(100);
        q.enqueue(pkt(2, 1));
        q.enqueue(pkt(0, 2));
        q.enqueue(pkt(6, 3));
        q.enqueue(pkt(0, 4));
        q.enqueue(pkt(7, 5));
        int[] order = new int[5];
        for (int i = 0; i < 5; i++) {
            SkBuff s = q.dequeue();
            order[i] = s.u8(s.data);
            Skb.consumeSkb(s);
        }
        assertThat(order).containsExactly(3, 5, 2, 4, 1);
        assertThat(q.dequeue()).isNull();
    }

    @Test
    void overLimitIsTailDroppedAndCounted() {
        PfifoFast q = new PfifoFast(2);
        assertThat(q.enqueue(pkt(0, 1))).isEqualTo(Qdisc.NET_XMIT_SUCCESS);
        assertThat(q.enqueue(pkt(0, 2))).isEqualTo(Qdisc.NET_XMIT_SUCCESS);
        assertThat(q.enqueue(pkt(0, 3))).isEqualTo(Qdisc.NET_XMIT_DROP);
        assertThat(q.drops).isEqualTo(1);
        assertThat(q.qlen()).isEqualTo(2);
        q.reset();
        assertThat(q.qlen()).isZero();
        assertThat(pool.live()).isZero();
    }
}
