package dev.packetflow.drivers.net;

import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.LinkStats64;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.PagePool;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A bounded, lock-free, multi-producer single-consumer ring that carries frames from the threads
 * that transmit them to the one that polls them, either by reference (the skb itself crosses, as
 * in Linux's veth) or, for a small linear frame, as a copy of its bytes in the ring's own slot
 * (what a NIC's descriptor ring with {@code rx_copybreak} does: the receiving driver builds a
 * fresh small skb from the slot and the ring keeps its memory).
 *
 * <h2>Why copy</h2>
 *
 * In a JVM an skb is four objects (head, shared info, segment, buffer) on some seven cache lines.
 * When the sender's thread hands it to the receiver's on another core, every one of those lines
 * moves to the receiver, which writes them, and moves back when the sender's thread allocates
 * the head again from the pool it was freed to: fourteen cross-core transfers for a 64-byte
 * datagram. A copied frame moves only the slot's lines (two for a 106-byte frame), both skbs stay
 * on the core that made them, and the sender frees its own at once (a NIC's TX completion:
 * {@code napi_consume_skb()}), so send-buffer space comes back without waiting for the peer.
 *
 * <h2>Publication and flow control</h2>
 *
 * A producer claims position {@code pos} with a CAS on the producer index, after checking that
 * the consumer has moved past {@code pos - capacity} (by the consumer index as some producer last
 * read it, re-read only when that says full, as in {@link PtrRing}); it writes the slot, then
 * stores {@code pos + 1} in the slot's sequence word with release. The consumer at {@code pos}
 * reads that word with acquire: {@code pos + 1} means published. It writes nothing in the slot,
 * only its own index after it (release): a slot's lines then go to the consumer once (a read) and
 * back once (the producer's next write on that lap), with no third transfer for the consumer
 * marking it free. (A version in which the consumer wrote the sequence word for the next lap, as in
 * Vyukov's bounded queue, moved the slot's first line once more per frame; with the two threads
 * doing nothing else, 3.8-9.2 M frames/s against 4.1-9.4 M/s, medians 5.6 and 7.9.)
 *
 * <pre>
 *  slot (256 bytes, 64-byte aligned)
 *   0  seq (8)   8  len (2)  10 ip_summed (1)  11 flags (1)  12 csum_start - data (2)  14 csum_offset (2)
 *     (a frame by reference: flags only, and the skb in a parallel array)
 *  16  frame bytes, at most {@value #COPYBREAK}
 * 248  journey (8), when flags say so
 * </pre>
 *
 * A frame goes by reference when it is larger than {@value #COPYBREAK} bytes, a GSO super-packet,
 * or carries state the slot does not (a mark, a time stamp, a flow hash).
 */
public final class FrameRing extends RingIndices {
    /** Bytes per slot. */
    static final int SLOT = 256;
    private static final int FRAME_OFF = 16;
    private static final int JOURNEY_OFF = SLOT - 8;
    /** The largest ring: 2^20 slots, 256 MB of slots. */
    public static final int MAX_CAPACITY = 1 << 20;
    /** The largest frame carried as a copy. */
    public static final int COPYBREAK = JOURNEY_OFF - FRAME_OFF;
    /** Flags: the slot carries a journey id; the frame crossed by reference (in {@link #refs}). */
    private static final int F_JOURNEY = 1;
    private static final int F_REF = 2;

    private static final VarHandle SEQ = ValueLayout.JAVA_LONG.varHandle();

    private final MemorySegment slots;
    /** The skb of a slot that carries one by reference; null for a copied frame. */
    private final SkBuff[] refs;
    /** capacity - 1 when it is a power of two, else -1 (positions then wrap by division). */
    private final int mask;

    public FrameRing(int capacity) {
        super(capacity);
        if (capacity < 1 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("ring capacity must be 1.." + MAX_CAPACITY + ": " + capacity);
        }
        this.mask = Integer.bitCount(capacity) == 1 ? capacity - 1 : -1;
        this.slots = Arena.ofAuto().allocate((long) capacity * SLOT, 64);
        this.refs = new SkBuff[capacity];
    }

    private int index(long pos) {
        return mask >= 0 ? (int) (pos & mask) : (int) (pos % capacity);
    }

    /** Whether {@code skb} would cross as a copy of its bytes. */
    public static boolean copies(SkBuff skb) {
        return skb.len() <= COPYBREAK && skb.gsoSize == 0 && skb.mark == 0 && skb.tstampNs == 0 && skb.hash == 0;
    }

    /**
     * Adds {@code skb}; false when the ring is full, and then the caller still owns it.
     * {@link #claim()} then {@link #publish}. Safe from any number of threads at once.
     */
    public boolean offer(SkBuff skb) {
        long pos = claim();
        if (pos < 0) {
            return false;
        }
        publish(pos, skb);
        return true;
    }

    /**
     * Claims the next position for the calling producer: a position to {@link #publish} at once, or
     * -1 when the ring is full (the consumer has not moved past the slot's previous lap). The
     * claim is a CAS on the producer index, a full barrier: a consumer that re-checks
     * {@link #isEmpty()} after it stopped polling sees it, so a producer may read the consumer's
     * "notify me" flag right after claiming, before it writes the slot, and needs no fence of its
     * own after publishing (the seed's "memory ordering and barriers").
     */
    public long claim() {
        return claimPosition();
    }

    /**
     * Fills the slot of a {@link #claim claimed} position and publishes it; the skb is the ring's
     * from now on. A frame that {@link #copies} is copied and its skb consumed: its socket's memory
     * is given back first ({@code skb_orphan()}), so that the atomic update of the socket's
     * send-buffer count comes before the stores to the slot, whose cache lines are still on the
     * consumer's core, and does not wait for them; nothing after those stores on this thread waits
     * for them either, until its next packet. Any other frame is published by reference.
     */
    public void publish(long pos, SkBuff skb) {
        int i = index(pos);
        long base = (long) i * SLOT;
        if (copies(skb)) {
            Skb.skbOrphan(skb);
            int len = skb.len();
            MemorySegment.copy(skb.segment(), skb.data, slots, base + FRAME_OFF, len);
            long journey = skb.journey;
            int flags = 0;
            if (journey != 0) {
                slots.set(ValueLayout.JAVA_LONG, base + JOURNEY_OFF, journey);
                flags = F_JOURNEY;
                skb.journey = 0; // the journey goes on in the copy
            }
            // len | ip_summed | flags | csum_start (relative to the frame) | csum_offset, one store.
            long meta = (len & 0xffffL) | (long) (skb.ipSummed & 0xff) << 16 | (long) flags << 24
                    | (long) ((skb.csumStart - skb.data) & 0xffff) << 32 | (long) (skb.csumOffset & 0xffff) << 48;
            slots.set(ValueLayout.JAVA_LONG, base + 8, meta);
            SEQ.setRelease(slots, base, pos + 1);
            Skb.consumeSkb(skb);
        } else {
            refs[i] = skb;
            slots.set(ValueLayout.JAVA_LONG, base + 8, (long) F_REF << 24);
            SEQ.setRelease(slots, base, pos + 1);
        }
    }

    /**
     * The oldest frame as an skb of {@code dev} (a copied frame in a fresh skb from the device's
     * pool, built on the calling thread), or null when the ring is empty or its oldest claimed slot
     * is not published yet. A copied frame that finds the pool empty is dropped, as a driver whose
     * {@code napi_alloc_skb()} fails drops it: counted in the device's {@code rx_dropped} and as a
     * NOMEM drop of its stack, and the next one tried. Only the one consumer thread may call it.
     */
    public SkBuff poll(NetDevice dev) {
        for (;;) {
            Index cons = consumer;
            long pos = (long) INDEX.getOpaque(cons);
            int i = index(pos);
            long base = (long) i * SLOT;
            if ((long) SEQ.getAcquire(slots, base) != pos + 1) {
                return null;
            }
            long meta = slots.get(ValueLayout.JAVA_LONG, base + 8);
            SkBuff skb;
            if ((meta >>> 24 & F_REF) != 0) {
                skb = refs[i];
                refs[i] = null;
            } else {
                skb = build(dev, base, meta);
            }
            INDEX.setRelease(cons, pos + 1);
            if (skb != null) {
                return skb;
            }
            dev.stats().inc(LinkStats64.RX_DROPPED);
            dev.net().drops().count(DropReason.NOMEM);
        }
    }

    /**
     * Linux: a driver's copybreak: a buffer from the page pool, the slot's bytes copied in after
     * {@link Skb#NET_SKB_PAD} of headroom, and {@code build_skb()} around it. The skb's journey is
     * the slot's, or none ({@code build_skb} takes no journey a caller of {@code alloc_skb} asked to
     * follow, which belongs to the next packet made, not to this one).
     */
    private SkBuff build(NetDevice dev, long base, long meta) {
        int len = (int) (meta & 0xffff);
        PagePool.Page page = dev.pool().allocPage(Skb.NET_SKB_PAD + len);
        if (page == null) {
            return null;
        }
        MemorySegment.copy(slots, base + FRAME_OFF, page.segment(), Skb.NET_SKB_PAD, len);
        SkBuff skb = Skb.buildSkb(page, Skb.NET_SKB_PAD, len, dev);
        int data = skb.data;
        skb.ipSummed = (int) (meta >>> 16) & 0xff;
        if (skb.ipSummed == SkBuff.CHECKSUM_PARTIAL) {
            skb.csumStart = data + (short) (meta >>> 32);
            skb.csumOffset = (int) (meta >>> 48) & 0xffff;
        }
        if (((meta >>> 24) & F_JOURNEY) != 0) {
            skb.journey = slots.get(ValueLayout.JAVA_LONG, base + JOURNEY_OFF);
        }
        return skb;
    }

    @Override
    public String toString() {
        return "frame_ring[" + size() + "/" + capacity + "]";
    }
}
