package dev.packetflow.net.ipv4.tcp;

import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.trace.Journey;
import dev.packetflow.trace.JourneyRecorder;
import dev.packetflow.trace.Trace;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The stages a TCP segment crosses, named and ordered like the seed's diagrams. */
class TcpJourneyTest {
    final TcpNet n = new TcpNet(51);

    @AfterEach
    void close() {
        n.close();
    }

    @Test
    void dataSegment_followsTxAndRxDiagrams() {
        int[] c = n.establish(80);
        // one exchange first: steady state, fast path armed on both sides
        n.sa.send(c[0], ByteBuffer.wrap(new byte[10]), 0);
        n.runMs(5);
        n.sb.recv(c[1], ByteBuffer.allocate(100), 0);
        try (JourneyRecorder rec = JourneyRecorder.start()) {
            Journey j = rec.follow(() -> n.sa.send(c[0], ByteBuffer.wrap(new byte[100]), 0));
            n.runMs(5);
            n.sb.recv(c[1], ByteBuffer.allocate(200), 0);
            List<String> a = j.stageNames("a");
            assertThat(a).startsWith("sendto", "sock_sendmsg", "tcp_sendmsg", "ip_queue_xmit", "ip_local_out");
            assertThat(a).contains("ip_output", "neigh_output", "dev_queue_xmit");
            List<String> b = j.stageNames("b");
            assertThat(b).containsSubsequence("netif_receive_skb", "ip_rcv", "ip_local_deliver", "ip_local_deliver_finish",
                    "tcp_v4_rcv", "tcp_v4_do_rcv", "tcp_rcv_established", "tcp_data_queue", "sk_data_ready", "recvfrom");
            // Established: early demux finds the connection and its kept input route, so the
            // segment is not routed (Linux's ip_rcv_finish_core with tcp_v4_early_demux)
            assertThat(b).containsSubsequence("ip_rcv_finish", "tcp_v4_early_demux", "ip_local_deliver", "tcp_v4_rcv");
            assertThat(b).doesNotContain("ip_route_input");
            assertThat(b.getLast()).isEqualTo("recvfrom");
            Journey.Stage est = j.stages().stream().filter(s -> s.name().equals("tcp_rcv_established")).findFirst().orElseThrow();
            assertThat(est.arg()).as("fast path").isEqualTo(1);
        }
    }

    @Test
    void fastAndSlowPath_countedAndMarked() throws Exception {
        int[] c = n.establish(80);
        List<Long> marks = new ArrayList<>();
        try (AutoCloseable p = Trace.attach("tcp_rcv_established", (tp, net, dev, skb, arg) -> {
            if (net == n.b) marks.add(arg);
        })) {
            for (int i = 0; i < 20; i++) {
                n.sa.send(c[0], ByteBuffer.wrap(new byte[1000]), 0);
                n.runMs(1);
                n.sb.recv(c[1], ByteBuffer.allocate(2000), MSG_DONTWAIT);
            }
            long fast = n.b.tcp().extMib().get("TCPFastPath");
            long slow = n.b.tcp().extMib().get("TCPSlowPath");
            assertThat(marks).hasSize((int) (fast + slow));
            assertThat(marks.stream().filter(m -> m == 1).count()).isEqualTo(fast);
            assertThat(fast).isGreaterThanOrEqualTo(18);
            // out of order data takes the slow path
            long slowBefore = slow;
            n.dropAtoB = s -> s.len() > 0 && n.droppedAtoB == 0;
            n.sa.send(c[0], ByteBuffer.wrap(new byte[1000]), 0);
            n.sa.setsockopt(c[0], SOL_TCP, TcpSockOpts.TCP_NODELAY, 1);
            n.sa.send(c[0], ByteBuffer.wrap(new byte[1000]), 0);
            n.runMs(1);
            assertThat(n.b.tcp().extMib().get("TCPSlowPath")).isGreaterThan(slowBefore);
            assertThat(n.b.tcp().extMib().get("TCPOFOQueue")).isEqualTo(1);
        }
    }

    @Test
    void tcpProbe_seesCwndGrowInSlowStart() throws Exception {
        int[] c = n.establish(80);
        List<Long> cwnds = new ArrayList<>();
        try (AutoCloseable p = Trace.attach("tcp_probe", (tp, net, dev, skb, arg) -> {
            if (net == n.a) {
                TcpSock s = n.a.tcp().probeSock();
                assertThat(s.sndCwnd()).isEqualTo((int) arg);
                cwnds.add(arg);
            }
        })) {
            Pump pump = new Pump(n.sa, c[0], n.sb, c[1], 200_000, 1);
            n.sim.runUntil(pump::step, java.time.Duration.ofSeconds(10));
        }
        assertThat(cwnds).isNotEmpty();
        assertThat(cwnds.getFirst()).isGreaterThanOrEqualTo(10);
        assertThat(cwnds.getLast()).isGreaterThan(cwnds.getFirst());
    }
}
