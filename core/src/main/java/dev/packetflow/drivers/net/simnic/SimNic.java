package dev.packetflow.drivers.net.simnic;

import dev.packetflow.drivers.net.wire.Wire;
import dev.packetflow.drivers.net.wire.WireConditions;
import dev.packetflow.drivers.net.wire.WireEndpoint;
import dev.packetflow.drivers.net.wire.WireLane;
import dev.packetflow.kernel.time.TimerList;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.Dev;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.LinkStats64;
import dev.packetflow.net.core.Napi;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.PagePool;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.core.Xdp;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.trace.Trace;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A simulated Ethernet NIC: the seed's "Network Card → DMA to ring buffers → interrupt → NAPI poll"
 * made concrete, with descriptor rings, a receive DMA into page-pool buffers, an interrupt line that
 * NAPI masks while it polls, native XDP on the raw buffer and {@code build_skb} without a copy.
 *
 * <pre>
 *  RX: wire ─► MAC (wireReceive) ─► RX DMA into the next free descriptor's page ─► prod (release)
 *        ─► interrupt, if unmasked: driver_interrupt ─► mask ─► napi_schedule
 *        ─► driver_poll (budget): prod (acquire) ─► native XDP on the page
 *              PASS ─► build_skb (no copy), refill descriptor ─► eth_type_trans ─► netif_receive_skb
 *              DROP/ABORTED ─► page stays in the descriptor      TX ─► own TX ring   REDIRECT ─► other device
 *        ─► drained: napi_complete ─► unmask ─► re-check the ring
 *  TX: ndo_start_xmit ─► TX descriptor, doorbell (release) ─► hardware copies the frame to the wire
 *        (TX DMA, padded to 60 bytes) ─► descriptor done ─► interrupt ─► poll cleans: consume_skb,
 *        netif_wake_queue if the ring had filled up
 * </pre>
 *
 * <p>Two SimNics are joined by a {@link Wire}; frames cross it as copies (the sender's TX DMA copies
 * out of its skb, the receiver's RX DMA into its own buffer), and the journey id travels in the
 * copy and then in the RX descriptor.
 *
 * <p>Modelled on Intel's drivers ({@code drivers/net/ethernet/intel/ixgbe/ixgbe_main.c}:
 * {@code ixgbe_clean_rx_irq}, {@code ixgbe_clean_tx_irq}, {@code ixgbe_xmit_frame_ring},
 * {@code ixgbe_msix_clean_rings}) reduced to what the seed draws. Defaults: 256-descriptor rings,
 * 256 bytes of XDP headroom, MTU 1500 (at most 9000), pfifo_fast with txqueuelen 1000.
 *
 * <p>Threading: the NIC's "hardware" is two serial engines. The receive MAC runs in whatever thread
 * delivers from the wire (the peer's sender, or a wire timer on this stack's softnet), under the
 * receive lock; the transmit engine runs in {@code ndo_start_xmit} (or a pacing timer) under the TX
 * lock. The NAPI poll runs on this stack's softnet worker. Hardware and driver talk only through
 * the rings' release/acquire indices and the interrupt mask (see {@link RxRing}, {@link TxRing}).
 * Lock order, never reversed: poll lock → TX lock → the peer's receive lock.
 */
public final class SimNic extends NetDevice implements WireEndpoint {
    public static final int DEFAULT_RING_SIZE = 256;
    /** Linux: {@code XDP_PACKET_HEADROOM}, room in front of each received frame. */
    public static final int RX_HEADROOM = 256;
    /** Largest MTU the simulated hardware accepts (jumbo frames). */
    public static final int MAX_MTU = 9000;
    private static final int VLAN_HLEN = 4;

    private static final VarHandle IRQ_MASKED;

