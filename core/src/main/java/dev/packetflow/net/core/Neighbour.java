package dev.packetflow.net.core;

import dev.packetflow.kernel.time.TimerList;
import dev.packetflow.net.ethernet.Eth;

/**
 * One neighbour: what the stack knows about the link-layer address of one next hop on one device,
 * and the Neighbour Unreachability Detection (NUD) state machine that keeps that knowledge fresh.
 *
 * <pre>
 *            traffic                reply                   reachable_time, no traffic
 *   NONE ──────────► INCOMPLETE ─────────► REACHABLE ────────────────────────────────► STALE
 *   FAILED ◄──────── (broadcast requests,  ▲   ▲ confirmed                                │
 *     ▲   mcast_solicit   every retrans)   │   └─────────────┐                            │ traffic
 *     │   unanswered                       │ reply           │                            ▼
 *     └─────────────── PROBE ◄──────────────────────────── DELAY ◄────────────────────────┘
 *       ucast_solicit    (unicast probes)     delay_first_probe_time, not confirmed
 * </pre>
 *
 * <p>PERMANENT and NOARP entries never change by themselves; only an administrative update
 * ({@code ip neigh}) touches them. An entry in INCOMPLETE holds the packets that wait for the
 * answer ({@code arp_queue}); they leave in order when the entry becomes valid, or are reported to
 * the link-failure handler and dropped when it fails.
 *
 * <p>Threading: the packet path reads {@link #nudState} and {@link #ha} without a lock (both
 * volatile); every state change happens under this object's monitor (Linux: {@code neigh->lock}).
 * Packets are handed to the device, and probes and error reports are sent, with the monitor
 * released, as Linux drops {@code neigh->lock} around {@code neigh->output} and {@code solicit}.
 *
 * <p>Linux: {@code include/net/neighbour.h struct neighbour}, {@code net/core/neighbour.c}.
 */
public final class Neighbour {
    // NUD states, Linux's values (include/uapi/linux/neighbour.h).
    public static final int NUD_NONE = 0x00;
    public static final int NUD_INCOMPLETE = 0x01;
    public static final int NUD_REACHABLE = 0x02;
    public static final int NUD_STALE = 0x04;
    public static final int NUD_DELAY = 0x08;
    public static final int NUD_PROBE = 0x10;
    public static final int NUD_FAILED = 0x20;
    public static final int NUD_NOARP = 0x40;
    public static final int NUD_PERMANENT = 0x80;
    /** States that run the entry's timer. */
    public static final int NUD_IN_TIMER = NUD_INCOMPLETE | NUD_REACHABLE | NUD_DELAY | NUD_PROBE;
    /** States with a usable link-layer address. */
    public static final int NUD_VALID = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY;
    /** States in which packets go out without any resolution work. */
    public static final int NUD_CONNECTED = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE;

    // neigh_update() flags, Linux's NEIGH_UPDATE_F_* values.
    /** A different link-layer address replaces the known one. */
    public static final int NEIGH_UPDATE_F_OVERRIDE = 1 << 0;
    /** A different address only demotes a connected entry to STALE. */
    public static final int NEIGH_UPDATE_F_WEAK_OVERRIDE = 1 << 1;
    /** The update comes from the administrator and may touch PERMANENT/NOARP entries. */
    public static final int NEIGH_UPDATE_F_ADMIN = 1 << 31;

    static final int EPERM = 1;
    static final int ENOMEM = 12;
    static final int EINVAL = 22;
    static final int EHOSTUNREACH = 113;

    /**
     * What one queued packet costs beyond its buffer, as Linux's {@code SKB_TRUESIZE()} adds on
     * x86-64: {@code struct sk_buff} (232, aligned to 256) plus {@code skb_shared_info} (320).
     */
    public static final int SKB_TRUESIZE_OVERHEAD = 576;
    /** Linux's floor for neighbour timers, {@code HZ/100}. */
    static final long MIN_TIMER_NS = 10_000_000L;

    /** Occupies a deleted slot of the table's open-addressing array; matches nothing (no device). */
    static final Neighbour TOMBSTONE = new Neighbour();

    final NeighTable tbl;
    final NetDevice dev;
    final int ifindex;
    /** The protocol address of the neighbour (Linux: {@code primary_key}), an IPv4 address. */
    final int key;
    final NeighParms parms;
    private final TimerList timer;
    /** Packets waiting for resolution, oldest first. Guarded by this. */
    private final SkBuffHead arpQueue;
    private int arpQueueLenBytes;
    private int probes;

