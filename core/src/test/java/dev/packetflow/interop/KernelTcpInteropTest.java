package dev.packetflow.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.packetflow.apps.HttpServer;
import dev.packetflow.apps.TcpServices;
import dev.packetflow.kernel.RealTimeKernel;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.socket.TcpServerSocket;
import dev.packetflow.net.socket.TcpSocket;
import dev.packetflow.testing.KernelNetns;
import dev.packetflow.testing.NetnsTap;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * packetflow's TCP against the Linux kernel's, over a TAP, with the kernel's own tools: what
 * {@code packetflow serve} runs ({@link TcpServices} on a {@link RealTimeKernel} stack), set up as
 * {@link KernelInteropTest} does it ({@link NetnsTap}): a network namespace of its own holding the
 * kernel end of the TAP (198.18.0.1/24; packetflow is 198.18.0.2/24), all deleted afterwards, also
 * on failure.
 *
 * <p>{@code curl} downloads from the HTTP server (content checked), the kernel's clients use TCP
 * echo, connections are closed and reset from either side and each side sees what Linux promises,
 * and packetflow connects out to a kernel listener. Real time, every wait bounded. Needs root,
 * curl, socat and python3: skipped otherwise, a failure under {@code CI=true}.
 */
class KernelTcpInteropTest {
    static final String KERNEL = NetnsTap.KERNEL;
    static final String OURS = NetnsTap.OURS;
    static final Duration WAIT = Duration.ofSeconds(10);
    static final int TIMEOUT_MS = 10_000;

    @RegisterExtension
    final NetnsTap env = NetnsTap.requiring("curl", "python3", "socat");

    NetStack net;
    KernelNetns ns;
    TcpServices services;

    @BeforeEach
    void setUp() throws IOException {
        net = env.net();
        ns = env.ns();
        services = env.closeAtEnd(TcpServices.start(net));
    }

    // ------------------------------------------------------------------ HTTP with curl

