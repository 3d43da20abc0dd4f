package dev.packetflow.net.ipv4.tcp;

import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.packetflow.drivers.net.channel.ChannelDevice;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.LeakDetector;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.ipv4.InetChecksum;
import dev.packetflow.net.socket.Sock;
import dev.packetflow.net.socket.SockAddrIn;
import dev.packetflow.net.socket.SocketLayer;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;

/**
 * Jazzer fuzz target for TCP's receive path: the input is a TCP header and payload, sent inside a
 * valid IPv4/Ethernet frame from the peer to a host with a listener and one established
 * connection. Nothing may throw, nothing may leak, and afterwards the stack still works: the
 * connection (if the segment did not legitimately end it) carries data both ways (or probes a
 * window the segment legitimately closed), else the listener still answers a SYN. The input's ack field counts from the host's ISN (packetdrill's
 * relative numbers), so that valid seeds stay valid; the TCP checksum is always made right, so the
 * mutations reach past {@code tcp_v4_rcv()}'s first check. A plain test run replays the seeds
 * under {@code TcpFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes.
 */
class TcpFuzzTest {
    static final int LOCAL = InetAddr.parse("198.18.0.1");
    static final int REMOTE = InetAddr.parse("198.18.0.2");
    static final long REMOTE_MAC = Eth.localMac(2);
    static final int PORT = 8080;
    static final int REMOTE_PORT = 40001;

    /** One host, a listener on {@link #PORT} and a connection accepted from {@link #REMOTE_PORT}. */
    static final class Host implements AutoCloseable {
        final Simulation sim = new Simulation(7);
        final NetStack net = NetStack.create(sim, "sut");
        final SocketLayer sys = net.sockets();
        final ChannelDevice eth0;
        final ArrayDeque<byte[]> tx = new ArrayDeque<>();
        final int listener;
        final int fd;
        final int isn;

        Host() {
            net.arp().setGratuitousArpOnAddressAdd(false);
            eth0 = net.addDevice(new ChannelDevice("eth0", Eth.localMac(1)));
            net.devices().open(eth0);
            net.ipv4().addAddress(eth0, LOCAL, 16);
            net.arp().addPermanent(REMOTE, REMOTE_MAC, eth0);
            eth0.setTxSink(skb -> {
                byte[] f = skb.toByteArray();
                Skb.consumeSkb(skb);
                if (f.length >= 54 && f[12] == 8 && f[13] == 0 && f[23] == 6) {
                    tx.add(f);
                }
            });
            listener = sys.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
            assertThat(sys.bind(listener, new SockAddrIn(LOCAL, PORT))).isZero();
            assertThat(sys.listen(listener, 4)).isZero();
            sys.fcntl(listener, F_SETFL, O_NONBLOCK);
            // <mss 1000,sackOK,nop,wscale 7>
            inject(REMOTE_PORT, 0, 0, TcpHeader.SYN, 32792, new byte[] {2, 4, 3, (byte) 0xe8, 4, 2, 1, 3, 3, 7},
                    new byte[0]);
            byte[] synAck = tx.poll();
            assertThat(synAck).as("SYN-ACK").isNotNull();
            isn = (int) u32(synAck, 14 + 20 + 4);
            inject(REMOTE_PORT, 1, isn + 1, TcpHeader.ACK, 257, new byte[0], new byte[0]);
            fd = sys.accept4(listener, null, 0);
            assertThat(fd).as("accept").isGreaterThanOrEqualTo(0);
            sys.fcntl(fd, F_SETFL, O_NONBLOCK);
            tx.clear();
        }

        void inject(int sport, int seq, int ack, int flags, int win, byte[] opts, byte[] payload) {
            eth0.inject(Segments.frame(eth0.mac(), REMOTE_MAC, REMOTE, sport, LOCAL, PORT, seq, ack, flags, win, opts,
                    payload));
            sim.runFor(Duration.ofMillis(1));
        }

