package dev.packetflow.net.ipv4;

import static dev.packetflow.net.ipv4.UdpNet.A;
import static dev.packetflow.net.ipv4.UdpNet.B;
import static dev.packetflow.net.ipv4.UdpNet.bound;
import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.socket.SockAddrIn;
import dev.packetflow.trace.Journey;
import dev.packetflow.trace.JourneyRecorder;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A datagram's journey from an application on A to an application on B, against the seed's TX
 * diagram ({@code sendto} → ... → {@code ndo_start_xmit}) and RX diagram (... → {@code udp_rcv} →
 * socket lookup → {@code sock_queue_rcv_skb} → {@code sk_data_ready} → {@code recvfrom}).
 */
class UdpJourneyTest {
    /** The seed's TX path for UDP as this stack runs it over veth (noqueue: no qdisc stages). */
    static final List<String> TX = List.of("sendto", "sock_sendmsg", "udp_sendmsg", "ip_send_skb", "ip_local_out",
            "__ip_local_out", "NF_INET_LOCAL_OUT", "dst_output", "ip_output", "NF_INET_POST_ROUTING",
            "ip_finish_output", "ip_finish_output2", "neigh_output", "dev_queue_xmit", "__dev_queue_xmit",
            "dev_hard_start_xmit", "netdev_start_xmit", "ndo_start_xmit", "net_dev_xmit");
    /** The seed's RX path for UDP, from the veth's NAPI poll to the application's call. */
    static final List<String> RX = List.of("napi_poll", "netif_receive_skb", "__netif_receive_skb_core", "ip_rcv",
            "NF_INET_PRE_ROUTING", "ip_rcv_finish", "ip_route_input", "ip_local_deliver", "NF_INET_LOCAL_IN",
            "ip_local_deliver_finish", "udp_rcv", "__udp4_lib_lookup", "sock_queue_rcv_skb", "sk_data_ready",
            "recvfrom");
    /** The stages the seed itself names, in its order: every journey must contain them in this order. */
    static final List<String> SEED = List.of("sock_sendmsg", "udp_sendmsg", "ip_send_skb", "ip_local_out",
            "__ip_local_out", "NF_INET_LOCAL_OUT", "dst_output", "ip_output", "ip_finish_output",
            "ip_finish_output2", "dev_queue_xmit", "__dev_queue_xmit", "dev_hard_start_xmit", "netdev_start_xmit",
            "ndo_start_xmit", "netif_receive_skb", "__netif_receive_skb_core", "ip_rcv", "NF_INET_PRE_ROUTING",
            "ip_rcv_finish", "ip_route_input", "ip_local_deliver", "ip_local_deliver_finish", "udp_rcv",
            "sock_queue_rcv_skb", "sk_data_ready", "recvfrom");

    final UdpNet n = new UdpNet();

    @AfterEach
    void close() {
        n.close();
    }

    @Test
    void sendtoAndRecvfrom_followTheSeedsStages_inOrder() {
        int rx = bound(n.sb, B, 5000);
        int tx = bound(n.sa, A, 4000);
        SockAddrIn to = new SockAddrIn(B, 5000);
        n.sa.sendto(tx, new byte[8], 0, 8, 0, to); // resolves the neighbour first
        n.sim.runFor(java.time.Duration.ofMillis(1)); // (its entry stays REACHABLE: no neigh_resolve_output)
        n.sb.recvfrom(rx, new byte[8], 0, 8, MSG_DONTWAIT, null);
        try (JourneyRecorder rec = JourneyRecorder.start()) {
            Journey j = rec.follow(() -> n.sa.sendto(tx, new byte[8], 0, 8, 0, to));
            n.sim.run();
            assertThat(n.sb.recvfrom(rx, new byte[8], 0, 8, MSG_DONTWAIT, null)).isEqualTo(8);
            assertThat(j.stacks()).containsExactly("a", "b");
            assertThat(j.stageNames("a")).isEqualTo(TX);
            assertThat(j.stageNames("b")).isEqualTo(RX);
            assertThat(j.stageNames()).containsSubsequence(SEED);
            assertThat(j.consumed()).isTrue();
            assertThat(j.dropReason()).isNull();
        }
    }

