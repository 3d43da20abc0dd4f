package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.net.ipv4.IpSockglue;
import dev.packetflow.net.ipv4.Rtable;
import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.Sock;
import dev.packetflow.net.socket.SockOpts;
import java.nio.charset.StandardCharsets;

import static dev.packetflow.net.ipv4.tcp.TcpSock.*;
import static dev.packetflow.net.socket.Uapi.*;

/**
 * The {@code SOL_TCP} options (Linux's {@code do_tcp_setsockopt()}, {@code do_tcp_getsockopt()}),
 * values in the x86-64 C layout as {@link SockOpts} describes, {@code TCP_INFO} in Linux's
 * {@code struct tcp_info} layout ({@link #TCP_INFO_LEN} bytes).
 */
public final class TcpSockOpts {
    // include/uapi/linux/tcp.h
    public static final int TCP_NODELAY = 1;
    public static final int TCP_MAXSEG = 2;
    public static final int TCP_CORK = 3;
    public static final int TCP_KEEPIDLE = 4;
    public static final int TCP_KEEPINTVL = 5;
    public static final int TCP_KEEPCNT = 6;
    public static final int TCP_SYNCNT = 7;
    public static final int TCP_LINGER2 = 8;
    public static final int TCP_DEFER_ACCEPT = 9;
    public static final int TCP_WINDOW_CLAMP = 10;
    public static final int TCP_INFO = 11;
    public static final int TCP_QUICKACK = 12;
    public static final int TCP_CONGESTION = 13;
    public static final int TCP_USER_TIMEOUT = 18;
    public static final int TCP_NOTSENT_LOWAT = 25;

    /** {@code tcpi_options} bits. */
    public static final int TCPI_OPT_TIMESTAMPS = 1;
    public static final int TCPI_OPT_SACK = 2;
    public static final int TCPI_OPT_WSCALE = 4;

    /** Bytes of Linux's {@code struct tcp_info} as of 6.x. */
    public static final int TCP_INFO_LEN = 248;

    private static final int MAX_TCP_KEEPIDLE = 32767;
    private static final int MAX_TCP_KEEPINTVL = 32767;
    private static final int MAX_TCP_KEEPCNT = 127;
    private static final int MAX_TCP_SYNCNT = 127;

    private TcpSockOpts() {}

    /**
     * Linux: {@code tcp_setsockopt()}: {@code SOL_TCP} here, every other level to the address
     * family's options ({@code ip_setsockopt()}, {@link IpSockglue}).
     */
    static int setsockopt(Tcp tcp, TcpSock tp, int level, int optname, byte[] optval, int optlen) {
        if (level != SOL_TCP) {
            return IpSockglue.setsockopt(tp, level, optname, optval, optlen);
        }
        if (optname == TCP_CONGESTION) {
            if (optval == null || optlen < 1) {
                return Errno.EFAULT.neg();
            }
            int n = 0;
            while (n < Math.min(optlen, optval.length) && optval[n] != 0) {
                n++;
            }
            TcpCong c = TcpCong.byName(new String(optval, 0, n, StandardCharsets.US_ASCII));
            if (c == null) {
                return Errno.ENOENT.neg();
            }
            tp.lockSock();
            try {
                tp.setCongestion(c);
            } finally {
                tp.releaseSock();
            }
            return 0;
        }
        if (optlen < 4) {
            return Errno.EINVAL.neg();
        }
        if (optval == null || optval.length < 4) {
            return Errno.EFAULT.neg();
        }
        int val = SockOpts.intAt(optval, 0);
        tp.lockSock();
        try {
            return setLocked(tcp, tp, optname, val);
        } finally {
            tp.releaseSock();
        }
    }

