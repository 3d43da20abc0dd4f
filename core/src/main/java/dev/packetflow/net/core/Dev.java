package dev.packetflow.net.core;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.sched.Qdisc;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.trace.Trace;

/**
 * The device-independent core of both paths, {@code net/core/dev.c}.
 *
 * <pre>
 * RX: driver NAPI poll ─► netif_receive_skb ─► __netif_receive_skb_core ─► taps (ptype_all)
 *                                                                      └─► ptype_base[proto] (ip_rcv, arp_rcv)
 * TX: dev_queue_xmit ─► __dev_queue_xmit ─► qdisc enqueue ─► qdisc_run: dequeue ─► dev_hard_start_xmit
 *                                                         ─► taps ─► netdev_start_xmit ─► ndo_start_xmit
 * </pre>
 *
 * <p>TX runs in the caller's thread down to the driver, as in Linux; the qdisc's lock serialises
 * senders and its RUNNING flag makes one of them the one that feeds the device.
 */
public final class Dev {
    private Dev() {}

    // ================================================================== RX

    /**
     * Linux: {@code netif_receive_skb()}. Called from a driver's NAPI poll with data at the network
     * header (after {@code eth_type_trans}). Returns NET_RX_SUCCESS or NET_RX_DROP.
     */
    public static int netifReceiveSkb(SkBuff skb) {
        if (Trace.NETIF_RECEIVE_SKB.enabled) {
            Trace.NETIF_RECEIVE_SKB.fire(skb.dev, skb, 0);
        }
        return netifReceiveSkbCore(skb);
    }

    /**
     * Linux: {@code __netif_receive_skb_core()}. Shows the frame to the packet taps, then hands it to
     * the handler of its ethertype. A frame nobody handles is counted in {@code rx_nohandler}.
     */
    static int netifReceiveSkbCore(SkBuff skb) {
        NetDevice dev = skb.dev;
        NetStack net = dev.net();
        if (Trace.NETIF_RECEIVE_SKB_CORE.enabled) {
            Trace.NETIF_RECEIVE_SKB_CORE.fire(net, dev, skb, 0);
        }
        // Linux: net_timestamp_check(), only while some socket wants receive timestamps
        if (skb.tstampNs == 0 && net.netstampNeeded()) {
            skb.tstampNs = net.clock().nanoTime();
        }
        PacketTap[] taps = dev.taps;
        if (taps.length != 0) {
            for (PacketTap t : taps) {
                t.tap(dev, skb, false);
            }
        }
        PacketType handler = net.packetHandler(skb.protocol);
        if (handler == null) {
            dev.stats.inc(LinkStats64.RX_NOHANDLER);
            Skb.kfreeSkb(skb, DropReason.UNHANDLED_PROTO);
            return PacketType.NET_RX_DROP;
        }
        return handler.rcv(skb, dev);
    }

    /**
     * The per-frame tail of a NAPI poll for drivers whose frames arrive as skbs (veth, channel):
     * count the frame, run generic XDP if a program is attached, {@code eth_type_trans}, then
     * {@link #netifReceiveSkb}. Takes the skb (data at the Ethernet header) in every case; a frame
     * on a device that is down, or shorter than an Ethernet header, is dropped with its reason.
     *
     * <p>Linux: what {@code veth_poll()}/{@code veth_xdp_rcv_skb()} and most drivers' poll loops do
     * before {@code napi_gro_receive()}.
     */
    public static void driverReceiveSkb(NetDevice dev, SkBuff skb, Xdp.Buff xdpScratch) {
        if (!dev.isUp()) {
            dev.stats.inc(LinkStats64.RX_DROPPED);
            Skb.kfreeSkb(skb, DropReason.DEV_READY);
            return;
        }
        dev.stats.rx(skb.len());
        Xdp.Program prog = dev.xdpProg;
        if (prog != null && !Xdp.doXdpGeneric(prog, skb, xdpScratch)) {
            return;
        }
        if (Eth.ethTypeTrans(skb, dev) < 0) {
            dev.stats.inc(LinkStats64.RX_LENGTH_ERRORS);
            dev.stats.inc(LinkStats64.RX_ERRORS);
            Skb.kfreeSkb(skb, DropReason.PKT_TOO_SMALL);
            return;
        }
        netifReceiveSkb(skb);
    }

    // ================================================================== TX

    /**
     * Linux: {@code dev_queue_xmit()}. Transmits a frame (data at the Ethernet header, {@code skb.dev}
     * set). Takes the skb in every case. Returns a NET_XMIT_* code.
     */
    public static int devQueueXmit(SkBuff skb) {
        if (Trace.DEV_QUEUE_XMIT.enabled) {
            Trace.DEV_QUEUE_XMIT.fire(skb.dev, skb, 0);
        }
        return devQueueXmitInner(skb);
    }

