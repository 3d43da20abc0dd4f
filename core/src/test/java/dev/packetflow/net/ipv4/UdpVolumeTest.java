package dev.packetflow.net.ipv4;

import static dev.packetflow.net.ipv4.UdpNet.A;
import static dev.packetflow.net.ipv4.UdpNet.B;
import static dev.packetflow.net.ipv4.UdpNet.bound;
import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.MsgHdr;
import dev.packetflow.net.socket.SockAddrIn;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Many datagrams and many sockets, in virtual time. */
class UdpVolumeTest {
    final UdpNet n = new UdpNet().neighbours();

    @AfterEach
    void close() {
        n.close();
    }

    /**
     * A reader that keeps up (it drains its socket after every batch the sender sends) loses
     * nothing on a lossless wire: a million 64-byte datagrams arrive, each once, in order.
     */
    @Test
    void millionDatagrams_overLosslessVeth_allArriveInOrder() {
        int rx = bound(n.sb, B, 5000);
        int tx = bound(n.sa, A, 4000);
        int total = 1_000_000;
        int batch = 64; // within the veth ring (256) and the receive buffer (92 small datagrams)
        ByteBuffer out = ByteBuffer.allocate(64);
        ByteBuffer in = ByteBuffer.allocate(128);
        MsgHdr m = new MsgHdr();
        SockAddrIn to = new SockAddrIn(B, 5000);
        long next = 0;
        long sent = 0;
        long t0 = n.sim.nowNs();
        while (sent < total) {
            for (int i = 0; i < batch && sent < total; i++, sent++) {
                out.clear();
                out.putLong(0, sent);
                assertThat(n.sa.sendto(tx, out, MSG_DONTWAIT, to)).isEqualTo(64);
            }
            n.sim.runForNs(10_000);
            for (;;) {
                in.clear();
                m.setBuffer(in);
                int r = n.sb.recvmsg(rx, m, MSG_DONTWAIT);
                if (r == Errno.EAGAIN.neg()) {
                    break;
                }
                assertThat(r).isEqualTo(64);
                if (in.getLong(0) != next) {
                    assertThat(in.getLong(0)).as("datagram after %d", next - 1).isEqualTo(next);
                }
                next++;
            }
            m.clearIov();
        }
        assertThat(next).isEqualTo(total);
        assertThat(UdpNet.udp(n.a, "OutDatagrams")).isEqualTo(total);
        assertThat(UdpNet.udp(n.b, "InDatagrams")).isEqualTo(total);
        assertThat(UdpNet.udp(n.b, "RcvbufErrors") + UdpNet.udp(n.b, "InErrors")).isZero();
        assertThat(n.b.drops().snapshot()).isEmpty();
        assertThat(n.sim.nowNs() - t0).isEqualTo(10_000L * ((total + batch - 1) / batch)); // virtual time only
    }

    @Test
    void tenThousandVirtualThreads_eachBlockedOnItsOwnUdpSocket_allWake() throws Exception {
        int count = 10_000;
        int[] fds = new int[count];
        for (int i = 0; i < count; i++) {
            fds[i] = bound(n.sb, B, 20000 + i);
        }
        long[] got = new long[count];
        Thread[] apps = new Thread[count];
        for (int i = 0; i < count; i++) {
            int k = i;
            apps[i] = Thread.ofVirtual().start(() -> {
                ByteBuffer b = ByteBuffer.allocate(16);
                SockAddrIn[] from = new SockAddrIn[1];
                got[k] = n.sb.recvfrom(fds[k], b, 0, from) == 8 && from[0].port() == 4000 ? b.getLong(0) : -1;
            });
        }
        for (int fd : fds) {
            UdpNet.awaitSleepers(n.sb, fd, 1);
        }
        int tx = bound(n.sa, A, 4000);
        ByteBuffer p = ByteBuffer.allocate(8);
        for (int i = 0; i < count; i++) {
            p.clear();
            p.putLong(0, 1_000_000L + i);
            assertThat(n.sa.sendto(tx, p, MSG_DONTWAIT, new SockAddrIn(B, 20000 + i))).isEqualTo(8);
            if (i % 64 == 63) { // the send buffer holds what the receiver has not queued yet
                n.sim.runForNs(1_000);
            }
        }
        n.sim.runForNs(1_000);
        for (Thread t : apps) {
            UdpNet.join(t);
        }
        for (int i = 0; i < count; i++) {
            assertThat(got[i]).isEqualTo(1_000_000L + i);
        }
        assertThat(UdpNet.udp(n.b, "InDatagrams")).isEqualTo(count);
        assertThat(n.b.pool().live()).isZero();
    }
}
