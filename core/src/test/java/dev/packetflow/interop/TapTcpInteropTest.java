package dev.packetflow.interop;

import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.drivers.net.tap.TapDevice;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.socket.SockAddrIn;
import dev.packetflow.net.socket.SocketLayer;
import dev.packetflow.testing.KernelNetns;
import dev.packetflow.testing.NetnsTap;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bulk TCP between packetflow and the Linux kernel over a TAP with segmentation offload
 * ({@code IFF_VNET_HDR}, {@code TUNSETOFFLOAD(TUN_F_CSUM | TUN_F_TSO4)}): 200 MB each way between
 * packetflow's sockets and a python3 program in a network namespace, with equal SHA-256 at both
 * ends, and the TAP's GSO counters showing that super-packets crossed in both directions. The
 * namespace set-up is {@link KernelInteropTest}'s ({@link NetnsTap}: 198.18.0.1 the kernel,
 * 198.18.0.2 packetflow).
 * Needs root and python3: skipped otherwise, a failure under {@code CI=true}.
 */
class TapTcpInteropTest {
    static final String KERNEL = NetnsTap.KERNEL;
    static final int OURS = InetAddr.parse(NetnsTap.OURS);
    static final long TOTAL = 200L << 20;

    static final String SINK = """
            import hashlib, socket, sys
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((sys.argv[1], 5001)); s.listen(1); print("ready", flush=True)
            c, _ = s.accept(); h = hashlib.sha256(); n = 0
            while True:
                b = c.recv(1 << 20)
                if not b: break
                h.update(b); n += len(b)
            print("sink", n, h.hexdigest(), flush=True)
            """;
    static final String SOURCE = """
            import hashlib, os, socket, sys
            c = socket.create_connection((sys.argv[1], 5002)); h = hashlib.sha256(); n = 0
            total = int(sys.argv[2])
            while n < total:
                b = os.urandom(min(1 << 20, total - n)); c.sendall(b); h.update(b); n += len(b)
            c.shutdown(socket.SHUT_WR); c.recv(1); c.close()
            print("source", n, h.hexdigest(), flush=True)
            """;

    @RegisterExtension
    final NetnsTap env = NetnsTap.requiring("python3").tapOptions(b -> b.vnetHdr(true));

    NetStack net;
    TapDevice tap;

    @BeforeEach
    void setUp() {
        net = env.net();
        tap = env.tap();
    }

    @Test
    @Timeout(300)
    void twoHundredMegabytesEachWay_sha256Equal_gsoFramesBothWays() throws Exception {
        SocketLayer s = net.sockets();
        // packetflow → kernel
        Path sinkLog = startInNs("python3", "-c", SINK, KERNEL);
        assertThat(KernelNetns.await(() -> read(sinkLog).contains("ready"), Duration.ofSeconds(10))).isTrue();
        int fd = s.socket(AF_INET, SOCK_STREAM, 0);
        assertThat(s.connect(fd, new SockAddrIn(InetAddr.parse(KERNEL), 5001))).isZero();
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        byte[] chunk = new byte[1 << 20];
        Random r = new Random(42);
        long written = 0;
        long t0 = System.nanoTime();
        while (written < TOTAL) {
            r.nextBytes(chunk);
            sent.update(chunk);
            buf.clear();
            buf.put(chunk).flip();
            while (buf.hasRemaining()) {
                int w = s.send(fd, buf, 0);
                assertThat(w).as("send").isPositive();
            }
            written += chunk.length;
        }
        double txSeconds = (System.nanoTime() - t0) / 1e9;
        assertThat(s.close(fd)).isZero();
        assertThat(KernelNetns.await(() -> read(sinkLog).contains("sink "), Duration.ofSeconds(60))).isTrue();
        Matcher m = Pattern.compile("sink (\\d+) ([0-9a-f]{64})").matcher(read(sinkLog));
        assertThat(m.find()).isTrue();
        assertThat(Long.parseLong(m.group(1))).isEqualTo(TOTAL);
        assertThat(m.group(2)).isEqualTo(HexFormat.of().formatHex(sent.digest()));

        // kernel → packetflow
        int l = s.socket(AF_INET, SOCK_STREAM, 0);
        assertThat(s.setsockopt(l, SOL_SOCKET, SO_REUSEADDR, 1)).isZero();
        assertThat(s.bind(l, new SockAddrIn(OURS, 5002))).isZero();
        assertThat(s.listen(l, 4)).isZero();
        Path srcLog = startInNs("python3", "-c", SOURCE, "198.18.0.2", Long.toString(TOTAL));
        int c = s.accept(l, null);
        assertThat(c).isGreaterThanOrEqualTo(0);
        MessageDigest got = MessageDigest.getInstance("SHA-256");
        long read = 0;
        t0 = System.nanoTime();
        for (;;) {
            buf.clear();
            int n = s.recv(c, buf, 0);
            assertThat(n).as("recv").isGreaterThanOrEqualTo(0);
            if (n == 0) {
                break;
            }
            buf.flip();
            buf.get(chunk, 0, n);
            got.update(chunk, 0, n);
            read += n;
        }
        double rxSeconds = (System.nanoTime() - t0) / 1e9;
        s.close(c);
        s.close(l);
        assertThat(KernelNetns.await(() -> read(srcLog).contains("source "), Duration.ofSeconds(30))).isTrue();
        Matcher m2 = Pattern.compile("source (\\d+) ([0-9a-f]{64})").matcher(read(srcLog));
        assertThat(m2.find()).isTrue();
        assertThat(read).isEqualTo(TOTAL);
        assertThat(HexFormat.of().formatHex(got.digest())).isEqualTo(m2.group(2));

        System.out.printf("packetflow→kernel %.2f Gbit/s, kernel→packetflow %.2f Gbit/s (hashing included); "
                + "GSO frames tx %d rx %d%n", TOTAL * 8 / txSeconds / 1e9, TOTAL * 8 / rxSeconds / 1e9,
                tap.txGsoFrames(), tap.rxGsoFrames());
        assertThat(tap.txGsoFrames()).as("super-packets we handed the kernel").isGreaterThan(TOTAL / 65536 / 4);
        assertThat(tap.rxGsoFrames()).as("super-packets the kernel handed us").isPositive();
    }

    Path startInNs(String... cmd) throws IOException {
        return env.startInNs(cmd);
    }

    static String read(Path p) {
        return NetnsTap.read(p);
    }
}
