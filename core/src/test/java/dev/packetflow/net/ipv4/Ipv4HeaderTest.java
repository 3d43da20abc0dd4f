package dev.packetflow.net.ipv4;

import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.core.PagePool;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Ipv4HeaderTest {
    private static final PagePool POOL = new PagePool("test", 1 << 24);

    /**
     * An echo request header as Linux's ping sends it: version 4, IHL 5, length 84, id 0x70d9, DF,
     * TTL 64, ICMP, 198.18.0.1 to 198.18.1.1; checksum 0x3ca9 computed independently.
     */
    private static final byte[] REAL = HexFormat.of().parseHex("4500005470d9400040013ca9c6120001c6120101");

    private static SkBuff skbOf(byte[] b) {
        SkBuff s = Skb.allocSkb(POOL, b.length + 64);
        s.reserve(64);
        s.putData(b);
        return s;
    }

    @Test
    void view_realHeader_readsRfcFields() {
        SkBuff s = skbOf(REAL);
        try {
            Ipv4Header h = new Ipv4Header().wrap(s, s.data);
            assertThat(h.checkLen()).isFalse(); // total length 84 claims more than these 20 bytes
            assertThat(h.version()).isEqualTo(4);
            assertThat(h.ihl()).isEqualTo(5);
            assertThat(h.headerLength()).isEqualTo(20);
            assertThat(h.totalLength()).isEqualTo(84);
            assertThat(h.identification()).isEqualTo(0x70d9);
            assertThat(h.dontFragment()).isTrue();
            assertThat(h.moreFragments()).isFalse();
            assertThat(h.fragmentOffset()).isZero();
            assertThat(h.timeToLive()).isEqualTo(64);
            assertThat(h.protocol()).isEqualTo(1);
            assertThat(h.headerChecksum()).isEqualTo(0x3ca9);
            assertThat(h.sourceAddress()).isEqualTo(InetAddr.parse("198.18.0.1"));
            assertThat(h.destinationAddress()).isEqualTo(InetAddr.parse("198.18.1.1"));
            assertThat(h.verifyChecksum()).isTrue();
        } finally {
            Skb.consumeSkb(s);
        }
    }

    @Test
    void repr_emit_matchesRealBytes() {
        Ipv4Repr r = new Ipv4Repr(0, 0x70d9, true, false, 0, 64, 1, InetAddr.parse("198.18.0.1"),
                InetAddr.parse("198.18.1.1"), null, 64);
        assertThat(r.toBytes()).isEqualTo(REAL);
        byte[] whole = new byte[84];
        System.arraycopy(REAL, 0, whole, 0, 20);
        assertThat(Ipv4Repr.parse(whole, 0, whole.length)).isEqualTo(r);
    }

    @Test
    void repr_parse_rejectsEachMalformation() {
        byte[] p = new byte[84];
        System.arraycopy(REAL, 0, p, 0, 20);
        assertThat(Ipv4Repr.parse(p, 0, 19)).isNull();
        byte[] v6 = p.clone();
        v6[0] = 0x65;
        assertThat(Ipv4Repr.parse(v6, 0, 84)).isNull();
        byte[] ihl4 = p.clone();
        ihl4[0] = 0x44;
        assertThat(Ipv4Repr.parse(ihl4, 0, 84)).isNull();
        byte[] csum = p.clone();
        csum[11] ^= 1;
        assertThat(Ipv4Repr.parse(csum, 0, 84)).isNull();
        assertThat(Ipv4Repr.parse(p, 0, 83)).isNull(); // truncated
    }

    @Test
    void repr_randomRoundTrips_parseOfEmitIsIdentity() {
        Random rnd = new Random(7);
        for (int i = 0; i < 5000; i++) {
            byte[] opts = new byte[4 * rnd.nextInt(11)];
            rnd.nextBytes(opts);
            int payload = rnd.nextInt(2000);
            Ipv4Repr r = new Ipv4Repr(rnd.nextInt(256), rnd.nextInt(65536), rnd.nextBoolean(), rnd.nextBoolean(),
                    8 * rnd.nextInt(0x2000), rnd.nextInt(256), rnd.nextInt(256), rnd.nextInt(), rnd.nextInt(), opts,
                    payload);
            byte[] b = new byte[r.totalLength()];
            r.emit(b, 0);
            assertThat(Ipv4Repr.parse(b, 0, b.length)).isEqualTo(r);
            assertThat(InetChecksum.compute(b, 0, r.headerLen())).isZero();
        }
    }

    @Test
    void decreaseTtl_incrementalChecksum_equalsFullRecomputation() {
        Random rnd = new Random(11);
        for (int i = 0; i < 5000; i++) {
            Ipv4Repr r = new Ipv4Repr(rnd.nextInt(256), rnd.nextInt(65536), rnd.nextBoolean(), false, 0,
                    2 + rnd.nextInt(254), rnd.nextInt(256), rnd.nextInt(), rnd.nextInt(), null, 0);
            SkBuff s = skbOf(r.toBytes());
            try {
                int ttl = Ipv4Header.decreaseTtl(s, s.data);
                assertThat(ttl).isEqualTo(r.ttl() - 1);
                int incremental = Ipv4Header.headerChecksum(s, s.data);
                Ipv4Header.fillChecksum(s, s.data);
                assertThat(incremental).isEqualTo(Ipv4Header.headerChecksum(s, s.data));
                assertThat(Ipv4Header.verifyChecksum(s, s.data)).isTrue();
            } finally {
                Skb.consumeSkb(s);
            }
        }
    }

    @Test
    void checksum_rfc1071Example_sumsTo0xddf2() {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum (with end-around carry) to ddf2.
        byte[] b = HexFormat.of().parseHex("0001f203f4f5f6f7");
        assertThat(InetChecksum.compute(b, 0, b.length)).isEqualTo(~0xddf2 & 0xffff);
        SkBuff s = skbOf(b);
        try {
            assertThat(InetChecksum.compute(s, s.data, b.length)).isEqualTo(~0xddf2 & 0xffff);
            assertThat(InetChecksum.compute(s, s.data, 7)).isEqualTo(InetChecksum.compute(b, 0, 7));
        } finally {
            Skb.consumeSkb(s);
        }
    }

    @Test
    void icmp_realEchoBytes_roundTrip() {
        byte[] real = HexFormat.of().parseHex("0800ebe7000700010001020304050607");
        IcmpRepr r = IcmpRepr.parse(real, 0, real.length);
        assertThat(r).isNotNull();
        assertThat(r.type()).isEqualTo(IcmpHeader.ICMP_ECHO);
        assertThat(r.identifier()).isEqualTo(7);
        assertThat(r.sequence()).isEqualTo(1);
        assertThat(r.toBytes()).isEqualTo(real);
        SkBuff s = skbOf(real);
        try {
            IcmpHeader h = new IcmpHeader().wrap(s, s.data);
            assertThat(h.type()).isEqualTo(8);
            assertThat(h.checksum()).isEqualTo(0xebe7);
            assertThat(h.identifier()).isEqualTo(7);
            assertThat(h.sequence()).isEqualTo(1);
        } finally {
            Skb.consumeSkb(s);
        }
        real[5] ^= 1;
        assertThat(IcmpRepr.parse(real, 0, real.length)).isNull();
    }

    @Test
    void icmp_randomRoundTrips() {
        Random rnd = new Random(3);
        for (int i = 0; i < 2000; i++) {
            byte[] d = new byte[rnd.nextInt(600)];
            rnd.nextBytes(d);
            IcmpRepr r = new IcmpRepr(rnd.nextInt(256), rnd.nextInt(256), rnd.nextInt(), d);
            byte[] b = r.toBytes();
            assertThat(IcmpRepr.parse(b, 0, b.length)).isEqualTo(r);
        }
    }
}
