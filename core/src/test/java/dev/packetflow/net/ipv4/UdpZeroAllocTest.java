package dev.packetflow.net.ipv4;

import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.socket.MsgHdr;
import dev.packetflow.testing.LeakCheckExtension;
import dev.packetflow.net.socket.SockAddrIn;
import org.junit.jupiter.api.Test;

/**
 * Allocation per datagram in steady state, send to receive on the simulation's thread, with and
 * without control messages. Paranoid leak detection records a stack trace per skb, so this test
 * only runs without it:
 *
 * <pre>
 * ./mvnw -o -q -pl core test -Dtest=UdpZeroAllocTest \
 *     -DargLine="-Dpacketflow.leakDetection=off --enable-native-access=ALL-UNNAMED"
 * </pre>
 */
class UdpZeroAllocTest {
    static double bytesPerDatagram(boolean cmsgs, int warmup, int measured) {
        return bytesPerDatagram(cmsgs, null, false, warmup, measured);
    }

    /** With {@code sendControl} not null, each datagram is sent by {@code sendmsg} with these control messages. */
    static double bytesPerDatagram(boolean cmsgs, byte[] sendControl, int warmup, int measured) {
        return bytesPerDatagram(cmsgs, sendControl, false, warmup, measured);
    }

    /** With {@code connected}, the sender is connected to the receiver and sends without an address. */
    static double bytesPerDatagram(boolean cmsgs, byte[] sendControl, boolean connected, int warmup, int measured) {
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        try (UdpNet n = new UdpNet().neighbours()) {
            int rx = UdpNet.bound(n.sb, UdpNet.B, 5000);
            int tx = UdpNet.bound(n.sa, UdpNet.A, 4000);
            if (cmsgs) {
                n.sb.setsockopt(rx, SOL_IP, IpSockglue.IP_PKTINFO, 1);
                n.sb.setsockopt(rx, SOL_IP, IpSockglue.IP_RECVTTL, 1);
                n.sb.setsockopt(rx, SOL_IP, IpSockglue.IP_RECVTOS, 1);
                n.sb.setsockopt(rx, SOL_SOCKET, SO_TIMESTAMPNS, 1);
            }
            SockAddrIn to = new SockAddrIn(UdpNet.B, 5000);
            if (connected && n.sa.connect(tx, to) != 0) {
                throw new AssertionError("connect");
            }
            SockAddrIn dest = connected ? null : to;
            byte[] out = new byte[100];
            byte[] in = new byte[2048];
            byte[] control = new byte[256];
            MsgHdr m = new MsgHdr();
            MsgHdr sm = new MsgHdr();
            long before = 0;
            for (int i = 0; i < warmup + measured; i++) {
                if (i == warmup) {
                    before = mx.getCurrentThreadAllocatedBytes();
                }
                if (sendControl == null) {
                    n.sa.sendto(tx, out, 0, out.length, 0, dest);
                } else if (n.sa.sendmsg(tx, sm.setBuffer(out, 0, out.length).setName(to).setControl(sendControl), 0)
                        != out.length) {
                    throw new AssertionError("sendmsg " + i);
                }
                n.sim.run();
                m.setBuffer(in, 0, in.length).setControl(control);
                int r = n.sb.recvmsg(rx, m, MSG_DONTWAIT);
                if (r != out.length || (cmsgs && m.controllen != 32 + 24 + 24 + 32)) {
                    throw new AssertionError("datagram " + i + ": " + r + ", controllen " + m.controllen);
                }
            }
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            System.out.printf("cmsgs=%s%s: %d bytes allocated for %d datagrams (%.3f per datagram)%n", cmsgs,
                    sendControl != null ? ", sent with control messages" : "",
                    allocated, measured, (double) allocated / measured);
            return (double) allocated / measured;
        }
    }

    @Test
    void steadyState_withoutControlMessages_allocatesNothingPerDatagram() {
        LeakCheckExtension.requireDetectionOff(); // paranoid leak detection allocates per skb
        assertThat(bytesPerDatagram(false, 50_000, 100_000)).isLessThan(1.0);
    }

    @Test
    void steadyState_connectedSender_keepingItsRoute_allocatesNothingPerDatagram() {
        LeakCheckExtension.requireDetectionOff(); // paranoid leak detection allocates per skb
        assertThat(bytesPerDatagram(false, null, true, 50_000, 100_000)).isLessThan(1.0);
    }

    @Test
    void steadyState_withPktinfoTtlTosAndTimestamp_allocatesNothingPerDatagram() {
        LeakCheckExtension.requireDetectionOff(); // paranoid leak detection allocates per skb
        assertThat(bytesPerDatagram(true, 50_000, 100_000)).isLessThan(1.0);
    }

    @Test
    void steadyState_sendingPktinfoTtlAndTosMessages_allocatesNothingPerDatagram() {
        LeakCheckExtension.requireDetectionOff(); // paranoid leak detection allocates per skb
        byte[] control = UdpGroTest.concat(UdpCmsgSendTest.pktinfoCmsg(0, UdpNet.A), UdpCmsgSendTest.ttlCmsg(9),
                UdpCmsgSendTest.tosCmsg(0x10));
        assertThat(bytesPerDatagram(false, control, 50_000, 100_000)).isLessThan(1.0);
    }
}
