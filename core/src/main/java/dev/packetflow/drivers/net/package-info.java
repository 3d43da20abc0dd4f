/**
 * Device drivers: where frames leave and enter a stack. Linux: {@code drivers/net/}.
 *
 * <ul>
 *   <li>{@link dev.packetflow.drivers.net.loopback.Loopback}: {@code lo}, transmit turns into
 *       receive through the backlog.
 *   <li>{@link dev.packetflow.drivers.net.veth.Veth}: a virtual Ethernet pair between two stacks
 *       (or within one); the skb itself crosses.
 *   <li>{@link dev.packetflow.drivers.net.simnic.SimNic}: a simulated NIC with descriptor rings,
 *       DMA, an interrupt and native XDP: the seed's hardware boxes.
 *   <li>{@link dev.packetflow.drivers.net.tap.TapDevice}: a real wire to the Linux kernel's own
 *       stack through a TAP interface ({@code /dev/net/tun}, bound with FFM).
 *   <li>{@link dev.packetflow.drivers.net.channel.ChannelDevice}: frames in and out of a test.
 * </ul>
 *
 * Veth ends and SimNics are joined by a {@link dev.packetflow.drivers.net.wire.Wire}, which can
 * delay, lose, reorder, duplicate and corrupt frames deterministically. Frames cross threads
 * through {@link dev.packetflow.drivers.net.PtrRing}, a lock-free MPSC ring.
 *
 * <p>Every driver meets the same contract ({@code NetDeviceContractTest}): it obeys open/stop,
 * counts what it sends and receives in {@link dev.packetflow.net.core.LinkStats64}, drops with a
 * reason, and holds no buffer once its stack is closed.
 */
package dev.packetflow.drivers.net;
