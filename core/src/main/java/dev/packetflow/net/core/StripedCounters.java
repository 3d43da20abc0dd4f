package dev.packetflow.net.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A fixed set of exact 64-bit counters that many threads bump and few read, without an atomic
 * instruction on the common path.
 *
 * <p>Linux keeps its SNMP MIBs and device statistics per CPU ({@code SNMP_INC_STATS} is a
 * {@code this_cpu_inc}, no lock prefix) and sums the CPUs' copies when someone reads them
 * ({@code snmp_fold_field}). Java threads have no CPU to call their own, so the first
 * {@value #SLOTS} threads that count here each claim a private copy (their stripe) and bump it with
 * plain loads and opaque stores: a single writer per stripe, so nothing is lost. Further threads
 * share one more copy updated atomically. A reader sums every copy: each counter is exact once the
 * writers are quiet, and never goes backwards by more than the increments in flight.
 *
 * <p>In the simulation one thread does everything and always takes the fast path; in real time the
 * softnet worker of the stack and the first application threads do.
 */
public final class StripedCounters {
    /** Threads with a private stripe. */
    static final int SLOTS = 4;
    /** Longs of padding around each stripe, so that two writers never share a cache line. */
    private static final int PAD = 8;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private final int size;
    /** Thread id owning each stripe, 0 while free; set once. */
    private final long[] owners = new long[SLOTS];
    private final long[][] stripes = new long[SLOTS][];
    /**
     * The stripes and their owners again in plain fields, so that a thread finds its stripe with a
     * few compares instead of a loop of volatile reads (the stack's softnet worker and the
     * application threads are not always the first to count). Each owner field is written once, by
     * its owner; another thread may read 0 or the owner's id, never its own id, so a stale read only
     * sends it the slow way.
     */
    private final long[] stripe0;
    private final long[] stripe1;
    private final long[] stripe2;
    private final long[] stripe3;
    private long owner0;
    private long owner1;
    private long owner2;
    private long owner3;
    /** For threads without a stripe: updated atomically. */
    private final long[] shared;

    public StripedCounters(int size) {
        this.size = size;
        for (int s = 0; s < SLOTS; s++) {
            stripes[s] = new long[size + 2 * PAD];
        }
        stripe0 = stripes[0];
        stripe1 = stripes[1];
        stripe2 = stripes[2];
        stripe3 = stripes[3];
        shared = new long[size + 2 * PAD];
    }

    public int size() {
        return size;
    }

    /** The calling thread's stripe, or null when it has none (then it counts in {@link #shared}). */
    private long[] stripe(long me) {
        if (me == owner0) {
            return stripe0;
        }
        if (me == owner1) {
            return stripe1;
        }
        if (me == owner2) {
            return stripe2;
        }
        if (me == owner3) {
            return stripe3;
        }
        return otherStripe(me);
    }

    private long[] otherStripe(long me) {
        for (int s = 0; s < SLOTS; s++) {
            long o = (long) LONGS.getVolatile(owners, s);
            if (o == me) {
                return stripes[s];
            }
            if (o == 0 && LONGS.compareAndSet(owners, s, 0L, me)) {
                // Seen by this thread at once; others never match it.
                switch (s) {
                    case 0 -> owner0 = me;
                    case 1 -> owner1 = me;
                    case 2 -> owner2 = me;
                    default -> owner3 = me;
                }
                return stripes[s];
            }
        }
        return null;
    }

    /** Adds {@code n} to counter {@code i}. */
    public void add(int i, long n) {
        java.util.Objects.checkIndex(i, size);
        long[] a = stripe(Thread.currentThread().threadId());
        if (a == null) {
            LONGS.getAndAdd(shared, PAD + i, n);
            return;
        }
        // Only this thread writes this stripe: load, add, publish, no lock prefix.
        int j = PAD + i;
        LONGS.setOpaque(a, j, a[j] + n);
    }

    public void inc(int i) {
        add(i, 1L);
    }

    /** Adds {@code a} to counter {@code i} and {@code b} to counter {@code j} (packets and bytes). */
    public void add(int i, long a, int j, long b) {
        java.util.Objects.checkIndex(i, size);
        java.util.Objects.checkIndex(j, size);
        long[] arr = stripe(Thread.currentThread().threadId());
        if (arr == null) {
            LONGS.getAndAdd(shared, PAD + i, a);
            LONGS.getAndAdd(shared, PAD + j, b);
            return;
        }
        LONGS.setOpaque(arr, PAD + i, arr[PAD + i] + a);
        LONGS.setOpaque(arr, PAD + j, arr[PAD + j] + b);
    }

    /** The sum of every thread's copy of counter {@code i}. */
    public long get(int i) {
        java.util.Objects.checkIndex(i, size);
        long v = (long) LONGS.getVolatile(shared, PAD + i);
        for (int s = 0; s < SLOTS; s++) {
            v += (long) LONGS.getOpaque(stripes[s], PAD + i);
        }
        return v;
    }

    /**
     * Makes counter {@code i} read {@code v}: for fields that hold a value rather than count events
     * (Ip Forwarding, DefaultTTL), which nobody increments concurrently.
     */
    public void set(int i, long v) {
        long striped = get(i) - (long) LONGS.getVolatile(shared, PAD + i);
        LONGS.setVolatile(shared, PAD + i, v - striped);
    }
}
