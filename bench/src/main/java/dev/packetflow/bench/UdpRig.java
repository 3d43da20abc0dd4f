package dev.packetflow.bench;

import dev.packetflow.drivers.net.veth.Veth;
import dev.packetflow.kernel.Kernel;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.socket.SockAddrIn;
import dev.packetflow.net.socket.SocketLayer;
import java.lang.management.ManagementFactory;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * Two stacks joined by a perfect veth pair for the UDP benchmarks: A (198.18.0.1/24, its softnet
 * on CPU 0) and B (198.18.0.2/24, CPU 1), with permanent neighbour entries so that no datagram
 * waits for ARP, and UDP sockets at the BSD level (the zero-allocation path).
 */
final class UdpRig implements AutoCloseable {
    static final int A = InetAddr.parse("198.18.0.1");
    static final int B = InetAddr.parse("198.18.0.2");

    final NetStack a;
    final NetStack b;
    final SocketLayer sa;
    final SocketLayer sb;

    static final int RING = Integer.getInteger("packetflow.bench.udp.ring", Veth.DEFAULT_RING_SIZE);

    UdpRig(Kernel k) {
        a = NetStack.create(k, "A", 0);
        b = NetStack.create(k, "B", Math.min(1, k.numCpus() - 1));
        a.arp().setGratuitousArpOnAddressAdd(false);
        b.arp().setGratuitousArpOnAddressAdd(false);
        // -Dpacketflow.bench.udp.ring=N: the veth ring's slots (Linux's 256 by default), to see
        // whether a ring larger than a core's L2 changes what the frames' cache lines cost.
        Veth.Pair v = Veth.builder(a, "eth0", b, "eth0").ringSize(RING).create();
        a.exec("ip link set eth0 up");
        b.exec("ip link set eth0 up");
        a.exec("ip addr add 198.18.0.1/24 dev eth0");
        b.exec("ip addr add 198.18.0.2/24 dev eth0");
        a.arp().addPermanent(B, v.b().mac(), v.a());
        b.arp().addPermanent(A, v.a().mac(), v.b());
        sa = a.sockets();
        sb = b.sockets();
    }

    /** A UDP socket bound to {@code addr:port} with 8 MB buffers (forced past rmem_max, as root may). */
    static int socket(SocketLayer sys, int addr, int port) {
        int fd = sys.socket(AF_INET, SOCK_DGRAM, 0);
        check(sys.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, 4 << 20), "SO_RCVBUFFORCE");
        check(sys.setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, 4 << 20), "SO_SNDBUFFORCE");
        check(sys.bind(fd, new SockAddrIn(addr, port)), "bind");
        return fd;
    }

    static void check(int r, String what) {
        if (r < 0) {
            throw new IllegalStateException(what + ": " + dev.packetflow.net.socket.Errno.describe(r));
        }
    }

    /** Bytes allocated so far by the given threads and every softnet worker ({@code ksoftirqd/N}). */
    static long allocated(Thread... threads) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (Thread t : threads) {
            sum += mx.getThreadAllocatedBytes(t.threadId());
        }
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("ksoftirqd/")) {
                sum += mx.getThreadAllocatedBytes(t.threadId());
            }
        }
        return sum;
    }

    /** CPU time so far (ns) of the given threads and of the softnet worker of CPU {@code cpu}. */
    static long cpuNs(int cpu, Thread... threads) {
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (Thread t : threads) {
            sum += mx.getThreadCpuTime(t.threadId());
        }
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("ksoftirqd/" + cpu)) {
                sum += mx.getThreadCpuTime(t.threadId());
            }
        }
        return sum;
    }

    @Override
    public void close() {
        a.close();
        b.close();
    }
}