    @Test
    void connectedSockets_earlyDemuxTakesTheSocketAndItsKeptRoute_beforeRouting_asLinux() {
        int rx = bound(n.sb, B, 5000);
        int tx = bound(n.sa, A, 4000);
        assertThat(n.sa.connect(tx, new SockAddrIn(B, 5000))).isZero();
        assertThat(n.sb.connect(rx, new SockAddrIn(A, 4000))).isZero();
        n.sa.sendto(tx, new byte[8], 0, 8, 0, null); // resolves the neighbour; B keeps the input route
        n.sim.runFor(java.time.Duration.ofMillis(1));
        assertThat(n.sb.recvfrom(rx, new byte[8], 0, 8, MSG_DONTWAIT, null)).isEqualTo(8);
        try (JourneyRecorder rec = JourneyRecorder.start()) {
            Journey j = rec.follow(() -> n.sa.sendto(tx, new byte[8], 0, 8, 0, null));
            n.sim.run();
            assertThat(n.sb.recvfrom(rx, new byte[8], 0, 8, MSG_DONTWAIT, null)).isEqualTo(8);
            assertThat(j.stageNames("a")).isEqualTo(TX);
            // ip_rcv_finish: udp_v4_early_demux instead of ip_route_input; udp_rcv: no lookup
            assertThat(j.stageNames("b")).isEqualTo(List.of("napi_poll", "netif_receive_skb",
                    "__netif_receive_skb_core", "ip_rcv", "NF_INET_PRE_ROUTING", "ip_rcv_finish", "udp_v4_early_demux",
                    "ip_local_deliver", "NF_INET_LOCAL_IN", "ip_local_deliver_finish", "udp_rcv", "sock_queue_rcv_skb",
                    "sk_data_ready", "recvfrom"));
            assertThat(j.consumed()).isTrue();
        }
    }

    @Test
    void blockedReader_onVirtualThread_journeyEndsAtItsRecvfrom() throws Exception {
        int rx = bound(n.sb, B, 5000);
        int tx = bound(n.sa, A, 4000);
        byte[] buf = new byte[16];
        SockAddrIn[] from = new SockAddrIn[1];
        int[] got = {Integer.MIN_VALUE};
        Thread app = Thread.ofVirtual().start(() -> got[0] = n.sb.recvfrom(rx, buf, 0, buf.length, 0, from));
        UdpNet.awaitSleepers(n.sb, rx, 1);
        try (JourneyRecorder rec = JourneyRecorder.start()) {
            Journey j = rec.follow(() -> n.sa.sendto(tx, "wake".getBytes(), 0, 4, 0, new SockAddrIn(B, 5000)));
            n.sim.run();
            UdpNet.join(app);
            List<String> b = j.stageNames("b");
            assertThat(b.subList(b.size() - 5, b.size()))
                    .containsExactly("udp_rcv", "__udp4_lib_lookup", "sock_queue_rcv_skb", "sk_data_ready", "recvfrom");
            assertThat(j.consumed()).isTrue();
        }
        assertThat(got[0]).isEqualTo(4);
        assertThat(from[0]).isEqualTo(new SockAddrIn(A, 4000));
    }

    @Test
    void datagramToClosedPort_journeyReturnsAsPortUnreachable_toTheSendersUdpErr() {
        int tx = bound(n.sa, A, 4000);
        n.sa.sendto(tx, new byte[1], 0, 1, 0, new SockAddrIn(B, 9));
        n.sim.run();
        try (JourneyRecorder rec = JourneyRecorder.start()) {
            Journey j = rec.follow(() -> n.sa.sendto(tx, new byte[1], 0, 1, 0, new SockAddrIn(B, 9)));
            n.sim.runFor(java.time.Duration.ofSeconds(2));
            assertThat(j.stacks()).containsExactly("a", "b", "a");
            assertThat(j.stageNames()).containsSubsequence("udp_sendmsg", "udp_rcv", "__udp4_lib_lookup", "icmp_send",
                    "ip_send_skb", "icmp_rcv", "icmp_unreach", "udp_err");
            assertThat(j.stageNames().getLast()).isEqualTo("udp_err");
        }
    }
}
