package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.PacketType;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ipv4.Flowi4;
import dev.packetflow.net.ipv4.IcmpHeader;
import dev.packetflow.net.ipv4.IpOutput;
import dev.packetflow.net.ipv4.IpSockglue;
import dev.packetflow.net.ipv4.Ipv4Header;
import dev.packetflow.net.ipv4.Rtable;
import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.Sock;

import static dev.packetflow.net.ipv4.tcp.TcpHeader.*;
import static dev.packetflow.net.ipv4.tcp.TcpSock.*;
import static dev.packetflow.net.ipv4.tcp.TcpSkbCb.*;

/**
 * TCP over IPv4: the receive entry ({@code tcp_v4_rcv}: header checks, checksum, the socket lookup
 * by 4-tuple in the established table then the listeners, the socket lock or its backlog), the
 * replies sent without a full sock (RST to segments of no connection, SYN-ACKs and ACKs of
 * request socks, ACKs of TIME_WAIT socks), ICMP errors ({@code tcp_v4_err}: path MTU, unreachable)
 * and routing.
 *
 * <p>Linux: {@code net/ipv4/tcp_ipv4.c}.
 */
final class TcpIpv4 {
    private final Tcp tcp;

    TcpIpv4(Tcp tcp) {
        this.tcp = tcp;
    }

    // ================================================================ receive

    /**
     * Linux: {@code tcp_v4_early_demux()}. Before routing, finds the connection of a segment that
     * is for this host alone (no socket or route yet, not a fragment) by the exact four-tuple in
     * the established table and leaves its sock in the skb ({@link Sock#SOCK_PFREE}) for
     * {@link #tcpV4Rcv} to take without a second lookup; if the sock kept the input route of its
     * segments and that is still valid, it becomes the skb's route and routing is skipped. Only
     * full socks are taken, as Linux gives only those ({@code sk_fullsock()}) their kept route: a
     * request or TIME_WAIT sock is left to the lookup in {@code tcp_v4_rcv}. Returns the sock found,
     * or null.
     */
    Sock earlyDemux(SkBuff skb, int genid) {
        int nh = skb.networkHeader;
        int th = nh + Ipv4Header.headerLength(skb, nh);
        if (skb.pktType != SkBuff.PACKET_HOST || skb.tail - th < MIN_LEN || TcpHeader.doff(skb, th) < MIN_LEN) {
            return null;
        }
        int dif = skb.dev != null ? skb.dev.ifindex() : 0;
        Object o = tcp.hashinfo.lookupEstablished(Ipv4Header.sourceAddress(skb, nh), TcpHeader.source(skb, th),
                Ipv4Header.destinationAddress(skb, nh), TcpHeader.dest(skb, th), dif);
        if (!(o instanceof TcpSock sk)) {
            return null;
        }
        boolean kept = sk.skbEarlyDemuxed(skb, genid, dif);
        if (Tcp.TP_TCP_V4_EARLY_DEMUX.enabled) {
            Tcp.TP_TCP_V4_EARLY_DEMUX.fire(tcp.net(), skb, kept ? 1 : 0);
        }
        return sk;
    }

