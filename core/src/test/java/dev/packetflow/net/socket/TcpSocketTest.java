package dev.packetflow.net.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.netfilter.Netfilter;
import dev.packetflow.testing.Lockstep;
import dev.packetflow.testing.VethHosts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Java-level TCP sockets over a veth between two stacks, in virtual time: streams and
 * ByteBuffers, timeouts at their exact virtual instants, every exception mapping, options, and
 * 1,000 virtual threads with a connection each. Application code runs on virtual threads in
 * {@link Lockstep} with the simulation.
 */
class TcpSocketTest {
    static final InetSocketAddress A = new InetSocketAddress("198.18.0.1", 0);
    static final InetSocketAddress B_7 = new InetSocketAddress("198.18.0.2", 7);
    /** On B's subnet, owned by nobody: ARP for it fails. */
    static final InetSocketAddress NOBODY_80 = new InetSocketAddress("198.18.0.99", 80);
    static final Duration LIMIT = Duration.ofMinutes(10);

    final VethHosts h = new VethHosts(7);
    final Simulation sim = h.sim;
    final NetStack a = h.a;
    final NetStack b = h.b;
    final Lockstep app = new Lockstep(sim);
    /** While true, B's IP layer loses every TCP segment from A. */
    volatile boolean blackholeB;

    TcpSocketTest() {
        b.netfilter().register(new Netfilter.HookOps(Netfilter.NF_INET_PRE_ROUTING, 0,
                (skb, net, hook, in, out) -> blackholeB && skb.u8(skb.networkHeader + 9) == 6
                        ? Netfilter.NF_DROP : Netfilter.NF_ACCEPT));
    }

    @AfterEach
    void close() {
        h.close();
        app.settle();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** An echo server on B: every connection on its own thread, bytes back until EOF. */
    TcpServerSocket echoServer(AtomicLong echoed) throws IOException {
        TcpServerSocket server = TcpServerSocket.open(b, B_7, 1024);
        app.start(() -> {
            for (;;) {
                TcpSocket c;
                try {
                    c = server.accept();
                } catch (SocketException closed) {
                    return;
                }
                app.start(() -> {
                    try (c) {
                        InputStream in = c.getInputStream();
                        OutputStream out = c.getOutputStream();
                        byte[] buf = new byte[16384];
                        int n;
                        while ((n = in.read(buf)) > 0) {
                            out.write(buf, 0, n);
                            echoed.addAndGet(n);
                        }
                    }
                });
            }
        });
        return server;
    }

    @Test
    void echo_overStreams_bytesComeBack_thenEofBothWays() throws Exception {
        AtomicLong echoed = new AtomicLong();
        AtomicReference<String> got = new AtomicReference<>();
        AtomicInteger eof = new AtomicInteger(99);
        AtomicReference<InetSocketAddress> peer = new AtomicReference<>();
        try (TcpServerSocket server = echoServer(echoed)) {
            app.start(() -> {
                try (TcpSocket s = TcpSocket.connect(a, B_7, 1000)) {
                    peer.set(s.getRemoteSocketAddress());
                    s.getOutputStream().write(ascii("hello, packetflow\n"));
                    got.set(new String(s.getInputStream().readNBytes(18), StandardCharsets.US_ASCII));
                    s.shutdownOutput();
                    eof.set(s.getInputStream().read());
                }
            });
            assertThat(app.runUntil(() -> eof.get() != 99, LIMIT)).isTrue();
            app.rethrow();
        }
        app.runToEnd(LIMIT);
        assertThat(got.get()).isEqualTo("hello, packetflow\n");
        assertThat(eof.get()).isEqualTo(-1);
        assertThat(echoed.get()).isEqualTo(18);
        assertThat(peer.get()).isEqualTo(B_7);
    }

    @Test
    void largeTransfer_8MB_throughStreams_arrivesIntact() throws Exception {
        int size = 8 << 20;
        AtomicLong received = new AtomicLong();
        AtomicLong crcIn = new AtomicLong();
        CRC32 crcOut = new CRC32();
        try (TcpServerSocket server = TcpServerSocket.open(b, B_7, 8)) {
            app.start(() -> {
                try (TcpSocket c = server.accept()) {
                    CRC32 crc = new CRC32();
                    byte[] buf = new byte[65536];
                    InputStream in = c.getInputStream();
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        crc.update(buf, 0, n);
                        received.addAndGet(n);
                    }
                    crcIn.set(crc.getValue());
                }
            });
            byte[] chunk = new byte[100_000];
            app.start(() -> {
                try (TcpSocket s = TcpSocket.connect(a, B_7)) {
                    OutputStream out = s.getOutputStream();
                    java.util.Random r = new java.util.Random(3);
                    for (int left = size; left > 0; left -= chunk.length) {
                        r.nextBytes(chunk);
                        int n = Math.min(left, chunk.length);
                        crcOut.update(chunk, 0, n);
                        out.write(chunk, 0, n);
                    }
                }
            });
            app.runToEnd(LIMIT);
        }
        assertThat(received.get()).isEqualTo(size);
        assertThat(crcIn.get()).isEqualTo(crcOut.getValue());
    }

