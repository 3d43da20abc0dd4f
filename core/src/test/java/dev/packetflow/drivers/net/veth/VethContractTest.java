package dev.packetflow.drivers.net.veth;

import dev.packetflow.drivers.net.NetDeviceContractTest;
import dev.packetflow.drivers.net.wire.WireConditions;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.NetDevice;

/** Over a wire with 1 ms of delay, so that closing a stack must also empty the wire. */
class VethContractTest extends NetDeviceContractTest {
    @Override
    protected NetDevice create(NetStack a, NetStack b) {
        return Veth.pair(a, "veth0", b, "veth1", WireConditions.builder().delayNs(1_000_000).build()).a();
    }

    @Override
    protected NetDevice receiverOf(NetDevice dut) {
        return ((Veth) dut).peer();
    }
}
