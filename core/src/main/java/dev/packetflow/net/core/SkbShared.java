package dev.packetflow.net.core;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A packet data buffer and its reference count: the part of an skb that clones share.
 *
 * <p>Linux: {@code struct skb_shared_info} with {@code dataref}, plus the page the head points into.
 * Each buffer is a fixed slice of a native chunk owned by a {@link PagePool}; it goes back to that
 * pool when the last skb using it is freed. A driver may also hold one raw, with no skb around it,
 * as a {@link PagePool.Page} (an RX descriptor's buffer) and later wrap it with
 * {@link Skb#buildSkb(PagePool.Page, int, int, NetDevice)}.
 */
final class SkbShared implements PagePool.Page {
    private static final VarHandle DATAREF;

    static {
        try {
            DATAREF = MethodHandles.lookup().findVarHandle(SkbShared.class, "dataref", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final MemorySegment seg;
    final int size;
    final PagePool pool;
    final int sizeClass;
    @SuppressWarnings("unused") // accessed through DATAREF
    private volatile int dataref;

    SkbShared(MemorySegment seg, PagePool pool, int sizeClass) {
        this.seg = seg;
        this.size = (int) seg.byteSize();
        this.pool = pool;
        this.sizeClass = sizeClass;
    }

    @Override
    public MemorySegment segment() {
        return seg;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public PagePool pool() {
        return pool;
    }

    void setRef(int v) {
        DATAREF.setRelease(this, v);
    }

    int ref() {
        return (int) DATAREF.getAcquire(this);
    }

    void get() {
        DATAREF.getAndAdd(this, 1);
    }

    /**
     * Drops one reference; true when it was the last. Linux: {@code skb_release_data()}, which
     * skips the atomic decrement when the buffer is not shared: whoever holds the only reference
     * is the only one who could make another, so a count of 1 cannot change under us.
     */
    boolean put() {
        if ((int) DATAREF.getAcquire(this) == 1) {
            return true;
        }
        return (int) DATAREF.getAndAdd(this, -1) == 1;
    }
}
