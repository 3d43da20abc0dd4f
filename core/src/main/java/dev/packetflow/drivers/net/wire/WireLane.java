package dev.packetflow.drivers.net.wire;

import dev.packetflow.kernel.time.Clock;
import dev.packetflow.kernel.time.TimerList;
import dev.packetflow.kernel.time.TimerWheel;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.core.StripedCounters;
import dev.packetflow.net.ethernet.Eth;

/**
 * One direction of a {@link Wire}: decides each frame's fate from a seeded generator and delivers
 * the survivors to the receiving {@link WireEndpoint}.
 *
 * <p>On a wire without delay, jitter, reordering or rate limit a frame is handed to the receiver
 * at once, in the sender's thread, the way Linux's {@code veth_xmit} puts the skb straight on the
 * peer's ring. Otherwise frames wait in a {@link FrameHeap} ordered by (delivery time, sending
 * order), and ONE {@link TimerList} on the receiver's timer wheel is armed for the earliest of
 * them; when it fires, every frame due is delivered and the timer is re-armed for the next. So a
 * frame arrives exactly at its time in virtual time, and ten thousand frames in flight cost one
 * timer.
 *
 * <p>Threading: in real-time mode senders call {@link #transmit} from their threads while the
 * timer fires on the receiver's softnet worker; the fate decision and the heap are guarded by the
 * lane's monitor, and frames are delivered outside it (the receiver's rings are lock-free). On a
 * perfect lane a frame takes no lock at all: it is counted in the sending thread's stripe.
 *
 * <p>Statistics are the medium's, not a device's: a frame lost here never reached the receiver, so
 * no device counts it; {@code kfree_skb} fires with {@link DropReason#WIRE_LOSS}.
 */
public final class WireLane {
    private final String name;
    private final WireEndpoint sink;
    private final Clock clock;
    private final TimerWheel timers;
    private final TimerList timer;
    private final FrameHeap heap = new FrameHeap(64);
    private volatile WireConditions conditions;

    /** SplitMix64 state: the lane's own generator, so one direction's fates ignore the other's traffic. */
    private long rng;
    private long seq;
    private long busyUntilNs;
    /** Expiry the timer is armed for, or Long.MAX_VALUE when it is not armed. */
    private long armedNs = Long.MAX_VALUE;

    /**
     * Frames (and their bytes) that crossed while the lane was perfect: every one of them delivered
     * at once, and each stands for {@link #DRAWS_PER_FRAME} draws of the generator, made up when
     * the next impaired frame comes ({@link #catchUpPerfect}).
     */
    private final StripedCounters perfect = new StripedCounters(2);
    private static final int PERFECT_FRAMES = 0;
    private static final int PERFECT_BYTES = 1;
    /** Perfect frames whose draws are already in {@link #rng}; under the monitor. */
    private long perfectDrawn;

    // statistics, under the monitor (plus the perfect frames)
    private long sent;
    private long sentBytes;
    private long delivered;
    private long lost;
    private long duplicated;
    private long corrupted;
    private long reordered;
    private long overLimit;

    WireLane(String name, WireEndpoint sink, WireConditions conditions, long seed) {
        this.name = name;
        this.sink = sink;
        this.conditions = conditions;
        this.rng = seed;
        var net = sink.device().net();
        if (net == null) {
            throw new IllegalStateException(sink.device().name() + " must be registered in a stack before it is wired");
        }
        this.clock = net.clock();
        this.timers = net.timers();
        this.timer = new TimerList(WireLane::expire, this);
    }

    public WireConditions conditions() {
        return conditions;
    }

    /** Changes what the lane does to frames sent from now on; frames in flight keep their fate. */
    public void setConditions(WireConditions c) {
        if (c == null) {
            throw new IllegalArgumentException("conditions must not be null");
        }
        this.conditions = c;
    }

    /** The endpoint this lane delivers to. */
    public WireEndpoint sink() {
        return sink;
    }

