package dev.packetflow.bench;

import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Locale;

/**
 * The Linux side of {@link KernelUdp}: a tiny program run inside a network namespace, using the
 * JDK's own (kernel) UDP sockets. Every mode is bounded by its time argument.
 *
 * <pre>
 * sink  ADDR PORT SECONDS   count 64-byte datagrams for SECONDS after the first; print pps=N pps
 * flood ADDR PORT SECONDS   send 64-byte datagrams to ADDR:PORT as fast as possible
 * echo  ADDR PORT SECONDS   send every datagram back (non-blocking socket, spinning)
 * rr    ADDR PORT SECONDS   request/response 64 bytes, spinning; print rr=N round trips/s
 * </pre>
 */
public final class KernelUdpPeer {
    private KernelUdpPeer() {}

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        InetSocketAddress addr = new InetSocketAddress(args[1], Integer.parseInt(args[2]));
        long limitNs = (long) (Double.parseDouble(args[3]) * 1e9);
        ByteBuffer buf = ByteBuffer.allocateDirect(2048);
        try (DatagramChannel ch = DatagramChannel.open()) {
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            switch (mode) {
                case "sink" -> {
                    ch.bind(addr);
                    ch.receive(buf); // the first datagram starts the clock
                    long n = 0;
                    long t0 = System.nanoTime();
                    long end = t0 + limitNs;
                    ch.configureBlocking(false);
                    long now;
                    while ((now = System.nanoTime()) < end) {
                        buf.clear();
                        if (ch.receive(buf) != null) {
                            n++;
                        }
                    }
                    System.out.printf(Locale.ROOT, "pps=%d pps%n", Math.round(n / ((now - t0) / 1e9)));
                }
                case "flood" -> {
                    long end = System.nanoTime() + limitNs;
                    ch.connect(addr);
                    ByteBuffer p = ByteBuffer.allocateDirect(64);
                    while (System.nanoTime() < end) {
                        p.clear();
                        ch.write(p);
                    }
                }
                case "echo" -> {
                    ch.bind(addr);
                    ch.configureBlocking(false);
                    long end = System.nanoTime() + limitNs;
                    while (System.nanoTime() < end) {
                        buf.clear();
                        var from = ch.receive(buf);
                        if (from != null) {
                            buf.flip();
                            ch.send(buf, from);
                        }
                    }
                }
                case "rr" -> {
                    ch.connect(addr);
                    ch.configureBlocking(false);
                    ByteBuffer p = ByteBuffer.allocateDirect(64);
                    long n = 0;
                    long t0 = System.nanoTime();
                    long end = t0 + limitNs;
                    long now = t0;
                    while (now < end) {
                        p.clear();
                        ch.write(p);
                        buf.clear();
                        while (ch.read(buf) <= 0 && (now = System.nanoTime()) < end) {
                            Thread.onSpinWait();
                        }
                        n++;
                        now = System.nanoTime();
                    }
                    System.out.printf(Locale.ROOT, "rr=%d round trips/s%n", Math.round(n / ((now - t0) / 1e9)));
                }
                default -> throw new IllegalArgumentException("mode: " + mode);
            }
        }
    }
}
