package dev.packetflow.drivers.net.wire;

import dev.packetflow.net.core.NetDevice;

/**
 * A full-duplex medium between two devices, possibly in two stacks: two independent
 * {@link WireLane}s, one per direction, each with its own {@link WireConditions} and its own seeded
 * random generator. The frames it carries are skbs: a veth pair passes its skbs through unchanged
 * (zero copy), simulated NICs put a copy made by their transmit "DMA" on it.
 *
 * <p>Determinism: both lanes derive their generators from one seed, so the same seed gives every
 * frame the same fate in every run (in real-time mode too, per direction, if senders are
 * serialised).
 *
 * <p>Frames still in flight when a stack closes are freed: each lane is registered with the
 * {@code onClose} of the stack it delivers into.
 */
public final class Wire {
    private final WireEndpoint a;
    private final WireEndpoint b;
    private final WireLane aToB;
    private final WireLane bToA;
    private final long seed;

    /**
     * Joins {@code a} and {@code b} (both already registered in their stacks) with a wire behaving
     * as {@code conditions} in both directions, its randomness seeded by {@code seed}.
     */
    public Wire(WireEndpoint a, WireEndpoint b, WireConditions conditions, long seed) {
        if (a == null || b == null || conditions == null) {
            throw new IllegalArgumentException("wire needs two endpoints and conditions");
        }
        if (a.device() == b.device()) {
            throw new IllegalArgumentException("cannot wire " + a.device().name() + " to itself");
        }
        this.a = a;
        this.b = b;
        this.seed = seed;
        String an = a.device().net().name() + "/" + a.device().name();
        String bn = b.device().net().name() + "/" + b.device().name();
        this.aToB = new WireLane(an + "->" + bn, b, conditions, mix(seed, 1));
        this.bToA = new WireLane(bn + "->" + an, a, conditions, mix(seed, 2));
        b.device().net().onClose(aToB::purge);
        a.device().net().onClose(bToA::purge);
    }

    public WireEndpoint a() {
        return a;
    }

    public WireEndpoint b() {
        return b;
    }

    public long seed() {
        return seed;
    }

    public WireLane aToB() {
        return aToB;
    }

    public WireLane bToA() {
        return bToA;
    }

    /** The lane {@code dev} transmits on. */
    public WireLane laneFrom(NetDevice dev) {
        if (dev == a.device()) {
            return aToB;
        }
        if (dev == b.device()) {
            return bToA;
        }
        throw new IllegalArgumentException(dev.name() + " is not attached to this wire");
    }

    /** The endpoint at the other end from {@code dev}. */
    public WireEndpoint peerOf(NetDevice dev) {
        return laneFrom(dev).sink();
    }

    /** Sets the conditions of both directions (frames in flight keep their fate). */
    public void setConditions(WireConditions c) {
        aToB.setConditions(c);
        bToA.setConditions(c);
    }

    private static long mix(long seed, long lane) {
        long z = seed + lane * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return z ^ (z >>> 33);
    }

    @Override
    public String toString() {
        return "wire[" + a.device().name() + "<->" + b.device().name() + "]";
    }
}
