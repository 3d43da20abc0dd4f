package dev.packetflow.net.ipv4.tcp;

import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.ipv4.InetAddr;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A SYN flood from spoofed addresses: SYN cookies (RFC 4987) keep the listener open to real clients. */
class TcpSynFloodTest {
    final TcpNet n = new TcpNet(31);
    /** Where the SYN-ACKs to spoofed sources go: a MAC no one has, so they vanish on the wire. */
    static final long NOWHERE_MAC = 0x02_00_00_00_00_99L;

    @AfterEach
    void close() {
        n.close();
    }

    int spoofed(int i) {
        return InetAddr.parse("198.18.0.100") + (i % 100);
    }

    void flood(int count, int port) {
        for (int i = 0; i < 100; i++) {
            n.b.arp().addPermanent(spoofed(i), NOWHERE_MAC, n.veth.b());
        }
        for (int i = 0; i < count; i++) {
            byte[] f = Segments.frame(n.veth.b().mac(), n.veth.a().mac(), spoofed(i), 1024 + (i % 60000), TcpNet.B, port,
                    0x1000_0000 + i * 7919, 0, TcpHeader.SYN, 64240, Segments.synOptions(1000 + i), new byte[0]);
            Segments.send(n.veth.a(), f);
            if (i % 128 == 127) {
                n.sim.runForNs(0); // the veth ring holds 256 frames
            }
        }
    }

    @Test
    void hundredThousandSpoofedSyns_realClientsStillConnectDuringTheFlood() {
        n.capturing = false;
        int lfd = n.listenB(80, 128);
        int connected = 0;
        for (int burst = 0; burst < 10; burst++) {
            flood(10_000, 80);
            // a real client connects in the middle of the flood
            int fd = n.connectA(80);
            n.runMs(1);
            flood(100, 80);
            n.runMs(5);
            if (n.tcpA(fd).state == dev.packetflow.net.socket.Sock.TCP_ESTABLISHED
                    && n.sb.accept4(lfd, null, SOCK_NONBLOCK) >= 0) {
                connected++;
            }
        }
        assertThat(connected).isEqualTo(10);
        assertThat(n.b.tcp().extMib().get(TcpMib.SYNCOOKIES_SENT)).isGreaterThan(98_000);
        assertThat(n.tcpB(lfd).synQueueLen()).isLessThanOrEqualTo(129);
        assertThat(n.b.tcp().extMib().get(TcpMib.SYNCOOKIES_RECV)).isEqualTo(10);
    }

    @Test
    void flood_fillsSynQueue_thenCookiesAnswer_andARealClientConnects() {
        int lfd = n.listenB(80, 8);
        TcpSock listener = n.tcpB(lfd);
        flood(200, 80);
        n.runMs(5);
        // as in current Linux (inet_csk_reqsk_queue_is_full: qlen > backlog) the queue holds backlog + 1
        assertThat(listener.synQueueLen()).isEqualTo(9);
        assertThat(n.b.tcp().extMib().get(TcpMib.REQ_Q_FULL_DO_COOKIES)).isEqualTo(191);
        assertThat(n.b.tcp().extMib().get(TcpMib.SYNCOOKIES_SENT)).isEqualTo(191);
        // a real client gets a cookie too, and its ACK builds the connection
        n.segs.clear();
        int fd = n.connectA(80);
        n.runMs(5);
        assertThat(n.tcpA(fd).state).isEqualTo(dev.packetflow.net.socket.Sock.TCP_ESTABLISHED);
        assertThat(n.b.tcp().extMib().get(TcpMib.SYNCOOKIES_RECV)).isEqualTo(1);
        int afd = n.sb.accept4(lfd, null, SOCK_NONBLOCK);
        assertThat(afd).isGreaterThanOrEqualTo(3);
        TcpSock child = n.tcpB(afd);
        // the cookie kept what the SYN negotiated (in the timestamp's low bits)
        assertThat(child.sackPermitted()).isTrue();
        assertThat(child.timestampsOk()).isTrue();
        assertThat(child.sndWscale()).isEqualTo(7);
        assertThat(child.mss()).isEqualTo(1448);
        assertThat(n.sa.send(fd, ByteBuffer.wrap(new byte[3000]), 0)).isEqualTo(3000);
        n.runMs(5);
        assertThat(n.sb.recv(afd, ByteBuffer.allocate(4000), MSG_DONTWAIT)).isEqualTo(3000);
        // no request socket was created for the client: the SYN queue holds only the flood
        assertThat(listener.synQueueLen()).isEqualTo(9);
    }

    @Test
    void flood_requestsExpireAfterSynAckRetries() {
        // backlog 16 with 8 requests: not crowded enough for reqsk_timer_handler to prune old ones
        int lfd = n.listenB(80, 16);
        flood(8, 80);
        n.runMs(5);
        assertThat(n.tcpB(lfd).synQueueLen()).isEqualTo(8);
        // SYN-ACK at 0, 1, 3, 7, 15, 31 s; the request dies when the 5th retry times out at 63 s
        n.runMs(62_000);
        assertThat(n.tcpB(lfd).synQueueLen()).isEqualTo(8);
        n.runMs(2_000);
        assertThat(n.tcpB(lfd).synQueueLen()).isZero();
        assertThat(n.b.tcp().extMib().get(TcpMib.SYNCOOKIES_SENT)).isZero();
    }

    @Test
    void crowdedSynQueue_oldRequestsArePrunedEarly() {
        // 9 of 8: reqsk_timer_handler keeps half the room for young requests, so requests that
        // never answered get only 2 retries (expire at 7 s) until the queue is no longer crowded
        int lfd = n.listenB(80, 8);
        flood(9, 80);
        n.runMs(5);
        n.runMs(8_000);
        assertThat(n.tcpB(lfd).synQueueLen()).isEqualTo(4);
        n.runMs(60_000);
        assertThat(n.tcpB(lfd).synQueueLen()).isZero();
    }

    @Test
    void cookiesOff_overflowingSynsAreDropped() {
        n.b.tcp().sysctl().syncookies = 0;
        int lfd = n.listenB(80, 8);
        flood(20, 80);
        n.runMs(5);
        assertThat(n.tcpB(lfd).synQueueLen()).isEqualTo(9);
        assertThat(n.b.tcp().extMib().get(TcpMib.REQ_Q_FULL_DROP)).isEqualTo(11);
        assertThat(n.b.tcp().extMib().get(TcpMib.LISTEN_DROPS)).isEqualTo(11);
    }
}
