package dev.packetflow.drill;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decodes Linux's {@code struct tcp_info} ({@code include/uapi/linux/tcp.h}, x86-64 layout, native
 * little-endian as {@code getsockopt(TCP_INFO)} returns it) into the {@code tcpi_*} variables code
 * blocks read. Fields beyond the returned length are absent.
 */
final class TcpInfo {
    private TcpInfo() {}

    /** Field name, offset, size in bytes (1, 2, 4, 8); the 4-bit wscale fields are special-cased. */
    private static final Object[][] LAYOUT = {
        {"tcpi_state", 0, 1}, {"tcpi_ca_state", 1, 1}, {"tcpi_retransmits", 2, 1}, {"tcpi_probes", 3, 1},
        {"tcpi_backoff", 4, 1}, {"tcpi_options", 5, 1},
        {"tcpi_rto", 8, 4}, {"tcpi_ato", 12, 4}, {"tcpi_snd_mss", 16, 4}, {"tcpi_rcv_mss", 20, 4},
        {"tcpi_unacked", 24, 4}, {"tcpi_sacked", 28, 4}, {"tcpi_lost", 32, 4}, {"tcpi_retrans", 36, 4},
        {"tcpi_fackets", 40, 4},
        {"tcpi_last_data_sent", 44, 4}, {"tcpi_last_ack_sent", 48, 4}, {"tcpi_last_data_recv", 52, 4},
        {"tcpi_last_ack_recv", 56, 4},
        {"tcpi_pmtu", 60, 4}, {"tcpi_rcv_ssthresh", 64, 4}, {"tcpi_rtt", 68, 4}, {"tcpi_rttvar", 72, 4},
        {"tcpi_snd_ssthresh", 76, 4}, {"tcpi_snd_cwnd", 80, 4}, {"tcpi_advmss", 84, 4}, {"tcpi_reordering", 88, 4},
        {"tcpi_rcv_rtt", 92, 4}, {"tcpi_rcv_space", 96, 4}, {"tcpi_total_retrans", 100, 4},
        {"tcpi_pacing_rate", 104, 8}, {"tcpi_max_pacing_rate", 112, 8}, {"tcpi_bytes_acked", 120, 8},
        {"tcpi_bytes_received", 128, 8}, {"tcpi_segs_out", 136, 4}, {"tcpi_segs_in", 140, 4},
        {"tcpi_notsent_bytes", 144, 4}, {"tcpi_min_rtt", 148, 4}, {"tcpi_data_segs_in", 152, 4},
        {"tcpi_data_segs_out", 156, 4}, {"tcpi_delivery_rate", 160, 8}, {"tcpi_busy_time", 168, 8},
        {"tcpi_rwnd_limited", 176, 8}, {"tcpi_sndbuf_limited", 184, 8}, {"tcpi_delivered", 192, 4},
        {"tcpi_delivered_ce", 196, 4}, {"tcpi_bytes_sent", 200, 8}, {"tcpi_bytes_retrans", 208, 8},
        {"tcpi_dsack_dups", 216, 4}, {"tcpi_reord_seen", 220, 4}, {"tcpi_rcv_ooopack", 224, 4},
        {"tcpi_snd_wnd", 228, 4}, {"tcpi_rcv_wnd", 232, 4}, {"tcpi_rehash", 236, 4},
        {"tcpi_total_rto", 240, 2}, {"tcpi_total_rto_recoveries", 242, 2}, {"tcpi_total_rto_time", 244, 4},
    };

    /** Size of the struct as far as {@link #LAYOUT} knows it. */
    static final int SIZE = 248;

    /** The fields present in {@code len} bytes of {@code b}. */
    static Map<String, Long> decode(byte[] b, int len) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Object[] f : LAYOUT) {
            int off = (Integer) f[1];
            int size = (Integer) f[2];
            if (off + size > len) {
                continue;
            }
            long v = 0;
            for (int i = size - 1; i >= 0; i--) {
                v = v << 8 | (b[off + i] & 0xff);
            }
            m.put((String) f[0], v);
        }
        if (len > 7) {
            m.put("tcpi_snd_wscale", (long) (b[6] & 0x0f));
            m.put("tcpi_rcv_wscale", (long) ((b[6] >>> 4) & 0x0f));
            m.put("tcpi_delivery_rate_app_limited", (long) (b[7] & 1));
            m.put("tcpi_fastopen_client_fail", (long) ((b[7] >>> 1) & 3));
        }
        return m;
    }
}
