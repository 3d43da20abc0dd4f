package dev.packetflow.apps;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.socket.UdpSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The classic small UDP services that inetd served internally, as applications on a
 * {@link NetStack}: echo (RFC 862, port 7: every datagram goes back to its sender unchanged) and
 * discard (RFC 863, port 9: every datagram is read and thrown away). Each service is one
 * {@link UdpSocket} bound to the wildcard address and one virtual thread blocked in
 * {@code recvfrom}; {@link #close()} closes the sockets, which wakes and ends the threads.
 */
public final class UdpServices implements AutoCloseable {
    public static final int ECHO_PORT = 7;
    public static final int DISCARD_PORT = 9;
    /** Largest UDP payload over IPv4 (65535 - 20 - 8). */
    private static final int MAX_DATAGRAM = 65507;

    private final UdpSocket echo;
    private final UdpSocket discard;
    private final Thread echoThread;
    private final Thread discardThread;
    private final AtomicLong echoed = new AtomicLong();
    private final AtomicLong discarded = new AtomicLong();

    private UdpServices(UdpSocket echo, UdpSocket discard) {
        this.echo = echo;
        this.discard = discard;
        this.echoThread = Thread.ofVirtual().name("udp-echo").start(this::echoLoop);
        this.discardThread = Thread.ofVirtual().name("udp-discard").start(this::discardLoop);
    }

    /** Binds echo on {@code 0.0.0.0:7} and discard on {@code 0.0.0.0:9} and starts serving. */
    public static UdpServices start(NetStack net) throws SocketException {
        return start(net, ECHO_PORT, DISCARD_PORT);
    }

    /** The same on other ports (tests, or when 7 and 9 are wanted elsewhere). */
    public static UdpServices start(NetStack net, int echoPort, int discardPort) throws SocketException {
        UdpSocket e = UdpSocket.open(net, new InetSocketAddress("0.0.0.0", echoPort));
        try {
            UdpSocket d = UdpSocket.open(net, new InetSocketAddress("0.0.0.0", discardPort));
            return new UdpServices(e, d);
        } catch (SocketException | RuntimeException ex) {
            e.close();
            throw ex;
        }
    }

    private void echoLoop() {
        byte[] buf = new byte[MAX_DATAGRAM];
        try {
            for (;;) {
                UdpSocket.Received r = echo.receive(buf);
                try {
                    echo.send(buf, 0, r.length(), r.sender());
                    echoed.incrementAndGet();
                } catch (IOException sendFailed) {
                    // RFC 862 asks nothing more of a server whose reply cannot leave (no route,
                    // buffer full): the datagram is lost like any other.
                    if (echo.isClosed()) {
                        return;
                    }
                }
            }
        } catch (IOException closed) {
            // close() ends the service
        }
    }

    private void discardLoop() {
        byte[] buf = new byte[MAX_DATAGRAM];
        try {
            for (;;) {
                discard.receive(buf);
                discarded.incrementAndGet();
            }
        } catch (IOException closed) {
            // close() ends the service
        }
    }

    /** Datagrams sent back by echo. */
    public long echoed() {
        return echoed.get();
    }

    /** Datagrams thrown away by discard. */
    public long discarded() {
        return discarded.get();
    }

    @Override
    public void close() {
        echo.close();
        discard.close();
        try {
            echoThread.join(5000);
            discardThread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
