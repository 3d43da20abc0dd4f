package dev.packetflow.net.ipv4;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.Mib;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.PacketType;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.trace.Trace;
import dev.packetflow.trace.Tracepoint;
import java.util.HashMap;
import java.util.Map;

/**
 * ICMP (RFC 792, RFC 1122 3.2.2): receiving messages ({@link #icmpRcv}: echo requests answered,
 * echo replies to {@link Ping}, errors passed to the protocol of the packet they quote) and sending
 * errors ({@link #icmpSend}) with Linux's rules:
 * <ul>
 * <li>never about an ICMP error (nor an unknown ICMP type), a fragment other than the first, a
 *     packet sent to a broadcast or multicast address or received as link-layer broadcast, or a
 *     packet whose source cannot be answered (zero, loopback, multicast, broadcast);
 * <li>quote as much of the offending datagram as fits in 576 bytes (RFC 1812 4.3.2.3);
 * <li>the error's source is the address the offending packet was sent to if that is ours, else the
 *     address of the interface the error leaves by;
 * <li>rate limited, see {@link IcmpRateLimit}; echo replies are not.
 * </ul>
 *
 * <p>Linux: {@code net/ipv4/icmp.c}, {@code net/ipv4/ping.c} ({@code ping_rcv}, {@code ping_err}).
 */
public final class Icmp implements NetProtocol {
    public static final Tracepoint ICMP_ECHO = Trace.point("icmp_echo");
    public static final Tracepoint ICMP_REPLY = Trace.point("icmp_reply");
    public static final Tracepoint ICMP_SEND = Trace.point("icmp_send");
    public static final Tracepoint ICMP_UNREACH = Trace.point("icmp_unreach");
    public static final Tracepoint PING_RCV = Trace.point("ping_rcv");

    /** RFC 1812: errors quote at most this much, IP header included. */
    static final int ICMP_MAX_ERROR_LEN = 576;
    /** Linux: {@code INADDR_DUMMY} (192.0.0.8, RFC 7600), source of last resort for errors. */
    static final int INADDR_DUMMY = 0xc0000008;
    /** IPTOS_PREC_INTERNETCONTROL: errors are sent with precedence 6 (RFC 1812 4.3.2.5). */
    static final int IPTOS_PREC_INTERNETCONTROL = 0xc0;

    private final NetStack net;
    private final Ipv4 ipv4;
    private final Mib icmp;
    private final Mib icmpMsg;
    private final Map<Integer, Ping> pings = new HashMap<>();
    /**
     * Route lookup key reused by replies and errors, one per thread (RX may run on several CPUs):
     * no lock on the echo path. Only scratch for the lookup, so all stacks can share it.
     */

    Icmp(NetStack net, Ipv4 ipv4) {
        this.net = net;
        this.ipv4 = ipv4;
        this.icmp = ipv4.icmpMib;
        this.icmpMsg = ipv4.icmpMsgMib;
    }

    // ================================================================== receive

    /** The inet_protos handler for protocol 1: {@link #icmpRcv}. */
    @Override
    public int handler(SkBuff skb) {
        return icmpRcv(skb);
    }

