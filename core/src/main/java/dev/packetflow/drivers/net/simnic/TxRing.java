package dev.packetflow.drivers.net.simnic;

import dev.packetflow.net.core.SkBuff;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The transmit descriptor ring of a {@link SimNic}: each descriptor holds an skb the driver queued,
 * until the hardware has sent it and the driver's completion cleaning frees it.
 *
 * <pre>
 *   clean ≤ done ≤ prod ≤ clean + size
 *   [clean, done)  sent by the hardware, waiting for the driver's TX completion (consume_skb)
 *   [done, prod)   queued by ndo_start_xmit, not yet sent
 *   [prod, clean + size)   free
 * </pre>
 *
 * <h2>Memory ordering</h2>
 * Three indices, each with one writer:
 * <ul>
 *   <li>{@code prod}, by {@code ndo_start_xmit} (under the NIC's TX lock): the skb is stored in its
 *       slot, then {@code prod} is published with release (the doorbell write after
 *       {@code dma_wmb()}); the hardware reads it with acquire before reading the slot.
 *   <li>{@code done}, by the hardware: after it copied a frame to the wire and wrote the
 *       descriptor's status, release; the driver's cleaning reads it with acquire before it reads
 *       status and skb.
 *   <li>{@code clean}, by the NAPI poll's completion cleaning: after nulling the slots it freed,
 *       release; {@code ndo_start_xmit} reads it with acquire to compute the free space, so it never
 *       reuses a slot whose old skb is still being freed.
 * </ul>
 * Stopping and waking the queue is the classic lost-wake-up race; {@link SimNic} closes it with a
 * full fence on both sides (Linux: {@code netif_txq_maybe_stop()} / {@code
 * netif_txq_completed_wake()} with their {@code smp_mb()}).
 */
final class TxRing {
    private static final VarHandle PROD;
    private static final VarHandle DONE;
    private static final VarHandle CLEAN;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PROD = l.findVarHandle(TxRing.class, "prod", long.class);
            DONE = l.findVarHandle(TxRing.class, "done", long.class);
            CLEAN = l.findVarHandle(TxRing.class, "clean", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Descriptor status written by the hardware. */
    static final int STATUS_OK = 0;
    static final int STATUS_ERROR = 1;

    final int size;
    final int mask;
    final SkBuff[] skb;
    final int[] status;

    @SuppressWarnings("unused") // through PROD
    private volatile long prod;
    @SuppressWarnings("unused") // through DONE
    private volatile long done;
    @SuppressWarnings("unused") // through CLEAN
    private volatile long clean;

    TxRing(int size) {
        this.size = size;
        this.mask = size - 1;
        this.skb = new SkBuff[size];
        this.status = new int[size];
    }

    void reset() {
        PROD.setRelease(this, 0L);
        DONE.setRelease(this, 0L);
        CLEAN.setRelease(this, 0L);
    }

    int index(long seq) {
        return (int) (seq & mask);
    }

    // ------------------------------------------------------------------ ndo_start_xmit (TX lock held)

    /** Free descriptors as the transmit side sees them. */
    int free() {
        return size - (int) ((long) PROD.getOpaque(this) - (long) CLEAN.getAcquire(this));
    }

    /** Queues {@code s} in the next free descriptor and rings the doorbell. Caller checked {@link #free()}. */
    void post(SkBuff s) {
        long p = (long) PROD.getOpaque(this);
        skb[index(p)] = s;
        PROD.setRelease(this, p + 1);
    }

    long prod() {
        return (long) PROD.getAcquire(this);
    }

    // ------------------------------------------------------------------ hardware (TX lock held)

    long done() {
        return (long) DONE.getAcquire(this);
    }

    /** The hardware finished descriptor {@code seq} with {@code st}; publishes it to the cleaner. */
    void complete(long seq, int st) {
        status[index(seq)] = st;
        DONE.setRelease(this, seq + 1);
    }

    // ------------------------------------------------------------------ completion cleaning (NAPI)

    long clean() {
        return (long) CLEAN.getOpaque(this);
    }

    void publishClean(long c) {
        CLEAN.setRelease(this, c);
    }

    /** Descriptors sent and not yet cleaned. */
    int completedPending() {
        return (int) (done() - (long) CLEAN.getAcquire(this));
    }

    /** Descriptors queued and not yet cleaned. */
    int inUse() {
        return (int) (prod() - (long) CLEAN.getAcquire(this));
    }
}
