package dev.packetflow.apps;

import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.drivers.net.veth.Veth;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.socket.TcpSocket;
import dev.packetflow.testing.Lockstep;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The TCP services (echo, discard, chargen, HTTP/1.1) on stack B, used by clients on stack A over
 * a veth, in virtual time: every service thread and client thread runs in {@link Lockstep}.
 */
class TcpServicesTest {
    static final String B = "198.18.0.2";
    static final Duration LIMIT = Duration.ofMinutes(5);
    static final Clock FIXED = Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);

    final Simulation sim = new Simulation(11);
    final NetStack a = NetStack.create(sim, "a");
    final NetStack b = NetStack.create(sim, "b");
    final Lockstep app = new Lockstep(sim);
    TcpServices services;

    TcpServicesTest() {
        a.arp().setGratuitousArpOnAddressAdd(false);
        b.arp().setGratuitousArpOnAddressAdd(false);
        Veth.pair(a, "eth0", b, "eth0");
        a.exec("ip link set eth0 up");
        b.exec("ip link set eth0 up");
        a.exec("ip addr add 198.18.0.1/24 dev eth0");
        b.exec("ip addr add " + B + "/24 dev eth0");
        sim.run();
    }

    void start(TcpServices.Config c) throws Exception {
        services = TcpServices.start(b, c.withThreads(app).withWallClock(FIXED));
        app.settle();
    }

    void start() throws Exception {
        start(TcpServices.Config.defaults());
    }

    @AfterEach
    void close() {
        if (services != null) {
            services.close();
            app.runFor(Duration.ofSeconds(1));
        }
        a.close();
        b.close();
        app.settle();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Sends {@code request} to B's port and returns everything until the server closes. */
    byte[] exchange(int port, byte[] request) {
        AtomicReference<byte[]> got = new AtomicReference<>();
        app.start(() -> {
            try (TcpSocket s = TcpSocket.connect(a, new InetSocketAddress(B, port))) {
                s.getOutputStream().write(request);
                got.set(s.getInputStream().readAllBytes());
            }
        });
        assertThat(app.runUntil(() -> got.get() != null, LIMIT)).as(() -> "response; http " + services.http().requests()
                + " requests " + services.http().bytesOut() + " bytes out, open " + services.openConnections()
                + "\n" + dev.packetflow.iproute2.Ss.exec(b, "-tna") + "\n" + dev.packetflow.iproute2.Ss.exec(a, "-tna")).isTrue();
        app.rethrow();
        return got.get();
    }

    String http(String request) {
        return new String(exchange(80, ascii(request)), StandardCharsets.ISO_8859_1);
    }

    // ------------------------------------------------------------------ echo, discard, chargen

    @Test
    void echo_returnsEveryByte_untilTheClientCloses() throws Exception {
        start();
        byte[] msg = new byte[200_000];
        new java.util.Random(1).nextBytes(msg);
        AtomicReference<byte[]> back = new AtomicReference<>();
        app.start(() -> {
            try (TcpSocket s = TcpSocket.connect(a, new InetSocketAddress(B, 7))) {
                Thread w = app.start(() -> {
                    s.getOutputStream().write(msg);
                    s.shutdownOutput();
                });
                back.set(s.getInputStream().readAllBytes()); // ends with the server's FIN
                w.join();
            }
        });
        assertThat(app.runUntil(() -> back.get() != null && services.openConnections() == 0, LIMIT))
                .as(() -> back.get() + " " + services.openConnections() + " " + app.failures() + "\n" + dev.packetflow.iproute2.Ss.exec(b, "-tna")).isTrue();
        assertThat(back.get()).isEqualTo(msg);
        assertThat(services.echo().bytesIn()).isEqualTo(msg.length);
        assertThat(services.echo().connections()).isEqualTo(1);
    }

    @Test
    void discard_readsEverything_sendsNothing() throws Exception {
        start();
        byte[] sent = exchangeAfterShutdown(9, new byte[1 << 20]);
        assertThat(sent).isEmpty();
        assertThat(app.runUntil(() -> services.discard().bytesIn() == 1 << 20, LIMIT)).isTrue();
    }

    byte[] exchangeAfterShutdown(int port, byte[] data) {
        AtomicReference<byte[]> got = new AtomicReference<>();
        app.start(() -> {
            try (TcpSocket s = TcpSocket.connect(a, new InetSocketAddress(B, port))) {
                s.getOutputStream().write(data);
                s.shutdownOutput();
                got.set(s.getInputStream().readAllBytes());
            }
        });
        assertThat(app.runUntil(() -> got.get() != null, LIMIT)).isTrue();
        app.rethrow();
        return got.get();
    }

    @Test
    void chargen_sendsRfc864Lines_untilTheClientCloses() throws Exception {
        start();
        AtomicReference<List<String>> lines = new AtomicReference<>();
        app.start(() -> {
            try (TcpSocket s = TcpSocket.connect(a, new InetSocketAddress(B, 19))) {
                byte[] first = s.getInputStream().readNBytes(97 * 74);
                List<String> l = new ArrayList<>();
                for (int i = 0; i < 97; i++) {
                    l.add(new String(first, i * 74, 74, StandardCharsets.US_ASCII));
                }
                lines.set(l);
            }
        });
        assertThat(app.runUntil(() -> lines.get() != null && services.openConnections() == 0, LIMIT))
                .as("the server noticed the client's close").isTrue();
        List<String> l = lines.get();
        assertThat(l.get(0)).isEqualTo(
                " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefg\r\n");
        assertThat(l.get(1)).isEqualTo(
                "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefgh\r\n");
        assertThat(l.get(94)).startsWith("~ !\"#").endsWith("def\r\n"); // wraps around after '~'
        assertThat(l.get(95)).isEqualTo(l.get(0)); // the pattern repeats every 95 lines
        assertThat(l).allSatisfy(x -> assertThat(x).hasSize(74));
    }

    // ------------------------------------------------------------------ HTTP

    @Test
    void httpGetIndex_namesPacketflow_withContentLengthAndDate() throws Exception {
        start();
        String r = http("GET / HTTP/1.1\r\nHost: " + B + "\r\nConnection: close\r\n\r\n");
        String body = HttpServer.INDEX;
        assertThat(r).startsWith("HTTP/1.1 200 OK\r\n")
                .contains("\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n")
                .contains("\r\nContent-Type: text/html; charset=utf-8\r\n")
                .contains("\r\nDate: Fri, 02 Jan 2026 03:04:05 GMT\r\n")
                .contains("\r\nServer: packetflow\r\n", "\r\nConnection: close\r\n")
                .endsWith("\r\n\r\n" + body);
        assertThat(body).contains("<title>packetflow</title>");
        assertThat(services.http().requests()).isEqualTo(1);
    }

    @Test
    void httpHead_hasGetsHeaders_andNoBody() throws Exception {
        start();
        String get = http("GET /bytes/5000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        String head = http("HEAD /bytes/5000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(head).isEqualTo(get.substring(0, get.indexOf("\r\n\r\n") + 4));
        assertThat(head).contains("Content-Length: 5000\r\n", "Content-Type: application/octet-stream\r\n");
    }

    @Test
    void httpKeepAlive_pipelinedRequestsOnOneConnection_thenConnectionClose() throws Exception {
        start();
        String r = http("GET /bytes/10 HTTP/1.1\r\nHost: x\r\n\r\n"
                + "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /bytes/3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                + "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); // after close: never answered
        assertThat(r.split("HTTP/1.1 ", -1)).hasSize(5);
        assertThat(r).contains("\r\n\r\n !\"#$%&'()HTTP/1.1 200 OK") // the 10 bytes, then the HEAD's response
                .contains("HTTP/1.1 404 Not Found").endsWith("Connection: close\r\n\r\n !\"");
        assertThat(services.http().requests()).isEqualTo(4);
        assertThat(services.http().connections()).isEqualTo(1);
    }

    @Test
    void http10_closesByDefault_unlessKeepAlive() throws Exception {
        start();
        String r = http("GET /bytes/1 HTTP/1.0\r\n\r\n");
        assertThat(r).startsWith("HTTP/1.1 200 OK").contains("Connection: close\r\n").endsWith("\r\n\r\n ");
        String two = http("GET /bytes/1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /bytes/2 HTTP/1.0\r\n\r\n");
        assertThat(two.split("HTTP/1.1 200 OK", -1)).hasSize(3);
    }

    @Test
    void httpBytes_1MB_isTheChargenStream() throws Exception {
        start();
        byte[] r = exchange(80, ascii("GET /bytes/1000000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        String s = new String(r, StandardCharsets.ISO_8859_1);
        int bodyAt = s.indexOf("\r\n\r\n") + 4;
        assertThat(s).contains("Content-Length: 1000000\r\n");
        assertThat(r.length - bodyAt).isEqualTo(1_000_000);
        byte[] want = new byte[1_000_000];
        TcpServices.chargen(0, want, 0, want.length);
        assertThat(java.util.Arrays.copyOfRange(r, bodyAt, r.length)).isEqualTo(want);
        assertThat(sha256(want)).isEqualTo(sha256Of1MBChargen());
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** Computed independently of {@link TcpServices#chargen}, from RFC 864's description. */
    static String sha256Of1MBChargen() throws Exception {
        StringBuilder sb = new StringBuilder(1_000_100);
        for (int line = 0; sb.length() < 1_000_000; line++) {
            for (int i = 0; i < 72; i++) {
                sb.append((char) (32 + (line + i) % 95));
            }
            sb.append("\r\n");
        }
        return sha256(sb.substring(0, 1_000_000).getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void httpErrors_haveTheirStatus_andCloseTheConnection() throws Exception {
        start();
        String longTarget = "/" + "a".repeat(HttpServer.MAX_REQUEST_LINE);
        String manyFields = "X-A: 1\r\n".repeat(HttpServer.MAX_HEADER_FIELDS + 1);
        String[][] cases = {
            {"GET /\r\n\r\n", "400 Bad Request"},                                   // no version
            {"GET  / HTTP/1.1\r\nHost: x\r\n\r\n", "400 Bad Request"},              // two spaces
            {"GET / HTTP/1.1\r\nHost : x\r\n\r\n", "400 Bad Request"},              // space before colon
            {"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", "400 Bad Request"},    // obs-fold
            {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", "400 Bad Request"},
            {"GET / HTTP/1.1\r\n\r\n", "400 Bad Request"},                          // no Host
            {"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", "400 Bad Request"},
            {"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n", "400 Bad Request"},
            {"GET nope HTTP/1.1\r\nHost: x\r\n\r\n", "400 Bad Request"},
            {"GET / HTTP/1.1\rHost: x\r\n\r\n", "400 Bad Request"},                 // bare CR
            {"GET / HTTP/2.0\r\nHost: x\r\n\r\n", "505 HTTP Version Not Supported"},
            // RFC 9112 §6: framing
            {"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
                "501 Not Implemented"},
            {"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", "400 Bad Request"},
            {"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", "400 Bad Request"},
            {"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
                "400 Bad Request"},
            {"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
                "400 Bad Request"},
            {"GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "400 Bad Request"},
            // RFC 9112 §7.1: malformed chunks
            {"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "400 Bad Request"},
            {"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n",
                "400 Bad Request"},
            {"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n",
                "400 Bad Request"},                                                 // data longer than its size
            {"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;\r\nhello\r\n0\r\n\r\n",
                "400 Bad Request"},                                                 // extension without a name
            {"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\"b\r\nhello\r\n0\r\n\r\n",
                "400 Bad Request"},                                                 // unterminated quoted value
            {"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nNoColon\r\n\r\n",
                "400 Bad Request"},                                                 // bad trailer field
            {"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n100001\r\n",
                "413 Content Too Large"},
            {"GET " + longTarget + " HTTP/1.1\r\nHost: x\r\n\r\n", "414 URI Too Long"},
            {"GET / HTTP/1.1\r\nHost: x\r\n" + manyFields + "\r\n", "431 Request Header Fields Too Large"},
        };
        for (String[] c : cases) {
            String r = http(c[0]);
            assertThat(r).as(c[0]).startsWith("HTTP/1.1 " + c[1] + "\r\n").contains("Connection: close\r\n")
                    .endsWith("\r\n\r\n" + c[1].substring(4) + "\n");
        }
        assertThat(app.runUntil(() -> services.openConnections() == 0, LIMIT)).isTrue();
    }

    @Test
    void http404_405WithAllow_keepTheConnection() throws Exception {
        start();
        String r = http("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n"
                + "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                + "BREW / HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /bytes/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(r).startsWith("HTTP/1.1 404 Not Found\r\n")
                .contains("HTTP/1.1 405 Method Not Allowed\r\n", "\r\nAllow: GET, HEAD\r\n",
                        "HTTP/1.1 501 Not Implemented\r\n")
                .endsWith("\r\n\r\n !");
    }

    @Test
    void httpChunkedRequestBody_isReadToItsEnd_andTheConnectionGoesOn() throws Exception {
        start();
        String r = http("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n"
                + "00A;name=value;q=\"a \\\"quoted\\\" one\" ; flag\r\n0123456789\r\n"  // extensions ignored
                + "19\r\nGET /bytes/9 HTTP/1.1\r\n\r\n\r\n"                               // 25 bytes like a request
                + "0\r\nX-Checksum: 1234\r\nX-More: 5\r\n\r\n"                             // trailers dropped
                + "GET /bytes/3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n"
                + "3\r\nabc\r\n0\n\n"                                                       // bare LFs, no trailer
                + "GET /bytes/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(r).startsWith("HTTP/1.1 405 Method Not Allowed\r\n")
                .contains("\r\n\r\n !\"HTTP/1.1 200 OK\r\n")
                .doesNotContain("400").endsWith("\r\n\r\n !");
        assertThat(r.split("HTTP/1.1 ", -1)).hasSize(4); // three responses on one connection
        assertThat(services.http().requests()).isEqualTo(3);
        assertThat(services.http().connections()).isEqualTo(1);
    }

    @Test
    void httpGet_absoluteFormAndQuery_areServed() throws Exception {
        start();
        assertThat(http("GET http://" + B + "/bytes/4?x=1 HTTP/1.1\r\nHost: " + B + "\r\nConnection: close\r\n\r\n"))
                .startsWith("HTTP/1.1 200 OK").endsWith("\r\n\r\n !\"#");
    }

    @Test
    void close_endsListenersConnectionsAndThreads() throws Exception {
        start();
        AtomicInteger eof = new AtomicInteger(99);
        app.start(() -> {
            try (TcpSocket s = TcpSocket.connect(a, new InetSocketAddress(B, 7))) {
                eof.set(s.getInputStream().read());
            }
        });
        assertThat(app.runUntil(() -> services.openConnections() == 1, LIMIT)).isTrue();
        services.close();
        app.runToEnd(LIMIT); // the client saw EOF, every service thread ended
        assertThat(eof.get()).isEqualTo(-1);
        assertThat(services.openConnections()).isZero();
        assertThat(b.sockets().openFds()).isEmpty();
        services = null;
    }

    // ------------------------------------------------------------------ limits

    @Test
    void connectionLimit_theNextClientWaitsUntilOneEnds() throws Exception {
        start(TcpServices.Config.defaults().withLimits(2, 60_000));
        TcpSocket[] c = new TcpSocket[3];
        AtomicReference<String> third = new AtomicReference<>();
        for (int i = 0; i < 2; i++) {
            int k = i;
            app.start(() -> c[k] = TcpSocket.connect(a, new InetSocketAddress(B, 7)));
        }
        // A blocking connect holds the handshake's last ACK up to 200 ms (hoping to send data with
        // it): only then are the two connections established on B's side, and accepted.
        app.runFor(Duration.ofSeconds(1));
        assertThat(services.echo().connections()).isEqualTo(2);
        app.start(() -> {
            c[2] = TcpSocket.connect(a, new InetSocketAddress(B, 7)); // completes: the backlog holds it
            c[2].getOutputStream().write(ascii("third"));
            third.set(new String(c[2].getInputStream().readNBytes(5), StandardCharsets.US_ASCII));
        });
        app.runFor(Duration.ofSeconds(5));
        app.rethrow();
        assertThat(third.get()).as(() -> "not served while two connections are open " + services.echo().connections()
                + "\n" + dev.packetflow.iproute2.Ss.exec(b, "-tna") + dev.packetflow.iproute2.Ss.exec(a, "-tna") + c[0] + c[1] + c[2]).isNull();
        assertThat(services.echo().connections()).isEqualTo(2);
        c[0].close();
        assertThat(app.runUntil(() -> third.get() != null, LIMIT)).isTrue();
        assertThat(third.get()).isEqualTo("third");
        c[1].close();
        c[2].close();
    }

    @Test
    void idleConnection_isClosedAfterTheIdleLimit_inVirtualTime() throws Exception {
        start(TcpServices.Config.defaults().withLimits(8, 3_000));
        AtomicInteger eof = new AtomicInteger(99);
        AtomicReference<Long> at = new AtomicReference<>();
        long[] t0 = new long[1];
        app.start(() -> {
            try (TcpSocket s = TcpSocket.connect(a, new InetSocketAddress(B, 80))) {
                t0[0] = sim.nowNs();
                InputStream in = s.getInputStream();
                eof.set(in.read());
                at.set(sim.nowNs() - t0[0]);
            }
        });
        assertThat(app.runUntil(() -> at.get() != null, LIMIT)).isTrue();
        assertThat(eof.get()).isEqualTo(-1);
        // from the server's accept, which waits for the handshake's last ACK (held up to 200 ms)
        assertThat(at.get()).as(() -> dev.packetflow.iproute2.Ss.exec(a, "-tna") + dev.packetflow.iproute2.Ss.exec(b, "-tna"))
                .isBetween(3_000_000_000L, 3_250_000_000L);
    }
}
