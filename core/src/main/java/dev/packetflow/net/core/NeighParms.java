package dev.packetflow.net.core;

import java.util.random.RandomGenerator;

/**
 * The tunables of one neighbour table, what {@code /proc/sys/net/ipv4/neigh/default/} shows, with
 * the ARP table's defaults ({@code net/ipv4/arp.c arp_tbl}). Times are in nanoseconds.
 *
 * <p>Linux keeps one {@code struct neigh_parms} per device plus the table default; packetflow keeps
 * the table default only, so a value set here applies to every device of the stack.
 *
 * <p>Fields are volatile: a setter runs on a configuration thread while the packet path and the
 * timers read them.
 *
 * <p>Linux: {@code include/net/neighbour.h struct neigh_parms}, {@code NEIGH_VAR_*}.
 */
public final class NeighParms {
    private static final long SEC = 1_000_000_000L;

    /** Broadcast requests before an unresolved entry fails (mcast_solicit). */
    private volatile int mcastProbes = 3;
    /** Unicast probes of a PROBE entry, and the number credited to INCOMPLETE (ucast_solicit). */
    private volatile int ucastProbes = 3;
    /** Probes handed to a user-space daemon (app_solicit); packetflow has none, so 0. */
    private volatile int appProbes = 0;
    /** Broadcast re-probes after the unicast probes of a PROBE entry (mcast_resolicit). */
    private volatile int mcastReprobes = 0;
    private volatile long retransTimeNs = SEC;
    private volatile long baseReachableTimeNs = 30 * SEC;
    /** The randomised reachable time in force: base x uniform [0.5, 1.5). */
    private volatile long reachableTimeNs = 30 * SEC;
    private volatile long delayProbeTimeNs = 5 * SEC;
    private volatile long gcStaleTimeNs = 60 * SEC;
    /** Bytes (truesize) queued per unresolved entry: Linux's SK_WMEM_MAX, 212992. */
    private volatile int queueLenBytes = 212_992;
    /** After an update, replies with another address are ignored for this long (locktime). */
    private volatile long locktimeNs = SEC;

    private final RandomGenerator random;

    /** Parameters with Linux's defaults; {@code random} draws the reachable time. */
    public NeighParms(RandomGenerator random) {
        this.random = random;
        this.reachableTimeNs = randReachTime(baseReachableTimeNs);
    }

    /**
     * Linux: {@code neigh_rand_reach_time()}: uniformly in [base/2, 3*base/2), so that hosts that
     * learned each other at the same moment do not all re-probe at once (RFC 4861 6.3.2 uses the
     * same factor range for IPv6).
     */
    long randReachTime(long baseNs) {
        return baseNs <= 0 ? 0 : random.nextLong(baseNs) + (baseNs >> 1);
    }

    /** Draws a new reachable time from the base (done every 300 s by the periodic work). */
    void rerandomize() {
        reachableTimeNs = randReachTime(baseReachableTimeNs);
    }

    public int mcastProbes() {
        return mcastProbes;
    }

    public int ucastProbes() {
        return ucastProbes;
    }

    public int appProbes() {
        return appProbes;
    }

    public int mcastReprobes() {
        return mcastReprobes;
    }

    public long retransTimeNs() {
        return retransTimeNs;
    }

    public long baseReachableTimeNs() {
        return baseReachableTimeNs;
    }

    /** The reachable time now in force (randomised from the base). */
    public long reachableTimeNs() {
        return reachableTimeNs;
    }

    public long delayProbeTimeNs() {
        return delayProbeTimeNs;
    }

    public long gcStaleTimeNs() {
        return gcStaleTimeNs;
    }

    public int queueLenBytes() {
        return queueLenBytes;
    }

    public long locktimeNs() {
        return locktimeNs;
    }

    public void setMcastProbes(int n) {
        mcastProbes = nonNegative("mcast_solicit", n);
    }

    public void setUcastProbes(int n) {
        ucastProbes = nonNegative("ucast_solicit", n);
    }

    public void setMcastReprobes(int n) {
        mcastReprobes = nonNegative("mcast_resolicit", n);
    }

    public void setRetransTimeNs(long ns) {
        retransTimeNs = positive("retrans_time", ns);
    }

    /**
     * Sets base_reachable_time and draws a new reachable time at once, as writing the sysctl does
     * in Linux ({@code neigh_proc_base_reachable_time}).
     */
    public void setBaseReachableTimeNs(long ns) {
        baseReachableTimeNs = positive("base_reachable_time", ns);
        reachableTimeNs = randReachTime(ns);
    }

    public void setDelayProbeTimeNs(long ns) {
        delayProbeTimeNs = positive("delay_first_probe_time", ns);
    }

    public void setGcStaleTimeNs(long ns) {
        gcStaleTimeNs = positive("gc_stale_time", ns);
    }

    public void setQueueLenBytes(int bytes) {
        queueLenBytes = nonNegative("unres_qlen_bytes", bytes);
    }

    public void setLocktimeNs(long ns) {
        if (ns < 0) {
            throw new IllegalArgumentException("locktime must be >= 0: " + ns);
        }
        locktimeNs = ns;
    }

    private static int nonNegative(String what, int n) {
        if (n < 0) {
            throw new IllegalArgumentException(what + " must be >= 0: " + n);
        }
        return n;
    }

    private static long positive(String what, long ns) {
        if (ns <= 0) {
            throw new IllegalArgumentException(what + " must be > 0: " + ns + " ns");
        }
        return ns;
    }
}