    /**
     * Linux: {@code icmp_rcv()}. Verifies the checksum (InCsumErrors, ICMP_CSUM), counts the type,
     * discards unknown types (RFC 1122 3.2.2: silently) and echo/timestamp requests to broadcast
     * addresses ({@code icmp_echo_ignore_broadcasts}), then dispatches by type. {@code skb.data}
     * is at the ICMP header on entry.
     */
    int icmpRcv(SkBuff skb) {
        if (Trace.ICMP_RCV.enabled) {
            Trace.ICMP_RCV.fire(net, skb, 0);
        }
        int th = skb.data;
        skb.transportHeader = th;
        if (InetChecksum.compute(skb, th, skb.len()) != 0) {
            icmp.inc(IpMib.ICMP_IN_MSGS);
            icmp.inc(IpMib.ICMP_IN_CSUM_ERRORS);
            return error(skb, DropReason.ICMP_CSUM);
        }
        if (skb.pull(IcmpHeader.LEN) < 0) {
            icmp.inc(IpMib.ICMP_IN_MSGS);
            return error(skb, DropReason.ICMP_INVALID);
        }
        int type = IcmpHeader.type(skb, th);
        icmpMsg.inc(type);
        int f = IpMib.icmpTypeField(type, false);
        if (f >= 0) {
            icmp.add(IpMib.ICMP_IN_MSGS, 1, f, 1);
        } else {
            icmp.inc(IpMib.ICMP_IN_MSGS);
        }
        if (type > IcmpHeader.NR_ICMP_TYPES) {
            return error(skb, DropReason.UNHANDLED_PROTO);
        }
        Rtable rt = (Rtable) skb.dst;
        if ((rt.flags & (Rtable.RTCF_BROADCAST | Rtable.RTCF_MULTICAST)) != 0) {
            // RFC 1122 3.2.2.6 / 3.2.2.8: echo and timestamp to broadcast MAY be ignored (sysctl).
            if ((type == IcmpHeader.ICMP_ECHO || type == IcmpHeader.ICMP_TIMESTAMP)
                    && ipv4.icmpEchoIgnoreBroadcasts != 0) {
                return error(skb, DropReason.INVALID_PROTO);
            }
            if (type != IcmpHeader.ICMP_ECHO && type != IcmpHeader.ICMP_TIMESTAMP
                    && type != IcmpHeader.ICMP_ADDRESS && type != IcmpHeader.ICMP_ADDRESSREPLY) {
                return error(skb, DropReason.INVALID_PROTO);
            }
        }
        if (type == IcmpHeader.ICMP_ECHO) {
            icmpEcho(skb);
            return PacketType.NET_RX_SUCCESS;
        }
        DropReason reason = switch (type) {
            case IcmpHeader.ICMP_ECHOREPLY -> pingRcv(skb);
            case IcmpHeader.ICMP_DEST_UNREACH, IcmpHeader.ICMP_SOURCE_QUENCH, IcmpHeader.ICMP_TIME_EXCEEDED,
                    IcmpHeader.ICMP_PARAMETERPROB -> icmpUnreach(skb);
            case IcmpHeader.ICMP_TIMESTAMP -> icmpTimestamp(skb);
            default -> null; // redirects (not acted on yet), replies nobody asked for: icmp_discard
        };
        if (reason != null) {
            Skb.kfreeSkb(skb, reason);
            return PacketType.NET_RX_DROP;
        }
        Skb.consumeSkb(skb);
        return PacketType.NET_RX_SUCCESS;
    }

    private int error(SkBuff skb, DropReason reason) {
        icmp.inc(IpMib.ICMP_IN_ERRORS);
        Skb.kfreeSkb(skb, reason);
        return PacketType.NET_RX_DROP;
    }

    /**
     * Linux: {@code icmp_unreach()}, for destination unreachable, source quench, time exceeded and
     * parameter problem (RFC 1122 3.2.2.1-3.2.2.5: MUST be passed to the transport layer). Finds the
     * protocol of the quoted datagram and calls its error handler. {@code skb.data} is at the
     * quoted IP header.
     */
    private DropReason icmpUnreach(SkBuff skb) {
        if (ICMP_UNREACH.enabled) {
            ICMP_UNREACH.fire(net, skb, 0);
        }
        int th = skb.transportHeader;
        int type = IcmpHeader.type(skb, th);
        int code = IcmpHeader.code(skb, th);
        if (skb.len() < Ipv4Header.MIN_LEN) {
            icmp.inc(IpMib.ICMP_IN_ERRORS);
            return DropReason.ICMP_INVALID;
        }
        int q = skb.data;
        if (Ipv4Header.ihl(skb, q) < 5) {
            icmp.inc(IpMib.ICMP_IN_ERRORS);
            return DropReason.IP_INHDR;
        }
        int info = 0;
        switch (type) {
            case IcmpHeader.ICMP_DEST_UNREACH:
                if ((code & 15) == IcmpHeader.ICMP_FRAG_NEEDED && ipv4.ipNoPmtuDisc == 0) {
                    info = IcmpHeader.nextHopMtu(skb, th);
                }
                if (code > IcmpHeader.NR_ICMP_UNREACH) {
                    return null;
                }
                break;
            case IcmpHeader.ICMP_PARAMETERPROB:
                info = IcmpHeader.rest(skb, th) >>> 24;
                break;
            case IcmpHeader.ICMP_TIME_EXCEEDED:
                if (code == IcmpHeader.ICMP_EXC_FRAGTIME) {
                    return null;
                }
                break;
            default:
                break;
        }
        int ihl = Ipv4Header.headerLength(skb, q);
        if (skb.len() < ihl + 8) {
            return null;
        }
        NetProtocol p = ipv4.protocol(Ipv4Header.protocol(skb, q));
        if (p != null) {
            p.errHandler(skb, type, code, info);
        }
        return null;
    }

