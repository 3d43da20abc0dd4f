package dev.packetflow.net.ipv4.tcp;

import static dev.packetflow.net.socket.Uapi.*;

import dev.packetflow.trace.Trace;
import org.junit.jupiter.api.Test;

class TcpDebugTest {
    @Test
    void debug() throws Exception {
        try (TcpNet n = new TcpNet(11)) {
            int[] c = n.establish(80);
            try (AutoCloseable p = Trace.attach("kfree_skb", (tp, net, dev, skb, arg) -> new Throwable("drop " + arg).printStackTrace(System.out))) {
                n.sa.setsockopt(c[0], SOL_SOCKET, SO_LINGER, TcpCloseTest.linger(1, 0), 8);
                n.sa.close(c[0]);
                n.runMs(10);
            }
        }
    }
}
