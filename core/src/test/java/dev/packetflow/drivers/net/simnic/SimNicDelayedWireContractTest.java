package dev.packetflow.drivers.net.simnic;

import dev.packetflow.drivers.net.NetDeviceContractTest;
import dev.packetflow.drivers.net.wire.WireConditions;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.NetDevice;

/** The contract again over a slow, lossless wire: frames wait in the wire and in a paced TX ring. */
class SimNicDelayedWireContractTest extends NetDeviceContractTest {
    @Override
    protected NetDevice create(NetStack a, NetStack b) {
        WireConditions c = WireConditions.builder().delayNs(500_000).rateBitsPerSec(100_000_000L).build();
        return SimNic.pair(a, "eth0", b, "eth0", c).a();
    }

    @Override
    protected NetDevice receiverOf(NetDevice dut) {
        return ((SimNic) dut).peer();
    }
}
