package dev.packetflow.trace;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The registry of tracepoints. Like the kernel's, tracepoints are global: a probe attached to
 * {@code ip_rcv} sees every stack in the process, and tells them apart by the {@code net} argument.
 *
 * <p>The constants below are the stages of the seed's TX and RX diagrams, in the order the seed
 * draws them. Layers may add their own with {@link #point(String)}.
 */
public final class Trace {
    private static final Map<String, Tracepoint> POINTS = new ConcurrentHashMap<>();
    private static final List<Tracepoint> ORDER = new CopyOnWriteArrayList<>();
    /** Probes attached to every tracepoint, present and future. */
    private static final List<Probe> ALL = new CopyOnWriteArrayList<>();

    private Trace() {}

    /** The tracepoint called {@code name}, created on first use. */
    public static Tracepoint point(String name) {
        synchronized (POINTS) {
            Tracepoint tp = POINTS.get(name);
            if (tp == null) {
                tp = new Tracepoint(name, ORDER.size());
                for (Probe p : ALL) {
                    tp.attach(p);
                }
                ORDER.add(tp);
                POINTS.put(name, tp);
            }
            return tp;
        }
    }

    /** The tracepoint called {@code name} or null if no code declared it. */
    public static Tracepoint find(String name) {
        return POINTS.get(name);
    }

    public static List<Tracepoint> all() {
        return Collections.unmodifiableList(new ArrayList<>(ORDER));
    }

    /** Attaches {@code p} to the tracepoint called {@code name}; returns a handle to detach it. */
    public static AutoCloseable attach(String name, Probe p) {
        Tracepoint tp = point(name);
        tp.attach(p);
        return () -> tp.detach(p);
    }

    /** Attaches {@code p} to every tracepoint, including ones declared later. */
    public static AutoCloseable attachAll(Probe p) {
        synchronized (POINTS) {
            ALL.add(p);
            for (Tracepoint tp : ORDER) {
                tp.attach(p);
            }
        }
        return () -> {
            synchronized (POINTS) {
                ALL.remove(p);
                for (Tracepoint tp : ORDER) {
                    tp.detach(p);
                }
            }
        };
    }

    // ---- RX, as drawn in the seed ----
    /** The driver copied ("DMA'd") a frame into an RX ring buffer. */
    public static final Tracepoint RX_DMA = point("dma_rx_ring");
    /** Linux: the device's interrupt handler, the seed's {@code driver_interrupt()}. */
    public static final Tracepoint DRIVER_INTERRUPT = point("driver_interrupt");
    public static final Tracepoint NAPI_SCHEDULE = point("napi_schedule");
    /** Linux: {@code napi:napi_poll} (per poll, arg = work) and, per frame, the frame taken by it. */
    public static final Tracepoint NAPI_POLL = point("napi_poll");
    /** Linux: {@code bpf_prog_run_xdp()}, the XDP hook before any skb exists. */
    public static final Tracepoint XDP = point("bpf_prog_run_xdp");
    public static final Tracepoint BUILD_SKB = point("build_skb");
    public static final Tracepoint NETIF_RECEIVE_SKB = point("netif_receive_skb");
    public static final Tracepoint NETIF_RECEIVE_SKB_CORE = point("__netif_receive_skb_core");
    public static final Tracepoint ENQUEUE_TO_BACKLOG = point("enqueue_to_backlog");
    public static final Tracepoint IP_RCV = point("ip_rcv");
    public static final Tracepoint NF_INET_PRE_ROUTING = point("NF_INET_PRE_ROUTING");
    public static final Tracepoint IP_RCV_FINISH = point("ip_rcv_finish");
    public static final Tracepoint IP_ROUTE_INPUT = point("ip_route_input");
    public static final Tracepoint IP_LOCAL_DELIVER = point("ip_local_deliver");
    public static final Tracepoint NF_INET_LOCAL_IN = point("NF_INET_LOCAL_IN");
    public static final Tracepoint IP_LOCAL_DELIVER_FINISH = point("ip_local_deliver_finish");
    public static final Tracepoint IP_FORWARD = point("ip_forward");
    public static final Tracepoint NF_INET_FORWARD = point("NF_INET_FORWARD");
    public static final Tracepoint IP_FORWARD_FINISH = point("ip_forward_finish");
    public static final Tracepoint ICMP_RCV = point("icmp_rcv");
    public static final Tracepoint ARP_RCV = point("arp_rcv");

    // ---- TX, as drawn in the seed ----
    public static final Tracepoint IP_LOCAL_OUT = point("ip_local_out");
    public static final Tracepoint __IP_LOCAL_OUT = point("__ip_local_out");
    public static final Tracepoint NF_INET_LOCAL_OUT = point("NF_INET_LOCAL_OUT");
    public static final Tracepoint DST_OUTPUT = point("dst_output");
    public static final Tracepoint IP_OUTPUT = point("ip_output");
    public static final Tracepoint NF_INET_POST_ROUTING = point("NF_INET_POST_ROUTING");
    public static final Tracepoint IP_FINISH_OUTPUT = point("ip_finish_output");
    public static final Tracepoint IP_FINISH_OUTPUT2 = point("ip_finish_output2");
    public static final Tracepoint NEIGH_OUTPUT = point("neigh_output");
    public static final Tracepoint DEV_QUEUE_XMIT = point("dev_queue_xmit");
    public static final Tracepoint __DEV_QUEUE_XMIT = point("__dev_queue_xmit");
    public static final Tracepoint QDISC_ENQUEUE = point("qdisc_enqueue");
    public static final Tracepoint QDISC_DEQUEUE = point("qdisc_dequeue");
    public static final Tracepoint DEV_HARD_START_XMIT = point("dev_hard_start_xmit");
    public static final Tracepoint NETDEV_START_XMIT = point("netdev_start_xmit");
    public static final Tracepoint NDO_START_XMIT = point("ndo_start_xmit");
    /** Linux: {@code net:net_dev_xmit}, after the driver took the frame. */
    public static final Tracepoint NET_DEV_XMIT = point("net_dev_xmit");
    /** The frame left the device's TX ring for the wire. */
    public static final Tracepoint TX_DMA = point("dma_tx_ring");

    // ---- buffer life ----
    /** Linux: {@code skb:kfree_skb}; arg is the {@link dev.packetflow.net.core.DropReason} ordinal. */
    public static final Tracepoint KFREE_SKB = point("kfree_skb");
    /** Linux: {@code skb:consume_skb}, a buffer freed after successful use. */
    public static final Tracepoint CONSUME_SKB = point("consume_skb");
}