    /** Linux: {@code tcp_v4_rcv()}. {@code skb.data} at the TCP header; takes the skb. */
    int tcpV4Rcv(SkBuff skb) {
        NetStack net = tcp.net();
        if (Tcp.TP_TCP_V4_RCV.enabled) {
            Tcp.TP_TCP_V4_RCV.fire(net, skb, 0);
        }
        if (skb.pktType != SkBuff.PACKET_HOST) {
            Skb.kfreeSkb(net, skb, DropReason.OTHERHOST);
            return PacketType.NET_RX_DROP;
        }
        tcp.mib().inc(TcpMib.IN_SEGS);
        int th = skb.data;
        int len = skb.len();
        if (len < MIN_LEN) {
            Skb.kfreeSkb(net, skb, DropReason.PKT_TOO_SMALL);
            return PacketType.NET_RX_DROP;
        }
        int doff = TcpHeader.doff(skb, th);
        if (doff < MIN_LEN || doff > len) {
            tcp.mib().inc(TcpMib.IN_ERRS);
            Skb.kfreeSkb(net, skb, DropReason.PKT_TOO_SMALL);
            return PacketType.NET_RX_DROP;
        }
        int nh = skb.networkHeader;
        int saddr = Ipv4Header.sourceAddress(skb, nh);
        int daddr = Ipv4Header.destinationAddress(skb, nh);
        // skb_csum_unnecessary(): a CHECKSUM_PARTIAL packet (a GSO packet from a stack in this
        // process, over veth or loopback) never met a wire that could corrupt it.
        if (skb.ipSummed != SkBuff.CHECKSUM_UNNECESSARY && skb.ipSummed != SkBuff.CHECKSUM_PARTIAL
                && !TcpHeader.checksumOk(skb, th, len, saddr, daddr)) {
            tcp.mib().inc(TcpMib.IN_CSUM_ERRORS);
            tcp.mib().inc(TcpMib.IN_ERRS);
            Skb.kfreeSkb(net, skb, DropReason.TCP_CSUM);
            return PacketType.NET_RX_DROP;
        }
        skb.ipSummed = SkBuff.CHECKSUM_UNNECESSARY;
        skb.transportHeader = th;
        int flags = TcpHeader.flags(skb, th);
        int seq = TcpHeader.seq(skb, th);
        TcpSkbCb.init(skb, seq, seq + ((flags & SYN) != 0 ? 1 : 0) + ((flags & FIN) != 0 ? 1 : 0) + len - doff, flags);
        setAckSeq(skb, TcpHeader.ackSeq(skb, th));
        int sport = TcpHeader.source(skb, th);
        int dport = TcpHeader.dest(skb, th);
        int dif = skb.dev != null ? skb.dev.ifindex() : 0;
        // Linux: __inet_lookup_skb() takes what early demux found (skb_steal_sock()). A sock closed
        // since then goes through the lookup again rather than receive for a dead connection.
        Sock stolen = Sock.skbStealSock(skb);
        for (int attempt = 0; attempt < 3; attempt++) {
            Object o = attempt == 0 && stolen != null && stolen.state != TCP_CLOSE ? stolen
                    : tcp.hashinfo.lookupEstablished(saddr, sport, daddr, dport, dif);
            if (o == null) {
                TcpSock l = tcp.hashinfo.lookupListener(daddr, dport, dif);
                if (l != null) {
                    return minTtlOk(l, skb) ? rcvLocked(l, skb) : minTtlDrop(skb);
                }
                return noSocket(skb);
            }
            if (o instanceof TcpSock sk) {
                return minTtlOk(sk, skb) ? rcvLocked(sk, skb) : minTtlDrop(skb);
            }
            if (o instanceof TcpRequestSock req) {
                if (req.listener.state != TCP_LISTEN) {
                    lockedReqDrop(req);
                    continue;
                }
                return rcvLocked(req.listener, skb);
            }
            if (o instanceof TcpTimewaitSock tw) {
                int r = tcp.minisocks.twProcess(tw, skb);
                switch (r & TcpMinisocks.TW_VERDICT) {
                    case TcpMinisocks.TW_SYN -> {
                        TcpSock l = tcp.hashinfo.lookupListener(daddr, dport, dif);
                        if (l != null) {
                            tcp.minisocks.twKill(tw);
                            return rcvLocked(l, skb);
                        }
                        tcp.minisocks.twIsn = 0;
                        twSendAck(tw, skb);
                    }
                    case TcpMinisocks.TW_ACK -> twSendAck(tw, skb);
                    case TcpMinisocks.TW_RST -> {
                        sendReset(null, skb);
                        tcp.minisocks.twKill(tw);
                    }
                    default -> {
                    }
                }
                if ((r & TcpMinisocks.TW_PAWS_REJECTED) != 0) {
                    Skb.kfreeSkb(net, skb, DropReason.TCP_RFC7323_TW_PAWS);
                    return PacketType.NET_RX_DROP;
                }
                Skb.consumeSkb(skb);
                return PacketType.NET_RX_SUCCESS;
            }
        }
        return noSocket(skb);
    }