    private static int setLocked(Tcp tcp, TcpSock tp, int optname, int val) {
        switch (optname) {
            case TCP_MAXSEG -> {
                if (val != 0 && (val < Tcp.TCP_MIN_MSS || val > Tcp.MAX_TCP_WINDOW)) {
                    return Errno.EINVAL.neg();
                }
                tp.userMss = val;
            }
            case TCP_NODELAY -> {
                if (val != 0) {
                    tp.nonagle |= TCP_NAGLE_OFF | TCP_NAGLE_PUSH;
                    tcp.output.pushPendingFrames(tp);
                } else {
                    tp.nonagle &= ~TCP_NAGLE_OFF;
                }
            }
            case TCP_CORK -> {
                if (val != 0) {
                    tp.nonagle |= TCP_NAGLE_CORK;
                } else {
                    tp.nonagle &= ~TCP_NAGLE_CORK;
                    if ((tp.nonagle & TCP_NAGLE_OFF) != 0) {
                        tp.nonagle |= TCP_NAGLE_PUSH;
                    }
                    tcp.output.pushPendingFrames(tp);
                }
            }
            case TCP_KEEPIDLE -> {
                if (val < 1 || val > MAX_TCP_KEEPIDLE) {
                    return Errno.EINVAL.neg();
                }
                tp.keepaliveTime = val;
                if (tp.keepopen && tp.state != TCP_CLOSE && tp.state != TCP_LISTEN) {
                    long elapsed = Math.min(tcp.nowMs() - tp.ackLrcvtimeMs, tcp.nowMs() - tp.rcvTstampMs);
                    long when = tp.keepaliveTimeWhenMs();
                    tcp.timer.resetKeepalive(tp, elapsed < when ? when - elapsed : 0);
                }
            }
            case TCP_KEEPINTVL -> {
                if (val < 1 || val > MAX_TCP_KEEPINTVL) {
                    return Errno.EINVAL.neg();
                }
                tp.keepaliveIntvl = val;
            }
            case TCP_KEEPCNT -> {
                if (val < 1 || val > MAX_TCP_KEEPCNT) {
                    return Errno.EINVAL.neg();
                }
                tp.keepaliveProbes = val;
            }
            case TCP_SYNCNT -> {
                if (val < 1 || val > MAX_TCP_SYNCNT) {
                    return Errno.EINVAL.neg();
                }
                tp.synRetries = val;
            }
            case TCP_LINGER2 -> {
                if (val < 0) {
                    tp.linger2 = -1;
                } else if (val > TcpTimer.TCP_TIMEWAIT_LEN_MS / 1000) {
                    tp.linger2 = TcpTimer.TCP_TIMEWAIT_LEN_MS / 1000;
                } else {
                    tp.linger2 = val;
                }
            }
            case TCP_DEFER_ACCEPT -> tp.deferAccept = secsToRetrans(Math.max(val, 0),
                    TcpTimer.TCP_TIMEOUT_INIT_MS / 1000, TcpTimer.TCP_RTO_MAX_MS / 1000);
            case TCP_WINDOW_CLAMP -> {
                if (val == 0) {
                    if (tp.state != TCP_CLOSE) {
                        return Errno.EINVAL.neg();
                    }
                    tp.windowClamp = 0;
                    tp.userWindowClamp = 0;
                } else {
                    int v = Math.max(val, Sock.SOCK_MIN_RCVBUF / 2);
                    tp.userWindowClamp = v;
                    tp.windowClamp = v;
                    tp.rcvSsthresh = Math.min(tp.rcvWnd, v);
                }
            }
            case TCP_QUICKACK -> {
                if (val == 0) {
                    tp.ackPingpong = 1;
                } else {
                    tp.ackPingpong = 0;
                    if ((tp.state == TCP_ESTABLISHED || tp.state == TCP_CLOSE_WAIT)
                            && (tp.ackPending & ICSK_ACK_SCHED) != 0) {
                        tp.ackPending |= ICSK_ACK_PUSHED;
                        tcp.stream.cleanupRbuf(tp, 1);
                        if ((val & 1) == 0) {
                            tp.ackPingpong = 1;
                        }
                    }
                }
            }
            case TCP_USER_TIMEOUT -> {
                if (val < 0) {
                    return Errno.EINVAL.neg();
                }
                tp.userTimeoutMs = val;
            }
            case TCP_NOTSENT_LOWAT -> {
                if (val < 0) {
                    return Errno.EINVAL.neg();
                }
                // accepted; the stack-wide tcp_notsent_lowat governs
            }
            default -> {
                return Errno.ENOPROTOOPT.neg();
            }
        }
        return 0;
    }

