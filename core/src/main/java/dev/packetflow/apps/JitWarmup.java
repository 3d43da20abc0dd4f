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

        /** This round's counts added to {@code o}'s; this round's time and link. */
        Result plus(Result o) {
            return plus(o, nanos, link);
        }

        /** The same counts, with {@code totalNanos} as the time taken. */
        Result took(long totalNanos) {
            return new Result(pings, udpRoundTrips, tcpRoundTrips, tcpConnections, bulkBytes, totalNanos, link);
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
    /**
     * Requests a request/response phase keeps in flight. One at a time, each round trip waited for
     * two thread wake-ups, and a phase's share of the budget ended after about 1,400 pings: below
     * the C2 thresholds, so {@code serve} answered its first real pings from C1 code (about 0.17 ms
     * against 0.10 ms once compiled, 2026-11-26). A window moves the same paths 20-30 times as often
     * in the same time.
     */
    static final int WINDOW = 32;
    /** Rounds of all the phases, each with an equal share of the budget. */
    static final int ROUNDS = 3;
    /** The longest the warm-up waits for the JIT's queue to drain after the phases. */
    static final long JIT_SETTLE_MS = 2_000;
    static final long BULK_BYTES = 64L << 20;
    private static final int A = InetAddr.parse("198.18.255.1");
    private static final int B = InetAddr.parse("198.18.255.2");

    private JitWarmup() {}

    /**
     * Runs every phase in up to {@link #ROUNDS} rounds, each phase stopping early when its share of
     * {@code budgetMs} is spent; in each round first over a veth pair (60 %: the stack's paths,
     * many packets fast), then over two TAP drivers back to back on a socket pair (the rest: the
     * driver's own code and system calls, which a veth never reaches; a ping to a freshly started
     * {@code serve} took 0.4-0.6 ms instead of 0.1-0.2 until some thousands of frames had crossed
     * its TAP). Where the socket pair cannot be had, the veth gets the whole round. Then, once the
     * JIT's queue has drained, one short round more. Throws when a phase fails (a reply lost past
     * its timeout); what ran until then is compiled all the same. The TAP drivers do not poll
     * before sleeping; {@link #run(long, int)} warms up for a TAP that does.
     */
    public static Result run(long budgetMs) throws IOException {
        return run(budgetMs, 0);
    }

    /**
     * {@link #run(long)}, with the answering socket-pair TAP driver polling up to
     * {@code tapPollMicros} µs before it sleeps ({@link TapBuilder#pollMaxMicros}), as the TAP
     * being warmed up for does: a polling window the warm-up never opened sent {@code serve}'s
     * interrupt loop back to the interpreter (an uncommon trap on {@code pollNs > 0}) at its first
     * real pings.
     */
    public static Result run(long budgetMs, int tapPollMicros) throws IOException {
        long t0 = System.nanoTime();
        // Rounds: the first runs mostly in the interpreter and C1 (a cold ping phase managed about
        // 2,500 pings in its share), the next ones in what the earlier had compiled, many times
        // faster (20,000-30,000 pings in the same share), which takes the paths past C2's
        // thresholds; no further round once the budget is spent (a slow machine, a profiler).
        Result total = round(budgetMs / ROUNDS, tapPollMicros);
        for (int i = 1; i < ROUNDS && System.nanoTime() - t0 <= budgetMs * 1_000_000L; i++) {
            total = round(budgetMs / ROUNDS, tapPollMicros).plus(total);
        }
        awaitJitQuiet(JIT_SETTLE_MS);
        // One short round more once C2's queue is empty: while it was long, C2 raised its
        // thresholds (tiered compilation's load feedback) and methods that only some packets take
        // (the ICMP echo reply) stayed in C1 code; now they reach the normal thresholds.
        total = round(budgetMs / (2L * ROUNDS), tapPollMicros).plus(total);
        awaitJitQuiet(JIT_SETTLE_MS);
        return total.took(System.nanoTime() - t0);
    }

    /** One round: the phases over a veth (60 % of {@code budgetMs}), then over a socket-pair TAP. */
    private static Result round(long budgetMs, int tapPollMicros) throws IOException {
        long t0 = System.nanoTime();
        Result veth = runOver(false, budgetMs * 6 / 10, 0);
        Result tap = runOver(true, budgetMs - budgetMs * 6 / 10, tapPollMicros);
        if (tap == null) {
            return runOver(false, budgetMs - budgetMs * 6 / 10, 0).plus(veth, System.nanoTime() - t0, "veth");
        }
        return tap.plus(veth, System.nanoTime() - t0, "veth, then TAP drivers on a socket pair");
    }

    /**
     * Waits (at most {@code maxMs}) until the JIT has finished nothing for 300 ms: methods the
     * phases made hot are queued for C2 and compiled in the background, and until that finishes
     * the first real packets still run the C1 code.
     */
    static void awaitJitQuiet(long maxMs) {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return;
        }
        long end = System.nanoTime() + maxMs * 1_000_000L;
        long last = jit.getTotalCompilationTime();
        int quiet = 0;
        try {
            // Three quiet looks in a row: the total moves when a compilation ends, and one large
            // method can keep C2 busy for more than one look.
            while (quiet < 3 && System.nanoTime() - end < 0) {
                Thread.sleep(100);
                long now = jit.getTotalCompilationTime();
                quiet = now == last ? quiet + 1 : 0;
                last = now;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * One round of the phases over a veth pair or ({@code tap}) a socket-pair TAP whose answering
     * driver polls up to {@code tapPollMicros} µs; null if that cannot be had.
     */
    private static Result runOver(boolean tap, long budgetMs, int tapPollMicros) throws IOException {
        long t0 = System.nanoTime();
        long share = Math.max(1, budgetMs / 6) * 1_000_000L;
        try (RealTimeKernel kernel = new RealTimeKernel(1, RealTimeKernel.IdleStrategy.BACKOFF)) {
            NetStack a = NetStack.create(kernel, "warmup-a");
            NetStack b = NetStack.create(kernel, "warmup-b");
            try {
                String dev = tap ? tapPair(a, b, tapPollMicros) : vethPair(a, b);
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
                    if (tap) {
                        pings += sparsePings(a);
                    }
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
     * thread, and on b a polling window of {@code pollMicros}). Returns the devices' name, or null
     * where the socket pair cannot be had (a sandbox refusing it, a libc without it).
     */
    private static String tapPair(NetStack a, NetStack b, int pollMicros) {
        try {
            // Only b, the side that answers as serve does, polls: two polling threads and the
            // phases' own would be more busy threads than this project's two-core machine has.
            TapBuilder.socketPair(TapDevice.builder(a).name("warm0").vnetHdr(true),
                    TapDevice.builder(b).name("warm0").vnetHdr(true).pollMaxMicros(pollMicros));
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
            while (n < ROUND_TRIPS && System.nanoTime() - end < 0) {
                // The first window waits for ARP (the neighbour queues a few, and drops the rest);
                // a window not answered in a second ends the phase, it does not hang it.
                int w = n == 0 ? 1 : WINDOW;
                for (int i = 0; i < w; i++) {
                    ping.send(B, (n + i) & 0xffff, 56);
                }
                if (!replies.tryAcquire(w, 1, TimeUnit.SECONDS)) {
                    break;
                }
                n += w;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return n;
    }

    /** Pings {@link #SPARSE_PINGS} times, {@link #SPARSE_GAP_MS} apart. */
    static final int SPARSE_PINGS = 30;
    static final int SPARSE_GAP_MS = 2;

    /**
     * Pings one at a time with gaps longer than the TAP interrupt thread's polling window, as a
     * client's pings come: the thread then sleeps in {@code epoll_wait} between frames and its
     * window shrinks to nothing, branches that back-to-back traffic never takes. Compiled without
     * them, the first real ping hit them and sent the interrupt loop back to the interpreter
     * ("uncommon trap") until it was compiled again.
     */
    private static long sparsePings(NetStack a) {
        Semaphore replies = new Semaphore(0);
        int n = 0;
        try (Ping ping = Ping.open(a, 0x7078)) {
            ping.onReply(r -> replies.release());
            for (; n < SPARSE_PINGS; n++) {
                Thread.sleep(SPARSE_GAP_MS);
                ping.send(B, n, 56);
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
            while (n < ROUND_TRIPS && System.nanoTime() - end < 0) {
                int w = n == 0 ? 1 : WINDOW;
                for (int i = 0; i < w; i++) {
                    s.send(buf, 0, buf.length, null);
                }
                try {
                    for (int i = 0; i < w; i++) {
                        s.receive(buf);
                    }
                } catch (java.net.SocketTimeoutException e) {
                    break; // a lost datagram ends the phase; it does not fail the warm-up
                }
                n += w;
            }
        }
        return n;
    }

    private static long tcpEcho(NetStack a, long limitNs) throws IOException {
        long end = System.nanoTime() + limitNs;
        byte[] buf = new byte[WINDOW * 64];
        int n = 0;
        try (TcpSocket s = TcpSocket.connect(a, echo(), 1000)) {
            s.setSoTimeout(1000);
            while (n < ROUND_TRIPS && System.nanoTime() - end < 0) {
                for (int i = 0; i < WINDOW; i++) {
                    s.write(buf, 0, 64);
                }
                readFully(s.getInputStream(), buf, WINDOW * 64);
                n += WINDOW;
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
