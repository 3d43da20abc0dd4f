package dev.packetflow.net.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.drivers.net.channel.ChannelDevice;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.net.netfilter.Netfilter;
import dev.packetflow.trace.Trace;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The device-independent RX and TX paths of net/core/dev.c, through a channel device. */
class DevPathTest {
    static final int ETH_P_TEST = 0x88B5; // IEEE 802 local experimental ethertype
    static final long MAC = Eth.localMac(1);

    final Simulation sim = new Simulation(7);
    final NetStack net = NetStack.create(sim, "t");
    final ChannelDevice dev = net.addDevice(new ChannelDevice("eth0", MAC));
    final List<byte[]> received = new ArrayList<>();

    DevPathTest() {
        net.devices().open(dev);
        net.addPacketHandler(ETH_P_TEST, (skb, d) -> {
            received.add(skb.toByteArray());
            Skb.consumeSkb(skb);
            return PacketType.NET_RX_SUCCESS;
        });
    }

    @AfterEach
    void close() {
        net.close();
    }

    static byte[] frame(long dst, long src, int type, int payloadLen) {
        byte[] f = new byte[14 + payloadLen];
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) (dst >>> (40 - 8 * i));
            f[6 + i] = (byte) (src >>> (40 - 8 * i));
        }
        f[12] = (byte) (type >>> 8);
        f[13] = (byte) type;
        for (int i = 0; i < payloadLen; i++) {
            f[14 + i] = (byte) i;
        }
        return f;
    }

    @Test
    void rx_frameForRegisteredEthertype_reachesHandlerWithoutEthernetHeader() {
        dev.inject(frame(MAC, Eth.localMac(2), ETH_P_TEST, 5));
        sim.run();
        assertThat(received).hasSize(1);
        assertThat(received.getFirst()).containsExactly(0, 1, 2, 3, 4);
        assertThat(dev.stats().rxPackets()).isEqualTo(1);
    }

    @Test
    void rx_unknownEthertype_isCountedAsNoHandlerAndDropped() {
        dev.inject(frame(MAC, Eth.localMac(2), 0x1234, 5));
        sim.run();
        assertThat(received).isEmpty();
        assertThat(dev.stats().get(LinkStats64.RX_NOHANDLER)).isEqualTo(1);
        assertThat(net.drops().get(DropReason.UNHANDLED_PROTO)).isEqualTo(1);
    }

    @Test
    void rx_runtFrame_isDroppedAsTooSmall() {
        dev.inject(new byte[] {1, 2, 3});
        sim.run();
        assertThat(net.drops().get(DropReason.PKT_TOO_SMALL)).isEqualTo(1);
    }

    @Test
    void rx_tapsSeeWholeFrameInBothDirections() throws Exception {
        List<String> seen = new ArrayList<>();
        try (AutoCloseable t = Dev.addTap(dev, (d, skb, out) ->
                seen.add((out ? "tx" : "rx") + ":" + (out ? skb.len() : skb.tail - skb.macHeader)))) {
            dev.inject(frame(MAC, Eth.localMac(2), ETH_P_TEST, 10));
            sim.run();
            SkBuff skb = net.pool().alloc(128);
            skb.reserve(Skb.MAX_HEADER);
            skb.put(20);
            skb.dev = dev;
            Eth.ethHeader(skb, Eth.localMac(2), MAC, ETH_P_TEST);
            Dev.devQueueXmit(skb);
        }
        assertThat(seen).containsExactly("rx:24", "tx:34");
        assertThat(dev.takeTx()).hasSize(34);
    }

    @Test
    void tx_stageOrderFollowsTheSeed() throws Exception {
        List<String> stages = new ArrayList<>();
        try (AutoCloseable p = Trace.attachAll((tp, n, d, skb, arg) -> {
            if (n == net && !tp.name().equals("consume_skb")) {
                stages.add(tp.name());
            }
        })) {
            SkBuff skb = net.pool().alloc(128);
            skb.reserve(Skb.MAX_HEADER);
            skb.put(20);
            skb.dev = dev;
            Eth.ethHeader(skb, Eth.localMac(2), MAC, ETH_P_TEST);
            Dev.devQueueXmit(skb);
        }
        assertThat(stages).containsExactly("dev_queue_xmit", "__dev_queue_xmit", "qdisc_enqueue", "qdisc_dequeue",
                "dev_hard_start_xmit", "netdev_start_xmit", "ndo_start_xmit", "net_dev_xmit");
        Skb.consumeSkb(dev.txQueue().dequeue());
    }

    @Test
    void tx_deviceDown_dropsWithReasonAndCounts() {
        net.devices().close(dev);
        SkBuff skb = net.pool().alloc(128);
        skb.put(60);
        skb.dev = dev;
        Dev.devQueueXmit(skb);
        assertThat(dev.stats().txDropped()).isEqualTo(1);
        assertThat(net.drops().get(DropReason.DEV_READY)).isEqualTo(1);
    }

    @Test
    void tx_busyDriver_requeuesAndWakeResumesInOrder() {
        BusyDevice busy = net.addDevice(new BusyDevice());
        net.devices().open(busy);
        for (int i = 0; i < 5; i++) {
            SkBuff skb = net.pool().alloc(128);
            skb.put(60);
            skb.setU8(skb.data, i);
            skb.dev = busy;
            Dev.devQueueXmit(skb);
        }
        assertThat(busy.sent).containsExactly(0, 1);
        assertThat(busy.qdisc().qlen() + (busy.qdisc().requeued != null ? 1 : 0)).isEqualTo(3);
        busy.room = 10;
        busy.netifWakeQueue();
        assertThat(busy.sent).containsExactly(0, 1, 2, 3, 4);
        assertThat(busy.qdisc().requeues).isEqualTo(1);
    }

    @Test
    void netfilterHooksRunInPriorityOrderAndDropStops() throws Exception {
        List<String> order = new ArrayList<>();
        Netfilter nf = net.netfilter();
        nf.register(new Netfilter.HookOps(Netfilter.NF_INET_LOCAL_OUT, 10, (s, n, h, i, o) -> {
            order.add("b");
            return Netfilter.NF_DROP;
        }));
        nf.register(new Netfilter.HookOps(Netfilter.NF_INET_LOCAL_OUT, -5, (s, n, h, i, o) -> {
            order.add("a");
            return Netfilter.NF_ACCEPT;
        }));
        SkBuff skb = net.pool().alloc(64);
        skb.dev = dev;
        int rc = Netfilter.nfHook(Netfilter.NF_INET_LOCAL_OUT, net, skb, null, dev, (n, s) -> {
            order.add("okfn");
            return 0;
        });
        assertThat(rc).isEqualTo(-1);
        assertThat(order).containsExactly("a", "b");
        assertThat(net.drops().get(DropReason.NETFILTER_DROP)).isEqualTo(1);
        assertThat(nf.dropped[Netfilter.NF_INET_LOCAL_OUT]).isEqualTo(1);
    }

    @Test
    void xdpGeneric_verdictsAreHonoured() {
        int[] verdict = {Xdp.XDP_DROP};
        Xdp.attach(dev, x -> verdict[0]);
        dev.inject(frame(MAC, Eth.localMac(2), ETH_P_TEST, 4));
        sim.run();
        assertThat(received).isEmpty();
        assertThat(net.xdpStats().drop).isEqualTo(1);
        assertThat(net.drops().get(DropReason.XDP)).isEqualTo(1);

        verdict[0] = Xdp.XDP_PASS;
        dev.inject(frame(MAC, Eth.localMac(2), ETH_P_TEST, 4));
        sim.run();
        assertThat(received).hasSize(1);

        verdict[0] = Xdp.XDP_TX;
        dev.inject(frame(MAC, Eth.localMac(2), ETH_P_TEST, 4));
        sim.run();
        assertThat(dev.takeTx()).hasSize(18);

        Xdp.attach(dev, x -> {
            throw new IllegalStateException("buggy program");
        });
        dev.inject(frame(MAC, Eth.localMac(2), ETH_P_TEST, 4));
        sim.run();
        assertThat(net.xdpStats().aborted).isEqualTo(1);
    }

    /** A driver whose ring has room for {@code room} frames. */
    static final class BusyDevice extends NetDevice {
        int room = 2;
        final List<Integer> sent = new ArrayList<>();

        BusyDevice() {
            super("busy0");
        }

        @Override
        protected void ndoOpen() {}

        @Override
        protected void ndoStop() {}

        @Override
        protected int ndoStartXmit(SkBuff skb) {
            if (room == 0) {
                netifStopQueue();
                return NETDEV_TX_BUSY;
            }
            room--;
            sent.add(skb.u8(skb.data));
            Skb.consumeSkb(skb);
            return NETDEV_TX_OK;
        }

        @Override
        public String kind() {
            return "busy";
        }
    }
}
