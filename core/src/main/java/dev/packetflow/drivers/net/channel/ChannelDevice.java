package dev.packetflow.drivers.net.channel;

import dev.packetflow.net.core.Dev;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.Napi;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.SkBuffHead;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.core.LinkStats64;
import dev.packetflow.trace.Trace;

/**
 * A device whose other end is the program itself: frames written with {@link #inject} arrive
 * through NAPI like frames from a wire, and frames the stack transmits wait in {@link #txQueue()}
 * for the program to read. The wire-level test harness and the single-stack benchmarks use it.
 *
 * <p>Like gVisor's {@code link/channel}; no Linux counterpart (the nearest is a TAP device).
 */
public final class ChannelDevice extends NetDevice {
    private final SkBuffHead rx = new SkBuffHead();
    private final SkBuffHead tx = new SkBuffHead();
    private Napi napi;
    /** When set, transmitted frames are handed here instead of being queued. */
    private java.util.function.Consumer<SkBuff> txSink;

    public ChannelDevice(String name, long mac) {
        super(name);
        setMac(mac);
        features = NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_RXCSUM;
    }

    @Override
    protected void onRegister() {
        napi = new Napi(this, this::poll);
        napi.bind(softnet());
    }

    @Override
    protected void ndoOpen() {}

    @Override
    protected void ndoStop() {
        Skb.purge(rx, DropReason.DEV_READY);
        Skb.purge(tx, DropReason.QUEUE_PURGE);
    }

    @Override
    protected int ndoStartXmit(SkBuff skb) {
        // A NIC that offers NETIF_F_HW_CSUM: the frame leaves as bytes, so its checksum engine
        // finishes what the stack left partial.
        if (skb.ipSummed == SkBuff.CHECKSUM_PARTIAL && !Dev.skbChecksumHelp(skb)) {
            stats().inc(LinkStats64.TX_DROPPED);
            Skb.kfreeSkb(skb, DropReason.SKB_CSUM);
            return NETDEV_TX_OK;
        }
        stats().tx(skb.len());
        if (txSink != null) {
            txSink.accept(skb);
        } else {
            tx.queueTail(skb);
        }
        return NETDEV_TX_OK;
    }

    @Override
    public String kind() {
        return "channel";
    }

    /** Sends every transmitted frame to {@code sink} (which then owns it) instead of queueing it. */
    public void setTxSink(java.util.function.Consumer<SkBuff> sink) {
        this.txSink = sink;
    }

    /** Queues a received frame (a whole Ethernet frame) and schedules NAPI. */
    public void inject(byte[] frame) {
        SkBuff skb = Skb.netdevAllocSkb(this, frame.length);
        if (skb == null) {
            stats().inc(LinkStats64.RX_DROPPED);
            return;
        }
        skb.putData(frame);
        inject(skb);
    }

    /** Queues a received frame that is already in an skb (data at the Ethernet header). */
    public void inject(SkBuff skb) {
        skb.dev = this;
        rx.queueTail(skb);
        napi.schedule();
    }

    /**
     * Queues the first {@code n} frames of {@code skbs} (data at the Ethernet header) and schedules
     * NAPI once, as a NIC raises one interrupt for a burst. The array's slots are cleared.
     */
    public void inject(SkBuff[] skbs, int n) {
        for (int i = 0; i < n; i++) {
            SkBuff skb = skbs[i];
            skbs[i] = null;
            skb.dev = this;
            rx.queueTail(skb);
        }
        if (n > 0) {
            napi.schedule();
        }
    }

    private int poll(Napi n, int budget) {
        int work = 0;
        while (work < budget) {
            SkBuff skb = rx.dequeue();
            if (skb == null) {
                break;
            }
            work++;
            if (Trace.NAPI_POLL.enabled) {
                Trace.NAPI_POLL.fire(this, skb, budget);
            }
            Dev.driverReceiveSkb(this, skb, xdpScratch);
        }
        if (work < budget) {
            n.complete();
            if (!rx.isEmpty()) {
                n.schedule();
            }
        }
        return work;
    }

    private final dev.packetflow.net.core.Xdp.Buff xdpScratch = new dev.packetflow.net.core.Xdp.Buff();

    /** Frames the stack transmitted, oldest first; the caller frees what it takes. */
    public SkBuffHead txQueue() {
        return tx;
    }

    /** Takes the oldest transmitted frame as bytes (freeing its skb), or null. */
    public byte[] takeTx() {
        SkBuff s = tx.dequeue();
        if (s == null) {
            return null;
        }
        byte[] b = s.toByteArray();
        Skb.consumeSkb(s);
        return b;
    }
}