    /** Linux: {@code secs_to_retrans()}: how many backed-off retransmissions fit in {@code seconds}. */
    private static int secsToRetrans(int seconds, int timeout, int rtoMax) {
        int res = 0;
        if (seconds > 0) {
            int period = timeout;
            res = 1;
            while (seconds > period && res < 255) {
                res++;
                timeout <<= 1;
                if (timeout > rtoMax) {
                    timeout = rtoMax;
                }
                period += timeout;
            }
        }
        return res;
    }

    private static int retransToSecs(int retrans, int timeout, int rtoMax) {
        int period = 0;
        if (retrans > 0) {
            period = timeout;
            while (--retrans > 0) {
                timeout <<= 1;
                if (timeout > rtoMax) {
                    timeout = rtoMax;
                }
                period += timeout;
            }
        }
        return period;
    }

    /**
     * Linux: {@code tcp_getsockopt()}; other levels go to {@code ip_getsockopt()}, whose
     * {@code IP_MTU} is the MTU of the connection's cached route ({@code sk_dst_get()}).
     */
    static int getsockopt(Tcp tcp, TcpSock tp, int level, int optname, byte[] optval, int[] optlen) {
        if (level != SOL_TCP) {
            Rtable dst = tp.dst;
            int mtu = dst != null ? dst.mtu() : 0;
            return IpSockglue.getsockopt(tp, level, optname, optval, optlen, tcp.net().ipv4().ipDefaultTtl(), mtu);
        }
        if (optlen == null || optlen.length < 1) {
            return Errno.EFAULT.neg();
        }
        int len = optlen[0];
        if (len < 0) {
            return Errno.EINVAL.neg();
        }
        byte[] v;
        switch (optname) {
            case TCP_INFO -> v = tcpInfo(tcp, tp);
            case TCP_CONGESTION -> {
                byte[] name = tp.congestionControl().getBytes(StandardCharsets.US_ASCII);
                v = new byte[16];
                System.arraycopy(name, 0, v, 0, name.length);
            }
            default -> {
                int val;
                switch (optname) {
                    case TCP_MAXSEG -> {
                        val = tp.mssCache;
                        if (tp.userMss != 0 && (tp.state == TCP_CLOSE || tp.state == TCP_LISTEN)) {
                            val = tp.userMss;
                        }
                    }
                    case TCP_NODELAY -> val = (tp.nonagle & TCP_NAGLE_OFF) != 0 ? 1 : 0;
                    case TCP_CORK -> val = (tp.nonagle & TCP_NAGLE_CORK) != 0 ? 1 : 0;
                    case TCP_KEEPIDLE -> val = (int) (tp.keepaliveTimeWhenMs() / 1000);
                    case TCP_KEEPINTVL -> val = (int) (tp.keepaliveIntvlWhenMs() / 1000);
                    case TCP_KEEPCNT -> val = tp.keepaliveProbes();
                    case TCP_SYNCNT -> val = tp.synRetries != 0 ? tp.synRetries : tp.sysctl.synRetries;
                    case TCP_LINGER2 -> val = tp.linger2 == 0 ? tp.sysctl.finTimeout : Math.max(tp.linger2, -1);
                    case TCP_DEFER_ACCEPT -> val = retransToSecs(tp.deferAccept, TcpTimer.TCP_TIMEOUT_INIT_MS / 1000,
                            TcpTimer.TCP_RTO_MAX_MS / 1000);
                    case TCP_WINDOW_CLAMP -> val = tp.windowClamp;
                    case TCP_QUICKACK -> val = tp.ackPingpong == 0 ? 1 : 0;
                    case TCP_USER_TIMEOUT -> val = tp.userTimeoutMs;
                    case TCP_NOTSENT_LOWAT -> val = tp.sysctl.notsentLowat;
                    default -> {
                        return Errno.ENOPROTOOPT.neg();
                    }
                }
                v = SockOpts.intOpt(val);
            }
        }
        if (len > v.length) {
            len = v.length;
        }
        if (len > 0 && (optval == null || optval.length < len)) {
            return Errno.EFAULT.neg();
        }
        if (len > 0) {
            System.arraycopy(v, 0, optval, 0, len);
        }
        optlen[0] = len;
        return 0;
    }