    volatile int nudState;
    /** Link-layer address; meaningful when the state is in {@link #NUD_VALID}. */
    volatile long ha;
    /** Last time reachability was confirmed (a reply, or an upper layer's forward progress). */
    volatile long confirmedNs;
    /** Last time the state or address changed. */
    volatile long updatedNs;
    /** Last time a packet was sent through the resolving path. */
    volatile long usedNs;
    volatile boolean dead;

    // Table-owned: the gc list (Linux: tbl->gc_list), guarded by the table's monitor.
    Neighbour gcPrev;
    Neighbour gcNext;
    boolean onGcList;

    private Neighbour() {
        tbl = null;
        dev = null;
        ifindex = 0;
        key = 0;
        parms = null;
        timer = null;
        arpQueue = null;
    }

    /** Linux: {@code neigh_alloc()}. */
    Neighbour(NeighTable tbl, NetDevice dev, int key, long nowNs) {
        this.tbl = tbl;
        this.dev = dev;
        this.ifindex = dev.ifindex();
        this.key = key;
        this.parms = tbl.parms();
        this.timer = new TimerList(Neighbour::timerFn, this);
        this.arpQueue = new SkBuffHead();
        this.updatedNs = nowNs;
        this.usedNs = nowNs;
        this.confirmedNs = nowNs - (parms.baseReachableTimeNs() << 1);
    }

    // ------------------------------------------------------------------ accessors

    public NetDevice dev() {
        return dev;
    }

    /** The neighbour's protocol address (an IPv4 address as a host-order int). */
    public int key() {
        return key;
    }

    public int state() {
        return nudState;
    }

    /** The link-layer address; only meaningful when {@code (state() & NUD_VALID) != 0}. */
    public long lladdr() {
        return ha;
    }

    public long confirmedNs() {
        return confirmedNs;
    }

    public long updatedNs() {
        return updatedNs;
    }

    public long usedNs() {
        return usedNs;
    }

    public boolean isDead() {
        return dead;
    }

    public synchronized int queueLen() {
        return arpQueue.qlen();
    }

    public synchronized int queueBytes() {
        return arpQueueLenBytes;
    }

    /** Probes sent in the current INCOMPLETE/PROBE episode (INCOMPLETE starts at ucast_solicit). */
    public synchronized int probes() {
        return probes;
    }

    /** Queue accounting for one packet, Linux's {@code skb->truesize}. */
    public static int truesize(SkBuff skb) {
        return skb.end + SKB_TRUESIZE_OVERHEAD;
    }

    // ------------------------------------------------------------------ output

    /**
     * Linux: {@code include/net/neighbour.h neigh_output()}. Sends {@code skb} (data at the network
     * header, {@code skb.protocol} set) to this neighbour: straight to the device when the entry is
     * connected, through resolution otherwise. Takes the skb. Returns 0 when sent or queued, the
     * {@code dev_queue_xmit} result, or a negative errno when the neighbour layer dropped it.
     */
    public int output(SkBuff skb) {
        if ((nudState & NUD_CONNECTED) != 0) {
            return connectedOutput(skb);
        }
        return resolveOutput(skb);
    }

    /** Linux: {@code neigh_hh_output()} / {@code neigh_connected_output()}. */
    int connectedOutput(SkBuff skb) {
        return hardHeaderXmit(skb, dev, ha);
    }

    /**
     * Linux: {@code neigh_resolve_output()}. Runs the state machine for one packet; if it may leave
     * now (STALE, DELAY, PROBE) it gets the cached address, otherwise it waits in the queue.
     */
    public int resolveOutput(SkBuff skb) {
        if (NeighTable.NEIGH_RESOLVE_OUTPUT.enabled) {
            NeighTable.NEIGH_RESOLVE_OUTPUT.fire(dev, skb, key & 0xffffffffL);
        }
        int rc = eventSend(skb);
        if (rc == 0) {
            return hardHeaderXmit(skb, dev, ha);
        }
        return rc > 0 ? 0 : rc;
    }

    /**
     * Linux: {@code dev_hard_header()} + {@code dev_queue_xmit()}: pushes the Ethernet header
     * (unsharing the buffer first if its header area is shared, {@code skb_cow_head()}) and transmits. Devices without a link header get the packet
     * as it is.
     */
    public static int hardHeaderXmit(SkBuff skb, NetDevice dev, long dstMac) {
        skb.dev = dev;
        if (dev.hardHeaderLen() > 0) {
            if (!skb.cowHead(Eth.ETH_HLEN)) {
                Skb.kfreeSkb(skb, DropReason.NOMEM);
                return -ENOMEM;
            }
            Eth.ethHeader(skb, dstMac, dev.mac(), skb.protocol);
        }
        return Dev.devQueueXmit(skb);
    }

