package dev.packetflow.drivers.net.loopback;

import dev.packetflow.drivers.net.NetDeviceContractTest;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.ethernet.Eth;

class LoopbackContractTest extends NetDeviceContractTest {
    @Override
    protected NetDevice create(NetStack a, NetStack b) {
        return Loopback.create(a);
    }

    @Override
    protected NetDevice receiverOf(NetDevice dut) {
        return dut;
    }

    /** Linux counts loopback bytes after eth_type_trans pulled the header. */
    @Override
    protected int countedBytes(int frameLen) {
        return frameLen - Eth.ETH_HLEN;
    }
}
