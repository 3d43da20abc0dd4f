package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.kernel.time.TimerList;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ipv4.Ipv4Header;
import dev.packetflow.net.socket.Sock;

import static dev.packetflow.net.ipv4.tcp.TcpHeader.*;
import static dev.packetflow.net.ipv4.tcp.TcpSock.*;
import static dev.packetflow.net.ipv4.tcp.TcpSkbCb.*;

/**
 * The small socks of TCP: the passive open (SYN queue of request socks, SYN-ACK and its
 * retransmission, the child sock that the handshake's ACK creates and the accept queue sized by
 * the listen backlog, SYN cookies when the SYN queue overflows) and TIME_WAIT (2MSL, answering late
 * segments, RFC 1337 optionally).
 *
 * <p>Linux: {@code net/ipv4/tcp_minisocks.c}, {@code tcp_input.c tcp_conn_request()},
 * {@code inet_connection_sock.c} (request timers), {@code syncookies.c}.
 */
final class TcpMinisocks {
    static final int TW_SUCCESS = 0;
    static final int TW_RST = 1;
    static final int TW_ACK = 2;
    static final int TW_SYN = 3;
    /** The verdict bits of a {@link #twProcess} result. */
    static final int TW_VERDICT = 0xf;
    /**
     * Or'ed into a {@link #twProcess} result: a TIME_WAIT sock refused the segment's old timestamp
     * (PAWS); the skb is dropped as TCP_RFC7323_TW_PAWS whatever the answer.
     */
    static final int TW_PAWS_REJECTED = 0x10;

    private final Tcp tcp;

    TcpMinisocks(Tcp tcp) {
        this.tcp = tcp;
    }

    // ================================================================ passive open

    /**
     * Linux: {@code tcp_conn_request()}: a SYN on a listener (lock held). Answers with a SYN-ACK and
     * remembers the request, or with a SYN cookie when the SYN queue is full; drops when the accept
     * queue is full.
     */
    void connRequest(TcpSock listener, SkBuff skb) {
        int th = skb.data;
        int nh = skb.networkHeader;
        int saddr = Ipv4Header.sourceAddress(skb, nh);
        int daddr = Ipv4Header.destinationAddress(skb, nh);
        int sport = TcpHeader.source(skb, th);
        int dport = TcpHeader.dest(skb, th);
        int isn = twIsn;
        twIsn = 0;
        boolean wantCookie = false;
        if (isn == 0) {
            int syncookies = listener.sysctl.syncookies;
            if (syncookies == 2 || reqQueueIsFull(listener)) {
                if (syncookies != 0) {
                    wantCookie = true;
                    tcp.extMib().inc(TcpMib.REQ_Q_FULL_DO_COOKIES);
                    listener.lastSynqOverflowMs = tcp.nowMs();
                } else {
                    tcp.extMib().inc(TcpMib.REQ_Q_FULL_DROP);
                    listenDrop();
                    return;
                }
            }
        }
        if (TcpProto.acceptqIsFull(listener)) {
            tcp.extMib().inc(TcpMib.LISTEN_OVERFLOWS);
            listenDrop();
            return;
        }
        TcpOptions opt = new TcpOptions();
        opt.mssClamp = Tcp.TCP_MSS_DEFAULT;
        opt.parse(skb, th, false, false, true, listener.sysctl, listener.userMss);
        if (wantCookie && !opt.sawTstamp) {
            opt.wscaleOk = false;
            opt.sackOk = false;
            opt.sndWscale = 0;
        }
        TcpRequestSock req = new TcpRequestSock(listener);
        req.rmtAddr = saddr;
        req.rmtPort = sport;
        req.locAddr = daddr;
        req.locPort = dport;
        req.dif = skb.dev != null ? skb.dev.ifindex() : 0;
        req.rcvIsn = seq(skb);
        req.rcvNxt = seq(skb) + 1;
        req.mss = opt.mssClamp;
        req.tsRecent = opt.sawTstamp ? opt.rcvTsval : 0;
        req.tstampOk = opt.sawTstamp;
        req.sackOk = opt.sackOk;
        req.wscaleOk = opt.wscaleOk;
        req.sndWscale = opt.sndWscale;
        if (req.tstampOk) {
            req.tsOff = tcp.secureTsOff(daddr, saddr);
        }
        if (tcp.ipv4.routeReq(req) == null) {
            listenDrop();
            return;
        }
        if (!wantCookie && isn == 0) {
            isn = tcp.secureSeq(daddr, saddr, dport, sport);
        }
        if (wantCookie) {
            int[] mss = new int[1];
            isn = tcp.syncookies.initSequence(saddr, daddr, sport, dport, seq(skb), req.mss, tcp.nowMs(), mss);
            req.mss = mss[0];
            tcp.extMib().inc(TcpMib.SYNCOOKIES_SENT);
        }
        req.sntIsn = isn;
        openreqInitRwin(req, listener);
        if (!wantCookie) {
            req.ehashEntry = tcp.hashinfo.ehashInsert(req, daddr, dport, saddr, sport, 0);
            if (req.ehashEntry == null) {
                listenDrop();
                return;
            }
            reqLink(listener, req);
            tcp.net().timers().modTimer(req.timer, tcp.nowNs() + TcpTimer.TCP_TIMEOUT_INIT_MS * 1_000_000L);
        }
        tcp.ipv4.sendSynack(listener, req, wantCookie);
    }

