package dev.packetflow.net.socket;

import static dev.packetflow.net.socket.Uapi.SOCK_DGRAM;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ipv4.InetAddr;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The socket receive queue under its spinlock ({@code SkBuffHead.lock()}) with real threads on
 * both sides, as softnet workers and busy pollers queue while application threads dequeue and
 * peek: every datagram is taken exactly once, each producer's in its order, and the charge comes
 * back to zero. Bounded work, no clock: every wait gives up after {@link #PATIENCE} empty looks
 * (a queue broken by a missing lock loses packets, and the test then fails instead of hanging),
 * and the threads are joined.
 */
class SockReceiveQueueConcurrencyTest {
    static final int B = InetAddr.parse("198.18.0.2");

    /** Empty looks in a row after which a waiting thread gives up (far more than a healthy run needs). */
    static final long PATIENCE = 500_000_000L;

    final NetStack net = NetStack.create(new Simulation(5), "q");

    @AfterEach
    void close() {
        net.close();
    }

    @Test
    void threeProducersTwoReadersAndAPeeker_takeEveryDatagramOnce_inEachProducersOrder() throws Exception {
        int producers = 3;
        int perProducer = 10_000;
        int readers = 2;
        Sock sk = new BlockingTest.BacklogProto().newSock(net, SOCK_DGRAM, 253);
        sk.rcvbuf = Integer.MAX_VALUE; // nothing refused: the test is about the queue, not the limit
        int liveBefore = net.pool().live();

        AtomicReference<String> bad = new AtomicReference<>();
        Thread[] ts = new Thread[producers + readers + 1];
        for (int p = 0; p < producers; p++) {
            int id = p;
            ts[p] = Thread.ofPlatform().start(guarded(bad, () -> {
                for (int i = 0; i < perProducer; i++) {
                    byte[] payload = {(byte) id, (byte) (i >>> 16), (byte) (i >>> 8), (byte) i};
                    SkBuff skb;
                    long idle = 0;
                    while ((skb = allocOrNull(payload)) == null) {
                        if (++idle > PATIENCE || bad.get() != null) {
                            bad.compareAndSet(null, "producer " + id + " found no buffer");
                            return;
                        }
                        Thread.onSpinWait(); // the pool is empty until readers give buffers back
                    }
                    if (sk.sockQueueRcvSkb(skb) != 0) {
                        throw new AssertionError("refused with an unlimited receive buffer");
                    }
                }
            }));
        }
        int total = producers * perProducer;
        AtomicInteger taken = new AtomicInteger();
        boolean[][] seen = new boolean[producers][perProducer];
        for (int r = 0; r < readers; r++) {
            ts[producers + r] = Thread.ofPlatform().start(guarded(bad, () -> {
                int[] last = {-1, -1, -1};
                byte[] b = new byte[4];
                long idle = 0;
                while (taken.get() < total && bad.get() == null) {
                    SkBuff skb = sk.skbDequeue();
                    if (skb == null) {
                        if (++idle > PATIENCE) {
                            bad.compareAndSet(null, "gave up with " + taken.get() + " of " + total + " taken");
                        }
                        Thread.onSpinWait();
                        continue;
                    }
                    idle = 0;
                    skb.read(skb.data, b, 0, 4);
                    Skb.consumeSkb(skb);
                    int id = b[0];
                    int i = (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
                    if (i <= last[id]) {
                        bad.compareAndSet(null, "producer " + id + ": " + i + " after " + last[id]);
                    }
                    last[id] = i;
                    synchronized (seen) {
                        if (seen[id][i]) {
                            bad.compareAndSet(null, "taken twice: " + id + "/" + i);
                        }
                        seen[id][i] = true;
                    }
                    taken.incrementAndGet();
                }
            }));
        }
        // A reader that only looks (MSG_PEEK's clone, FIONREAD's first length) while the others take.
        ts[producers + readers] = Thread.ofPlatform().start(guarded(bad, () -> {
            while (taken.get() < total && bad.get() == null) {
                SkBuff clone = sk.skbPeekClone();
                if (clone != null) {
                    if (clone.len() != 4) {
                        bad.compareAndSet(null, "peeked a clone of " + clone.len() + " bytes");
                    }
                    Skb.consumeSkb(clone);
                }
                int first = sk.firstPacketLength();
                if (first != -1 && first != 4) {
                    bad.compareAndSet(null, "first packet of " + first + " bytes");
                }
            }
        }));
        for (Thread t : ts) {
            t.join();
        }

        assertThat(bad.get()).isNull();
        assertThat(taken.get()).isEqualTo(total);
        for (boolean[] s : seen) {
            for (boolean x : s) {
                assertThat(x).isTrue();
            }
        }
        assertThat(sk.receiveQueueLen()).isZero();
        assertThat(sk.rmemAlloc()).as("every charge given back").isZero();
        assertThat(sk.drops()).isZero();
        assertThat(net.pool().live()).isEqualTo(liveBefore);
        sk.skCommonRelease();
    }

    /** {@code body}, reporting anything it throws in {@code bad}, so that the others stop waiting. */
    private static Runnable guarded(AtomicReference<String> bad, Runnable body) {
        return () -> {
            try {
                body.run();
            } catch (Throwable t) {
                bad.compareAndSet(null, t.toString());
            }
        };
    }

    private SkBuff allocOrNull(byte[] payload) {
        SkBuff skb = net.pool().alloc(Skb.MAX_HEADER + payload.length);
        if (skb == null) {
            return null;
        }
        skb.reserve(Skb.MAX_HEADER);
        skb.putData(payload);
        return skb;
    }
}