    @Test
    void byteBuffers_readAndWrite_advancePositions() throws Exception {
        AtomicReference<String> got = new AtomicReference<>();
        AtomicInteger wrote = new AtomicInteger();
        try (TcpServerSocket server = TcpServerSocket.open(b, B_7, 8)) {
            app.start(() -> {
                try (TcpSocket c = server.accept()) {
                    ByteBuffer buf = ByteBuffer.allocateDirect(64);
                    while (c.read(buf) > 0) {
                        // until the client's FIN
                    }
                    buf.flip();
                    got.set(StandardCharsets.US_ASCII.decode(buf).toString());
                }
            });
            app.start(() -> {
                try (TcpSocket s = TcpSocket.connect(a, B_7)) {
                    ByteBuffer src = ByteBuffer.wrap(ascii("byte buffers"));
                    wrote.set(s.write(src));
                    assertThat(src.hasRemaining()).isFalse();
                    assertThat(s.read(ByteBuffer.allocate(0))).isZero();
                }
            });
            app.runToEnd(LIMIT);
        }
        assertThat(wrote.get()).isEqualTo(12);
        assertThat(got.get()).isEqualTo("byte buffers");
    }

    @Test
    void skip_dropsBytesWithoutCopying_thenReadGoesOn_andEndOfStreamIsMinusOne() throws Exception {
        AtomicInteger skipped = new AtomicInteger();
        AtomicReference<String> rest = new AtomicReference<>();
        AtomicInteger atEnd = new AtomicInteger(99);
        AtomicLong streamSkip = new AtomicLong(-1);
        try (TcpServerSocket server = TcpServerSocket.open(b, B_7, 8)) {
            app.start(() -> {
                try (TcpSocket c = server.accept()) {
                    c.setReceiveLowWatermark(16); // wait for the whole message before skipping
                    skipped.set(c.skip(10));
                    byte[] buf = new byte[6];
                    int n = 0;
                    while (n < 6) {
                        n += c.read(buf, n, 6 - n);
                    }
                    rest.set(new String(buf, StandardCharsets.US_ASCII));
                    atEnd.set(c.skip(100));
                    streamSkip.set(c.getInputStream().skip(100));
                }
            });
            app.start(() -> {
                try (TcpSocket s = TcpSocket.connect(a, B_7)) {
                    s.getOutputStream().write(ascii("0123456789-rest-"));
                    s.shutdownOutput();
                    s.read(new byte[1], 0, 1); // until the server closes
                }
            });
            app.runToEnd(LIMIT);
        }
        assertThat(skipped.get()).isEqualTo(10);
        assertThat(rest.get()).isEqualTo("-rest-");
        assertThat(atEnd.get()).isEqualTo(-1);
        assertThat(streamSkip.get()).isZero();
    }

    // ------------------------------------------------------------------ timeouts

