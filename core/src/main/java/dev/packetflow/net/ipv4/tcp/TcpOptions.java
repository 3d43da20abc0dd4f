package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.net.core.SkBuff;

import static dev.packetflow.net.ipv4.tcp.TcpHeader.*;

/**
 * Options of a received segment (Linux's {@code struct tcp_options_received}). Established
 * connections parse into their {@link TcpSock} fields directly; handshakes on a listener use one of
 * these.
 *
 * <p>Linux: {@code tcp_parse_options()}: malformed options end parsing silently (a length below two,
 * or running past the header), as RFC 9293 3.1 asks ("be prepared to handle an illegal option
 * length"); each option is honoured only with its exact length and where it belongs (MSS, window
 * scale and SACK-permitted on SYNs; timestamps if negotiated).
 */
final class TcpOptions {
    boolean sawTstamp;
    int rcvTsval;
    int rcvTsecr;
    boolean wscaleOk;
    int sndWscale;
    boolean sackOk;
    int mssClamp;
    /** Offset of a SACK option from the TCP header, 0 when absent. */
    int sackOffset;

    void clear() {
        sawTstamp = false;
        rcvTsval = 0;
        rcvTsecr = 0;
        wscaleOk = false;
        sndWscale = 0;
        sackOk = false;
        mssClamp = 0;
        sackOffset = 0;
    }

    /**
     * Parses the options of the header at {@code th}. {@code estab}: after the handshake (only
     * timestamps, if {@code tstampOk}, and SACK blocks, if {@code sackEnabled}, count then).
     */
    void parse(SkBuff s, int th, boolean estab, boolean tstampOk, boolean sackEnabled, TcpSysctl sysctl,
            int userMss) {
        int doff = TcpHeader.doff(s, th);
        boolean syn = (TcpHeader.flags(s, th) & SYN) != 0;
        int p = th + MIN_LEN;
        int end = th + doff;
        sawTstamp = false;
        while (p < end) {
            int kind = s.u8(p);
            if (kind == TCPOPT_EOL) {
                return;
            }
            if (kind == TCPOPT_NOP) {
                p++;
                continue;
            }
            if (end - p < 2) {
                return;
            }
            int size = s.u8(p + 1);
            if (size < 2 || size > end - p) {
                return;
            }
            switch (kind) {
                case TCPOPT_MSS -> {
                    if (size == TCPOLEN_MSS && syn && !estab) {
                        int in = s.u16(p + 2);
                        if (in != 0) {
                            if (userMss != 0 && userMss < in) {
                                in = userMss;
                            }
                            mssClamp = in;
                        }
                    }
                }
                case TCPOPT_WINDOW -> {
                    if (size == TCPOLEN_WINDOW && syn && !estab && sysctl.windowScaling != 0) {
                        wscaleOk = true;
                        sndWscale = Math.min(s.u8(p + 2), Tcp.TCP_MAX_WSCALE);
                    }
                }
                case TCPOPT_TIMESTAMP -> {
                    if (size == TCPOLEN_TIMESTAMP && ((estab && tstampOk) || (!estab && sysctl.timestamps != 0))) {
                        sawTstamp = true;
                        rcvTsval = s.u32(p + 2);
                        rcvTsecr = s.u32(p + 6);
                    }
                }
                case TCPOPT_SACK_PERM -> {
                    if (size == TCPOLEN_SACK_PERM && syn && !estab && sysctl.sack != 0) {
                        sackOk = true;
                    }
                }
                case TCPOPT_SACK -> {
                    if (size >= TCPOLEN_SACK_BASE + TCPOLEN_SACK_PERBLOCK
                            && (size - TCPOLEN_SACK_BASE) % TCPOLEN_SACK_PERBLOCK == 0 && sackEnabled) {
                        sackOffset = p - th;
                    }
                }
                default -> {
                }
            }
            p += size;
        }
    }
}
