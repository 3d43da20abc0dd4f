package dev.packetflow.net.ipv4.tcp;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TcpDebugTest {
    @Test
    void debug() {
        try (TcpNet n = new TcpNet(5)) {
            int[] c = n.establish(5002);
            Pump p = new Pump(n.sa, c[0], n.sb, c[1], 1 << 20, 99);
            n.sim.runUntil(p::step, Duration.ofMillis(300));
            TcpSock a = n.tcpA(c[0]);
            TcpSock b = n.tcpB(c[1]);
            System.out.println("read=" + p.read + " cwnd=" + a.sndCwnd + " wnd=" + a.sndWnd + " sndbuf=" + a.sndbuf + " rcvbuf=" + b.rcvbuf
                    + " rcvwnd=" + b.rcvWnd + " srtt=" + a.srttUs + " mss=" + a.mssCache);
            String d = n.dump();
            System.out.println(d.length() > 20000 ? d.substring(0, 20000) : d);
        }
    }
}
