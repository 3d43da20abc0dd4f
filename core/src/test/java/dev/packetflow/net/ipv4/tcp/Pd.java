package dev.packetflow.net.ipv4.tcp;

import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.drivers.net.channel.ChannelDevice;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.socket.SockAddrIn;
import dev.packetflow.net.socket.SocketLayer;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A small packetdrill in Java: one stack under test on a channel device; the test plays the remote
 * peer with packet lines copied from .pkt scripts ({@code "< S 0:0(0) win 32792 <mss 1000,...>"})
 * and makes the socket calls itself. Remote sequence numbers are used as written; the SUT's are
 * relative to its ISN; outbound timestamps are not compared (only their presence), inbound TS ecr
 * is replaced by the SUT's latest TS val. Outbound packets must arrive at the script time, within
 * 4 ms + 12.5% of the step (GRAMMAR.md 9.2), and are aggregated like packetdrill's runner does.
 */
final class Pd implements AutoCloseable {
    static final int LOCAL = InetAddr.parse("198.18.0.1");
    static final int REMOTE = InetAddr.parse("198.18.0.2");
    static final long REMOTE_MAC = Eth.localMac(2);
    static final int LOCAL_PORT = 8080;

    final Simulation sim = new Simulation(7);
    final NetStack net = NetStack.create(sim, "sut");
    final SocketLayer sys = net.sockets();
    final ChannelDevice eth0;
    private final ArrayDeque<long[]> txTimes = new ArrayDeque<>();
    private final ArrayDeque<byte[]> tx = new ArrayDeque<>();
    private long scriptNs;
    private long lastStepNs;
    private int remotePort = 40000;
    private int localPort = LOCAL_PORT;
    private boolean active;
    private long localIsn = -1;
    private int lastTsVal;
    final List<String> log = new ArrayList<>();

    Pd() {
        net.arp().setGratuitousArpOnAddressAdd(false);
        eth0 = net.addDevice(new ChannelDevice("eth0", Eth.localMac(1)));
        net.devices().open(eth0);
        net.ipv4().addAddress(eth0, LOCAL, 16);
        net.arp().addPermanent(REMOTE, REMOTE_MAC, eth0);
        net.tcp().sysctl().applyPacketdrillDefaults();
        net.tcp().sysctl().setHz(Integer.getInteger("pd.hz", 1000));
        eth0.setTxSink(skb -> {
            byte[] f = skb.toByteArray();
            Skb.consumeSkb(skb);
            if (f.length > 34 && f[12] == 8 && f[13] == 0 && f[23] == 6) {
                tx.add(f);
                txTimes.add(new long[] {sim.nowNs()});
            }
        });
        scriptNs = sim.nowNs();
        lastStepNs = scriptNs;
    }

    // ---------------------------------------------------------------- time

    /** A script line's time: {@code +.1} is {@code t(0.1)}. Runs the stack up to that instant. */
    Pd t(double plusSeconds) {
        lastStepNs = scriptNs;
        scriptNs += Math.round(plusSeconds * 1e9);
        long now = sim.nowNs();
        if (scriptNs > now) {
            // step so that a woken call finishes at the instant it was woken
            while (blocked != null && sim.nowNs() < scriptNs) {
                boolean woke = sim.runUntil(() -> blocked != null && sys.sleepers(blocked.fd) == 0,
                        java.time.Duration.ofNanos(scriptNs - sim.nowNs()));
                if (!woke) {
                    break;
                }
                settle();
            }
            if (sim.nowNs() < scriptNs) {
                sim.runForNs(scriptNs - sim.nowNs());
            }
        }
        return this;
    }

    /** A blocking system call running on its own thread (packetdrill's {@code +0...0.2 call}). */
    final class Call {
        final int fd;
        final Thread thread;
        volatile int result;
        volatile long doneNs = -1;

        Call(int fd, java.util.function.IntSupplier call) {
            this.fd = fd;
            this.thread = Thread.ofVirtual().start(() -> {
                int r = call.getAsInt();
                result = r;
                doneNs = sim.nowNs();
            });
            long start = System.nanoTime();
            while (sys.sleepers(fd) == 0 && doneNs < 0) {
                if (System.nanoTime() - start > 30_000_000_000L) throw new AssertionError("call never blocked");
                Thread.yield();
            }
        }

