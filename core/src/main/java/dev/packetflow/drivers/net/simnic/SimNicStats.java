package dev.packetflow.drivers.net.simnic;

import dev.packetflow.net.core.LinkStats64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The driver-private counters of a {@link SimNic}, what {@code ethtool -S eth0} prints for a real
 * NIC (Linux: {@code ixgbe_ethtool.c ixgbe_gstrings_stats}). The standard counters
 * ({@code rx_packets}, {@code rx_missed_errors}, ...) live in the device's
 * {@link dev.packetflow.net.core.LinkStats64}; {@link #toMap()} shows both.
 *
 * <p>Each counter has one writer at a time: the NAPI poll (poll lock), the transmit path (TX lock)
 * or the interrupt handler (which runs only for the thread that won the interrupt mask); fields are
 * volatile so that readers on other threads see current values.
 */
public final class SimNicStats {
    private final SimNic nic;
    volatile long interrupts;
    volatile long napiPolls;
    volatile long rxXdpPass;
    volatile long rxXdpDrop;
    volatile long rxXdpTx;
    volatile long rxXdpRedirect;
    volatile long rxXdpAborted;
    volatile long xdpTxErrors;
    volatile long xdpRedirectErrors;
    volatile long rxAllocFailed;
    volatile long txBusy;
    volatile long txStopped;
    volatile long txRestarts;

    SimNicStats(SimNic nic) {
        this.nic = nic;
    }

    /** Interrupts taken (the handler ran): one per burst while NAPI keeps up. */
    public long interrupts() {
        return interrupts;
    }

    public long napiPolls() {
        return napiPolls;
    }

    public long rxXdpPass() {
        return rxXdpPass;
    }

    public long rxXdpDrop() {
        return rxXdpDrop;
    }

    public long rxXdpTx() {
        return rxXdpTx;
    }

    public long rxXdpRedirect() {
        return rxXdpRedirect;
    }

    public long rxXdpAborted() {
        return rxXdpAborted;
    }

    /** XDP_TX frames that found no room in the TX ring (or no buffer to replace theirs). */
    public long xdpTxErrors() {
        return xdpTxErrors;
    }

    /** XDP_REDIRECT frames whose target did not exist or was down. */
    public long xdpRedirectErrors() {
        return xdpRedirectErrors;
    }

    /** Frames dropped because the page pool had no buffer to refill their descriptor. */
    public long rxAllocFailed() {
        return rxAllocFailed;
    }

    /** Times {@code ndo_start_xmit} found the ring full and returned NETDEV_TX_BUSY. */
    public long txBusy() {
        return txBusy;
    }

    /** Times the driver stopped its queue because the ring filled up. */
    public long txStopped() {
        return txStopped;
    }

    /** Times TX completion woke a stopped queue ({@code tx_restart_queue}). */
    public long txRestarts() {
        return txRestarts;
    }

    /** What {@code ethtool -S} prints, in that order and with those names. */
    public Map<String, Long> toMap() {
        LinkStats64 s = nic.stats();
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("rx_packets", s.rxPackets());
        m.put("tx_packets", s.txPackets());
        m.put("rx_bytes", s.rxBytes());
        m.put("tx_bytes", s.txBytes());
        m.put("rx_missed_errors", s.get(LinkStats64.RX_MISSED_ERRORS));
        m.put("rx_length_errors", s.get(LinkStats64.RX_LENGTH_ERRORS));
        m.put("alloc_rx_page_failed", rxAllocFailed);
        m.put("tx_busy", txBusy);
        m.put("tx_queue_stopped", txStopped);
        m.put("tx_restart_queue", txRestarts);
        m.put("interrupts", interrupts);
        m.put("napi_polls", napiPolls);
        m.put("rx_xdp_pass", rxXdpPass);
        m.put("rx_xdp_drop", rxXdpDrop);
        m.put("rx_xdp_tx", rxXdpTx);
        m.put("rx_xdp_redirect", rxXdpRedirect);
        m.put("rx_xdp_aborted", rxXdpAborted);
        m.put("tx_xdp_xmit_errors", xdpTxErrors);
        m.put("rx_xdp_redirect_errors", xdpRedirectErrors);
        return m;
    }
}
