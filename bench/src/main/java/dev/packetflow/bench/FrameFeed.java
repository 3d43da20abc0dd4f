package dev.packetflow.bench;

import dev.packetflow.drivers.net.channel.ChannelDevice;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.core.SoftnetData;

/**
 * The part of a packet rig ({@link EchoRig}, {@link ForwardRig}) that feeds frames and counts
 * what comes out: a prebuilt frame in native memory that {@link #runBurst()} copies into a burst
 * of pooled skbs (the driver's "DMA"), queues on the ingress {@link ChannelDevice} at once and
 * takes up with {@code net_rx_action}; {@link #transmit}, the egress device's transmit sink,
 * counts each frame that leaves and frees it, or keeps one for {@link #sendOne} to return. Nothing
 * is allocated on the heap in steady state.
 *
 * <p>A rig holds one (rather than extending a common base class) and installs the sink itself
 * ({@code dev.setTxSink(feed::transmit)}), so that each rig's measured entry point
 * ({@code runBatch}) and sink stay methods of its own, which the JIT compiles afresh when that rig
 * starts. With a base class holding them, {@code bench icmp-echo forward} on a loaded machine
 * ended the forward warm-up while its path still ran code compiled for the echo path, and
 * measured forwarding at 1,800-9,000 ns per packet in most runs instead of 120-180.
 */
final class FrameFeed implements AutoCloseable {
    private final Simulation sim;
    private final ChannelDevice in;
    private final SkBuff template;
    private final int frameLen;
    private final SkBuff[] batch;
    private long transmitted;
    private boolean capture;
    private SkBuff keep;

    /** {@code frame} arrives on {@code in} of {@code net}, {@code burst} copies per {@link #runBurst()}. */
    FrameFeed(Simulation sim, NetStack net, ChannelDevice in, byte[] frame, int burst) {
        this.sim = sim;
        this.in = in;
        this.batch = new SkBuff[requireBurst(burst)];
        this.frameLen = frame.length;
        this.template = Frames.template(net, frame);
    }

    /** Returns {@code burst}; throws IllegalArgumentException unless it is positive. */
    static int requireBurst(int burst) {
        if (burst < 1) {
            throw new IllegalArgumentException("burst must be positive: " + burst);
        }
        return burst;
    }

    int frameLen() {
        return frameLen;
    }

    /** The frame fed in (in native memory; its bytes start at {@code template().data}). */
    SkBuff template() {
        return template;
    }

    /** Frames that left by the egress device so far. */
    long transmitted() {
        return transmitted;
    }

    /** The egress device's transmit sink: counts the frame and frees it, or keeps one for {@link #sendOne}. */
    void transmit(SkBuff skb) {
        transmitted++;
        if (capture && keep == null) {
            keep = skb;
        } else {
            Skb.consumeSkb(skb);
        }
    }

    /**
     * Feeds one frame and returns the one frame the stack sent for it, for the caller to check and
     * free; throws IllegalStateException ({@code "MISSING (N UNIT)"}) unless exactly one left.
     */
    SkBuff sendOne(String missing, String unit) {
        long before = transmitted;
        SkBuff[] one = {Frames.copy(in, template, frameLen)};
        capture = true;
        in.inject(one, 1);
        sim.run();
        capture = false;
        if (transmitted != before + 1 || keep == null) {
            throw new IllegalStateException(missing + " (" + (transmitted - before) + " " + unit + ")");
        }
        SkBuff r = keep;
        keep = null;
        return r;
    }

    /** Pushes one burst through the stack; returns how many frames left by the egress device. */
    int runBurst() {
        long before = transmitted;
        dma();
        poll();
        return (int) (transmitted - before);
    }

    /**
     * The NIC's part of a burst: copies the frame into {@code burst} pooled skbs and queues them on
     * the ingress device, as DMA into posted RX buffers would; nothing of the stack runs yet.
     */
    void dma() {
        int n = batch.length;
        for (int i = 0; i < n; i++) {
            batch[i] = Frames.copy(in, template, frameLen);
        }
        in.inject(batch, n);
    }

    /**
     * The stack's part: {@code net_rx_action} until the burst queued by {@link #dma()} has gone
     * through {@code napi_poll} and every frame sent for it has left through
     * {@code ndo_start_xmit} and been freed by the sink (TX completion). Returns the frames sent.
     */
    int poll() {
        long before = transmitted;
        SoftnetData sd = in.softnet();
        do {
            sd.netRxAction();
        } while (sd.hasPendingWork());
        return (int) (transmitted - before);
    }

    /** Frees the frame kept back and the template (the rig closes its stack). */
    @Override
    public void close() {
        if (keep != null) {
            Skb.consumeSkb(keep);
            keep = null;
        }
        Skb.consumeSkb(template);
    }
}