        /** The call has returned {@code expected} at script time {@code atSeconds} after its start. */
        void returns(int expected, double atSeconds) {
            settle();
            assertThat(doneNs).as("call returned").isGreaterThanOrEqualTo(0);
            assertThat(result).isEqualTo(expected);
            long want = startNs + Math.round(atSeconds * 1e9);
            assertThat(Math.abs(doneNs - want)).as("return time %.4f vs %.4f", doneNs / 1e9, want / 1e9)
                    .isLessThanOrEqualTo(4_000_000L);
        }

        private final long startNs = scriptNs;
    }

    private Call blocked;

    Call blocking(int fd, java.util.function.IntSupplier call) {
        Call c = new Call(fd, call);
        blocked = c.doneNs >= 0 ? null : c;
        return c;
    }

    /** If the blocked call was woken, lets it run until it returns or blocks again. */
    private void settle() {
        Call c = blocked;
        if (c == null) {
            return;
        }
        long start = System.nanoTime();
        // Blocked again only when it sleeps on the fd AND its thread is parked: the sleeper count
        // alone once let a woken accept look blocked under load (TcpPacketdrillTest.blockingAccept,
        // "call returned"), the thread still between being woken and running.
        while (c.doneNs < 0 && !(sys.sleepers(c.fd) > 0 && parked(c.thread))) {
            if (System.nanoTime() - start > 30_000_000_000L) throw new AssertionError("woken call never finished");
            Thread.yield();
        }
        if (c.doneNs >= 0) {
            try {
                c.thread.join();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            blocked = null;
        }
    }

    private static boolean parked(Thread t) {
        Thread.State st = t.getState();
        return st == Thread.State.WAITING || st == Thread.State.TIMED_WAITING;
    }

    long nowMs() {
        return (scriptNs - startNs) / 1_000_000;
    }

    private final long startNs = 0;

    // ---------------------------------------------------------------- socket calls

    int listen(int backlog) {
        int fd = sys.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        assertThat(sys.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1)).isZero();
        assertThat(sys.bind(fd, new SockAddrIn(LOCAL, LOCAL_PORT))).isZero();
        assertThat(sys.listen(fd, backlog)).isZero();
        sys.fcntl(fd, F_SETFL, O_NONBLOCK);
        return fd;
    }

