package dev.packetflow.net.ipv4.tcp;

import static dev.packetflow.net.socket.Uapi.*;

import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.SocketLayer;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Random;

/**
 * A one-way bulk transfer driven from the simulation's thread with non-blocking calls: between
 * simulation steps the sender writes what the socket takes and the receiver reads what arrived,
 * both hashing the bytes. The sender shuts down its write side after the last byte.
 */
final class Pump {
    final SocketLayer tx;
    final int txFd;
    final SocketLayer rx;
    final int rxFd;
    final long total;
    final MessageDigest sent = sha();
    final MessageDigest received = sha();
    final Random data;
    private final ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
    private final ByteBuffer in = ByteBuffer.allocate(256 * 1024);
    private int chunkOff;
    long written;
    long read;
    boolean shutDown;
    boolean eof;
    int error;

    Pump(SocketLayer tx, int txFd, SocketLayer rx, int rxFd, long total, long seed) {
        this.tx = tx;
        this.txFd = txFd;
        this.rx = rx;
        this.rxFd = rxFd;
        this.total = total;
        this.data = new Random(seed);
        chunk.limit(0);
    }

    private static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** One round of application work; returns true once the receiver has seen end of file. */
    boolean step() {
        while (written < total) {
            if (!chunk.hasRemaining()) {
                int n = (int) Math.min(chunk.capacity(), total - written);
                byte[] a = chunk.array();
                for (int i = 0; i < n; i++) {
                    a[i] = (byte) data.nextInt();
                }
                sent.update(a, 0, n);
                chunk.position(0).limit(n);
            }
            int w = tx.send(txFd, chunk, MSG_DONTWAIT);
            if (w == -Errno.EAGAIN.code) {
                break;
            }
            if (w < 0) {
                error = w;
                return true;
            }
            written += w;
        }
        if (written == total && !shutDown) {
            tx.shutdown(txFd, SHUT_WR);
            shutDown = true;
        }
        for (;;) {
            in.clear();
            int r = rx.recv(rxFd, in, MSG_DONTWAIT);
            if (r == -Errno.EAGAIN.code) {
                break;
            }
            if (r < 0) {
                error = r;
                return true;
            }
            if (r == 0) {
                eof = true;
                return true;
            }
            received.update(in.array(), 0, r);
            read += r;
        }
        return false;
    }

    boolean equalHashes() {
        try {
            return MessageDigest.isEqual(((MessageDigest) sent.clone()).digest(), ((MessageDigest) received.clone()).digest());
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }
}
