package dev.packetflow.net.socket;

import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.testing.LeakCheckExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Allocation per datagram of {@link SocketLayer#sendmmsg} and {@link SocketLayer#recvmmsg} in
 * steady state, batches of 8 over real UDP on the simulation's thread. Runs in the zero-alloc
 * execution (leak detection off):
 *
 * <pre>
 * ./mvnw -o -q -pl core test -Dtest=MMsgZeroAllocTest \
 *     -DargLine="-Dpacketflow.leakDetection=off --enable-native-access=ALL-UNNAMED"
 * </pre>
 */
class MMsgZeroAllocTest {
    final MMsgTest t = new MMsgTest();
    final int B = MMsgTest.B;
    final int A = MMsgTest.A;
    final SocketLayer sa = t.sa;
    final SocketLayer sb = t.sb;
    final dev.packetflow.kernel.Simulation sim = t.sim;

    @AfterEach
    void close() {
        t.close();
    }

    static int udp(SocketLayer s, int addr, int port) {
        return MMsgTest.udp(s, addr, port);
    }

    static MMsgHdr[] rxVec(int n, byte[][] bufs) {
        return MMsgTest.rxVec(n, bufs);
    }

    @Test
    void steadyState_sendmmsgAndRecvmmsg_allocateNothingPerDatagram() {
        LeakCheckExtension.requireDetectionOff(); // paranoid leak detection allocates per skb
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        int rx = udp(sb, B, 5000);
        int tx = udp(sa, A, 4000);
        int batch = 8;
        SockAddrIn to = new SockAddrIn(B, 5000);
        byte[] payload = new byte[60];
        MMsgHdr[] out = MMsgHdr.array(batch);
        byte[][] bufs = new byte[batch][];
        MMsgHdr[] in = rxVec(batch, bufs);
        int warmup = 5_000;
        int measured = 10_000;
        long before = 0;
        for (int i = 0; i < warmup + measured; i++) {
            if (i == warmup) {
                before = mx.getCurrentThreadAllocatedBytes();
            }
            for (int k = 0; k < batch; k++) {
                out[k].msg.setName(to).setBuffer(payload, 0, payload.length);
            }
            int s = sa.sendmmsg(tx, out, batch, 0);
            sim.run();
            for (int k = 0; k < batch; k++) {
                in[k].msg.setBuffer(bufs[k], 0, 64);
            }
            int r = sb.recvmmsg(rx, in, batch, MSG_DONTWAIT, -1);
            if (s != batch || r != batch || in[batch - 1].msgLen != 60) {
                throw new AssertionError("batch " + i + ": sent " + s + ", received " + r);
            }
        }
        double perDatagram = (double) (mx.getCurrentThreadAllocatedBytes() - before) / ((long) measured * batch);
        assertThat(perDatagram).isLessThan(1.0);
    }
}
