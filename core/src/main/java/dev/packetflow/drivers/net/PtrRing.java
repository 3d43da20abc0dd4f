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
public final class PtrRing<E> {
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);
    private static final VarHandle PRODUCER;
    private static final VarHandle CONSUMER;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PRODUCER = l.findVarHandle(IndexValue.class, "value", long.class);
            CONSUMER = PRODUCER;
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Object[] slots;
    private final int mask;
    private final int capacity;
    /**
     * The producers' side: their index and their last look at the consumer's. On cache lines of
     * its own (see {@link Index}), so that the consumer advancing its index does not take the
     * producers' line away, and producers read the consumer's line only when the ring looks full
     * by their last look (JCTools' "producer limit").
     */
    private final Index producer = new Index();
    /** The consumer's index, on cache lines of its own. */
    private final Index consumer = new Index();

    /** 64 bytes of padding: HotSpot lays out a superclass's fields before its subclasses'. */
    @SuppressWarnings("unused")
    static class PadBefore {
        long p0, p1, p2, p3, p4, p5, p6, p7;
    }

    /** The padded value (accessed through {@link #PRODUCER}) and the producers' cached consumer index. */
    static class IndexValue extends PadBefore {
        @SuppressWarnings("unused") // through PRODUCER / CONSUMER
        volatile long value;
        /** Producers only: the consumer index as last read (acquire), published with release. */
        volatile long consumerSeen;
    }

    /** An index alone on its cache lines (padding after it too). */
    @SuppressWarnings("unused")
    static final class Index extends IndexValue {
        long q0, q1, q2, q3, q4, q5, q6, q7;
    }

    public PtrRing(int capacity) {
        if (capacity < 1 || capacity > (1 << 30)) {
            throw new IllegalArgumentException("ring capacity must be 1..2^30: " + capacity);
        }
        int size = Integer.highestOneBit(capacity);
        if (size < capacity) {
            size <<= 1;
        }
        this.slots = new Object[size];
        this.mask = size - 1;
        this.capacity = capacity;
    }

    public int capacity() {
        return capacity;
    }

    /**
     * Linux: {@code ptr_ring_produce()}. Adds {@code e} (not null); false when the ring is full, and
     * then the caller still owns {@code e}. Safe from any number of threads at once.
     */
    public boolean offer(E e) {
        if (e == null) {
            throw new IllegalArgumentException("null element");
        }
        long p;
        Index prod = producer;
        for (;;) {
            p = (long) PRODUCER.getVolatile(prod);
            // A consumer index some producer read with acquire and published with release: never
            // ahead of the real one, so "room" by it is room indeed; re-read only when it says full.
            long c = prod.consumerSeen;
            if (p - c >= capacity) {
                c = (long) CONSUMER.getAcquire(consumer);
                if (p - c >= capacity) {
                    return false;
                }
                prod.consumerSeen = c;
            }
            if (PRODUCER.compareAndSet(prod, p, p + 1)) {
                break;
            }
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
        long c = (long) CONSUMER.getOpaque(cons);
        int i = (int) (c & mask);
        Object e = SLOT.getAcquire(slots, i);
        if (e == null) {
            return null;
        }
        SLOT.setOpaque(slots, i, null);
        CONSUMER.setRelease(cons, c + 1);
        return (E) e;
    }

    /** Linux: {@code __ptr_ring_empty()}: no element claimed or published and not yet consumed. */
    public boolean isEmpty() {
        return (long) CONSUMER.getVolatile(consumer) == (long) PRODUCER.getVolatile(producer);
    }

    /** Elements claimed and not yet consumed (a snapshot when producers are active). */
    public int size() {
        long c = (long) CONSUMER.getVolatile(consumer);
        long p = (long) PRODUCER.getVolatile(producer);
        return (int) Math.max(0, Math.min(capacity, p - c));
    }

    @Override
    public String toString() {
        return "ptr_ring[" + size() + "/" + capacity + "]";
    }
}