    /**
     * Puts a frame (data at the Ethernet header) on the wire; the wire owns it from now on. Takes
     * the sender's skb itself (veth, zero copy) or a copy the sender's hardware made (simulated NIC).
     */
    public void transmit(SkBuff skb) {
        WireConditions c = conditions;
        if (!c.impaired()) {
            // A perfect wire: the frame's six draws are skipped, not made (the generator moves on as
            // if they had been, so frame n's fate stays a function of the seed and n), and the
            // clock is not read. Per frame that is a clock read (tens of ns in a VM) and six
            // mixes less on the sender's path.
            // Counted per sending thread, without the lane's lock (a lock word written per frame
            // by the sender is a line the statistics readers and other senders take from it).
            perfect.add(PERFECT_FRAMES, 1, PERFECT_BYTES, skb.len());
            sink.wireReceive(skb);
            return;
        }
        long now = clock.nanoTime();
        int len = skb.len();
        SkBuff dup = null;
        boolean drop = false;
        boolean queued = false;
        synchronized (this) {
            catchUpPerfect();
            sent++;
            sentBytes += len;
            // Always six draws per frame: frame n's fate depends on the seed and n only.
            long rLoss = next();
            long rDup = next();
            long rCorrupt = next();
            long rBit = next();
            long rReorder = next();
            long rJitter = next();
            // The line is busy for the frame's serialisation even if the medium then loses it.
            long t = now;
            if (c.rateBitsPerSec() > 0) {
                long start = Math.max(now, busyUntilNs);
                t = start + serialisationNs(len, c.rateBitsPerSec());
                busyUntilNs = t;
            }
            if (c.limit() > 0 && heap.size() >= c.limit()) {
                overLimit++;
                lost++;
                drop = true;
            } else if (unit(rLoss) < c.lossRate()) {
                lost++;
                drop = true;
            }
            if (!drop) {
                if (unit(rDup) < c.duplicateRate()) {
                    // An independent frame, as a duplicate on a real medium is (netem copies too).
                    dup = skb.copySkb();
                    if (dup != null) {
                        duplicated++;
                    }
                }
                if (unit(rCorrupt) < c.corruptRate() && corrupt(skb, rBit)) {
                    corrupted++;
                }
                if (c.timed()) {
                    long d = c.delayNs();
                    if (c.jitterNs() > 0) {
                        d += Math.round((2.0 * unit(rJitter) - 1.0) * c.jitterNs());
                        if (d < 0) {
                            d = 0;
                        }
                    }
                    t += d;
                    if (unit(rReorder) < c.reorderRate()) {
                        t += c.reorderDelayNs();
                        reordered++;
                    }
                    heap.push(skb, t, seq++);
                    if (dup != null) {
                        heap.push(dup, t, seq++);
                        dup = null;
                    }
                    long head = heap.peekTimeNs();
                    if (head < armedNs) {
                        armedNs = head;
                        timers.modTimer(timer, head);
                    }
                    queued = true;
                } else {
                    delivered += dup != null ? 2 : 1;
                }
            }
        }
        if (drop) {
            Skb.kfreeSkb(skb, DropReason.WIRE_LOSS);
            return;
        }
        if (!queued) {
            sink.wireReceive(skb);
            if (dup != null) {
                sink.wireReceive(dup);
            }
        }
    }

    private static void expire(TimerList t) {
        ((WireLane) t.owner).deliverDue();
    }

    /** The timer fired: deliver every frame whose time has come, re-arm for the next one. */
    private void deliverDue() {
        synchronized (this) {
            armedNs = Long.MAX_VALUE;
        }
        for (;;) {
            SkBuff s;
            synchronized (this) {
                if (heap.isEmpty()) {
                    return;
                }
                long head = heap.peekTimeNs();
                if (head > clock.nanoTime()) {
                    if (head < armedNs) {
                        armedNs = head;
                        timers.modTimer(timer, head);
                    }
                    return;
                }
                s = heap.pop();
                delivered++;
            }
            sink.wireReceive(s);
        }
    }