    /** Linux: {@code __dev_queue_xmit()}. */
    private static int devQueueXmitInner(SkBuff skb) {
        NetDevice dev = skb.dev;
        if (Trace.__DEV_QUEUE_XMIT.enabled) {
            Trace.__DEV_QUEUE_XMIT.fire(dev, skb, 0);
        }
        if (!dev.isRunning()) {
            dev.stats.inc(LinkStats64.TX_DROPPED);
            Skb.kfreeSkb(skb, DropReason.DEV_READY);
            return Qdisc.NET_XMIT_DROP;
        }
        if (skb.gsoSize != 0 && netifNeedsGso(skb, dev.features)) {
            return xmitSegments(dev, skb);
        }
        if (skb.ipSummed == SkBuff.CHECKSUM_PARTIAL && skb.gsoSize == 0
                && (dev.features & (NetDevice.NETIF_F_HW_CSUM | NetDevice.NETIF_F_IP_CSUM)) == 0
                && !skbChecksumHelp(skb)) {
            // validate_xmit_skb() -> skb_csum_hwoffload_help(): the device cannot finish it
            dev.stats.inc(LinkStats64.TX_DROPPED);
            Skb.kfreeSkb(skb, DropReason.SKB_CSUM);
            return Qdisc.NET_XMIT_DROP;
        }
        Qdisc q = dev.qdisc;
        if (q.isNoQueue()) {
            return directXmit(dev, skb);
        }
        return devXmitSkb(skb, q, dev);
    }

    /**
     * Linux: {@code skb_checksum_help()}. Finishes a {@code CHECKSUM_PARTIAL} packet's checksum in
     * software for a device that cannot: sums from {@code csumStart} to the end (the check field
     * holds the pseudo-header sum) and stores the complement at {@code csumStart + csumOffset}, a
     * result of 0 as 0xffff ({@code CSUM_MANGLED_0}: to UDP a 0 means "no checksum", to TCP both
     * are zero). Unshares a cloned buffer first. False when the offsets do not fit the packet.
     */
    public static boolean skbChecksumHelp(SkBuff skb) {
        if (skb.csumStart < skb.data || skb.csumStart + skb.csumOffset + 2 > skb.tail) {
            return false;
        }
        if (skb.cloned() && !skb.cow(0)) {
            return false;
        }
        int start = skb.csumStart;
        int c = dev.packetflow.net.ipv4.InetChecksum.fold(
                dev.packetflow.net.ipv4.InetChecksum.partial(skb, start, skb.tail - start, 0));
        skb.setU16(start + skb.csumOffset, c == 0 ? 0xffff : c);
        skb.ipSummed = SkBuff.CHECKSUM_NONE;
        return true;
    }

    /**
     * Linux: {@code netif_needs_gso()} / {@code skb_gso_ok()}: whether the device cannot take this
     * GSO packet as it is (a TCP/IPv4 super-packet needs {@code NETIF_F_TSO}, a UDP one
     * {@code NETIF_F_GSO_UDP_L4}).
     */
    static boolean netifNeedsGso(SkBuff skb, long features) {
        if (skb.gsoType == SkBuff.SKB_GSO_TCPV4) {
            return (features & NetDevice.NETIF_F_TSO) == 0;
        }
        if (skb.gsoType == SkBuff.SKB_GSO_UDP_L4) {
            return (features & NetDevice.NETIF_F_GSO_UDP_L4) == 0;
        }
        return true;
    }

    /**
     * Linux: {@code validate_xmit_skb()} → {@code skb_gso_segment()} for a device without the
     * offload: the super-packet is cut into wire packets in software and each goes its way through
     * the qdisc to the driver (so taps see what the device sees). A packet that cannot be
     * segmented is dropped and counted ({@code tx_dropped}, SKB_GSO_SEG).
     *
     * <p>Here the segmentation happens before the qdisc rather than after its dequeue, so a
     * segment the driver refuses requeues alone and the qdisc counts segments.
     */
    private static int xmitSegments(NetDevice dev, SkBuff skb) {
        SkBuff segs = skbGsoSegmentForXmit(dev, skb);
        if (segs == null) {
            return Qdisc.NET_XMIT_DROP;
        }
        Qdisc q = dev.qdisc;
        int rc = Qdisc.NET_XMIT_SUCCESS;
        while (segs != null) {
            SkBuff n = segs.next;
            segs.next = null;
            int r = q.isNoQueue() ? directXmit(dev, segs) : devXmitSkb(segs, q, dev);
            if (r != Qdisc.NET_XMIT_SUCCESS) {
                rc = r;
            }
            segs = n;
        }
        return rc;
    }

