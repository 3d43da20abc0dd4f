package dev.packetflow.drivers.net.loopback;

import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.drivers.net.FrameKit;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.Dev;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.socket.SockAddrIn;
import dev.packetflow.net.socket.SocketLayer;
import dev.packetflow.net.socket.Uapi;
import dev.packetflow.trace.Trace;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LoopbackTest {
    private Simulation sim;
    private NetStack net;
    private Loopback lo;

    @BeforeEach
    void setUp() {
        sim = new Simulation(3);
        net = NetStack.create(sim, "h");
        lo = Loopback.create(net);
    }

    @AfterEach
    void tearDown() {
        net.close();
    }

    @Test
    void create_registersLoLikeLinux() {
        assertThat(net.device("lo")).isSameAs(lo);
        assertThat(lo.ifindex()).isEqualTo(1);
        assertThat(lo.isUp()).isFalse();
        assertThat(lo.type()).isEqualTo(NetDevice.ARPHRD_LOOPBACK);
        assertThat(lo.mtu()).isEqualTo(65536);
        assertThat(lo.mac()).isZero();
        assertThat(lo.kind()).isEqualTo("loopback");
        assertThat(lo.qdisc().kind()).isEqualTo("noqueue");
        assertThat(lo.flags() & (NetDevice.IFF_LOOPBACK | NetDevice.IFF_NOARP))
                .isEqualTo(NetDevice.IFF_LOOPBACK | NetDevice.IFF_NOARP);
        assertThat(lo.flags() & NetDevice.IFF_BROADCAST).isZero();
    }

    @Test
    void udpTo127001_goesThroughLo_keepsItsRoute_andIsDelivered_notAMartian() {
        net.exec("ip link set lo up");
        net.exec("ip addr add 127.0.0.1/8 dev lo");
        sim.run();
        SocketLayer s = net.sockets();
        int loAddr = InetAddr.parse("127.0.0.1");
        int rx = s.socket(Uapi.AF_INET, Uapi.SOCK_DGRAM, 0);
        assertThat(s.bind(rx, new SockAddrIn(loAddr, 5000))).isZero();
        int tx = s.socket(Uapi.AF_INET, Uapi.SOCK_DGRAM, 0);
        long loTx = lo.stats().txPackets();

        assertThat(s.sendto(tx, "hi".getBytes(), 0, 2, 0, new SockAddrIn(loAddr, 5000))).isEqualTo(2);
        sim.run();

        byte[] buf = new byte[8];
        assertThat(s.recvfrom(rx, buf, 0, buf.length, Uapi.MSG_DONTWAIT, null)).isEqualTo(2);
        assertThat(new String(buf, 0, 2)).isEqualTo("hi");
        assertThat(lo.stats().txPackets() - loTx).as("it went through the lo device").isEqualTo(1);
        assertThat(net.drops().get(DropReason.IP_INVALID_DEST)).isZero();
    }

    @Test
    void frameSent_comesBackIn_throughTheBacklog() {
        FrameKit.Sink sink = FrameKit.sink(net);
        net.devices().open(lo);
        byte[] f = FrameKit.frame(0, 0, 1, 98);
        SkBuff skb = FrameKit.skb(lo, f);
        skb.journey = 17;
        List<String> stages = new ArrayList<>();
        AutoCloseable all = Trace.attachAll((tp, n, dev, s, arg) -> {
            if (s != null && s.journey == 17 && dev == lo) {
                stages.add(tp.name());
            }
        });
        Dev.devQueueXmit(skb);
        assertThat(sink.count()).isZero();
        assertThat(lo.backlogLen()).isEqualTo(1);
        sim.run();
        try {
            all.close();
        } catch (Exception e) {
            throw new AssertionError(e);
        }

        assertThat(sink.frames).extracting(FrameKit.Rx::frame).containsExactly(f);
        assertThat(sink.frames.get(0).dev()).isSameAs(lo);
        assertThat(sink.frames.get(0).pktType()).isEqualTo(SkBuff.PACKET_HOST);
        assertThat(sink.frames.get(0).journey()).isEqualTo(17);
        assertThat(stages).containsSubsequence("dev_queue_xmit", "ndo_start_xmit", "enqueue_to_backlog",
                "napi_poll", "netif_receive_skb", "__netif_receive_skb_core");
        // loopback_get_stats64: one count, reported as both tx and rx, without the Ethernet header
        assertThat(lo.stats().txPackets()).isEqualTo(1);
        assertThat(lo.stats().rxPackets()).isEqualTo(1);
        assertThat(lo.stats().txBytes()).isEqualTo(98 - Eth.ETH_HLEN);
        assertThat(lo.stats().rxBytes()).isEqualTo(98 - Eth.ETH_HLEN);
    }

    @Test
    void bigFrame_upToTheMtu_loopsBack() {
        FrameKit.Sink sink = FrameKit.sink(net);
        net.devices().open(lo);
        byte[] f = FrameKit.frame(0, 0, 2, 65536 + Eth.ETH_HLEN);
        FrameKit.send(lo, f);
        sim.run();
        assertThat(sink.frames.get(0).frame()).isEqualTo(f);
    }

    @Test
    void backlogFull_dropsWithCpuBacklog_andCountsRxDropped() {
        FrameKit.Sink sink = FrameKit.sink(net);
        net.devices().open(lo);
        for (int i = 0; i < 1005; i++) {
            FrameKit.send(lo, FrameKit.frame(0, 0, i, 60));
        }
        assertThat(lo.backlogLen()).isEqualTo(Loopback.NETDEV_MAX_BACKLOG);
        assertThat(lo.backlogDrops()).isEqualTo(5);
        assertThat(lo.stats().rxDropped()).isEqualTo(5);
        assertThat(net.drops().get(DropReason.CPU_BACKLOG)).isEqualTo(5);
        sim.run();
        assertThat(sink.count()).isEqualTo(1000);
        assertThat(lo.stats().txPackets()).isEqualTo(1000); // refused frames are not counted
    }

    @Test
    void backlogPoll_respectsTheNapiWeight() {
        FrameKit.sink(net);
        net.devices().open(lo);
        for (int i = 0; i < 150; i++) {
            FrameKit.send(lo, FrameKit.frame(0, 0, i, 60));
        }
        List<Long> work = new ArrayList<>();
        AutoCloseable p = Trace.attach("napi_poll", (tp, n, dev, s, arg) -> {
            if (s == null && dev == lo) {
                work.add(arg);
            }
        });
        sim.run();
        try {
            p.close();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertThat(work).containsExactly(64L, 64L, 22L);
    }

    @Test
    void runtFrame_isDroppedWithAReason() {
        net.devices().open(lo);
        SkBuff skb = FrameKit.skb(lo, new byte[10]);
        Dev.devQueueXmit(skb);
        sim.run();
        assertThat(lo.stats().txDropped()).isEqualTo(1);
        assertThat(net.drops().get(DropReason.DEV_HDR)).isEqualTo(1);
    }
}
