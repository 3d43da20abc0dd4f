package dev.packetflow.drivers.net;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The two indices of a bounded multi-producer single-consumer ring ({@link PtrRing},
 * {@link FrameRing}), each on cache lines of its own, and the producers' claim of a position.
 *
 * <p>A producer claims position {@code p} with a CAS on the producer index, and only after reading
 * (acquire) a consumer index {@code c} with {@code p - c < capacity}, itself or through another
 * producer that published what it read (release, {@code consumerSeen}); the consumer is done with
 * the slot's previous lap before it releases that index, so a producer never overwrites what was
 * not consumed yet. Producers read the consumer's line only when the ring looks full by the last
 * look any of them published (JCTools' "producer limit"), so the consumer advancing its index
 * does not take the producers' line away on every frame.
 */
abstract class RingIndices {
    /** The value of an {@link Index}, the producers' and the consumer's alike. */
    static final VarHandle INDEX;

    static {
        try {
            INDEX = MethodHandles.lookup().findVarHandle(IndexValue.class, "value", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final int capacity;
    /** The producers' index and their last look at the consumer's. */
    final Index producer = new Index();
    /** The consumer's index: written by the consumer only. */
    final Index consumer = new Index();

    RingIndices(int capacity) {
        this.capacity = capacity;
    }

    /** 64 bytes of padding: HotSpot lays out a superclass's fields before its subclasses'. */
    @SuppressWarnings("unused")
    static class PadBefore {
        long p0, p1, p2, p3, p4, p5, p6, p7;
    }

    /** The padded value (accessed through {@link #INDEX}) and the producers' cached consumer index. */
    static class IndexValue extends PadBefore {
        @SuppressWarnings("unused") // through INDEX
        volatile long value;
        /** Producers only: the consumer index as last read (acquire), published with release. */
        volatile long consumerSeen;
    }

    /** An index alone on its cache lines (padding after it too). */
    @SuppressWarnings("unused")
    static final class Index extends IndexValue {
        long q0, q1, q2, q3, q4, q5, q6, q7;
    }

    public int capacity() {
        return capacity;
    }

    /**
     * A position claimed for the calling producer, or -1 when the ring is full. The CAS is a full
     * barrier: what the producer reads after it is ordered after the claim, which the consumer's
     * {@link #isEmpty()} sees.
     */
    final long claimPosition() {
        Index prod = producer;
        for (;;) {
            long p = (long) INDEX.getVolatile(prod);
            // A consumer index some producer read with acquire and published with release: never
            // ahead of the real one, so room by it is room indeed; re-read only when it says full.
            long c = prod.consumerSeen;
            if (p - c >= capacity) {
                c = (long) INDEX.getAcquire(consumer);
                if (p - c >= capacity) {
                    return -1;
                }
                prod.consumerSeen = c;
            }
            if (INDEX.compareAndSet(prod, p, p + 1)) {
                return p;
            }
        }
    }

    /** Linux: {@code __ptr_ring_empty()}: no element claimed or published and not yet consumed. */
    public boolean isEmpty() {
        return (long) INDEX.getVolatile(consumer) == (long) INDEX.getVolatile(producer);
    }

    /** Elements claimed and not yet consumed (a snapshot when producers are active). */
    public int size() {
        long c = (long) INDEX.getVolatile(consumer);
        long p = (long) INDEX.getVolatile(producer);
        return (int) Math.max(0, Math.min(capacity, p - c));
    }
}