    /**
     * {@link #skbGsoSegment} on the transmit side of {@code dev} (the stack's software GSO, or a
     * driver doing its TSO engine's work): the segments, the super-packet consumed; or null when
     * it cannot be segmented, the super-packet then dropped and counted ({@code tx_dropped},
     * SKB_GSO_SEG).
     */
    public static SkBuff skbGsoSegmentForXmit(NetDevice dev, SkBuff skb) {
        SkBuff segs = skbGsoSegment(skb, dev.features);
        if (segs == null) {
            dev.stats.inc(LinkStats64.TX_DROPPED);
            Skb.kfreeSkb(skb, DropReason.SKB_GSO_SEG);
            return null;
        }
        Skb.consumeSkb(skb);
        return segs;
    }

    /**
     * Linux: {@code skb_gso_segment()} ({@code net/core/gso.c}), dispatching to the protocol's
     * {@code gso_segment} (TCP/IPv4 or UDP/IPv4 here). Returns the segments linked through
     * {@code next}, or null when the packet cannot be segmented; {@code skb} is not freed. A
     * partial checksum stays partial in the segments (whoever transmits them finishes it).
     */
    public static SkBuff skbGsoSegment(SkBuff skb) {
        return skbGsoSegment(skb, NetDevice.NETIF_F_HW_CSUM);
    }

    /**
     * {@link #skbGsoSegment(SkBuff)} for a device with {@code features}: a UDP super-packet's
     * segments keep a partial checksum only if the device checksums, as {@code skb_segment()}
     * decides; otherwise their checksums are computed here.
     */
    public static SkBuff skbGsoSegment(SkBuff skb, long features) {
        if (skb.protocol != Eth.ETH_P_IP) {
            return null;
        }
        if (skb.gsoType == SkBuff.SKB_GSO_TCPV4) {
            return dev.packetflow.net.ipv4.tcp.TcpOffload.segment(skb);
        }
        if (skb.gsoType == SkBuff.SKB_GSO_UDP_L4) {
            return dev.packetflow.net.ipv4.UdpOffload.segment(skb,
                    (features & (NetDevice.NETIF_F_HW_CSUM | NetDevice.NETIF_F_IP_CSUM)) != 0);
        }
        return null;
    }

    /**
     * Linux: {@code __dev_xmit_skb()}. A packet that finds the qdisc empty and nobody feeding the
     * device goes straight to the driver ({@code TCQ_F_CAN_BYPASS} → {@code sch_direct_xmit}):
     * no lock, no queueing, only the atomic that makes this thread the runner. Otherwise it is
     * enqueued under the qdisc's lock, and the qdisc is run unless another thread already runs it.
     * A bypassing packet still fires {@code qdisc_enqueue} and {@code qdisc_dequeue}, so a
     * journey shows the same stages whichever way it went.
     */
    private static int devXmitSkb(SkBuff skb, Qdisc q, NetDevice dev) {
        if (Trace.QDISC_ENQUEUE.enabled) {
            Trace.QDISC_ENQUEUE.fire(dev, skb, 0);
        }
        if (q.canBypass() && q.qlen() == 0 && q.tryRunBegin()) {
            // Look again now that no other thread can dequeue or requeue.
            if (q.qlen() == 0 && q.requeued == null && !dev.txQueueStopped) {
                q.clearMissed();
                if (Trace.QDISC_DEQUEUE.enabled) {
                    Trace.QDISC_DEQUEUE.fire(dev, skb, 0);
                }
                q.bypasses++;
                int len = skb.len();
                if (devHardStartXmit(skb, dev) == NetDevice.NETDEV_TX_BUSY) {
                    q.requeued = skb;
                    q.requeues++;
                } else {
                    q.packets++;
                    q.bytes += len;
                }
                qdiscRunOwned(q, dev);
                return Qdisc.NET_XMIT_SUCCESS;
            }
            int rc;
            synchronized (q) {
                rc = q.enqueue(skb);
            }
            qdiscRunOwned(q, dev);
            return rc;
        }
        int rc;
        synchronized (q) {
            rc = q.enqueue(skb);
        }
        if (q.runBegin()) {
            qdiscRunOwned(q, dev);
        }
        return rc;
    }

    /** Linux: {@code qdisc_run()}. Feeds queued packets to the device unless it is already being fed. */
    public static void qdiscRun(NetDevice dev) {
        Qdisc q = dev.qdisc;
        if (q == null || q.isNoQueue()) {
            return;
        }
        if (q.runBegin()) {
            qdiscRunOwned(q, dev);
        }
    }

    /**
     * The runner's loop: {@link #qdiscRestart} until the queue is empty or the device stopped, then
     * {@code qdisc_run_end}, and again if another thread asked meanwhile.
     */
    private static void qdiscRunOwned(Qdisc q, NetDevice dev) {
        do {
            q.clearMissed();
            qdiscRestart(q, dev);
        } while (q.runEnd());
    }