    /**
     * Linux: {@code ping_err()}, the error handler of protocol 1: an error quoting one of our echo
     * requests goes to the {@link Ping} with that identifier.
     */
    @Override
    public void errHandler(SkBuff skb, int type, int code, int info) {
        int q = skb.data;
        int inner = q + Ipv4Header.headerLength(skb, q);
        if (IcmpHeader.type(skb, inner) != IcmpHeader.ICMP_ECHO) {
            return;
        }
        Ping p = ping(IcmpHeader.identifier(skb, inner));
        if (p != null && type == IcmpHeader.ICMP_DEST_UNREACH && code == IcmpHeader.ICMP_FRAG_NEEDED && info != 0) {
            // Linux: ping_err() → ipv4_sk_update_pmtu(): the next request fits.
            ipv4.route().updatePmtu(Ipv4Header.destinationAddress(skb, q), info);
        }
        if (p != null) {
            p.deliverError(IcmpHeader.sequence(skb, inner), Ipv4Header.sourceAddress(skb, skb.networkHeader),
                    type, code, info, net.clock().nanoTime());
        }
    }

    /** Linux: {@code ping_rcv()}: an echo reply for one of our {@link Ping}s. */
    private DropReason pingRcv(SkBuff skb) {
        if (PING_RCV.enabled) {
            PING_RCV.fire(net, skb, 0);
        }
        int th = skb.transportHeader;
        Ping p = ping(IcmpHeader.identifier(skb, th));
        if (p == null) {
            return DropReason.NO_SOCKET;
        }
        p.deliverReply(skb, IcmpHeader.sequence(skb, th), net.clock().nanoTime());
        return null;
    }

    /**
     * Linux: {@code icmp_echo()}. Answers an echo request with an echo reply carrying the same
     * identifier, sequence and data (RFC 792), unless {@code icmp_echo_ignore_all} is set. Takes
     * {@code skb}.
     *
     * <p>Linux builds the reply in a new skb ({@code ip_append_data}) and frees the request. When
     * the request's buffer is ours alone (not cloned by a tap, not owned by a socket), the reply is
     * written over it instead: the same bytes leave, with one skb allocation, one free and a copy
     * of the data less per ping.
     */
    private void icmpEcho(SkBuff skb) {
        if (ICMP_ECHO.enabled) {
            ICMP_ECHO.fire(net, skb, 0);
        }
        if (ipv4.icmpEchoIgnoreAll != 0) {
            Skb.consumeSkb(skb);
            return;
        }
        int th = skb.transportHeader;
        if (skb.cloned() || skb.sk != null || skb.destructor != null) {
            icmpReply(skb, IcmpHeader.ICMP_ECHOREPLY, 0, IcmpHeader.rest(skb, th), skb.data, skb.len(), null,
                    skb.u16(th), IcmpHeader.checksum(skb, th), false);
            Skb.consumeSkb(skb);
            return;
        }
        icmpReply(skb, IcmpHeader.ICMP_ECHOREPLY, 0, 0, 0, 0, null, skb.u16(th), IcmpHeader.checksum(skb, th), true);
    }

