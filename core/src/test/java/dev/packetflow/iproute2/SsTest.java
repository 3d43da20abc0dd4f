package dev.packetflow.iproute2;

import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.socket.SockAddrIn;
import dev.packetflow.net.socket.SocketLayer;
import dev.packetflow.testing.VethHosts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SsTest {
    final VethHosts h = new VethHosts(1);
    final Simulation sim = h.sim;
    final NetStack a = h.a;
    final NetStack b = h.b;

    @AfterEach
    void close() {
        h.close();
    }

    @Test
    void udpSockets_listedWithStateQueuesAddresses_asSsUanp() {
        SocketLayer sb = b.sockets();
        int wild = sb.socket(AF_INET, SOCK_DGRAM, 0);
        sb.bind(wild, new SockAddrIn(0, 53));
        int conn = sb.socket(AF_INET, SOCK_DGRAM, 0);
        sb.bind(conn, SockAddrIn.of("198.18.0.2", 40000));
        sb.connect(conn, SockAddrIn.of("198.18.0.1", 7000));
        sb.socket(AF_INET, SOCK_DGRAM, 0); // unbound: in no table, not listed
        SocketLayer sa = a.sockets();
        int tx = sa.socket(AF_INET, SOCK_DGRAM, 0);
        sa.sendto(tx, new byte[10], 0, 10, 0, SockAddrIn.of("198.18.0.2", 53));
        sim.run();
        assertThat(Ss.udp(b)).isEqualTo("""
                State  Recv-Q Send-Q Local Address:Port  Peer Address:Port Process
                UNCONN 2304   0            0.0.0.0:53         0.0.0.0:*    fd=3
                ESTAB  0      0         198.18.0.2:40000   198.18.0.1:7000 fd=4
                """);
        // without -a only connected UDP sockets; -l only the unconnected ones
        assertThat(Ss.exec(b, "-un")).isEqualTo("""
                State Recv-Q Send-Q Local Address:Port  Peer Address:Port
                ESTAB 0      0         198.18.0.2:40000   198.18.0.1:7000
                """);
        assertThat(Ss.exec(b, "-u -l -H")).isEqualTo("UNCONN 2304   0            0.0.0.0:53        0.0.0.0:*\n");
        assertThat(Ss.exec(b, "-uam")).contains("skmem:(r2304,rb212992,t0,tb212992,d0)");
        assertThat(Ss.sockets(b)).hasSize(2);
        assertThatThrownBy(() -> Ss.exec(b, "-ux")).hasMessage("ss: invalid option -- 'x'");
    }
}
