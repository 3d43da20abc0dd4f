package dev.packetflow.drivers.net.simnic;

import dev.packetflow.drivers.net.NetDeviceContractTest;
import dev.packetflow.drivers.net.wire.WireConditions;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.NetDevice;

class SimNicContractTest extends NetDeviceContractTest {
    @Override
    protected NetDevice create(NetStack a, NetStack b) {
        return SimNic.pair(a, "eth0", b, "eth0", WireConditions.PERFECT).a();
    }

    @Override
    protected NetDevice receiverOf(NetDevice dut) {
        return ((SimNic) dut).peer();
    }
}