    /** Linux: {@code icmp_timestamp()}: originate copied, receive and transmit = ms since midnight UT. */
    private DropReason icmpTimestamp(SkBuff skb) {
        if (skb.len() < 4) {
            icmp.inc(IpMib.ICMP_IN_ERRORS);
            return DropReason.PKT_TOO_SMALL;
        }
        int now = (int) ((net.clock().nanoTime() / 1_000_000L) % 86_400_000L);
        int[] times = {skb.u32(skb.data), now, now};
        icmpReply(skb, IcmpHeader.ICMP_TIMESTAMPREPLY, 0, IcmpHeader.rest(skb, skb.transportHeader), 0, 0, times,
                -1, -1, false);
        return null;
    }

    /**
     * Linux: {@code icmp_reply()}: answers {@code req} from the address it was sent to (or, if it
     * was a broadcast, from the receiving interface's address), copying {@code dataLen} bytes at
     * {@code dataOff} of {@code req} (or the given 32-bit words) after the new header.
     *
     * <p>When the reply repeats the request's rest-of-header and data ({@code reqWord} and
     * {@code reqCheck} are the request's type/code word and its checksum, verified by
     * {@code icmp_rcv}), its checksum is the request's updated for the new type and code
     * (RFC 1624 equation 3): the same value a full recomputation gives, without a second pass
     * over the data. Otherwise they are -1 and the checksum is computed.
     *
     * <p>With {@code inPlace} the reply is written over {@code req}'s ICMP message (type, code
     * and checksum change; rest of header and data stay) and sent in {@code req}'s skb, which the
     * call takes in every case; the caller has made sure the buffer is not shared.
     */
    private void icmpReply(SkBuff req, int type, int code, int rest, int dataOff, int dataLen, int[] words,
                           int reqWord, int reqCheck, boolean inPlace) {
        if (ICMP_REPLY.enabled) {
            ICMP_REPLY.fire(net, req, type);
        }
        int nh = req.networkHeader;
        Rtable rt = (Rtable) req.dst;
        int daddr = Ipv4Header.sourceAddress(req, nh);
        int saddr = Ipv4Header.destinationAddress(req, nh);
        if ((rt.flags & Rtable.RTCF_BROADCAST) != 0) {
            saddr = ipv4.primaryAddress(req.dev);
        }
        boolean applyRatelimit = false;
        if (!ipv4.rateLimit.maskAllow(type, code)) {
            if (!ipv4.rateLimit.globalAllow()) {
                icmp.inc(IpMib.ICMP_OUT_RATELIMIT_GLOBAL);
                if (inPlace) {
                    Skb.consumeSkb(req);
                }
                return;
            }
            applyRatelimit = true;
        }
        Rtable ort;
        Flowi4 fl4 = ipv4.route().scratchFlow();
        ort = ipv4.route().ipRouteOutput(fl4.init(daddr, saddr, 0, Ipv4Header.IPPROTO_ICMP));
        saddr = fl4.saddr;
        if (ort == null || !xrlimAllow(ort, daddr, applyRatelimit)) {
            if (inPlace) {
                Skb.consumeSkb(req);
            }
            return;
        }
        if (inPlace) {
            int tos = Ipv4Header.tos(req, nh);
            int o = req.transportHeader;
            req.data = o;
            req.setU16(o, (type << 8) | code);
            req.setU16(o + IcmpHeader.CHECKSUM, InetChecksum.csumReplace2(reqCheck, reqWord, (type << 8) | code));
            recycleForReply(req);
            icmpOutCount(type);
            ipv4.output().ipSendSkb(req, ort, saddr, daddr, Ipv4Header.IPPROTO_ICMP, -1, tos,
                    IpOutput.IP_PMTUDISC_DONT);
            return;
        }
        int len = IcmpHeader.LEN + (words != null ? words.length * 4 : dataLen);
        SkBuff skb = net.pool().alloc(Skb.MAX_HEADER + len);
        if (skb == null) {
            icmp.inc(IpMib.ICMP_OUT_ERRORS);
            return;
        }
        skb.reserve(Skb.MAX_HEADER);
        int o = skb.put(len);
        skb.setU8(o, type);
        skb.setU8(o + 1, code);
        skb.setU32(o + IcmpHeader.REST, rest);
        if (words != null) {
            for (int i = 0; i < words.length; i++) {
                skb.setU32(o + IcmpHeader.LEN + 4 * i, words[i]);
            }
        } else {
            skb.write(o + IcmpHeader.LEN, req, dataOff, dataLen);
        }
        if (reqCheck >= 0 && words == null) {
            skb.setU16(o + IcmpHeader.CHECKSUM, InetChecksum.csumReplace2(reqCheck, reqWord, (type << 8) | code));
        } else {
            IcmpHeader.fillChecksum(skb, o, len);
        }
        skb.journey = req.journey;
        icmpOutCount(type);
        ipv4.output().ipSendSkb(skb, ort, saddr, daddr, Ipv4Header.IPPROTO_ICMP, -1,
                Ipv4Header.tos(req, nh), IpOutput.IP_PMTUDISC_DONT);
    }

