package dev.packetflow.net.ipv4;

import static dev.packetflow.net.ipv4.UdpNet.A;
import static dev.packetflow.net.ipv4.UdpNet.B;
import static dev.packetflow.net.ipv4.UdpNet.bound;
import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.SockAddrIn;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A connected UDP socket keeps its route ({@code sk_dst_cache}) and sends without looking it up
 * again, until a change to the routes or addresses makes it stale: then the next send looks up
 * again and gets what a fresh lookup gives, as in Linux ({@code udp_sendmsg}'s
 * {@code sk_dst_check}, {@code rt_genid}). On the receiving side early demux finds a connected
 * socket before routing and keeps the input route ({@code sk_rx_dst}) for the next datagrams.
 */
class UdpDstCacheTest {
    private final UdpNet n = new UdpNet().neighbours();
    private static final byte[] PAYLOAD = {1, 2, 3, 4};

    @AfterEach
    void close() {
        n.close();
    }

    /** Route lookups the stack made for packets it sends (Linux: rt_cache {@code out_slow_tot}). */
    private long lookups() {
        return n.a.ipv4().route().stats().get("out_slow_tot");
    }

    private int send(int fd) {
        return n.sa.sendto(fd, PAYLOAD, 0, PAYLOAD.length, MSG_DONTWAIT, null);
    }

    private int received(int fd) {
        n.sim.run();
        int got = 0;
        byte[] buf = new byte[16];
        while (n.sb.recvfrom(fd, buf, 0, buf.length, MSG_DONTWAIT, null) == PAYLOAD.length) {
            got++;
        }
        return got;
    }

    @Test
    void connectedSocket_looksUpItsRouteOnce_whileAnUnconnectedOneLooksUpPerSend() {
        int rx = bound(n.sb, B, 5000);
        int tx = bound(n.sa, A, 4000);
        assertThat(n.sa.connect(tx, new SockAddrIn(B, 5000))).isZero();
        long before = lookups();
        for (int i = 0; i < 5; i++) {
            assertThat(send(tx)).isEqualTo(PAYLOAD.length);
        }
        assertThat(lookups() - before).isEqualTo(1);
        assertThat(received(rx)).isEqualTo(5);

        int other = bound(n.sa, A, 4001);
        before = lookups();
        for (int i = 0; i < 5; i++) {
            assertThat(n.sa.sendto(other, PAYLOAD, 0, PAYLOAD.length, MSG_DONTWAIT, new SockAddrIn(B, 5000)))
                    .isEqualTo(PAYLOAD.length);
        }
        assertThat(lookups() - before).isEqualTo(5);
        // a send naming the peer is not "connected" in Linux's sense either: it looks up
        before = lookups();
        assertThat(n.sa.sendto(tx, PAYLOAD, 0, PAYLOAD.length, MSG_DONTWAIT, new SockAddrIn(B, 5000)))
                .isEqualTo(PAYLOAD.length);
        assertThat(lookups() - before).isEqualTo(1);
    }

    @Test
    void deletingTheRoute_makesTheKeptOneStale_andAddingItBackIsSeenToo() {
        int rx = bound(n.sb, B, 5000);
        int tx = bound(n.sa, A, 4000);
        assertThat(n.sa.connect(tx, new SockAddrIn(B, 5000))).isZero();
        assertThat(send(tx)).isEqualTo(PAYLOAD.length);
        Fib fib = n.a.ipv4().fib();
        int net = InetAddr.parse("198.18.0.0");
        fib.routeDel(RouteSpec.to(net, 24));

        assertThat(send(tx)).isEqualTo(Errno.ENETUNREACH.neg());

        fib.routeAdd(RouteSpec.to(net, 24).dev(n.veth.a()));
        long before = lookups();
        assertThat(send(tx)).isEqualTo(PAYLOAD.length);
        assertThat(send(tx)).isEqualTo(PAYLOAD.length);
        assertThat(lookups() - before).isEqualTo(1);
        assertThat(received(rx)).isEqualTo(3);
    }

