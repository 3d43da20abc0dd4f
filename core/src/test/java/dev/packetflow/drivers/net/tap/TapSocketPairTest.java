package dev.packetflow.drivers.net.tap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.packetflow.kernel.RealTimeKernel;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.LinkStats64;
import dev.packetflow.net.socket.TcpServerSocket;
import dev.packetflow.net.socket.TcpSocket;
import dev.packetflow.net.socket.UdpSocket;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two TAP drivers back to back over a socket pair ({@link TapBuilder#socketPair}), each in its own
 * stack, in real time (the driver needs its interrupt thread and real file descriptors; no root,
 * no kernel interface): datagrams both ways, and a TCP transfer whose 64 KB super-packets cross
 * with their virtio-net headers and arrive intact. Every wait is bounded by a socket timeout.
 */
class TapSocketPairTest {
    static final InetSocketAddress A = new InetSocketAddress("198.18.0.1", 7000);
    static final InetSocketAddress B = new InetSocketAddress("198.18.0.2", 7000);

    final RealTimeKernel kernel = new RealTimeKernel(1, RealTimeKernel.IdleStrategy.BACKOFF);
    final NetStack a = NetStack.create(kernel, "a");
    final NetStack b = NetStack.create(kernel, "b");
    TapDevice[] devs;

    void up() {
        devs = TapBuilder.socketPair(TapDevice.builder(a).name("pair0").vnetHdr(true),
                TapDevice.builder(b).name("pair0").vnetHdr(true));
        a.exec("ip addr add 198.18.0.1/24 dev pair0");
        a.exec("ip link set pair0 up");
        b.exec("ip addr add 198.18.0.2/24 dev pair0");
        b.exec("ip link set pair0 up");
    }

    @AfterEach
    void close() {
        a.close();
        b.close();
        kernel.close();
    }

    @Test
    void datagramsCrossBothWays_andTheDriverCountsThem() throws Exception {
        up();
        try (UdpSocket sa = UdpSocket.open(a, A); UdpSocket sb = UdpSocket.open(b, B)) {
            sa.setSoTimeout(10_000);
            sb.setSoTimeout(10_000);
            byte[] buf = new byte[100];
            for (int i = 0; i < 50; i++) {
                sa.send(("ping " + i).getBytes(), B);
                int n = sb.receive(buf).length();
                assertThat(new String(buf, 0, n)).isEqualTo("ping " + i);
                sb.send(("pong " + i).getBytes(), A);
                n = sa.receive(buf).length();
                assertThat(new String(buf, 0, n)).isEqualTo("pong " + i);
            }
        }
        // ARP both ways, then 50 datagrams each way
        assertThat(devs[0].stats().get(LinkStats64.TX_PACKETS)).isGreaterThanOrEqualTo(51);
        assertThat(devs[1].stats().get(LinkStats64.RX_PACKETS)).isGreaterThanOrEqualTo(51);
        assertThat(devs[0].stats().get(LinkStats64.RX_ERRORS)).isZero();
        assertThat(devs[1].stats().get(LinkStats64.RX_ERRORS)).isZero();
    }

    @Test
    void tcpSuperPacketsCrossWhole_andTheBytesArriveIntact() throws Exception {
        up();
        byte[] data = new byte[4 << 20];
        new Random(42).nextBytes(data);
        try (TcpServerSocket server = TcpServerSocket.open(b, B)) {
            server.setSoTimeout(10_000);
            try (TcpSocket c = TcpSocket.connect(a, B, 10_000); TcpSocket s = server.accept()) {
                s.setSoTimeout(10_000);
                Thread writer = Thread.ofPlatform().start(() -> {
                    try (OutputStream out = c.getOutputStream()) {
                        out.write(data);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                InputStream in = s.getInputStream();
                byte[] buf = new byte[65536];
                long total = 0;
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                    total += n;
                }
                writer.join(10_000);
                assertThat(total).isEqualTo(data.length);
                assertThat(md.digest()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
            }
        }
        // The sender's TSO super-packets went out whole: far fewer frames than 1448-byte segments.
        long frames = devs[0].stats().get(LinkStats64.TX_PACKETS);
        assertThat(frames).isPositive().isLessThan(data.length / 1448);
    }

    @Test
    void namesMustBeFixed() {
        assertThatThrownBy(() -> TapBuilder.socketPair(TapDevice.builder(a).name("tap%d"),
                        TapDevice.builder(b).name("x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fixed name");
        assertThat(a.devices().all()).noneMatch(d -> d.name().startsWith("tap"));
    }
}