    @Test
    void readTimeout_atItsVirtualInstant_socketStaysUsable() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicLong at = new AtomicLong();
        AtomicReference<String> after = new AtomicReference<>();
        try (TcpServerSocket server = TcpServerSocket.open(b, B_7, 8)) {
            AtomicReference<TcpSocket> accepted = new AtomicReference<>();
            app.start(() -> accepted.set(server.accept()));
            app.start(() -> {
                try (TcpSocket s = TcpSocket.connect(a, B_7)) {
                    s.setSoTimeout(250);
                    long t0 = sim.nowNs();
                    try {
                        s.getInputStream().read();
                    } catch (SocketTimeoutException e) {
                        thrown.set(e);
                        at.set(sim.nowNs() - t0);
                    }
                    accepted.get().getOutputStream().write(ascii("late"));
                    after.set(new String(s.getInputStream().readNBytes(4), StandardCharsets.US_ASCII));
                }
            });
            app.runUntil(() -> after.get() != null, LIMIT);
            app.rethrow();
            accepted.get().close();
        }
        assertThat(thrown.get()).isInstanceOf(SocketTimeoutException.class).hasMessage("Read timed out");
        assertThat(at.get()).isEqualTo(250_000_000L);
        assertThat(after.get()).isEqualTo("late");
    }

    @Test
    void acceptTimeout_atItsVirtualInstant() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicLong at = new AtomicLong();
        try (TcpServerSocket server = TcpServerSocket.open(b, B_7, 8)) {
            server.setSoTimeout(1500);
            assertThat(server.getSoTimeout()).isEqualTo(1500);
            long t0 = sim.nowNs();
            app.start(() -> {
                try {
                    server.accept();
                } catch (SocketTimeoutException e) {
                    thrown.set(e);
                    at.set(sim.nowNs() - t0);
                }
            });
            app.runToEnd(LIMIT);
            assertThat(server.isClosed()).isFalse();
        }
        assertThat(thrown.get()).hasMessage("Accept timed out");
        assertThat(at.get()).isEqualTo(1_500_000_000L);
    }

    @Test
    void connectTimeout_toAHostThatNeverAnswers_throwsAtTheDeadline_andClosesTheSocket() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicLong at = new AtomicLong();
        AtomicReference<TcpSocket> sock = new AtomicReference<>();
        long t0 = sim.nowNs();
        app.start(() -> {
            TcpSocket s = TcpSocket.open(a);
            sock.set(s);
            try {
                s.connect(NOBODY_80, 500);
            } catch (IOException e) {
                thrown.set(e);
                at.set(sim.nowNs() - t0);
            }
        });
        app.runToEnd(LIMIT);
        assertThat(thrown.get()).isInstanceOf(SocketTimeoutException.class).hasMessage("Connect timed out");
        assertThat(at.get()).isEqualTo(500_000_000L);
        assertThat(sock.get().isClosed()).isTrue();
        assertThat(a.sockets().openFds()).isEmpty();
    }

    // ------------------------------------------------------------------ exceptions

    IOException connectFails(InetSocketAddress to) {
        AtomicReference<IOException> thrown = new AtomicReference<>();
        app.start(() -> {
            try {
                TcpSocket.connect(a, to).close();
            } catch (IOException e) {
                thrown.set(e);
            }
        });
        app.runToEnd(LIMIT);
        assertThat(a.sockets().openFds()).as("the failed connect closed its socket").isEmpty();
        return thrown.get();
    }

    @Test
    void connectToClosedPort_isConnectExceptionConnectionRefused() {
        assertThat(connectFails(new InetSocketAddress("198.18.0.2", 9999))).isExactlyInstanceOf(ConnectException.class)
                .hasMessage("Connection refused (ECONNREFUSED)");
    }

    @Test
    void connectToUnresolvableNeighbour_isNoRouteToHostException() {
        long t0 = sim.nowNs();
        assertThat(connectFails(NOBODY_80)).isExactlyInstanceOf(NoRouteToHostException.class)
                .hasMessage("No route to host (EHOSTUNREACH)");
        assertThat(sim.nowNs() - t0).as("ARP gave up after its probes").isGreaterThanOrEqualTo(3_000_000_000L);
    }

    @Test
    void connectIntoABlackhole_givesUpAfterSynRetries_connectExceptionTimedOut() {
        blackholeB = true;
        long t0 = sim.nowNs();
        assertThat(connectFails(new InetSocketAddress("198.18.0.2", 80))).isExactlyInstanceOf(ConnectException.class)
                .hasMessage("Connection timed out (ETIMEDOUT)");
        // tcp_syn_retries 6: 1 + 2 + 4 + 8 + 16 + 32 + 64 s
        assertThat((sim.nowNs() - t0) / 1_000_000_000L).isEqualTo(127);
    }

    @Test
    void bindToPortInUse_orForeignAddress_isBindException() throws Exception {
        try (TcpServerSocket server = TcpServerSocket.open(b, B_7, 8)) {
            assertThatThrownBy(() -> TcpServerSocket.open(b, B_7, 8)).isExactlyInstanceOf(BindException.class)
                    .hasMessage("Address already in use (EADDRINUSE)");
            assertThatThrownBy(() -> TcpSocket.open(b, new InetSocketAddress("198.18.7.7", 1)))
                    .isExactlyInstanceOf(BindException.class).hasMessage("Cannot assign requested address (EADDRNOTAVAIL)");
            assertThat(server.getLocalSocketAddress()).isEqualTo(B_7);
        }
        assertThat(b.sockets().openFds()).isEmpty();
    }

    @Test
    void reuseAddressAndPort_letTwoListenersShareThePort() throws Exception {
        TcpServerSocket s1 = TcpServerSocket.open(b);
        TcpServerSocket s2 = TcpServerSocket.open(b);
        try (s1; s2) {
            s1.setReusePort(true);
            s2.setReusePort(true);
            s1.setReuseAddress(true);
            assertThat(s1.getReusePort()).isTrue();
            assertThat(s1.getReuseAddress()).isTrue();
            s1.bind(B_7, 16);
            s2.bind(B_7, 16);
            assertThat(s2.getLocalPort()).isEqualTo(7);
        }
    }

    /**
     * The peer aborts (SO_LINGER 0): our blocked read throws "Connection reset", and so does every
     * later read; a write after that is "Broken pipe".
     */
    @Test
    void peerAbort_readThrowsConnectionReset_thenWriteBrokenPipe() throws Exception {
        AtomicReference<Throwable> first = new AtomicReference<>();
        AtomicReference<Throwable> second = new AtomicReference<>();
        AtomicReference<Throwable> write = new AtomicReference<>();
        try (TcpServerSocket server = TcpServerSocket.open(b, B_7, 8)) {
            app.start(() -> {
                TcpSocket c = server.accept();
                c.setSoLinger(true, 0);
                assertThat(c.getSoLinger()).isZero();
                c.getInputStream().read(); // the client's byte, then abort
                c.close();
            });
            app.start(() -> {
                try (TcpSocket s = TcpSocket.connect(a, B_7)) {
                    s.getOutputStream().write('x');
                    InputStream in = s.getInputStream();
                    try {
                        in.read();
                    } catch (SocketException e) {
                        first.set(e);
                    }
                    try {
                        in.read();
                    } catch (SocketException e) {
                        second.set(e);
                    }
                    try {
                        s.getOutputStream().write(ascii("after the reset"));
                    } catch (SocketException e) {
                        write.set(e);
                    }
                }
            });
            app.runToEnd(LIMIT);
        }
        assertThat(first.get()).isExactlyInstanceOf(SocketException.class).hasMessage("Connection reset (ECONNRESET)");
        assertThat(second.get()).hasMessage("Connection reset (ECONNRESET)");
        assertThat(write.get()).isExactlyInstanceOf(SocketException.class).hasMessage("Broken pipe (EPIPE)");
    }

    @Test
    void writeAfterShutdownOutput_isBrokenPipe_readAfterShutdownInput_isEof() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicInteger read = new AtomicInteger(99);
        try (TcpServerSocket server = TcpServerSocket.open(b, B_7, 8)) {
            AtomicReference<TcpSocket> accepted = new AtomicReference<>();
            app.start(() -> accepted.set(server.accept()));
            app.start(() -> {
                try (TcpSocket s = TcpSocket.connect(a, B_7)) {
                    s.shutdownOutput();
                    assertThat(s.isOutputShutdown()).isTrue();
                    try {
                        s.getOutputStream().write(1);
                    } catch (SocketException e) {
                        thrown.set(e);
                    }
                    s.shutdownInput();
                    read.set(s.getInputStream().read());
                    assertThatThrownBy(s::shutdownInput).hasMessage("Socket input is already shutdown");
                }
            });
            app.runUntil(() -> read.get() != 99 && accepted.get() != null, LIMIT);
            app.rethrow();
            accepted.get().close();
        }
        assertThat(thrown.get()).hasMessage("Broken pipe (EPIPE)");
        assertThat(read.get()).isEqualTo(-1);
    }

    @Test
    void closeWhileBlocked_isSocketClosed_interruptIsClosedByInterrupt_afterCloseIsSocketIsClosed() throws Exception {
        AtomicReference<Throwable> closedWhileBlocked = new AtomicReference<>();
        AtomicReference<Throwable> interrupted = new AtomicReference<>();
        try (TcpServerSocket server = TcpServerSocket.open(b, B_7, 8)) {
            TcpSocket[] s = new TcpSocket[2];
            app.start(() -> {
                server.accept();
                server.accept();
            });
            app.start(() -> s[0] = TcpSocket.connect(a, B_7));
            app.start(() -> s[1] = TcpSocket.connect(a, B_7));
            app.runFor(Duration.ofMillis(50));
            app.rethrow();
            Thread r0 = app.start(() -> {
                try {
                    s[0].getInputStream().read();
                } catch (SocketException e) {
                    closedWhileBlocked.set(e);
                }
            });
            Thread r1 = app.start(() -> {
                try {
                    s[1].getInputStream().read();
                } catch (SocketException e) {
                    interrupted.set(e);
                }
            });
            app.settle();
            assertThat(r0.isAlive()).isTrue();
            s[0].close();
            r1.interrupt();
            app.runToEnd(LIMIT);
            assertThat(s[1].isClosed()).as("interrupt closed it").isTrue();
            assertThatThrownBy(() -> s[0].getInputStream()).hasMessage("Socket is closed");
            assertThatThrownBy(() -> s[0].write(ByteBuffer.allocate(1))).hasMessage("Socket is closed");
            assertThat(s[0].getLocalPort()).isEqualTo(-1);
            s[0].close(); // idempotent
        }
        assertThat(closedWhileBlocked.get()).hasMessage("Socket closed");
        assertThat(interrupted.get()).hasMessage("Closed by interrupt");
    }

    @Test
    void closingTheServer_wakesABlockedAccept() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        TcpServerSocket server = TcpServerSocket.open(b, B_7, 8);
        app.start(() -> {
            try {
                server.accept();
            } catch (SocketException e) {
                thrown.set(e);
            }
        });
        app.settle();
        server.close();
        app.runToEnd(LIMIT);
        assertThat(thrown.get()).hasMessage("Socket closed");
        assertThatThrownBy(server::accept).hasMessage("Socket is closed");
    }

    // ------------------------------------------------------------------ options

    @Test
    void options_roundTrip_asLinuxReportsThem() throws Exception {
        try (TcpSocket s = TcpSocket.open(a)) {
            assertThat(s.getTcpNoDelay()).isFalse();
            s.setTcpNoDelay(true);
            assertThat(s.getTcpNoDelay()).isTrue();
            assertThat(s.getKeepAlive()).isFalse();
            s.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            assertThat(s.getOption(StandardSocketOptions.SO_KEEPALIVE)).isTrue();
            s.setKeepAliveTimes(30, 5, 3);
            assertThat(s.getSoLinger()).isEqualTo(-1);
            s.setOption(StandardSocketOptions.SO_LINGER, 5);
            assertThat(s.getOption(StandardSocketOptions.SO_LINGER)).isEqualTo(5);
            s.setSoLinger(false, 0);
            assertThat(s.getSoLinger()).isEqualTo(-1);
            s.setSendBufferSize(32768);
            assertThat(s.getSendBufferSize()).isEqualTo(65536); // Linux doubles it
            s.setReceiveBufferSize(40000);
            assertThat(s.getReceiveBufferSize()).isEqualTo(80000);
            s.setReuseAddress(true);
            assertThat(s.getReuseAddress()).isTrue();
            assertThat(s.supportedOptions()).contains(StandardSocketOptions.IP_TOS);
            s.setTrafficClass(0xb8 | 1); // the ECN bits are TCP's
            assertThat(s.getTrafficClass()).isEqualTo(0xb8);
            s.setOption(StandardSocketOptions.IP_TOS, 0x28);
            assertThat(s.getOption(StandardSocketOptions.IP_TOS)).isEqualTo(0x28);
            assertThatThrownBy(() -> s.setTrafficClass(256)).isInstanceOf(IllegalArgumentException.class);
            assertThat(s.isConnected()).isFalse();
            assertThat(s.getRemoteSocketAddress()).isNull();
            assertThatThrownBy(s::getInputStream).hasMessage("Socket is not connected");
            assertThatThrownBy(() -> s.setSoTimeout(-1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.getOption(StandardSocketOptions.SO_BROADCAST))
                    .isInstanceOf(UnsupportedOperationException.class);
        }
    }

    /**
     * Keepalive in virtual time: with the peer gone silent, 30 s idle and 3 probes 5 s apart end
     * the connection, and the blocked read learns it as "Connection timed out".
     */
    @Test
    void keepalive_peerSilent_readFailsAfterTheProbes() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicLong at = new AtomicLong();
        try (TcpServerSocket server = TcpServerSocket.open(b, B_7, 8)) {
            AtomicReference<TcpSocket> accepted = new AtomicReference<>();
            AtomicReference<TcpSocket> client = new AtomicReference<>();
            app.start(() -> accepted.set(server.accept()));
            app.start(() -> client.set(TcpSocket.connect(a, B_7)));
            assertThat(app.runUntil(() -> accepted.get() != null && client.get() != null, LIMIT)).isTrue();
            blackholeB = true;
            long t0 = sim.nowNs();
            app.start(() -> {
                try (TcpSocket s = client.get()) {
                    s.setKeepAlive(true);
                    s.setKeepAliveTimes(30, 5, 3);
                    try {
                        s.getInputStream().read();
                    } catch (SocketException e) {
                        thrown.set(e);
                        at.set(sim.nowNs() - t0);
                    }
                }
            });
            app.runUntil(() -> thrown.get() != null, LIMIT);
            app.rethrow();
            accepted.get().close();
        }
        assertThat(thrown.get()).hasMessage("Connection timed out (ETIMEDOUT)");
        // 30 s idle since the last segment (the handshake, just before t0), then 3 probes 5 s apart
        assertThat(at.get()).isBetween(44_000_000_000L, 45_000_000_000L);
    }

    // ------------------------------------------------------------------ many

    @Test
    void thousandVirtualThreads_eachWithItsOwnConnection_allEchoed() throws Exception {
        int n = 1000;
        AtomicLong echoed = new AtomicLong();
        AtomicInteger ok = new AtomicInteger();
        try (TcpServerSocket server = echoServer(echoed)) {
            for (int i = 0; i < n; i++) {
                int id = i;
                app.start(() -> {
                    try (TcpSocket s = TcpSocket.connect(a, B_7)) {
                        byte[] msg = ascii("connection " + id + " says hello\n");
                        s.getOutputStream().write(msg);
                        byte[] back = s.getInputStream().readNBytes(msg.length);
                        s.shutdownOutput();
                        if (java.util.Arrays.equals(back, msg) && s.getInputStream().read() == -1) {
                            ok.incrementAndGet();
                        }
                    }
                });
            }
            assertThat(app.runUntil(() -> ok.get() == n, LIMIT)).as("ok " + ok.get()).isTrue();
            app.rethrow();
        }
        app.runToEnd(LIMIT);
        assertThat(ok.get()).isEqualTo(n);
        long expected = 0;
        for (int i = 0; i < n; i++) {
            expected += ("connection " + i + " says hello\n").length();
        }
        assertThat(echoed.get()).isEqualTo(expected);
    }
}