        /** Sends {@code th} (TCP header and payload, ack relative to the ISN) from the peer. */
        void injectRaw(byte[] th) {
            byte[] seg = th.clone();
            if (seg.length >= 12) {
                Segments.put32(seg, 8, (int) u32(seg, 8) + isn);
            }
            byte[] f = new byte[14 + 20 + seg.length];
            for (int i = 0; i < 6; i++) {
                f[i] = (byte) (eth0.mac() >>> (40 - 8 * i));
                f[6 + i] = (byte) (REMOTE_MAC >>> (40 - 8 * i));
            }
            f[12] = 0x08;
            f[14] = 0x45;
            Segments.put16(f, 16, 20 + seg.length);
            f[20] = 0x40;
            f[22] = 64;
            f[23] = 6;
            Segments.put32(f, 26, REMOTE);
            Segments.put32(f, 30, LOCAL);
            Segments.put16(f, 24, InetChecksum.compute(f, 14, 20));
            System.arraycopy(seg, 0, f, 34, seg.length);
            if (seg.length >= 18) {
                f[34 + 16] = 0;
                f[34 + 17] = 0;
                long sum = InetChecksum.pseudoHeader(REMOTE, LOCAL, 6, seg.length);
                Segments.put16(f, 34 + 16, InetChecksum.fold(InetChecksum.partial(f, 34, seg.length, sum)));
            }
            eth0.inject(f);
        }

        TcpSock sock() {
            return (TcpSock) sys.sock(fd);
        }

        int readAll() {
            int total = 0;
            ByteBuffer b = ByteBuffer.allocate(1 << 16);
            int n;
            while ((n = sys.recv(fd, b.clear(), MSG_DONTWAIT)) > 0) {
                total += n;
            }
            return total;
        }

        @Override
        public void close() {
            net.close();
        }
    }

    static long u32(byte[] b, int off) {
        return ((b[off] & 0xffL) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }

    /** The stack still works after whatever {@code h} received (see the class comment). */
    static void assertStillWorks(Host h) {
        TcpSock tp = h.sock();
        int state = tp.state;
        if (state == Sock.TCP_ESTABLISHED) {
            h.readAll();
            h.inject(REMOTE_PORT, tp.rcvNxt, tp.sndNxt, TcpHeader.ACK | TcpHeader.PSH, 1000, new byte[0],
                    "0123456789".getBytes());
            h.sim.runFor(Duration.ofMillis(10));
            // at least ours: out-of-order data the fuzzed segment left may now follow it
            assertThat(h.readAll()).as("data into the established connection").isGreaterThanOrEqualTo(10);
        }
        if (state == Sock.TCP_ESTABLISHED || state == Sock.TCP_CLOSE_WAIT) {
            h.tx.clear();
            assertThat(h.sys.send(h.fd, ByteBuffer.wrap("abc".getBytes()), MSG_DONTWAIT)).isEqualTo(3);
            h.sim.runFor(Duration.ofSeconds(5));
            boolean sent = false;
            boolean probed = false;
            for (byte[] f : h.tx) {
                int doff = (f[14 + 20 + 12] & 0xf0) >>> 2;
                sent |= f.length - 34 - doff == 3;
                probed |= ((f[34] & 0xff) << 8 | (f[35] & 0xff)) == PORT;
            }
            if (tp.sndWnd >= 3) {
                assertThat(sent).as("data out of the connection (state %d)", state).isTrue();
            } else {
                // An acceptable segment closed the window with a sequence number past the peer's
                // (RFC 9293 3.10.7.4: SND.WL1 moved to it), and no later segment of the peer may
                // reopen it until its sequence numbers get there; Linux does the same. The
                // connection is alive: it probes the window.
                assertThat(probed).as("window probe (state %d)", state).isTrue();
            }
        } else {
            // The segment ended the connection (a valid RST, say): the listener still answers.
            h.tx.clear();
            h.inject(REMOTE_PORT + 1, 0, 0, TcpHeader.SYN, 32792, new byte[] {2, 4, 3, (byte) 0xe8}, new byte[0]);
            assertThat(h.tx).as("SYN-ACK from the listener").anyMatch(f -> f[14 + 20 + 13] == (TcpHeader.SYN | TcpHeader.ACK));
        }
    }

    static void runOne(byte[] data) {
        try (Host h = new Host()) {
            h.injectRaw(data);
            h.sim.runFor(Duration.ofMillis(200));
            assertStillWorks(h);
        }
        assertThat(LeakDetector.live()).isZero();
    }

    @FuzzTest(maxDuration = "60s")
    void tcpV4Rcv_arbitrarySegment_neverThrows_andTheConnectionStillWorks(byte[] data) {
        runOne(data);
    }
}
