package dev.packetflow.cli;

import dev.packetflow.drivers.net.veth.Veth;
import dev.packetflow.iproute2.Ss;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.socket.UdpSocket;
import dev.packetflow.trace.Journey;
import dev.packetflow.trace.JourneyRecorder;
import dev.packetflow.trace.SeedDiagram;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The demo's UDP part: an application on A sends a message to an application on B, which is
 * blocked in {@code recvfrom} on a virtual thread. The datagram's journey is printed as the seed's
 * TX diagram on A ({@code sendto} → ... → {@code ndo_start_xmit}), through R, and the RX diagram
 * on B (... → {@code udp_rcv} → socket lookup → {@code sock_queue_rcv_skb} → {@code sk_data_ready}
 * → {@code recvfrom}), then {@code ss -uanp} on both hosts.
 */
final class UdpDemo {
    static final int PORT = 7000;
    static final String MESSAGE = "hello from A";
    /** Datagrams whose journeys give the per-stage times printed (after the warm-up ones). */
    static final int TIMED = 301;
    private static final long GUARD_NS = 30_000_000_000L;

    private UdpDemo() {}

    /** An application on B: receives datagrams on a virtual thread until its socket closes. */
    private static final class Receiver implements AutoCloseable {
        final UdpSocket socket;
        final NetStack net;
        final AtomicInteger received = new AtomicInteger();
        final AtomicReference<String> last = new AtomicReference<>();
        final AtomicReference<InetSocketAddress> from = new AtomicReference<>();
        final Thread thread;

        Receiver(NetStack b) throws IOException {
            net = b;
            socket = UdpSocket.open(b, new InetSocketAddress(Demo.B_ADDR, PORT));
            thread = Thread.ofVirtual().name("B-app").start(this::loop);
        }

        private void loop() {
            ByteBuffer buf = ByteBuffer.allocate(1500);
            try {
                for (;;) {
                    buf.clear();
                    InetSocketAddress f = socket.receive(buf);
                    last.set(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
                    from.set(f);
                    received.incrementAndGet();
                }
            } catch (IOException closed) {
                // the demo is over
            }
        }

        /** Waits (real time, bounded) until the application is blocked in recvfrom again. */
        void awaitBlocked() {
            long start = System.nanoTime();
            while (net.sockets().sleepers(socket.fd()) == 0) {
                if (System.nanoTime() - start > GUARD_NS) {
                    throw new IllegalStateException("B's application did not block in recvfrom");
                }
                Thread.onSpinWait();
            }
        }

        void awaitReceived(int n) {
            long start = System.nanoTime();
            while (received.get() < n) {
                if (System.nanoTime() - start > GUARD_NS) {
                    throw new IllegalStateException("B's application did not receive datagram " + n);
                }
                Thread.onSpinWait();
            }
        }

        @Override
        public void close() throws InterruptedException {
            socket.close();
            thread.join();
        }
    }

    /**
     * Sends {@code datagrams} datagrams through a throwaway copy of the topology (JIT warm-up), then
     * {@link #TIMED} more whose journeys are returned for stage timings.
     */
    static List<Journey> warmUp(long seed, int datagrams) throws Exception {
        List<Journey> timed = new ArrayList<>();
        Simulation sim = new Simulation(seed);
        try (NetStack a = NetStack.create(sim, "A"); NetStack r = NetStack.create(sim, "R");
                NetStack b = NetStack.create(sim, "B")) {
            Veth.pair(a, "eth0", r, "eth0", Demo.WIRE);
            Veth.pair(r, "eth1", b, "eth0", Demo.WIRE);
            Demo.configure(a, r, b);
            sim.runFor(Duration.ofMillis(10));
            InetSocketAddress to = new InetSocketAddress(Demo.B_ADDR, PORT);
            byte[] msg = MESSAGE.getBytes(StandardCharsets.UTF_8);
            try (Receiver rx = new Receiver(b); UdpSocket tx = UdpSocket.open(a);
                    JourneyRecorder rec = JourneyRecorder.start()) {
                for (int i = 0; i < datagrams + TIMED; i++) {
                    rx.awaitBlocked();
                    Journey j = rec.follow(() -> send(tx, msg, to));
                    sim.runFor(Duration.ofMillis(1));
                    rx.awaitReceived(i + 1);
                    if (i >= datagrams) {
                        timed.add(j);
                    }
                }
            }
        }
        return timed;
    }

    private static void send(UdpSocket tx, byte[] msg, InetSocketAddress to) {
        try {
            tx.send(msg, to);
        } catch (IOException e) {
            throw new IllegalStateException("demo send failed", e);
        }
    }

    /** The UDP part of the demo on the demo's stacks; returns the journey's stage names. */
    static List<String> run(Simulation sim, NetStack a, NetStack b, List<Journey> timing, PrintStream out)
            throws Exception {
        InetSocketAddress to = new InetSocketAddress(Demo.B_ADDR, PORT);
        byte[] msg = MESSAGE.getBytes(StandardCharsets.UTF_8);
        Journey journey;
        try (Receiver rx = new Receiver(b); UdpSocket tx = UdpSocket.open(a);
                JourneyRecorder rec = JourneyRecorder.start()) {
            out.printf("UDP: an application on B waits in recvfrom() on %s:%d (a virtual thread);%n", Demo.B_ADDR, PORT);
            out.printf("an application on A sends it \"%s\".%n", MESSAGE);
            rx.awaitBlocked();
            journey = rec.follow(() -> send(tx, msg, to));
            out.printf("A $ sendto(%d, \"%s\", %d, 0, %s, 16) = %d%n", tx.fd(), MESSAGE, msg.length,
                    sockaddr(to), msg.length);
            sim.runFor(Duration.ofMillis(1));
            rx.awaitReceived(1);
            out.printf("B $ recvfrom(%d, \"%s\", 1500, 0, %s, [16]) = %d%n", rx.socket.fd(), rx.last.get(),
                    sockaddr(rx.from.get()), rx.last.get().length());
            out.println();
            out.println("The datagram's journey from A's sendto() through R to B's recvfrom(), drawn as the seed's");
            out.printf("TX and RX diagrams, with the median real time per stage over %d datagrams after warming up%n",
                    timing.size());
            out.println("(sk_data_ready → recvfrom includes waking B's blocked thread):");
            out.println();
            out.println(SeedDiagram.render(journey, timing.isEmpty() ? null : SeedDiagram.medianStageTimes(journey, timing)));
            out.printf("A # ss -uanp%n%s%n", Ss.udp(a));
            out.printf("B # ss -uanp%n%s%n", Ss.udp(b));
        }
        return journey.stageNames();
    }

    /** A {@code struct sockaddr_in} as strace prints it. */
    private static String sockaddr(InetSocketAddress s) {
        return "{sa_family=AF_INET, sin_port=htons(" + s.getPort() + "), sin_addr=inet_addr(\""
                + s.getAddress().getHostAddress() + "\")}";
    }
}
