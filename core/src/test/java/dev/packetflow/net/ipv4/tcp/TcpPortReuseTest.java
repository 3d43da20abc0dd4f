package dev.packetflow.net.ipv4.tcp;

import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.SockAddrIn;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * connect()'s ephemeral port choice (Linux {@code __inet_hash_connect}): a port is shared by
 * connections to different destinations as long as the 4-tuples differ, so one address can hold
 * more connections than its ephemeral range has ports; a port taken with bind() is not shared.
 */
class TcpPortReuseTest {
    @Test
    void connect_reusesItsPortTowardsAnotherDestination_butNeverTheSameFourTuple() {
        try (TcpNet n = new TcpNet(7)) {
            n.a.localPorts().setRange(40000, 40001); // two ports
            int[] l = {n.listenB(5001, 16), n.listenB(5002, 16), n.listenB(5003, 16)};
            int[][] fds = new int[3][2];
            for (int d = 0; d < 3; d++) {
                for (int k = 0; k < 2; k++) {
                    fds[d][k] = n.connectA(5001 + d);
                }
            }
            n.sim.runFor(Duration.ofMillis(10));
            java.util.Set<String> tuples = new java.util.HashSet<>();
            for (int d = 0; d < 3; d++) {
                for (int k = 0; k < 2; k++) {
                    TcpSock sk = n.tcpA(fds[d][k]);
                    assertThat(sk.state).isEqualTo(dev.packetflow.net.socket.Sock.TCP_ESTABLISHED);
                    assertThat(sk.sport).isBetween(40000, 40001);
                    tuples.add(sk.sport + ">" + sk.dport);
                }
                assertThat(n.sb.accept4(l[d], null, SOCK_NONBLOCK)).isGreaterThanOrEqualTo(0);
                assertThat(n.sb.accept4(l[d], null, SOCK_NONBLOCK)).isGreaterThanOrEqualTo(0);
            }
            assertThat(tuples).hasSize(6); // six connections over two ports, all 4-tuples distinct
            // Both ports are in use towards 5001: a third connection there has no port left.
            int fd = TcpNet.tcpSocket(n.sa);
            assertThat(n.sa.connect(fd, new SockAddrIn(TcpNet.B, 5001))).isEqualTo(Errno.EADDRNOTAVAIL.neg());
        }
    }

    @Test
    void connect_doesNotShareAPortTakenWithBind() {
        try (TcpNet n = new TcpNet(8)) {
            n.a.localPorts().setRange(40000, 40001);
            n.listenB(5001, 16);
            n.listenB(5002, 16);
            int bound = TcpNet.tcpSocket(n.sa);
            assertThat(n.sa.bind(bound, new SockAddrIn(TcpNet.A, 40000))).isZero();
            int first = n.connectA(5001);
            assertThat(n.tcpA(first).sport).isEqualTo(40001);
            int second = n.connectA(5002); // shares 40001 (connect-chosen), never 40000 (bound)
            assertThat(n.tcpA(second).sport).isEqualTo(40001);
            int fd = TcpNet.tcpSocket(n.sa);
            assertThat(n.sa.connect(fd, new SockAddrIn(TcpNet.B, 5001))).isEqualTo(Errno.EADDRNOTAVAIL.neg());
        }
    }
}
