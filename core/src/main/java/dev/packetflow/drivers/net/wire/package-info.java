/**
 * The medium between simulated hosts: a {@link dev.packetflow.drivers.net.wire.Wire} of two
 * {@link dev.packetflow.drivers.net.wire.WireLane}s, with netem-like impairments
 * ({@link dev.packetflow.drivers.net.wire.WireConditions}: delay, jitter, loss, reordering,
 * duplication, corruption, rate) drawn from a seeded generator so a simulation replays exactly.
 *
 * <pre>
 *  sender device ── transmit(skb) ──► WireLane: fate (seeded) ──► lost: kfree_skb(WIRE_LOSS)
 *                                         │
 *                     no delay ───────────┤── delayed: FrameHeap (deliveryNs, seq) + one TimerList
 *                         │                              │ on the receiver's timer wheel
 *                         ▼                              ▼
 *                       WireEndpoint.wireReceive(skb): veth RX ring / NIC receive DMA
 * </pre>
 *
 * No Linux counterpart: Linux has real cables. The impairments follow {@code net/sched/sch_netem.c}.
 */
package dev.packetflow.drivers.net.wire;