    // ------------------------------------------------------------------ state machine

    /**
     * Linux: {@code neigh_event_send()} / {@code __neigh_event_send()}. Notes traffic to this
     * neighbour and decides what happens to {@code skb} (may be null): returns 0 when the packet can
     * be sent with the cached address now, 1 when it was queued for resolution, or a negative errno
     * when it was dropped. Starts resolution (NONE/FAILED to INCOMPLETE, first broadcast request at
     * once) and turns STALE into DELAY.
     */
    public int eventSend(SkBuff skb) {
        long now = tbl.clock.nanoTime();
        if (usedNs != now) {
            usedNs = now;
        }
        if ((nudState & (NUD_CONNECTED | NUD_DELAY | NUD_PROBE)) != 0) {
            return 0;
        }
        return eventSendSlow(skb, now);
    }

    private int eventSendSlow(SkBuff skb, long now) {
        SkBuff hint = null;
        int probesBefore = 0;
        long haNow = 0;
        boolean immediateProbe = false;
        int rc;
        synchronized (this) {
            int st = nudState;
            if ((st & (NUD_CONNECTED | NUD_DELAY | NUD_PROBE)) != 0) {
                return 0;
            }
            if (dead) {
                if ((st & NUD_STALE) != 0) {
                    return 0;
                }
                Skb.kfreeSkb(skb, DropReason.NEIGH_DEAD);
                return -EHOSTUNREACH;
            }
            if ((st & (NUD_STALE | NUD_INCOMPLETE)) == 0) {
                if (parms.mcastProbes() + parms.appProbes() != 0) {
                    probes = parms.ucastProbes();
                    tbl.timers.delTimer(timer);
                    nudState = NUD_INCOMPLETE;
                    updatedNs = now;
                    immediateProbe = true;
                    tbl.timers.modTimer(timer, now + Math.max(parms.retransTimeNs(), MIN_TIMER_NS));
                } else {
                    nudState = NUD_FAILED;
                    updatedNs = now;
                    Skb.kfreeSkb(skb, DropReason.NEIGH_FAILED);
                    return -EHOSTUNREACH;
                }
            } else if ((st & NUD_STALE) != 0) {
                tbl.timers.delTimer(timer);
                nudState = NUD_DELAY;
                updatedNs = now;
                tbl.timers.modTimer(timer, now + parms.delayProbeTimeNs());
            }
            rc = 0;
            if (nudState == NUD_INCOMPLETE) {
                if (skb != null) {
                    enqueue(skb);
                }
                rc = 1;
            }
            if (immediateProbe) {
                hint = cloneTail();
                probesBefore = probes++;
                haNow = ha;
            }
        }
        if (immediateProbe) {
            solicit(hint, probesBefore, haNow);
        }
        return rc;
    }

    /** Queues {@code skb}, dropping the oldest packets while the queue would exceed unres_qlen_bytes. */
    private void enqueue(SkBuff skb) {
        int ts = truesize(skb);
        int limit = parms.queueLenBytes();
        while (arpQueueLenBytes + ts > limit) {
            SkBuff old = arpQueue.dequeue();
            if (old == null) {
                break;
            }
            arpQueueLenBytes -= truesize(old);
            Skb.kfreeSkb(old, DropReason.NEIGH_QUEUEFULL);
            tbl.stats.inc(NeighTable.UNRESOLVED_DISCARDS);
        }
        arpQueue.queueTail(skb);
        arpQueueLenBytes += ts;
    }

    /** A clone of the newest queued packet for the solicitation to take its source address from. */
    private SkBuff cloneTail() {
        SkBuff t = arpQueue.peekTail();
        if (t == null) {
            return null;
        }
        SkBuff c = t.cloneSkb();
        if (c != null) {
            c.journey = 0;
        }
        return c;
    }

    /** Linux: {@code neigh_probe()}'s second half, with the lock released: ask, then free the hint. */
    private void solicit(SkBuff hint, int probesBefore, long haNow) {
        tbl.ops.solicit(this, hint, probesBefore, haNow);
        if (hint != null) {
            Skb.consumeQuiet(hint);
        }
    }

