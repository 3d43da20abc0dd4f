package dev.packetflow.drivers.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.LeakDetector;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.sched.Qdisc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every driver must do, run once per driver (one subclass each), in the manner of JCTools'
 * queue sanity suites: open and stop, refuse to transmit while down (dropping with a reason and
 * counting {@code tx_dropped}), count traffic, honour its MTU limits, and hold no buffer once its
 * stack is closed.
 */
public abstract class NetDeviceContractTest {
    protected Simulation sim;
    protected NetStack netA;
    protected NetStack netB;

    /** Creates the device under test, registered (down) in {@code a}; a peer, if any, goes in {@code b}. */
    protected abstract NetDevice create(NetStack a, NetStack b);

    /** The device that receives what {@code dut} transmits (itself for loopback). */
    protected abstract NetDevice receiverOf(NetDevice dut);

    /** Bytes {@code tx_bytes} grows by for one frame of {@code frameLen} bytes. */
    protected int countedBytes(int frameLen) {
        return frameLen;
    }

    protected void bringUp(NetDevice dut) {
        dut.net().devices().open(dut);
        NetDevice r = receiverOf(dut);
        r.net().devices().open(r);
    }

    @BeforeEach
    void createStacks() {
        sim = new Simulation(42);
        netA = NetStack.create(sim, "a");
        netB = NetStack.create(sim, "b");
    }

    @AfterEach
    void closeStacks() {
        netA.close();
        netB.close();
    }

    @Test
    void open_andStop_followTheUpFlag() {
        NetDevice dut = create(netA, netB);
        assertThat(dut.isUp()).isFalse();
        assertThat(dut.flags() & NetDevice.IFF_UP).isZero();

        bringUp(dut);
        assertThat(dut.isUp()).isTrue();
        assertThat(dut.isRunning()).isTrue();
        assertThat(dut.flags() & (NetDevice.IFF_UP | NetDevice.IFF_RUNNING | NetDevice.IFF_LOWER_UP))
                .isEqualTo(NetDevice.IFF_UP | NetDevice.IFF_RUNNING | NetDevice.IFF_LOWER_UP);

        netA.devices().close(dut);
        assertThat(dut.isUp()).isFalse();
        assertThat(dut.isRunning()).isFalse();
        assertThat(dut.flags() & (NetDevice.IFF_UP | NetDevice.IFF_RUNNING)).isZero();

        bringUp(dut);
        assertThat(dut.isRunning()).isTrue();
    }

    @Test
    void xmit_whileDown_dropsWithReasonAndCountsTxDropped() {
        NetDevice dut = create(netA, netB);
        NetDevice rcv = receiverOf(dut);
        FrameKit.Sink sink = FrameKit.sink(rcv.net());

        int rc = FrameKit.send(dut, FrameKit.frame(dut, rcv, 1, 100));
        sim.run();

        assertThat(rc).isEqualTo(Qdisc.NET_XMIT_DROP);
        assertThat(dut.stats().txDropped()).isEqualTo(1);
        assertThat(dut.stats().txPackets()).isZero();
        assertThat(netA.drops().get(DropReason.DEV_READY)).isEqualTo(1);
        assertThat(sink.count()).isZero();
    }

    @Test
    void xmit_whileUp_countsTxOnSenderAndRxOnReceiver() {
        NetDevice dut = create(netA, netB);
        NetDevice rcv = receiverOf(dut);
        FrameKit.Sink sink = FrameKit.sink(rcv.net());
        bringUp(dut);

        for (int i = 0; i < 5; i++) {
            assertThat(FrameKit.send(dut, FrameKit.frame(dut, rcv, i, 100))).isEqualTo(Qdisc.NET_XMIT_SUCCESS);
        }
        sim.run();

        assertThat(sink.seqs()).containsExactly(0, 1, 2, 3, 4);
        assertThat(sink.frames.get(3).frame()).isEqualTo(FrameKit.frame(dut, rcv, 3, 100));
        assertThat(dut.stats().txPackets()).isEqualTo(5);
        assertThat(dut.stats().txBytes()).isEqualTo(5L * countedBytes(100));
        assertThat(rcv.stats().rxPackets()).isEqualTo(5);
        assertThat(rcv.stats().rxBytes()).isEqualTo(5L * countedBytes(100));
        assertThat(dut.stats().txDropped()).isZero();
        assertThat(rcv.stats().rxDropped()).isZero();
    }

    @Test
    void setMtu_withinLimitsApplies_outsideIsRejectedAndChangesNothing() {
        NetDevice dut = create(netA, netB);
        bringUp(dut);
        int before = dut.mtu();

        netA.devices().setMtu(dut, 1280);
        assertThat(dut.mtu()).isEqualTo(1280);
        assertThatThrownBy(() -> netA.devices().setMtu(dut, dut.minMtu() - 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("out of range");
        assertThat(dut.mtu()).isEqualTo(1280);
        if (dut.maxMtu() < Integer.MAX_VALUE) {
            assertThatThrownBy(() -> netA.devices().setMtu(dut, dut.maxMtu() + 1))
                    .isInstanceOf(IllegalArgumentException.class);
            netA.devices().setMtu(dut, dut.maxMtu());
            assertThat(dut.mtu()).isEqualTo(dut.maxMtu());
        }
        netA.devices().setMtu(dut, before);
        assertThat(dut.mtu()).isEqualTo(before);

        // still works after the MTU changes
        FrameKit.Sink sink = FrameKit.sink(receiverOf(dut).net());
        FrameKit.send(dut, FrameKit.frame(dut, receiverOf(dut), 7, 200));
        sim.run();
        assertThat(sink.seqs()).containsExactly(7);
    }

    @Test
    void stackClose_withFramesInFlight_leavesNothingAllocated() {
        NetDevice dut = create(netA, netB);
        NetDevice rcv = receiverOf(dut);
        FrameKit.sink(rcv.net());
        bringUp(dut);
        for (int i = 0; i < 50; i++) {
            FrameKit.send(dut, FrameKit.frame(dut, rcv, i, 300));
        }
        // No sim.run(): frames sit in queues, rings and wires.
        netA.close();
        netB.close();

        assertThat(netA.pool().live()).isZero();
        assertThat(netB.pool().live()).isZero();
        assertThat(netA.pool().livePages()).isZero();
        assertThat(netB.pool().livePages()).isZero();
        if (LeakDetector.ENABLED) {
            assertThat(LeakDetector.live()).isZero();
        }
        sim.run(); // nothing left to fire
        assertThat(netA.pool().live()).isZero();
    }
}
