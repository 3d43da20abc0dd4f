package dev.packetflow.net.ipv4;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.packetflow.net.core.LeakDetector;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Bad input never escapes the IP layer: arbitrary and mutated frames go into a router and a host,
 * nothing throws, and closing the stacks leaves no buffer behind.
 */
class Ipv4FuzzTest {

    /** Valid datagrams of many kinds, to mutate: the interesting inputs are near-valid ones. */
    private static byte[][] seeds() {
        int a = TestNet.A;
        int b = TestNet.B;
        byte[] echo = TestNet.echo(a, b, 64, 1, 1, 56);
        byte[] small = TestNet.echo(a, b, 1, 1, 2, 0);
        byte[] msg = IcmpRepr.echo(1, 3, new byte[40]).toBytes();
        byte[] frag0 = TestNet.ip(new Ipv4Repr(0, 9, false, true, 0, 64, 1, a, b, null, 24), Arrays.copyOf(msg, 24));
        byte[] frag1 = TestNet.ip(new Ipv4Repr(0, 9, false, false, 24, 64, 1, a, b, null, 24),
                Arrays.copyOfRange(msg, 24, 48));
        byte[] udp = TestNet.ip(new Ipv4Repr(0, 5, true, false, 0, 64, 17, a, b, null, 12), new byte[12]);
        byte[] err = new IcmpRepr(3, 4, 1000, Arrays.copyOf(echo, 28)).toBytes();
        byte[] icmpErr = TestNet.ip(new Ipv4Repr(0xc0, 6, false, false, 0, 64, 1, b, a, null, err.length), err);
        byte[] opts = TestNet.ip(new Ipv4Repr(0, 7, false, false, 0, 64, 1, a, b, new byte[] {(byte) 0x94, 4, 0, 0},
                msg.length), msg);
        return new byte[][] {echo, small, frag0, frag1, udp, icmpErr, opts};
    }

    private static void feed(TestNet n, Random rnd, byte[] ip, boolean toRouter) {
        if (toRouter) {
            n.rEth0.inject(TestNet.frame(rnd.nextInt(8) == 0 ? 0xffff_ffff_ffffL : n.rEth0.mac(), n.aEth0.mac(), ip));
        } else {
            n.bEth0.inject(TestNet.frame(n.bEth0.mac(), n.rEth1.mac(), ip));
        }
    }

    private static byte[] mutate(Random rnd, byte[][] seeds) {
        byte[] p = seeds[rnd.nextInt(seeds.length)].clone();
        switch (rnd.nextInt(5)) {
            case 0 -> {
                int k = 1 + rnd.nextInt(4);
                for (int i = 0; i < k; i++) {
                    p[rnd.nextInt(p.length)] = (byte) rnd.nextInt(256);
                }
            }
            case 1 -> p = Arrays.copyOf(p, rnd.nextInt(p.length + 1));
            case 2 -> p = Arrays.copyOf(p, p.length + rnd.nextInt(64));
            case 3 -> {
                // Mutate a header field but keep the checksum right, so the deeper stages see it.
                int off = rnd.nextInt(20);
                p[off] = (byte) rnd.nextInt(256);
                IpInputTest.reChecksum(p);
            }
            default -> {
                p = new byte[rnd.nextInt(120)];
                rnd.nextBytes(p);
            }
        }
        return p;
    }

    @Test
    void randomAndMutatedFrames_neverThrow_andLeaveNothingBehind() {
        Random rnd = new Random(20260101);
        byte[][] seeds = seeds();
        TestNet n = new TestNet(7).router();
        long frames = 0;
        for (int i = 0; i < 100_000; i++) {
            feed(n, rnd, mutate(rnd, seeds), rnd.nextBoolean());
            frames++;
            if ((i & 63) == 0) {
                n.sim.runFor(Duration.ofMillis(rnd.nextInt(50)));
            }
        }
        n.sim.runFor(Duration.ofSeconds(40)); // let reassembly queues time out
        assertThat(frames).isEqualTo(100_000);
        // The mutations reach every stage, not just the header checks.
        assertThat(n.r.mib("Ip").get("ForwDatagrams")).isPositive();
        assertThat(n.b.mib("Ip").get("InDelivers")).isPositive();
        assertThat(n.b.mib("Ip").get("ReasmOKs")).isPositive();
        assertThat(n.b.mib("Icmp").get("OutEchoReps")).isPositive();
        assertThat(n.r.mib("Icmp").get("OutTimeExcds")).isPositive();
        assertThat(n.b.ipv4().defrag.queueCount()).isZero();
        n.close();
        assertThat(LeakDetector.live()).isZero();
    }

    /**
     * Jazzer fuzz target: in a plain test run it replays its seed corpus (the empty input and
     * any files under src/test/resources) as a regression test; with JAZZER_FUZZ=1 it fuzzes.
     */
    @FuzzTest(maxDuration = "30s")
    void ipRcv_arbitraryBytes_neverThrows(byte[] data) {
        try (TestNet n = new TestNet(1).router()) {
            Random rnd = new Random(Arrays.hashCode(data));
            feed(n, rnd, data, true);
            feed(n, rnd, data, false);
            n.sim.runFor(Duration.ofSeconds(31));
        }
        assertThat(LeakDetector.live()).isZero();
    }
}
