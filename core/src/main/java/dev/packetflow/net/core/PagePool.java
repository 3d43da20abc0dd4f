package dev.packetflow.net.core;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

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
 * <p>Threads: the pool's free lists are shared under its lock, but the first
 * {@value #CACHE_SLOTS} threads that use a pool each get a private cache of small buffers and
 * heads, so the packet path allocates and frees without a lock or an atomic instruction (only the
 * buffer's reference count is atomic). A cache holds at most {@value #CACHE_MAX} buffers; those
 * are not available to other threads until it gives them back.
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

    /** Threads with a private cache of small buffers and heads. */
    static final int CACHE_SLOTS = 4;
    /** What a cache takes from the shared lists when it runs dry, and gives back when too full. */
    static final int CACHE_BATCH = 64;
    /** A cache holding more than this many buffers (or heads) gives {@link #CACHE_BATCH} back. */
    static final int CACHE_MAX = 4 * CACHE_BATCH;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle CACHES = MethodHandles.arrayElementVarHandle(Cache[].class);
    // Cache statistics slots.
    // Heads in use are ALLOCS - FREES summed over the caches and the shared counts: no slot of their
    // own, so that an skb's life costs one counter update at each end, not two.
    private static final int ALLOCS = 0;
    private static final int FREES = 1;
    private static final int LIVE_PAGES = 2;

    /** The pool used when a caller does not name one. */
    public static final PagePool DEFAULT = new PagePool("default", 1L << 31);

    private final String name;
    private final long maxBytes;
    private final Arena arena = Arena.ofAuto();
    // Shared free stacks and statistics: guarded by this.
    private final FreeStack<SkbShared> freeSmall = new FreeStack<>(new SkbShared[CACHE_MAX]);
    private final FreeStack<SkbShared> freeLarge = new FreeStack<>(new SkbShared[LARGE_PER_CHUNK]);
    private final FreeStack<SkBuff> freeHeads = new FreeStack<>(new SkBuff[CACHE_MAX]);
    private long bytesReserved;
    /** Buffers and heads this pool has made, so far: what its shared stacks must be able to hold. */
    private int smallCreated;
    private int largeCreated;
    private int headsCreated;
    private long allocs;
    private long frees;
    private long failures;
    private int livePages;

    /** Thread id owning each cache slot, 0 while free; set once. */
    private final long[] cacheOwners = new long[CACHE_SLOTS];
    private final Cache[] caches = new Cache[CACHE_SLOTS];

    /**
     * A stack of free objects kept in an array, not linked through the objects. Moving a batch
     * between two stacks copies references and touches none of the objects: when the thread that
     * frees is not the one that allocates (a veth carries skbs from the sender's thread to the
     * receiver's), the objects' cache lines sit in the other core's cache, and walking a linked
     * free list there would be one dependent cross-core miss per object, paid in a row by the
     * refilling thread. Linux keeps its per-CPU caches as arrays for the same reason
     * ({@code napi_alloc_cache.skb_cache[]}, {@code page_pool.alloc.cache[]}).
     */
    private static final class FreeStack<T> {
        T[] a;
        int n;

        FreeStack(T[] initial) {
            a = initial;
        }

        /**
         * Makes room for {@code cap} objects. The pool calls it whenever it creates buffers or
         * heads (an allocation anyway), with the number it has created in all, so that a shared
         * stack can take every one of them back and freeing never allocates.
         */
        void reserve(int cap) {
            if (cap > a.length) {
                a = java.util.Arrays.copyOf(a, Math.max(cap, a.length * 2));
            }
        }

        T pop() {
            T t = a[--n];
            a[n] = null;
            return t;
        }

        void push(T t) {
            reserve(n + 1); // never grows a stack sized as the pool sizes them
            a[n++] = t;
        }

        /** Moves the top {@code k} (at most {@link #n}) objects onto {@code to}; returns how many. */
        int moveTo(FreeStack<T> to, int k) {
            k = Math.min(k, n);
            to.reserve(to.n + k);
            System.arraycopy(a, n - k, to.a, to.n, k);
            java.util.Arrays.fill(a, n - k, n, null);
            n -= k;
            to.n += k;
            return k;
        }
    }

    /**
     * One thread's private stock of small buffers and skb heads, touched by that thread only, so
     * that the packet path allocates and frees without a lock (Linux: the page pool's lockless
     * per-NAPI {@code alloc} cache and the per-CPU {@code napi_alloc_cache} of skb heads). It is
     * refilled from, and spilled to, the pool's shared stacks {@link #CACHE_BATCH} at a time, under
     * the pool's lock. Whatever thread frees a buffer puts it in its own cache; buffers migrate
     * from the threads that free to the threads that allocate through the shared stacks.
     */
    private static final class Cache {
        final FreeStack<SkbShared> small = new FreeStack<>(new SkbShared[CACHE_MAX + 1]);
        final FreeStack<SkBuff> heads = new FreeStack<>(new SkBuff[CACHE_MAX + 1]);
        /** ALLOCS, FREES, LIVE_PAGES; written by the owner only, read by anyone. */
        final long[] stats = new long[3];

        void count(int i, long n) {
            LONGS.setOpaque(stats, i, stats[i] + n);
        }
    }

    public PagePool(String name, long maxBytes) {
        this.name = name;
        this.maxBytes = maxBytes;
    }

    public String name() {
        return name;
    }

    /** The calling thread's cache, claiming a free slot on first use; null when all are taken. */
    private Cache cache() {
        long me = Thread.currentThread().threadId();
        long[] o = cacheOwners;
        for (int s = 0; s < CACHE_SLOTS; s++) {
            if (o[s] == me) {
                return caches[s];
            }
        }
        return claimCache(me);
    }

    private Cache claimCache(long me) {
        for (int s = 0; s < CACHE_SLOTS; s++) {
            if ((long) LONGS.getVolatile(cacheOwners, s) == 0 && LONGS.compareAndSet(cacheOwners, s, 0L, me)) {
                Cache c = new Cache();
                CACHES.setVolatile(caches, s, c);
                return c;
            }
        }
        return null;
    }

    /**
     * An skb whose buffer holds at least {@code size} bytes, with data = tail = head; null when the
     * pool is exhausted (callers drop with {@link DropReason#NOMEM}). Linux: {@code alloc_skb()}.
     */
    public SkBuff alloc(int size) {
        SkbShared buf;
        SkBuff skb;
        Cache c = size <= SMALL ? cache() : null;
        if (c != null) {
            buf = takeSmall(c);
            if (buf == null) {
                synchronized (this) {
                    failures++;
                }
                return null;
            }
            skb = takeHead(c);
            c.count(ALLOCS, 1);
        } else {
            synchronized (this) {
                buf = takeBuffer(size);
                if (buf == null) {
                    failures++;
                    return null;
                }
                skb = freeHeads.n != 0 ? freeHeads.pop() : null;
                allocs++;
            }
            if (skb == null) {
                skb = newHead();
            }
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
        Cache c = size <= SMALL ? cache() : null;
        if (c != null) {
            buf = takeSmall(c);
            if (buf == null) {
                synchronized (this) {
                    failures++;
                }
                return null;
            }
            c.count(LIVE_PAGES, 1);
        } else {
            synchronized (this) {
                buf = takeBuffer(size);
                if (buf == null) {
                    failures++;
                    return null;
                }
                livePages++;
            }
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
        Cache c = b.sizeClass == 0 ? cache() : null;
        if (c != null) {
            c.count(LIVE_PAGES, -1);
            putSmall(c, b);
        } else {
            synchronized (this) {
                livePages--;
            }
            freeBuffer(b);
        }
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
        SkBuff skb = allocHeadCounted(true);
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
        SkBuff skb = allocHeadCounted(false);
        if (LeakDetector.ENABLED) {
            LeakDetector.track(skb);
        }
        return skb;
    }

    private SkBuff allocHeadCounted(boolean fromPage) {
        Cache c = cache();
        if (c != null) {
            SkBuff skb = takeHead(c);
            c.count(ALLOCS, 1);
            if (fromPage) {
                c.count(LIVE_PAGES, -1);
            }
            return skb;
        }
        SkBuff skb;
        synchronized (this) {
            skb = freeHeads.n != 0 ? freeHeads.pop() : null;
            allocs++;
            if (fromPage) {
                livePages--;
            }
        }
        return skb != null ? skb : newHead();
    }

    /**
     * Called when the last user of {@code skb} frees it: the head comes back to this pool and,
     * if {@code buf} is not null (the head held the buffer's last reference), so does the buffer.
     */
    void release(SkBuff skb, SkbShared buf) {
        if (LeakDetector.ENABLED) {
            LeakDetector.untrack(skb);
        }
        Cache c = cache();
        if (c == null) {
            freeHeadShared(skb);
            if (buf != null) {
                buf.pool.freeBuffer(buf);
            }
            return;
        }
        c.count(FREES, 1);
        putHead(c, skb);
        if (buf != null) {
            if (buf.pool == this && buf.sizeClass == 0) {
                putSmall(c, buf);
            } else {
                buf.pool.freeBuffer(buf);
            }
        }
    }

    /** A new head, the pool's stock of heads grown by one (Linux: {@code kmem_cache_alloc}). */
    private synchronized SkBuff newHead() {
        headsCreated++;
        freeHeads.reserve(headsCreated);
        return new SkBuff(this);
    }

    private synchronized void freeHeadShared(SkBuff skb) {
        freeHeads.push(skb);
        frees++;
    }

    void freeBuffer(SkbShared b) {
        synchronized (this) {
            pushShared(b);
        }
    }

    private void pushShared(SkbShared b) {
        (b.sizeClass == 0 ? freeSmall : freeLarge).push(b);
    }

    // ------------------------------------------------------------------ per-thread caches

    private SkbShared takeSmall(Cache c) {
        FreeStack<SkbShared> st = c.small;
        if (st.n == 0 && !refillSmall(c)) {
            return null;
        }
        return st.pop();
    }

    private synchronized boolean refillSmall(Cache c) {
        if (freeSmall.n < CACHE_BATCH) {
            grow(0); // may fail at the pool's limit; then what is left is taken
        }
        return freeSmall.moveTo(c.small, CACHE_BATCH) > 0;
    }

    private void putSmall(Cache c, SkbShared b) {
        FreeStack<SkbShared> st = c.small;
        st.push(b);
        if (st.n > CACHE_MAX) {
            spillSmall(c);
        }
    }

    private synchronized void spillSmall(Cache c) {
        c.small.moveTo(freeSmall, CACHE_BATCH);
    }

    private SkBuff takeHead(Cache c) {
        FreeStack<SkBuff> st = c.heads;
        if (st.n == 0 && !refillHeads(c)) {
            return newHead();
        }
        return st.pop();
    }

    private synchronized boolean refillHeads(Cache c) {
        return freeHeads.moveTo(c.heads, CACHE_BATCH) > 0;
    }

    private void putHead(Cache c, SkBuff skb) {
        FreeStack<SkBuff> st = c.heads;
        st.push(skb);
        if (st.n > CACHE_MAX) {
            spillHeads(c);
        }
    }

    private synchronized void spillHeads(Cache c) {
        c.heads.moveTo(freeHeads, CACHE_BATCH);
    }

    // ------------------------------------------------------------------ shared lists

    private SkbShared takeBuffer(int size) {
        if (size <= SMALL) {
            return freeSmall.n != 0 || grow(0) ? freeSmall.pop() : null;
        }
        if (size <= LARGE) {
            return freeLarge.n != 0 || grow(1) ? freeLarge.pop() : null;
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
        if (sizeClass == 0) {
            smallCreated += n;
            freeSmall.reserve(smallCreated);
        } else {
            largeCreated += n;
            freeLarge.reserve(largeCreated);
        }
        for (int i = n - 1; i >= 0; i--) {
            pushShared(new SkbShared(chunk.asSlice((long) i * bufSize, bufSize), this, sizeClass));
        }
        return true;
    }

    // ------------------------------------------------------------------ statistics

    private long cached(int stat) {
        long v = 0;
        for (int s = 0; s < CACHE_SLOTS; s++) {
            Cache c = (Cache) CACHES.getVolatile(caches, s);
            if (c != null) {
                v += (long) LONGS.getOpaque(c.stats, stat);
            }
        }
        return v;
    }

    /** Skb heads handed out and not yet freed. */
    public synchronized int live() {
        return (int) (allocs + cached(ALLOCS) - frees - cached(FREES));
    }

    /** Raw pages handed out ({@link #allocPage}) and neither recycled nor built into an skb. */
    public synchronized int livePages() {
        return livePages + (int) cached(LIVE_PAGES);
    }

    public synchronized long allocations() {
        return allocs + cached(ALLOCS);
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
