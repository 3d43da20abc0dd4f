package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.kernel.time.TimerList;

/**
 * A connection in TIME_WAIT (or an orphan's FIN_WAIT2): what remains of a closed connection for
 * 2MSL (60 s, Linux's {@code TCP_TIMEWAIT_LEN}) so that late segments of it are answered
 * correctly and cannot be taken for a new incarnation (RFC 9293 3.6.1). It keeps only the sequence
 * numbers, window, timestamps and the 4-tuple; the full sock is freed.
 *
 * <p>Linux: {@code include/net/inet_timewait_sock.h}, {@code include/linux/tcp.h struct tcp_timewait_sock}.
 */
final class TcpTimewaitSock {
    final Tcp tcp;
    final TimerList timer;
    TcpHashinfo.Entry ehashEntry;
    /** TCP_TIME_WAIT or TCP_FIN_WAIT2. */
    volatile int substate;
    int laddr;
    int lport;
    int faddr;
    int fport;
    int boundDevIf;
    boolean reuse;
    boolean reuseport;
    /** Its port was chosen by connect() ({@link TcpSock#connectBound}). */
    boolean connectBound;
    int rcvNxt;
    int sndNxt;
    int rcvWnd;
    int rcvWscale;
    int tsRecent;
    long tsRecentStampSec;
    int tsOffset;
    boolean tstampOk;
    long lastOowAckTimeMs;
    /** The connection's TOS, for the ACKs sent in its name (Linux: {@code tw_tos}). */
    int tos;
    boolean dead;

    TcpTimewaitSock(Tcp tcp) {
        this.tcp = tcp;
        this.timer = new TimerList(TcpMinisocks::twTimer, this);
    }

    @Override
    public String toString() {
        return "tw[" + dev.packetflow.net.ipv4.InetAddr.toString(laddr) + ":" + lport + " -> "
                + dev.packetflow.net.ipv4.InetAddr.toString(faddr) + ":" + fport + " "
                + TcpSock.stateName(substate) + "]";
    }
}
