package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.net.core.Mib;
import dev.packetflow.net.ipv4.Rtable;

import static dev.packetflow.net.ipv4.tcp.TcpHeader.*;
import static dev.packetflow.net.ipv4.tcp.TcpSock.*;
import static dev.packetflow.net.ipv4.tcp.TcpSkbCb.*;

/**
 * What TCP offers and assumes: the receive window to advertise (never shrinking it, RFC 9293
 * 3.8.6.2.2; receiver-side silly window avoidance; window scaling, RFC 7323), buffer space as
 * window, and the MSS from the path MTU. Linux: {@code net/ipv4/tcp_output.c}
 * ({@code tcp_select_window()}, {@code __tcp_select_window()}, {@code tcp_select_initial_window()},
 * {@code tcp_sync_mss()}, {@code tcp_current_mss()}), {@code include/net/tcp.h} ({@code tcp_space()},
 * {@code tcp_full_space()}, {@code tcp_win_from_space()}).
 */
final class TcpWindow {
    private final Tcp tcp;
    private final Mib ext;

    TcpWindow(Tcp tcp) {
        this.tcp = tcp;
        this.ext = tcp.extMib();
    }

    // ================================================================ windows and MSS

    /**
     * Linux: {@code tcp_select_window()}: the window field for an outgoing segment, never shrinking
     * the window already offered (RFC 9293 3.8.6.2.2), scaled.
     */
    int selectWindow(TcpSock tp) {
        int oldWin = tp.rcvWnd;
        if ((tp.ackPending & ICSK_ACK_NOMEM) != 0) {
            tp.predFlags = 0;
            tp.rcvWnd = 0;
            tp.rcvWup = tp.rcvNxt;
            return 0;
        }
        int curWin = tp.receiveWindow();
        int newWin = selectWindowInner(tp);
        if (newWin < curWin) {
            if (newWin == 0) {
                ext.inc(TcpMib.WANT_ZERO_WINDOW_ADV);
            }
            int align = 1 << tp.rcvWscale;
            newWin = (curWin + align - 1) & -align;
        }
        tp.rcvWnd = newWin;
        tp.rcvWup = tp.rcvNxt;
        if (tp.rcvWscale == 0 && tp.sysctl.workaroundSignedWindows != 0) {
            newWin = Math.min(newWin, Tcp.MAX_TCP_WINDOW);
        } else {
            newWin = (int) Math.min(newWin & 0xffffffffL, 65535L << tp.rcvWscale);
        }
        newWin >>>= tp.rcvWscale;
        if (newWin == 0) {
            tp.predFlags = 0;
            if (oldWin != 0) {
                ext.inc(TcpMib.TO_ZERO_WINDOW_ADV);
            }
        } else if (oldWin == 0) {
            ext.inc(TcpMib.FROM_ZERO_WINDOW_ADV);
        }
        return newWin;
    }

    /**
     * Linux: {@code __tcp_select_window()}: the window the free receive space allows, moving to
     * zero when little is left (receiver silly window syndrome avoidance, RFC 9293 3.8.6.2.2), a
     * multiple of the MSS without window scaling.
     */
    int selectWindowInner(TcpSock tp) {
        int mss = tp.ackRcvMss;
        int freeSpace = space(tp);
        int allowedSpace = fullSpace(tp);
        int fullSpace = Math.min(tp.windowClamp, allowedSpace);
        if (mss > fullSpace) {
            mss = fullSpace;
            if (mss <= 0) {
                return 0;
            }
        }
        if (freeSpace < (fullSpace >> 1)) {
            tp.ackQuick = 0;
            freeSpace &= -(1 << tp.rcvWscale);
            if (freeSpace < (allowedSpace >> 4) || freeSpace < mss) {
                return 0;
            }
        }
        if (freeSpace > tp.rcvSsthresh) {
            freeSpace = tp.rcvSsthresh;
        }
        int window;
        if (tp.rcvWscale != 0) {
            int align = 1 << tp.rcvWscale;
            window = (freeSpace + align - 1) & -align;
        } else {
            window = tp.rcvWnd;
            if (window <= freeSpace - mss || window > freeSpace) {
                window = (freeSpace / mss) * mss;
            } else if (mss == fullSpace && freeSpace > window + (fullSpace >> 1)) {
                window = freeSpace;
            }
        }
        return window;
    }

