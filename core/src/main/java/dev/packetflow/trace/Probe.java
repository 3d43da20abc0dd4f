package dev.packetflow.trace;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.SkBuff;

/**
 * Java code attached to a {@link Tracepoint}, the way an eBPF program is attached to a kernel
 * tracepoint. It runs synchronously on the packet path, so it must be quick and must not keep the
 * skb: the buffer is recycled as soon as the stack is done with it.
 */
@FunctionalInterface
public interface Probe {
    /**
     * @param tp the tracepoint hit
     * @param net the stack (network namespace) it was hit in, or null when unknown
     * @param dev the device involved, or null
     * @param skb the packet, or null for stages that run before an skb exists (XDP, ring DMA)
     * @param arg a stage-specific number: work done for {@code napi_poll}, the drop reason's
     *            ordinal for {@code kfree_skb}, the journey id for stages without an skb
     */
    void hit(Tracepoint tp, NetStack net, NetDevice dev, SkBuff skb, long arg);
}
