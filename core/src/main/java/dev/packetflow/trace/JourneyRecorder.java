package dev.packetflow.trace;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Follows chosen packets through every tracepoint and records their journeys: which stages they
 * crossed, in which stack and device, at what virtual and real time. It is what the seed's
 * diagrams look like when they run.
 *
 * <pre>
 * try (JourneyRecorder rec = JourneyRecorder.start()) {
 *     Journey j = rec.follow(() -> socket.send(data));   // marks the next skb allocated
 *     sim.run();
 *     System.out.print(j.render());
 * }
 * </pre>
 *
 * <p>A packet belongs to a journey when its {@code skb.journey} holds the journey's id (clones and
 * copies inherit it; simulated wires carry it across). Stages that run without an skb (XDP, the
 * driver's ring, {@code net_dev_xmit} after the driver took the frame) pass the id as the
 * tracepoint's {@code arg}. Ids start at {@link #ID_BASE} so that they never collide with the
 * small numbers other stages pass in {@code arg} (work done, a drop reason's ordinal).
 *
 * <p>{@code kfree_skb} and {@code consume_skb} are not stages: they end the journey, and a drop
 * keeps its reason ({@link Journey#dropReason()}).
 *
 * <p>Cost: attaching a probe to every tracepoint enables them all, so each stage of every packet
 * calls the probe. For packets nobody follows the probe returns after reading a field and an
 * array; it allocates only while recording a followed packet.
 */
public final class JourneyRecorder implements AutoCloseable {
    /** The smallest journey id; see the class comment. */
    public static final long ID_BASE = 1L << 40;
    private static final AtomicLong NEXT_ID = new AtomicLong(ID_BASE);
    private static final Journey[] NONE = new Journey[0];

    /** Journeys of this recorder; copy-on-write, read by the probe on every stage. */
    private volatile Journey[] journeys = NONE;
    private final AutoCloseable attachment;
    private volatile boolean closed;

    private JourneyRecorder() {
        Probe p = this::hit;
        this.attachment = Trace.attachAll(p);
    }

    /** Starts recording: attaches to every tracepoint, present and future. */
    public static JourneyRecorder start() {
        return new JourneyRecorder();
    }

    /** A new journey; put its id in {@code skb.journey}, or use {@link Skb#followNext(long)}. */
    public synchronized long newJourney() {
        if (closed) {
            throw new IllegalStateException("journey recorder is closed");
        }
        long id = NEXT_ID.incrementAndGet();
        Journey[] old = journeys;
        Journey[] n = java.util.Arrays.copyOf(old, old.length + 1);
        n[old.length] = new Journey(id, old.length + 1);
        journeys = n;
        return id;
    }

    /**
     * Follows the first packet that {@code send} creates: starts a journey, marks the next skb
     * allocated in the process ({@link Skb#followNext(long)}), runs {@code send}. The journey goes
     * on filling as the packet travels (in a simulation, run it after this returns).
     */
    public Journey follow(Runnable send) {
        long id = newJourney();
        Skb.followNext(id);
        try {
            send.run();
        } finally {
            Skb.followNext(0); // nothing allocated: don't let a later, unrelated skb take the id
        }
        return journey(id);
    }

    /** The journey with {@code id}; throws if this recorder did not create it. */
    public Journey journey(long id) {
        Journey j = find(journeys, id);
        if (j == null) {
            throw new IllegalArgumentException("no journey " + id + " in this recorder");
        }
        return j;
    }

    /** Every journey of this recorder, oldest first. */
    public List<Journey> journeys() {
        return List.of(journeys);
    }

    /** Detaches from the tracepoints; the journeys keep what they recorded. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            attachment.close();
        } catch (Exception e) {
            throw new IllegalStateException("detaching journey recorder", e);
        }
    }

    private void hit(Tracepoint tp, NetStack net, NetDevice dev, SkBuff skb, long arg) {
        Journey[] js = journeys;
        if (js.length == 0) {
            return;
        }
        long id;
        if (skb != null) {
            id = skb.journey;
            if (id == 0) {
                return;
            }
        } else {
            id = arg;
            if (id < ID_BASE) {
                return;
            }
        }
        Journey j = find(js, id);
        if (j == null) {
            return;
        }
        long realNs = System.nanoTime();
        if (tp == Trace.KFREE_SKB) {
            j.dropped(skb != null ? DropReason.of((int) arg) : DropReason.NOT_SPECIFIED, realNs);
            return;
        }
        if (tp == Trace.CONSUME_SKB) {
            j.consumed(realNs);
            return;
        }
        NetStack n = net != null ? net : dev != null ? dev.net() : null;
        j.add(new Journey.Stage(tp, n != null ? n.name() : "?", dev != null ? dev.name() : null,
                n != null ? n.clock().nanoTime() : -1, realNs, arg));
    }

    /** Journeys are added with increasing ids, so the array is sorted: binary search. */
    private static Journey find(Journey[] js, long id) {
        int lo = 0;
        int hi = js.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long m = js[mid].id();
            if (m < id) {
                lo = mid + 1;
            } else if (m > id) {
                hi = mid - 1;
            } else {
                return js[mid];
            }
        }
        return null;
    }
}
