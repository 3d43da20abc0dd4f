package dev.packetflow.apps;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.socket.TcpServerSocket;
import dev.packetflow.net.socket.TcpSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The classic small TCP services that inetd served internally, and a small web server, as
 * applications on a {@link NetStack}: echo (RFC 862, port 7: bytes go back as they come), discard
 * (RFC 863, port 9: bytes are read and thrown away), chargen (RFC 864, port 19: 72-character lines
 * of the rotating printable-ASCII pattern until the client closes) and HTTP/1.1 on port 80
 * ({@link HttpServer}: GET and HEAD of an index page and of {@code /bytes/N}).
 *
 * <p>Each service is a {@link TcpServerSocket} with one accept thread; each connection runs on a
 * thread of its own ({@link Config#threads}, virtual threads by default) through a
 * {@link TcpSocket}. Bounded: at most {@link Config#maxConnections} connections per service at
 * once (more wait in the listener's backlog until one ends), an idle limit per connection
 * ({@link Config#idleTimeoutMs}; chargen's writer is bounded by its reader's pace instead), and
 * HTTP's request-size limits ({@link HttpServer}). {@link #close()} closes the listeners and every
 * connection, which ends all the threads.
 */
public final class TcpServices implements AutoCloseable {
    public static final int ECHO_PORT = 7;
    public static final int DISCARD_PORT = 9;
    public static final int CHARGEN_PORT = 19;
    public static final int HTTP_PORT = 80;

    /**
     * How the services run. A port of 0 leaves that service out. {@code threads} makes every
     * thread the services start (tests in virtual time pass their lockstep's factory);
     * {@code wallClock} gives HTTP's Date header.
     */
    public record Config(int echoPort, int discardPort, int chargenPort, int httpPort, int maxConnections,
                         int idleTimeoutMs, int backlog, ThreadFactory threads, Clock wallClock) {
        public Config {
            if (maxConnections < 1 || idleTimeoutMs < 0 || backlog < 1) {
                throw new IllegalArgumentException("maxConnections and backlog must be positive, idleTimeoutMs not negative");
            }
            if (threads == null || wallClock == null) {
                throw new IllegalArgumentException("threads and wallClock are required");
            }
        }

        /** The standard ports, 256 connections per service, 60 s idle limit, virtual threads. */
        public static Config defaults() {
            return new Config(ECHO_PORT, DISCARD_PORT, CHARGEN_PORT, HTTP_PORT, 256, 60_000, 128,
                    Thread.ofVirtual().name("tcp-service-", 0).factory(), Clock.systemUTC());
        }

        public Config withPorts(int echo, int discard, int chargen, int http) {
            return new Config(echo, discard, chargen, http, maxConnections, idleTimeoutMs, backlog, threads, wallClock);
        }

        public Config withLimits(int maxConnections, int idleTimeoutMs) {
            return new Config(echoPort, discardPort, chargenPort, httpPort, maxConnections, idleTimeoutMs, backlog,
                    threads, wallClock);
        }

        public Config withThreads(ThreadFactory threads) {
            return new Config(echoPort, discardPort, chargenPort, httpPort, maxConnections, idleTimeoutMs, backlog,
                    threads, wallClock);
        }

        public Config withWallClock(Clock wallClock) {
            return new Config(echoPort, discardPort, chargenPort, httpPort, maxConnections, idleTimeoutMs, backlog,
                    threads, wallClock);
        }
    }

    /** One service's counters. */
    public static final class Counters {
        final AtomicLong connections = new AtomicLong();
        final AtomicLong bytesIn = new AtomicLong();
        final AtomicLong bytesOut = new AtomicLong();
        final AtomicLong requests = new AtomicLong();

        /** Connections accepted so far. */
        public long connections() {
            return connections.get();
        }

        public long bytesIn() {
            return bytesIn.get();
        }

        public long bytesOut() {
            return bytesOut.get();
        }

        /** HTTP requests answered (0 for the other services). */
        public long requests() {
            return requests.get();
        }
    }

    private interface Handler {
        void serve(TcpSocket c, Counters n) throws IOException;
    }

    private final Config config;
    private final List<TcpServerSocket> listeners = new ArrayList<>();
    private final List<Thread> acceptors = new ArrayList<>();
    private final Set<TcpSocket> live = ConcurrentHashMap.newKeySet();
    private final Counters echo = new Counters();
    private final Counters discard = new Counters();
    private final Counters chargen = new Counters();
    private final Counters http = new Counters();
    private volatile boolean closed;

    private TcpServices(Config config) {
        this.config = config;
    }

    /** Echo, discard, chargen and HTTP on their standard ports of every address. */
    public static TcpServices start(NetStack net) throws SocketException {
        return start(net, Config.defaults());
    }

    /** The services {@code config} names, listening on every address of {@code net}. */
    public static TcpServices start(NetStack net, Config config) throws SocketException {
        TcpServices s = new TcpServices(config);
        try {
            s.listen(net, config.echoPort(), s.echo, TcpServices::echo);
            s.listen(net, config.discardPort(), s.discard, TcpServices::discard);
            s.listen(net, config.chargenPort(), s.chargen, TcpServices::chargen);
            HttpServer h = new HttpServer(config.wallClock());
            s.listen(net, config.httpPort(), s.http, h::serve);
        } catch (SocketException | RuntimeException e) {
            s.close();
            throw e;
        }
        for (Thread t : s.acceptors) {
            t.start();
        }
        return s;
    }

    private void listen(NetStack net, int port, Counters n, Handler h) throws SocketException {
        if (port == 0) {
            return;
        }
        TcpServerSocket server = TcpServerSocket.open(net);
        listeners.add(server);
        server.setReuseAddress(true); // a restart must not wait for old connections' TIME_WAIT
        server.bind(new InetSocketAddress("0.0.0.0", port), config.backlog());
        Semaphore slots = new Semaphore(config.maxConnections());
        acceptors.add(config.threads().newThread(() -> acceptLoop(server, slots, n, h)));
    }

    private void acceptLoop(TcpServerSocket server, Semaphore slots, Counters n, Handler h) {
        try {
            for (;;) {
                // Over the limit, connections wait in the listener's accept queue, then SYNs are
                // dropped as Linux drops them when the queue is full: the clients retry.
                slots.acquire();
                TcpSocket c;
                try {
                    c = server.accept();
                } catch (IOException e) {
                    slots.release();
                    return; // closed
                }
                n.connections.incrementAndGet();
                live.add(c);
                if (closed) {
                    c.close();
                }
                config.threads().newThread(() -> {
                    try (c) {
                        if (config.idleTimeoutMs() > 0) {
                            c.setSoTimeout(config.idleTimeoutMs());
                        }
                        h.serve(c, n);
                    } catch (IOException endedByPeerOrTimeout) {
                        // reset, broken pipe, idle timeout, or close(): the connection is over
                    } finally {
                        live.remove(c);
                        slots.release();
                    }
                }).start();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** RFC 862: what arrives goes back, until the client closes its half; then we close ours. */
    private static void echo(TcpSocket c, Counters n) throws IOException {
        InputStream in = c.getInputStream();
        OutputStream out = c.getOutputStream();
        byte[] buf = new byte[16384];
        int r;
        while ((r = in.read(buf)) > 0) {
            n.bytesIn.addAndGet(r);
            out.write(buf, 0, r);
            n.bytesOut.addAndGet(r);
        }
    }

    /**
     * RFC 863: read and throw away until the client closes. Nothing is answered, so there is no
     * latency to keep: the reader asks to be woken per {@link #DISCARD_LOWAT} bytes (SO_RCVLOWAT)
     * rather than per arriving segment, and drops the bytes in the socket without copying them
     * ({@code recv} with {@code MSG_TRUNC}, as Linux allows on TCP); a slow sender's bytes are
     * still taken when its connection goes idle past the read timeout or closes.
     */
    private static void discard(TcpSocket c, Counters n) throws IOException {
        c.setReceiveLowWatermark(DISCARD_LOWAT);
        int r;
        while ((r = c.skip(Integer.MAX_VALUE)) > 0) { // as much as is there, per wake-up
            n.bytesIn.addAndGet(r);
        }
    }

    /**
     * RFC 864: the pattern until the client goes away (its close makes a write fail: the client's
     * stack answers our data with RST). What the client sends is left unread (the RFC lets it be
     * discarded); the idle limit does not apply, since the writer never waits on reads, only on the
     * client's pace of reading.
     */
    private static void chargen(TcpSocket c, Counters n) throws IOException {
        OutputStream out = c.getOutputStream();
        byte[] buf = new byte[CHARGEN_PERIOD * 8];
        chargen(0, buf, 0, buf.length);
        for (;;) {
            out.write(buf);
            n.bytesOut.addAndGet(buf.length);
        }
    }

    /** The discard service's {@code SO_RCVLOWAT}: two 64 KB GSO frames' worth. */
    static final int DISCARD_LOWAT = 128 * 1024;

    // ================================================================ the chargen pattern

    /** Characters per chargen line, without CR LF (RFC 864). */
    public static final int CHARGEN_LINE = 72;
    /** The printable ASCII characters, 32 (space) to 126 (~): one line starts on each. */
    private static final int PRINTABLE = 95;
    /** Bytes after which the pattern repeats: 95 lines of 72 characters and CR LF. */
    public static final int CHARGEN_PERIOD = PRINTABLE * (CHARGEN_LINE + 2);
    private static final byte[] PATTERN = new byte[CHARGEN_PERIOD];

    static {
        int o = 0;
        for (int line = 0; line < PRINTABLE; line++) {
            for (int i = 0; i < CHARGEN_LINE; i++) {
                PATTERN[o++] = (byte) (' ' + (line + i) % PRINTABLE);
            }
            PATTERN[o++] = '\r';
            PATTERN[o++] = '\n';
        }
    }

    /**
     * Fills {@code dst[off..off+len)} with bytes {@code pos..pos+len} of the chargen stream: line
     * {@code k} is the 72 printable characters starting at character {@code k mod 95} of
     * {@code " !\"#...~"}, then CR LF. HTTP's {@code /bytes/N} serves the same stream.
     */
    public static void chargen(long pos, byte[] dst, int off, int len) {
        int p = (int) (pos % CHARGEN_PERIOD);
        while (len > 0) {
            int n = Math.min(len, CHARGEN_PERIOD - p);
            System.arraycopy(PATTERN, p, dst, off, n);
            off += n;
            len -= n;
            p = 0;
        }
    }

    // ================================================================ life

    public Counters echo() {
        return echo;
    }

    public Counters discard() {
        return discard;
    }

    public Counters chargen() {
        return chargen;
    }

    public Counters http() {
        return http;
    }

    /** Connections open right now, over all services. */
    public int openConnections() {
        return live.size();
    }

    /** The ports listening, in the order echo, discard, chargen, HTTP (those configured). */
    public List<Integer> ports() {
        List<Integer> p = new ArrayList<>();
        for (TcpServerSocket l : listeners) {
            p.add(l.getLocalPort());
        }
        return p;
    }

    /** Closes the listeners and every connection; the threads end. */
    @Override
    public void close() {
        closed = true;
        for (TcpServerSocket l : listeners) {
            l.close();
        }
        for (TcpSocket c : live) {
            c.close();
        }
    }
}
