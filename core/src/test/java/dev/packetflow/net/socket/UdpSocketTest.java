package dev.packetflow.net.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.testing.VethHosts;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Java-level UDP socket: java.net behaviour and exceptions over two stacks in virtual time. */
class UdpSocketTest {
    static final InetSocketAddress A_4000 = new InetSocketAddress("198.18.0.1", 4000);
    static final InetSocketAddress B_5000 = new InetSocketAddress("198.18.0.2", 5000);

    final VethHosts h = new VethHosts(5);
    final Simulation sim = h.sim;
    final NetStack a = h.a;
    final NetStack b = h.b;

    @AfterEach
    void close() {
        h.close();
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void byteBufferArrayAndPacket_roundTrips_reportTheSender() throws Exception {
        try (UdpSocket sa = UdpSocket.open(a, A_4000); UdpSocket sb = UdpSocket.open(b, B_5000)) {
            assertThat(sa.send(ascii("one"), B_5000)).isEqualTo(3);
            assertThat(sa.send("two".getBytes(StandardCharsets.US_ASCII), B_5000)).isEqualTo(3);
            sa.send(new DatagramPacket("three".getBytes(StandardCharsets.US_ASCII), 5, B_5000));
            sim.run();
            sb.configureBlocking(false);
            ByteBuffer buf = ByteBuffer.allocate(16);
            assertThat(sb.receive(buf)).isEqualTo(A_4000);
            assertThat(buf.position()).isEqualTo(3);
            UdpSocket.Received r = sb.receive(new byte[2]);
            assertThat(r).isEqualTo(new UdpSocket.Received(2, A_4000, true));
            DatagramPacket p = new DatagramPacket(new byte[32], 32);
            sb.receive(p);
            assertThat(new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII)).isEqualTo("three");
            assertThat(p.getSocketAddress()).isEqualTo(A_4000);
            assertThat(sb.receive(buf)).isNull(); // non-blocking, nothing waiting
            assertThat(sb.getLocalSocketAddress()).isEqualTo(B_5000);
        }
    }

    @Test
    void bindConflicts_areBindExceptions_withLinuxMessages() throws Exception {
        try (UdpSocket s1 = UdpSocket.open(b, B_5000); UdpSocket s2 = UdpSocket.open(b)) {
            assertThatThrownBy(() -> s2.bind(B_5000)).isInstanceOf(BindException.class)
                    .hasMessage("Address already in use");
            assertThatThrownBy(() -> s2.bind(new InetSocketAddress("198.18.0.9", 5000)))
                    .isInstanceOf(BindException.class).hasMessage("Cannot assign requested address");
            assertThat(s2.isBound()).isFalse();
            s2.bind(null);
            assertThat(s2.getLocalPort()).isBetween(32768, 60999);
            assertThatThrownBy(() -> s2.bind(null)).isInstanceOf(SocketException.class).hasMessage("Invalid argument");
        }
        assertThatThrownBy(() -> UdpSocket.open(b, new InetSocketAddress("198.18.7.7", 1)))
                .isInstanceOf(BindException.class);
        assertThat(b.sockets().openFds()).isEmpty(); // the failed open closed its descriptor
    }

    @Test
    void connectedSocket_afterPortUnreachable_throwsPortUnreachableException() throws Exception {
        try (UdpSocket s = UdpSocket.open(a, A_4000)) {
            s.connect(new InetSocketAddress("198.18.0.2", 9));
            assertThat(s.isConnected()).isTrue();
            s.send(ascii("anyone?"));
            sim.run();
            assertThatThrownBy(() -> s.send(ascii("again"))).isInstanceOf(PortUnreachableException.class)
                    .hasMessage("Connection refused");
            s.send(ascii("and again")); // reported once
        }
    }

    @Test
    void soTimeout_inVirtualTime_throwsSocketTimeoutExceptionAtTheDeadline() throws Exception {
        try (UdpSocket s = UdpSocket.open(b, B_5000)) {
            s.setSoTimeout(250);
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            long[] at = new long[1];
            long t0 = sim.nowNs();
            Thread app = Thread.ofVirtual().start(() -> {
                try {
                    s.receive(ByteBuffer.allocate(8));
                } catch (Throwable t) {
                    thrown.set(t);
                    at[0] = sim.nowNs();
                }
            });
            Blocking.awaitSleepers(b.sockets(), s.fd(), 1);
            sim.runFor(Duration.ofMillis(250));
            Blocking.join(app);
            assertThat(thrown.get()).isInstanceOf(SocketTimeoutException.class).hasMessage("Receive timed out");
            assertThat(at[0] - t0).isEqualTo(250_000_000L);
        }
    }

