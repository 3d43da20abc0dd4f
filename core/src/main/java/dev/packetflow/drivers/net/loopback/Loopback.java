package dev.packetflow.drivers.net.loopback;

import dev.packetflow.drivers.net.PtrRing;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.Dev;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.LinkStats64;
import dev.packetflow.net.core.Napi;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.PacketType;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.trace.Trace;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The loopback device {@code lo}: every frame it transmits comes back in as received, after a trip
 * through the receive backlog, so that local traffic takes the same RX path as traffic from a wire.
 *
 * <pre>
 *  dev_queue_xmit ─► noqueue ─► loopback_xmit ─► eth_type_trans ─► netif_rx ─► enqueue_to_backlog
 *                                                                               │ napi_schedule
 *  ip_rcv ◄─ __netif_receive_skb_core ◄─ netif_receive_skb ◄─ process_backlog ◄┘ (softnet, budget)
 * </pre>
 *
 * <p>Linux: {@code drivers/net/loopback.c} ({@code loopback_xmit}, {@code loopback_setup}) and the
 * per-CPU backlog of {@code net/core/dev.c} ({@code netif_rx}, {@code enqueue_to_backlog},
 * {@code process_backlog}). Here the backlog belongs to the device rather than to the CPU, since
 * loopback is its only user in the drivers; it keeps Linux's limit, {@code netdev_max_backlog} =
 * 1000 frames, beyond which frames are dropped with {@link DropReason#CPU_BACKLOG} and counted in
 * {@code rx_dropped}.
 *
 * <p>Like Linux: type {@code ARPHRD_LOOPBACK}, MTU 65536, MAC 00:00:00:00:00:00, an Ethernet
 * header on every frame, the noqueue qdisc, and statistics counted once per frame at transmit and
 * reported as both tx and rx ({@code loopback_get_stats64}), with the length measured after
 * {@code eth_type_trans}, so without the Ethernet header. Flags are {@code IFF_LOOPBACK} plus
 * {@code IFF_NOARP}: Linux sets only the former and its neighbour code treats both alike
 * ({@code arp_constructor}); here the neighbour layer tests the one flag.
 *
 * <p>Threading: {@code loopback_xmit} runs in the sending thread (possibly several at once); the
 * backlog is a lock-free MPSC ring drained by the stack's softnet worker.
 */
public final class Loopback extends NetDevice {
    /** Linux: the loopback MTU, {@code 64 * 1024}. */
    public static final int LOOPBACK_MTU = 64 * 1024;
    /** Linux: {@code net.core.netdev_max_backlog}. */
    public static final int NETDEV_MAX_BACKLOG = 1000;

    private static final VarHandle BACKLOG_SCHED;

    static {
        try {
            BACKLOG_SCHED = MethodHandles.lookup().findVarHandle(Loopback.class, "backlogSched", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final PtrRing<SkBuff> backlog;
    /**
     * Set while the backlog NAPI is scheduled or polling: {@code enqueue_to_backlog} schedules it
     * only when the bit was clear ({@code __test_and_set_bit(NAPI_STATE_SCHED, ...)}), not once per
     * frame.
     */
    @SuppressWarnings("unused") // through BACKLOG_SCHED
    private volatile boolean backlogSched;
    private Napi napi;
    private long backlogDrops;

    /** A loopback device called {@code lo}, not yet registered. */
    public Loopback() {
        this("lo", NETDEV_MAX_BACKLOG);
    }

    /** A loopback device with another name or backlog limit (tests, several loopbacks). */
    public Loopback(String name, int backlogLimit) {
        super(name);
        this.backlog = new PtrRing<>(backlogLimit);
        this.type = ARPHRD_LOOPBACK;
        this.mtu = LOOPBACK_MTU;
        // Linux leaves max_mtu at 0, "no limit"; min stays at the IPv4 minimum.
        this.maxMtu = Integer.MAX_VALUE;
        this.hardHeaderLen = Eth.ETH_HLEN;
        this.txQueueLen = 0;
        this.privFlags |= IFF_NO_QUEUE;
        setFlagBits(IFF_LOOPBACK | IFF_NOARP);
        this.features = NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_RXCSUM | NETIF_F_GSO | NETIF_F_TSO | NETIF_F_GSO_UDP_L4
                | NETIF_F_LLTX;
        setMac(0);
    }

    /**
     * Creates {@code lo} and registers it in {@code net}, down, as Linux does for each new network
     * namespace ({@code loopback_net_init}); {@code ip link set lo up} (or the registry's open)
     * brings it up.
     */
    public static Loopback create(NetStack net) {
        return net.addDevice(new Loopback());
    }

    @Override
    protected void onRegister() {
        napi = new Napi(this, Loopback::processBacklog);
        napi.bind(softnet());
    }

    @Override
    protected void ndoOpen() {}

    /** Frames still in the backlog are dropped (Linux: {@code flush_backlog()} on unregister). */
    @Override
    protected void ndoStop() {
        SkBuff skb;
        while ((skb = backlog.poll()) != null) {
            Skb.kfreeSkb(skb, DropReason.DEV_READY);
        }
    }

    /**
     * Linux: {@code loopback_xmit()}. The frame turns around: clear the timestamp and the owning
     * socket, classify it with {@code eth_type_trans}, queue it to the backlog. Always NETDEV_TX_OK;
     * a frame the backlog refuses was dropped there.
     */
    @Override
    protected int ndoStartXmit(SkBuff skb) {
        skb.tstampNs = 0;
        skb.sk = null;
        if (Eth.ethTypeTrans(skb, this) < 0) {
            stats().inc(LinkStats64.TX_DROPPED);
            Skb.kfreeSkb(skb, DropReason.DEV_HDR);
            return NETDEV_TX_OK;
        }
        int len = skb.len();
        if (netifRx(skb) == PacketType.NET_RX_SUCCESS) {
            stats().tx(len);
            stats().rx(len);
        }
        return NETDEV_TX_OK;
    }

    /**
     * Linux: {@code __netif_rx()} → {@code enqueue_to_backlog()}: queue for the softnet worker and
     * schedule the backlog NAPI; a full backlog drops the frame.
     */
    private int netifRx(SkBuff skb) {
        if (Trace.ENQUEUE_TO_BACKLOG.enabled) {
            Trace.ENQUEUE_TO_BACKLOG.fire(this, skb, 0);
        }
        if (!backlog.offer(skb)) {
            synchronized (backlog) {
                backlogDrops++;
            }
            stats().inc(LinkStats64.RX_DROPPED);
            Skb.kfreeSkb(skb, DropReason.CPU_BACKLOG);
            return PacketType.NET_RX_DROP;
        }
        // The frame is in the ring before we test the bit; the poll clears the bit before its last look.
        VarHandle.fullFence();
        if (!(boolean) BACKLOG_SCHED.getVolatile(this) && BACKLOG_SCHED.compareAndSet(this, false, true)) {
            napi.schedule();
        }
        return PacketType.NET_RX_SUCCESS;
    }

    /**
     * Linux: {@code process_backlog()}. Hands up to {@code budget} queued frames to
     * {@code __netif_receive_skb}; completes when the backlog ran dry.
     */
    private static int processBacklog(Napi n, int budget) {
        return ((Loopback) n.dev()).backlogPoll(n, budget);
    }

    private int backlogPoll(Napi n, int budget) {
        int work = 0;
        while (work < budget) {
            SkBuff skb = backlog.poll();
            if (skb == null) {
                break;
            }
            work++;
            if (Trace.NAPI_POLL.enabled) {
                Trace.NAPI_POLL.fire(this, skb, budget);
            }
            Dev.netifReceiveSkb(skb);
        }
        if (work < budget && n.complete()) {
            BACKLOG_SCHED.setVolatile(this, false);
            VarHandle.fullFence();
            if (!backlog.isEmpty() && BACKLOG_SCHED.compareAndSet(this, false, true)) {
                n.schedule();
            }
        }
        return work;
    }

    @Override
    public String kind() {
        return "loopback";
    }

    /** Frames waiting in the backlog. */
    public int backlogLen() {
        return backlog.size();
    }

    /** Frames dropped because the backlog was full (Linux: {@code softnet_stat} dropped column). */
    public long backlogDrops() {
        synchronized (backlog) {
            return backlogDrops;
        }
    }

    public Napi napi() {
        return napi;
    }
}