    /**
     * Linux: {@code __qdisc_run()} / {@code qdisc_restart()} / {@code sch_direct_xmit()}. Called by
     * the runner. Dequeues and transmits until the queue is empty or the driver says its ring is
     * full; then the packet the driver refused waits at the head ({@code dev_requeue_skb}) for
     * {@code netif_wake_queue}. The lock is taken only to dequeue, and not at all when the queue
     * is empty.
     */
    private static void qdiscRestart(Qdisc q, NetDevice dev) {
        while (!dev.txQueueStopped) {
            SkBuff skb = q.requeued;
            if (skb != null) {
                q.requeued = null;
            } else {
                if (q.qlen() == 0) {
                    return;
                }
                synchronized (q) {
                    skb = q.dequeue();
                }
                if (skb == null) {
                    return;
                }
            }
            if (Trace.QDISC_DEQUEUE.enabled) {
                Trace.QDISC_DEQUEUE.fire(dev, skb, 0);
            }
            int len = skb.len();
            // A wake from another thread while the driver refuses leaves a note (missed) that makes
            // the runner come back here once it lets go (see qdiscRunOwned), as Linux's requeue
            // reschedules the qdisc.
            if (devHardStartXmit(skb, dev) == NetDevice.NETDEV_TX_BUSY) {
                q.requeued = skb;
                q.requeues++;
                return;
            }
            q.packets++;
            q.bytes += len;
        }
    }

    /**
     * Linux: {@code dev_hard_start_xmit()} / {@code xmit_one()}: shows the frame to the taps
     * ({@code dev_queue_xmit_nit}) and gives it to the driver.
     */
    static int devHardStartXmit(SkBuff skb, NetDevice dev) {
        if (Trace.DEV_HARD_START_XMIT.enabled) {
            Trace.DEV_HARD_START_XMIT.fire(dev, skb, 0);
        }
        PacketTap[] taps = dev.taps;
        if (taps.length != 0) {
            for (PacketTap t : taps) {
                t.tap(dev, skb, true);
            }
        }
        return netdevStartXmit(skb, dev);
    }

    /** Linux: {@code netdev_start_xmit()} → {@code ops->ndo_start_xmit()}, then {@code net:net_dev_xmit}. */
    static int netdevStartXmit(SkBuff skb, NetDevice dev) {
        if (Trace.NETDEV_START_XMIT.enabled) {
            Trace.NETDEV_START_XMIT.fire(dev, skb, 0);
        }
        if (Trace.NDO_START_XMIT.enabled) {
            Trace.NDO_START_XMIT.fire(dev, skb, 0);
        }
        long journey = skb.journey;
        int rc = dev.ndoStartXmit(skb);
        if (Trace.NET_DEV_XMIT.enabled) {
            Trace.NET_DEV_XMIT.fire(dev.net(), dev, null, rc == NetDevice.NETDEV_TX_OK ? journey : 0);
        }
        return rc;
    }

    /**
     * Transmits without a qdisc (noqueue devices, XDP_TX and XDP_REDIRECT): straight to the driver;
     * a full ring drops the frame. Linux: {@code dev_direct_xmit()} / the noqueue branch of
     * {@code __dev_queue_xmit()}.
     */
    public static int directXmit(NetDevice dev, SkBuff skb) {
        skb.dev = dev;
        if (!dev.isRunning()) {
            dev.stats.inc(LinkStats64.TX_DROPPED);
            Skb.kfreeSkb(skb, DropReason.DEV_READY);
            return Qdisc.NET_XMIT_DROP;
        }
        if (skb.gsoSize != 0 && netifNeedsGso(skb, dev.features)) {
            return xmitSegments(dev, skb);
        }
        int rc = devHardStartXmit(skb, dev);
        if (rc == NetDevice.NETDEV_TX_BUSY) {
            dev.stats.inc(LinkStats64.TX_DROPPED);
            Skb.kfreeSkb(skb, DropReason.FULL_RING);
            return Qdisc.NET_XMIT_DROP;
        }
        return Qdisc.NET_XMIT_SUCCESS;
    }

    // ================================================================== taps

    /** Adds a packet tap to {@code dev} (Linux: an AF_PACKET socket bound to it). */
    public static AutoCloseable addTap(NetDevice dev, PacketTap tap) {
        synchronized (dev) {
            PacketTap[] old = dev.taps;
            PacketTap[] n = java.util.Arrays.copyOf(old, old.length + 1);
            n[old.length] = tap;
            dev.taps = n;
        }
        return () -> {
            synchronized (dev) {
                dev.taps = java.util.Arrays.stream(dev.taps).filter(t -> t != tap).toArray(PacketTap[]::new);
            }
        };
    }
}
