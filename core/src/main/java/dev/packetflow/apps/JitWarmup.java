package dev.packetflow.apps;

import dev.packetflow.drivers.net.tap.TapBuilder;
import dev.packetflow.drivers.net.tap.TapDevice;
import dev.packetflow.drivers.net.tap.TapException;
import dev.packetflow.drivers.net.veth.Veth;
import dev.packetflow.kernel.RealTimeKernel;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.ipv4.Ping;
import dev.packetflow.net.socket.TcpSocket;
import dev.packetflow.net.socket.UdpSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Runs the stack's packet paths before a server takes traffic, so that the JIT has compiled them
 * when the first real packet comes: a JVM runs a path in the interpreter for its first few thousand
 * packets, where one ping costs several hundred microseconds instead of a few.
 *
 * <p>Two throwaway stacks in this process, joined back to back by two TAP drivers over a socket
 * pair (so that the driver's code is compiled too; a veth pair where that fails) that never
 * leaves it (addresses
 * from 198.18.255.0/30, on no wire), run what {@code packetflow serve} serves, with the same
 * services ({@link TcpServices}, {@link UdpServices}): ICMP echo, UDP echo round trips, TCP
 * request/response on echo, connect-echo-close, bulk both ways (discard, chargen). Every phase is
 * bounded by a count and by its share of the time budget; the stacks are closed afterwards and
 * nothing of them remains but compiled code.
 */
public final class JitWarmup {
    /** What ran: counts per phase and the time taken. */
    public record Result(long pings, long udpRoundTrips, long tcpRoundTrips, long tcpConnections, long bulkBytes,
                         long nanos, String link) {
        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT,
                    "%d pings, %d UDP and %d TCP round trips, %d TCP connections, %d MB bulk in %.1f s (over %s)",
                    pings, udpRoundTrips, tcpRoundTrips, tcpConnections, bulkBytes >> 20, nanos / 1e9, link);
        }

        /** This round's counts added to {@code o}'s, with the total time and what carried them. */
        Result plus(Result o, long totalNanos, String links) {
            return new Result(pings + o.pings, udpRoundTrips + o.udpRoundTrips, tcpRoundTrips + o.tcpRoundTrips,
                    tcpConnections + o.tcpConnections, bulkBytes + o.bulkBytes, totalNanos, links);
        }
    }

    /** Round trips per request/response phase: past C2's thresholds (about 10,000 invocations). */
    static final int ROUND_TRIPS = 20_000;
    static final int CONNECTIONS = 2_000;
    static final long BULK_BYTES = 64L << 20;
    private static final int A = InetAddr.parse("198.18.255.1");
    private static final int B = InetAddr.parse("198.18.255.2");

    private JitWarmup() {}

    /**
     * Runs every phase twice, stopping each early when its share of {@code budgetMs} is spent:
     * first over a veth pair (60 % of the budget: the stack's paths, many packets fast), then over
     * two TAP drivers back to back on a socket pair (the rest: the driver's own code and system
     * calls, which a veth never reaches; a ping to a freshly started {@code serve} took 0.4-0.6 ms
     * instead of 0.1-0.2 until some thousands of frames had crossed its TAP). Where the socket
     * pair cannot be had, the veth gets the whole budget.
     */
    public static Result run(long budgetMs) throws IOException {
        long t0 = System.nanoTime();
        Result veth = runOver(false, budgetMs * 6 / 10);
        Result tap = runOver(true, budgetMs - budgetMs * 6 / 10);
        if (tap == null) {
            return runOver(false, budgetMs - budgetMs * 6 / 10).plus(veth, System.nanoTime() - t0, "veth");
        }
        return tap.plus(veth, System.nanoTime() - t0, "veth, then TAP drivers on a socket pair");
    }

    /** One round of the phases over a veth pair or ({@code tap}) a socket-pair TAP; null if that cannot be had. */
    private static Result runOver(boolean tap, long budgetMs) throws IOException {
        long t0 = System.nanoTime();
        long share = Math.max(1, budgetMs / 6) * 1_000_000L;
        try (RealTimeKernel kernel = new RealTimeKernel(1, RealTimeKernel.IdleStrategy.BACKOFF)) {
            NetStack a = NetStack.create(kernel, "warmup-a");
            NetStack b = NetStack.create(kernel, "warmup-b");
            try {
                String dev = tap ? tapPair(a, b) : vethPair(a, b);
                if (dev == null) {
                    return null;
                }
                a.exec("ip addr add 198.18.255.1/30 dev " + dev);
                a.exec("ip link set " + dev + " up");
                b.exec("ip addr add 198.18.255.2/30 dev " + dev);
                b.exec("ip link set " + dev + " up");
                try (TcpServices tcp = TcpServices.start(b); UdpServices udp = UdpServices.start(b)) {
                    long pings = pings(a, share);
                    long udpRt = udpEcho(a, share);
                    long tcpRt = tcpEcho(a, share);
                    long conns = tcpConnections(a, share);
                    long bulk = bulk(a, TcpServices.Config.defaults().discardPort(), true, share)
                            + bulk(a, TcpServices.Config.defaults().chargenPort(), false, share);
                    return new Result(pings, udpRt, tcpRt, conns, bulk, System.nanoTime() - t0, dev);
                }
            } finally {
                a.close();
                b.close();
            }
        }
    }

    private static String vethPair(NetStack a, NetStack b) {
        Veth.pair(a, "veth0", b, "veth0");
        return "veth0";
    }

    /**
     * Joins the two stacks by two TAP drivers back to back over a socket pair
     * ({@link TapBuilder#socketPair}), as {@code serve} runs its TAP (virtio-net header, interrupt
     * thread, polling window). Returns the devices' name, or null where the socket pair cannot be
     * had (a sandbox refusing it, a libc without it).
     */
    private static String tapPair(NetStack a, NetStack b) {
        try {
            TapBuilder.socketPair(TapDevice.builder(a).name("warm0").vnetHdr(true),
                    TapDevice.builder(b).name("warm0").vnetHdr(true));
            return "warm0";
        } catch (TapException | UnsatisfiedLinkError e) {
            return null;
        }
    }

    private static long pings(NetStack a, long limitNs) {
        Semaphore replies = new Semaphore(0);
        long end = System.nanoTime() + limitNs;
        int n = 0;
        try (Ping ping = Ping.open(a, 0x7077)) {
            ping.onReply(r -> replies.release());
            for (; n < ROUND_TRIPS && System.nanoTime() - end < 0; n++) {
                ping.send(B, n & 0xffff, 56);
                // The first ping waits for ARP; a lost reply ends the phase, it does not hang it.
                if (!replies.tryAcquire(1, TimeUnit.SECONDS)) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return n;
    }

    private static long udpEcho(NetStack a, long limitNs) throws IOException {
        long end = System.nanoTime() + limitNs;
        byte[] buf = new byte[64];
        int n = 0;
        try (UdpSocket s = UdpSocket.open(a)) {
            s.setSoTimeout(1000);
            s.connect(new InetSocketAddress(InetAddr.toInet(B), TcpServices.Config.defaults().echoPort()));
            for (; n < ROUND_TRIPS && System.nanoTime() - end < 0; n++) {
                s.send(buf, 0, buf.length, null);
                s.receive(buf);
            }
        }
        return n;
    }

    private static long tcpEcho(NetStack a, long limitNs) throws IOException {
        long end = System.nanoTime() + limitNs;
        byte[] buf = new byte[64];
        int n = 0;
        try (TcpSocket s = TcpSocket.connect(a, echo(), 1000)) {
            s.setSoTimeout(1000);
            for (; n < ROUND_TRIPS && System.nanoTime() - end < 0; n++) {
                s.write(buf, 0, buf.length);
                readFully(s.getInputStream(), buf, buf.length);
            }
        }
        return n;
    }

    private static long tcpConnections(NetStack a, long limitNs) throws IOException {
        long end = System.nanoTime() + limitNs;
        byte[] buf = new byte[64];
        int n = 0;
        for (; n < CONNECTIONS && System.nanoTime() - end < 0; n++) {
            try (TcpSocket s = TcpSocket.connect(a, echo(), 1000)) {
                s.setSoTimeout(1000);
                s.write(buf, 0, buf.length);
                readFully(s.getInputStream(), buf, buf.length);
            }
        }
        return n;
    }

    private static long bulk(NetStack a, int port, boolean send, long limitNs) throws IOException {
        long end = System.nanoTime() + limitNs;
        byte[] buf = new byte[64 * 1024];
        long moved = 0;
        try (TcpSocket s = TcpSocket.connect(a, new InetSocketAddress(InetAddr.toInet(B), port), 1000)) {
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            while (moved < BULK_BYTES && System.nanoTime() - end < 0) {
                int r;
                if (send) {
                    out.write(buf);
                    r = buf.length;
                } else {
                    r = in.read(buf);
                    if (r < 0) {
                        break;
                    }
                }
                moved += r;
            }
        }
        return moved;
    }

    private static InetSocketAddress echo() {
        return new InetSocketAddress(InetAddr.toInet(B), TcpServices.Config.defaults().echoPort());
    }

    private static void readFully(InputStream in, byte[] buf, int len) throws IOException {
        for (int got = 0; got < len; ) {
            int r = in.read(buf, got, len - got);
            if (r < 0) {
                throw new IOException("warm-up: echo connection closed early");
            }
            got += r;
        }
    }
}
