package dev.packetflow.net.ipv4.tcp;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class TcpDebugTest {
    @Test
    void debug() throws Exception {
        try (TcpNet n = new TcpNet(21)) {
            int[] c = n.establish(80);
            n.blackhole(true);
            n.sa.send(c[0], ByteBuffer.wrap(new byte[100]), 0);
            for (int i = 0; i < 12; i++) {
                n.runMs(100 << i);
                TcpSock t = n.tcpA(c[0]);
                System.out.println(n.sim.nowNs() / 1e9 + " st=" + t.state + " rtx=" + t.retransmits + " stamp=" + t.retransStamp + " rto=" + t.rto + " backoff=" + t.backoff + " pout=" + t.packetsOut + " pending=" + t.pending + " timer=" + t.retransmitTimer.pending() + "@" + t.retransmitTimer.expiresNs());
            }
            System.out.println(n.dump());
        }
    }
}