    /** A TIME_WAIT sock answering a new SYN hands over its ISN (Linux: {@code tcp_tw_isn}). */
    int twIsn;

    private void listenDrop() {
        tcp.extMib().inc(TcpMib.LISTEN_DROPS);
    }

    /** Linux: {@code inet_csk_reqsk_queue_is_full()}. */
    private static boolean reqQueueIsFull(TcpSock listener) {
        return listener.reqQlen > listener.maxAckBacklog;
    }

    /** Linux: {@code tcp_openreq_init_rwin()}: the SYN-ACK's window and window scale. */
    private void openreqInitRwin(TcpRequestSock req, TcpSock listener) {
        int fullSpace = TcpWindow.fullSpace(listener);
        int mtu = req.routeMtu;
        int advmss = mtu - Tcp.TCP_IPV4_OVERHEAD;
        int mss = listener.userMss != 0 && listener.userMss < advmss ? listener.userMss : advmss;
        int clamp = listener.windowClamp;
        if ((listener.userlocks & Sock.SOCK_RCVBUF_LOCK) != 0 && (clamp > fullSpace || clamp == 0)) {
            clamp = fullSpace;
        }
        int[] w = TcpWindow.selectInitialWindow(listener.sysctl, tcp.net().sockets().sysctl().rmemMax(), fullSpace,
                mss - (req.tstampOk ? TCPOLEN_TSTAMP_ALIGNED : 0), clamp, req.wscaleOk, 0);
        req.rcvWnd = w[0];
        req.windowClamp = w[1];
        req.rcvWscale = w[2];
        req.advmss = mss;
    }

    private void reqLink(TcpSock listener, TcpRequestSock req) {
        req.next = listener.reqHead;
        if (listener.reqHead != null) {
            listener.reqHead.prev = req;
        }
        listener.reqHead = req;
        listener.reqQlen++;
        listener.reqYoung++;
    }

    /** Linux: {@code inet_csk_reqsk_queue_drop()}: out of the tables and the listener's queue. */
    void reqDrop(TcpRequestSock req) {
        if (req.dead) {
            return;
        }
        req.dead = true;
        tcp.net().timers().delTimer(req.timer);
        tcp.hashinfo.ehashRemove(req.ehashEntry);
        req.ehashEntry = null;
        TcpSock l = req.listener;
        if (req.prev != null) {
            req.prev.next = req.next;
        } else if (l.reqHead == req) {
            l.reqHead = req.next;
        }
        if (req.next != null) {
            req.next.prev = req.prev;
        }
        req.next = null;
        req.prev = null;
        l.reqQlen--;
        if (req.numTimeout == 0) {
            l.reqYoung--;
        }
    }

    /** The listener closes: its pending handshakes are forgotten. */
    void dropRequests(TcpSock listener) {
        TcpRequestSock r;
        while ((r = listener.reqHead) != null) {
            reqDrop(r);
        }
    }

