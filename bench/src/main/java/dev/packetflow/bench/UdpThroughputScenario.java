package dev.packetflow.bench;

import dev.packetflow.kernel.RealTimeKernel;
import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.MMsgHdr;
import dev.packetflow.net.socket.MsgHdr;
import dev.packetflow.net.socket.SockAddrIn;
import java.io.PrintStream;
import java.nio.ByteBuffer;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * {@code udp-throughput}: application-to-application UDP between two stacks over a veth pair in
 * one JVM, real time. A sender thread on A sends 64-byte datagrams ({@code sendto} with
 * MSG_DONTWAIT) keeping at most {@link #WINDOW} unreceived; a receiver thread on B drains its socket
 * with {@code recvmsg} (MSG_DONTWAIT, spinning when empty). By default the receiver busy-polls
 * ({@code SO_BUSY_POLL}), so B's whole receive path runs on the receiving thread's core; with
 * {@code -Dpacketflow.bench.udp.rx=softnet} B's softnet worker runs it instead. Prints the datagrams received per second over the measured phase, the datagrams
 * lost (receive buffer or veth ring full), and the bytes allocated per datagram by every thread
 * involved (sender, receiver, softnet workers), then the Linux kernel's own figure between two
 * network namespaces when run as root ({@link KernelUdp}).
 */
final class UdpThroughputScenario implements Scenario {
    static final int PAYLOAD = 64;
    /** Upper bound on datagrams in the measured phase (the phase also ends after its time). */
    static final long MAX_DATAGRAMS = 500_000_000L;

    @Override
    public String name() {
        return "udp-throughput";
    }

    @Override
    public String description() {
        return "64-byte UDP app to app over veth, real time: datagrams received/s, bytes allocated/datagram";
    }

    /**
     * Datagrams the sender may have in flight (sent, not yet received by the application): a
     * window, so that the sender does not bury the receiver in datagrams it can only drop (UDP
     * has no flow control; this measures what the receiving side sustains, with no loss).
     * {@code -Dpacketflow.bench.udp.window} changes it, below the ring's size.
     */
    static final int WINDOW = Integer.getInteger("packetflow.bench.udp.window", 200); // below the veth ring (256): a full ring would drop


    /** Pauses between two looks at the receiver's count while the window is full. */
    static final int FULL_SPINS = 32;

    /**
     * Datagrams per {@code sendmmsg}/{@code recvmmsg} call in the second pass
     * ({@code -Dpacketflow.bench.udp.batch}, default 32; 1 skips the pass).
     */
    static final int BATCH = Integer.getInteger("packetflow.bench.udp.batch", 32);

    /** Print the rate of each second of the measured phase ({@code -Dpacketflow.bench.udp.series=true}). */
    static final boolean SERIES = Boolean.getBoolean("packetflow.bench.udp.series");

    @Override
    public void run(PrintStream out, double seconds) throws Exception {
        if (UdpRig.RING > dev.packetflow.drivers.net.FrameRing.MAX_CAPACITY) {
            throw new BadSetting("packetflow.bench.udp.ring must be at most "
                    + dev.packetflow.drivers.net.FrameRing.MAX_CAPACITY + ": " + UdpRig.RING);
        }
        if (WINDOW < 1 || WINDOW >= UdpRig.RING) {
            throw new BadSetting("packetflow.bench.udp.window must be 1.." + (UdpRig.RING - 1)
                    + " (below the veth ring, packetflow.bench.udp.ring): " + WINDOW);
        }
        // One datagram per system call (sendto / recvmsg), then batches (sendmmsg / recvmmsg), as a
        // Linux application that moves many small datagrams does; each pass in a rig of its own.
        pass(out, seconds, 1, false, false, "");
        // The same with the two sockets connected to each other, as an application with one peer
        // connects: the sender keeps its route (sk_dst_cache) and a per-socket IP ID, the receiver
        // finds its socket by early demux and keeps its input route (sk_rx_dst).
        pass(out, seconds, 1, false, true, "_connected");
        if (BATCH > 1) {
            pass(out, seconds, BATCH, false, false, "_mmsg");
            // UDP_SEGMENT: one sendto carries BATCH 64-byte datagrams as one GSO skb over the veth;
            // B's socket cuts it (udp_rcv_segment) and the receiver reads them with recvmmsg.
            pass(out, seconds, BATCH, true, false, "_gso");
        }
        KernelUdp.throughput(out, seconds);
    }

    private void pass(PrintStream out, double seconds, int batch, boolean gso, boolean connected, String suffix)
            throws Exception {
        double c2cBefore = CoreToCore.roundTripNs(5, 100_000);
        boolean busyPoll = !"softnet".equals(System.getProperty("packetflow.bench.udp.rx"));
        // With busy polling the receiver thread runs B's receive path itself; softnet only sleeps.
        RealTimeKernel.IdleStrategy idle = RealTimeKernel.IdleStrategy.valueOf(System.getProperty(
                "packetflow.bench.udp.idle", busyPoll ? "PARK" : "BACKOFF"));
        try (RealTimeKernel k = new RealTimeKernel(2, idle); UdpRig rig = new UdpRig(k)) {
            int rx = UdpRig.socket(rig.sb, UdpRig.B, 9000);
            int tx = UdpRig.socket(rig.sa, UdpRig.A, 9001);
            if (connected) {
                UdpRig.check(rig.sa.connect(tx, new SockAddrIn(UdpRig.B, 9000)), "connect");
                UdpRig.check(rig.sb.connect(rx, new SockAddrIn(UdpRig.A, 9001)), "connect");
            }
            if (busyPoll) {
                UdpRig.check(rig.sb.setsockopt(rx, SOL_SOCKET, SO_BUSY_POLL, 50), "SO_BUSY_POLL");
                if (UdpRrScenario.PREFER) {
                    UdpRig.check(rig.sb.setsockopt(rx, SOL_SOCKET, SO_PREFER_BUSY_POLL, 1), "SO_PREFER_BUSY_POLL");
                }
            }
            Counter received = new Counter();
            Counter sent = new Counter();
            Thread receiver = Thread.ofPlatform().name("udp-rx").start(
                    batch == 1 ? () -> receiveOneByOne(rig, rx, received) : () -> receiveBatches(rig, rx, received, batch));
            if (gso) {
                UdpRig.check(rig.sa.setsockopt(tx, SOL_UDP, dev.packetflow.net.ipv4.Udp.UDP_SEGMENT, PAYLOAD),
                        "UDP_SEGMENT");
            }
            Thread sender = Thread.ofPlatform().name("udp-tx").start(
                    () -> send(rig, tx, sent, received, batch, gso, connected));
            // warm-up (JIT, pools, buffers): at least 2 s, and until the JIT has settled
            RigLoop.Warmup warm = new RigLoop.Warmup((long) (Math.min(2.0, seconds) * 1e9));
            while (!warm.done()) {
                Thread.sleep(50);
            }
            long r0 = received.read();
            long a0 = UdpRig.allocated(sender, receiver);
            long c0 = UdpRig.cpuNs(1, receiver);
            long s0 = UdpRig.cpuNs(0, sender);
            long t0 = System.nanoTime();
            long deadline = t0 + (long) (seconds * 1e9);
            long lastT = t0;
            long lastR = r0;
            while (System.nanoTime() < deadline && received.read() - r0 < MAX_DATAGRAMS) {
                Thread.sleep(10);
                long now = System.nanoTime();
                if (SERIES && now - lastT >= 1_000_000_000L) {
                    // Per-second rates: tells a machine that changes speed within a run (the host
                    // moving the vCPUs) from a JVM that compiled the path well or badly from the start.
                    long r = received.read();
                    out.printf("# %s second %d: %d datagrams/s%n", suffix.isEmpty() ? "udp" : suffix.substring(1),
                            (now - t0) / 1_000_000_000L, Math.round((r - lastR) * 1e9 / (now - lastT)));
                    lastT = now;
                    lastR = r;
                }
            }
            long r1 = received.read();
            long a1 = UdpRig.allocated(sender, receiver);
            long c1 = UdpRig.cpuNs(1, receiver);
            long s1 = UdpRig.cpuNs(0, sender);
            long t1 = System.nanoTime();
            sent.stop = true;
            sender.join();
            Thread.sleep(50);
            received.stop = true;
            receiver.join();
            double secs = (t1 - t0) / 1e9;
            long got = r1 - r0;
            out.printf("# receive path run by %s; sender window %d datagrams; %s%n",
                    busyPoll ? "the receiving thread (SO_BUSY_POLL)" : "B's softnet worker", WINDOW,
                    batch == 1 ? (connected ? "connected sockets, send / recvmsg" : "sendto / recvmsg")
                                    + ", one datagram per call"
                            : gso ? "sendto with UDP_SEGMENT (" + batch + " datagrams per call, one GSO skb) / recvmmsg"
                            : "sendmmsg / recvmmsg, up to " + batch + " datagrams per call");
            Scenario.figure(out, "udp_rx_pps" + suffix, Math.round(got / secs), "pps");
            Scenario.figure(out, "udp_alloc_bytes_per_datagram" + suffix, got == 0 ? 0 : (double) (a1 - a0) / got, "B");
            // CPU the receiving side used (receiver thread + B's softnet worker), polling spins included:
            // an upper bound on the receive path's cost that contention for the cores does not inflate
            Scenario.figure(out, "udp_rx_cpu_ns_per_datagram" + suffix,
                    got == 0 ? 0 : Math.round((double) (c1 - c0) / got), "ns");
            // The same for the sending side (sender thread + A's softnet worker), spins included: when
            // it is near the receiver's figure the sender, not the receive path, set the rate.
            Scenario.figure(out, "udp_tx_cpu_ns_per_datagram" + suffix,
                    got == 0 ? 0 : Math.round((double) (s1 - s0) / got), "ns");
            // The machine's regime during this run (CoreToCore): ~80 ns or 300+ ns on this VM.
            Scenario.figure(out, "cacheline_round_trip_ns_before" + suffix, Math.round(c2cBefore), "ns");
            Scenario.figure(out, "cacheline_round_trip_ns_after" + suffix,
                    Math.round(CoreToCore.roundTripNs(5, 100_000)), "ns");
            long lost = rig.b.udp().mib().get("RcvbufErrors") + rig.a.device("eth0").stats().get(
                    dev.packetflow.net.core.LinkStats64.TX_DROPPED);
            Scenario.figure(out, "udp_lost" + suffix, lost, "datagrams");
            // Which side set the pace: a receiver that often finds nothing waits for the sender,
            // a sender that often finds its window full waits for the receiver (whole run, warm-up included).
            long all = Math.max(1, received.read());
            Scenario.figure(out, "udp_rx_empty_polls_per_datagram" + suffix, (double) received.empty / all, "");
            Scenario.figure(out, "udp_tx_window_full_looks_per_datagram" + suffix, (double) sent.empty / all, "");
        }
    }

    /**
     * The receiver: {@code recvmsg} with MSG_DONTWAIT, spinning when nothing came. It publishes its
     * count every {@link #PUBLISH_EVERY} datagrams (and whenever it finds nothing), not per
     * datagram: while its window is full the sender keeps reading the count, each read takes the
     * line, and the receiver's next store must fetch it back (4.5 % of the receiving thread's
     * samples when published per datagram), a cost of the harness, not of the stack.
     */
    private static void receiveOneByOne(UdpRig rig, int rx, Counter received) {
        ByteBuffer buf = ByteBuffer.allocateDirect(2048);
        MsgHdr m = new MsgHdr();
        int unpublished = 0;
        while (!received.stop) {
            buf.clear();
            m.setBuffer(buf);
            if (rig.sb.recvmsg(rx, m, MSG_DONTWAIT) == PAYLOAD) {
                if (++unpublished == PUBLISH_EVERY) {
                    received.add(unpublished);
                    unpublished = 0;
                }
            } else {
                if (unpublished != 0) {
                    received.add(unpublished);
                    unpublished = 0;
                }
                received.empty++;
                Thread.onSpinWait();
            }
        }
        received.add(unpublished);
    }

    /** Datagrams the one-by-one receiver takes before it publishes its count. */
    static final int PUBLISH_EVERY = 16;

    /** The receiver: {@code recvmmsg} of up to {@code batch} with MSG_DONTWAIT, spinning when nothing came. */
    private static void receiveBatches(UdpRig rig, int rx, Counter received, int batch) {
        MMsgHdr[] v = MMsgHdr.array(batch);
        ByteBuffer[] bufs = new ByteBuffer[batch];
        for (int i = 0; i < batch; i++) {
            bufs[i] = ByteBuffer.allocateDirect(2048);
        }
        while (!received.stop) {
            for (int i = 0; i < batch; i++) {
                bufs[i].clear();
                v[i].msg.setBuffer(bufs[i]);
            }
            int n = rig.sb.recvmmsg(rx, v, batch, MSG_DONTWAIT, -1);
            if (n > 0) {
                for (int i = 0; i < n; i++) {
                    if (v[i].msgLen != PAYLOAD) {
                        throw new IllegalStateException("recvmmsg: datagram of " + v[i].msgLen + " bytes");
                    }
                }
                received.add(n);
            } else {
                received.empty++;
                Thread.onSpinWait();
            }
        }
    }

    /**
     * The sender: {@code sendto} (or {@code sendmmsg} of up to {@code batch}) with MSG_DONTWAIT,
     * keeping at most {@link #WINDOW} datagrams unreceived.
     */
    private static void send(UdpRig rig, int tx, Counter sent, Counter received, int batch, boolean gso,
                             boolean connected) {
        SockAddrIn to = connected ? null : new SockAddrIn(UdpRig.B, 9000);
        ByteBuffer super64 = ByteBuffer.allocateDirect(batch * PAYLOAD);
        ByteBuffer[] bufs = new ByteBuffer[batch];
        MMsgHdr[] v = MMsgHdr.array(batch);
        for (int i = 0; i < batch; i++) {
            bufs[i] = ByteBuffer.allocateDirect(PAYLOAD);
            if (to != null) {
                v[i].msg.setName(to);
            }
        }
        long n = 0;
        long full = 0;
        long seen = 0; // receiver's count as last read: re-read only when the window looks full,
                       // so that the sender does not pull the receiver's line over per datagram
        while (!sent.stop) {
            if (n - seen >= WINDOW - batch + 1) {
                seen = received.read();
                if (n - seen >= WINDOW - batch + 1) {
                    // Window full: spin a while before looking again, for each look takes the
                    // receiver's counter line away and its next increment must fetch it back (a
                    // look per pause cost the receiver a cross-core miss per datagram). Now and
                    // then give the core away: on a machine with fewer free cores than threads
                    // the receiver may be waiting for it.
                    sent.empty++;
                    if (++full % 64 == 0) {
                        Thread.yield();
                    } else {
                        for (int i = 0; i < FULL_SPINS; i++) {
                            Thread.onSpinWait();
                        }
                    }
                    continue;
                }
            }
            full = 0;
            int r;
            if (gso) {
                super64.clear();
                r = rig.sa.sendto(tx, super64, MSG_DONTWAIT, to);
                r = r == batch * PAYLOAD ? batch : r;
            } else if (batch == 1) {
                bufs[0].clear();
                r = rig.sa.sendto(tx, bufs[0], MSG_DONTWAIT, to);
                r = r == PAYLOAD ? 1 : r;
            } else {
                for (int i = 0; i < batch; i++) {
                    bufs[i].clear();
                    v[i].msg.setBuffer(bufs[i]);
                }
                r = rig.sa.sendmmsg(tx, v, batch, MSG_DONTWAIT);
            }
            if (r > 0) {
                n += r;
                sent.add(r);
            } else if (r == Errno.EAGAIN.neg()) {
                Thread.onSpinWait();
            } else {
                throw new IllegalStateException("send: " + Errno.describe(r));
            }
        }
    }

    /** 64 bytes of padding before a {@link Counter}'s fields (a superclass's fields come first). */
    @SuppressWarnings("unused")
    static class CounterPad {
        long p0, p1, p2, p3, p4, p5, p6, p7;
    }

    /** The counter's fields, between {@link CounterPad} and the padding of {@link Counter}. */
    static class CounterFields extends CounterPad {
        volatile boolean stop;
        /** Set when the measured phase starts. */
        volatile boolean measure;
        long n;
        /** Looks that found nothing to do (receiver: empty queue; sender: full window); read after join. */
        long empty;
    }

    /**
     * A count written by one thread (release) and read by another (acquire); a stop flag. Padded
     * on both sides: the sender's and the receiver's counters are allocated one after the other,
     * and unpadded they could share a cache line that both threads then write once per datagram,
     * a line transfer per datagram that makes the whole run twice as slow in the JVMs where the
     * two objects happen to land on one line (seen as runs near 0.9 M/s beside runs near 2 M/s).
     */
    @SuppressWarnings("unused")
    static final class Counter extends CounterFields {
        private static final java.lang.invoke.VarHandle N;

        static {
            try {
                N = java.lang.invoke.MethodHandles.lookup().findVarHandle(CounterFields.class, "n", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        long q0, q1, q2, q3, q4, q5, q6, q7;

        void inc() {
            N.setRelease(this, n + 1);
        }

        void add(long k) {
            N.setRelease(this, n + k);
        }

        long read() {
            return (long) N.getAcquire(this);
        }
    }
}
