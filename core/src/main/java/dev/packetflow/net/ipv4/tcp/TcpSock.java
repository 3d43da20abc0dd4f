package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.kernel.time.TimerList;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.SkBuffHead;
import dev.packetflow.net.ipv4.Rtable;
import dev.packetflow.net.socket.Sock;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * One TCP connection (or listener): Linux's {@code struct tcp_sock} with the
 * {@code struct inet_connection_sock} it embeds. Every field a segment touches is a plain field,
 * preallocated with the sock (SACK block arrays, timers, queues), so the established path
 * allocates nothing.
 *
 * <h2>Who may touch it</h2>
 * All TCP state changes happen with the socket lock held, Linux's rule: an application thread that
 * owns the sock ({@link #lockSock()} ... {@link #releaseSock()}), or softnet and timers under
 * {@link #bhLockSock()} when no application thread owns it. A segment arriving while an application
 * owns the sock waits in the backlog; a timer firing then is deferred to {@link TcpProto#releaseCb}
 * through {@link #tsqFlags}. {@code tcp_poll} reads volatile state without the lock.
 *
 * <h2>Queues</h2>
 * <ul>
 * <li>{@link #writeQueue}: every data skb not yet acknowledged, oldest first; those from
 *     {@link #sendHead} on are not sent yet (Linux keeps the sent ones in an rb-tree, the
 *     {@code tcp_rtx_queue}, and the rest in {@code sk_write_queue}). Each skb holds at most one
 *     MSS, so the scoreboard counts skbs as Linux counts packets.
 * <li>{@link #rcvQueue}: in-order data for the application, headers pulled; {@link #copiedSeq}
 *     marks what was read.
 * <li>{@link #ofoQueue}: out-of-order data, sorted, adjacent segments coalesced.
 * </ul>
 * The skb control block is laid out in {@link TcpSkbCb}.
 *
 * <p>Linux: {@code include/linux/tcp.h}, {@code include/net/inet_connection_sock.h}.
 */
public final class TcpSock extends Sock {
    // ---- icsk_pending values (Linux's ICSK_TIME_*)
    static final int ICSK_TIME_RETRANS = 1;
    static final int ICSK_TIME_PROBE0 = 3;
    static final int ICSK_TIME_LOSS_PROBE = 5;
    static final int ICSK_TIME_REO_TIMEOUT = 6;

    // ---- icsk_ack.pending bits (Linux's ICSK_ACK_*)
    static final int ICSK_ACK_SCHED = 1;
    static final int ICSK_ACK_TIMER = 2;
    static final int ICSK_ACK_PUSHED = 4;
    static final int ICSK_ACK_PUSHED2 = 8;
    static final int ICSK_ACK_NOW = 16;
    static final int ICSK_ACK_NOMEM = 32;

    // ---- icsk_ca_state (Linux's TCP_CA_*)
    public static final int TCP_CA_OPEN = 0;
    public static final int TCP_CA_DISORDER = 1;
    public static final int TCP_CA_CWR = 2;
    public static final int TCP_CA_RECOVERY = 3;
    public static final int TCP_CA_LOSS = 4;

    // ---- nonagle bits (Linux's TCP_NAGLE_*)
    static final int TCP_NAGLE_OFF = 1;
    static final int TCP_NAGLE_CORK = 2;
    static final int TCP_NAGLE_PUSH = 4;

    // ---- deferred work bits (Linux's TSQ flags: TCP_*_DEFERRED)
    static final int TCP_WRITE_TIMER_DEFERRED = 1;
    static final int TCP_DELACK_TIMER_DEFERRED = 2;
    static final int TCP_MTU_REDUCED_DEFERRED = 4;
    static final int TCP_ACK_DEFERRED = 8;
    static final int TCP_KEEPALIVE_DEFERRED = 16;

    // ---- rx_opt.sack_ok bits
    static final int TCP_SACK_SEEN = 1;
    static final int TCP_DSACK_SEEN = 4;

    final Tcp tcp;
    final TcpSysctl sysctl;
    /** This sock's entries in the established and listening tables, and whether it holds its port. */
    TcpHashinfo.Entry ehashEntry;
    TcpHashinfo.Entry listenEntry;
    boolean boundPort;

    // ================================================================ inet / icsk
    /** Cached route and the source address it was chosen with (Linux: {@code sk_dst_cache}). */
    Rtable dst;
    /**
     * The FIB generation {@link #dst} was looked up in: a transmit that finds the routes changed
     * since looks up again (Linux: {@code __sk_dst_check()} in {@code ip_queue_xmit}).
     */
    int dstGenid;
    /** IP identification counter of this connection (Linux: {@code inet_id}). */
    int inetId;
    /** Path MTU this sock's MSS was computed for (Linux: {@code icsk_pmtu_cookie}). */
    int pmtuCookie;
    /** {@code TCP_SYNCNT} (0: the sysctl). */
    int synRetries;
    /** {@code TCP_USER_TIMEOUT} in ms (0: none). */
    int userTimeoutMs;
    /** {@code TCP_DEFER_ACCEPT} as a number of SYN-ACK retransmissions (Linux: {@code rskq_defer_accept}). */
    int deferAccept;
    /** {@code TCP_LINGER2} in seconds; 0: {@code tcp_fin_timeout}; negative: no FIN_WAIT2 at all. */
    int linger2;
    /** {@code TCP_KEEPIDLE}, {@code TCP_KEEPINTVL} (seconds), {@code TCP_KEEPCNT}; 0: the sysctls. */
    int keepaliveTime;
    int keepaliveIntvl;
    int keepaliveProbes;
    /** {@code TCP_WINDOW_CLAMP} set by the user (0: none). */
    int userWindowClamp;

    final TimerList retransmitTimer;
    final TimerList delackTimer;
    /** Linux's {@code sk_timer}: keepalive, FIN_WAIT2, and a listener's SYN-ACK retransmissions. */
    final TimerList keepaliveTimer;
    /** Linux's {@code compressed_ack_timer} (an hrtimer there). */
    final TimerList compressedAckTimer;
    int pending;
    long timeoutNs;
    /** {@code icsk_rto} in ms. */
    int rto;
    int retransmits;
    int backoff;
    int probesOut;
    long probesTstampNs;
    int caState;
    TcpCong ca;
    boolean caInitialized;
    int tsqFlags;

    // icsk_ack
    int ackPending;
    int ackQuick;
    int ackPingpong;
    /** Delayed ACK timeout in ms (Linux: {@code icsk_ack.ato}, jiffies there). */
    int ackAto;
    long ackTimeoutNs;
    long ackLrcvtimeMs;
    int ackLastSegSize;
    int ackRcvMss;

    // ================================================================ listener
    /** The listening sock this connection was accepted from (until accepted). */
    TcpSock parent;
    /** Accept queue (Linux: {@code icsk_accept_queue}): children ready for accept(), in order. */
    TcpSock acceptHead;
    TcpSock acceptTail;
    TcpSock acceptNext;
    int acceptQlen;
    int maxAckBacklog;
    /** Request socks of this listener waiting for the handshake's ACK (the SYN queue). */
    int reqQlen;
    /** Listener's request socks, for SYN-ACK retransmission and close. */
    TcpRequestSock reqHead;
    /** Requests whose SYN-ACK was not retransmitted yet (Linux: {@code icsk_accept_queue.young}). */
    int reqYoung;
    /** When the SYN queue last overflowed (SYN cookies are accepted for two minutes after). */
    long lastSynqOverflowMs;
    /** Path MTU reported by the last ICMP fragmentation-needed (Linux: {@code mtu_info}). */
    int mtuInfo;

    int reqYoung() {
        return reqYoung;
    }

    // ================================================================ tcp_sock: sequence space
    int tcpHeaderLen;
    int predFlags;
    volatile int rcvNxt;
    volatile int copiedSeq;
    int rcvWup;
    volatile int sndNxt;
    volatile int sndUna;
    int sndSml;
    volatile int writeSeq;
    int pushedSeq;
    int sndUp;
    int sndWl1;
    volatile int sndWnd;
    int maxWindow;
    volatile int mssCache;
    int windowClamp;
    int rcvSsthresh;
    int rcvWnd;
    int advmss;
    int iss;
    int irs;

    long bytesReceived;
    long bytesAcked;
    long bytesSent;
    long bytesRetrans;
    int segsIn;
    /**
     * The local port was chosen by connect() (inet_hash_connect), not bind(): others' connect()s
     * may share it towards other destinations. Linux: the bind bucket's {@code fastreuse = -1}.
     */
    boolean connectBound;
    int segsOut;
    int dataSegsIn;
    int dataSegsOut;
    int rcvOoopack;

    /** Times in ms on the stack's clock (Linux keeps these in jiffies). */
    long rcvTstampMs;
    long lsndtimeMs;

    // ================================================================ congestion state
    int sndCwnd;
    int sndCwndCnt;
    int sndCwndClamp = 0x7fffffff;
    int sndCwndUsed;
    long sndCwndStampMs;
    int sndSsthresh = Integer.MAX_VALUE;
    int priorCwnd;
    int priorSsthresh;
    /** When the last segment left (Linux: {@code tcp_wstamp_ns}), for TSO deferral. */
    long lastXmitNs;
    int packetsOut;
    int retransOut;
    int sackedOut;
    int lostOut;
    int lost;
    int delivered;
    int maxPacketsOut;
    /** Linux: {@code cwnd_usage_seq}. */
    int cwndUsage;
    boolean isCwndLimited;
    int reordering;
    int reordSeen;
    int highSeq;
    int undoMarker;
    int undoRetrans = -1;
    /** TS clock (ms) of the first retransmission of the current episode; 0: none. */
    int retransStamp;
    int totalRetrans;
    int tlpHighSeq;
    boolean tlpRetrans;
    int prrDelivered;
    int prrOut;
    boolean frto;
    int dsackDups;
    boolean isSackReneg;

    // RACK (RFC 8985)
    long rackMstampUs;
    int rackRttUs;
    int rackEndSeq;
    int rackReoWndSteps = 1;
    int rackReoWndPersist;
    int rackLastDelivered;
    boolean rackDsackSeen;
    boolean rackAdvanced;

    // RTT estimation (RFC 6298 with Linux's arithmetic, in µs; srtt scaled by 8, mdev by 4)
    int srttUs;
    int mdevUs;
    int mdevMaxUs;
    int rttvarUs;
    int rttSeq;
    /** Windowed min RTT filter (Linux's minmax with three samples). */
    final long[] rttMinTime = new long[3];
    final int[] rttMinVal = {-1, -1, -1};
    int rcvRttEstRttUs;
    int rcvRttEstSeq;
    long rcvRttEstTimeUs;
    int rcvRttLastTsecr;
    int rcvqSpaceSpace;
    int rcvqSpaceSeq;
    long rcvqSpaceTimeUs;
    /** Linux's {@code scaling_ratio}: payload per truesize, in 1/256. */
    int scalingRatio = 128;

    int nonagle;
    boolean writePending;
    /** Linux: {@code SOCK_DONE}: a FIN was received (or the connection ended). */
    volatile boolean done;
    int urgData;
    int urgSeq;
    long lastOowAckTimeMs;
    int compressedAck;
    int dupAckCounter;
    int compressedAckRcvNxt;

    // ================================================================ options (rx_opt)
    boolean sawTstamp;
    int rcvTsval;
    int rcvTsecr;
    boolean tstampOk;
    boolean wscaleOk;
    int sackOk;
    int sndWscale;
    int rcvWscale;
    int tsRecent;
    long tsRecentStampSec;
    int userMss;
    int mssClamp;
    int numSacks;
    boolean dsack;
    int tsOffset;
    /** Our SACK blocks to send (start, end pairs), most recent first. */
    final int[] selectiveAcks = new int[2 * TcpHeader.TCP_NUM_SACKS];
    final int[] duplicateSack = new int[2];
    /** SACK blocks of the last ACK, for skipping work already done (Linux: {@code recv_sack_cache}). */
    final int[] recvSackCache = new int[2 * TcpHeader.TCP_NUM_SACKS];
    final int[] sackScratch = new int[2 * TcpHeader.TCP_NUM_SACKS];
    /** End of the highest SACKed segment (Linux: {@code tcp_highest_sack_seq()}); valid while sackedOut > 0. */
    int highestSackSeq;
    SkBuff retransmitHint;
    SkBuff lostHint;
    int lostCntHint;

    // ================================================================ queues
    final SkBuffHead writeQueue = new SkBuffHead();
    SkBuff sendHead;
    volatile int wmemQueued;
    final SkBuffHead rcvQueue = new SkBuffHead();
    volatile int rmemAlloc;
    final SkBuffHead ofoQueue = new SkBuffHead();
    /** The last skb of the out-of-order queue (Linux: {@code ooo_last_skb}). */
    SkBuff ooLastSkb;
    volatile int rcvQueueLen;

    /** Per-segment scratch of tcp_ack and tcp_sacktag (Linux keeps these on the stack). */
    int rexmit;
    int sackFlag;
    int sackReord;
    long sackFirstSacktUs;
    long sackLastSacktUs;
    int sackDelivered;

    TcpSock(NetStack net, Tcp tcp, int type, int protocol) {
        super(net, tcp.proto(), type, protocol);
        this.tcp = tcp;
        this.sysctl = tcp.sysctl();
        this.retransmitTimer = new TimerList(TcpTimer::writeTimer, this);
        this.delackTimer = new TimerList(TcpTimer::delackTimer, this);
        this.keepaliveTimer = new TimerList(TcpTimer::keepaliveTimer, this);
        this.compressedAckTimer = new TimerList(TcpTimer::compressedAckTimer, this);
        tcpInitSock();
    }

    /** Linux: {@code tcp_init_sock()}: the defaults of a fresh socket. */
    private void tcpInitSock() {
        rto = TcpTimer.TCP_TIMEOUT_INIT_MS;
        mdevUs = TcpTimer.TCP_TIMEOUT_INIT_MS * 1000;
        rttvarUs = mdevUs;
        sndCwnd = Tcp.TCP_INIT_CWND;
        sndSsthresh = Tcp.TCP_INFINITE_SSTHRESH;
        sndCwndClamp = 0xffffffff >>> 1;
        mssCache = Tcp.TCP_MSS_DEFAULT;
        reordering = sysctl.reordering;
        ca = TcpCong.create(sysctl.congestionControl);
        rcvbuf = sysctl.tcpRmem[1];
        sndbuf = sysctl.tcpWmem[1];
        mssClamp = Tcp.TCP_MSS_DEFAULT;
        ackRcvMss = Tcp.TCP_MSS_DEFAULT;
    }

    // ================================================================ small helpers (include/net/tcp.h)

    /** Linux: {@code tcp_packets_in_flight()}: packets_out - left_out + retrans_out. */
    int packetsInFlight() {
        return packetsOut - (sackedOut + lostOut) + retransOut;
    }

    /** Linux: {@code tcp_wnd_end()}: the first sequence number the peer's window does not allow. */
    int wndEnd() {
        return sndUna + sndWnd;
    }

    /** Linux: {@code tcp_receive_window()}: what is left of the window we advertised. */
    int receiveWindow() {
        int win = rcvWup + rcvWnd - rcvNxt;
        return win < 0 ? 0 : win;
    }

    boolean isSack() {
        return sackOk != 0;
    }

    boolean inSlowStart() {
        return sndCwnd < sndSsthresh;
    }

    /** Linux: {@code tcp_current_ssthresh()}. */
    int currentSsthresh() {
        if (caState >= TCP_CA_CWR) {
            return sndSsthresh;
        }
        return Math.max(sndSsthresh, ((sndCwnd >> 1) + (sndCwnd >> 2)));
    }

    boolean inCwndReduction() {
        return caState == TCP_CA_CWR || caState == TCP_CA_RECOVERY;
    }

    /** Linux: {@code tcp_min_rtt()}: -1 (unsigned ~0) when there is no sample yet. */
    int minRttUs() {
        return rttMinVal[0];
    }

    /** Linux: {@code keepalive_time_when()} in ms. */
    long keepaliveTimeWhenMs() {
        int t = keepaliveTime != 0 ? keepaliveTime : sysctl.keepaliveTime;
        return t * 1000L;
    }

    long keepaliveIntvlWhenMs() {
        int t = keepaliveIntvl != 0 ? keepaliveIntvl : sysctl.keepaliveIntvl;
        return t * 1000L;
    }

    int keepaliveProbes() {
        return keepaliveProbes != 0 ? keepaliveProbes : sysctl.keepaliveProbes;
    }

    /** Linux: {@code tcp_fin_time()} in ms: FIN_WAIT2 lifetime, at least the 3.5 RTOs of a lost ACK. */
    int finTimeMs() {
        int finTimeout = linger2 > 0 ? linger2 * 1000 : sysctl.finTimeout * 1000;
        int rtoMs = rto;
        if (finTimeout < (rtoMs << 2) - (rtoMs >> 1)) {
            finTimeout = (rtoMs << 2) - (rtoMs >> 1);
        }
        return finTimeout;
    }

    /** The first unacknowledged skb (Linux: {@code tcp_rtx_queue_head()}), or null. */
    SkBuff rtxHead() {
        SkBuff h = writeQueue.peek();
        return h == sendHead ? null : h;
    }

    /** The last sent skb (Linux: {@code tcp_rtx_queue_tail()}), or null. */
    SkBuff rtxTail() {
        if (sendHead == null) {
            return writeQueue.peekTail();
        }
        return sendHead.prev;
    }

    boolean rtxQueueEmpty() {
        return writeQueue.peek() == sendHead;
    }

    boolean writeQueueEmpty() {
        return sendHead == null;
    }

    /** Linux: {@code tcp_stream_memory_free()} / {@code sk_stream_memory_free()}. */
    boolean streamMemoryFree() {
        if (wmemQueued >= sndbuf) {
            return false;
        }
        int notsent = writeSeq - sndNxt;
        return notsent < sysctl.notsentLowat;
    }

    /** Linux: {@code sk_stream_wspace()} >= {@code sk_stream_min_wspace()}. */
    boolean streamWriteable() {
        return sndbuf - wmemQueued >= (wmemQueued >> 1) && streamMemoryFree();
    }

    /**
     * Linux: {@code SOCK_NOSPACE} of the socket: a writer found the send buffer full (a send that
     * blocked or returned EAGAIN, or a poll without POLLOUT). While set, ACKs that free space may
     * grow the buffer ({@code tcp_new_space()}) and wake the writers.
     */
    boolean nospace;

    /** Linux: {@code sk_stream_write_space()}: wakes writers once a third of the buffer is free. */
    @Override
    public void skWriteSpace() {
        if (streamWriteable()) {
            nospace = false;
            wq().wakeUpPoll(WRITABLE_KEY);
        }
    }

    /**
     * Segments in TCP's receive queue, read without the lock: TCP's {@code sk_receive_queue} is its
     * own {@link #rcvQueue}, which is what a busy poller waits to see filled.
     */
    @Override
    public int receiveQueueLen() {
        return rcvQueueLen;
    }

    /** Bytes queued for the application (what {@code SIOCINQ} reports). Linux: {@code tcp_inq()}. */
    public int inq() {
        int st = state;
        if (st == TCP_SYN_SENT || st == TCP_SYN_RECV) {
            return 0;
        }
        int answ = rcvNxt - copiedSeq;
        if (answ != 0 && done) {
            answ--;
        }
        return Math.max(answ, 0);
    }

    // ================================================================ inspection

    public int sndCwnd() {
        return sndCwnd;
    }

    public int sndSsthresh() {
        return sndSsthresh;
    }

    /** Smoothed RTT in µs (0: no sample). */
    public int srttUs() {
        return srttUs >>> 3;
    }

    public int rtoMs() {
        return rto;
    }

    public int mss() {
        return mssCache;
    }

    public int caState() {
        return caState;
    }

    public int packetsOut() {
        return packetsOut;
    }

    public int rcvWscale() {
        return rcvWscale;
    }

    public int sndWscale() {
        return sndWscale;
    }

    public int sndWnd() {
        return sndWnd;
    }

    public int rcvWnd() {
        return rcvWnd;
    }

    public long bytesAcked() {
        return bytesAcked;
    }

    public long bytesReceived() {
        return bytesReceived;
    }

    public int totalRetrans() {
        return totalRetrans;
    }

    public boolean timestampsOk() {
        return tstampOk;
    }

    public boolean sackPermitted() {
        return sackOk != 0;
    }

    /** The accept queue's length (Linux: {@code sk_ack_backlog}). */
    public int acceptQueueLen() {
        return acceptQlen;
    }

    /** The SYN queue's length (Linux: {@code inet_csk_reqsk_queue_len()}). */
    public int synQueueLen() {
        return reqQlen;
    }

    /** The congestion control in use ("cubic", "reno"). */
    public String congestionControl() {
        return ca.name();
    }

    /** Linux's {@code TCP_CONGESTION}: switches the algorithm (not on a listener's children). */
    void setCongestion(TcpCong c) {
        ca = c;
        caInitialized = false;
        if (state == TCP_ESTABLISHED || state == TCP_CLOSE_WAIT) {
            ca.init(this);
            caInitialized = true;
        }
    }

    static String stateName(int st) {
        return switch (st) {
            case TCP_ESTABLISHED -> "ESTABLISHED";
            case TCP_SYN_SENT -> "SYN_SENT";
            case TCP_SYN_RECV -> "SYN_RECV";
            case TCP_FIN_WAIT1 -> "FIN_WAIT1";
            case TCP_FIN_WAIT2 -> "FIN_WAIT2";
            case TCP_TIME_WAIT -> "TIME_WAIT";
            case TCP_CLOSE -> "CLOSE";
            case TCP_CLOSE_WAIT -> "CLOSE_WAIT";
            case TCP_LAST_ACK -> "LAST_ACK";
            case TCP_LISTEN -> "LISTEN";
            case TCP_CLOSING -> "CLOSING";
            default -> "?" + st;
        };
    }

    /** Whether {@code shutdown(SHUT_WR)} or close() happened (RFC 9293 "user has closed"). */
    boolean sendShutdown() {
        return (shutdown & SEND_SHUTDOWN) != 0;
    }

    @Override
    public String toString() {
        return "TCP[" + dev.packetflow.net.ipv4.InetAddr.toString(rcvSaddr) + ":" + num + " -> "
                + dev.packetflow.net.ipv4.InetAddr.toString(daddr) + ":" + dport + " " + stateName(state) + "]";
    }
}