    static {
        try {
            IRQ_MASKED = MethodHandles.lookup().findVarHandle(SimNic.class, "irqMasked", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final RxRing rx;
    private final TxRing tx;
    private final int txWakeThreshold;
    private final Object pollLock = new Object();
    private final Object txLock = new Object();
    private final Object rxHwLock = new Object();
    private final Xdp.Buff xdp = new Xdp.Buff();
    private Napi napi;
    private TimerList txPaceTimer;
    private SimNic peer;
    private Wire wire;
    private WireLane txLane;

    /** The interrupt line's mask bit (Linux: the device's interrupt mask register). */
    @SuppressWarnings("unused") // through IRQ_MASKED
    private volatile boolean irqMasked;
    /** Guarded by the receive lock. */
    private boolean rxHwUp;
    /** Guarded by the TX lock. */
    private boolean txUp;
    /** Guarded by the poll lock. */
    private boolean ringsUp;
    /** Hardware TX engine's next descriptor; guarded by the TX lock. */
    private long txHwNext;

    private final SimNicStats ethtool = new SimNicStats(this);

    /** A NIC with 256-descriptor rings; a MAC of 0 gets a random one from the stack at registration. */
    public SimNic(String name, long mac) {
        this(name, mac, DEFAULT_RING_SIZE, DEFAULT_RING_SIZE);
    }

    /** A NIC with the given ring sizes (powers of two, 2..65536, like {@code ethtool -G}). */
    public SimNic(String name, long mac, int rxRingSize, int txRingSize) {
        super(name);
        checkRingSize("rx", rxRingSize);
        checkRingSize("tx", txRingSize);
        setMac(mac);
        this.rx = new RxRing(rxRingSize, RX_HEADROOM);
        this.tx = new TxRing(txRingSize);
        this.txWakeThreshold = Math.max(1, Math.min(32, txRingSize / 2));
        this.minMtu = 68;
        this.maxMtu = MAX_MTU;
        setFlagBits(IFF_BROADCAST | IFF_MULTICAST);
        this.features = NETIF_F_SG | NETIF_F_RXCSUM;
        setCarrier(false);
    }

    private static void checkRingSize(String which, int n) {
        if (n < 2 || n > 65536 || Integer.bitCount(n) != 1) {
            throw new IllegalArgumentException(which + " ring size must be a power of two in 2..65536: " + n);
        }
    }

    /** Both NICs of a pair and the wire between them. */
    public record Pair(SimNic a, SimNic b, Wire wire) {}

    /** Two NICs with default rings, registered (down) in {@code netA}/{@code netB}, joined by a wire. */
    public static Pair pair(NetStack netA, String nameA, NetStack netB, String nameB, WireConditions conditions) {
        return builder(netA, nameA, netB, nameB).conditions(conditions).create();
    }

    public static Builder builder(NetStack netA, String nameA, NetStack netB, String nameB) {
        return new Builder(netA, nameA, netB, nameB);
    }

    /**
     * Joins two registered NICs with a wire (a cable between their ports). Each NIC can be wired
     * once.
     */
    public static Wire connect(SimNic a, SimNic b, WireConditions conditions, long seed) {
        if (a.net() == null || b.net() == null) {
            throw new IllegalStateException("register both NICs before wiring them");
        }
        if (a.wire != null || b.wire != null) {
            throw new IllegalStateException("a NIC can be wired only once");
        }
        Wire w = new Wire(a, b, conditions, seed);
        a.wire = w;
        b.wire = w;
        a.peer = b;
        b.peer = a;
        a.txLane = w.aToB();
        b.txLane = w.bToA();
        return w;
    }

    /** Builds a {@link Pair}: ring sizes, MACs, conditions, wire seed. */
    public static final class Builder {
        private final NetStack netA;
        private final String nameA;
        private final NetStack netB;
        private final String nameB;
        private WireConditions conditions = WireConditions.PERFECT;
        private Long seed;
        private long macA;
        private long macB;
        private int rxRing = DEFAULT_RING_SIZE;
        private int txRing = DEFAULT_RING_SIZE;

        private Builder(NetStack netA, String nameA, NetStack netB, String nameB) {
            this.netA = netA;
            this.nameA = nameA;
            this.netB = netB;
            this.nameB = nameB;
        }

        public Builder conditions(WireConditions c) {
            this.conditions = c;
            return this;
        }

        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        public Builder macs(long a, long b) {
            this.macA = a;
            this.macB = b;
            return this;
        }

        public Builder rings(int rxSize, int txSize) {
            this.rxRing = rxSize;
            this.txRing = txSize;
            return this;
        }

        public Pair create() {
            if (conditions == null) {
                throw new IllegalArgumentException("conditions must not be null");
            }
            if (netA.device(nameA) != null) {
                throw new IllegalArgumentException("device " + nameA + " already exists in " + netA.name());
            }
            if (netB.device(nameB) != null || (netA == netB && nameA.equals(nameB))) {
                throw new IllegalArgumentException("device " + nameB + " already exists in " + netB.name());
            }
            SimNic a = new SimNic(nameA, macA, rxRing, txRing);
            SimNic b = new SimNic(nameB, macB, rxRing, txRing);
            netA.addDevice(a);
            netB.addDevice(b);
            long s = seed != null ? seed : netA.random().nextLong();
            Wire w = connect(a, b, conditions, s);
            return new Pair(a, b, w);
        }
    }

    // ------------------------------------------------------------------ net_device_ops

    @Override
    protected void onRegister() {
        if (mac() == 0) {
            setMac(Eth.localMac(net().random().nextLong()));
        }
        napi = new Napi(this, SimNic::napiPoll);
        napi.bind(softnet());
        txPaceTimer = new TimerList(SimNic::txPaceExpired, this);
    }

    /**
     * Linux: {@code ndo_open} ({@code ixgbe_open}): fill the RX ring with buffers, reset the TX
     * ring, enable the MAC and the interrupt; the link comes up when the other end is up too.
     */
    @Override
    protected void ndoOpen() {
        int maxFrame = mtu() + Eth.ETH_HLEN + VLAN_HLEN;
        synchronized (pollLock) {
            if (!rx.fill(pool(), maxFrame)) {
                throw new IllegalStateException(name() + ": cannot allocate " + rx.size + " RX buffers");
            }
            ringsUp = true;
        }
        synchronized (txLock) {
            tx.reset();
            txHwNext = 0;
            txUp = true;
        }
        IRQ_MASKED.setVolatile(this, false);
        synchronized (rxHwLock) {
            rxHwUp = true;
        }
        if (peer != null && peer.isUp()) {
            setCarrier(true);
            peer.setCarrier(true);
        }
    }

    /**
     * Linux: {@code ndo_stop} ({@code ixgbe_close}): link down, MAC off, then (NAPI excluded by the
     * poll lock, like {@code napi_disable}) free what the rings hold: queued TX skbs are dropped, RX
     * buffers go back to the page pool.
     */
    @Override
    protected void ndoStop() {
        setCarrier(false);
        if (peer != null) {
            peer.setCarrier(false);
        }
        synchronized (rxHwLock) {
            rxHwUp = false;
        }
        synchronized (pollLock) {
            synchronized (txLock) {
                txUp = false;
                net().timers().delTimer(txPaceTimer);
                long c = tx.clean();
                long p = tx.prod();
                for (long k = c; k < p; k++) {
                    int i = tx.index(k);
                    SkBuff s = tx.skb[i];
                    tx.skb[i] = null;
                    if (s != null) {
                        stats().inc(LinkStats64.TX_DROPPED);
                        Skb.kfreeSkb(s, DropReason.QUEUE_PURGE);
                    }
                }
                tx.reset();
                txHwNext = 0;
            }
            ringsUp = false;
            rx.release();
        }
        IRQ_MASKED.setVolatile(this, false);
        netifStartQueue();
    }

    /** Linux: {@code ixgbe_change_mtu()}: a running NIC re-creates its rings for the new frame size. */
    @Override
    protected void ndoChangeMtu(int newMtu) {
        if (isUp()) {
            ndoStop();
            super.ndoChangeMtu(newMtu);
            ndoOpen();
        } else {
            super.ndoChangeMtu(newMtu);
        }
    }

    @Override
    public String kind() {
        return "simnic";
    }

    // ------------------------------------------------------------------ TX

    /**
     * Linux: {@code ndo_start_xmit} ({@code ixgbe_xmit_frame_ring}). Queues the frame on the TX ring
     * and rings the doorbell. When this fills the ring the queue is stopped (the qdisc then holds
     * packets) until completions free room; a frame that finds the ring full anyway is refused with
     * NETDEV_TX_BUSY and the queue stopped.
     */
    @Override
    protected int ndoStartXmit(SkBuff skb) {
        synchronized (txLock) {
            if (!txUp) {
                stats().inc(LinkStats64.TX_DROPPED);
                Skb.kfreeSkb(skb, DropReason.DEV_READY);
                return NETDEV_TX_OK;
            }
            if (tx.free() == 0) {
                netifStopQueue();
                // smp_mb(): the stop is visible before we look again; the cleaner does the mirror image.
                VarHandle.fullFence();
                if (tx.free() == 0) {
                    ethtool.txBusy++;
                    return NETDEV_TX_BUSY;
                }
                netifStartQueue();
            }
            tx.post(skb);
            if (tx.free() == 0) {
                // Linux: netif_txq_maybe_stop(): stop now rather than refuse the next frame.
                netifStopQueue();
                ethtool.txStopped++;
                VarHandle.fullFence();
                if (tx.free() > 0) {
                    netifStartQueue();
                }
            }
            hwTransmit();
            return NETDEV_TX_OK;
        }
    }

    /**
     * The hardware's transmit engine: for each queued descriptor, copy the frame to the wire (TX
     * DMA; short frames padded to {@code ETH_ZLEN} with zeros, as Ethernet MACs do) and mark the
     * descriptor done, then raise the TX-completion interrupt. On a finite-rate wire the engine
     * sends one frame per line slot and waits for the line with a timer. TX lock held.
     */
    private void hwTransmit() {
        long p = tx.prod();
        boolean completed = false;
        long now = net().clock().nanoTime();
        boolean paced = txLane.conditions().rateBitsPerSec() > 0;
        while (txHwNext < p) {
            if (paced) {
                long free = txLane.busyUntilNs();
                if (free > now) {
                    net().timers().modTimer(txPaceTimer, free);
                    break;
                }
            }
            int i = tx.index(txHwNext);
            SkBuff s = tx.skb[i];
            if (Trace.TX_DMA.enabled) {
                Trace.TX_DMA.fire(this, s, 0);
            }
            int len = s.len();
            int wireLen = Math.max(len, Eth.ETH_ZLEN);
            SkBuff w = pool().alloc(wireLen);
            if (w != null) {
                int off = w.put(wireLen);
                w.write(off, s, s.data, len);
                for (int k = len; k < wireLen; k++) {
                    w.setU8(off + k, 0);
                }
                w.journey = s.journey;
                w.dev = this;
            }
            tx.complete(txHwNext, w != null ? TxRing.STATUS_OK : TxRing.STATUS_ERROR);
            txHwNext++;
            completed = true;
            if (w != null) {
                txLane.transmit(w);
            }
        }
        if (completed) {
            // The done index is published (release) before we look at the interrupt mask.
            VarHandle.fullFence();
            raiseIrq(0);
        }
    }

    private static void txPaceExpired(TimerList t) {
        SimNic nic = (SimNic) t.owner;
        synchronized (nic.txLock) {
            if (nic.txUp) {
                nic.hwTransmit();
            }
        }
    }

    /**
     * TX completion (Linux: {@code ixgbe_clean_tx_irq}): frees the skbs of descriptors the hardware
     * finished, counts them, and wakes the queue if it was stopped and enough room is free.
     * Poll lock held.
     */
    private void cleanTx() {
        long done = tx.done();
        long c = tx.clean();
        if (c == done) {
            return;
        }
        while (c < done) {
            int i = tx.index(c);
            SkBuff s = tx.skb[i];
            tx.skb[i] = null;
            if (tx.status[i] == TxRing.STATUS_OK) {
                stats().tx(s.len());
                Skb.consumeSkb(s);
            } else {
                stats().inc(LinkStats64.TX_ERRORS);
                stats().inc(LinkStats64.TX_DROPPED);
                Skb.kfreeSkb(s, DropReason.NOMEM);
            }
            c++;
        }
        tx.publishClean(c);
        // smp_mb(): publish the freed room before reading the stop flag (xmit stops, then re-checks).
        VarHandle.fullFence();
        if (queueStopped() && isUp() && tx.free() >= txWakeThreshold) {
            ethtool.txRestarts++;
            netifWakeQueue();
        }
    }

    // ------------------------------------------------------------------ RX: the hardware

    @Override
    public NetDevice device() {
        return this;
    }

    /**
     * A frame arrives on the port: the MAC DMAs it into the next free RX descriptor, publishes the
     * descriptor and raises the interrupt unless masked. No free descriptor: the frame is lost
     * ({@code rx_missed_errors}, {@link DropReason#FULL_RING}); longer than the MTU allows:
     * {@code rx_length_errors}.
     */
    @Override
    public void wireReceive(SkBuff frame) {
        long journey = frame.journey;
        int rc;
        synchronized (rxHwLock) {
            rc = rxHwUp ? rx.dma(frame) : -1;
        }
        frame.dev = this;
        switch (rc) {
            case RxRing.DMA_OK -> {
                // The wire's copy has served; its journey continues in the descriptor.
                frame.journey = 0;
                Skb.consumeSkb(frame);
                if (Trace.RX_DMA.enabled) {
                    Trace.RX_DMA.fire(this, null, journey);
                }
                // smp_mb(): the producer index (released in dma()) before the mask read, so that
                // either we see the interrupt unmasked or the driver's re-check sees our frame.
                VarHandle.fullFence();
                raiseIrq(journey);
            }
            case RxRing.DMA_NO_DESCRIPTOR -> {
                stats().inc(LinkStats64.RX_MISSED_ERRORS);
                Skb.kfreeSkb(frame, DropReason.FULL_RING);
            }
            case RxRing.DMA_TOO_BIG -> {
                stats().inc(LinkStats64.RX_LENGTH_ERRORS);
                stats().inc(LinkStats64.RX_ERRORS);
                Skb.kfreeSkb(frame, DropReason.PKT_TOO_BIG);
            }
            default -> Skb.kfreeSkb(frame, DropReason.DEV_DOWN);
        }
    }

    /** Asserts the interrupt line: runs the handler if the interrupt is not masked. */
    private void raiseIrq(long journey) {
        if (IRQ_MASKED.compareAndSet(this, false, true)) {
            driverInterrupt(journey);
        }
    }

    /**
     * The seed's {@code driver_interrupt()} (Linux: {@code ixgbe_msix_clean_rings}): the interrupt
     * is already masked (the handler won the mask), so schedule NAPI to do the work.
     */
    private void driverInterrupt(long journey) {
        ethtool.interrupts++;
        if (Trace.DRIVER_INTERRUPT.enabled) {
            Trace.DRIVER_INTERRUPT.fire(this, null, journey);
        }
        napi.schedule();
    }

    // ------------------------------------------------------------------ RX: the driver

    private static int napiPoll(Napi n, int budget) {
        return ((SimNic) n.dev()).driverPoll(n, budget);
    }

    /**
     * The seed's {@code driver_poll()} (Linux: {@code ixgbe_poll}): clean TX completions, then
     * receive up to {@code budget} frames; if the ring drained first, complete NAPI, unmask the
     * interrupt and look once more, since a frame may have arrived while the interrupt was masked.
     */
    private int driverPoll(Napi n, int budget) {
        synchronized (pollLock) {
            ethtool.napiPolls++;
            if (!ringsUp) {
                n.complete();
                return 0;
            }
            cleanTx();
            int work = cleanRx(budget);
            if (work < budget && n.complete()) {
                IRQ_MASKED.setVolatile(this, false);
                // smp_mb(): the unmask before the re-check (pairs with the hardware's fence).
                VarHandle.fullFence();
                if ((rx.pending() > 0 || tx.completedPending() > 0) && IRQ_MASKED.compareAndSet(this, false, true)) {
                    n.schedule();
                }
            }
            return work;
        }
    }

    /** Linux: {@code ixgbe_clean_rx_irq()}. Poll lock held. */
    private int cleanRx(int budget) {
        int work = 0;
        long prod = rx.completed();
        while (work < budget) {
            if (rx.nextToClean == prod) {
                prod = rx.completed();
                if (rx.nextToClean == prod) {
                    break;
                }
            }
            int i = rx.index(rx.nextToClean);
            work++;
            receiveOne(i);
            rx.nextToClean++;
            rx.publishClean();
        }
        return work;
    }

    /** One completed descriptor: native XDP, then build_skb and up the stack. */
    private void receiveOne(int i) {
        PagePool.Page page = rx.page[i];
        int len = rx.len[i];
        long journey = rx.journey[i];
        if (Trace.NAPI_POLL.enabled) {
            // No skb exists yet: the frame is named by its journey.
            Trace.NAPI_POLL.fire(this, null, journey);
        }
        stats().rx(len);
        int data = rx.headroom;
        int end = data + len;
        Xdp.Program prog = xdpProgram();
        if (prog != null) {
            xdp.prepare(page.segment(), 0, data, end, this);
            int act = Xdp.run(prog, xdp, this, journey);
            if (act != Xdp.XDP_ABORTED && (xdp.data < 0 || xdp.data > xdp.dataEnd || xdp.dataEnd > page.size())) {
                act = Xdp.XDP_ABORTED; // the program moved the frame outside its buffer
            }
            switch (act) {
                case Xdp.XDP_PASS -> {
                    ethtool.rxXdpPass++;
                    data = xdp.data;
                    end = xdp.dataEnd;
                }
                case Xdp.XDP_DROP -> {
                    // The buffer stays in its descriptor: recycled in place, no skb ever existed.
                    ethtool.rxXdpDrop++;
                    return;
                }
                case Xdp.XDP_TX -> {
                    ethtool.rxXdpTx++;
                    xdpTx(i, page, journey);
                    return;
                }
                case Xdp.XDP_REDIRECT -> {
                    ethtool.rxXdpRedirect++;
                    xdpRedirect(i, page, journey);
                    return;
                }
                default -> {
                    ethtool.rxXdpAborted++;
                    return;
                }
            }
        }
        SkBuff skb = takeBuffer(i, page, data, end - data, journey);
        if (skb == null) {
            return;
        }
        if (Trace.BUILD_SKB.enabled) {
            Trace.BUILD_SKB.fire(this, skb, 0);
        }
        if (Eth.ethTypeTrans(skb, this) < 0) {
            stats().inc(LinkStats64.RX_LENGTH_ERRORS);
            stats().inc(LinkStats64.RX_ERRORS);
            Skb.kfreeSkb(skb, DropReason.PKT_TOO_SMALL);
            return;
        }
        Dev.netifReceiveSkb(skb);
    }

    /**
     * Turns descriptor {@code i}'s buffer into an skb (Linux: {@code build_skb}) after giving the
     * descriptor a fresh buffer; null (frame dropped, buffer kept in place) when the pool is dry.
     */
    private SkBuff takeBuffer(int i, PagePool.Page page, int data, int len, long journey) {
        PagePool.Page fresh = pool().allocPage(rx.bufSize);
        if (fresh == null) {
            ethtool.rxAllocFailed++;
            stats().inc(LinkStats64.RX_DROPPED);
            net().drops().count(DropReason.NOMEM);
            return null;
        }
        rx.page[i] = fresh;
        SkBuff skb = Skb.buildSkb(page, data, len, this);
        skb.journey = journey;
        return skb;
    }

    /** XDP_TX: the frame, as the program left it, goes back out of this NIC's TX ring. */
    private void xdpTx(int i, PagePool.Page page, long journey) {
        SkBuff skb = takeBuffer(i, page, xdp.data, xdp.len(), journey);
        if (skb == null) {
            ethtool.xdpTxErrors++;
            return;
        }
        synchronized (txLock) {
            if (txUp && tx.free() > 0) {
                tx.post(skb);
                hwTransmit();
                return;
            }
        }
        // Linux: the XDP TX ring is full; trace_xdp_exception and drop.
        ethtool.xdpTxErrors++;
        stats().inc(LinkStats64.TX_DROPPED);
        Skb.kfreeSkb(skb, DropReason.XDP);
    }

    /** XDP_REDIRECT: the frame leaves by the device the program named (Linux: {@code xdp_do_redirect}). */
    private void xdpRedirect(int i, PagePool.Page page, long journey) {
        NetDevice to = net().deviceByIndex(xdp.redirectTarget());
        if (to == null || !to.isRunning()) {
            ethtool.xdpRedirectErrors++;
            net().xdpStats().redirectErrors++;
            return; // buffer recycled in place
        }
        SkBuff skb = takeBuffer(i, page, xdp.data, xdp.len(), journey);
        if (skb == null) {
            ethtool.xdpRedirectErrors++;
            return;
        }
        skb.resetMacHeader();
        Dev.directXmit(to, skb);
    }

    // ------------------------------------------------------------------ ethtool

    public Napi napi() {
        return napi;
    }

    public Wire wire() {
        return wire;
    }

    /** The NIC at the other end of the cable, or null. */
    public SimNic peer() {
        return peer;
    }

    public WireLane txLane() {
        return txLane;
    }

    /** {@code ethtool -g}: RX descriptors. */
    public int rxRingSize() {
        return rx.size;
    }

    /** {@code ethtool -g}: TX descriptors. */
    public int txRingSize() {
        return tx.size;
    }

    /** Whether the interrupt is masked now (NAPI owns the device). */
    public boolean irqMasked() {
        return (boolean) IRQ_MASKED.getVolatile(this);
    }

    /** Frames in the RX ring the driver has not processed yet. */
    public int rxPending() {
        return rx.pending();
    }

    /** TX descriptors in use (queued or sent, not yet cleaned). */
    public int txInUse() {
        return tx.inUse();
    }

    /** {@code ethtool -S}: the driver's counters. */
    public SimNicStats ethtool() {
        return ethtool;
    }
}
