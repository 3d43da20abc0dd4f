package dev.packetflow.net.ipv4.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.drivers.net.wire.WireConditions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bulk transfers: every byte arrives, in order, over perfect and over hostile wires. */
class TcpTransferTest {
    static final WireConditions HOSTILE = WireConditions.builder()
            .delay(Duration.ofMillis(5)).loss(0.05).reorder(0.1).duplicate(0.01).corrupt(0.001).build();

    static Pump transfer(TcpNet n, long bytes, Duration limit) {
        int[] c = n.establish(5001);
        Pump p = new Pump(n.sa, c[0], n.sb, c[1], bytes, 99);
        boolean done = n.sim.runUntil(p::step, limit);
        assertThat(done).as("transfer finished: %d of %d bytes read by %s", p.read, bytes, Duration.ofNanos(n.sim.nowNs())).isTrue();
        assertThat(p.error).isZero();
        assertThat(p.read).isEqualTo(bytes);
        assertThat(p.equalHashes()).isTrue();
        return p;
    }

    static String nz(dev.packetflow.net.core.Mib m) {
        StringBuilder sb = new StringBuilder();
        m.snapshot().forEach((k, v) -> {
            if (v != 0) sb.append(k).append('=').append(v).append(' ');
        });
        return sb.toString();
    }

    @Test
    void tenMegabytes_perfectWire_arriveIntact() {
        try (TcpNet n = new TcpNet(5)) {
            n.capturing = false;
            transfer(n, 10 << 20, Duration.ofMinutes(5));
            assertThat(n.a.tcp().mib().get(TcpMib.RETRANS_SEGS)).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4})
    void tenMegabytes_lossReorderDuplicateCorrupt_arriveIntact(long seed) {
        try (TcpNet n = new TcpNet(seed, HOSTILE)) {
            n.capturing = false;
            transfer(n, 10 << 20, Duration.ofMinutes(30));
            assertThat(n.a.tcp().mib().get(TcpMib.RETRANS_SEGS)).isPositive();
        }
    }

    /** Both directions at once over one connection; each side half-closes when done. */
    static void bothWays(TcpNet n, long bytes, Duration limit) {
        int[] c = n.establish(5001);
        Pump ab = new Pump(n.sa, c[0], n.sb, c[1], bytes, 11);
        Pump ba = new Pump(n.sb, c[1], n.sa, c[0], bytes, 12);
        boolean[] done = new boolean[2];
        boolean ok = n.sim.runUntil(() -> {
            if (!done[0]) done[0] = ab.step();
            if (!done[1]) done[1] = ba.step();
            return done[0] && done[1];
        }, limit);
        assertThat(ok).as("A>B %d, B>A %d of %d bytes", ab.read, ba.read, bytes).isTrue();
        assertThat(ab.error).isZero();
        assertThat(ba.error).isZero();
        assertThat(ab.read).isEqualTo(bytes);
        assertThat(ba.read).isEqualTo(bytes);
        assertThat(ab.equalHashes()).isTrue();
        assertThat(ba.equalHashes()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(longs = {21, 22})
    void tenMegabytesEachWay_hostileWire_arriveIntact(long seed) {
        try (TcpNet n = new TcpNet(seed, HOSTILE)) {
            n.capturing = false;
            bothWays(n, 10 << 20, Duration.ofMinutes(30));
        }
    }

    @Test
    void buffersAutotune_sendBufferGrowsForANonBlockingWriter_receiveBufferForTheReader() {
        WireConditions w = WireConditions.builder().delay(Duration.ofMillis(5)).build();
        try (TcpNet n = new TcpNet(7, w)) {
            n.capturing = false;
            long t0 = n.sim.nowNs();
            Pump p = transfer(n, 20 << 20, Duration.ofMinutes(1));
            TcpSock a = n.tcpA(p.txFd);
            TcpSock b = n.tcpB(p.rxFd);
            // tcp_new_space() grows sndbuf on ACKs after a send found it full (SOCK_NOSPACE);
            // tcp_rcv_space_adjust() grows rcvbuf as the reader keeps up
            assertThat(a.sndbuf).isGreaterThan(1 << 20);
            assertThat(b.rcvbuf).isGreaterThan(1 << 20);
            // 20 MB over a 10 ms RTT in well under a second of virtual time once the window opened
            assertThat((n.sim.nowNs() - t0) / 1_000_000).isLessThan(1500);
        }
    }
}
