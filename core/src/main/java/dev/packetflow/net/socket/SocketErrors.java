package dev.packetflow.net.socket;

import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketException;
import java.net.SocketTimeoutException;

/**
 * How the Java-level sockets turn a BSD-level {@code -errno} into the {@code java.net} exception a
 * Java programmer expects, the way the JDK's own sockets do on Linux, with Linux's
 * {@code strerror()} text as the message:
 *
 * <table>
 * <caption>errno to exception</caption>
 * <tr><th>errno</th><th>exception</th></tr>
 * <tr><td>EADDRINUSE, EADDRNOTAVAIL, EACCES (from bind)</td><td>{@link BindException}</td></tr>
 * <tr><td>ECONNREFUSED on a datagram socket</td><td>{@link PortUnreachableException}</td></tr>
 * <tr><td>ECONNREFUSED, ETIMEDOUT when connecting a stream</td><td>{@link ConnectException}</td></tr>
 * <tr><td>EHOSTUNREACH</td><td>{@link NoRouteToHostException}</td></tr>
 * <tr><td>EAGAIN with a timeout set</td><td>{@link SocketTimeoutException}</td></tr>
 * <tr><td>EBADF (closed)</td><td>{@link SocketException} "Socket is closed"</td></tr>
 * <tr><td>anything else</td><td>{@link SocketException} with the errno's text</td></tr>
 * </table>
 *
 * <p>Stream sockets ({@link TcpSocket}, {@link TcpServerSocket}) use {@link #stream}, which gives
 * the JDK's messages ("Connection refused", "Connection reset", "Broken pipe") followed by the
 * errno's name in parentheses, e.g. {@code "Connection reset (ECONNRESET)"}, so that the BSD-level
 * cause is never lost.
 */
public final class SocketErrors {
    private SocketErrors() {}

    /** The exception for a failed {@code bind()}. */
    public static SocketException bind(int err) {
        Errno e = Errno.of(err);
        if (e == Errno.EADDRINUSE || e == Errno.EADDRNOTAVAIL || e == Errno.EACCES) {
            return new BindException(e.text());
        }
        return other(err);
    }

    /**
     * The exception for a failed datagram send or receive; {@code timeoutMessage} non-null means
     * the call had a timeout, so EAGAIN is a {@link SocketTimeoutException} with that message.
     */
    public static java.io.IOException datagram(int err, String timeoutMessage) {
        Errno e = Errno.of(err);
        if (e == Errno.ECONNREFUSED) {
            return new PortUnreachableException(e.text());
        }
        if (e == Errno.EAGAIN && timeoutMessage != null) {
            return new SocketTimeoutException(timeoutMessage);
        }
        return other(err);
    }

    /** The exception for a failed stream connect. */
    public static SocketException connect(int err) {
        Errno e = Errno.of(err);
        if (e == Errno.ECONNREFUSED || e == Errno.ETIMEDOUT) {
            return new ConnectException(e.text());
        }
        return other(err);
    }

    /**
     * The exception for a failed call on a stream socket: the JDK's class and message (see the
     * class comment), with the errno's name appended. ECONNREFUSED and ETIMEDOUT are
     * {@link ConnectException}s, EHOSTUNREACH a {@link NoRouteToHostException}, the bind errors
     * {@link BindException}s, ECONNRESET "Connection reset", EPIPE "Broken pipe", the rest a
     * {@link SocketException} with Linux's text.
     */
    public static SocketException stream(int err) {
        Errno e = Errno.of(err);
        if (e == null) {
            return new SocketException(Errno.strerror(err));
        }
        String m = switch (e) {
            case ECONNRESET -> "Connection reset";
            default -> e.text();
        } + " (" + e.name() + ")";
        return switch (e) {
            case ECONNREFUSED, ETIMEDOUT -> new ConnectException(m);
            case EHOSTUNREACH -> new NoRouteToHostException(m);
            case EADDRINUSE, EADDRNOTAVAIL, EACCES -> new BindException(m);
            case EBADF -> closed();
            default -> new SocketException(m);
        };
    }

    /** Every other failure. */
    public static SocketException other(int err) {
        Errno e = Errno.of(err);
        if (e == Errno.EHOSTUNREACH) {
            return new NoRouteToHostException(e.text());
        }
        if (e == Errno.EBADF) {
            return closed();
        }
        return new SocketException(Errno.strerror(err));
    }

    /** What a call on a closed socket throws (the JDK's message). */
    public static SocketException closed() {
        return new SocketException("Socket is closed");
    }
}