    /** Linux: {@code neigh_max_probes()}. */
    private int maxProbes() {
        return parms.ucastProbes() + parms.appProbes()
                + ((nudState & NUD_PROBE) != 0 ? parms.mcastReprobes() : parms.mcastProbes());
    }

    /**
     * Linux: {@code neigh_confirm()}: an upper layer saw forward progress (TCP acknowledged new data),
     * which proves reachability as well as an ARP reply does. Only the timestamp moves; the timer
     * reads it.
     */
    public void confirm() {
        long now = tbl.clock.nanoTime();
        if (confirmedNs != now) {
            confirmedNs = now;
        }
    }

    private static void timerFn(TimerList t) {
        ((Neighbour) t.owner).timerHandler();
    }

    /**
     * Linux: {@code neigh_timer_handler()}. REACHABLE: still confirmed, or DELAY if used lately, else
     * STALE. DELAY: REACHABLE if confirmed meanwhile, else PROBE. INCOMPLETE/PROBE: another probe
     * every retrans_time until the probe budget is spent, then FAILED.
     */
    void timerHandler() {
        SkBuff hint = null;
        int probesBefore = 0;
        long haNow = 0;
        boolean probe = false;
        boolean invalidate = false;
        synchronized (this) {
            int state = nudState;
            long now = tbl.clock.nanoTime();
            long next = now + 1_000_000_000L;
            if ((state & NUD_IN_TIMER) == 0 || dead) {
                return;
            }
            if ((state & NUD_REACHABLE) != 0) {
                if (now <= confirmedNs + parms.reachableTimeNs()) {
                    next = confirmedNs + parms.reachableTimeNs();
                } else if (now <= usedNs + parms.delayProbeTimeNs()) {
                    nudState = NUD_DELAY;
                    updatedNs = now;
                    next = now + parms.delayProbeTimeNs();
                } else {
                    nudState = NUD_STALE;
                    updatedNs = now;
                }
            } else if ((state & NUD_DELAY) != 0) {
                if (now <= confirmedNs + parms.delayProbeTimeNs()) {
                    nudState = NUD_REACHABLE;
                    updatedNs = now;
                    next = confirmedNs + parms.reachableTimeNs();
                } else {
                    nudState = NUD_PROBE;
                    updatedNs = now;
                    probes = 0;
                    next = now + Math.max(parms.retransTimeNs(), MIN_TIMER_NS);
                }
            } else {
                next = now + Math.max(parms.retransTimeNs(), MIN_TIMER_NS);
            }
            if ((nudState & (NUD_INCOMPLETE | NUD_PROBE)) != 0 && probes >= maxProbes()) {
                nudState = NUD_FAILED;
                invalidate = true;
            } else {
                if ((nudState & NUD_IN_TIMER) != 0) {
                    if (next < now + MIN_TIMER_NS) {
                        next = now + MIN_TIMER_NS;
                    }
                    tbl.timers.modTimer(timer, next);
                }
                if ((nudState & (NUD_INCOMPLETE | NUD_PROBE)) != 0) {
                    probe = true;
                    hint = cloneTail();
                    probesBefore = probes++;
                    haNow = ha;
                }
            }
            if (NeighTable.NEIGH_TIMER_HANDLER.enabled) {
                NeighTable.NEIGH_TIMER_HANDLER.fire(dev, null, NeighTable.packState(key, nudState, state));
            }
        }
        if (invalidate) {
            invalidate();
        }
        if (probe) {
            solicit(hint, probesBefore, haNow);
        }
    }

    /**
     * Linux: {@code neigh_invalidate()}. The entry has FAILED: each waiting packet goes to the
     * protocol's error report (ARP: link failure, then drop with NEIGH_FAILED), with the lock
     * released because the report may send (an ICMP error) through this very table.
     */
    private void invalidate() {
        tbl.stats.inc(NeighTable.RES_FAILED);
        updatedNs = tbl.clock.nanoTime();
        for (;;) {
            SkBuff skb;
            synchronized (this) {
                skb = nudState == NUD_FAILED ? arpQueue.dequeue() : null;
                if (skb == null) {
                    Skb.purge(arpQueue, DropReason.QUEUE_PURGE);
                    arpQueueLenBytes = 0;
                    return;
                }
                arpQueueLenBytes -= truesize(skb);
            }
            tbl.ops.errorReport(this, skb);
        }
    }