    /**
     * Makes a received skb look freshly allocated for the way out, as {@code alloc_skb} leaves
     * one (Linux's old {@code skb_recycle()}): nothing of the request's receive state (device,
     * route, checksum state, marks, control block, headers) may steer the reply. The journey
     * stays: the reply continues the request's.
     */
    private static void recycleForReply(SkBuff skb) {
        skb.macHeader = -1;
        skb.networkHeader = -1;
        skb.transportHeader = -1;
        skb.dev = null;
        skb.protocol = 0;
        skb.pktType = SkBuff.PACKET_HOST;
        skb.priority = 0;
        skb.mark = 0;
        skb.ipSummed = SkBuff.CHECKSUM_NONE;
        skb.csumStart = 0;
        skb.csumOffset = 0;
        skb.gsoSize = 0;
        skb.gsoSegs = 0;
        skb.gsoType = 0;
        skb.dst = null;
        skb.tstampNs = 0;
        skb.hash = 0;
        skb.cb0 = skb.cb1 = skb.cb2 = skb.cb3 = 0;
        skb.cbl0 = skb.cbl1 = 0;
    }

    private boolean xrlimAllow(Rtable ort, int daddr, boolean applyRatelimit) {
        if (!applyRatelimit) {
            return true;
        }
        boolean ok = (ort.dev != null && ort.dev.type() == NetDevice.ARPHRD_LOOPBACK) || ipv4.rateLimit.xrlimAllow(daddr);
        if (!ok) {
            icmp.inc(IpMib.ICMP_OUT_RATELIMIT_HOST);
            return false;
        }
        ipv4.rateLimit.globalConsume();
        return true;
    }

    /** Linux: {@code icmp_out_count()}: OutMsgs and the per-type counters. */
    void icmpOutCount(int type) {
        icmpMsg.inc(256 + type);
        int f = IpMib.icmpTypeField(type, true);
        if (f >= 0) {
            icmp.add(IpMib.ICMP_OUT_MSGS, 1, f, 1);
        } else {
            icmp.inc(IpMib.ICMP_OUT_MSGS);
        }
    }

    // ================================================================== send errors

