package dev.packetflow.net.ipv4;

import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.core.PagePool;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InetChecksumTest {
    private static final PagePool POOL = new PagePool("csum", 1 << 22);

    /** RFC 1071 over 16-bit big-endian words, one at a time: the reference. */
    private static long reference(byte[] b, int off, int len, long sum) {
        for (int i = 0; i + 1 < len; i += 2) {
            sum += ((b[off + i] & 0xff) << 8) | (b[off + i + 1] & 0xff);
        }
        if ((len & 1) != 0) {
            sum += (b[off + len - 1] & 0xff) << 8;
        }
        return sum;
    }

    @Test
    void partialOverSkb_eightBytesAtATime_equalsWordByWordSum() {
        Random rnd = new Random(7);
        SkBuff skb = Skb.allocSkb(POOL, 600);
        try {
            byte[] b = new byte[512];
            for (int round = 0; round < 2000; round++) {
                // Mostly random bytes; some all-0xff and all-zero runs, where 0 and 0xffff differ.
                int kind = round % 10;
                for (int i = 0; i < b.length; i++) {
                    b[i] = kind == 0 ? (byte) 0xff : kind == 1 ? 0 : (byte) rnd.nextInt();
                }
                skb.write(0, b, 0, b.length);
                int off = rnd.nextInt(64);
                int len = rnd.nextInt(b.length - off);
                long seed = round % 3 == 0 ? 0 : rnd.nextInt() & 0xffffffffL;
                int expected = InetChecksum.fold(reference(b, off, len, seed));
                assertThat(InetChecksum.fold(InetChecksum.partial(skb, off, len, seed)))
                        .as("off %d len %d kind %d", off, len, kind).isEqualTo(expected);
                assertThat(InetChecksum.compute(skb, off, len)).isEqualTo(InetChecksum.fold(reference(b, off, len, 0)));
            }
        } finally {
            Skb.consumeSkb(skb);
        }
    }

    @Test
    void checksumOfDataWithItsChecksum_isZero() {
        Random rnd = new Random(11);
        SkBuff skb = Skb.allocSkb(POOL, 600);
        try {
            for (int round = 0; round < 500; round++) {
                int len = 8 + 2 * rnd.nextInt(200);
                byte[] b = new byte[len];
                rnd.nextBytes(b);
                b[2] = 0;
                b[3] = 0;
                int c = InetChecksum.compute(b, 0, len);
                b[2] = (byte) (c >>> 8);
                b[3] = (byte) c;
                skb.write(1, b, 0, len);
                assertThat(InetChecksum.compute(skb, 1, len)).isZero();
            }
        } finally {
            Skb.consumeSkb(skb);
        }
    }

    @Test
    void ipFastCsum_twentyByteHeader_equalsWordByWordChecksum() {
        Random rnd = new Random(13);
        SkBuff skb = Skb.allocSkb(POOL, 600);
        try {
            for (int round = 0; round < 2000; round++) {
                byte[] h = new byte[20];
                rnd.nextBytes(h);
                if (round % 7 == 0) {
                    java.util.Arrays.fill(h, (byte) 0xff);
                }
                int off = 1 + rnd.nextInt(40);
                skb.write(off, h, 0, 20);
                assertThat(InetChecksum.ipFastCsum(skb, off, 5)).isEqualTo(InetChecksum.fold(reference(h, 0, 20, 0)));
            }
        } finally {
            Skb.consumeSkb(skb);
        }
    }

    @Test
    void csumReplace2_afterTypeChange_equalsFullRecomputation() {
        Random rnd = new Random(17);
        for (int round = 0; round < 5000; round++) {
            byte[] m = new byte[8 + rnd.nextInt(100)];
            rnd.nextBytes(m);
            m[0] = 8;
            m[1] = 0;
            m[2] = 0;
            m[3] = 0;
            int c = InetChecksum.compute(m, 0, m.length);
            m[0] = 0;
            int full = InetChecksum.compute(m, 0, m.length);
            assertThat(InetChecksum.csumReplace2(c, 0x0800, 0x0000)).isEqualTo(full);
        }
    }

    @Test
    void buildThenSetTotLenAndChecksum_equalsFieldByFieldHeaderWithFullChecksum() {
        Random rnd = new Random(19);
        SkBuff a = Skb.allocSkb(POOL, 600);
        SkBuff b = Skb.allocSkb(POOL, 600);
        try {
            for (int round = 0; round < 2000; round++) {
                int tos = rnd.nextInt(256), len = 20 + rnd.nextInt(1480), id = rnd.nextInt(65536);
                int frag = rnd.nextBoolean() ? Ipv4Header.IP_DF : 0, ttl = 1 + rnd.nextInt(255), proto = rnd.nextInt(256);
                int src = rnd.nextInt(), dst = rnd.nextInt();
                int o = 1 + rnd.nextInt(60);
                Ipv4Header.build(a, o, tos, 0, id, frag, ttl, proto, src, dst);
                Ipv4Header.setTotLenAndChecksum(a, o, len);
                b.setU8(o, 0x45);
                b.setU8(o + Ipv4Header.TOS, tos);
                b.setU16(o + Ipv4Header.TOT_LEN, len);
                b.setU16(o + Ipv4Header.ID, id);
                b.setU16(o + Ipv4Header.FRAG_OFF, frag);
                b.setU8(o + Ipv4Header.TTL, ttl);
                b.setU8(o + Ipv4Header.PROTOCOL, proto);
                b.setU32(o + Ipv4Header.SADDR, src);
                b.setU32(o + Ipv4Header.DADDR, dst);
                Ipv4Header.fillChecksum(b, o);
                for (int i = 0; i < 20; i++) {
                    assertThat(a.u8(o + i)).as("byte %d", i).isEqualTo(b.u8(o + i));
                }
                assertThat(Ipv4Header.verifyChecksum(a, o)).isTrue();
            }
        } finally {
            Skb.consumeSkb(a);
            Skb.consumeSkb(b);
        }
    }
}