    /**
     * Linux: the {@code min_ttl} check of {@code tcp_v4_rcv()}: a full sock (not a request or
     * TIME_WAIT one) takes no segment whose TTL is below its {@code IP_MINTTL} (RFC 5082's GTSM:
     * a peer one hop away sends with TTL 255, which nobody farther away can forge).
     */
    private static boolean minTtlOk(TcpSock sk, SkBuff skb) {
        int min = sk.minTtl;
        return min == 0 || Ipv4Header.timeToLive(skb, skb.networkHeader) >= min;
    }

    private int minTtlDrop(SkBuff skb) {
        tcp.extMib().inc(TcpMib.MIN_TTL_DROP);
        Skb.kfreeSkb(tcp.net(), skb, DropReason.TCP_MINTTL);
        return PacketType.NET_RX_DROP;
    }

    private void lockedReqDrop(TcpRequestSock req) {
        TcpSock l = req.listener;
        l.bhLockSock();
        try {
            tcp.minisocks.reqDrop(req);
        } finally {
            l.bhUnlockSock();
        }
    }

    private int noSocket(SkBuff skb) {
        sendReset(null, skb);
        Skb.kfreeSkb(tcp.net(), skb, DropReason.NO_SOCKET);
        return PacketType.NET_RX_DROP;
    }

    /** The socket lock or the backlog (Linux: {@code bh_lock_sock()}, {@code tcp_add_backlog()}). */
    private int rcvLocked(TcpSock sk, SkBuff skb) {
        sk.bhLockSock();
        try {
            if (!sk.ownedByUser()) {
                doRcv(sk, skb);
                return PacketType.NET_RX_SUCCESS;
            }
            return addBacklog(sk, skb);
        } finally {
            sk.bhUnlockSock();
        }
    }

    /** Linux: {@code tcp_add_backlog()}: the owner processes it at {@code release_sock()}. */
    private int addBacklog(TcpSock sk, SkBuff skb) {
        long limit = (long) sk.rcvbuf + sk.sndbuf + 64 * 1024 - sk.rmemAlloc;
        if (sk.skAddBacklog(skb, (int) Math.max(0, Math.min(limit, Integer.MAX_VALUE))) != 0) {
            tcp.extMib().inc(TcpMib.BACKLOG_DROP);
            sk.countDrop();
            Skb.kfreeSkb(tcp.net(), skb, DropReason.SOCKET_BACKLOG);
            return PacketType.NET_RX_DROP;
        }
        return PacketType.NET_RX_SUCCESS;
    }

    /**
     * Linux: {@code tcp_v4_do_rcv()}: ESTABLISHED to the fast/slow path, LISTEN to the handshake
     * code, everything else to the state machine; a reset answers what the state machine rejects.
     */
    int doRcv(TcpSock sk, SkBuff skb) {
        if (Tcp.TP_TCP_V4_DO_RCV.enabled) {
            Tcp.TP_TCP_V4_DO_RCV.fire(tcp.net(), skb, 0);
        }
        sk.segsIn++;
        if (skb.len() > TcpHeader.doff(skb, skb.data)) {
            sk.dataSegsIn++;
        }
        if (sk.state == TCP_ESTABLISHED) {
            sk.skMarkNapiId(skb); // the device a busy-polling reader polls
            tcp.input.rcvEstablished(sk, skb);
            return 0;
        }
        if (sk.state == TCP_LISTEN) {
            return listenRcv(sk, skb);
        }
        sk.skMarkNapiId(skb); // Linux: in tcp_finish_connect(), tcp_child_process()
        DropReason reason = tcp.stateProcess.rcvStateProcess(sk, skb);
        if (reason != null) {
            sendReset(sk, skb);
            Skb.kfreeSkb(tcp.net(), skb, reason);
        }
        return 0;
    }

