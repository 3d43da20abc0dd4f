package dev.packetflow.net.ipv4;

import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.packetflow.net.core.LeakDetector;
import dev.packetflow.net.socket.SockAddrIn;
import dev.packetflow.net.socket.SocketLayer;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * Jazzer fuzz target for {@code udp_rcv()}: the input is a UDP header and payload, carried in a
 * valid IPv4 datagram from the peer to a host with a socket bound to its address (port 53), one
 * bound to the wildcard (port 9) and one connected to the peer (port 5000). The UDP checksum is
 * made right unless the input's is zero ("no checksum"), so that mutations reach the socket
 * lookup and the queues. Nothing may throw or leak, and afterwards every socket still receives a
 * valid datagram. A plain test run replays the seeds under {@code UdpFuzzTestInputs/};
 * {@code JAZZER_FUZZ=1} fuzzes.
 */
class UdpFuzzTest {
    static final int PEER_PORT = 7777;

    /** An IPv4 datagram from the peer to the host carrying {@code udp} (header and payload). */
    static byte[] ip(byte[] udp) {
        byte[] u = udp.clone();
        if (u.length >= 8 && (u[6] != 0 || u[7] != 0)) {
            u[6] = 0;
            u[7] = 0;
            long sum = InetChecksum.pseudoHeader(WireHost.PEER, WireHost.LOCAL, 17, u.length);
            int c = InetChecksum.fold(InetChecksum.partial(u, 0, u.length, sum));
            c = c == 0 ? 0xffff : c;
            u[6] = (byte) (c >>> 8);
            u[7] = (byte) c;
        }
        return TestNet.ip(new Ipv4Repr(0, 0x4321, true, false, 0, 64, 17, WireHost.PEER, WireHost.LOCAL, null, u.length),
                u);
    }

    static byte[] udp(int sport, int dport, byte[] payload) {
        byte[] u = new byte[8 + payload.length];
        u[0] = (byte) (sport >>> 8);
        u[1] = (byte) sport;
        u[2] = (byte) (dport >>> 8);
        u[3] = (byte) dport;
        u[4] = (byte) (u.length >>> 8);
        u[5] = (byte) u.length;
        u[7] = 1; // made right by ip()
        System.arraycopy(payload, 0, u, 8, payload.length);
        return u;
    }

    static void drain(SocketLayer s, int fd) {
        ByteBuffer b = ByteBuffer.allocate(1 << 16);
        while (s.recv(fd, b.clear(), MSG_DONTWAIT) >= 0) {
            // what the fuzzed datagram left queued
        }
    }

    static void assertReceives(WireHost h, int fd, int port) {
        drain(h.net.sockets(), fd);
        h.eth0.inject(TestNet.frame(h.eth0.mac(), WireHost.PEER_MAC, ip(udp(PEER_PORT, port, "still here".getBytes()))));
        h.sim.runFor(Duration.ofMillis(1));
        ByteBuffer b = ByteBuffer.allocate(100);
        assertThat(h.net.sockets().recv(fd, b, MSG_DONTWAIT)).as("datagram to port %d", port).isEqualTo(10);
        assertThat(new String(b.array(), 0, 10)).isEqualTo("still here");
    }

    @FuzzTest(maxDuration = "60s")
    void udpRcv_arbitraryDatagram_neverThrows_andSocketsStillReceive(byte[] data) {
        try (WireHost h = new WireHost()) {
            SocketLayer s = h.net.sockets();
            int dns = TestNet.udpBound(s, WireHost.LOCAL, 53);
            int any = TestNet.udpBound(s, 0, 9);
            int conn = TestNet.udpBound(s, WireHost.LOCAL, 5000);
            assertThat(s.connect(conn, new SockAddrIn(WireHost.PEER, PEER_PORT))).isZero();
            h.eth0.inject(TestNet.frame(h.eth0.mac(), WireHost.PEER_MAC, ip(data)));
            h.sim.runFor(Duration.ofMillis(10));
            assertReceives(h, dns, 53);
            assertReceives(h, any, 9);
            assertReceives(h, conn, 5000);
        }
        assertThat(LeakDetector.live()).isZero();
    }
}