    /**
     * Linux: {@code reqsk_timer_handler()}: the SYN-ACK is retransmitted with exponential backoff
     * (1 s, 2 s, 4 s ...) up to {@code tcp_synack_retries} times, fewer for old requests when the
     * queue is more than half full; then the request is dropped.
     */
    static void reqTimer(TimerList t) {
        TcpRequestSock req = (TcpRequestSock) t.owner;
        TcpSock l = req.listener;
        Tcp tcp = l.tcp;
        l.bhLockSock();
        try {
            if (req.dead) {
                return;
            }
            if (l.state != TCP_LISTEN) {
                tcp.minisocks.reqDrop(req);
                return;
            }
            int maxRetries = l.synRetries != 0 ? l.synRetries : l.sysctl.synackRetries;
            int qlen = l.reqQlen;
            if ((qlen << 1) > Math.max(8, l.maxAckBacklog)) {
                int young = l.reqYoung() << 1;
                while (maxRetries > 2) {
                    if (qlen < young) {
                        break;
                    }
                    maxRetries--;
                    young <<= 1;
                }
            }
            boolean expire;
            boolean resend;
            if (l.deferAccept == 0) {
                expire = req.numTimeout >= maxRetries;
                resend = true;
            } else {
                expire = req.numTimeout >= maxRetries && (!req.acked || req.numTimeout >= l.deferAccept);
                resend = !req.acked || req.numTimeout >= l.deferAccept - 1;
            }
            if (!expire) {
                if (resend) {
                    tcp.ipv4.rtxSynack(l, req);
                }
                if (req.numTimeout++ == 0) {
                    l.reqYoung--;
                }
                long timeout = Math.min((long) TcpTimer.TCP_TIMEOUT_INIT_MS << Math.min(req.numTimeout, 20),
                        TcpTimer.TCP_RTO_MAX_MS);
                tcp.net().timers().modTimer(req.timer, tcp.nowNs() + timeout * 1_000_000L);
                return;
            }
            tcp.minisocks.reqDrop(req);
        } finally {
            l.bhUnlockSock();
        }
    }