    @Test
    void curl_fetchesTheIndexPage_andOneMegabyte_onOneKeptAliveConnection() throws Exception {
        Path index = tempFile();
        Path bytes = tempFile();

        KernelNetns.Result r = ns.exec("curl", "-sS", "--max-time", "10",
                "-w", "%{http_code} %{size_download} %{num_connects}\\n",
                "-o", index.toString(), "http://" + OURS + "/",
                "-o", bytes.toString(), "http://" + OURS + "/bytes/1000000");

        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output().lines().toList()).as(r.output())
                .containsExactly("200 " + HttpServer.indexPage().getBytes(StandardCharsets.UTF_8).length + " 1",
                        "200 1000000 0"); // the second request reused the connection
        assertThat(Files.readString(index)).isEqualTo(HttpServer.indexPage()).contains("packetflow");
        byte[] want = new byte[1_000_000];
        TcpServices.chargen(0, want, 0, want.length);
        assertThat(sha256(Files.readAllBytes(bytes))).isEqualTo(sha256(want));
        assertThat(services.http().connections()).isEqualTo(1);
        assertThat(services.http().requests()).isEqualTo(2);
    }

    @Test
    void curl_headersAndErrors_asRfc9112Says() throws Exception {
        KernelNetns.Result head = ns.exec("curl", "-sS", "--max-time", "10", "-I", "http://" + OURS + "/bytes/42");
        assertThat(head.output()).as(head.output()).startsWith("HTTP/1.1 200 OK\r\n")
                .contains("Content-Length: 42\r\n", "Server: packetflow\r\n");
        KernelNetns.Result missing = ns.exec("curl", "-s", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}",
                "http://" + OURS + "/missing");
        assertThat(missing.output()).isEqualTo("404");
        KernelNetns.Result post = ns.exec("curl", "-s", "--max-time", "10", "-D", "-", "-o", "/dev/null",
                "-d", "x=1", "http://" + OURS + "/");
        assertThat(post.output()).startsWith("HTTP/1.1 405 Method Not Allowed\r\n").contains("Allow: GET, HEAD\r\n");
    }

    // ------------------------------------------------------------------ echo from the kernel

    @Test
    void kernelClient_onTcpEcho_getsItsBytesBack() {
        String script = """
                import socket, hashlib
                for n in (1, 1460, 100000, 1000000):
                    msg = bytes((i * 7 + n) & 0xff for i in range(n))
                    s = socket.create_connection(('%s', 7), timeout=10)
                    s.sendall(msg)
                    s.shutdown(socket.SHUT_WR)
                    got = b''
                    while True:
                        d = s.recv(65536)
                        if not d:
                            break
                        got += d
                    s.close()
                    print('echo', n, got == msg)
                """.formatted(OURS);

        String out = ns.exec("python3", "-c", script).output();

        assertThat(out).as(out).contains("echo 1 True", "echo 1460 True", "echo 100000 True", "echo 1000000 True");
        assertThat(services.echo().bytesIn()).isEqualTo(1 + 1460 + 100_000 + 1_000_000);
    }

    @Test
    void kernelSocat_onTcpEcho_andChargen() {
        KernelNetns.Result echo = ns.exec("sh", "-c", "echo hello packetflow | socat -t 5 - TCP:" + OURS + ":7");
        assertThat(echo.output()).isEqualTo("hello packetflow\n");
        String script = """
                import socket
                s = socket.create_connection(('%s', 19), timeout=10)
                got = b''
                while len(got) < 74 * 2:
                    got += s.recv(4096)
                s.close()
                print(repr(got[:148].decode()))
                """.formatted(OURS);
        String out = ns.exec("python3", "-c", script).output();
        assertThat(out).contains("' !\"#$%&\\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\\\]^_`abcdefg\\r\\n!\"#");
    }

    // ------------------------------------------------------------------ close and reset, both ways

    /** A packetflow listener on {@code port} for the kernel to connect to. */
    TcpServerSocket listen(int port) throws IOException {
        TcpServerSocket s = TcpServerSocket.open(net, new InetSocketAddress(OURS, port), 8);
        s.setSoTimeout(TIMEOUT_MS);
        return env.closeAtEnd(s);
    }

    TcpSocket accept(TcpServerSocket server) throws IOException {
        TcpSocket c = server.accept();
        c.setSoTimeout(TIMEOUT_MS);
        return env.closeAtEnd(c);
    }

    @Test
    void kernelCloses_ourReadSeesEof_weClose_kernelSeesEof() throws Exception {
        TcpServerSocket server = listen(5001);
        Path log = startInNs("python3", "-c", """
                import socket
                s = socket.create_connection(('%s', 5001), timeout=10)
                s.sendall(b'first')
                print('got', s.recv(100).decode(), flush=True)
                print('eof', s.recv(100) == b'', flush=True)
                s.close()
                s = socket.create_connection(('%s', 5001), timeout=10)
                s.sendall(b'second')
                s.close()
                print('closed', flush=True)
                """.formatted(OURS, OURS));
        // 1. We close: the kernel reads EOF.
        try (TcpSocket c = accept(server)) {
            assertThat(new String(c.getInputStream().readNBytes(5), StandardCharsets.US_ASCII)).isEqualTo("first");
            c.getOutputStream().write("bye".getBytes(StandardCharsets.US_ASCII));
        }
        assertThat(KernelNetns.await(() -> read(log).contains("eof True"), WAIT)).as(read(log)).isTrue();
        assertThat(read(log)).contains("got bye");
        // 2. The kernel closes: our read sees the data, then EOF.
        try (TcpSocket c = accept(server)) {
            assertThat(c.getInputStream().readAllBytes()).isEqualTo("second".getBytes(StandardCharsets.US_ASCII));
            assertThat(c.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void kernelAborts_withLinger0_ourReadGetsConnectionReset() throws Exception {
        TcpServerSocket server = listen(5002);
        startInNs("python3", "-c", """
                import socket, struct, time
                s = socket.create_connection(('%s', 5002), timeout=10)
                s.sendall(b'x')
                time.sleep(0.3)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
                s.close()
                """.formatted(OURS));
        TcpSocket c = accept(server);
        assertThat(c.getInputStream().read()).isEqualTo('x');

        assertThatThrownBy(() -> c.getInputStream().read()).isExactlyInstanceOf(SocketException.class)
                .hasMessage("Connection reset (ECONNRESET)");
    }

    @Test
    void weAbort_withLinger0_kernelSeesConnectionResetByPeer() throws Exception {
        TcpServerSocket server = listen(5003);
        Path log = startInNs("python3", "-c", """
                import socket
                s = socket.create_connection(('%s', 5003), timeout=10)
                s.sendall(b'x')
                try:
                    d = s.recv(100)
                    print('data', d, flush=True)
                except ConnectionResetError as e:
                    print('ECONNRESET', e.errno, e.strerror, flush=True)
                """.formatted(OURS));
        TcpSocket c = accept(server);
        assertThat(c.getInputStream().read()).isEqualTo('x');
        c.setSoLinger(true, 0);
        c.close();

        assertThat(KernelNetns.await(() -> read(log).contains("ECONNRESET"), WAIT)).as(read(log)).isTrue();
        assertThat(read(log)).contains("ECONNRESET 104 Connection reset by peer");
    }

    // ------------------------------------------------------------------ packetflow as the client

    @Test
    void weConnectOut_toAKernelListener_transferBothWays_contentChecked() throws Exception {
        Path log = startInNs("python3", "-c", """
                import socket, hashlib
                l = socket.socket()
                l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                l.bind(('%s', 6000))
                l.listen(1)
                l.settimeout(10)
                print('ready', flush=True)
                c, addr = l.accept()
                c.settimeout(10)
                got = b''
                while True:
                    d = c.recv(65536)
                    if not d:
                        break
                    got += d
                c.sendall(hashlib.sha256(got).hexdigest().encode() + b'\\n')
                c.sendall(bytes(i & 0xff for i in range(500000)))
                c.close()
                print('peer', addr[0], len(got), flush=True)
                """.formatted(KERNEL));
        assertThat(KernelNetns.await(() -> read(log).contains("ready"), WAIT)).as(read(log)).isTrue();
        byte[] msg = new byte[2_000_000];
        new java.util.Random(5).nextBytes(msg);

        byte[] back;
        try (TcpSocket s = TcpSocket.connect(net, new InetSocketAddress(KERNEL, 6000), TIMEOUT_MS)) {
            s.setSoTimeout(TIMEOUT_MS);
            s.getOutputStream().write(msg);
            s.shutdownOutput();
            back = s.getInputStream().readAllBytes();
        }

        String hex = sha256(msg) + "\n";
        assertThat(new String(back, 0, hex.length(), StandardCharsets.US_ASCII)).isEqualTo(hex);
        assertThat(back.length - hex.length()).isEqualTo(500_000);
        for (int i = 0; i < 500_000; i++) {
            if (back[hex.length() + i] != (byte) i) {
                throw new AssertionError("byte " + i + " from the kernel differs");
            }
        }
        assertThat(KernelNetns.await(() -> read(log).contains("peer"), WAIT)).isTrue();
        assertThat(read(log)).contains("peer " + OURS + " 2000000");
    }

    @Test
    void weConnect_toAClosedKernelPort_connectionRefused() {
        // Each service's accept thread reserves a descriptor while it waits (accept4): compare
        // after all four are waiting, or one arriving late looks like a socket the connect leaked.
        assertThat(KernelNetns.await(() -> net.sockets().openFds().length == 8, WAIT)).isTrue();
        int[] before = net.sockets().openFds();
        assertThatThrownBy(() -> TcpSocket.connect(net, new InetSocketAddress(KERNEL, 6001), TIMEOUT_MS))
                .isExactlyInstanceOf(ConnectException.class).hasMessage("Connection refused (ECONNREFUSED)");
        // Only the failed connect's own socket matters here: the services may accept meanwhile.
        java.util.Set<Integer> old = java.util.Arrays.stream(before).boxed().collect(java.util.stream.Collectors.toSet());
        for (int fd : net.sockets().openFds()) {
            if (old.contains(fd)) {
                continue;
            }
            dev.packetflow.net.socket.SockAddrIn[] peer = new dev.packetflow.net.socket.SockAddrIn[1];
            if (net.sockets().getpeername(fd, peer) == 0) {
                assertThat(peer[0].port()).as("the failed connect closed its socket (fd " + fd + ")").isNotEqualTo(6001);
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    Path tempFile() throws IOException {
        return env.tempFile();
    }

    Path startInNs(String... cmd) throws IOException {
        return env.startInNs(cmd);
    }

    static String read(Path p) {
        return NetnsTap.read(p);
    }
}