    /**
     * Linux: {@code __neigh_update()}. Applies what was learned about the neighbour: a link-layer
     * address ({@code lladdr}, or -1 for none) and a new state, under RFC 826's merge rule and
     * Linux's refinements: without OVERRIDE a different address on a valid entry is ignored; the
     * same address never demotes a valid entry to STALE; PERMANENT/NOARP entries change only with
     * ADMIN. When an unresolved entry becomes valid its queued packets leave in order. Returns 0 or
     * a negative errno (EPERM, EINVAL) when nothing could be changed.
     */
    public int update(long lladdr, int newState, int flags) {
        if (NeighTable.NEIGH_UPDATE.enabled) {
            NeighTable.NEIGH_UPDATE.fire(dev, null, NeighTable.packState(key, newState, nudState));
        }
        boolean invalidate = false;
        boolean flush = false;
        synchronized (this) {
            int old = nudState;
            long now = tbl.clock.nanoTime();
            if (dead) {
                return -EPERM;
            }
            if ((flags & NEIGH_UPDATE_F_ADMIN) == 0 && (old & (NUD_NOARP | NUD_PERMANENT)) != 0) {
                return -EPERM;
            }
            if ((newState & NUD_VALID) == 0) {
                tbl.timers.delTimer(timer);
                nudState = newState;
                invalidate = (old & (NUD_INCOMPLETE | NUD_PROBE)) != 0 && (newState & NUD_FAILED) != 0;
            } else {
                if (lladdr < 0 && (old & NUD_VALID) == 0) {
                    return -EINVAL;
                }
                // Linux compares pointers: the address "changes" unless none was given or a valid
                // entry already holds exactly this one.
                boolean llChange = lladdr >= 0 && !((old & NUD_VALID) != 0 && lladdr == ha);
                if ((newState & NUD_CONNECTED) != 0) {
                    confirmedNs = now;
                }
                if ((old & NUD_VALID) != 0) {
                    if (llChange && (flags & NEIGH_UPDATE_F_OVERRIDE) == 0) {
                        if ((flags & NEIGH_UPDATE_F_WEAK_OVERRIDE) != 0 && (old & NUD_CONNECTED) != 0) {
                            llChange = false;
                            newState = NUD_STALE;
                        } else {
                            return 0;
                        }
                    } else if (!llChange && newState == NUD_STALE && (flags & NEIGH_UPDATE_F_ADMIN) == 0) {
                        newState = old;
                    }
                }
                if (newState != old || llChange) {
                    updatedNs = now;
                }
                if (newState != old) {
                    tbl.timers.delTimer(timer);
                    if ((newState & NUD_PROBE) != 0) {
                        probes = 0;
                    }
                    if ((newState & NUD_IN_TIMER) != 0) {
                        tbl.timers.modTimer(timer,
                                now + ((newState & NUD_REACHABLE) != 0 ? parms.reachableTimeNs() : 0));
                    }
                    nudState = newState;
                }
                if (llChange) {
                    ha = lladdr;
                    if ((newState & NUD_CONNECTED) == 0) {
                        confirmedNs = now - (parms.baseReachableTimeNs() << 1);
                    }
                }
                flush = newState != old && (old & NUD_VALID) == 0;
            }
        }
        if (invalidate) {
            invalidate();
        }
        if (flush) {
            flushQueue();
        }
        return 0;
    }

    /** The second half of {@code __neigh_update()}: the entry became valid, send what waited. */
    private void flushQueue() {
        for (;;) {
            SkBuff skb;
            synchronized (this) {
                skb = (nudState & NUD_VALID) != 0 ? arpQueue.dequeue() : null;
                if (skb == null) {
                    Skb.purge(arpQueue, DropReason.QUEUE_PURGE);
                    arpQueueLenBytes = 0;
                    return;
                }
                arpQueueLenBytes -= truesize(skb);
            }
            output(skb);
        }
    }

    /**
     * Linux: {@code neigh_mark_dead()} + the queue and timer part of {@code neigh_destroy()} /
     * {@code neigh_flush_dev()}. Called by the table after unlinking the entry; a thread still
     * holding it finds it dead and drops with NEIGH_DEAD.
     */
    void kill() {
        synchronized (this) {
            dead = true;
            tbl.timers.delTimer(timer);
            nudState = NUD_NONE;
            Skb.purge(arpQueue, DropReason.QUEUE_PURGE);
            arpQueueLenBytes = 0;
        }
    }

    /** Whether the timer is armed (tests). */
    boolean timerPending() {
        return timer.pending();
    }

    @Override
    public String toString() {
        return "neigh[" + NeighInfo.addrString(key) + " dev " + (dev == null ? "-" : dev.name()) + " "
                + NeighInfo.stateName(nudState) + "]";
    }
}
