package dev.packetflow.drivers.net.simnic;

import dev.packetflow.net.core.PagePool;
import dev.packetflow.net.core.SkBuff;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The receive descriptor ring of a {@link SimNic}: {@code size} descriptors, each pointing at a
 * page-pool buffer the "hardware" may DMA a frame into, plus the two indices through which hardware
 * and driver hand descriptors to each other.
 *
 * <pre>
 *          clean (driver → hw)                prod (hw → driver)
 *             │                                  │
 *   ... ──────▼──────────────────────────────────▼───────────────────────── ... (mod size)
 *        [ owned by the driver: filled frames ]  [ owned by the hardware: empty buffers ]
 *          nextToClean ... prod-1                  prod ... clean+size-1
 * </pre>
 *
 * <h2>Memory ordering (the seed's smp_wmb / smp_rmb)</h2>
 * <ul>
 *   <li>Hardware → driver. The hardware writes the frame's bytes into the page and the length and
 *       journey into the descriptor, then publishes {@code prod} with a <em>release</em> store
 *       ({@code smp_wmb(); WRITE_ONCE(prod, p + 1)}). The driver reads {@code prod} with an
 *       <em>acquire</em> load ({@code READ_ONCE(prod); smp_rmb()}) before it reads any descriptor
 *       below it, so it never sees a descriptor whose bytes are not all there.
 *   <li>Driver → hardware. After it processed a descriptor and put a fresh page in it (build_skb
 *       took the old one), the driver publishes {@code clean} with a release store (the tail
 *       doorbell); the hardware reads {@code clean} with acquire before it DMAs into a descriptor,
 *       so it always sees the fresh page, never the one now inside an skb.
 *   <li>Each index has one writer: {@code prod} the hardware (serialised by the NIC's receive lock,
 *       one MAC), {@code clean} the driver's NAPI poll. Array slots between the two indices belong
 *       to exactly one side at a time, so they need no ordering of their own.
 * </ul>
 */
final class RxRing {
    private static final VarHandle PROD;
    private static final VarHandle CLEAN;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PROD = l.findVarHandle(RxRing.class, "prod", long.class);
            CLEAN = l.findVarHandle(RxRing.class, "clean", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** {@link #dma} results. */
    static final int DMA_OK = 0;
    static final int DMA_NO_DESCRIPTOR = 1;
    static final int DMA_TOO_BIG = 2;

    final int size;
    final int mask;
    final PagePool.Page[] page;
    final int[] len;
    final long[] journey;
    /** Headroom the hardware leaves in front of each frame (Linux: {@code XDP_PACKET_HEADROOM}). */
    final int headroom;
    /** Largest frame the hardware accepts (MTU + Ethernet header + one VLAN tag). */
    int maxFrame;
    /** Bytes asked of the pool for each buffer. */
    int bufSize;

    @SuppressWarnings("unused") // through PROD
    private volatile long prod;
    @SuppressWarnings("unused") // through CLEAN
    private volatile long clean;
    /** The driver's next descriptor to look at; driver-private (equals {@code clean} between frames). */
    long nextToClean;

    RxRing(int size, int headroom) {
        this.size = size;
        this.mask = size - 1;
        this.page = new PagePool.Page[size];
        this.len = new int[size];
        this.journey = new long[size];
        this.headroom = headroom;
    }

    /**
     * Gives every descriptor a buffer (Linux: {@code ixgbe_alloc_rx_buffers()} at open). Returns
     * false, holding nothing, when the pool cannot supply them all.
     */
    boolean fill(PagePool pool, int maxFrame) {
        this.maxFrame = maxFrame;
        this.bufSize = headroom + maxFrame;
        for (int i = 0; i < size; i++) {
            PagePool.Page p = pool.allocPage(bufSize);
            if (p == null) {
                release();
                return false;
            }
            page[i] = p;
        }
        nextToClean = 0;
        PROD.setRelease(this, 0L);
        CLEAN.setRelease(this, 0L);
        return true;
    }

    /** Returns every buffer to its pool (Linux: {@code ixgbe_clean_rx_ring()} at stop). */
    void release() {
        for (int i = 0; i < size; i++) {
            PagePool.Page p = page[i];
            if (p != null) {
                page[i] = null;
                p.pool().recyclePage(p);
            }
        }
    }

    // ------------------------------------------------------------------ hardware side

    /**
     * The NIC receives {@code frame}: copies its bytes into the next free descriptor's buffer and
     * publishes the descriptor. Called with the NIC's receive lock held (one MAC).
     */
    int dma(SkBuff frame) {
        long p = (long) PROD.getOpaque(this); // our own index
        long c = (long) CLEAN.getAcquire(this); // pairs with the driver's release: see fresh pages
        if (p - c >= size) {
            return DMA_NO_DESCRIPTOR;
        }
        int n = frame.len();
        if (n > maxFrame) {
            return DMA_TOO_BIG;
        }
        int i = (int) (p & mask);
        MemorySegment.copy(frame.segment(), frame.data, page[i].segment(), headroom, n);
        len[i] = n;
        journey[i] = frame.journey;
        // smp_wmb(): bytes, length and journey are visible before the index that covers them.
        PROD.setRelease(this, p + 1);
        return DMA_OK;
    }

    // ------------------------------------------------------------------ driver side

    /** Index one past the last descriptor the hardware completed (acquire: smp_rmb). */
    long completed() {
        return (long) PROD.getAcquire(this);
    }

    /** Hands descriptors below {@link #nextToClean} back to the hardware (release: the doorbell). */
    void publishClean() {
        CLEAN.setRelease(this, nextToClean);
    }

    /** Completed descriptors the driver has not processed yet. */
    int pending() {
        return (int) (completed() - nextToClean);
    }

    int index(long seq) {
        return (int) (seq & mask);
    }
}