    /**
     * Linux: {@code tcp_check_req()}: a segment for a request sock (listener lock held). Returns the
     * new child (the handshake completed), the listener (an unacceptable ACK: the caller resets), or
     * null when it took the skb: consumed when the segment was handled (a retransmitted SYN
     * answered, an acceptable RST), dropped for the reason it was refused otherwise.
     */
    Object checkReq(TcpSock listener, TcpRequestSock req, SkBuff skb) {
        int th = skb.data;
        int flg = TcpHeader.flags(skb, th) & (RST | SYN | ACK);
        boolean pawsReject = false;
        boolean tsecrReject = false;
        TcpOptions opt = null;
        if (TcpHeader.doff(skb, th) > MIN_LEN) {
            opt = new TcpOptions();
            opt.parse(skb, th, false, false, true, listener.sysctl, 0);
            if (opt.sawTstamp) {
                if (opt.rcvTsecr != 0) {
                    if (req.tstampOk) {
                        tsecrReject = !between(opt.rcvTsecr, req.sntTsvalFirst, req.sntTsvalLast);
                    }
                    opt.rcvTsecr -= req.tsOff;
                }
                long stampSec = tcp.nowMs() / 1000 - Math.min(1L << req.numTimeout, 120);
                pawsReject = req.tsRecent - opt.rcvTsval > 0 && req.tsRecent != 0
                        && !((flg & RST) != 0 && tcp.nowMs() / 1000 >= stampSec + 60);
            }
        }
        if (seq(skb) == req.rcvIsn && flg == SYN && !pawsReject) {
            // a retransmitted SYN: retransmit the SYN-ACK (RFC 1122 4.2.2.20)
            if (!oowRateLimited(req, skb)) {
                tcp.ipv4.rtxSynack(listener, req);
                long timeout = Math.min((long) TcpTimer.TCP_TIMEOUT_INIT_MS << Math.min(req.numTimeout, 20),
                        TcpTimer.TCP_RTO_MAX_MS);
                tcp.net().timers().modTimer(req.timer, tcp.nowNs() + timeout * 1_000_000L);
            }
            Skb.consumeSkb(skb);
            return null;
        }
        if ((flg & ACK) != 0 && ackSeq(skb) != req.sntIsn + 1) {
            return listener;
        }
        int synackWindow = req.rcvWnd;
        if (!req.wscaleOk && synackWindow > 65535) {
            synackWindow = 65535;
        }
        if (pawsReject || tsecrReject
                || !inWindow(seq(skb), endSeq(skb), req.rcvNxt, req.rcvNxt + synackWindow)) {
            if ((flg & RST) == 0 && !oowRateLimited(req, skb)) {
                tcp.ipv4.sendReqAck(req, skb);
            }
            DropReason reason;
            if (pawsReject) {
                tcp.extMib().inc(TcpMib.PAWS_ESTAB);
                reason = DropReason.TCP_RFC7323_PAWS;
            } else if (tsecrReject) {
                reason = DropReason.TCP_RFC7323_TSECR;
            } else {
                reason = before(seq(skb), req.rcvNxt) ? DropReason.TCP_OLD_SEQUENCE : DropReason.TCP_INVALID_SEQUENCE;
            }
            Skb.kfreeSkb(tcp.net(), skb, reason);
            return null;
        }
        if (opt != null && opt.sawTstamp && !after(seq(skb), req.rcvNxt)) {
            req.tsRecent = opt.rcvTsval;
        }
        if (seq(skb) == req.rcvIsn) {
            flg &= ~SYN;
        }
        if ((flg & (RST | SYN)) != 0) {
            tcp.mib().inc(TcpMib.ATTEMPT_FAILS);
            if ((flg & RST) == 0) {
                tcp.ipv4.sendReset(null, skb);
            }
            reqDrop(req);
            tcp.extMib().inc(TcpMib.EMBRYONIC_RSTS);
            if ((flg & RST) != 0) {
                Skb.consumeSkb(skb);
            } else {
                Skb.kfreeSkb(tcp.net(), skb, DropReason.TCP_INVALID_SYN);
            }
            return null;
        }
        if ((flg & ACK) == 0) {
            Skb.kfreeSkb(tcp.net(), skb, DropReason.TCP_FLAGS);
            return null;
        }
        if (req.numTimeout < listener.deferAccept && endSeq(skb) == req.rcvIsn + 1) {
            // TCP_DEFER_ACCEPT: a bare ACK is ignored on purpose, not refused
            req.acked = true;
            tcp.extMib().inc(TcpMib.DEFER_ACCEPT_DROP);
            Skb.consumeSkb(skb);
            return null;
        }
        TcpSock child = synRecvSock(listener, req, skb);
        if (child == null) {
            // listen_overflow: the ACK is ignored; the peer will retransmit it
            req.acked = true;
            Skb.kfreeSkb(tcp.net(), skb, DropReason.TCP_LISTEN_OVERFLOW);
            return null;
        }
        // tcp_synack_rtt_meas()
        if (req.numRetrans == 0 && req.sntSynackUs != 0) {
            long rtt = tcp.nowUs() - req.sntSynackUs;
            tcp.inputAck.ackUpdateRtt(child, TcpInputAck.FLAG_SYN_ACKED, rtt, -1, rtt);
        }
        // inet_csk_complete_hashdance(): the child takes the request's place
        req.dead = true;
        tcp.net().timers().delTimer(req.timer);
        child.ehashEntry = tcp.hashinfo.ehashReplace(req.ehashEntry, child);
        req.ehashEntry = null;
        unlinkFromListener(listener, req);
        tcp.proto().acceptQueueAdd(listener, child);
        return child;
    }

    private void unlinkFromListener(TcpSock l, TcpRequestSock req) {
        if (req.prev != null) {
            req.prev.next = req.next;
        } else if (l.reqHead == req) {
            l.reqHead = req.next;
        }
        if (req.next != null) {
            req.next.prev = req.prev;
        }
        req.next = null;
        req.prev = null;
        l.reqQlen--;
        if (req.numTimeout == 0) {
            l.reqYoung--;
        }
    }

    private static boolean inWindow(int seq, int end, int sWin, int eWin) {
        if (seq == sWin) {
            return true;
        }
        if (after(end, sWin) && before(seq, eWin)) {
            return true;
        }
        return seq == eWin && seq == end;
    }

    private boolean oowRateLimited(TcpRequestSock req, SkBuff skb) {
        int th = skb.transportHeader;
        if (seq(skb) != endSeq(skb) && (TcpHeader.flags(skb, th) & SYN) == 0) {
            return false;
        }
        long now = tcp.nowMs();
        if (req.lastOowAckTimeMs != 0 && now - req.lastOowAckTimeMs < tcp.sysctl().invalidRatelimitMs) {
            tcp.extMib().inc(TcpMib.ACK_SKIPPED_SYN_RECV);
            return true;
        }
        req.lastOowAckTimeMs = Math.max(now, 1);
        return false;
    }

