/**
 * A simulated NIC: RX/TX descriptor rings of page-pool buffers, receive DMA, an interrupt masked
 * while NAPI polls, native XDP before any skb exists, {@code build_skb} without a copy, TX
 * completion and queue stop/wake. Read {@link dev.packetflow.drivers.net.simnic.SimNic} first,
 * then the rings' memory-ordering notes in {@code RxRing} and {@code TxRing}.
 *
 * <p>Modelled on Intel's ixgbe/igb drivers ({@code drivers/net/ethernet/intel/}).
 */
package dev.packetflow.drivers.net.simnic;