    /**
     * Frees every frame in flight and disarms the timer: the receiving stack is closing. Registered
     * with that stack's {@code onClose}.
     */
    public void purge() {
        for (;;) {
            SkBuff s;
            synchronized (this) {
                s = heap.pop();
                if (s == null) {
                    timers.delTimer(timer);
                    armedNs = Long.MAX_VALUE;
                    return;
                }
            }
            Skb.kfreeSkb(s, DropReason.QUEUE_PURGE);
        }
    }

    /**
     * Flips one bit of the frame after its Ethernet header. A frame shared with a clone (a TCP
     * segment still in the retransmission queue) is unshared first: the medium corrupts what is on
     * the wire, not the sender's memory. The skb's checksum status becomes CHECKSUM_NONE so that the
     * receiver really verifies. Returns false for a frame with nothing after the header.
     */
    private static boolean corrupt(SkBuff skb, long r) {
        int payload = skb.len() - Eth.ETH_HLEN;
        if (payload <= 0) {
            return false;
        }
        if (skb.cloned() && !skb.cow(0)) {
            return false;
        }
        long bit = (r >>> 1) % ((long) payload * 8);
        int off = skb.data + Eth.ETH_HLEN + (int) (bit >>> 3);
        skb.setU8(off, skb.u8(off) ^ (1 << (int) (bit & 7)));
        skb.ipSummed = SkBuff.CHECKSUM_NONE;
        return true;
    }

    /** Time a frame of {@code len} bytes occupies a line of {@code rate} bits/s, rounded up. */
    static long serialisationNs(int len, long rate) {
        long bits = (long) len * 8;
        return (bits * 1_000_000_000L + rate - 1) / rate;
    }

    /** SplitMix64 (Steele, Lea, Flood 2014): one 64-bit state, full period, good enough for fates. */
    /** SplitMix64's increment: the generator's state after k draws is the seed plus k of these. */
    private static final long GAMMA = 0x9E3779B97F4A7C15L;
    /** Draws made for every frame, whatever the conditions (see {@link #transmit}). */
    private static final int DRAWS_PER_FRAME = 6;

    /**
     * Advances the generator past the draws of the perfect frames sent since the last impaired
     * one (SplitMix64's state after k draws is the seed plus k gammas), so that frame n's fate
     * stays a function of the seed and n. Under the monitor.
     */
    private void catchUpPerfect() {
        long total = perfect.get(PERFECT_FRAMES);
        if (total != perfectDrawn) {
            rng += (total - perfectDrawn) * DRAWS_PER_FRAME * GAMMA;
            perfectDrawn = total;
        }
    }

    private long next() {
        long z = (rng += GAMMA);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static double unit(long r) {
        return (r >>> 11) * 0x1.0p-53;
    }

    /** When the line is free again (a finite-rate lane); the NIC's TX engine paces itself by it. */
    public synchronized long busyUntilNs() {
        return busyUntilNs;
    }

    public synchronized long sent() {
        return sent + perfect.get(PERFECT_FRAMES);
    }

    public synchronized long sentBytes() {
        return sentBytes + perfect.get(PERFECT_BYTES);
    }

    /** Frames handed to the receiver (duplicates included). */
    public synchronized long delivered() {
        return delivered + perfect.get(PERFECT_FRAMES);
    }

    /** Frames the medium lost (random loss and frames beyond the limit). */
    public synchronized long lost() {
        return lost;
    }

    public synchronized long duplicated() {
        return duplicated;
    }

    public synchronized long corrupted() {
        return corrupted;
    }

    public synchronized long reordered() {
        return reordered;
    }

    /** Frames lost because {@link WireConditions#limit()} frames were already in flight. */
    public synchronized long overLimit() {
        return overLimit;
    }

    /** Frames on the wire now. */
    public synchronized int inFlight() {
        return heap.size();
    }

    @Override
    public String toString() {
        return "wire[" + name + "]";
    }
}
