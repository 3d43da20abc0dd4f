package dev.packetflow.net.core;

import dev.packetflow.kernel.time.Clock;
import dev.packetflow.kernel.time.TimerList;
import dev.packetflow.kernel.time.TimerWheel;
import dev.packetflow.net.NetStack;
import dev.packetflow.trace.Trace;
import dev.packetflow.trace.Tracepoint;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A neighbour table: the {@link Neighbour} entries of one protocol in one stack, keyed by (device,
 * protocol address), with their creation, garbage collection and administration. ARP's table is
 * {@code arp_tbl}; the protocol plugs in through {@link Ops} (how to ask, what to do with packets
 * that could not be delivered).
 *
 * <p>Lookup on the packet path is lock-free and allocates nothing: an open-addressing array of
 * entries keyed by their final {@code (device, key)} fields, read with acquire loads, written under
 * the table's monitor with release stores and replaced whole (volatile) when it grows (Linux reads
 * its hash under RCU the same way). Keys are 32-bit protocol addresses, which is what IPv4 needs.
 *
 * <p>Garbage collection follows Linux: a deferrable periodic pass every base_reachable_time/2 that
 * runs only above gc_thresh1 entries and drops unused entries older than gc_stale_time (and FAILED
 * ones); a forced pass when an entry is created above gc_thresh2 (at most every 5 s) or at
 * gc_thresh3, beyond which creation fails. PERMANENT entries are exempt from both.
 *
 * <p>Lock order: table monitor, then an entry's monitor; never the other way round.
 *
 * <p>Linux: {@code net/core/neighbour.c}, {@code include/net/neighbour.h struct neigh_table}.
 */
public final class NeighTable implements AutoCloseable {
    /** What a protocol provides to its table (Linux: {@code struct neigh_ops}). */
    public interface Ops {
        /**
         * Linux: {@code neigh_ops->solicit}. Sends one resolution request for {@code n}. {@code hint}
         * is a clone of the newest waiting packet or null (the caller frees it); {@code probes} is the
         * number of probes already counted in this episode (INCOMPLETE starts at ucast_solicit);
         * {@code ha} is the cached address, for unicast probes.
         */
        void solicit(Neighbour n, SkBuff hint, int probes, long ha);

        /** Linux: {@code neigh_ops->error_report}. Takes a packet whose neighbour failed. */
        void errorReport(Neighbour n, SkBuff skb);
    }

    // Tracepoints (Linux: include/trace/events/neigh.h and the functions of neighbour.c).
    public static final Tracepoint NEIGH_RESOLVE_OUTPUT = Trace.point("neigh_resolve_output");
    /** arg: address (low 32 bits), new state (bits 32-39), old state (bits 40-47). */
    public static final Tracepoint NEIGH_UPDATE = Trace.point("neigh_update");
    /** arg: as {@link #NEIGH_UPDATE}, the state after the handler ran. */
    public static final Tracepoint NEIGH_TIMER_HANDLER = Trace.point("neigh_timer_handler");
    public static final Tracepoint NEIGH_CREATE = Trace.point("neigh_create");
    public static final Tracepoint NEIGH_CLEANUP_AND_RELEASE = Trace.point("neigh_cleanup_and_release");

    // Counters, the columns of /proc/net/stat/arp_cache (Linux: struct neigh_statistics).
    public static final int ENTRIES = 0;
    public static final int ALLOCS = 1;
    public static final int DESTROYS = 2;
    public static final int HASH_GROWS = 3;
    public static final int LOOKUPS = 4;
    public static final int HITS = 5;
    public static final int RES_FAILED = 6;
    public static final int RCV_PROBES_MCAST = 7;
    public static final int RCV_PROBES_UCAST = 8;
    public static final int PERIODIC_GC_RUNS = 9;
    public static final int FORCED_GC_RUNS = 10;
    public static final int UNRESOLVED_DISCARDS = 11;
    public static final int TABLE_FULLS = 12;