    /** Linux: {@code tcp_win_from_space()}: bytes of window a buffer of {@code space} bytes backs. */
    static int winFromSpace(TcpSock tp, int space) {
        return (int) (((long) space * tp.scalingRatio) >> 8);
    }

    /** Linux: {@code tcp_space_from_win()}. */
    static int spaceFromWin(TcpSock tp, int win) {
        return (int) (((long) win << 8) / tp.scalingRatio);
    }

    /** Linux: {@code tcp_space()}: window the free receive buffer backs (may be negative). */
    static int space(TcpSock tp) {
        return winFromSpace(tp, tp.rcvbuf - tp.rmemAlloc);
    }

    /** Linux: {@code tcp_full_space()}. */
    static int fullSpace(TcpSock tp) {
        return winFromSpace(tp, tp.rcvbuf);
    }

    /**
     * Linux: {@code tcp_select_initial_window()}: the window of our SYN or SYN-ACK and the window
     * scale, chosen so that the largest buffer the socket could grow to can be advertised.
     * Returns {@code {rcvWnd, windowClamp, rcvWscale}}.
     */
    static int[] selectInitialWindow(TcpSysctl sysctl, int rmemMax, int space, int mss, int windowClamp,
            boolean wscaleOk, int initRcvWnd) {
        long sp = Math.max(space, 0);
        long clamp = windowClamp == 0 ? (65535L << Tcp.TCP_MAX_WSCALE) : windowClamp & 0xffffffffL;
        sp = Math.min(clamp, sp);
        if (sp > mss) {
            sp = (sp / mss) * mss;
        }
        // the initial window fits the unscaled field; it grows later (tcp_grow_window)
        long rcvWnd = sysctl.workaroundSignedWindows != 0 ? Math.min(sp, Tcp.MAX_TCP_WINDOW) : Math.min(sp, 65535);
        if (initRcvWnd != 0) {
            rcvWnd = Math.min(rcvWnd, (long) initRcvWnd * mss);
        }
        int wscale = 0;
        if (wscaleOk) {
            long s = Math.max(sp, sysctl.tcpRmem[2]);
            s = Math.max(s, rmemMax);
            s = Math.min(s, clamp);
            int ilog = 63 - Long.numberOfLeadingZeros(Math.max(s, 1));
            wscale = Math.clamp(ilog - 15, 0, Tcp.TCP_MAX_WSCALE);
        }
        clamp = Math.min(65535L << wscale, clamp);
        return new int[] {(int) rcvWnd, (int) clamp, wscale};
    }

    /** Linux: {@code __tcp_mtu_to_mss()} then {@code tcp_mtu_to_mss()}. */
    int mtuToMss(TcpSock tp, int pmtu) {
        int mss = pmtu - Tcp.TCP_IPV4_OVERHEAD;
        if (mss > tp.mssClamp) {
            mss = tp.mssClamp;
        }
        mss = Math.max(mss, tp.sysctl.minSndMss);
        return mss - (tp.tcpHeaderLen - MIN_LEN);
    }

    /** Linux: {@code tcp_sync_mss()}: the MSS for path MTU {@code pmtu}, cached in {@code mssCache}. */
    int syncMss(TcpSock tp, int pmtu) {
        int mss = mtuToMss(tp, pmtu);
        // tcp_bound_to_half_wnd()
        int cutoff = tp.maxWindow > Tcp.TCP_MSS_DEFAULT ? tp.maxWindow >> 1 : tp.maxWindow;
        if (cutoff != 0 && mss > cutoff) {
            mss = Math.max(cutoff, 68 - tp.tcpHeaderLen);
        }
        tp.pmtuCookie = pmtu;
        tp.mssCache = mss;
        return mss;
    }

    /**
     * Linux: {@code tcp_current_mss()}: the payload that fits a segment now, given the path MTU and
     * the options this segment will carry (SACK blocks shrink it).
     */
    int currentMss(TcpSock tp) {
        int mss = tp.mssCache;
        Rtable rt = tp.dst;
        if (rt != null) {
            int mtu = rt.mtu();
            if (mtu != tp.pmtuCookie) {
                mss = syncMss(tp, mtu);
            }
        }
        int headerLen = tcp.output.establishedOptionsLen(tp) + MIN_LEN;
        if (headerLen != tp.tcpHeaderLen) {
            mss -= headerLen - tp.tcpHeaderLen;
        }
        return mss;
    }
}