    /**
     * Linux: {@code icmp_send()} / {@code __icmp_send()}. Reports a problem with {@code skbIn} (a
     * received or locally built packet whose {@code networkHeader} is set and whose {@code dst} is
     * its route) to its sender. Does not take {@code skbIn}. Quietly does nothing when the rules
     * above forbid an error or a rate limit applies.
     *
     * @param info the 32-bit "rest of header" word: the next-hop MTU for
     *             {@link IcmpHeader#ICMP_FRAG_NEEDED}, the pointer shifted left by 24 for a
     *             parameter problem, else 0
     */
    public void icmpSend(SkBuff skbIn, int type, int code, int info) {
        if (ICMP_SEND.enabled) {
            ICMP_SEND.fire(net, skbIn, (type << 8) | code);
        }
        if (!(skbIn.dst instanceof Rtable rt)) {
            return;
        }
        int nh = skbIn.networkHeader;
        if (nh < 0 || nh + Ipv4Header.MIN_LEN > skbIn.tail) {
            return;
        }
        if (skbIn.pktType != SkBuff.PACKET_HOST) {
            return;
        }
        if ((rt.flags & (Rtable.RTCF_BROADCAST | Rtable.RTCF_MULTICAST)) != 0) {
            return;
        }
        if ((Ipv4Header.fragOff(skbIn, nh) & Ipv4Header.IP_OFFSET) != 0) {
            return;
        }
        int origSrc = Ipv4Header.sourceAddress(skbIn, nh);
        int origDst = Ipv4Header.destinationAddress(skbIn, nh);
        if (InetAddr.isZeronet(origSrc) || InetAddr.isLoopback(origSrc) || InetAddr.isMulticast(origSrc)
                || InetAddr.isLbcast(origSrc) || ipv4.isLocalBroadcast(origSrc)) {
            return;
        }
        if (IcmpHeader.isError(type) && Ipv4Header.protocol(skbIn, nh) == Ipv4Header.IPPROTO_ICMP) {
            int itp = nh + Ipv4Header.headerLength(skbIn, nh);
            if (itp >= skbIn.tail) {
                return;
            }
            int inner = skbIn.u8(itp);
            // "Assume any unknown ICMP type is an error": never answer an error with an error.
            if (inner > IcmpHeader.NR_ICMP_TYPES || IcmpHeader.isError(inner)) {
                return;
            }
        }
        boolean applyRatelimit = false;
        boolean fromLoopback = skbIn.dev != null && skbIn.dev.type() == NetDevice.ARPHRD_LOOPBACK;
        if (!fromLoopback && !ipv4.rateLimit.maskAllow(type, code)) {
            if (!ipv4.rateLimit.globalAllow()) {
                icmp.inc(IpMib.ICMP_OUT_RATELIMIT_GLOBAL);
                return;
            }
            applyRatelimit = true;
        }
        int saddr = rt.isLocal() ? origDst : 0;
        int tos = Ipv4Header.tos(skbIn, nh);
        if (IcmpHeader.isError(type)) {
            tos = (tos & 0x1e) | IPTOS_PREC_INTERNETCONTROL;
        }
        Rtable ort;
        Flowi4 fl4 = ipv4.route().scratchFlow();
        ort = ipv4.route().ipRouteOutput(fl4.init(origSrc, saddr, 0, Ipv4Header.IPPROTO_ICMP));
        saddr = fl4.saddr;
        if (ort == null || !xrlimAllow(ort, origSrc, applyRatelimit)) {
            return;
        }
        int mtu = ort.type == FibRoute.RTN_LOCAL ? Ipv4.LOOPBACK_MTU : ort.mtu();
        int room = Math.min(mtu, ICMP_MAX_ERROR_LEN) - Ipv4Header.MIN_LEN - IcmpHeader.LEN;
        if (room <= Ipv4Header.MIN_LEN) {
            return;
        }
        int dataLen = Math.min(skbIn.tail - nh, room);
        if (saddr == 0) {
            saddr = INADDR_DUMMY;
        }
        int len = IcmpHeader.LEN + dataLen;
        SkBuff skb = net.pool().alloc(Skb.MAX_HEADER + len);
        if (skb == null) {
            icmp.inc(IpMib.ICMP_OUT_ERRORS);
            return;
        }
        skb.reserve(Skb.MAX_HEADER);
        int o = skb.put(len);
        skb.setU8(o, type);
        skb.setU8(o + 1, code);
        skb.setU32(o + IcmpHeader.REST, info);
        skb.write(o + IcmpHeader.LEN, skbIn, nh, dataLen);
        IcmpHeader.fillChecksum(skb, o, len);
        skb.journey = skbIn.journey;
        icmpOutCount(type);
        ipv4.output().ipSendSkb(skb, ort, saddr, origSrc, Ipv4Header.IPPROTO_ICMP, -1, tos,
                IpOutput.IP_PMTUDISC_DONT);
    }

    // ================================================================== ping sockets

    synchronized void pingRegister(int id, Ping p) {
        if (pings.containsKey(id)) {
            throw new IllegalStateException("ping identifier " + id + " is in use (EADDRINUSE)");
        }
        pings.put(id, p);
    }

    synchronized void pingUnregister(int id, Ping p) {
        pings.remove(id, p);
    }

    private synchronized Ping ping(int id) {
        return pings.get(id);
    }
}
