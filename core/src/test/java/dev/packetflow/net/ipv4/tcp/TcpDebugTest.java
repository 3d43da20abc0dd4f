package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.net.socket.SockAddrIn;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TcpDebugTest {
    @Test
    void debug() throws Exception {
        try (TcpNet n = new TcpNet(41)) {
            n.listenB(7, 4);
            int cfd = TcpNet.tcpSocket(n.sa);
            AtomicInteger connected = new AtomicInteger(1);
            Thread client = Thread.ofVirtual().start(() -> connected.set(n.sa.connect(cfd, new SockAddrIn(TcpNet.B, 7))));
            TcpSocketApiTest.awaitSleepers(n.sa, cfd, 1);
            n.runMs(5);
            System.out.println("state=" + n.tcpA(cfd).state + " sleepers=" + n.sa.sleepers(cfd) + "\n" + n.dump());
            client.join(2000);
            System.out.println("alive=" + client.isAlive() + " r=" + connected.get());
            if (client.isAlive()) {
                for (StackTraceElement e : client.getStackTrace()) System.out.println("  " + e);
                client.interrupt();
            }
        }
    }
}