    /** A segment on a listener: the handshake's ACK, a SYN cookie's ACK, or a new SYN. */
    private int listenRcv(TcpSock l, SkBuff skb) {
        int th = skb.data;
        int flags = TcpHeader.flags(skb, th);
        int nh = skb.networkHeader;
        int saddr = Ipv4Header.sourceAddress(skb, nh);
        int daddr = Ipv4Header.destinationAddress(skb, nh);
        int sport = TcpHeader.source(skb, th);
        int dport = TcpHeader.dest(skb, th);
        int dif = skb.dev != null ? skb.dev.ifindex() : 0;
        Object o = tcp.hashinfo.lookupEstablished(saddr, sport, daddr, dport, dif);
        if (o instanceof TcpRequestSock req && !req.dead && req.listener == l) {
            Object r = tcp.minisocks.checkReq(l, req, skb);
            if (r == null) {
                return 0; // it took the skb
            }
            if (r != l) {
                return childProcess(l, (TcpSock) r, skb);
            }
        } else if (o instanceof TcpSock child) {
            return rcvLocked(child, skb);
        } else if ((flags & SYN) == 0) {
            Object c = tcp.minisocks.cookieCheck(l, skb);
            if (c == null) {
                return 0; // it dropped the skb
            }
            if (c != l) {
                return childProcess(l, (TcpSock) c, skb);
            }
        }
        // tcp_rcv_state_process(), case TCP_LISTEN
        if ((flags & ACK) != 0) {
            sendReset(l, skb);
            Skb.kfreeSkb(tcp.net(), skb, DropReason.TCP_FLAGS);
            return 0;
        }
        if ((flags & RST) != 0) {
            Skb.kfreeSkb(tcp.net(), skb, DropReason.TCP_RESET);
            return 0;
        }
        if ((flags & SYN) == 0 || (flags & FIN) != 0) {
            Skb.kfreeSkb(tcp.net(), skb, DropReason.TCP_FLAGS);
            return 0;
        }
        // A SYN the listener cannot take (queue full, no route) is counted in ListenDrops and
        // consumed, as Linux does: tcp_conn_request() returns 0 for it.
        tcp.minisocks.connRequest(l, skb);
        Skb.consumeSkb(skb);
        return 0;
    }

    /** Linux: {@code tcp_child_process()}: the new child handles the ACK; the listener's readers wake. */
    private int childProcess(TcpSock l, TcpSock child, SkBuff skb) {
        child.bhLockSock();
        try {
            int st = child.state;
            if (!child.ownedByUser()) {
                DropReason reason = tcp.stateProcess.rcvStateProcess(child, skb);
                if (reason != null) {
                    sendReset(child, skb);
                    Skb.kfreeSkb(tcp.net(), skb, reason);
                }
                if (st == TCP_SYN_RECV && child.state != st) {
                    l.skDataReady();
                }
            } else {
                child.skAddBacklog(skb, Integer.MAX_VALUE);
            }
        } finally {
            child.bhUnlockSock();
        }
        return 0;
    }

    // ================================================================ replies without a sock

    /**
     * Linux: {@code tcp_v4_send_reset()}: the reset answering {@code skb} (RFC 9293 3.10.7.1): with
     * an ACK in it, sequence = its ACK number and no ACK flag; without, sequence 0 and ACK of
     * everything it occupied. Never to a reset; only to segments that were for us.
     *
     * <p>Sent by the stack's control socket, not by {@code sk}: it echoes the TOS of the segment it
     * answers without its ECN bits (RFC 3168 6.1.5) and has the default TTL, whatever
     * {@code IP_TOS}/{@code IP_TTL} the sock has. (A reset the sock itself sends, an abort, is
     * {@link TcpOutput#sendActiveReset} and carries them.)
     */
    void sendReset(TcpSock sk, SkBuff in) {
        int th = in.transportHeader;
        int flags = TcpHeader.flags(in, th);
        if ((flags & RST) != 0) {
            return;
        }
        if (sk == null && in.dst instanceof Rtable rt && !rt.isLocal()) {
            return;
        }
        int nh = in.networkHeader;
        int saddr = Ipv4Header.destinationAddress(in, nh);
        int daddr = Ipv4Header.sourceAddress(in, nh);
        int seq;
        int ack;
        int rflags;
        if ((flags & ACK) != 0) {
            seq = TcpHeader.ackSeq(in, th);
            ack = 0;
            rflags = RST;
        } else {
            seq = 0;
            ack = TcpHeader.seq(in, th) + ((flags & SYN) != 0 ? 1 : 0) + ((flags & FIN) != 0 ? 1 : 0)
                    + in.len() - TcpHeader.doff(in, th);
            rflags = RST | ACK;
        }
        int tos = Ipv4Header.tos(in, nh) & ~IpSockglue.INET_ECN_MASK;
        SkBuff skb = buildReply(saddr, daddr, TcpHeader.dest(in, th), TcpHeader.source(in, th), seq, ack, rflags,
                0, false, 0, 0);
        if (skb == null) {
            return;
        }
        if (Tcp.TP_TCP_SEND_RESET.enabled) {
            Tcp.TP_TCP_SEND_RESET.fire(tcp.net(), skb, 0);
        }
        tcp.mib().inc(TcpMib.OUT_SEGS);
        tcp.mib().inc(TcpMib.OUT_RSTS);
        sendReply(skb, saddr, daddr, tos, in.dev != null ? in.dev.ifindex() : 0);
    }

