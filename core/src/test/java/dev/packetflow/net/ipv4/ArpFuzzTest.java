package dev.packetflow.net.ipv4;

import static dev.packetflow.testing.TwoHosts.IP_B;
import static dev.packetflow.testing.TwoHosts.MAC_B;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.testing.TwoHosts;
import dev.packetflow.trace.Trace;
import java.util.EnumSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Seeded random and mutated ARP frames: none may throw, each is either processed or dropped with an
 * ARP drop reason, and none may leak (the leak check runs after the test).
 */
class ArpFuzzTest {
    private static final int FRAMES = 100_000;
    private static final Set<DropReason> ARP_REASONS = EnumSet.of(DropReason.PKT_TOO_SMALL, DropReason.OTHERHOST,
            DropReason.ARP_INVALID_HDR, DropReason.ARP_INVALID_OP, DropReason.ARP_INVALID_ADDR);

    private static byte[] valid(Random r) {
        int op = r.nextBoolean() ? ArpHeader.ARPOP_REQUEST : ArpHeader.ARPOP_REPLY;
        long sha = 0x02_00_00_00_00_00L | (r.nextLong() & 0xff_ffff_ffffL);
        int sip = InetAddr.parse("198.18.0.0") + r.nextInt(1 << 17);
        int tip = r.nextInt(4) == 0 ? IP_B : InetAddr.parse("198.18.0.0") + r.nextInt(1 << 17);
        long dst = r.nextBoolean() ? NetDevice.BROADCAST_MAC : MAC_B;
        return ArpHeader.Repr.of(op, sha, sip, r.nextBoolean() ? 0 : MAC_B, tip).toFrame(dst, sha);
    }

    private static byte[] frame(Random r) {
        switch (r.nextInt(3)) {
            case 0 -> {
                byte[] f = valid(r);
                int flips = 1 + r.nextInt(4);
                for (int i = 0; i < flips; i++) {
                    f[r.nextInt(f.length)] ^= (byte) (1 << r.nextInt(8));
                }
                return f;
            }
            case 1 -> {
                byte[] f = valid(r);
                return java.util.Arrays.copyOf(f, r.nextInt(f.length + 20));
            }
            default -> {
                byte[] f = new byte[r.nextInt(80)];
                r.nextBytes(f);
                if (f.length >= 14) {
                    f[12] = 0x08;
                    f[13] = 0x06;
                    if (r.nextBoolean()) {
                        java.util.Arrays.fill(f, 0, 6, (byte) 0xff);
                    }
                }
                return f;
            }
        }
    }

    @Test
    void randomAndMutatedArpFrames_neverThrow_andEveryRejectionHasAReason() throws Exception {
        try (TwoHosts h = new TwoHosts(42)) {
            h.log = false;
            Random r = new Random(0xA12);
            AtomicLong arpRcv = new AtomicLong();
            AtomicLong arpDrops = new AtomicLong();
            AtomicLong otherDrops = new AtomicLong();
            long rxBefore = h.ethB.stats().rxPackets();
            try (AutoCloseable p1 = Trace.attach("arp_rcv", (tp, net, dev, skb, arg) -> {
                        if (net == h.b) {
                            arpRcv.incrementAndGet();
                        }
                    });
                    AutoCloseable p2 = Trace.attach("kfree_skb", (tp, net, dev, skb, arg) -> {
                        if (net == h.b) {
                            (ARP_REASONS.contains(DropReason.of((int) arg)) ? arpDrops : otherDrops).incrementAndGet();
                        }
                    })) {
                for (int i = 0; i < FRAMES; i++) {
                    h.ethB.inject(frame(r));
                    if (i % 500 == 499) {
                        h.sim.run();
                    }
                }
                h.sim.run();
            }
            assertThat(h.ethB.stats().rxPackets() - rxBefore).isEqualTo(FRAMES);
            assertThat(arpRcv.get()).isGreaterThan(FRAMES / 2);
            assertThat(arpDrops.get()).isGreaterThan(FRAMES / 10);
            // the remaining drops are frames that never reached ARP (short Ethernet headers, other
            // ethertypes after a flip) or packets of entries the table collected
            assertThat(h.b.drops().get(DropReason.PKT_TOO_SMALL) + h.b.drops().get(DropReason.UNHANDLED_PROTO))
                    .isPositive();
            assertThat(h.b.arp().table().size()).isPositive().isLessThanOrEqualTo(h.b.arp().table().gcThresh3());
        }
    }
}