    /**
     * Linux: {@code tcp_v4_syn_recv_sock()} + {@code tcp_create_openreq_child()}: the full sock of a
     * completed passive open, cloned from the listener's settings (buffers, options, keepalive,
     * Nagle) and the handshake's negotiation. Null when the accept queue is full.
     */
    TcpSock synRecvSock(TcpSock listener, TcpRequestSock req, SkBuff skb) {
        if (TcpProto.acceptqIsFull(listener)) {
            tcp.extMib().inc(TcpMib.LISTEN_OVERFLOWS);
            listenDrop();
            return null;
        }
        TcpSock c = (TcpSock) tcp.proto().newSock(tcp.net(), listener.type, listener.protocol);
        // sk_clone_lock(): the listener's settings
        c.rcvbuf = listener.rcvbuf;
        c.sndbuf = listener.sndbuf;
        c.userlocks = listener.userlocks & ~Sock.SOCK_BINDADDR_LOCK;
        c.reuse = listener.reuse;
        c.reuseport = listener.reuseport;
        c.keepopen = listener.keepopen;
        c.linger = listener.linger;
        c.lingerSec = listener.lingerSec;
        c.priority = listener.priority;
        c.mark = listener.mark;
        c.rcvlowat = listener.rcvlowat;
        c.rcvtimeoNs = listener.rcvtimeoNs;
        c.sndtimeoNs = listener.sndtimeoNs;
        c.boundDevIf = listener.boundDevIf;
        c.busyPollUs = listener.busyPollUs;
        c.preferBusyPoll = listener.preferBusyPoll;
        c.urginline = listener.urginline;
        c.localroute = listener.localroute;
        c.ucTtl = listener.ucTtl;
        c.tos = listener.tos;
        c.minTtl = listener.minTtl;
        c.pmtudisc = listener.pmtudisc;
        c.recverr = listener.recverr;
        c.cmsgFlags = listener.cmsgFlags;
        c.freebind = listener.freebind;
        c.mcTtl = Ipv4Header.timeToLive(skb, skb.networkHeader); // tcp_v4_syn_recv_sock(), as Linux does
        c.mcLoop = listener.mcLoop;
        c.mcAll = listener.mcAll;
        c.nonagle = listener.nonagle;
        c.userMss = listener.userMss;
        c.keepaliveTime = listener.keepaliveTime;
        c.keepaliveIntvl = listener.keepaliveIntvl;
        c.keepaliveProbes = listener.keepaliveProbes;
        c.userTimeoutMs = listener.userTimeoutMs;
        c.linger2 = listener.linger2;
        c.synRetries = listener.synRetries;
        c.scalingRatio = listener.scalingRatio;
        c.ca = TcpCong.create(listener.ca.name());
        c.state = TCP_SYN_RECV;
        c.parent = listener;
        // addresses
        c.rcvSaddr = req.locAddr;
        c.saddr = req.locAddr;
        c.num = req.locPort;
        c.sport = req.locPort;
        c.daddr = req.rmtAddr;
        c.dport = req.rmtPort;
        c.dst = req.route;
        c.dstGenid = req.routeGenid;
        c.inetId = tcp.random().nextInt(65536);
        // tcp_create_openreq_child()
        int seq = req.rcvIsn + 1;
        c.irs = req.rcvIsn;
        c.rcvWup = seq;
        c.copiedSeq = seq;
        c.rcvNxt = seq;
        c.segsIn = 1;
        seq = req.sntIsn + 1;
        c.iss = req.sntIsn;
        c.sndSml = seq;
        c.sndUna = seq;
        c.sndNxt = seq;
        c.sndUp = seq;
        c.writeSeq = seq;
        c.pushedSeq = seq;
        c.sndWl1 = req.rcvIsn;
        c.ackLrcvtimeMs = tcp.nowMs();
        c.lsndtimeMs = tcp.nowMs();
        c.totalRetrans = req.numRetrans;
        if (c.keepopen) {
            tcp.timer.resetKeepalive(c, c.keepaliveTimeWhenMs());
        }
        c.tstampOk = req.tstampOk;
        c.sackOk = req.sackOk ? TCP_SACK_SEEN : 0;
        c.windowClamp = req.windowClamp;
        c.rcvSsthresh = req.rcvWnd;
        c.rcvWnd = req.rcvWnd;
        c.wscaleOk = req.wscaleOk;
        if (c.wscaleOk) {
            c.sndWscale = req.sndWscale;
            c.rcvWscale = req.rcvWscale;
        } else {
            c.sndWscale = 0;
            c.rcvWscale = 0;
            c.windowClamp = Math.min(c.windowClamp, 65535);
        }
        c.sndWnd = TcpHeader.window(skb, skb.transportHeader) << c.sndWscale;
        c.maxWindow = c.sndWnd;
        if (c.tstampOk) {
            c.tsRecent = req.tsRecent;
            c.tsRecentStampSec = tcp.nowMs() / 1000;
            c.tcpHeaderLen = MIN_LEN + TCPOLEN_TSTAMP_ALIGNED;
        } else {
            c.tsRecentStampSec = 0;
            c.tcpHeaderLen = MIN_LEN;
        }
        if (req.numTimeout != 0) {
            c.undoMarker = req.sntIsn;
            c.retransStamp = (int) (req.sntSynackUs / 1000);
        }
        c.tsOffset = req.tsOff;
        c.mssClamp = req.mss;
        tcp.mib().inc(TcpMib.PASSIVE_OPENS);
        // tcp_v4_syn_recv_sock(): MSS from the route, port inherited
        tcp.window.syncMss(c, c.dst.mtu());
        c.advmss = req.advmss;
        tcp.stateProcess.initializeRcvMss(c);
        c.boundPort = true;
        tcp.hashinfo.bindAdd(c, c.num);
        return c;
    }