    /**
     * Linux: {@code tcp_v4_timewait_ack()}: with the TOS the connection had ({@code tw_tos}) and,
     * sent by the control socket, the default TTL.
     */
    private void twSendAck(TcpTimewaitSock tw, SkBuff in) {
        boolean ts = tw.tsRecent != 0 || tw.tstampOk;
        SkBuff skb = buildReply(tw.laddr, tw.faddr, tw.lport, tw.fport, tw.sndNxt, tw.rcvNxt, ACK,
                tw.rcvWnd >>> tw.rcvWscale, ts && tw.tsRecent != 0, (int) tcp.nowMs() + tw.tsOffset, tw.tsRecent);
        if (skb != null) {
            tcp.mib().inc(TcpMib.OUT_SEGS);
            sendReply(skb, tw.laddr, tw.faddr, tw.tos, 0);
        }
    }

    /**
     * Linux: {@code tcp_v4_reqsk_send_ack()}: an ACK for a request sock (out-of-window segment),
     * echoing the TOS of the segment it answers, less its ECN bits, with the default TTL.
     */
    void sendReqAck(TcpRequestSock req, SkBuff in) {
        SkBuff skb = buildReply(req.locAddr, req.rmtAddr, req.locPort, req.rmtPort, req.sntIsn + 1, req.rcvNxt, ACK,
                req.rcvWnd >>> req.rcvWscale, req.tsRecent != 0, (int) tcp.nowMs() + req.tsOff, req.tsRecent);
        if (skb != null) {
            tcp.mib().inc(TcpMib.OUT_SEGS);
            int tos = Ipv4Header.tos(in, in.networkHeader) & ~IpSockglue.INET_ECN_MASK;
            sendReply(skb, req.locAddr, req.rmtAddr, tos, 0);
        }
    }

    /** A bare header (with an aligned timestamp option if {@code ts}) in a fresh skb, checksummed. */
    private SkBuff buildReply(int saddr, int daddr, int sport, int dport, int seq, int ack, int flags, int window,
            boolean ts, int tsval, int tsecr) {
        SkBuff skb = tcp.net().pool().alloc(TcpOutput.MAX_TCP_HEADER);
        if (skb == null) {
            return null;
        }
        skb.reserve(TcpOutput.MAX_TCP_HEADER);
        int hl = MIN_LEN + (ts ? TCPOLEN_TSTAMP_ALIGNED : 0);
        int th = skb.push(hl);
        skb.transportHeader = th;
        TcpHeader.write(skb, th, sport, dport, seq, ack, hl, flags, window);
        if (ts) {
            skb.setU32(th + MIN_LEN, TSTAMP_ALIGNED_WORD);
            skb.setU32(th + MIN_LEN + 4, tsval);
            skb.setU32(th + MIN_LEN + 8, tsecr);
        }
        TcpHeader.fillChecksum(skb, th, hl, saddr, daddr);
        skb.ipSummed = SkBuff.CHECKSUM_UNNECESSARY;
        return skb;
    }

    /**
     * Linux: {@code ip_send_unicast_reply()} on the per-CPU TCP control socket: routed back to the
     * sender, DF, IP ID 0, the default TTL (the control socket's {@code uc_ttl} is -1).
     */
    private void sendReply(SkBuff skb, int saddr, int daddr, int tos, int oif) {
        Flowi4 fl4 = new Flowi4().init(daddr, saddr, 0, 6);
        Rtable rt = tcp.net().ipv4().route().ipRouteOutput(fl4);
        if (rt == null) {
            Skb.kfreeSkb(tcp.net(), skb, DropReason.IP_OUTNOROUTES);
            return;
        }
        tcp.net().ipv4().output().ipSendSkb(skb, rt, saddr, daddr, 6, -1, tos, IpOutput.IP_PMTUDISC_DO);
    }