    @Test
    void removingTheSourceAddress_failsTheNextSendWithEinval_asLinux() {
        bound(n.sb, B, 5000);
        int tx = bound(n.sa, A, 4000);
        assertThat(n.sa.connect(tx, new SockAddrIn(B, 5000))).isZero();
        assertThat(send(tx)).isEqualTo(PAYLOAD.length);

        n.a.ipv4().delAddress(n.veth.a(), A, 24);

        // Linux: ip_route_output_key_hash_rcu() finds no device with the source address
        assertThat(send(tx)).isEqualTo(Errno.EINVAL.neg());
    }

    @Test
    void disconnectAndReconnect_sendToTheNewPeer_notAlongTheKeptRoute() {
        int rx = bound(n.sb, B, 5000);
        int rx2 = bound(n.sb, B, 5001);
        int tx = bound(n.sa, A, 4000);
        assertThat(n.sa.connect(tx, new SockAddrIn(B, 5000))).isZero();
        assertThat(send(tx)).isEqualTo(PAYLOAD.length);
        assertThat(n.sa.connect(tx, SockAddrIn.UNSPEC)).isZero();
        assertThat(send(tx)).isEqualTo(Errno.EDESTADDRREQ.neg());
        assertThat(n.sa.connect(tx, new SockAddrIn(B, 5001))).isZero();
        assertThat(send(tx)).isEqualTo(PAYLOAD.length);
        assertThat(received(rx)).isEqualTo(1);
        assertThat(received(rx2)).isEqualTo(1);
    }

    /** Input routes the receiving stack looked up (Linux: rt_cache {@code in_slow_tot}). */
    private long inputLookups() {
        return n.b.ipv4().route().stats().get("in_slow_tot");
    }

    private void sendFromA(int fd, int count) {
        for (int i = 0; i < count; i++) {
            assertThat(n.sa.sendto(fd, PAYLOAD, 0, PAYLOAD.length, MSG_DONTWAIT, new SockAddrIn(B, 5000)))
                    .isEqualTo(PAYLOAD.length);
        }
    }

    /** B's socket on port 5000, connected to A's port 4000. */
    private int receiverConnectedToA4000() {
        int rx = bound(n.sb, B, 5000);
        assertThat(n.sb.connect(rx, new SockAddrIn(A, 4000))).isZero();
        return rx;
    }

    /**
     * Sends {@code count} datagrams from {@code tx} and checks that {@code rx} got them all;
     * returns the input routes B looked up meanwhile.
     */
    private long inputLookupsFor(int tx, int rx, int count) {
        long before = inputLookups();
        sendFromA(tx, count);
        assertThat(received(rx)).isEqualTo(count);
        return inputLookups() - before;
    }

    @Test
    void earlyDemux_connectedReceiver_routesItsFirstDatagramOnly_anUnconnectedOneEvery() {
        int tx = bound(n.sa, A, 4000);
        int rx = receiverConnectedToA4000();
        assertThat(inputLookupsFor(tx, rx, 5)).isEqualTo(1);
        assertThat(n.sb.connect(rx, SockAddrIn.UNSPEC)).isZero();
        assertThat(inputLookupsFor(tx, rx, 5)).isEqualTo(5);
    }

    @Test
    void earlyDemux_keptInputRoute_goesStaleWithAnyRouteChange_andIsLearnedAgain() {
        int tx = bound(n.sa, A, 4000);
        int rx = receiverConnectedToA4000();
        assertThat(inputLookupsFor(tx, rx, 2)).isEqualTo(1);
        n.b.ipv4().fib().routeAdd(RouteSpec.to(InetAddr.parse("198.19.7.0"), 24).dev(n.veth.b()));
        assertThat(inputLookupsFor(tx, rx, 3)).isEqualTo(1);
    }

    @Test
    void earlyDemux_offBySysctl_routesEveryDatagram() {
        n.b.ipv4().udpEarlyDemux = 0;
        int tx = bound(n.sa, A, 4000);
        int rx = receiverConnectedToA4000();
        assertThat(inputLookupsFor(tx, rx, 4)).isEqualTo(4);
    }

    @Test
    void earlyDemux_datagramFromAnotherPort_goesToTheFullLookup_andFindsNoSocket() {
        int tx = bound(n.sa, A, 4001);
        int rx = receiverConnectedToA4000();
        sendFromA(tx, 1);
        assertThat(received(rx)).isZero();
        assertThat(UdpNet.udp(n.b, "NoPorts")).isEqualTo(1);
    }
}