    @Test
    void blockingReceive_onVirtualThread_wokenByDatagram() throws Exception {
        try (UdpSocket sa = UdpSocket.open(a, A_4000); UdpSocket sb = UdpSocket.open(b, B_5000)) {
            AtomicReference<InetSocketAddress> from = new AtomicReference<>();
            ByteBuffer buf = ByteBuffer.allocate(8);
            Thread app = Thread.ofVirtual().start(() -> {
                try {
                    from.set(sb.receive(buf));
                } catch (java.io.IOException e) {
                    throw new RuntimeException(e);
                }
            });
            Blocking.awaitSleepers(b.sockets(), sb.fd(), 1);
            sa.send(ascii("wake"), B_5000);
            sim.run();
            Blocking.join(app);
            assertThat(from.get()).isEqualTo(A_4000);
            assertThat(buf.position()).isEqualTo(4);
        }
    }

    @Test
    void tooLong_noBroadcastPermission_ipv6_areSocketExceptionsWithLinuxText() throws Exception {
        try (UdpSocket s = UdpSocket.open(a, A_4000)) {
            assertThatThrownBy(() -> s.send(ByteBuffer.allocate(65508), B_5000)).isInstanceOf(SocketException.class)
                    .hasMessage("Message too long");
            InetSocketAddress bcast = new InetSocketAddress("198.18.0.255", 5000);
            assertThatThrownBy(() -> s.send(ascii("x"), bcast)).hasMessage("Permission denied");
            s.setBroadcast(true);
            assertThat(s.getBroadcast()).isTrue();
            assertThat(s.send(ascii("x"), bcast)).isEqualTo(1);
            InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("::1"), 5000);
            assertThatThrownBy(() -> s.send(ascii("x"), v6)).hasMessage("Address family not supported by protocol");
            assertThatThrownBy(() -> s.send(ascii("x"), new InetSocketAddress("198.19.0.1", 1)))
                    .hasMessage("Network is unreachable");
            assertThatThrownBy(() -> s.send(ascii("x"))).hasMessage("Destination address required");
        }
    }

    @Test
    void closedSocket_throwsSocketIsClosed_andWakesABlockedReceiver() throws Exception {
        UdpSocket s = UdpSocket.open(b, B_5000);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread app = Thread.ofVirtual().start(() -> {
            try {
                s.receive(ByteBuffer.allocate(8));
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        Blocking.awaitSleepers(b.sockets(), s.fd(), 1);
        s.close();
        Blocking.join(app);
        assertThat(thrown.get()).isInstanceOf(SocketException.class).hasMessage("Socket is closed");
        assertThatThrownBy(() -> s.send(ascii("x"), A_4000)).isInstanceOf(SocketException.class)
                .hasMessage("Socket is closed");
        assertThat(s.isClosed()).isTrue();
        assertThat(s.getLocalPort()).isEqualTo(-1);
        s.close(); // idempotent
        assertThat(b.udp().table().size()).isZero();
    }

    @Test
    void interruptedReceiver_closesTheSocket() throws Exception {
        UdpSocket s = UdpSocket.open(b, B_5000);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread app = Thread.ofVirtual().start(() -> {
            try {
                s.receive(ByteBuffer.allocate(8));
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        Blocking.awaitSleepers(b.sockets(), s.fd(), 1);
        app.interrupt();
        Blocking.join(app);
        assertThat(thrown.get()).isInstanceOf(SocketException.class).hasMessage("Closed by interrupt");
        assertThat(s.isClosed()).isTrue();
    }

    @Test
    void options_asLinuxReportsThem() throws Exception {
        try (UdpSocket s = UdpSocket.open(a)) {
            s.setReceiveBufferSize(4096);
            assertThat(s.getReceiveBufferSize()).isEqualTo(8192);
            s.setTrafficClass(0x28);
            assertThat(s.getTrafficClass()).isEqualTo(0x28);
            assertThat(s.getTimeToLive()).isEqualTo(64);
            s.setTimeToLive(3);
            assertThat(s.getTimeToLive()).isEqualTo(3);
            assertThatThrownBy(() -> s.setTimeToLive(0)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.setSoTimeout(-1)).isInstanceOf(IllegalArgumentException.class);
            s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            assertThat(s.getOption(StandardSocketOptions.SO_REUSEADDR)).isTrue();
            assertThat(s.getReuseAddress()).isTrue();
            s.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 7);
            assertThat(s.getOption(StandardSocketOptions.IP_MULTICAST_TTL)).isEqualTo(7);
            assertThatThrownBy(() -> s.getOption(StandardSocketOptions.TCP_NODELAY))
                    .isInstanceOf(UnsupportedOperationException.class);
            assertThat(s.isBlocking()).isTrue();
            s.configureBlocking(false);
            assertThat(a.sockets().fcntl(s.fd(), Uapi.F_GETFL, 0) & Uapi.O_NONBLOCK).isEqualTo(Uapi.O_NONBLOCK);
        }
    }

    @Test
    void available_isTheNextDatagramsLength() throws Exception {
        try (UdpSocket sa = UdpSocket.open(a, A_4000); UdpSocket sb = UdpSocket.open(b, B_5000)) {
            assertThat(sb.available()).isZero();
            sa.send(ascii("12345"), B_5000);
            sim.run();
            assertThat(sb.available()).isEqualTo(5);
        }
    }
}
