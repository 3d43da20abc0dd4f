package dev.packetflow.net.core;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Where packet memory comes from: native memory carved into fixed-size buffers, kept on free lists
 * and reused, so that the packet path never asks the allocator (or the garbage collector) for
 * anything in steady state. Also keeps the {@link SkBuff} heads that describe the buffers.
 *
 * <p>Two size classes: {@link #SMALL} buffers hold one MTU-sized frame with headroom; {@link #LARGE}
 * buffers hold a 64 KB GSO/TSO super-packet or a reassembled datagram. Chunks are allocated from an
 * automatic arena, so memory a pool never returns is still reclaimed once the pool is unreachable.
 *
 * <p>Drivers with descriptor rings take buffers raw, as {@link Page}s: the NIC "DMA"s a frame into
 * one, XDP looks at it, and only a frame the stack wants becomes an skb, built around the same
 * buffer without a copy ({@link Skb#buildSkb}). A page is owned by exactly one party at a time:
 * the pool, a driver (until it recycles the page or builds an skb from it), or the skb.
 *
 * <p>Linux: {@code net/core/page_pool.c} for the buffers, {@code skbuff_cache} for the heads.
 */
public final class PagePool {
    /**
     * A raw packet buffer held outside any skb (Linux: a {@code struct page} from
     * {@code page_pool_dev_alloc_pages()}). Its bytes are {@link #segment()}; give it back with
     * {@link PagePool#recyclePage(Page)} or turn it into an skb with {@link Skb#buildSkb}.
     */
    public sealed interface Page permits SkbShared {
        /** The buffer's bytes; offset 0 is the start of the buffer (where the headroom begins). */
        MemorySegment segment();

        /** Size of the buffer in bytes. */
        int size();

        /** The pool the page belongs to. */
        PagePool pool();
    }

    /** Small buffer: NET_SKB_PAD + a 1514-byte frame + room for headers and a 4-byte FCS. */
    public static final int SMALL = 2048;
    /** Large buffer: a 64 KB GSO packet plus headroom. */
    public static final int LARGE = 65536 + 1024;
    private static final int SMALL_PER_CHUNK = 256;
    private static final int LARGE_PER_CHUNK = 16;

    /** The pool used when a caller does not name one. */
    public static final PagePool DEFAULT = new PagePool("default", 1L << 31);

    private final String name;
    private final long maxBytes;
    private final Arena arena = Arena.ofAuto();
    private SkbShared freeSmall;
    private SkbShared freeLarge;
    private SkBuff freeHeads;
    private long bytesReserved;

    // statistics
    private long allocs;
    private long frees;
    private long failures;
    private int liveHeads;
    private int livePages;

    public PagePool(String name, long maxBytes) {
        this.name = name;
        this.maxBytes = maxBytes;
    }

    public String name() {
        return name;
    }

    /**
     * An skb whose buffer holds at least {@code size} bytes, with data = tail = head; null when the
     * pool is exhausted (callers drop with {@link DropReason#NOMEM}). Linux: {@code alloc_skb()}.
     */
    public SkBuff alloc(int size) {
        SkbShared buf;
        SkBuff skb;
        synchronized (this) {
            buf = takeBuffer(size);
            if (buf == null) {
                failures++;
                return null;
            }
            skb = freeHeads;
            if (skb != null) {
                freeHeads = skb.next;
                skb.next = null;
            }
            allocs++;
            liveHeads++;
        }
        if (skb == null) {
            skb = new SkBuff(this);
        }
        buf.setRef(1);
        skb.attach(buf);
        if (LeakDetector.ENABLED) {
            LeakDetector.track(skb);
        }
        return skb;
    }

    /**
     * A raw buffer of at least {@code size} bytes for a driver's ring, or null when the pool is
     * exhausted. Linux: {@code page_pool_dev_alloc_pages()}.
     */
    public Page allocPage(int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("page size must be positive: " + size);
        }
        SkbShared buf;
        synchronized (this) {
            buf = takeBuffer(size);
            if (buf == null) {
                failures++;
                return null;
            }
            livePages++;
        }
        buf.setRef(1);
        if (LeakDetector.ENABLED) {
            LeakDetector.trackPage(buf);
        }
        return buf;
    }

    /**
     * Gives a raw page back (Linux: {@code page_pool_put_full_page()} / {@code
     * page_pool_recycle_direct()}). The caller must not touch it afterwards.
     */
    public void recyclePage(Page page) {
        SkbShared b = (SkbShared) page;
        if (b.pool != this) {
            throw new IllegalArgumentException(page + " belongs to " + b.pool + ", not " + this);
        }
        if (b.ref() != 1) {
            throw new IllegalStateException("page recycled while " + b.ref() + " users hold it");
        }
        if (LeakDetector.ENABLED) {
            LeakDetector.untrackPage(b);
        }
        b.setRef(0);
        synchronized (this) {
            livePages--;
        }
        freeBuffer(b);
    }

    /**
     * An skb head around a raw page; the page's reference passes to the skb. Linux: {@code build_skb()}
     * followed by {@code skb_reserve(headroom)} and {@code skb_put(len)}.
     */
    SkBuff buildSkb(SkbShared page, int headroom, int len) {
        if (page.pool != this) {
            throw new IllegalArgumentException("page belongs to " + page.pool + ", not " + this);
        }
        if (headroom < 0 || len < 0 || (long) headroom + len > page.size) {
            throw new IllegalArgumentException("build_skb: headroom " + headroom + " + len " + len
                    + " outside a " + page.size + "-byte page");
        }
        if (page.ref() != 1) {
            throw new IllegalStateException("build_skb on a page with " + page.ref() + " users");
        }
        SkBuff skb;
        synchronized (this) {
            skb = freeHeads;
            if (skb != null) {
                freeHeads = skb.next;
                skb.next = null;
            }
            allocs++;
            liveHeads++;
            livePages--;
        }
        if (skb == null) {
            skb = new SkBuff(this);
        }
        if (LeakDetector.ENABLED) {
            LeakDetector.untrackPage(page);
        }
        skb.attach(page, 0);
        skb.data = headroom;
        skb.tail = headroom + len;
        if (LeakDetector.ENABLED) {
            LeakDetector.track(skb);
        }
        return skb;
    }

    /** A head for a clone of {@code src}: shares its buffer. */
    SkBuff allocHead() {
        SkBuff skb;
        synchronized (this) {
            skb = freeHeads;
            if (skb != null) {
                freeHeads = skb.next;
                skb.next = null;
            }
            allocs++;
            liveHeads++;
        }
        if (skb == null) {
            skb = new SkBuff(this);
        }
        if (LeakDetector.ENABLED) {
            LeakDetector.track(skb);
        }
        return skb;
    }

    void freeHead(SkBuff skb) {
        if (LeakDetector.ENABLED) {
            LeakDetector.untrack(skb);
        }
        synchronized (this) {
            skb.next = freeHeads;
            freeHeads = skb;
            frees++;
            liveHeads--;
        }
    }

    void freeBuffer(SkbShared b) {
        synchronized (this) {
            if (b.sizeClass == 0) {
                b.nextFree = freeSmall;
                freeSmall = b;
            } else {
                b.nextFree = freeLarge;
                freeLarge = b;
            }
        }
    }

    private SkbShared takeBuffer(int size) {
        if (size <= SMALL) {
            if (freeSmall == null && !grow(0)) {
                return null;
            }
            SkbShared b = freeSmall;
            freeSmall = b.nextFree;
            b.nextFree = null;
            return b;
        }
        if (size <= LARGE) {
            if (freeLarge == null && !grow(1)) {
                return null;
            }
            SkbShared b = freeLarge;
            freeLarge = b.nextFree;
            b.nextFree = null;
            return b;
        }
        return null;
    }

    private boolean grow(int sizeClass) {
        int bufSize = sizeClass == 0 ? SMALL : LARGE;
        int n = sizeClass == 0 ? SMALL_PER_CHUNK : LARGE_PER_CHUNK;
        long bytes = (long) bufSize * n;
        if (bytesReserved + bytes > maxBytes) {
            return false;
        }
        MemorySegment chunk = arena.allocate(bytes, 64);
        bytesReserved += bytes;
        for (int i = n - 1; i >= 0; i--) {
            SkbShared b = new SkbShared(chunk.asSlice((long) i * bufSize, bufSize), this, sizeClass);
            if (sizeClass == 0) {
                b.nextFree = freeSmall;
                freeSmall = b;
            } else {
                b.nextFree = freeLarge;
                freeLarge = b;
            }
        }
        return true;
    }

    /** Skb heads handed out and not yet freed. */
    public synchronized int live() {
        return liveHeads;
    }

    /** Raw pages handed out ({@link #allocPage}) and neither recycled nor built into an skb. */
    public synchronized int livePages() {
        return livePages;
    }

    public synchronized long allocations() {
        return allocs;
    }

    public synchronized long failures() {
        return failures;
    }

    public synchronized long bytesReserved() {
        return bytesReserved;
    }

    @Override
    public String toString() {
        return "page_pool[" + name + "]";
    }
}
