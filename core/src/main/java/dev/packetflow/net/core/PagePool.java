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
 * <p>Linux: {@code net/core/page_pool.c} for the buffers, {@code skbuff_cache} for the heads.
 */
public final class PagePool {
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
