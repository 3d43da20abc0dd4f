package dev.packetflow.net.core;

/**
 * Per-device statistics with the fields and names of Linux's {@code struct rtnl_link_stats64}
 * ({@code include/uapi/linux/if_link.h}), what {@code ip -s link} prints.
 *
 * <p>Counters are bumped by whichever thread runs the path (the device's softnet worker for RX, the
 * sending thread for TX); like Linux's per-CPU device stats they are kept per thread and summed
 * when read ({@link StripedCounters}).
 */
public final class LinkStats64 {
    public static final String[] NAMES = {
        "rx_packets", "tx_packets", "rx_bytes", "tx_bytes", "rx_errors", "tx_errors", "rx_dropped",
        "tx_dropped", "multicast", "collisions", "rx_length_errors", "rx_over_errors", "rx_crc_errors",
        "rx_frame_errors", "rx_fifo_errors", "rx_missed_errors", "tx_aborted_errors", "tx_carrier_errors",
        "tx_fifo_errors", "tx_heartbeat_errors", "tx_window_errors", "rx_compressed", "tx_compressed",
        "rx_nohandler", "rx_otherhost_dropped",
    };

    public static final int RX_PACKETS = 0;
    public static final int TX_PACKETS = 1;
    public static final int RX_BYTES = 2;
    public static final int TX_BYTES = 3;
    public static final int RX_ERRORS = 4;
    public static final int TX_ERRORS = 5;
    public static final int RX_DROPPED = 6;
    public static final int TX_DROPPED = 7;
    public static final int MULTICAST = 8;
    public static final int COLLISIONS = 9;
    public static final int RX_LENGTH_ERRORS = 10;
    public static final int RX_OVER_ERRORS = 11;
    public static final int RX_CRC_ERRORS = 12;
    public static final int RX_FRAME_ERRORS = 13;
    public static final int RX_FIFO_ERRORS = 14;
    public static final int RX_MISSED_ERRORS = 15;
    public static final int TX_ABORTED_ERRORS = 16;
    public static final int TX_CARRIER_ERRORS = 17;
    public static final int TX_FIFO_ERRORS = 18;
    public static final int TX_HEARTBEAT_ERRORS = 19;
    public static final int TX_WINDOW_ERRORS = 20;
    public static final int RX_COMPRESSED = 21;
    public static final int TX_COMPRESSED = 22;
    public static final int RX_NOHANDLER = 23;
    /** Frames for another host's MAC dropped by the IP layer (Linux 5.19+). */
    public static final int RX_OTHERHOST_DROPPED = 24;

    private final StripedCounters v = new StripedCounters(NAMES.length);

    public void add(int field, long n) {
        v.add(field, n);
    }

    public void inc(int field) {
        v.inc(field);
    }

    /** One received packet of {@code bytes} bytes. */
    public void rx(int bytes) {
        v.add(RX_PACKETS, 1, RX_BYTES, bytes);
    }

    /** One transmitted packet of {@code bytes} bytes. */
    public void tx(int bytes) {
        v.add(TX_PACKETS, 1, TX_BYTES, bytes);
    }

    public long get(int field) {
        return v.get(field);
    }

    public long rxPackets() {
        return get(RX_PACKETS);
    }

    public long txPackets() {
        return get(TX_PACKETS);
    }

    public long rxBytes() {
        return get(RX_BYTES);
    }

    public long txBytes() {
        return get(TX_BYTES);
    }

    public long rxDropped() {
        return get(RX_DROPPED);
    }

    public long txDropped() {
        return get(TX_DROPPED);
    }

    public long rxErrors() {
        return get(RX_ERRORS);
    }

    public long txErrors() {
        return get(TX_ERRORS);
    }
}
