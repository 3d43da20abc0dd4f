package dev.packetflow.drill;

import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.Uapi;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.Map;

/**
 * The symbolic constants scripts use, by name, with Linux's x86-64 values: everything in
 * {@link Uapi}, the {@code SOL_TCP}/{@code SOL_IP} option names of {@code include/uapi/linux/tcp.h}
 * and {@code in.h} (which the socket layer leaves to the protocols), and the errno names.
 */
public final class Symbols {
    private static final Map<String, Long> VALUES = build();

    private Symbols() {}

    private static Map<String, Long> build() {
        Map<String, Long> m = new HashMap<>();
        for (Field f : Uapi.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) {
                try {
                    m.put(f.getName(), (long) f.getInt(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        m.put("IPPROTO_IPV6", 41L);
        m.put("SOL_IPV6", 41L);
        m.put("IPPROTO_ICMPV6", 58L);
        m.put("IPPROTO_MPTCP", 262L);
        // include/uapi/linux/tcp.h
        String[] tcp = {
            null, "TCP_NODELAY", "TCP_MAXSEG", "TCP_CORK", "TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPCNT", "TCP_SYNCNT",
            "TCP_LINGER2", "TCP_DEFER_ACCEPT", "TCP_WINDOW_CLAMP", "TCP_INFO", "TCP_QUICKACK", "TCP_CONGESTION",
            "TCP_MD5SIG", null, "TCP_THIN_LINEAR_TIMEOUTS", "TCP_THIN_DUPACK", "TCP_USER_TIMEOUT", "TCP_REPAIR",
            "TCP_REPAIR_QUEUE", "TCP_QUEUE_SEQ", "TCP_REPAIR_OPTIONS", "TCP_FASTOPEN", "TCP_TIMESTAMP",
            "TCP_NOTSENT_LOWAT", "TCP_CC_INFO", "TCP_SAVE_SYN", "TCP_SAVED_SYN", "TCP_REPAIR_WINDOW",
            "TCP_FASTOPEN_CONNECT", "TCP_ULP", "TCP_MD5SIG_EXT", "TCP_FASTOPEN_KEY", "TCP_FASTOPEN_NO_COOKIE",
            "TCP_ZEROCOPY_RECEIVE", "TCP_INQ", "TCP_TX_DELAY"};
        for (int i = 0; i < tcp.length; i++) {
            if (tcp[i] != null) {
                m.put(tcp[i], (long) i);
            }
        }
        // include/uapi/linux/in.h
        m.put("IP_TOS", 1L);
        m.put("IP_TTL", 2L);
        m.put("IP_HDRINCL", 3L);
        m.put("IP_OPTIONS", 4L);
        m.put("IP_RECVERR", 11L);
        m.put("IP_MTU_DISCOVER", 10L);
        m.put("IP_MTU", 14L);
        m.put("IP_FREEBIND", 15L);
        m.put("IP_PMTUDISC_DONT", 0L);
        m.put("IP_PMTUDISC_WANT", 1L);
        m.put("IP_PMTUDISC_DO", 2L);
        m.put("IP_PMTUDISC_PROBE", 3L);
        m.put("IPV6_RECVERR", 25L);
        m.put("IPV6_TCLASS", 67L);
        // include/uapi/linux/tcp.h: tcp_ca_state and TCPI_OPT_* for code blocks
        m.put("TCP_CA_Open", 0L);
        m.put("TCP_CA_Disorder", 1L);
        m.put("TCP_CA_CWR", 2L);
        m.put("TCP_CA_Recovery", 3L);
        m.put("TCP_CA_Loss", 4L);
        m.put("TCPI_OPT_TIMESTAMPS", 1L);
        m.put("TCPI_OPT_SACK", 2L);
        m.put("TCPI_OPT_WSCALE", 4L);
        m.put("TCPI_OPT_ECN", 8L);
        m.put("TCPI_OPT_ECN_SEEN", 16L);
        m.put("TCPI_OPT_SYN_DATA", 32L);
        m.put("TCPI_OPT_USEC_TS", 64L);
        String[] states = {null, "TCP_ESTABLISHED", "TCP_SYN_SENT", "TCP_SYN_RECV", "TCP_FIN_WAIT1", "TCP_FIN_WAIT2",
            "TCP_TIME_WAIT", "TCP_CLOSE", "TCP_CLOSE_WAIT", "TCP_LAST_ACK", "TCP_LISTEN", "TCP_CLOSING"};
        for (int i = 1; i < states.length; i++) {
            m.put(states[i], (long) i);
        }
        m.put("FIONREAD", (long) Uapi.FIONREAD);
        m.put("SIOCINQ", (long) Uapi.SIOCINQ);
        m.put("SIOCOUTQ", (long) Uapi.SIOCOUTQ);
        m.put("MSG_EOR", (long) Uapi.MSG_EOR);
        m.put("EPOLL_CLOEXEC", (long) Uapi.EPOLL_CLOEXEC);
        m.put("NULL", 0L);
        for (Errno e : Errno.values()) {
            m.put(e.name(), (long) e.code);
        }
        m.put("EWOULDBLOCK", (long) Errno.EAGAIN.code);
        m.put("ENOTSUP", (long) Errno.EOPNOTSUPP.code);
        return Map.copyOf(m);
    }

    /** The value of {@code name}, or null when it is not a known constant. */
    public static Long value(String name) {
        return VALUES.get(name);
    }

    /** The errno for an errno name ({@code EAGAIN}, {@code EWOULDBLOCK}), or null. */
    public static Errno errno(String name) {
        return switch (name) {
            case "EWOULDBLOCK" -> Errno.EAGAIN;
            case "ENOTSUP" -> Errno.EOPNOTSUPP;
            default -> {
                try {
                    yield Errno.valueOf(name);
                } catch (IllegalArgumentException e) {
                    yield null;
                }
            }
        };
    }
}