    /** Linux: {@code tcp_get_info()}: {@code struct tcp_info} in x86-64 layout. */
    static byte[] tcpInfo(Tcp tcp, TcpSock tp) {
        byte[] b = new byte[TCP_INFO_LEN];
        long nowMs = tcp.nowMs();
        int st = tp.state;
        b[0] = (byte) st;
        if (st == TCP_LISTEN) {
            SockOpts.putInt(b, 24, tp.acceptQlen);
            SockOpts.putInt(b, 28, tp.maxAckBacklog);
            return b;
        }
        b[1] = (byte) tp.caState;
        b[2] = (byte) tp.retransmits;
        b[3] = (byte) tp.probesOut;
        b[4] = (byte) tp.backoff;
        int opts = 0;
        if (tp.tstampOk) {
            opts |= TCPI_OPT_TIMESTAMPS;
        }
        if (tp.sackOk != 0) {
            opts |= TCPI_OPT_SACK;
        }
        if (tp.wscaleOk) {
            opts |= TCPI_OPT_WSCALE;
            b[6] = (byte) ((tp.sndWscale & 0xf) | ((tp.rcvWscale & 0xf) << 4));
        }
        b[5] = (byte) opts;
        SockOpts.putInt(b, 8, tp.rto * 1000);
        SockOpts.putInt(b, 12, Math.min(tp.ackAto, TcpTimer.TCP_DELACK_MAX_MS) * 1000);
        SockOpts.putInt(b, 16, tp.mssCache);
        SockOpts.putInt(b, 20, tp.ackRcvMss);
        SockOpts.putInt(b, 24, tp.packetsOut);
        SockOpts.putInt(b, 28, tp.sackedOut);
        SockOpts.putInt(b, 32, tp.lostOut);
        SockOpts.putInt(b, 36, tp.retransOut);
        SockOpts.putInt(b, 44, (int) (nowMs - tp.lsndtimeMs));
        SockOpts.putInt(b, 52, (int) (nowMs - tp.ackLrcvtimeMs));
        SockOpts.putInt(b, 56, (int) (nowMs - tp.rcvTstampMs));
        SockOpts.putInt(b, 60, tp.pmtuCookie);
        SockOpts.putInt(b, 64, tp.rcvSsthresh);
        SockOpts.putInt(b, 68, tp.srttUs >>> 3);
        SockOpts.putInt(b, 72, tp.mdevUs >> 2);
        SockOpts.putInt(b, 76, tp.sndSsthresh);
        SockOpts.putInt(b, 80, tp.sndCwnd);
        SockOpts.putInt(b, 84, tp.advmss);
        SockOpts.putInt(b, 88, tp.reordering);
        SockOpts.putInt(b, 92, tp.rcvRttEstRttUs >>> 3);
        SockOpts.putInt(b, 96, tp.rcvqSpaceSpace);
        SockOpts.putInt(b, 100, tp.totalRetrans);
        SockOpts.putLong(b, 104, -1L);
        SockOpts.putLong(b, 112, -1L);
        SockOpts.putLong(b, 120, tp.bytesAcked);
        SockOpts.putLong(b, 128, tp.bytesReceived);
        SockOpts.putInt(b, 136, tp.segsOut);
        SockOpts.putInt(b, 140, tp.segsIn);
        SockOpts.putInt(b, 144, Math.max(0, tp.writeSeq - tp.sndNxt));
        SockOpts.putInt(b, 148, tp.minRttUs());
        SockOpts.putInt(b, 152, tp.dataSegsIn);
        SockOpts.putInt(b, 156, tp.dataSegsOut);
        SockOpts.putInt(b, 192, tp.delivered);
        SockOpts.putLong(b, 200, tp.bytesSent);
        SockOpts.putLong(b, 208, tp.bytesRetrans);
        SockOpts.putInt(b, 216, tp.dsackDups);
        SockOpts.putInt(b, 220, tp.reordSeen);
        SockOpts.putInt(b, 224, tp.rcvOoopack);
        SockOpts.putInt(b, 228, tp.sndWnd);
        SockOpts.putInt(b, 232, tp.rcvWnd);
        return b;
    }
}
