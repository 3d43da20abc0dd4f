package dev.packetflow.drivers.net;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A bounded, lock-free, multi-producer single-consumer ring of references: how a frame crosses
 * from the thread that produced it (a veth peer transmitting, an application thread sending on
 * loopback) to the softnet worker that polls it.
 *
 * <p>Linux: {@code include/linux/ptr_ring.h} (veth's {@code xdp_ring}) and the backlog queue of
 * {@code enqueue_to_backlog()}. Linux serialises producers with a spinlock; here producers claim a
 * slot with one CAS on the producer index instead, the idea of a JCTools/Vyukov MPSC array queue,
 * written for this stack.
 *
 * <h2>Memory ordering</h2>
 *
 * The seed's "memory ordering and barriers" section, in Java terms:
 * <pre>
 *  producer (any thread)                       consumer (one softnet worker)
 *  p = claim slot: CAS producerIndex p→p+1      e = slot[c].getAcquire()     // smp_rmb / READ_ONCE
 *  slot[p].setRelease(e)   // smp_wmb; WRITE_ONCE   if e == null: empty (or not yet published)
 *                                               slot[c] = null
 *                                               consumerIndex.setRelease(c+1)
 * </pre>
 * <ul>
 *   <li>The element is the publication: the consumer's acquire read of a non-null slot sees every
 *       write the producer made to the frame before its release store (the skb's bytes and fields).
 *   <li>A producer claims index {@code p} only after reading (acquire) a consumer index with
 *       {@code p - c < capacity}, itself or through another producer that published what it read
 *       (release, {@code consumerSeen}); the consumer cleared the slot before it released that index, so
 *       the producer never overwrites an element that was not consumed yet.
 *   <li>Between a producer's CAS and its release store the slot is still null: {@link #poll()}
 *       then reports "empty" although the producer index moved. That is fine for NAPI: the producer
 *       calls {@code napi_schedule()} after publishing, and a poll that completes re-checks
 *       {@link #isEmpty()}, which compares the indices and so does see the claimed slot.
 * </ul>
 *
 * <p>Zero allocation: the array is sized once. Capacity need not be a power of two (the backlog's
 * {@code netdev_max_backlog} is 1000); the array is the next power of two.
 */
public final class PtrRing<E> extends RingIndices {
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);

    private final Object[] slots;
    private final int mask;

    public PtrRing(int capacity) {
        super(capacity);
        if (capacity < 1 || capacity > (1 << 30)) {
            throw new IllegalArgumentException("ring capacity must be 1..2^30: " + capacity);
        }
        int size = Integer.highestOneBit(capacity);
        if (size < capacity) {
            size <<= 1;
        }
        this.slots = new Object[size];
        this.mask = size - 1;
    }

    /**
     * Linux: {@code ptr_ring_produce()}. Adds {@code e} (not null); false when the ring is full, and
     * then the caller still owns {@code e}. Safe from any number of threads at once.
     */
    public boolean offer(E e) {
        if (e == null) {
            throw new IllegalArgumentException("null element");
        }
        long p = claimPosition();
        if (p < 0) {
            return false;
        }
        SLOT.setRelease(slots, (int) (p & mask), e);
        return true;
    }

    /**
     * Linux: {@code __ptr_ring_consume()}. The oldest element, or null when the ring is empty (or the
     * oldest claimed slot is not published yet). Only the one consumer thread may call it.
     */
    @SuppressWarnings("unchecked")
    public E poll() {
        Index cons = consumer;
        long c = (long) INDEX.getOpaque(cons);
        int i = (int) (c & mask);
        Object e = SLOT.getAcquire(slots, i);
        if (e == null) {
            return null;
        }
        SLOT.setOpaque(slots, i, null);
        INDEX.setRelease(cons, c + 1);
        return (E) e;
    }

    @Override
    public String toString() {
        return "ptr_ring[" + size() + "/" + capacity + "]";
    }
}