    private static final long SEC = 1_000_000_000L;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Neighbour[].class);
    private static final int MIN_CAPACITY = 16;

    final Clock clock;
    final TimerWheel timers;
    final Ops ops;
    final Mib stats;
    private final NetStack net;
    private final String id;
    private final NeighParms parms;
    private final int hashRnd;

    private volatile Neighbour[] slots = new Neighbour[MIN_CAPACITY];
    /** Entries in the table, and slots not null (entries plus tombstones). Guarded by this. */
    private int live;
    private int used;
    private Neighbour gcHead;
    private Neighbour gcTail;
    private int gcEntries;
    private volatile int gcThresh1 = 128;
    private volatile int gcThresh2 = 512;
    private volatile int gcThresh3 = 1024;
    private long lastFlushNs;
    private long lastRandNs;
    private final TimerList gcTimer;
    private boolean closed;

    /** Linux: {@code neigh_table_init()}. */
    public NeighTable(NetStack net, String id, Ops ops) {
        this.net = net;
        this.id = id;
        this.ops = ops;
        this.clock = net.clock();
        this.timers = net.timers();
        this.parms = new NeighParms(net.random());
        this.hashRnd = net.random().nextInt();
        this.stats = new Mib(id, "entries", "allocs", "destroys", "hash_grows", "lookups", "hits", "res_failed",
                "rcv_probes_mcast", "rcv_probes_ucast", "periodic_gc_runs", "forced_gc_runs",
                "unresolved_discards", "table_fulls");
        long now = clock.nanoTime();
        this.lastFlushNs = now;
        this.lastRandNs = now + parms.reachableTimeNs() * 20;
        // Housekeeping must not keep an idle simulation alive: TIMER_DEFERRABLE (Linux queues it on
        // system_power_efficient_wq for the same reason).
        this.gcTimer = new TimerList(NeighTable::gcFn, this, true);
        timers.modTimer(gcTimer, now + parms.reachableTimeNs());
    }

    public NetStack net() {
        return net;
    }

    public String id() {
        return id;
    }

    public NeighParms parms() {
        return parms;
    }

    /** The table's counters ({@code /proc/net/stat/<id>}). */
    public Mib stats() {
        return stats;
    }

    public synchronized int size() {
        return live;
    }

    /** Entries subject to garbage collection (all but PERMANENT ones). */
    public synchronized int gcEntries() {
        return gcEntries;
    }

    public int gcThresh1() {
        return gcThresh1;
    }

    public int gcThresh2() {
        return gcThresh2;
    }

    public int gcThresh3() {
        return gcThresh3;
    }

    /** Sets gc_thresh1/2/3 ({@code net.ipv4.neigh.default.gc_thresh*}); they must not decrease. */
    public void setGcThresholds(int thresh1, int thresh2, int thresh3) {
        if (thresh1 < 0 || thresh2 < thresh1 || thresh3 < thresh2) {
            throw new IllegalArgumentException("gc thresholds must satisfy 0 <= thresh1 <= thresh2 <= thresh3: "
                    + thresh1 + " " + thresh2 + " " + thresh3);
        }
        gcThresh1 = thresh1;
        gcThresh2 = thresh2;
        gcThresh3 = thresh3;
    }

    // ------------------------------------------------------------------ lookup

    private int hash(int ifindex, int key) {
        int h = key * 0x9E3779B1 ^ ifindex * 0x85EBCA77 ^ hashRnd;
        h ^= h >>> 16;
        h *= 0x7feb352d;
        h ^= h >>> 15;
        h *= 0x846ca68b;
        h ^= h >>> 16;
        return h;
    }

    /**
     * Linux: {@code __ipv4_neigh_lookup_noref()}. The entry for {@code key} on {@code dev}, or null.
     * Lock-free, allocation-free, uncounted: this is the per-packet lookup.
     */
    public Neighbour lookup(NetDevice dev, int key) {
        return find(slots, dev, key);
    }

    /** Entries match by device identity: an ifindex alone repeats across stacks. */
    private Neighbour find(Neighbour[] t, NetDevice dev, int key) {
        int mask = t.length - 1;
        int i = hash(dev.ifindex(), key) & mask;
        for (;;) {
            Neighbour n = (Neighbour) SLOT.getAcquire(t, i);
            if (n == null) {
                return null;
            }
            if (n.key == key && n.dev == dev) {
                return n;
            }
            i = (i + 1) & mask;
        }
    }

    /** Linux: {@code neigh_lookup()}: as {@link #lookup}, counted in lookups/hits. */
    public Neighbour neighLookup(NetDevice dev, int key) {
        stats.inc(LOOKUPS);
        Neighbour n = lookup(dev, key);
        if (n != null) {
            stats.inc(HITS);
        }
        return n;
    }

    /**
     * Linux: {@code __neigh_lookup(..., creat=1)}. The entry for {@code key} on {@code dev}, created
     * in state NONE if there is none; null when the table is full (or closed).
     */
    public Neighbour lookupOrCreate(NetDevice dev, int key) {
        Neighbour n = neighLookup(dev, key);
        if (n != null) {
            return n;
        }
        return create(dev, key, (dev.flags() & NetDevice.IFF_LOOPBACK) != 0);
    }

    /**
     * Linux: {@code ___neigh_create()} with {@code neigh_alloc()}'s admission control: above
     * gc_thresh3, or above gc_thresh2 when the last forced collection is 5 s old, a forced
     * collection runs first; if it frees nothing at gc_thresh3, creation fails (table_fulls).
     * Returns the existing entry if another thread created it first.
     */
    public Neighbour create(NetDevice dev, int key, boolean exemptFromGc) {
        synchronized (this) {
            if (closed) {
                return null;
            }
            Neighbour n = find(slots, dev, key);
            if (n != null) {
                return n;
            }
            long now = clock.nanoTime();
            if (!exemptFromGc) {
                int entries = gcEntries;
                int t3 = gcThresh3;
                if (entries >= t3 || (entries >= gcThresh2 && now > lastFlushNs + 5 * SEC)) {
                    if (forcedGc(now) == 0 && entries >= t3) {
                        stats.inc(TABLE_FULLS);
                        return null;
                    }
                }
            }
            n = new Neighbour(this, dev, key, now);
            stats.inc(ALLOCS);
            insert(n);
            if (!exemptFromGc) {
                gcListAdd(n);
            }
            if (NEIGH_CREATE.enabled) {
                NEIGH_CREATE.fire(dev, null, key & 0xffffffffL);
            }
            return n;
        }
    }

    private void insert(Neighbour n) {
        Neighbour[] t = slots;
        if ((used + 1) * 2 > t.length) {
            t = rehash(live + 1);
        }
        int mask = t.length - 1;
        int i = hash(n.ifindex, n.key) & mask;
        for (;;) {
            Neighbour s = (Neighbour) SLOT.getAcquire(t, i);
            if (s == null) {
                used++;
                break;
            }
            if (s == Neighbour.TOMBSTONE) {
                break;
            }
            i = (i + 1) & mask;
        }
        SLOT.setRelease(t, i, n);
        live++;
        stats.set(ENTRIES, live);
    }

    /** Builds a fresh array for {@code need} entries at most a quarter full and publishes it. */
    private Neighbour[] rehash(int need) {
        Neighbour[] old = slots;
        int cap = MIN_CAPACITY;
        while (cap < need * 4) {
            cap <<= 1;
        }
        if (cap > old.length) {
            stats.inc(HASH_GROWS);
        }
        Neighbour[] t = new Neighbour[cap];
        int mask = cap - 1;
        for (Neighbour n : old) {
            if (n != null && n != Neighbour.TOMBSTONE) {
                int i = hash(n.ifindex, n.key) & mask;
                while (t[i] != null) {
                    i = (i + 1) & mask;
                }
                t[i] = n;
            }
        }
        used = live;
        slots = t; // volatile publication: readers see a fully built array
        return t;
    }

    /**
     * Linux: {@code neigh_remove_one()} / {@code neigh_mark_dead()} + {@code neigh_cleanup_and_release()}.
     * Unlinks {@code n} and kills it (timer off, queue purged). Caller holds the table monitor.
     */
    private void remove(Neighbour n) {
        Neighbour[] t = slots;
        int mask = t.length - 1;
        int i = hash(n.ifindex, n.key) & mask;
        for (;;) {
            Neighbour s = (Neighbour) SLOT.getAcquire(t, i);
            if (s == null) {
                return; // not in the table (already removed)
            }
            if (s == n) {
                break;
            }
            i = (i + 1) & mask;
        }
        SLOT.setRelease(t, i, Neighbour.TOMBSTONE);
        live--;
        stats.set(ENTRIES, live);
        stats.inc(DESTROYS);
        if (n.onGcList) {
            gcListRemove(n);
        }
        n.kill();
        if (NEIGH_CLEANUP_AND_RELEASE.enabled) {
            NEIGH_CLEANUP_AND_RELEASE.fire(n.dev, null, n.key & 0xffffffffL);
        }
    }

    // ------------------------------------------------------------------ garbage collection

    private void gcListAdd(Neighbour n) {
        n.gcPrev = gcTail;
        n.gcNext = null;
        if (gcTail == null) {
            gcHead = n;
        } else {
            gcTail.gcNext = n;
        }
        gcTail = n;
        n.onGcList = true;
        gcEntries++;
    }

    private void gcListRemove(Neighbour n) {
        if (n.gcPrev == null) {
            gcHead = n.gcNext;
        } else {
            n.gcPrev.gcNext = n.gcNext;
        }
        if (n.gcNext == null) {
            gcTail = n.gcPrev;
        } else {
            n.gcNext.gcPrev = n.gcPrev;
        }
        n.gcPrev = null;
        n.gcNext = null;
        n.onGcList = false;
        gcEntries--;
    }

    /**
     * Linux: {@code neigh_update_gc_list()}: an entry that became PERMANENT leaves the gc list, one
     * that stopped being PERMANENT joins it (at the tail: the newest).
     */
    void updateGcList(Neighbour n) {
        synchronized (this) {
            if (n.dead) {
                return;
            }
            boolean exempt = (n.nudState & Neighbour.NUD_PERMANENT) != 0;
            if (exempt && n.onGcList) {
                gcListRemove(n);
            } else if (!exempt && !n.onGcList) {
                gcListAdd(n);
            }
        }
    }

    /**
     * Linux: {@code neigh_forced_gc()}. Removes, oldest first, idle entries (no timer running, which
     * in Linux means nobody but the table holds them) that are FAILED or NOARP or were not updated
     * in the last 5 s, until the table is back to gc_thresh2. Caller holds the monitor.
     */
    private int forcedGc(long now) {
        stats.inc(FORCED_GC_RUNS);
        int maxClean = gcEntries - gcThresh2;
        long tref = now - 5 * SEC;
        int shrunk = 0;
        Neighbour n = gcHead;
        while (n != null) {
            Neighbour next = n.gcNext;
            boolean idle;
            boolean remove;
            synchronized (n) {
                int st = n.nudState;
                idle = (st & Neighbour.NUD_IN_TIMER) == 0;
                long upd = n.updatedNs;
                remove = idle && (st == Neighbour.NUD_FAILED || st == Neighbour.NUD_NOARP
                        || upd < tref || upd > now);
            }
            if (idle) {
                if (remove) {
                    remove(n);
                    shrunk++;
                }
                if (shrunk >= maxClean) {
                    break;
                }
            }
            n = next;
        }
        lastFlushNs = now;
        return shrunk;
    }

    private static void gcFn(TimerList t) {
        ((NeighTable) t.owner).periodicWork();
    }

    /**
     * Linux: {@code neigh_periodic_work()}. Every 300 s draws a new reachable time; above gc_thresh1
     * removes entries that are FAILED or unused for gc_stale_time (not PERMANENT, no timer running).
     * Re-arms itself every base_reachable_time/2.
     */
    void periodicWork() {
        synchronized (this) {
            if (closed) {
                return;
            }
            long now = clock.nanoTime();
            stats.inc(PERIODIC_GC_RUNS);
            if (now > lastRandNs + 300 * SEC) {
                lastRandNs = now;
                parms.rerandomize();
            }
            if (live >= gcThresh1) {
                Neighbour[] t = slots;
                long stale = parms.gcStaleTimeNs();
                for (Neighbour n : t) {
                    if (n == null || n == Neighbour.TOMBSTONE) {
                        continue;
                    }
                    boolean remove;
                    synchronized (n) {
                        int st = n.nudState;
                        if ((st & (Neighbour.NUD_PERMANENT | Neighbour.NUD_IN_TIMER)) != 0) {
                            continue;
                        }
                        if (n.usedNs < n.confirmedNs && n.confirmedNs <= now) {
                            n.usedNs = n.confirmedNs;
                        }
                        long u = n.usedNs;
                        remove = st == Neighbour.NUD_FAILED || !(now >= u && now < u + stale);
                    }
                    if (remove) {
                        remove(n);
                    }
                }
            }
            timers.modTimer(gcTimer, now + (parms.baseReachableTimeNs() >> 1));
        }
    }

    // ------------------------------------------------------------------ administration (ip neigh)

    /**
     * Linux: {@code neigh_add()} (RTM_NEWNEIGH): {@code ip neigh add} ({@code replace=false}) fails
     * if an entry exists; {@code ip neigh replace} creates or overrides. Throws
     * IllegalArgumentException for an existing entry (EEXIST) or a full table and changes nothing.
     */
    public Neighbour add(NetDevice dev, int key, long lladdr, int state, boolean replace) {
        Neighbour n;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("neighbour table " + id + " is closed");
            }
            n = find(slots, dev, key);
            if (n != null && !replace) {
                throw new IllegalArgumentException("neighbour " + NeighInfo.addrString(key) + " dev " + dev.name()
                        + " exists");
            }
            if (n == null) {
                n = create(dev, key, (state & Neighbour.NUD_PERMANENT) != 0
                        || (dev.flags() & NetDevice.IFF_LOOPBACK) != 0);
                if (n == null) {
                    throw new IllegalArgumentException("neighbour table " + id + " is full");
                }
            }
        }
        int old = n.nudState;
        int rc = n.update(lladdr, state, Neighbour.NEIGH_UPDATE_F_ADMIN | Neighbour.NEIGH_UPDATE_F_OVERRIDE);
        if (rc < 0) {
            throw new IllegalArgumentException("cannot set neighbour " + NeighInfo.addrString(key) + ": errno " + -rc);
        }
        if (((old ^ n.nudState) & Neighbour.NUD_PERMANENT) != 0) {
            updateGcList(n);
        }
        return n;
    }

    /**
     * Linux: {@code neigh_delete()} (RTM_DELNEIGH): the entry fails (its waiting packets get their
     * error report) and is removed. Throws IllegalArgumentException if there is no such entry.
     */
    public void delete(NetDevice dev, int key) {
        Neighbour n = neighLookup(dev, key);
        if (n == null) {
            throw new IllegalArgumentException("no neighbour " + NeighInfo.addrString(key) + " dev " + dev.name());
        }
        deleteEntry(n);
    }

    private void deleteEntry(Neighbour n) {
        n.update(-1, Neighbour.NUD_FAILED, Neighbour.NEIGH_UPDATE_F_OVERRIDE | Neighbour.NEIGH_UPDATE_F_ADMIN);
        synchronized (this) {
            remove(n);
        }
    }

    /**
     * What {@code ip neigh flush} does: deletes every entry of {@code dev} (every device when null)
     * whose state has a bit in {@code stateMask} (iproute2's default mask leaves PERMANENT and NOARP
     * entries alone). Returns the number deleted.
     */
    public int flush(NetDevice dev, int stateMask) {
        int count = 0;
        for (Neighbour n : entries(dev)) {
            if ((n.nudState & stateMask) != 0 || (n.nudState == Neighbour.NUD_NONE && (stateMask & 0x100) != 0)) {
                deleteEntry(n);
                count++;
            }
        }
        return count;
    }

    /**
     * Linux: {@code neigh_ifdown()} / {@code neigh_flush_dev()}: the device went down, every one of
     * its entries goes (PERMANENT ones too), with the packets they held.
     */
    public int ifdown(NetDevice dev) {
        int count = 0;
        synchronized (this) {
            for (Neighbour n : slots) {
                if (n != null && n != Neighbour.TOMBSTONE && n.dev == dev) {
                    remove(n);
                    count++;
                }
            }
        }
        return count;
    }

    /** The entries of {@code dev} (all when null), by device then address. */
    public List<Neighbour> entries(NetDevice dev) {
        List<Neighbour> l = new ArrayList<>();
        for (Neighbour n : slots) {
            if (n != null && n != Neighbour.TOMBSTONE && (dev == null || n.dev == dev)) {
                l.add(n);
            }
        }
        l.sort(Comparator.comparingInt((Neighbour n) -> n.ifindex).thenComparingLong(n -> n.key & 0xffffffffL));
        return l;
    }

    /** Linux: {@code neigh_dump_table()}: snapshots for {@code ip neigh show}. */
    public List<NeighInfo> dump(NetDevice dev) {
        List<NeighInfo> out = new ArrayList<>();
        for (Neighbour n : entries(dev)) {
            out.add(info(n));
        }
        return out;
    }

    /** A consistent snapshot of one entry (Linux: {@code neigh_fill_info()}). */
    public static NeighInfo info(Neighbour n) {
        synchronized (n) {
            int st = n.nudState;
            return new NeighInfo(n.key, n.dev, (st & Neighbour.NUD_VALID) != 0 ? n.ha : -1, st);
        }
    }

    /** Packs a tracepoint argument: address, new state, old state. */
    static long packState(int key, int newState, int oldState) {
        return (key & 0xffffffffL) | ((long) (newState & 0xff) << 32) | ((long) (oldState & 0xff) << 40);
    }

    /**
     * Linux: {@code neigh_table_clear()}. Stops the periodic work, removes every entry, cancels
     * their timers and drops every waiting packet. Afterwards the table creates nothing.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            timers.delTimer(gcTimer);
            for (Neighbour n : slots) {
                if (n != null && n != Neighbour.TOMBSTONE) {
                    remove(n);
                }
            }
        }
    }

    @Override
    public String toString() {
        return "neigh_table[" + id + " " + net.name() + "]";
    }
}
