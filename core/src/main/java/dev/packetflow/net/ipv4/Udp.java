package dev.packetflow.net.ipv4;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.Mib;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.PacketType;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.socket.Datagram;
import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.InetProtosw;
import dev.packetflow.net.socket.MsgHdr;
import dev.packetflow.net.socket.Proto;
import dev.packetflow.net.socket.Sock;
import dev.packetflow.net.socket.Scm;
import dev.packetflow.net.socket.SockAddrIn;
import dev.packetflow.trace.Trace;
import dev.packetflow.trace.Tracepoint;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * UDP (RFC 768, RFC 1122 section 4.1) for one stack: the protocol behind
 * {@code socket(AF_INET, SOCK_DGRAM, 0)}, registered with the socket layer (as {@code udp_prot}
 * under {@link InetDgramOps}) and with IPv4 (as protocol 17 in {@code inet_protos}).
 *
 * <pre>
 * TX  sendto ─► sock_sendmsg ─► udp_sendmsg (route, header, checksum) ─► ip_send_skb ─► ip_local_out ─► ...
 * RX  ... ─► ip_local_deliver_finish ─► udp_rcv (length, checksum) ─► __udp4_lib_lookup
 *         ─► sock_queue_rcv_skb ─► sk_data_ready ─► (the reader wakes) ─► recvfrom
 *                                 └► no socket: NoPorts, ICMP port unreachable
 * ICMP error about a datagram we sent ─► udp_err ─► the sending socket's error (ECONNREFUSED...)
 * </pre>
 *
 * <h2>Linux behaviour kept</h2>
 * <ul>
 * <li>Sending: a payload over 65507 bytes (or over the path MTU with {@code IP_PMTUDISC_DO})
 *     fails with EMSGSIZE; a larger-than-MTU datagram is otherwise fragmented by IP; a broadcast
 *     destination needs {@code SO_BROADCAST} (EACCES); port 0 is EINVAL; an unconnected socket
 *     without an address is EDESTADDRREQ. The checksum is always computed (0 goes out as 0xFFFF)
 *     unless {@code SO_NO_CHECK}. TTL, TOS, priority and mark come from the socket unless the
 *     send's control messages say otherwise ({@link IpCmsgSend}: {@code IP_PKTINFO} picks source
 *     and interface); a connected socket numbers its datagrams from its own IP ID counter.
 * <li>Receiving: the length field must fit the packet and be at least 8 (else PKT_TOO_SMALL,
 *     InErrors); padding beyond it is trimmed; a non-zero checksum must verify (else UDP_CSUM,
 *     InCsumErrors and InErrors); broadcast and multicast datagrams go to every matching socket
 *     (IgnoredMulti when none); a unicast datagram without a socket counts NoPorts and is answered
 *     with ICMP port unreachable; a full receive buffer drops with SOCKET_RCVBUFF and counts
 *     RcvbufErrors and InErrors. InDatagrams counts datagrams handed to the application by
 *     {@code recvmsg} (not merely queued), as Linux counts it.
 * <li>Corking ({@link UdpCork}): with {@code UDP_CORK} set, or for a send with {@code MSG_MORE},
 *     data is appended to one pending datagram, sent (one header, one checksum, fragmented if
 *     larger than the MTU) when the socket is uncorked or by the next send without
 *     {@code MSG_MORE}. The first corked send fixes the destination; over 65507 bytes in all is
 *     EMSGSIZE and discards the pending data; close discards it too.
 * <li>Segmentation offload ({@link #UDP_SEGMENT}, option or per-send message, {@link UdpCmsg}):
 *     a longer send leaves as one GSO super-packet ({@link SkBuff#SKB_GSO_UDP_L4}, one UDP header,
 *     a partial checksum) that only has to fit one IP packet; EINVAL when a segment would not fit
 *     the path MTU, for more than {@link #UDP_MAX_SEGMENTS} segments or with {@code SO_NO_CHECK},
 *     EIO when the route's device cannot checksum. A veth or the loopback takes it whole; other
 *     devices get it cut ({@link UdpOffload}). At a socket it is cut ({@code udp_rcv_segment}):
 *     the application reads, and the counters count, the separate datagrams; with
 *     {@link #UDP_GRO} it is read whole, one InDatagrams, its segment size in a control message.
 * <li>Control messages ({@link IpCmsg}, {@code msg_control} of {@link MsgHdr}):
 *     {@code IP_PKTINFO}, {@code IP_RECVTTL}, {@code IP_RECVTOS}, {@code SO_TIMESTAMP} and
 *     {@code SO_TIMESTAMPNS}, with MSG_CTRUNC when the buffer is too small.
 * <li>ICMP errors ({@code udp_err}): reported to the socket that sent the datagram, through
 *     {@link Sock#reportError} (so the next send or receive fails once with it), when the socket
 *     is connected and the error is hard (port unreachable gives ECONNREFUSED) or when it set
 *     {@code IP_RECVERR} (every error). With {@code IP_RECVERR} the error is also queued on the
 *     error queue: {@code recvmsg(MSG_ERRQUEUE)} returns the quoted payload, the original
 *     destination as msg_name and a {@code struct sock_extended_err} with the offender's address;
 *     POLLERR is reported while the queue is not empty. "Fragmentation needed" lowers the path MTU.
 *     A datagram too long to send (EMSGSIZE) also leaves a local report there with
 *     {@code IP_RECVERR}, as Linux's {@code ip_local_error} does.
 * </ul>
 *
 * <h2>Differences from Linux</h2>
 * The checksum of an arriving datagram is verified in {@code udp_rcv}, where Linux may defer it
 * to {@code recvmsg} when the device did not verify it (the counters are the same; a bad datagram
 * just never occupies the receive buffer). A corked datagram's data is copied once more, into
 * one buffer, when it is sent (Linux chains its pieces instead). {@code UDP_SEGMENT} follows Linux
 * up to 6.10 (EINVAL and EIO as above, 128 segments); since 6.11 a segment too big for the MTU is
 * EMSGSIZE and a device without checksum offload gets the segments checksummed in software. No USO
 * to a TAP ({@code VIRTIO_NET_HDR_GSO_UDP_L4}); {@code UDP_GRO} takes only super-packets a
 * {@code UDP_SEGMENT} sender built (no {@code udp_gro_receive}). Not implemented yet: a send's
 * SOL_IP/SOL_SOCKET messages ({@code ip_cmsg_send}: skipped), {@code IP_RECVOPTS}/{@code IP_RETOPTS}
 * (IP options are not kept), UDP-Lite, encapsulation sockets, the local copy of a sent broadcast.
 *
 * <p>Threading: sends run in the caller's thread, without locks (the route key is per thread)
 * unless corked (the pending datagram is kept under the socket lock, {@code lock_sock});
 * receives run in softnet; the socket table is read without locks.
 *
 * <p>Linux: {@code net/ipv4/udp.c}, {@code net/ipv4/datagram.c} ({@code ip4_datagram_connect}).
 */
public final class Udp implements Proto, NetProtocol {
    public static final Tracepoint UDP_SENDMSG = Trace.point("udp_sendmsg");
    public static final Tracepoint UDP_RCV = Trace.point("udp_rcv");
    /** The socket lookup of an arriving datagram (the seed's "socket lookup" stage); arg 1 if found. */
    public static final Tracepoint UDP4_LIB_LOOKUP = Trace.point("__udp4_lib_lookup");
    /** Early demux found the datagram's connected socket (value 1 if its kept input route was used too). */
    public static final Tracepoint UDP_V4_EARLY_DEMUX = Trace.point("udp_v4_early_demux");
    public static final Tracepoint UDP_ERR = Trace.point("udp_err");

    /** Largest payload of one datagram: 65535 - 20 (IP header) - 8 (UDP header). */
    public static final int MAX_PAYLOAD = 65507;

    /** {@code SOL_UDP} option: hold the data of sends until uncorked, then send one datagram. */
    public static final int UDP_CORK = 1;
    /**
     * {@code SOL_UDP} option (Linux: {@code UDP_SEGMENT}, 103): an int, the payload size of each
     * datagram a longer send is cut into (generic segmentation offload); 0 turns it off.
     */
    public static final int UDP_SEGMENT = 103;
    /** {@code SOL_UDP} option (104): an int, non-zero to read a super-packet whole ({@link UdpCmsg}). */
    public static final int UDP_GRO = 104;
    /**
     * The most segments one {@code UDP_SEGMENT} send may carry (Linux: {@code UDP_MAX_SEGMENTS},
     * {@code 1 << 7} since 6.10; it was 64 before).
     */
    public static final int UDP_MAX_SEGMENTS = 128;

    // ---- the Udp MIB group, in /proc/net/snmp order
    public static final int IN_DATAGRAMS = 0;
    public static final int NO_PORTS = 1;
    public static final int IN_ERRORS = 2;
    public static final int OUT_DATAGRAMS = 3;
    public static final int RCVBUF_ERRORS = 4;
    public static final int SNDBUF_ERRORS = 5;
    public static final int IN_CSUM_ERRORS = 6;
    public static final int IGNORED_MULTI = 7;
    public static final int MEM_ERRORS = 8;

    private static final ThreadLocal<Sock[][]> MCAST = ThreadLocal.withInitial(() -> new Sock[][] {new Sock[16]});

    private final NetStack net;
    private final Ipv4 ipv4;
    private final UdpTable table;
    private final Mib mib = new Mib("Udp", "InDatagrams", "NoPorts", "InErrors", "OutDatagrams", "RcvbufErrors",
            "SndbufErrors", "InCsumErrors", "IgnoredMulti", "MemErrors");

    /**
     * Creates UDP for {@code net} and registers it: the Udp MIB group, IP protocol 17, and
     * {@code SOCK_DGRAM}/{@code IPPROTO_UDP} sockets. Linux: {@code inet_init()}'s UDP part.
     */
    public Udp(NetStack net) {
        this.net = net;
        this.ipv4 = net.ipv4();
        this.table = new UdpTable(net);
        net.addMib(mib);
        ipv4.addProtocol(Ipv4Header.IPPROTO_UDP, this);
        net.sockets().registerProtosw(new InetProtosw(SOCK_DGRAM, IPPROTO_UDP, this, InetDgramOps.INSTANCE));
    }

    /** The Udp group of {@code /proc/net/snmp}. */
    public Mib mib() {
        return mib;
    }

    /** The bound sockets (Linux: {@code net->ipv4.udp_table}). */
    public UdpTable table() {
        return table;
    }

    @Override
    public String name() {
        return "UDP";
    }

    // ================================================================ socket life

    /** Linux: {@code udp_init_sock()}. */
    @Override
    public Sock newSock(NetStack n, int type, int protocol) {
        return new UdpSock(n, this, type, protocol);
    }

    /**
     * Linux: {@code udp_lib_close()} → {@code sk_common_release()}, whose {@code udp_destroy_sock()}
     * discards a corked socket's pending datagram.
     */
    @Override
    public void close(Sock sk, long timeoutNs) {
        UdpSock u = (UdpSock) sk;
        if (u.cork.pending) {
            sk.lockSock();
            try {
                u.cork.flush(u, DropReason.SOCKET_CLOSE);
            } finally {
                sk.releaseSock();
            }
        }
        sk.skCommonRelease();
    }

    /** Linux: {@code udp_v4_get_port()}. */
    @Override
    public int getPort(Sock sk, int snum) {
        return table.getPort(sk, snum);
    }

    /** Linux: {@code udp_lib_unhash()}. */
    @Override
    public void unhash(Sock sk) {
        table.unhash(sk);
    }

    /** Linux: {@code udp_v4_rehash()}. */
    @Override
    public void rehash(Sock sk) {
        table.rehash(sk);
    }

    /**
     * Linux: {@code ip4_datagram_connect()}. Routes to the peer (ENETUNREACH and the other route
     * errors; EACCES for a broadcast peer without {@code SO_BROADCAST}), takes the route's source
     * address if the socket has none, and records the peer: from now on only its datagrams are
     * received, and sends without an address go to it.
     */
    @Override
    public int connect(Sock sk, SockAddrIn addr) {
        if (addr.family() != AF_INET) {
            return Errno.EAFNOSUPPORT.neg();
        }
        sk.lockSock();
        try {
            ((UdpSock) sk).dstCache = null; // Linux: sk_dst_reset()
            Flowi4 fl4 = ipv4.route().scratchFlow();
            fl4.init(addr.addr(), sk.saddr, sk.boundDevIf, IPPROTO_UDP);
            fl4.tos = sk.tos;
            Rtable rt = ipv4.route().ipRouteOutput(fl4);
            if (rt == null) {
                if (fl4.err == Errno.ENETUNREACH.neg()) {
                    ipv4.ipMib().inc(IpMib.OUT_NO_ROUTES);
                }
                return fl4.err;
            }
            if ((rt.flags & Rtable.RTCF_BROADCAST) != 0 && !sk.broadcast) {
                return Errno.EACCES.neg();
            }
            if (sk.saddr == 0) {
                sk.saddr = fl4.saddr;
            }
            if (sk.rcvSaddr == 0) {
                sk.rcvSaddr = fl4.saddr;
            }
            sk.daddr = fl4.daddr;
            sk.dport = addr.port();
            sk.state = Sock.TCP_ESTABLISHED;
            ((UdpSock) sk).seedInetId(net.random().nextInt());
            // The table keeps the peer in its entry (Linux only rehashes for a new local address).
            table.rehash(sk);
            return 0;
        } finally {
            sk.releaseSock();
        }
    }

    /**
     * Linux: {@code udp_disconnect()} / {@code __udp_disconnect()}: forgets the peer and the bound
     * device; an address or port chosen by connect or autobind (not by {@code bind}) is given up.
     */
    @Override
    public int disconnect(Sock sk, int flags) {
        sk.lockSock();
        try {
            sk.state = Sock.TCP_CLOSE;
            ((UdpSock) sk).dstCache = null; // Linux: sk_dst_reset()
            sk.daddr = 0;
            sk.dport = 0;
            sk.boundDevIf = 0;
            if ((sk.userlocks & Sock.SOCK_BINDADDR_LOCK) == 0) {
                sk.rcvSaddr = 0;
                sk.saddr = 0;
            }
            if ((sk.userlocks & Sock.SOCK_BINDPORT_LOCK) == 0) {
                table.unhash(sk);
                sk.sport = 0;
            } else {
                table.rehash(sk);
            }
            return 0;
        } finally {
            sk.releaseSock();
        }
    }

    // ================================================================ sending

    /**
     * Linux: {@code udp_sendmsg()}: the uncorked fast path ({@code ip_make_skb} then
     * {@code udp_send_skb}), or, with {@code UDP_CORK} or {@code MSG_MORE}, appending to the
     * pending datagram ({@link UdpCork}; a socket with pending data skips the address and route:
     * the first corked send fixed them). Returns {@code len}, or -errno: EMSGSIZE, EOPNOTSUPP
     * (MSG_OOB), EAFNOSUPPORT, EINVAL (port 0; a corked send racing another), EDESTADDRREQ, a
     * route error (ENETUNREACH counts OutNoRoutes), EACCES (broadcast), the socket's pending error
     * (ECONNREFUSED...), EAGAIN (send buffer full, non-blocking; SndbufErrors), EFAULT, or an
     * error of the IP output path.
     */
    @Override
    public int sendmsg(Sock sk, MsgHdr msg, int len) {
        if (UDP_SENDMSG.enabled) {
            UDP_SENDMSG.fire(net, null, Skb.pendingJourney());
        }
        if (len > 0xffff) {
            return Errno.EMSGSIZE.neg();
        }
        if ((msg.flags & MSG_OOB) != 0) {
            return Errno.EOPNOTSUPP.neg();
        }
        UdpSock u = (UdpSock) sk;
        boolean corkreq = u.corkflag || (msg.flags & MSG_MORE) != 0;
        if (u.cork.pending) {
            sk.lockSock();
            try {
                if (u.cork.pending) {
                    return u.cork.appendData(this, u, msg, len, corkreq);
                }
            } finally {
                sk.releaseSock();
            }
        }
        int daddr;
        int dport;
        if (msg.namelen != 0) {
            if (msg.nameFamily != AF_INET && msg.nameFamily != AF_UNSPEC) {
                return Errno.EAFNOSUPPORT.neg();
            }
            daddr = msg.nameAddr;
            dport = msg.namePort;
            if (dport == 0) {
                return Errno.EINVAL.neg();
            }
        } else {
            if (sk.state != Sock.TCP_ESTABLISHED) {
                return Errno.EDESTADDRREQ.neg();
            }
            daddr = sk.daddr;
            dport = sk.dport;
        }
        int gso = u.gsoSize;
        int tos = sk.tos;
        int ttl = 0; // the socket's
        int prio = sk.priority;
        int mark = sk.mark;
        // Linux's "connected": a send to the connected peer with nothing in the message that could
        // route it elsewhere uses the socket's kept route (sk_dst_check) while it is still valid.
        boolean connected = msg.namelen == 0 && msg.controllen == 0 && !InetAddr.isMulticast(daddr);
        Route route = ipv4.route();
        int saddrKey = sk.saddr;
        int oif = sk.boundDevIf;
        // Read before any lookup: a change made meanwhile leaves the route it gives stale.
        int genid = connected ? route.rtGenid() : 0;
        UdpSock.SkDst kept = connected ? u.dstCache : null;
        Rtable rt;
        int saddr;
        if (kept != null && kept.matches(genid, daddr, saddrKey, tos, oif)) {
            rt = kept.rt();
            saddr = kept.saddr();
        } else {
            Flowi4 fl4 = route.scratchFlow();
            fl4.init(daddr, saddrKey, oif, IPPROTO_UDP);
            if (msg.controllen != 0) {
                IpCmsgSend ipc = IpCmsgSend.init(sk, gso);
                int e = ipc.udpSend(sk, msg);
                if (e != 0) {
                    return e;
                }
                fl4.saddr = ipc.addr;
                fl4.oif = ipc.oif;
                gso = ipc.gsoSize;
                tos = ipc.tos;
                ttl = ipc.ttl;
                prio = ipc.priority;
                mark = ipc.mark;
            }
            fl4.tos = tos;
            rt = route.ipRouteOutput(fl4);
            if (rt == null) {
                if (fl4.err == Errno.ENETUNREACH.neg()) {
                    ipv4.ipMib().inc(IpMib.OUT_NO_ROUTES);
                }
                return fl4.err;
            }
            saddr = fl4.saddr;
            if (daddr == 0) {
                daddr = fl4.daddr;
            }
            if (connected && Route.cacheable(rt)) {
                u.dstCache = new UdpSock.SkDst(rt, genid, daddr, saddrKey, tos, oif, saddr); // sk_dst_set
            }
        }
        if ((rt.flags & Rtable.RTCF_BROADCAST) != 0 && !sk.broadcast) {
            return Errno.EACCES.neg();
        }
        // __ip_append_data(): what fits without fragments, unless the socket lets IP fragment
        int pmtudisc = sk.pmtudisc;
        boolean ignoreDf = pmtudisc < IpSockglue.IP_PMTUDISC_DO || pmtudisc == IpSockglue.IP_PMTUDISC_OMIT;
        int ulen = len + UdpHeader.LEN;
        // With UDP_SEGMENT the datagram only has to fit one IP packet; its segments must fit the
        // MTU (udp_send_skb), as __ip_append_data() takes IP_MAX_MTU for a GSO cork.
        int maxnonfrag = ignoreDf || gso != 0 ? Ipv4Header.MAX_TOTAL_LEN : pathMtu(rt, pmtudisc);
        if (corkreq) {
            sk.lockSock();
            try {
                if (u.cork.pending) {
                    return Errno.EINVAL.neg(); // corked by another thread meanwhile: an application bug
                }
                u.cork.setup(rt, saddr, daddr, dport, tos, ttl, prio, mark, pmtudisc,
                        maxnonfrag - Ipv4Header.MIN_LEN, pathMtu(rt, pmtudisc), gso);
                return u.cork.appendData(this, u, msg, len, true);
            } finally {
                sk.releaseSock();
            }
        }
        if (ulen > maxnonfrag - Ipv4Header.MIN_LEN) {
            IpCmsg.ipLocalError(u, Errno.EMSGSIZE.code, daddr, sk.dport, pathMtu(rt, pmtudisc));
            return Errno.EMSGSIZE.neg();
        }
        SkBuff skb = sk.sockAllocSendSkb(IpOutput.DGRAM_HEADROOM + ulen, (msg.flags & MSG_DONTWAIT) != 0, msg);
        if (skb == null) {
            int e = msg.err;
            if (e == Errno.EAGAIN.neg() || e == Errno.ENOBUFS.neg()) {
                mib.inc(SNDBUF_ERRORS); // Linux: ENOBUFS or SOCK_NOSPACE
            }
            return e;
        }
        skb.reserve(IpOutput.DGRAM_HEADROOM);
        int o = skb.put(ulen);
        int e = msg.copyToSkb(skb, o + UdpHeader.LEN, len);
        if (e != 0) {
            Skb.kfreeSkb(net, skb, DropReason.NOT_SPECIFIED);
            return e;
        }
        skb.priority = prio;
        skb.mark = mark;
        e = udpSendSkb((UdpSock) sk, skb, o, ulen, rt, saddr, daddr, dport, tos, ttl, pmtudisc, gso);
        return e == 0 ? len : e;
    }

    /**
     * Linux: {@code udp_send_skb()}: fills the header and checksum of the datagram at {@code o}
     * and passes it to {@code ip_send_skb}. Counts OutDatagrams, or SndbufErrors for a packet the
     * device queue refused (reported only with {@code IP_RECVERR}, as Linux does).
     *
     * <p>With {@code gso} ({@code UDP_SEGMENT}) set, {@link UdpOffload#udpSendGso} checks it
     * (EINVAL, EIO) and makes a longer payload a super-packet with a partial checksum. A non-zero
     * {@code ttl} ({@code IP_TTL} message) replaces the socket's. {@code skb} is always taken.
     */
    int udpSendSkb(UdpSock sk, SkBuff skb, int o, int ulen, Rtable rt, int saddr, int daddr, int dport,
                   int tos, int ttl, int pmtudisc, int gso) {
        skb.setU16(o + UdpHeader.SOURCE, sk.sport);
        skb.setU16(o + UdpHeader.DEST, dport);
        skb.setU16(o + UdpHeader.LENGTH, ulen);
        int segs = 1;
        if (gso != 0) {
            segs = UdpOffload.udpSendGso(sk, skb, ulen - UdpHeader.LEN, gso, pathMtu(rt, pmtudisc), devCsum(rt));
            if (segs < 0) {
                Skb.kfreeSkb(net, skb, DropReason.NOT_SPECIFIED);
                return segs;
            }
        }
        if (segs > 1) {
            udp4Hwcsum(skb, o, ulen, saddr, daddr); // the payload is checksummed per segment
        } else if (sk.noCheckTx) {
            skb.setU16(o + UdpHeader.CHECK, 0);
            skb.ipSummed = SkBuff.CHECKSUM_NONE;
        } else if (hwCsum(rt, ulen)) {
            udp4Hwcsum(skb, o, ulen, saddr, daddr);
        } else {
            UdpHeader.fillChecksum(skb, o, ulen, saddr, daddr);
            skb.ipSummed = SkBuff.CHECKSUM_NONE;
        }
        if (ttl == 0) { // no IP_TTL message
            ttl = rt.type == FibRoute.RTN_MULTICAST || InetAddr.isMulticast(daddr) ? sk.mcTtl : sk.ucTtl;
        }
        // INTERFACE and OMIT never set DF; the size was checked above.
        int ipPmtudisc = pmtudisc >= IpSockglue.IP_PMTUDISC_INTERFACE ? IpSockglue.IP_PMTUDISC_DONT : pmtudisc;
        int id = sk.daddr == 0 ? -1 : segs > 1 ? sk.nextInetId(segs) : sk.nextInetId();
        int err = ipv4.output().ipSendSkb(skb, rt, saddr, daddr, IPPROTO_UDP, ttl, tos, ipPmtudisc, id);
        if (err != 0) {
            if (err == Errno.ENOBUFS.neg() && !sk.recverr) {
                mib.inc(SNDBUF_ERRORS);
                err = 0;
            }
        } else {
            mib.inc(OUT_DATAGRAMS);
        }
        if (err == Errno.ENOBUFS.neg()) {
            mib.inc(SNDBUF_ERRORS);
        }
        return err;
    }

    /**
     * Whether the datagram leaves with its checksum to be completed by the device
     * ({@code CHECKSUM_PARTIAL}), as {@code __ip_append_data()} decides: the route's device
     * checksums ({@code NETIF_F_HW_CSUM} or {@code NETIF_F_IP_CSUM}) and the datagram goes out in
     * one IP packet (a fragmented datagram needs its checksum before it is cut).
     */
    private static boolean hwCsum(Rtable rt, int ulen) {
        NetDevice dev = rt.dev;
        return devCsum(rt) && Ipv4Header.MIN_LEN + ulen <= Math.min(dev.mtu(), rt.mtu());
    }

    /** Whether the route's device checksums IPv4 UDP ({@code NETIF_F_HW_CSUM} or {@code NETIF_F_IP_CSUM}). */
    private static boolean devCsum(Rtable rt) {
        NetDevice dev = rt.dev;
        return dev != null && (dev.features() & (NetDevice.NETIF_F_HW_CSUM | NetDevice.NETIF_F_IP_CSUM)) != 0;
    }

    /**
     * Linux: {@code udp4_hwcsum()} for a linear skb: the check field holds the pseudo-header sum,
     * and whoever transmits finishes it: the NIC, a TAP's kernel side ({@code NEEDS_CSUM}), or
     * {@code skb_checksum_help()} for a device without the offload. Across a veth or loopback it is
     * never computed at all: the receiving stack takes a {@code CHECKSUM_PARTIAL} packet as
     * verified ({@code skb_csum_unnecessary()}), since it never left the machine.
     */
    static void udp4Hwcsum(SkBuff skb, int o, int ulen, int saddr, int daddr) {
        skb.setU16(o + UdpHeader.CHECK,
                ~InetChecksum.fold(InetChecksum.pseudoHeader(saddr, daddr, IPPROTO_UDP, ulen)) & 0xffff);
        skb.ipSummed = SkBuff.CHECKSUM_PARTIAL;
        skb.csumStart = o;
        skb.csumOffset = UdpHeader.CHECK;
    }

    /** Linux: {@code ip_sk_use_pmtu()} ? {@code dst_mtu()} : the device's MTU. */
    private static int pathMtu(Rtable rt, int pmtudisc) {
        if (rt.type == FibRoute.RTN_LOCAL) {
            return Ipv4.LOOPBACK_MTU;
        }
        if (pmtudisc < IpSockglue.IP_PMTUDISC_PROBE || rt.dev == null) {
            return rt.mtu();
        }
        return rt.dev.mtu();
    }

    // ================================================================ receiving: the application's side

    /**
     * Linux: {@code udp_recvmsg()}. Copies one datagram (cut to {@code len}, with MSG_TRUNC in
     * {@code msg.flags} when it was longer; a super-packet taken whole with {@code UDP_GRO} is
     * one), fills the sender's address and port, counts InDatagrams. Returns the bytes copied
     * (the whole length with MSG_TRUNC in {@code flags}) or -errno (EAGAIN, EINTR, EFAULT...).
     */
    @Override
    public int recvmsg(Sock sk, MsgHdr msg, int len, int flags) {
        if ((flags & MSG_ERRQUEUE) != 0) {
            return IpCmsg.ipRecvError((UdpSock) sk, msg, len);
        }
        SkBuff skb = Datagram.skbRecvDatagram(sk, flags, msg);
        if (skb == null) {
            return msg.err;
        }
        boolean peeking = (flags & MSG_PEEK) != 0;
        int ulen = skb.len();
        int copied = len;
        if (copied > ulen) {
            copied = ulen;
        } else if (copied < ulen) {
            msg.flags |= MSG_TRUNC;
        }
        int e = Datagram.skbCopyDatagramMsg(skb, 0, msg, copied);
        if (e != 0) {
            if (!peeking) {
                sk.countDrop();
                mib.inc(IN_ERRORS);
            }
            Datagram.skbFreeDatagram(skb, flags);
            return e;
        }
        if (!peeking) {
            mib.inc(IN_DATAGRAMS);
        }
        Scm.sockRecvTimestamp(msg, sk, skb); // sock_recv_cmsgs()
        msg.setName(Ipv4Header.sourceAddress(skb, skb.networkHeader), UdpHeader.source(skb, skb.transportHeader));
        UdpCmsg.groRecv((UdpSock) sk, msg, skb);
        int cf = ((UdpSock) sk).cmsgFlags;
        if (cf != 0) {
            IpCmsg.cmsgRecv(cf, msg, skb, skb.cb0, skb.cb1);
        }
        Datagram.skbFreeDatagram(skb, flags);
        return (flags & MSG_TRUNC) != 0 ? ulen : copied;
    }

    /** Linux: {@code udp_ioctl()}: SIOCINQ is the next datagram's payload length, SIOCOUTQ the bytes unsent. */
    @Override
    public int ioctl(Sock sk, int cmd, int[] arg) {
        return Datagram.ioctl(sk, cmd, arg);
    }

    /**
     * Linux: {@code udp_setsockopt()}: SOL_IP options ({@link IpSockglue}) and, from
     * {@code udp_lib_setsockopt()}, {@link #UDP_CORK} (clearing it sends the pending datagram) and
     * {@link #UDP_SEGMENT} (0 to 65535, else EINVAL), {@link #UDP_GRO}.
     */
    @Override
    public int setsockopt(Sock sk, int level, int optname, byte[] optval, int optlen) {
        if (level == SOL_UDP) {
            return UdpSockopt.setsockopt(this, (UdpSock) sk, optname, optval, optlen);
        }
        return IpSockglue.setsockopt((UdpSock) sk, level, optname, optval, optlen);
    }

    /** Linux: {@code udp_getsockopt()} ({@code udp_lib_getsockopt()} for SOL_UDP). */
    @Override
    public int getsockopt(Sock sk, int level, int optname, byte[] optval, int[] optlen) {
        if (level == SOL_UDP) {
            return UdpSockopt.getsockopt((UdpSock) sk, optname, optval, optlen);
        }
        int mtu = 0;
        if (level == SOL_IP && optname == IpSockglue.IP_MTU && sk.state == Sock.TCP_ESTABLISHED) {
            Flowi4 fl4 = ipv4.route().scratchFlow();
            fl4.init(sk.daddr, sk.saddr, sk.boundDevIf, IPPROTO_UDP);
            Rtable rt = ipv4.route().ipRouteOutput(fl4);
            if (rt != null) {
                mtu = pathMtu(rt, sk.pmtudisc);
            }
        }
        return IpSockglue.getsockopt((UdpSock) sk, level, optname, optval, optlen, ipv4.ipDefaultTtl(), mtu);
    }

    // ================================================================ receiving: from IP

    /**
     * Linux: {@code udp_rcv()} → {@code __udp4_lib_rcv()}. {@code skb.data} is at the UDP header,
     * {@code skb.dst} the input route. Validates, then delivers to the socket that wants the
     * datagram (or every socket, for broadcast and multicast), or answers port unreachable.
     * Always takes the skb.
     */
    @Override
    public int handler(SkBuff skb) {
        if (UDP_RCV.enabled) {
            UDP_RCV.fire(net, skb, 0);
        }
        int th = skb.data;
        if (skb.len() < UdpHeader.LEN) {
            return drop(skb, DropReason.PKT_TOO_SMALL);
        }
        int ulen = UdpHeader.length(skb, th);
        if (ulen > skb.len() || ulen < UdpHeader.LEN) {
            return drop(skb, DropReason.PKT_TOO_SMALL);
        }
        skb.trim(ulen); // pskb_trim_rcsum(): IP may carry padding beyond the datagram
        int nh = skb.networkHeader;
        int saddr = Ipv4Header.sourceAddress(skb, nh);
        int daddr = Ipv4Header.destinationAddress(skb, nh);
        // skb_csum_unnecessary(): CHECKSUM_UNNECESSARY (a device verified it), or CHECKSUM_PARTIAL
        // (sent by a stack on this machine over veth or loopback, its checksum never computed)
        if (UdpHeader.check(skb, th) != 0 && skb.ipSummed != SkBuff.CHECKSUM_UNNECESSARY
                && skb.ipSummed != SkBuff.CHECKSUM_PARTIAL
                && UdpHeader.checksum(skb, th, ulen, saddr, daddr) != 0) {
            mib.inc(IN_CSUM_ERRORS);
            return drop(skb, DropReason.UDP_CSUM); // RFC 1122 4.1.3.4: discard silently
        }
        int sport = UdpHeader.source(skb, th);
        int dport = UdpHeader.dest(skb, th);
        int dif = skb.dev != null ? skb.dev.ifindex() : 0;
        Sock sk = Sock.skbStealSock(skb); // found by early demux
        Rtable rt = (Rtable) skb.dst;
        if (rt != null && (rt.flags & (Rtable.RTCF_BROADCAST | Rtable.RTCF_MULTICAST)) != 0) {
            return mcastDeliver(skb, saddr, sport, daddr, dport, dif);
        }
        if (sk == null) {
            sk = table.lookup(saddr, sport, daddr, dport, dif);
            if (UDP4_LIB_LOOKUP.enabled) {
                UDP4_LIB_LOOKUP.fire(net, skb, sk != null ? 1 : 0);
            }
        }
        if (sk != null) {
            queueRcvSkb(sk, skb);
            return PacketType.NET_RX_SUCCESS;
        }
        mib.inc(NO_PORTS);
        ipv4.icmp().icmpSend(skb, IcmpHeader.ICMP_DEST_UNREACH, IcmpHeader.ICMP_PORT_UNREACH, 0);
        Skb.kfreeSkb(net, skb, DropReason.NO_SOCKET);
        return PacketType.NET_RX_DROP;
    }

    /**
     * Linux: {@code udp_v4_early_demux()}, called by {@code ip_rcv_finish} before routing a
     * datagram that is for this host alone (not a fragment, no socket or route yet): finds a
     * connected socket by the exact four-tuple and leaves it in the skb ({@link Sock#SOCK_PFREE}),
     * for {@link #handler} to take without a lookup; if the socket kept the input route of the
     * datagrams before and it is still valid, that becomes the skb's route, and routing is
     * skipped. Returns the socket found, or null.
     */
    Sock earlyDemux(SkBuff skb, int genid) {
        int nh = skb.networkHeader;
        int th = nh + Ipv4Header.headerLength(skb, nh);
        if (skb.pktType != SkBuff.PACKET_HOST || skb.tail - th < UdpHeader.LEN) {
            return null;
        }
        int dif = skb.dev != null ? skb.dev.ifindex() : 0;
        Sock sk = table.demuxLookup(Ipv4Header.sourceAddress(skb, nh), UdpHeader.source(skb, th),
                Ipv4Header.destinationAddress(skb, nh), UdpHeader.dest(skb, th), dif);
        if (sk == null) {
            return null;
        }
        boolean kept = sk.skbEarlyDemuxed(skb, genid, dif);
        if (UDP_V4_EARLY_DEMUX.enabled) {
            UDP_V4_EARLY_DEMUX.fire(net, skb, kept ? 1 : 0);
        }
        return sk;
    }

    private int drop(SkBuff skb, DropReason reason) {
        mib.inc(IN_ERRORS);
        Skb.kfreeSkb(net, skb, reason);
        return PacketType.NET_RX_DROP;
    }

    /**
     * Linux: {@code udp_queue_rcv_skb()} → {@code __udp_queue_rcv_skb()}: pulls the header (its
     * offset stays in {@code transportHeader} for the name) and queues; a full receive buffer
     * counts RcvbufErrors and InErrors.
     */
    private void queueRcvSkb(Sock sk, SkBuff skb) {
        if (UdpOffload.unexpectedGso((UdpSock) sk, skb)) {
            rcvSegment(sk, skb);
            return;
        }
        queueRcvOneSkb(sk, skb);
    }

    /**
     * Linux: {@code udp_queue_rcv_skb()}'s {@code udp_unexpected_gso()} branch with
     * {@code udp_rcv_segment()}: a GSO super-packet that crossed a veth or the loopback whole is
     * cut into its datagrams here (the socket has no {@code UDP_GRO}), each queued on its own,
     * so the application reads them one by one and the counters count them. Segments keep a
     * partial checksum (the sender's stack is on this machine). If it cannot be segmented, all of
     * its datagrams count as drops and InErrors.
     */
    private void rcvSegment(Sock sk, SkBuff skb) {
        int segsNr = skb.gsoSegs > 0 ? skb.gsoSegs : 1;
        skb.push(skb.data - skb.networkHeader); // segment from the IP header, which each one keeps
        SkBuff segs = UdpOffload.segment(skb, true);
        if (segs == null) {
            for (int i = 0; i < segsNr; i++) {
                sk.countDrop();
            }
            mib.add(IN_ERRORS, segsNr);
            Skb.kfreeSkb(net, skb, DropReason.SKB_GSO_SEG);
            return;
        }
        Skb.consumeSkb(skb);
        while (segs != null) {
            SkBuff n = segs.next;
            segs.next = null;
            segs.pull(segs.transportHeader - segs.data);
            queueRcvOneSkb(sk, segs);
            segs = n;
        }
    }

    /** Linux: {@code udp_queue_rcv_one_skb()}. */
    private void queueRcvOneSkb(Sock sk, SkBuff skb) {
        skb.pull(UdpHeader.LEN);
        IpCmsg.pktinfoPrepare((UdpSock) sk, skb, ipv4);
        if (sk.sockQueueRcvSkb(skb) < 0) {
            mib.inc(RCVBUF_ERRORS);
            mib.inc(IN_ERRORS);
        } else if (sk.isDead()) {
            // Closed while we delivered (found before close unhashed it): close marks the sock dead
            // before it purges, so one of the two purges frees what we queued.
            sk.purgeQueues();
        }
    }

    /**
     * Linux: {@code __udp4_lib_mcast_deliver()}: a copy for every socket bound to the port whose
     * address and peer match, the original to the first. None: IgnoredMulti, no ICMP.
     */
    private int mcastDeliver(SkBuff skb, int saddr, int sport, int daddr, int dport, int dif) {
        Sock[][] holder = MCAST.get();
        Sock[] socks = holder[0];
        int n;
        while ((n = table.lookupAll(saddr, sport, daddr, dport, dif, socks)) == socks.length) {
            socks = holder[0] = new Sock[socks.length * 2];
        }
        if (UDP4_LIB_LOOKUP.enabled) {
            UDP4_LIB_LOOKUP.fire(net, skb, n);
        }
        if (n == 0) {
            mib.inc(IGNORED_MULTI);
            Skb.kfreeSkb(net, skb, DropReason.NO_SOCKET);
            return PacketType.NET_RX_DROP;
        }
        for (int i = 1; i < n; i++) {
            SkBuff c = skb.cloneSkb();
            if (c == null) {
                socks[i].countDrop();
                mib.inc(RCVBUF_ERRORS);
                mib.inc(IN_ERRORS);
            } else {
                queueRcvSkb(socks[i], c);
            }
            socks[i] = null;
        }
        Sock first = socks[0];
        socks[0] = null;
        queueRcvSkb(first, skb);
        return PacketType.NET_RX_SUCCESS;
    }

    // ================================================================ ICMP errors

    /**
     * Linux: {@code udp_err()} → {@code __udp4_lib_err()}. {@code skb.data} is at the quoted IP
     * header of a datagram this stack sent; the socket that sent it (found by the quoted addresses
     * and ports, reversed) learns the error as the class comment says. No such socket: ICMP
     * InErrors.
     */
    @Override
    public void errHandler(SkBuff skb, int type, int code, int info) {
        if (UDP_ERR.enabled) {
            UDP_ERR.fire(net, skb, (type << 8) | code);
        }
        int q = skb.data;
        int uh = q + Ipv4Header.headerLength(skb, q);
        int qsaddr = Ipv4Header.sourceAddress(skb, q);
        int qdaddr = Ipv4Header.destinationAddress(skb, q);
        int dif = skb.dev != null ? skb.dev.ifindex() : 0;
        Sock sk = table.lookup(qdaddr, UdpHeader.dest(skb, uh), qsaddr, UdpHeader.source(skb, uh), dif);
        if (sk == null) {
            ipv4.icmpMib().inc(IpMib.ICMP_IN_ERRORS);
            return;
        }
        int err;
        boolean harderr = false;
        switch (type) {
            case IcmpHeader.ICMP_SOURCE_QUENCH, IcmpHeader.ICMP_REDIRECT -> {
                return;
            }
            case IcmpHeader.ICMP_PARAMETERPROB -> {
                err = Errno.EPROTO.code;
                harderr = true;
            }
            case IcmpHeader.ICMP_DEST_UNREACH -> {
                if (code == IcmpHeader.ICMP_FRAG_NEEDED) {
                    if (info != 0) {
                        ipv4.route().updatePmtu(qdaddr, info); // ipv4_sk_update_pmtu()
                    }
                    if (sk.pmtudisc == IpSockglue.IP_PMTUDISC_DONT) {
                        return;
                    }
                    err = Errno.EMSGSIZE.code;
                    harderr = true;
                } else {
                    err = IcmpErr.errno(code);
                    harderr = IcmpErr.fatal(code);
                }
            }
            default -> err = Errno.EHOSTUNREACH.code; // ICMP_TIME_EXCEEDED and the rest
        }
        // RFC 1122 4.1.3.3: pass ICMP errors to the application. Linux: only hard errors, and only
        // to connected sockets, unless the socket asked for all of them with IP_RECVERR, which
        // also queues the details on the error queue.
        if (!sk.recverr) {
            if (!harderr || sk.state != Sock.TCP_ESTABLISHED) {
                return;
            }
        } else {
            IpCmsg.ipIcmpError(sk, skb, err, qdaddr, UdpHeader.dest(skb, uh), info, uh + UdpHeader.LEN);
        }
        sk.reportError(err);
    }
}