    // ================================================================ SYN-ACK

    /** Linux: {@code inet_csk_route_req()}: the route of a request's replies; null if unroutable. */
    Rtable routeReq(TcpRequestSock req) {
        Flowi4 fl4 = new Flowi4().init(req.rmtAddr, req.locAddr, 0, 6);
        int genid = tcp.net().ipv4().route().rtGenid();
        Rtable rt = tcp.net().ipv4().route().ipRouteOutput(fl4);
        if (rt != null) {
            req.route = rt;
            req.routeGenid = genid;
            req.routeMtu = rt.mtu();
        }
        return rt;
    }

    /**
     * Linux: {@code tcp_v4_send_synack()} / {@code tcp_make_synack()}: SYN-ACK with MSS, SACK
     * permitted, timestamps and window scale as negotiated, in Linux's layout. Sent on behalf of
     * the listener ({@code ip_build_and_send_pkt()} with the listener as the sock): the listener's
     * TOS and TTL as they are when it leaves, retransmissions included.
     */
    void sendSynack(TcpSock listener, TcpRequestSock req, boolean cookie) {
        long nowUs = tcp.nowUs();
        int tsval = 0;
        if (req.tstampOk) {
            tsval = (int) (nowUs / 1000);
            if (cookie) {
                tsval = TcpSyncookies.initTimestamp(tsval, req.wscaleOk, req.sndWscale, req.sackOk);
            }
            tsval += req.tsOff;
            if (req.sntTsvalFirst == 0) {
                req.sntTsvalFirst = tsval == 0 ? -1 : tsval;
            }
            req.sntTsvalLast = tsval;
        }
        int optLen = TcpOutput.synOptionsLen(req.advmss, req.tstampOk, req.sackOk, req.wscaleOk);
        SkBuff skb = tcp.net().pool().alloc(TcpOutput.MAX_TCP_HEADER);
        if (skb == null) {
            return;
        }
        skb.reserve(TcpOutput.MAX_TCP_HEADER);
        int hl = MIN_LEN + optLen;
        int th = skb.push(hl);
        skb.transportHeader = th;
        TcpHeader.write(skb, th, req.locPort, req.rmtPort, req.sntIsn, req.rcvNxt, hl, SYN | ACK,
                Math.min(req.rcvWnd, 65535));
        TcpOutput.writeSynOptions(skb, th + MIN_LEN, req.advmss, req.tstampOk, tsval, req.tsRecent, req.sackOk,
                req.wscaleOk ? req.rcvWscale : -1);
        TcpHeader.fillChecksum(skb, th, hl, req.locAddr, req.rmtAddr);
        skb.ipSummed = SkBuff.CHECKSUM_UNNECESSARY;
        req.sntSynackUs = nowUs;
        tcp.mib().inc(TcpMib.OUT_SEGS);
        Rtable rt = req.route;
        tcp.net().ipv4().output().ipSendSkb(skb, rt, req.locAddr, req.rmtAddr, 6, listener.ucTtl, listener.tos,
                IpOutput.IP_PMTUDISC_DO);
    }

    /** Linux: {@code tcp_rtx_synack()}. */
    void rtxSynack(TcpSock listener, TcpRequestSock req) {
        tcp.mib().inc(TcpMib.RETRANS_SEGS);
        tcp.extMib().inc(TcpMib.SYN_RETRANS);
        req.numRetrans++;
        sendSynack(listener, req, false);
    }

    // ================================================================ routing

    /** Linux: {@code inet_sk_rebuild_header()}: a fresh route for the sock (or null). */
    Rtable rebuildHeader(TcpSock tp) {
        Flowi4 fl4 = new Flowi4().init(tp.daddr, tp.saddr, tp.boundDevIf, 6);
        tp.dstGenid = tcp.net().ipv4().route().rtGenid(); // before the lookup: a change meanwhile makes it stale
        Rtable rt = tcp.net().ipv4().route().ipRouteOutput(fl4);
        tp.dst = rt;
        if (rt == null) {
            tp.errSoft = -fl4.err;
        }
        return rt;
    }