    /** A listener that blocks (no O_NONBLOCK), with {@code SO_RCVBUF} set first when {@code rcvbuf > 0}. */
    int listenBlocking(int backlog, int rcvbuf) {
        int fd = sys.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        assertThat(sys.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1)).isZero();
        if (rcvbuf > 0) {
            assertThat(sys.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, rcvbuf)).isZero();
        }
        assertThat(sys.bind(fd, new SockAddrIn(LOCAL, LOCAL_PORT))).isZero();
        assertThat(sys.listen(fd, backlog)).isZero();
        return fd;
    }

    /**
     * A connection accepted from the remote side's handshake on a listener at {@link #LOCAL_PORT}
     * (backlog 4), in Linux's option layout, with or without timestamps; returns its fd.
     */
    int established(boolean timestamps) {
        int l = listen(4);
        if (timestamps) {
            in("S 0:0(0) win 32792 <mss 1000,sackOK,TS val 100 ecr 0,nop,wscale 7>");
            out("S. 0:0(0) ack 1 <mss 1460,sackOK,TS val 0 ecr 100,nop,wscale 8>");
            t(.01).in(". 1:1(0) ack 1 win 257 <nop,nop,TS val 110 ecr 1>");
        } else {
            in("S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>");
            out("S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>");
            t(.01).in(". 1:1(0) ack 1 win 257");
        }
        return accept(l);
    }

    int accept(int lfd) {
        int fd = sys.accept4(lfd, null, 0);
        assertThat(fd).as("accept").isGreaterThanOrEqualTo(3);
        return fd;
    }

    /** A non-blocking connect to the remote peer's port 8080 (the SYN goes out). */
    int connect() {
        return connect(sys.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP));
    }

    /** {@link #connect()} of a socket the test made (and set options on) itself. */
    int connect(int fd) {
        sys.fcntl(fd, F_SETFL, O_NONBLOCK);
        assertThat(sys.connect(fd, new SockAddrIn(REMOTE, 8080))).isEqualTo(-dev.packetflow.net.socket.Errno.EINPROGRESS.code);
        active = true;
        localIsn = -1;
        return fd;
    }

    int write(int fd, int len) {
        return sys.send(fd, ByteBuffer.allocate(len), MSG_DONTWAIT);
    }

    int write(int fd, int len, int flags) {
        return sys.send(fd, ByteBuffer.allocate(len), MSG_DONTWAIT | flags);
    }

    int read(int fd, int len) {
        return sys.recv(fd, ByteBuffer.allocate(len), MSG_DONTWAIT);
    }

    TcpSock tcp(int fd) {
        return (TcpSock) sys.sock(fd);
    }

    // ---------------------------------------------------------------- packets

    private static final class Line {
        int flags;
        long seq;
        long end;
        int len;
        long ack = -1;
        int win = -1;
        List<int[]> opts; // {kind, values...}; null when not written; "<...>" → empty list with wildcard
        boolean anyOpts;
    }

    private static Line parse(String s) {
        Line l = new Line();
        String[] p = s.trim().split("\\s+", 2);
        for (char c : p[0].toCharArray()) {
            switch (c) {
                case 'S' -> l.flags |= TcpHeader.SYN;
                case 'F' -> l.flags |= TcpHeader.FIN;
                case 'R' -> l.flags |= TcpHeader.RST;
                case 'P' -> l.flags |= TcpHeader.PSH;
                case '.' -> l.flags |= TcpHeader.ACK;
                default -> throw new IllegalArgumentException("flag " + c + " in " + s);
            }
        }
        String rest = p[1];
        String opts = null;
        int lt = rest.indexOf('<');
        if (lt >= 0) {
            opts = rest.substring(lt + 1, rest.lastIndexOf('>'));
            rest = rest.substring(0, lt);
        }
        String[] w = rest.trim().split("\\s+");
        String[] se = w[0].split("[:()]");
        l.seq = Long.parseLong(se[0]);
        l.end = Long.parseLong(se[1]);
        l.len = Integer.parseInt(se[2]);
        for (int i = 1; i < w.length; i += 2) {
            switch (w[i]) {
                case "ack" -> l.ack = Long.parseLong(w[i + 1]);
                case "win" -> l.win = Integer.parseInt(w[i + 1]);
                default -> throw new IllegalArgumentException(w[i] + " in " + s);
            }
        }
        if (opts != null) {
            l.opts = new ArrayList<>();
            if (opts.trim().equals("...")) {
                l.anyOpts = true;
            } else {
                for (String o : opts.split(",")) {
                    String[] t = o.trim().split("\\s+");
                    switch (t[0]) {
                        case "nop" -> l.opts.add(new int[] {1});
                        case "eol" -> l.opts.add(new int[] {0});
                        case "mss" -> l.opts.add(new int[] {2, Integer.parseInt(t[1])});
                        case "wscale" -> l.opts.add(new int[] {3, Integer.parseInt(t[1])});
                        case "sackOK" -> l.opts.add(new int[] {4});
                        case "TS" -> l.opts.add(new int[] {8, (int) Long.parseLong(t[2]), (int) Long.parseLong(t[4])});
                        case "sack" -> {
                            int[] v = new int[1 + 2 * (t.length - 1)];
                            v[0] = 5;
                            for (int i = 1; i < t.length; i++) {
                                String[] ab = t[i].split(":");
                                v[2 * i - 1] = (int) Long.parseLong(ab[0]);
                                v[2 * i] = (int) Long.parseLong(ab[1]);
                            }
                            l.opts.add(v);
                        }
                        default -> throw new IllegalArgumentException("option " + o);
                    }
                }
            }
        }
        return l;
    }

    /** {@code < ...}: the remote peer sends this segment now. */
    Pd in(String line) {
        Line l = parse(line);
        byte[] opts = encodeInbound(l.opts == null ? List.of() : l.opts);
        int ack = l.ack < 0 ? 0 : (int) (localIsn + l.ack);
        int flags = l.flags;
        if ((flags & TcpHeader.SYN) != 0 && (flags & TcpHeader.ACK) == 0 && !sameConnection) {
            remotePort++;
            localPort = LOCAL_PORT;
            active = false;
        }
        byte[] f = Segments.frame(eth0.mac(), REMOTE_MAC, REMOTE, remotePort, LOCAL, localPort, (int) l.seq, ack, flags,
                l.win < 0 ? 0 : l.win, opts, new byte[l.len]);
        if (inTos != 0 || inTtl != 64) {
            f[15] = (byte) inTos;
            f[22] = (byte) inTtl;
            f[24] = 0;
            f[25] = 0;
            Segments.put16(f, 24, dev.packetflow.net.ipv4.InetChecksum.compute(f, 14, 20));
        }
        log.add(String.format("%8.3f < %s", (scriptNs - startNs) / 1e9, line.trim()));
        eth0.inject(f);
        sim.runForNs(0);
        settle();
        return this;
    }

    private boolean sameConnection;

    /** The TOS byte and TTL of the remote peer's segments ({@link #in}). */
    int inTos;
    int inTtl = 64;

    /** The frames (Ethernet on) that the last {@link #out} matched, in order. */
    final List<byte[]> lastOut = new ArrayList<>();

    /** {@code < ...} on the current connection even if it is a SYN (a SYN in the middle of a connection). */
    Pd inSameConnection(String line) {
        sameConnection = true;
        try {
            return in(line);
        } finally {
            sameConnection = false;
        }
    }

    /** {@code < ...} as one GRO packet of {@code gsoSize}-byte segments (what a tun with GSO delivers). */
    Pd inGro(String line, int gsoSize) {
        Line l = parse(line);
        byte[] opts = encodeInbound(l.opts == null ? List.of() : l.opts);
        int ack = l.ack < 0 ? 0 : (int) (localIsn + l.ack);
        byte[] f = Segments.frame(eth0.mac(), REMOTE_MAC, REMOTE, remotePort, LOCAL, localPort, (int) l.seq, ack, l.flags,
                l.win < 0 ? 0 : l.win, opts, new byte[l.len]);
        log.add(String.format("%8.3f < %s (GRO %d)", (scriptNs - startNs) / 1e9, line.trim(), gsoSize));
        dev.packetflow.net.core.SkBuff skb = Skb.netdevAllocSkb(eth0, f.length);
        skb.putData(f);
        skb.gsoSize = gsoSize;
        skb.gsoSegs = (l.len + gsoSize - 1) / gsoSize;
        eth0.inject(skb);
        sim.runForNs(0);
        settle();
        return this;
    }


    private byte[] encodeInbound(List<int[]> opts) {
        ByteBuffer b = ByteBuffer.allocate(60);
        for (int[] o : opts) {
            switch (o[0]) {
                case 0 -> b.put((byte) 0);
                case 1 -> b.put((byte) 1);
                case 2 -> b.put((byte) 2).put((byte) 4).putShort((short) o[1]);
                case 3 -> b.put((byte) 3).put((byte) 3).put((byte) o[1]);
                case 4 -> b.put((byte) 4).put((byte) 2);
                case 8 -> b.put((byte) 8).put((byte) 10).putInt(o[1]).putInt(o[2] == 0 ? 0 : lastTsVal);
                case 5 -> {
                    b.put((byte) 5).put((byte) (2 + 8 * (o.length - 1) / 2));
                    for (int i = 1; i < o.length; i++) {
                        b.putInt((int) (localIsn + (o[i] & 0xffffffffL)));
                    }
                }
                default -> throw new IllegalArgumentException();
            }
        }
        byte[] r = new byte[b.position()];
        b.flip().get(r);
        return r;
    }

    long lastTsVal() {
        return lastTsVal & 0xffffffffL;
    }

    long lastTsEcr() {
        return lastTsEcr & 0xffffffffL;
    }

    private int lastTsEcr;

    /** {@code * > ...}: the SUT must send this at any time (within 2 s); the script's clock moves to it. */
    Pd outAny(String line) {
        anyTime = true;
        try {
            return out(line);
        } finally {
            anyTime = false;
        }
    }

    private boolean anyTime;

    /** {@code +a~+b > ...}: the SUT must send this between a and b seconds from now (± 4 ms). */
    Pd outWithin(double fromSeconds, double toSeconds, String line) {
        long base = scriptNs;
        anyTime = true;
        try {
            out(line);
        } finally {
            anyTime = false;
        }
        long d = scriptNs - base;
        assertThat(d).as("arrival of %s %.4f s after the previous event", line, d / 1e9)
                .isBetween(Math.round(fromSeconds * 1e9) - 4_000_000L, Math.round(toSeconds * 1e9) + 4_000_000L);
        return this;
    }

    /** {@code > ...}: the SUT must send this now (aggregating consecutive segments like the runner). */
    Pd out(String line) {
        Line l = parse(line);
        long tol = anyTime ? 2_000_000_000L : 4_000_000L + (scriptNs - lastStepNs) / 8;
        byte[] f = next(scriptNs + tol);
        assertThat(f).as("expected at %.3f: > %s\n%s", scriptNs / 1e9, line, String.join("\n", log)).isNotNull();
        long at = txTimes.poll()[0];
        lastOut.clear();
        lastOut.add(f);
        if (anyTime) {
            lastStepNs = scriptNs;
            scriptNs = at;
        }
        Seg s = Seg.of(f);
        if ((s.flags & TcpHeader.SYN) != 0) {
            localIsn = s.seq;
            if (active) {
                localPort = ((f[34] & 0xff) << 8) | (f[35] & 0xff);
                remotePort = 8080;
            }
        }
        lastTsVal = s.tsVal;
        lastTsEcr = s.tsEcr;
        long relSeq = (s.seq - localIsn) & 0xffffffffL;
        int total = s.len;
        int flagsOr = s.flags;
        int segments = 1;
        while (total < l.len) {
            segments++;
            byte[] g = next(scriptNs + tol);
            assertThat(g).as("aggregating %s: got %d bytes", line, total).isNotNull();
            txTimes.poll();
            lastOut.add(g);
            Seg n = Seg.of(g);
            assertThat((n.seq - localIsn) & 0xffffffffL).isEqualTo(relSeq + total);
            total += n.len;
            flagsOr |= n.flags;
            s = n;
        }
        String actual = s.describe(relSeq, localIsn, total, flagsOr);
        log.add(String.format("%8.3f > %s   [actual at %.3f: %s]", scriptNs / 1e9, line.trim(), at / 1e9, actual));
        String ctx = String.join("\n", log);
        assertThat(Math.abs(at - scriptNs)).as("time of > %s (actual %.4f, script %.4f)\n%s", line, at / 1e9, scriptNs / 1e9, ctx)
                .isLessThanOrEqualTo(tol);
        int flagsExpected = l.flags;
        // PSH may sit on any segment of an aggregate; compare the union
        assertThat(flagsOr & ~TcpHeader.PSH).as("flags of %s\n%s", line, ctx).isEqualTo(flagsExpected & ~TcpHeader.PSH);
        // An aggregate of several segments stands for one Linux GSO packet, whose PSH Linux forces
        // (tcp_output.c __tcp_transmit_skb(): tcp_skb_pcount(skb) > 1, commit 051ba67447de); this
        // stack sends MSS-sized segments, so PSH is compared on single segments only.
        if (segments == 1) {
            assertThat(flagsOr & TcpHeader.PSH).as("PSH of %s\n%s", line, ctx).isEqualTo(flagsExpected & TcpHeader.PSH);
        }
        assertThat(relSeq).as("seq of %s\n%s", line, ctx).isEqualTo(l.seq);
        assertThat(total).as("len of %s\n%s", line, ctx).isEqualTo(l.len);
        if (l.ack >= 0) {
            assertThat(s.ack & 0xffffffffL).as("ack of %s\n%s", line, ctx).isEqualTo(l.ack);
        }
        if (l.win >= 0) {
            assertThat(s.win).as("win of %s\n%s", line, ctx).isEqualTo(l.win);
        }
        if (l.opts != null && !l.anyOpts) {
            assertThat(s.optsString(localIsn)).as("options of %s\n%s", line, ctx).isEqualTo(optsString(l.opts));
        } else if (l.opts == null) {
            assertThat(s.optsString(localIsn)).as("options of %s\n%s", line, ctx).isEmpty();
        }
        return this;
    }

    /** Nothing leaves the SUT up to the current script time (plus tolerance). */
    Pd none() {
        byte[] f = next(scriptNs);
        assertThat(f).as("no packet expected by %.3f, got %s\n%s", scriptNs / 1e9, f == null ? "" : Seg.of(f).describe(
                (Seg.of(f).seq - localIsn) & 0xffffffffL, localIsn, Seg.of(f).len, Seg.of(f).flags), String.join("\n", log)).isNull();
        return this;
    }

    private byte[] next(long deadlineNs) {
        if (tx.isEmpty()) {
            sim.runUntil(() -> !tx.isEmpty() || (blocked != null && sys.sleepers(blocked.fd) == 0),
                    java.time.Duration.ofNanos(Math.max(0, deadlineNs - sim.nowNs())));
            settle();
            if (tx.isEmpty()) {
                sim.runUntil(() -> !tx.isEmpty(), java.time.Duration.ofNanos(Math.max(0, deadlineNs - sim.nowNs())));
            }
        }
        if (tx.isEmpty()) {
            return null;
        }
        if (txTimes.peek()[0] > deadlineNs) {
            return null;
        }
        return tx.poll();
    }

    static String optsString(List<int[]> opts) {
        StringBuilder b = new StringBuilder();
        for (int[] o : opts) {
            if (!b.isEmpty()) b.append(',');
            switch (o[0]) {
                case 0 -> b.append("eol");
                case 1 -> b.append("nop");
                case 2 -> b.append("mss ").append(o[1]);
                case 3 -> b.append("wscale ").append(o[1]);
                case 4 -> b.append("sackOK");
                case 8 -> b.append("TS");
                case 5 -> {
                    b.append("sack");
                    for (int i = 1; i < o.length; i += 2) {
                        b.append(' ').append(o[i] & 0xffffffffL).append(':').append(o[i + 1] & 0xffffffffL);
                    }
                }
                default -> b.append("kind").append(o[0]);
            }
        }
        return b.toString();
    }

    /** A parsed outbound frame. */
    record Seg(int flags, long seq, long ack, int win, int len, byte[] opts, int tsVal, int tsEcr) {
        static Seg of(byte[] f) {
            int ip = 14;
            int ihl = (f[ip] & 15) * 4;
            int tot = ((f[ip + 2] & 0xff) << 8) | (f[ip + 3] & 0xff);
            int th = ip + ihl;
            int doff = ((f[th + 12] & 0xff) >> 4) * 4;
            byte[] o = java.util.Arrays.copyOfRange(f, th + 20, th + doff);
            int ts = 0;
            int ecr = 0;
            for (int i = 0; i < o.length;) {
                int k = o[i] & 0xff;
                if (k == 0) break;
                if (k == 1) { i++; continue; }
                if (k == 8) {
                    ts = ByteBuffer.wrap(o, i + 2, 4).getInt();
                    ecr = ByteBuffer.wrap(o, i + 6, 4).getInt();
                }
                i += Math.max(2, o[i + 1] & 0xff);
            }
            return new Seg(f[th + 13] & 0xff, u32(f, th + 4), u32(f, th + 8), ((f[th + 14] & 0xff) << 8) | (f[th + 15] & 0xff),
                    tot - ihl - doff, o, ts, ecr);
        }

        static long u32(byte[] f, int off) {
            return ByteBuffer.wrap(f, off, 4).getInt() & 0xffffffffL;
        }

        String optsString(long localIsn) {
            List<int[]> l = new ArrayList<>();
            for (int i = 0; i < opts.length;) {
                int k = opts[i] & 0xff;
                if (k == 0) { l.add(new int[] {0}); i++; continue; }
                if (k == 1) { l.add(new int[] {1}); i++; continue; }
                int len = opts[i + 1] & 0xff;
                ByteBuffer b = ByteBuffer.wrap(opts, i + 2, len - 2);
                switch (k) {
                    case 2 -> l.add(new int[] {2, b.getShort() & 0xffff});
                    case 3 -> l.add(new int[] {3, b.get() & 0xff});
                    case 4 -> l.add(new int[] {4});
                    case 8 -> l.add(new int[] {8});
                    case 5 -> {
                        int[] v = new int[1 + (len - 2) / 4];
                        v[0] = 5;
                        for (int j = 1; j < v.length; j++) {
                            v[j] = b.getInt(); // remote sequence space: as written in scripts
                        }
                        l.add(v);
                    }
                    default -> l.add(new int[] {k});
                }
                i += len;
            }
            return Pd.optsString(l);
        }

        String describe(long relSeq, long localIsn, int total, int flagsOr) {
            StringBuilder f = new StringBuilder();
            if ((flagsOr & TcpHeader.SYN) != 0) f.append('S');
            if ((flagsOr & TcpHeader.FIN) != 0) f.append('F');
            if ((flagsOr & TcpHeader.RST) != 0) f.append('R');
            if ((flagsOr & TcpHeader.PSH) != 0) f.append('P');
            if ((flagsOr & TcpHeader.ACK) != 0) f.append('.');
            return f + " " + relSeq + ":" + (relSeq + total) + "(" + total + ") ack " + ack + " win " + win + " <"
                    + optsString(localIsn) + ">";
        }
    }

    @Override
    public void close() {
        net.close();
    }
}
