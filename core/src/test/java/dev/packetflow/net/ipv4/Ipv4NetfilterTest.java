package dev.packetflow.net.ipv4;

import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.netfilter.Netfilter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The five hook points on a ping from A through R to B: each is reached, and obeys its verdict. */
class Ipv4NetfilterTest {

    /** Where each hook point sees the echo request: which stack. */
    static Stream<Arguments> points() {
        return Stream.of(
                Arguments.of(Netfilter.NF_INET_LOCAL_OUT, "a"),
                Arguments.of(Netfilter.NF_INET_POST_ROUTING, "a"),
                Arguments.of(Netfilter.NF_INET_PRE_ROUTING, "r"),
                Arguments.of(Netfilter.NF_INET_FORWARD, "r"),
                Arguments.of(Netfilter.NF_INET_LOCAL_IN, "b"));
    }

    private static NetStack pick(TestNet n, String name) {
        return switch (name) {
            case "a" -> n.a;
            case "r" -> n.r;
            default -> n.b;
        };
    }

    @ParameterizedTest(name = "{0} in {1}")
    @MethodSource("points")
    void drop_stopsThePacketAndCounts(int hook, String where) throws Exception {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 1)) {
            NetStack s = pick(n, where);
            s.netfilter().register(new Netfilter.HookOps(hook, 0, (skb, net, h, in, out) -> Netfilter.NF_DROP));
            ping.send(TestNet.B, 1, 8);
            n.sim.run();
            assertThat(ping.replies()).isEmpty();
            assertThat(s.netfilter().dropped[hook]).isEqualTo(1);
            assertThat(s.drops().get(DropReason.NETFILTER_DROP)).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "{0} in {1}")
    @MethodSource("points")
    void stolen_isTakenByTheHook(int hook, String where) throws Exception {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 1)) {
            NetStack s = pick(n, where);
            List<SkBuff> taken = new ArrayList<>();
            s.netfilter().register(new Netfilter.HookOps(hook, 0, (skb, net, h, in, out) -> {
                taken.add(skb);
                return Netfilter.NF_STOLEN;
            }));
            ping.send(TestNet.B, 1, 8);
            n.sim.run();
            assertThat(ping.replies()).isEmpty();
            assertThat(taken).hasSize(1);
            assertThat(s.netfilter().stolen[hook]).isEqualTo(1);
            assertThat(s.drops().total()).isZero();
            Skb.consumeSkb(taken.get(0));
        }
    }

    @ParameterizedTest(name = "{0} in {1}")
    @MethodSource("points")
    void accept_letsThePacketThrough(int hook, String where) throws Exception {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 1)) {
            NetStack s = pick(n, where);
            int[] seen = new int[1];
            s.netfilter().register(new Netfilter.HookOps(hook, 0, (skb, net, h, in, out) -> {
                seen[0]++;
                return Netfilter.NF_ACCEPT;
            }));
            ping.send(TestNet.B, 1, 8);
            n.sim.run();
            assertThat(ping.replies()).hasSize(1);
            assertThat(seen[0]).isPositive();
        }
    }

    @Test
    void hooks_runInPriorityOrder_andSeeTheirDevices() throws Exception {
        try (TestNet n = new TestNet().router(); Ping ping = Ping.open(n.a, 1)) {
            List<String> order = new ArrayList<>();
            Netfilter nf = n.r.netfilter();
            nf.register(new Netfilter.HookOps(Netfilter.NF_INET_FORWARD, Netfilter.NF_IP_PRI_NAT_SRC,
                    (skb, net, h, in, out) -> { order.add("100:" + in + ">" + out); return Netfilter.NF_ACCEPT; }));
            nf.register(new Netfilter.HookOps(Netfilter.NF_INET_FORWARD, Netfilter.NF_IP_PRI_MANGLE,
                    (skb, net, h, in, out) -> { order.add("-150"); return Netfilter.NF_ACCEPT; }));
            nf.register(new Netfilter.HookOps(Netfilter.NF_INET_FORWARD, Netfilter.NF_IP_PRI_FILTER,
                    (skb, net, h, in, out) -> { order.add("0"); return Netfilter.NF_ACCEPT; }));
            ping.send(TestNet.B, 1, 8);
            n.sim.run();
            assertThat(order).containsExactly("-150", "0", "100:eth0>eth1", "-150", "0", "100:eth1>eth0");
            assertThat(ping.replies()).hasSize(1);
        }
    }
}