    // ================================================================ ICMP

    /**
     * Linux: {@code tcp_v4_err()}: an ICMP error quoting one of our segments. Fragmentation needed
     * lowers the path MTU and resends at once (RFC 1191); unreachables end a connection attempt
     * (EHOSTUNREACH, ECONNREFUSED for port unreachable...) and are remembered as the soft error of
     * an established one, reported if it times out (RFC 1122 4.2.3.9).
     */
    void tcpV4Err(SkBuff skb, int type, int code, int info) {
        int q = skb.data;
        int ihl = Ipv4Header.headerLength(skb, q);
        int th = q + ihl;
        int daddr = Ipv4Header.destinationAddress(skb, q);
        int saddr = Ipv4Header.sourceAddress(skb, q);
        int dport = skb.u16(th + DEST);
        int sport = skb.u16(th + SOURCE);
        int seq = skb.u32(th + SEQ);
        int dif = skb.dev != null ? skb.dev.ifindex() : 0;
        Object o = tcp.hashinfo.lookupEstablished(daddr, dport, saddr, sport, dif);
        if (o == null) {
            tcp.net().ipv4().icmpMib().inc(dev.packetflow.net.ipv4.IpMib.ICMP_IN_ERRORS);
            return;
        }
        if (o instanceof TcpTimewaitSock) {
            return;
        }
        if (o instanceof TcpRequestSock req) {
            if (seq != req.sntIsn) {
                tcp.extMib().inc(TcpMib.OUT_OF_WINDOW_ICMPS);
                return;
            }
            boolean abort = type == IcmpHeader.ICMP_PARAMETERPROB || type == IcmpHeader.ICMP_TIME_EXCEEDED
                    || (type == IcmpHeader.ICMP_DEST_UNREACH
                    && (code == IcmpHeader.ICMP_NET_UNREACH || code == IcmpHeader.ICMP_HOST_UNREACH));
            if (abort) {
                lockedReqDrop(req);
            }
            return;
        }
        TcpSock sk = (TcpSock) o;
        sk.bhLockSock();
        try {
            boolean owned = sk.ownedByUser();
            if (owned && !(type == IcmpHeader.ICMP_DEST_UNREACH && code == IcmpHeader.ICMP_FRAG_NEEDED)) {
                tcp.extMib().inc(TcpMib.LOCK_DROPPED_ICMPS);
            }
            if (sk.state == TCP_CLOSE) {
                return;
            }
            if (!between(seq, sk.sndUna, sk.sndNxt)) {
                tcp.extMib().inc(TcpMib.OUT_OF_WINDOW_ICMPS);
                return;
            }
            int err;
            switch (type) {
                case IcmpHeader.ICMP_PARAMETERPROB -> err = Errno.EPROTO.code;
                case IcmpHeader.ICMP_DEST_UNREACH -> {
                    if (code > IcmpHeader.NR_ICMP_UNREACH) {
                        return;
                    }
                    if (code == IcmpHeader.ICMP_FRAG_NEEDED) {
                        sk.mtuInfo = info;
                        if (!owned) {
                            mtuReduced(sk);
                        } else {
                            sk.tsqFlags |= TCP_MTU_REDUCED_DEFERRED;
                        }
                        return;
                    }
                    err = unreachErrno(code);
                    if (code == IcmpHeader.ICMP_NET_UNREACH || code == IcmpHeader.ICMP_HOST_UNREACH) {
                        ldRtoRevert(sk, seq);
                    }
                }
                case IcmpHeader.ICMP_TIME_EXCEEDED -> err = Errno.EHOSTUNREACH.code;
                default -> {
                    return;
                }
            }
            if (sk.state == TCP_SYN_SENT || sk.state == TCP_SYN_RECV) {
                if (!owned) {
                    tcp.proto().setErr(sk, err);
                    tcp.proto().writeQueuePurge(sk);
                    tcp.proto().done(sk);
                    if (!sk.isDead()) {
                        sk.skErrorReport();
                    }
                } else {
                    sk.errSoft = err;
                }
                return;
            }
            if (!owned && sk.recverr) {
                tcp.proto().setErr(sk, err);
            } else {
                sk.errSoft = err;
            }
        } finally {
            sk.bhUnlockSock();
        }
    }