    /**
     * Linux: {@code cookie_v4_check()}: an ACK on a listener that may complete a SYN cookie
     * handshake. Returns the new child, the listener (not a cookie: carry on as usual), or null
     * when the cookie was good but no child could be made: the skb is then dropped here.
     */
    Object cookieCheck(TcpSock listener, SkBuff skb) {
        int th = skb.data;
        int flags = TcpHeader.flags(skb, th);
        if (listener.sysctl.syncookies == 0 || (flags & ACK) == 0 || (flags & RST) != 0 || (flags & SYN) != 0) {
            return listener;
        }
        if (tcp.nowMs() - listener.lastSynqOverflowMs > 120_000L || listener.lastSynqOverflowMs == 0) {
            return listener;
        }
        int nh = skb.networkHeader;
        int saddr = Ipv4Header.sourceAddress(skb, nh);
        int daddr = Ipv4Header.destinationAddress(skb, nh);
        int sport = TcpHeader.source(skb, th);
        int dport = TcpHeader.dest(skb, th);
        int mss = tcp.syncookies.check(saddr, daddr, sport, dport, seq(skb) - 1, ackSeq(skb) - 1, tcp.nowMs());
        if (mss == 0) {
            tcp.extMib().inc(TcpMib.SYNCOOKIES_FAILED);
            return listener;
        }
        tcp.extMib().inc(TcpMib.SYNCOOKIES_RECV);
        TcpOptions opt = new TcpOptions();
        opt.parse(skb, th, false, true, true, listener.sysctl, 0);
        TcpRequestSock req = new TcpRequestSock(listener);
        req.rmtAddr = saddr;
        req.rmtPort = sport;
        req.locAddr = daddr;
        req.locPort = dport;
        req.rcvIsn = seq(skb) - 1;
        req.rcvNxt = seq(skb);
        req.sntIsn = ackSeq(skb) - 1;
        req.mss = mss;
        if (opt.sawTstamp && opt.rcvTsecr != 0) {
            req.tsOff = tcp.secureTsOff(daddr, saddr);
            int tsecr = opt.rcvTsecr - req.tsOff;
            int options = tsecr & TcpSyncookies.TSMASK;
            req.tstampOk = true;
            req.tsRecent = opt.rcvTsval;
            req.sackOk = (options & TcpSyncookies.TS_OPT_SACK) != 0 && listener.sysctl.sack != 0;
            int ws = options & TcpSyncookies.TS_OPT_WSCALE_MASK;
            if (ws != TcpSyncookies.TS_OPT_WSCALE_MASK && listener.sysctl.windowScaling != 0) {
                req.wscaleOk = true;
                req.sndWscale = ws;
            }
        }
        if (tcp.ipv4.routeReq(req) == null) {
            Skb.kfreeSkb(tcp.net(), skb, DropReason.IP_OUTNOROUTES);
            return null;
        }
        openreqInitRwin(req, listener);
        TcpSock child = synRecvSock(listener, req, skb);
        if (child == null) {
            Skb.kfreeSkb(tcp.net(), skb, DropReason.TCP_LISTEN_OVERFLOW);
            return null;
        }
        child.ehashEntry = tcp.hashinfo.ehashInsert(child, daddr, dport, saddr, sport, 0);
        if (child.ehashEntry == null) {
            tcp.proto().destroy(child);
            Skb.kfreeSkb(tcp.net(), skb, DropReason.NO_SOCKET);
            return null;
        }
        tcp.proto().acceptQueueAdd(listener, child);
        return child;
    }

