package dev.packetflow.net.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Per-device statistics with the fields and names of Linux's {@code struct rtnl_link_stats64}
 * ({@code include/uapi/linux/if_link.h}), what {@code ip -s link} prints.
 *
 * <p>Counters are bumped by whichever thread runs the path (the device's softnet worker for RX, the
 * sending thread for TX), so they are updated atomically; uncontended that is one locked add.
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

    private static final VarHandle ARR = MethodHandles.arrayElementVarHandle(long[].class);
    private final long[] v = new long[NAMES.length];

    public void add(int field, long n) {
        ARR.getAndAdd(v, field, n);
    }

    public void inc(int field) {
        ARR.getAndAdd(v, field, 1L);
    }

    /** One received packet of {@code bytes} bytes. */
    public void rx(int bytes) {
        inc(RX_PACKETS);
        add(RX_BYTES, bytes);
    }

    /** One transmitted packet of {@code bytes} bytes. */
    public void tx(int bytes) {
        inc(TX_PACKETS);
        add(TX_BYTES, bytes);
    }

    public long get(int field) {
        return (long) ARR.getVolatile(v, field);
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
