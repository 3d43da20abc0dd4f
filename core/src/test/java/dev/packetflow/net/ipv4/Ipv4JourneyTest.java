package dev.packetflow.net.ipv4;

import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.NetStack;
import dev.packetflow.trace.Trace;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The stages a ping crosses, in the order of the seed's diagrams. */
class Ipv4JourneyTest {
    private static final Set<String> STAGES = Set.of(
            "ping_v4_sendmsg", "ip_push_pending_frames", "ip_send_skb", "ip_local_out", "__ip_local_out",
            "NF_INET_LOCAL_OUT", "dst_output", "ip_output", "NF_INET_POST_ROUTING", "ip_finish_output",
            "ip_finish_output2", "neigh_output", "dev_queue_xmit", "ip_rcv", "NF_INET_PRE_ROUTING",
            "ip_rcv_finish", "ip_route_input", "ip_local_deliver", "NF_INET_LOCAL_IN", "ip_local_deliver_finish",
            "icmp_rcv", "icmp_echo", "icmp_reply", "ip_forward", "NF_INET_FORWARD", "ip_forward_finish",
            "ping_rcv");

    private static List<String> record(TestNet n, NetStack only, Runnable r) throws Exception {
        List<String> seen = new ArrayList<>();
        try (AutoCloseable h = Trace.attachAll((tp, net, dev, skb, arg) -> {
            if (net == only && STAGES.contains(tp.name())) {
                seen.add(tp.name());
            }
        })) {
            r.run();
            n.sim.run();
        }
        return seen;
    }

    @Test
    void journey_echoRequestSentByA_followsTxDiagram() throws Exception {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 1)) {
            List<String> a = record(n, n.a, () -> ping.send(TestNet.B, 1, 8));
            assertThat(a.subList(0, 14)).containsExactly("ping_v4_sendmsg", "ip_push_pending_frames", "ip_send_skb",
                    "ip_local_out", "__ip_local_out", "NF_INET_LOCAL_OUT", "dst_output", "ip_output",
                    "NF_INET_POST_ROUTING", "ip_finish_output", "ip_finish_output2", "neigh_output", "dev_queue_xmit",
                    "ip_rcv");
            // ... and the reply's way in ends at the ping endpoint.
            assertThat(a.subList(13, a.size())).containsExactly("ip_rcv", "NF_INET_PRE_ROUTING", "ip_rcv_finish",
                    "ip_route_input", "ip_local_deliver", "NF_INET_LOCAL_IN", "ip_local_deliver_finish", "icmp_rcv",
                    "ping_rcv");
        }
    }

    @Test
    void journey_router_followsForwardingDiagram() throws Exception {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 1)) {
            List<String> r = record(n, n.r, () -> ping.send(TestNet.B, 1, 8));
            List<String> fwd = List.of("ip_rcv", "NF_INET_PRE_ROUTING", "ip_rcv_finish", "ip_route_input",
                    "ip_forward", "NF_INET_FORWARD", "ip_forward_finish", "dst_output", "ip_output",
                    "NF_INET_POST_ROUTING", "ip_finish_output", "ip_finish_output2", "neigh_output", "dev_queue_xmit");
            List<String> both = new ArrayList<>(fwd);
            both.addAll(fwd); // the request, then the reply
            assertThat(r).isEqualTo(both);
        }
    }

    @Test
    void journey_echoAtB_localDeliveryThenReply() throws Exception {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 1)) {
            List<String> b = record(n, n.b, () -> ping.send(TestNet.B, 1, 8));
            assertThat(b).containsExactly("ip_rcv", "NF_INET_PRE_ROUTING", "ip_rcv_finish", "ip_route_input",
                    "ip_local_deliver", "NF_INET_LOCAL_IN", "ip_local_deliver_finish", "icmp_rcv", "icmp_echo",
                    "icmp_reply", "ip_send_skb", "ip_local_out", "__ip_local_out", "NF_INET_LOCAL_OUT", "dst_output",
                    "ip_output", "NF_INET_POST_ROUTING", "ip_finish_output", "ip_finish_output2", "neigh_output",
                    "dev_queue_xmit");
        }
    }
}