    /** Linux's {@code icmp_err_convert[]}. */
    private static int unreachErrno(int code) {
        return switch (code) {
            case IcmpHeader.ICMP_NET_UNREACH -> Errno.ENETUNREACH.code;
            case IcmpHeader.ICMP_HOST_UNREACH -> Errno.EHOSTUNREACH.code;
            case IcmpHeader.ICMP_PROT_UNREACH -> Errno.ENOPROTOOPT.code;
            case IcmpHeader.ICMP_PORT_UNREACH -> Errno.ECONNREFUSED.code;
            case IcmpHeader.ICMP_FRAG_NEEDED -> Errno.EMSGSIZE.code;
            case 5 -> Errno.EOPNOTSUPP.code;
            case 6, 9, 11 -> Errno.ENETUNREACH.code;
            case 7 -> Errno.EHOSTDOWN.code;
            default -> Errno.EHOSTUNREACH.code;
        };
    }

    /**
     * Linux: {@code tcp_ld_RTO_revert()} (RFC 6069): an unreachable for the head segment while
     * backed off means the path is down, not congested: undo one backoff step and retransmit
     * sooner.
     */
    private void ldRtoRevert(TcpSock sk, int seq) {
        if (seq != sk.sndUna || sk.retransmits == 0 || sk.backoff == 0 || sk.isDead()) {
            return;
        }
        SkBuff skb = sk.rtxHead();
        if (skb == null) {
            return;
        }
        sk.backoff--;
        int base = sk.srttUs != 0 ? TcpOutput.usToMs(sk, ((sk.srttUs & 0xffffffffL) >> 3) + sk.rttvarUs)
                : TcpTimer.TCP_TIMEOUT_INIT_MS;
        sk.rto = Math.min(base << sk.backoff, TcpTimer.TCP_RTO_MAX_MS);
        long remaining = TcpSkbCb.txTimeUs(skb) / 1000 + sk.rto - tcp.nowMs();
        if (remaining > 0) {
            tcp.timer.resetXmitTimer(sk, ICSK_TIME_RETRANS, remaining);
        } else {
            tcp.timer.retransmitTimer(sk);
        }
    }

    /**
     * Linux: {@code tcp_v4_mtu_reduced()}: the path MTU fell; the MSS follows and the segments
     * that no longer fit are resent at once (Linux: {@code tcp_simple_retransmit()}).
     */
    void mtuReduced(TcpSock sk) {
        if (sk.state == TCP_LISTEN || sk.state == TCP_CLOSE) {
            return;
        }
        int mtu = sk.mtuInfo;
        tcp.net().ipv4().route().updatePmtu(sk.daddr, mtu);
        Rtable rt = rebuildHeader(sk);
        if (rt == null) {
            return;
        }
        int dstMtu = rt.mtu();
        if (mtu < dstMtu) {
            sk.errSoft = Errno.EMSGSIZE.code;
        }
        if (sk.pmtudisc != IpOutput.IP_PMTUDISC_DONT && sk.pmtuCookie > dstMtu) {
            tcp.window.syncMss(sk, dstMtu);
            int mss = tcp.window.currentMss(sk);
            for (SkBuff skb = sk.rtxHead(); skb != null && skb != sk.sendHead; skb = skb.next) {
                if ((TcpSkbCb.pcount(skb) == 1 ? skb.len() : TcpSkbCb.skbMss(skb)) > mss) { // tcp_skb_seglen()
                    tcp.recovery.markSkbLost(sk, skb);
                }
            }
            sk.retransmitHint = null;
            if (sk.lostOut == 0) {
                return;
            }
            if (sk.caState != TCP_CA_LOSS) {
                sk.highSeq = sk.sndNxt;
                sk.sndSsthresh = sk.currentSsthresh();
                sk.priorSsthresh = 0;
                sk.undoMarker = 0;
                tcp.recovery.setCaState(sk, TCP_CA_LOSS);
            }
            tcp.retrans.xmitRetransmitQueue(sk);
        }
    }
}