    void listenerTimer(TcpSock listener) {
        // Request socks have timers of their own; nothing to do on the listener.
    }

    // ================================================================ TIME_WAIT

    /**
     * Linux: {@code tcp_time_wait()}: replaces the sock by a TIME_WAIT sock for
     * {@code TCP_TIMEWAIT_LEN} (TIME_WAIT) or {@code timeoMs} (an orphan's FIN_WAIT2), then ends
     * the full sock.
     */
    void timeWait(TcpSock tp, int state, int timeoMs) {
        TcpTimewaitSock tw = new TcpTimewaitSock(tcp);
        int rto = (tp.rto << 2) - (tp.rto >> 1);
        tw.substate = state;
        tw.laddr = tp.rcvSaddr;
        tw.lport = tp.num;
        tw.faddr = tp.daddr;
        tw.fport = tp.dport;
        tw.boundDevIf = tp.boundDevIf;
        tw.reuse = tp.reuse;
        tw.reuseport = tp.reuseport;
        tw.connectBound = tp.connectBound;
        tw.rcvNxt = tp.rcvNxt;
        tw.sndNxt = tp.sndNxt;
        tw.rcvWnd = tp.receiveWindow();
        tw.rcvWscale = tp.rcvWscale;
        tw.tsRecent = tp.tsRecent;
        tw.tsRecentStampSec = tp.tsRecentStampSec;
        tw.tsOffset = tp.tsOffset;
        tw.tstampOk = tp.tstampOk;
        tw.tos = tp.tos;
        if (timeoMs < rto) {
            timeoMs = rto;
        }
        if (state == TCP_TIME_WAIT) {
            timeoMs = TcpTimer.TCP_TIMEWAIT_LEN_MS;
        }
        if (tp.ehashEntry != null) {
            tw.ehashEntry = tcp.hashinfo.ehashReplace(tp.ehashEntry, tw);
            tp.ehashEntry = null;
            if (tp.boundPort) {
                tcp.hashinfo.bindAdd(tw, tw.lport);
            }
            tcp.extMib().inc(TcpMib.TW);
            tcp.net().timers().modTimer(tw.timer, tcp.nowNs() + timeoMs * 1_000_000L);
        }
        tcp.proto().done(tp);
    }

    static void twTimer(TimerList t) {
        TcpTimewaitSock tw = (TcpTimewaitSock) t.owner;
        tw.tcp.minisocks.twKill(tw);
    }

    /** Linux: {@code inet_twsk_kill()}. */
    void twKill(TcpTimewaitSock tw) {
        synchronized (tw) {
            if (tw.dead) {
                return;
            }
            tw.dead = true;
        }
        tcp.net().timers().delTimer(tw.timer);
        tcp.hashinfo.ehashRemove(tw.ehashEntry);
        tw.ehashEntry = null;
        tcp.hashinfo.bindRemove(tw, tw.lport);
    }

