package dev.packetflow.net.ipv4.tcp;

import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.SockAddrIn;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The three-way handshake and a first exchange of data, through the BSD socket calls. */
class TcpHandshakeTest {
    final TcpNet n = new TcpNet(1);

    @AfterEach
    void close() {
        n.close();
    }

    static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void connect_toListener_bothSidesEstablished() {
        int lfd = n.listenB(8080, 16);
        int cfd = n.connectA(8080);
        assertThat(n.tcpA(cfd).state).isEqualTo(dev.packetflow.net.socket.Sock.TCP_SYN_SENT);
        n.sim.run();
        assertThat(n.tcpA(cfd).state).isEqualTo(dev.packetflow.net.socket.Sock.TCP_ESTABLISHED);
        SockAddrIn[] peer = new SockAddrIn[1];
        int afd = n.sb.accept4(lfd, peer, SOCK_NONBLOCK);
        assertThat(afd).isGreaterThanOrEqualTo(3);
        assertThat(peer[0].addr()).isEqualTo(TcpNet.A);
        assertThat(n.tcpB(afd).state).isEqualTo(dev.packetflow.net.socket.Sock.TCP_ESTABLISHED);
        assertThat(n.sb.accept4(lfd, null, SOCK_NONBLOCK)).isEqualTo(-Errno.EAGAIN.code);
        assertThat(n.a.tcp().mib().get(TcpMib.ACTIVE_OPENS)).isEqualTo(1);
        assertThat(n.b.tcp().mib().get(TcpMib.PASSIVE_OPENS)).isEqualTo(1);
        assertThat(n.a.tcp().mib().get(TcpMib.CURR_ESTAB)).isEqualTo(1);
    }

    @Test
    void echo_dataBothWays() {
        int[] c = n.establish(9000);
        assertThat(n.sa.send(c[0], text("hello"), 0)).isEqualTo(5);
        n.sim.run();
        ByteBuffer in = ByteBuffer.allocate(100);
        assertThat(n.sb.recv(c[1], in, MSG_DONTWAIT)).isEqualTo(5);
        in.flip();
        assertThat(n.sb.send(c[1], in, 0)).isEqualTo(5);
        n.sim.run();
        ByteBuffer back = ByteBuffer.allocate(100);
        assertThat(n.sa.recv(c[0], back, MSG_DONTWAIT)).isEqualTo(5);
        assertThat(new String(back.array(), 0, 5, StandardCharsets.UTF_8)).isEqualTo("hello");
        assertThat(n.sa.recv(c[0], back, MSG_DONTWAIT)).isEqualTo(-Errno.EAGAIN.code);
    }

    @Test
    void synAndSynAck_carryLinuxOptionLayout() {
        n.establish(80);
        TcpNet.Seg syn = n.segs.get(0);
        TcpNet.Seg synAck = n.segs.get(1);
        TcpNet.Seg ack = n.segs.get(2);
        assertThat(syn.fromA()).isTrue();
        assertThat(syn.flags()).isEqualTo(TcpHeader.SYN);
        // <mss 1460,sackOK,TS val X ecr 0,nop,wscale 7>: 20 bytes of options, in this order
        assertThat(syn.options()).hasSize(20);
        assertThat(syn.optHex()).startsWith("02 04 05 b4 04 02 08 0a").endsWith("00 00 00 00 01 03 03 07");
        assertThat(syn.win()).isEqualTo(64240);
        assertThat(synAck.fromA()).isFalse();
        assertThat(synAck.flags()).isEqualTo(TcpHeader.SYN | TcpHeader.ACK);
        assertThat(synAck.ack()).isEqualTo(syn.seq() + 1);
        assertThat(synAck.options()).hasSize(20);
        assertThat(synAck.optHex()).startsWith("02 04 05 b4 04 02 08 0a").endsWith("01 03 03 07");
        // the SYN-ACK echoes the SYN's TSval
        assertThat(java.util.Arrays.copyOfRange(synAck.options(), 12, 16))
                .isEqualTo(java.util.Arrays.copyOfRange(syn.options(), 8, 12));
        assertThat(synAck.win()).isEqualTo(65160);
        assertThat(ack.flags()).isEqualTo(TcpHeader.ACK);
        assertThat(ack.seq()).isEqualTo(syn.seq() + 1);
        assertThat(ack.ack()).isEqualTo(synAck.seq() + 1);
        // <nop,nop,TS val ecr>
        assertThat(ack.optHex()).startsWith("01 01 08 0a");
        assertThat(ack.win()).isEqualTo(502); // 64240 >> 7, rounded as Linux does
        assertThat(n.segs).hasSize(3);
    }

    @Test
    void data_isAckedAfterDelayedAckTimeout() {
        int[] c = n.establish(80);
        n.segs.clear();
        assertThat(n.sa.send(c[0], text("x".repeat(100)), 0)).isEqualTo(100);
        n.sim.run();
        assertThat(n.segs).as(n.dump()).hasSize(2);
        TcpNet.Seg data = n.segs.get(0);
        TcpNet.Seg ack = n.segs.get(1);
        assertThat(data.len()).isEqualTo(100);
        assertThat(data.flags()).isEqualTo(TcpHeader.ACK | TcpHeader.PSH);
        assertThat(ack.ack()).isEqualTo(data.seq() + 100);
        assertThat(ack.len()).isZero();
        // the first data segment on a connection is acked at once (quick-ack mode after the handshake)
        assertThat(ack.timeNs() - data.timeNs()).isLessThan(1_000_000L);
        n.segs.clear();
        n.sa.send(c[0], text("y".repeat(100)), 0);
        n.sim.run();
        ByteBuffer in = ByteBuffer.allocate(1000);
        assertThat(n.sb.recv(c[1], in, MSG_DONTWAIT)).isEqualTo(200);
    }
}
