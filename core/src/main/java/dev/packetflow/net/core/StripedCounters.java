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
    /** For threads without a stripe: updated atomically. */
    private final long[] shared;

    public StripedCounters(int size) {
        this.size = size;
        for (int s = 0; s < SLOTS; s++) {
            stripes[s] = new long[size + 2 * PAD];
        }
        shared = new long[size + 2 * PAD];
    }

    public int size() {
        return size;
    }

    /** Adds {@code n} to counter {@code i}. */
    public void add(int i, long n) {
        java.util.Objects.checkIndex(i, size);
        long me = Thread.currentThread().threadId();
        long[] o = owners;
        for (int s = 0; s < SLOTS; s++) {
            if (o[s] == me) {
                long[] a = stripes[s];
                int j = PAD + i;
                // Only this thread writes this stripe: load, add, publish, no lock prefix.
                LONGS.setOpaque(a, j, a[j] + n);
                return;
            }
        }
        addSlow(i, n, me);
    }

    public void inc(int i) {
        add(i, 1L);
    }

    /** Adds {@code a} to counter {@code i} and {@code b} to counter {@code j} (packets and bytes). */
    public void add(int i, long a, int j, long b) {
        java.util.Objects.checkIndex(i, size);
        java.util.Objects.checkIndex(j, size);
        long me = Thread.currentThread().threadId();
        long[] o = owners;
        for (int s = 0; s < SLOTS; s++) {
            if (o[s] == me) {
                long[] arr = stripes[s];
                LONGS.setOpaque(arr, PAD + i, arr[PAD + i] + a);
                LONGS.setOpaque(arr, PAD + j, arr[PAD + j] + b);
                return;
            }
        }
        addSlow(i, a, me);
        addSlow(j, b, me);
    }

    private void addSlow(int i, long n, long me) {
        for (int s = 0; s < SLOTS; s++) {
            if ((long) LONGS.getVolatile(owners, s) == 0 && LONGS.compareAndSet(owners, s, 0L, me)) {
                long[] a = stripes[s];
                LONGS.setOpaque(a, PAD + i, a[PAD + i] + n);
                return;
            }
        }
        LONGS.getAndAdd(shared, PAD + i, n);
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
