package dev.packetflow.drivers.net.wire;

/**
 * What a {@link Wire} does to the frames it carries, in each direction: the same knobs as Linux's
 * {@code netem} qdisc ({@code tc qdisc add dev eth0 root netem delay 10ms 2ms loss 1% ...}), applied
 * by the medium rather than by a qdisc, so that both hosts see the impairment as the network's.
 *
 * <ul>
 *   <li>{@code delayNs}: one-way propagation delay.
 *   <li>{@code jitterNs}: each frame's delay is drawn uniformly from {@code [delay - jitter, delay +
 *       jitter]} (clamped at 0), as netem does without a distribution table. Like netem, jitter can
 *       reorder frames.
 *   <li>{@code lossRate}: probability that a frame vanishes (freed with
 *       {@link dev.packetflow.net.core.DropReason#WIRE_LOSS}).
 *   <li>{@code reorderRate}: probability that a frame is held back an extra
 *       {@code reorderDelayNs}, so the frames sent after it overtake it.
 *   <li>{@code duplicateRate}: probability that the frame arrives twice (the copy right after the
 *       original).
 *   <li>{@code corruptRate}: probability that one random bit after the Ethernet header flips, so the
 *       IP/TCP/UDP checksums catch it (the Ethernet FCS is not modelled).
 *   <li>{@code rateBitsPerSec}: link speed; 0 is infinitely fast. A frame of {@code n} bytes
 *       occupies the line for {@code n * 8 / rate} seconds, and frames queue behind each other
 *       (netem {@code rate}; no per-frame overhead is added, as netem's default).
 *   <li>{@code limit}: most frames in flight per direction, 0 for no limit; beyond it frames are
 *       lost (netem's {@code limit}, whose default of 1000 would be too small for a long fat pipe, so
 *       here the default is no limit).
 * </ul>
 *
 * Every probability is drawn from the wire's own seeded generator, the same number of draws per
 * frame whatever the settings, so the n-th frame of a direction meets the same fate in every run
 * with the same seed.
 */
public record WireConditions(
        long delayNs,
        long jitterNs,
        double lossRate,
        double reorderRate,
        long reorderDelayNs,
        double duplicateRate,
        double corruptRate,
        long rateBitsPerSec,
        int limit) {

    /** Extra delay of a reordered frame when none is given: 1 ms. */
    public static final long DEFAULT_REORDER_DELAY_NS = 1_000_000L;

    /** A wire that delivers every frame at once, intact, in order. */
    public static final WireConditions PERFECT = new WireConditions(0, 0, 0, 0, DEFAULT_REORDER_DELAY_NS, 0, 0, 0, 0);

    public WireConditions {
        if (delayNs < 0 || jitterNs < 0 || reorderDelayNs < 0) {
            throw new IllegalArgumentException("delay, jitter and reorder delay must be >= 0");
        }
        checkRate("loss", lossRate);
        checkRate("reorder", reorderRate);
        checkRate("duplicate", duplicateRate);
        checkRate("corrupt", corruptRate);
        if (rateBitsPerSec < 0) {
            throw new IllegalArgumentException("rate must be >= 0 bits/s (0 = unlimited): " + rateBitsPerSec);
        }
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0 frames (0 = none): " + limit);
        }
    }

    private static void checkRate(String what, double p) {
        if (!(p >= 0.0 && p <= 1.0)) {
            throw new IllegalArgumentException(what + " rate must be in [0, 1]: " + p);
        }
    }

    /**
     * Whether the wire does anything to a frame but deliver it at once: loses, duplicates or
     * corrupts it, makes it wait ({@link #timed()}) or has a frame limit. {@link #PERFECT} is not.
     */
    public boolean impaired() {
        return lossRate > 0 || duplicateRate > 0 || corruptRate > 0 || limit > 0 || timed();
    }

    /** Whether frames must wait in the wire (delay, jitter, reordering or a finite rate). */
    public boolean timed() {
        return delayNs > 0 || jitterNs > 0 || reorderRate > 0 || rateBitsPerSec > 0;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from {@link #PERFECT}. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.delayNs = delayNs;
        b.jitterNs = jitterNs;
        b.lossRate = lossRate;
        b.reorderRate = reorderRate;
        b.reorderDelayNs = reorderDelayNs;
        b.duplicateRate = duplicateRate;
        b.corruptRate = corruptRate;
        b.rateBitsPerSec = rateBitsPerSec;
        b.limit = limit;
        return b;
    }

    /** Builds {@link WireConditions}; unset knobs are those of a perfect wire. */
    public static final class Builder {
        private long delayNs;
        private long jitterNs;
        private double lossRate;
        private double reorderRate;
        private long reorderDelayNs = DEFAULT_REORDER_DELAY_NS;
        private double duplicateRate;
        private double corruptRate;
        private long rateBitsPerSec;
        private int limit;

        private Builder() {}

        public Builder delayNs(long ns) {
            this.delayNs = ns;
            return this;
        }

        public Builder delay(java.time.Duration d) {
            return delayNs(d.toNanos());
        }

        public Builder jitterNs(long ns) {
            this.jitterNs = ns;
            return this;
        }

        public Builder jitter(java.time.Duration d) {
            return jitterNs(d.toNanos());
        }

        public Builder loss(double rate) {
            this.lossRate = rate;
            return this;
        }

        public Builder reorder(double rate) {
            this.reorderRate = rate;
            return this;
        }

        /** Reorders with probability {@code rate}, holding such frames back {@code extraDelayNs}. */
        public Builder reorder(double rate, long extraDelayNs) {
            this.reorderRate = rate;
            this.reorderDelayNs = extraDelayNs;
            return this;
        }

        public Builder duplicate(double rate) {
            this.duplicateRate = rate;
            return this;
        }

        public Builder corrupt(double rate) {
            this.corruptRate = rate;
            return this;
        }

        public Builder rateBitsPerSec(long bitsPerSec) {
            this.rateBitsPerSec = bitsPerSec;
            return this;
        }

        public Builder limit(int frames) {
            this.limit = frames;
            return this;
        }

        public WireConditions build() {
            return new WireConditions(delayNs, jitterNs, lossRate, reorderRate, reorderDelayNs, duplicateRate,
                    corruptRate, rateBitsPerSec, limit);
        }
    }
}
