package dev.packetflow.drivers.net.veth;

import dev.packetflow.drivers.net.FrameRing;
import dev.packetflow.drivers.net.wire.Wire;
import dev.packetflow.drivers.net.wire.WireConditions;
import dev.packetflow.drivers.net.wire.WireEndpoint;
import dev.packetflow.drivers.net.wire.WireLane;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.Dev;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.LinkStats64;
import dev.packetflow.net.core.Napi;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.core.Xdp;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.trace.Trace;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One end of a virtual Ethernet pair: what one end transmits, the other receives. The two ends may
 * live in two stacks (two network namespaces, the usual container plumbing) or in one.
 *
 * <pre>
 *  stack A: dev_queue_xmit ─► noqueue ─► veth_xmit (A) ─► Wire lane A→B ─► B's RX ring (FrameRing, 256)
 *                                                                         │ napi_schedule(B)
 *  stack B: netif_receive_skb ◄─ eth_type_trans ◄─ generic XDP ◄─ veth_poll (B, budget) ◄┘
 * </pre>
 *
 * A frame larger than {@link FrameRing#COPYBREAK} (232 bytes), a GSO super-packet, or one with a
 * mark, time stamp or flow hash crosses itself (zero copy), as in Linux. A smaller one crosses as a
 * copy in the ring's own slot, and the receiving end builds a fresh skb from it, as a NIC driver's
 * {@code rx_copybreak} does: where Linux's veth departs from a NIC, packetflow follows the NIC,
 * because in a JVM the objects of an skb handed to another core cost more cache-line transfers
 * than the copy ({@link FrameRing} has the figures' reasoning; BENCHMARKS.md the figures). Either
 * way the {@code journey} tag crosses too, and the frame is scrubbed like Linux's
 * {@code skb_scrub_packet()}: no socket, no route, no priority, and across stacks no mark or
 * timestamp. The wire between the ends is perfect unless given {@link WireConditions}.
 *
 * <p>Linux: {@code drivers/net/veth.c} in its NAPI mode ({@code veth_xdp_rx()} puts the skb on the
 * peer's {@code ptr_ring}, {@code veth_poll()} drains it). As in Linux, the carrier of both ends is
 * on only while both are up, the default qdisc is noqueue, a frame that finds the peer's ring full
 * is dropped and counted in the sender's {@code tx_dropped}, {@code tx_*} is counted by the sender
 * and {@code rx_*} by the receiver.
 *
 * <p>Threading: in real-time mode {@code veth_xmit} runs in the sender's thread (possibly several
 * at once: the device is lockless, {@code NETIF_F_LLTX}) and {@code veth_poll} on the receiver's
 * softnet worker (or an application thread busy-polling it); the ring between them is a lock-free
 * MPSC {@link FrameRing}.
 */
public final class Veth extends NetDevice implements WireEndpoint {
    /** Linux: {@code VETH_RING_SIZE}, the peer's ptr_ring capacity. */
    public static final int DEFAULT_RING_SIZE = 256;
    /** Linux: veth's {@code max_mtu}, {@code ETH_MAX_MTU}. */
    public static final int MAX_MTU = 65535;

    private static final VarHandle NOTIFY_MASKED;

    static {
        try {
            NOTIFY_MASKED = MethodHandles.lookup().findVarHandle(Veth.class, "rxNotifyMasked", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final FrameRing rxRing;
    /**
     * Linux: {@code rq->rx_notify_masked}. Set while our NAPI is scheduled or polling, so that
     * producers do not call {@code napi_schedule} for every frame; cleared by the poll that drains
     * the ring, which then re-checks it.
     */
    @SuppressWarnings("unused") // through NOTIFY_MASKED
    private volatile boolean rxNotifyMasked;
    private final Xdp.Buff xdpScratch = new Xdp.Buff();
    private Veth peer;
    private Wire wire;
    private WireLane txLane;
    private Napi napi;
    private long rxRingFull;

    private Veth(String name, long mac, int ringSize) {
        super(name);
        setMac(mac);
        this.rxRing = new FrameRing(ringSize);
        this.minMtu = 68;
        this.maxMtu = MAX_MTU;
        this.txQueueLen = 0;
        this.privFlags |= IFF_NO_QUEUE;
        setFlagBits(IFF_BROADCAST | IFF_MULTICAST);
        // Linux's VETH_FEATURES include TSO: a super-packet crosses to the peer whole.
        this.features = NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_RXCSUM | NETIF_F_GSO | NETIF_F_TSO | NETIF_F_GSO_UDP_L4
                | NETIF_F_LLTX;
        // Linux: netif_carrier_off() at newlink; on once both ends are up.
        setCarrier(false);
    }

    /** Both ends of a pair and the wire between them. */
    public record Pair(Veth a, Veth b, Wire wire) {}

    /**
     * {@code ip link add NAME_A type veth peer name NAME_B}, with the peer in {@code netB}: a pair
     * joined by a perfect wire. Both ends are registered (down); MAC addresses are random locally
     * administered ones drawn from each stack's seeded generator.
     */
    public static Pair pair(NetStack netA, String nameA, NetStack netB, String nameB) {
        return builder(netA, nameA, netB, nameB).create();
    }

    /** A pair whose wire behaves as {@code conditions} (seeded from {@code netA}'s generator). */
    public static Pair pair(NetStack netA, String nameA, NetStack netB, String nameB, WireConditions conditions) {
        return builder(netA, nameA, netB, nameB).conditions(conditions).create();
    }

    /** Everything configurable: conditions, wire seed, MAC addresses, ring size. */
    public static Builder builder(NetStack netA, String nameA, NetStack netB, String nameB) {
        return new Builder(netA, nameA, netB, nameB);
    }

    /** Builds a veth {@link Pair}. */
    public static final class Builder {
        private final NetStack netA;
        private final String nameA;
        private final NetStack netB;
        private final String nameB;
        private WireConditions conditions = WireConditions.PERFECT;
        private Long seed;
        private long macA;
        private long macB;
        private int ringSize = DEFAULT_RING_SIZE;

        private Builder(NetStack netA, String nameA, NetStack netB, String nameB) {
            if (netA == null || netB == null || nameA == null || nameB == null) {
                throw new IllegalArgumentException("veth pair needs two stacks and two names");
            }
            this.netA = netA;
            this.nameA = nameA;
            this.netB = netB;
            this.nameB = nameB;
        }

        public Builder conditions(WireConditions c) {
            this.conditions = c;
            return this;
        }

        /** Seed of the wire's generator; by default drawn from the first stack's generator. */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /** Explicit MAC addresses (0 keeps the random default for that end). */
        public Builder macs(long a, long b) {
            this.macA = a;
            this.macB = b;
            return this;
        }

        /**
         * Capacity of each end's RX ring (Linux: 256), 1 to {@link FrameRing#MAX_CAPACITY}; each
         * slot takes 256 bytes of native memory, for the frames that cross as a copy.
         */
        public Builder ringSize(int n) {
            this.ringSize = n;
            return this;
        }

        /** Registers both ends (down) and wires them; rejects a taken name without changing anything. */
        public Pair create() {
            if (conditions == null) {
                throw new IllegalArgumentException("conditions must not be null");
            }
            if (ringSize < 1 || ringSize > FrameRing.MAX_CAPACITY) {
                throw new IllegalArgumentException("ring size must be 1.." + FrameRing.MAX_CAPACITY + ": " + ringSize);
            }
            if (netA.device(nameA) != null) {
                throw new IllegalArgumentException("device " + nameA + " already exists in " + netA.name());
            }
            if (netB.device(nameB) != null || (netA == netB && nameA.equals(nameB))) {
                throw new IllegalArgumentException("device " + nameB + " already exists in " + netB.name());
            }
            long ma = macA != 0 ? macA : Eth.localMac(netA.random().nextLong());
            long mb = macB != 0 ? macB : Eth.localMac(netB.random().nextLong());
            long s = seed != null ? seed : netA.random().nextLong();
            Veth a = new Veth(nameA, ma, ringSize);
            Veth b = new Veth(nameB, mb, ringSize);
            a.peer = b;
            b.peer = a;
            netA.addDevice(a);
            netB.addDevice(b);
            Wire w = new Wire(a, b, conditions, s);
            a.wire = w;
            b.wire = w;
            a.txLane = w.aToB();
            b.txLane = w.bToA();
            return new Pair(a, b, w);
        }
    }

    // ------------------------------------------------------------------ net_device_ops

    @Override
    protected void onRegister() {
        napi = new Napi(this, Veth::poll);
        napi.bind(softnet());
    }

    /** Linux: {@code veth_open()}: carrier on for both ends once the peer is up too. */
    @Override
    protected void ndoOpen() {
        if (peer.isUp()) {
            setCarrier(true);
            peer.setCarrier(true);
        }
    }

    /** Linux: {@code veth_close()}: carrier off on both ends; frames waiting in our ring are dropped. */
    @Override
    protected void ndoStop() {
        setCarrier(false);
        peer.setCarrier(false);
        SkBuff skb;
        while ((skb = rxRing.poll(this)) != null) {
            stats().inc(LinkStats64.RX_DROPPED);
            Skb.kfreeSkb(skb, DropReason.DEV_READY);
        }
    }

    /**
     * Linux: {@code veth_xmit()}. Scrubs the skb and puts it on the wire toward the peer. A peer
     * that is down drops the frame, counted in this end's {@code tx_dropped}.
     */
    @Override
    protected int ndoStartXmit(SkBuff skb) {
        Veth rcv = peer;
        int len = skb.len();
        if (!rcv.isUp() || len < Eth.ETH_HLEN) {
            // Linux: __dev_forward_skb() refuses a frame for a device that is down (or too short).
            stats().inc(LinkStats64.TX_DROPPED);
            Skb.kfreeSkb(skb, len < Eth.ETH_HLEN ? DropReason.PKT_TOO_SMALL : DropReason.DEV_READY);
            return NETDEV_TX_OK;
        }
        scrub(skb, net() != rcv.net());
        if (skb.gsoSize != 0 && lossyWire(txLane.conditions())) {
            return xmitSegmented(skb);
        }
        stats().tx(len);
        txLane.transmit(skb);
        return NETDEV_TX_OK;
    }

    /**
     * Whether the simulated wire treats frames one by one (loses, duplicates, corrupts or reorders
     * them, or has a frame limit). A GSO super-packet then goes out as the wire packets a TSO NIC
     * would put on such a medium; on a perfect wire it crosses whole, as in Linux's veth.
     */
    private static boolean lossyWire(WireConditions c) {
        return c.lossRate() > 0 || c.duplicateRate() > 0 || c.corruptRate() > 0 || c.reorderRate() > 0
                || c.limit() > 0;
    }

    /** The NIC's TSO engine on an impaired wire: segments, each counted and sent on its own. */
    private int xmitSegmented(SkBuff skb) {
        SkBuff segs = Dev.skbGsoSegmentForXmit(this, skb);
        while (segs != null) {
            SkBuff n = segs.next;
            segs.next = null;
            stats().tx(segs.len());
            txLane.transmit(segs);
            segs = n;
        }
        return NETDEV_TX_OK;
    }

    /**
     * Linux: {@code skb_scrub_packet()} and the rest of {@code __dev_forward_skb2()}: what the
     * receiving namespace must not inherit from the sending one.
     */
    private static void scrub(SkBuff skb, boolean xnet) {
        // Linux keeps skb->sk across the scrub (since 4.19) and orphans the packet in the
        // peer's ip_rcv_core(); so does sockQueueRcvSkb here. Orphaning it now instead, on the
        // sending thread, was tried (2026-11-26): no measurable change in udp-throughput.
        skb.sk = null;
        skb.dst = null;
        skb.priority = 0;
        skb.pktType = SkBuff.PACKET_HOST;
        if (xnet) {
            skb.mark = 0;
            skb.tstampNs = 0;
        }
    }

    @Override
    public String kind() {
        return "veth";
    }

    // ------------------------------------------------------------------ RX

    @Override
    public NetDevice device() {
        return this;
    }

    /**
     * A frame arrives from the wire. Linux: {@code veth_xdp_rx()}: onto the ring, then
     * {@code __veth_xdp_flush()} schedules our NAPI. A full ring drops the frame, counted (as
     * Linux does) in the sender's {@code tx_dropped}.
     */
    @Override
    public void wireReceive(SkBuff skb) {
        skb.dev = this;
        if (!isUp()) {
            stats().inc(LinkStats64.RX_DROPPED);
            Skb.kfreeSkb(skb, DropReason.DEV_READY);
            return;
        }
        long pos = rxRing.claim();
        if (pos < 0) {
            synchronized (rxRing) {
                rxRingFull++;
            }
            peer.stats().inc(LinkStats64.TX_DROPPED);
            Skb.kfreeSkb(skb, DropReason.FULL_RING);
            return;
        }
        // Linux: __veth_xdp_flush(), whose smp_mb() orders the ring write before the read of the
        // mask; the poll clears the mask, then re-reads the ring: one of the two always sees the
        // other, so no frame is left behind unnoticed. Here the claim's CAS on the producer index
        // (what the poll's re-check reads) is that barrier, so the mask is read right after it,
        // before the slot is written, and publishing needs no fence that would wait for the
        // slot's cache lines to come over from the polling core.
        boolean masked = (boolean) NOTIFY_MASKED.getVolatile(this);
        rxRing.publish(pos, skb);
        if (!masked && NOTIFY_MASKED.compareAndSet(this, false, true)) {
            napi.schedule();
        }
    }

    /**
     * Linux: {@code veth_poll()} / {@code veth_xdp_rcv()}. Takes up to {@code budget} frames from
     * the ring; each goes through generic XDP (if a program is attached), {@code eth_type_trans} and
     * {@code netif_receive_skb}. Drained before the budget ran out: {@code napi_complete_done()}, and
     * a frame that raced in after the last poll gets the context scheduled again.
     */
    private static int poll(Napi n, int budget) {
        Veth dev = (Veth) n.dev();
        return dev.rxPoll(n, budget);
    }

    private int rxPoll(Napi n, int budget) {
        int work = 0;
        while (work < budget) {
            SkBuff skb = rxRing.poll(this);
            if (skb == null) {
                break;
            }
            work++;
            if (Trace.NAPI_POLL.enabled) {
                Trace.NAPI_POLL.fire(this, skb, budget);
            }
            Dev.driverReceiveSkb(this, skb, xdpScratch);
        }
        if (work < budget && n.complete()) {
            // Linux: smp_store_mb(rq->rx_notify_masked, false), then look at the ring once more.
            NOTIFY_MASKED.setVolatile(this, false);
            VarHandle.fullFence();
            if (!rxRing.isEmpty() && NOTIFY_MASKED.compareAndSet(this, false, true)) {
                n.schedule();
            }
        }
        return work;
    }

    // ------------------------------------------------------------------ accessors

    /** The other end. */
    public Veth peer() {
        return peer;
    }

    public Wire wire() {
        return wire;
    }

    /** The lane this end transmits on (its conditions, its statistics). */
    public WireLane txLane() {
        return txLane;
    }

    public int ringSize() {
        return rxRing.capacity();
    }

    /** Frames waiting in this end's RX ring. */
    public int rxRingPending() {
        return rxRing.size();
    }

    /** Frames that found this end's RX ring full (each counted in the peer's tx_dropped). */
    public long rxRingFull() {
        synchronized (rxRing) {
            return rxRingFull;
        }
    }

    public Napi napi() {
        return napi;
    }
}