    /**
     * Linux: {@code tcp_timewait_state_process()}: a segment for a TIME_WAIT (or FIN_WAIT2) sock.
     * Returns TW_SUCCESS (consumed), TW_ACK (answer with an ACK), TW_RST (answer with a reset) or
     * TW_SYN (a new connection may take over: {@link #twIsn} is set), with
     * {@link #TW_PAWS_REJECTED} or'ed in when PAWS refused it in the TIME_WAIT substate (Linux 6.15).
     */
    int twProcess(TcpTimewaitSock tw, SkBuff skb) {
        int th = skb.data;
        int flags = TcpHeader.flags(skb, th);
        boolean rst = (flags & RST) != 0;
        boolean syn = (flags & SYN) != 0;
        boolean ack = (flags & ACK) != 0;
        boolean fin = (flags & FIN) != 0;
        boolean pawsReject = false;
        boolean sawTstamp = false;
        int rcvTsval = 0;
        if (TcpHeader.doff(skb, th) > MIN_LEN && tw.tsRecentStampSec != 0) {
            TcpOptions opt = new TcpOptions();
            opt.parse(skb, th, false, false, false, tcp.sysctl(), 0);
            if (opt.sawTstamp) {
                sawTstamp = true;
                rcvTsval = opt.rcvTsval;
                boolean ok = tw.tsRecent - rcvTsval <= 0 || tw.tsRecent == 0;
                pawsReject = !ok && !(rst && tcp.nowMs() / 1000 >= tw.tsRecentStampSec + 60);
            }
        }
        int rcvNxt = tw.rcvNxt;
        if (tw.substate == TCP_FIN_WAIT2) {
            if (pawsReject || !inWindow(seq(skb), endSeq(skb), rcvNxt, rcvNxt + tw.rcvWnd)) {
                return twOowRateLimit(tw, skb, TcpMib.ACK_SKIPPED_FIN_WAIT2);
            }
            if (rst) {
                twKill(tw);
                return TW_SUCCESS;
            }
            if (syn && !before(seq(skb), rcvNxt)) {
                return TW_RST;
            }
            if (!ack || !after(endSeq(skb), rcvNxt) || endSeq(skb) == seq(skb)) {
                return TW_SUCCESS;
            }
            if (!fin || endSeq(skb) != rcvNxt + 1) {
                return TW_RST;
            }
            tw.substate = TCP_TIME_WAIT;
            tw.rcvNxt = endSeq(skb);
            if (sawTstamp) {
                tw.tsRecentStampSec = tcp.nowMs() / 1000;
                tw.tsRecent = rcvTsval;
            }
            twReschedule(tw, TcpTimer.TCP_TIMEWAIT_LEN_MS);
            return TW_ACK;
        }
        if (!pawsReject && seq(skb) == rcvNxt && (seq(skb) == endSeq(skb) || rst)) {
            if (rst) {
                if (tcp.sysctl().rfc1337 == 0) {
                    twKill(tw);
                    return TW_SUCCESS;
                }
            } else {
                twReschedule(tw, TcpTimer.TCP_TIMEWAIT_LEN_MS);
            }
            if (sawTstamp) {
                tw.tsRecent = rcvTsval;
                tw.tsRecentStampSec = tcp.nowMs() / 1000;
            }
            return TW_SUCCESS;
        }
        if (syn && !rst && !ack && !pawsReject
                && (after(seq(skb), rcvNxt) || (sawTstamp && tw.tsRecent - rcvTsval < 0))) {
            int isn = tw.sndNxt + 65535 + 2;
            if (isn == 0) {
                isn++;
            }
            twIsn = isn;
            return TW_SYN;
        }
        int paws = pawsReject ? TW_PAWS_REJECTED : 0;
        if (!rst) {
            if (pawsReject || ack) {
                twReschedule(tw, TcpTimer.TCP_TIMEWAIT_LEN_MS);
            }
            return twOowRateLimit(tw, skb, TcpMib.ACK_SKIPPED_TIME_WAIT) | paws;
        }
        return TW_SUCCESS | paws;
    }

    /**
     * Linux: {@code tcp_timewait_check_oow_rate_limit()}: an ACK in answer, at most one per
     * {@code tcp_invalid_ratelimit} unless the segment carries data; a skipped one is counted in
     * {@code mibIdx} (TCPACKSkippedFinWait2 or TCPACKSkippedTimeWait, by substate).
     */
    private int twOowRateLimit(TcpTimewaitSock tw, SkBuff skb, int mibIdx) {
        int th = skb.data;
        if (seq(skb) != endSeq(skb) && (TcpHeader.flags(skb, th) & SYN) == 0) {
            return TW_ACK;
        }
        long now = tcp.nowMs();
        if (tw.lastOowAckTimeMs != 0 && now - tw.lastOowAckTimeMs < tcp.sysctl().invalidRatelimitMs) {
            tcp.extMib().inc(mibIdx);
            return TW_SUCCESS;
        }
        tw.lastOowAckTimeMs = Math.max(now, 1);
        return TW_ACK;
    }

    private void twReschedule(TcpTimewaitSock tw, int ms) {
        tcp.net().timers().modTimer(tw.timer, tcp.nowNs() + ms * 1_000_000L);
    }
}
