package dev.packetflow.net.ipv4;

import dev.packetflow.net.socket.Errno;

/**
 * What an ICMP "destination unreachable" code means to a socket: the errno it reports and whether
 * the error is hard (fatal: reported to a connected socket at once) or soft (only remembered, or
 * reported with {@code IP_RECVERR}). RFC 1122 4.1.3.3 and 4.2.3.9 say which are which.
 *
 * <p>Linux: {@code net/ipv4/icmp.c icmp_err_convert[]}.
 */
public final class IcmpErr {
    private static final Errno[] ERRNO = {
        Errno.ENETUNREACH, // ICMP_NET_UNREACH
        Errno.EHOSTUNREACH, // ICMP_HOST_UNREACH
        Errno.ENOPROTOOPT, // ICMP_PROT_UNREACH
        Errno.ECONNREFUSED, // ICMP_PORT_UNREACH
        Errno.EMSGSIZE, // ICMP_FRAG_NEEDED
        Errno.EOPNOTSUPP, // ICMP_SR_FAILED
        Errno.ENETUNREACH, // ICMP_NET_UNKNOWN
        Errno.EHOSTDOWN, // ICMP_HOST_UNKNOWN
        Errno.ENONET, // ICMP_HOST_ISOLATED
        Errno.ENETUNREACH, // ICMP_NET_ANO
        Errno.EHOSTUNREACH, // ICMP_HOST_ANO
        Errno.ENETUNREACH, // ICMP_NET_UNR_TOS
        Errno.EHOSTUNREACH, // ICMP_HOST_UNR_TOS
        Errno.EHOSTUNREACH, // ICMP_PKT_FILTERED
        Errno.EHOSTUNREACH, // ICMP_PREC_VIOLATION
        Errno.EHOSTUNREACH, // ICMP_PREC_CUTOFF
    };
    private static final boolean[] FATAL = {
        false, false, true, true, false, false, true, true, true, true, true, false, false, true, true, true,
    };

    private IcmpErr() {}

    /** The positive errno for unreachable code {@code code} (0..15); EHOSTUNREACH beyond. */
    public static int errno(int code) {
        return code >= 0 && code < ERRNO.length ? ERRNO[code].code : Errno.EHOSTUNREACH.code;
    }

    /** Whether unreachable code {@code code} is a hard error; false beyond the table. */
    public static boolean fatal(int code) {
        return code >= 0 && code < FATAL.length && FATAL[code];
    }
}
