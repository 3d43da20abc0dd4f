package dev.packetflow.drill;

import dev.packetflow.net.ipv4.InetAddr;
import java.util.ArrayList;
import java.util.List;

/**
 * Compares what the SUT sent with an expected outbound line, field by field (GRAMMAR.md 6.5), in
 * script numbering, and prints packets in script notation for failure messages.
 *
 * <p>Compared: IPv4 header length and checksum; ECN, TOS and TTL when the line gives them; flags
 * (all of them, ECE/CWR/AE included); seq; ack when the line has an {@code ack} clause; the window
 * when the line has {@code win}; the urgent pointer (0 unless written); payload length and that the
 * payload is zeros; the option list, byte for byte except the timestamp option (its val is checked
 * only with {@code --tcp_ts_tick_usecs}, its ecr only with {@code --strict_ts_ecr}); the reserved
 * bits; the TCP checksum (unless the stack left it to hardware). {@code <...>} skips the options.
 */
final class PacketMatcher {
    private PacketMatcher() {}

    /**
     * Returns null if {@code act} matches {@code exp}, else the first difference as
     * {@code "what: expected X, actual Y"}. Learns the SUT's ISN from a SYN and the TS offset from
     * the first checked timestamp option (on {@code conn}).
     *
     * @param tolUs timing tolerance of this line, which also bounds TS val drift
     */
    static String matchTcp(PacketSpec.Tcp exp, PacketSpec.IpInfo ipi, Segment act, Conn conn, DrillConfig cfg,
            long tolUs) {
        String ip = matchIp(ipi, act.ipChecksumOk(), act.ihl(), act.tos(), act.ttl());
        if (ip != null) {
            return ip;
        }
        if (exp.srcPort() != null && exp.srcPort() != act.sport()) {
            return "source port: expected " + exp.srcPort() + ", actual " + act.sport();
        }
        if (exp.dstPort() != null && exp.dstPort() != act.dport()) {
            return "destination port: expected " + exp.dstPort() + ", actual " + act.dport();
        }
        if (exp.flags() != act.flags()) {
            return "flags: expected " + PacketSpec.flagString(exp.flags()) + ", actual " + PacketSpec.flagString(act.flags());
        }
        if (exp.has(PacketSpec.SYN)) {
            conn.learnIsn(act.seq(), exp.seq());
        }
        long seq = conn.scriptLocal(act.seq());
        if (seq != exp.seq()) {
            return "seq: expected " + exp.seq() + ", actual " + seq;
        }
        if (exp.ack() != null && exp.ack() != act.ack()) {
            return "ack: expected " + exp.ack() + ", actual " + act.ack();
        }
        if (exp.win() != null && exp.win() != act.win()) {
            return "window: expected " + exp.win() + ", actual " + act.win();
        }
        int urg = exp.urg() == null ? 0 : exp.urg();
        if (urg != act.urg()) {
            return "urgent pointer: expected " + urg + ", actual " + act.urg();
        }
        if (exp.len() != act.len()) {
            return "payload length: expected " + exp.len() + ", actual " + act.len()
                    + (act.parts().size() > 1 ? " (in " + act.parts().size() + " segments)" : "");
        }
        if (exp.options() != null) {
            String o = matchOptions(exp.options(), act.options(), conn, cfg, tolUs);
            if (o != null) {
                return o;
            }
        }
        if (act.reserved() != 0) {
            return "reserved TCP header bits: expected 0, actual " + act.reserved();
        }
        if (!act.payloadZeros()) {
            return "payload: expected zeros (what the script wrote), actual other bytes";
        }
        if (!act.l4ChecksumOk()) {
            return "TCP checksum is wrong";
        }
        return null;
    }

    private static String matchIp(PacketSpec.IpInfo ipi, boolean checksumOk, int ihl, int tos, int ttl) {
        if (!checksumOk) {
            return "IPv4 header checksum is wrong";
        }
        if (ihl != Frames.IP_HLEN) {
            return "IPv4 header length: expected 20, actual " + ihl;
        }
        if (ipi.ect01()) {
            if ((tos & 3) != 1 && (tos & 3) != 2) {
                return "ECN: expected ECT(0) or ECT(1), actual " + ecnName(tos & 3);
            }
        } else if (ipi.ecn() != null && ipi.ecn() != (tos & 3)) {
            return "ECN: expected " + ecnName(ipi.ecn()) + ", actual " + ecnName(tos & 3);
        }
        if (ipi.tos() != null) {
            int mask = ipi.ecn() != null || ipi.ect01() ? 0xfc : 0xff;
            if ((ipi.tos() & mask) != (tos & mask)) {
                return "TOS: expected 0x" + Integer.toHexString(ipi.tos()) + ", actual 0x" + Integer.toHexString(tos);
            }
        }
        if (ipi.ttl() != null && ipi.ttl() != ttl) {
            return "TTL: expected " + ipi.ttl() + ", actual " + ttl;
        }
        return null;
    }

    private static String ecnName(int e) {
        return switch (e) {
            case 0 -> "not-ECT";
            case 1 -> "ECT(1)";
            case 2 -> "ECT(0)";
            default -> "CE";
        };
    }

    private static String matchOptions(List<TcpOption> exp, List<TcpOption> act, Conn conn, DrillConfig cfg, long tolUs) {
        if (exp.size() != act.size()) {
            return "options: expected " + show(exp) + ", actual " + show(rebased(act, conn));
        }
        for (int i = 0; i < exp.size(); i++) {
            TcpOption e = exp.get(i);
            TcpOption a = act.get(i);
            if (e instanceof TcpOption.Timestamp et && a instanceof TcpOption.Timestamp at) {
                conn.learnTs(at.val(), et.val());
                if (cfg.tcpTsTickUsecs > 0) {
                    long v = conn.scriptTsVal(at.val());
                    long driftUs = Math.abs((long) (int) (v - et.val())) * cfg.tcpTsTickUsecs;
                    if (driftUs > tolUs) {
                        return "TS val: expected " + et.val() + ", actual " + v + " (off by " + driftUs + " us at "
                                + cfg.tcpTsTickUsecs + " us per tick, tolerance " + tolUs + " us)";
                    }
                }
                if (cfg.strictTsEcr && et.ecr() != at.ecr()) {
                    return "TS ecr: expected " + et.ecr() + ", actual " + at.ecr();
                }
                continue;
            }
            if (!e.equals(a)) {
                return "option " + (i + 1) + ": expected " + e + ", actual " + rebased(a, conn)
                        + " (options expected " + show(exp) + ", actual " + show(rebased(act, conn)) + ")";
            }
        }
        return null;
    }

    private static String show(List<TcpOption> o) {
        return o.isEmpty() ? "none" : TcpOptions.format(o);
    }

    private static TcpOption rebased(TcpOption o, Conn conn) {
        return o instanceof TcpOption.Timestamp t && conn != null ? new TcpOption.Timestamp(conn.scriptTsVal(t.val()), t.ecr()) : o;
    }

    private static List<TcpOption> rebased(List<TcpOption> opts, Conn conn) {
        List<TcpOption> out = new ArrayList<>(opts.size());
        for (TcpOption o : opts) {
            out.add(rebased(o, conn));
        }
        return out;
    }

    /**
     * {@code act} in script notation, relative to {@code conn} (null: absolute numbers):
     * {@code P. 1:1001(1000) ack 1 win 502 <nop,nop,TS val 105 ecr 100>}. The window is always
     * shown; ports only when they are not the connection's.
     */
    static String formatTcp(Segment act, Conn conn) {
        StringBuilder sb = new StringBuilder();
        if (act.tos() != 0) {
            sb.append("[tos 0x").append(Integer.toHexString(act.tos())).append("] ");
        }
        if (conn == null || act.sport() != conn.localPort || act.dport() != conn.remotePort || act.saddr() != conn.localIp
                || act.daddr() != conn.remoteIp) {
            sb.append(InetAddr.toString(act.saddr())).append(':').append(act.sport()).append(" > ")
                    .append(InetAddr.toString(act.daddr())).append(':').append(act.dport()).append(' ');
        }
        long seq = conn == null ? act.seq() : conn.scriptLocal(act.seq());
        sb.append(PacketSpec.flagString(act.flags())).append(' ').append(seq).append(':').append((seq + act.len()) & Conn.MASK)
                .append('(').append(act.len()).append(')');
        if ((act.flags() & PacketSpec.ACK) != 0) {
            sb.append(" ack ").append(act.ack());
        }
        sb.append(" win ").append(act.win());
        if (act.urg() != 0) {
            sb.append(" urg ").append(act.urg());
        }
        if (!act.options().isEmpty()) {
            sb.append(' ').append(TcpOptions.format(conn == null ? act.options() : rebased(act.options(), conn)));
        }
        if (act.parts().size() > 1) {
            sb.append("  [").append(act.parts().size()).append(" segments]");
        }
        return sb.toString();
    }

    /** Compares a captured UDP datagram with {@code udp [sport>dport] (len)}. */
    static String matchUdp(PacketSpec.Udp exp, PacketSpec.IpInfo ipi, Captured act) {
        String ip = matchIp(ipi, act.ipChecksumOk, act.ihl, act.tos, act.ttl);
        if (ip != null) {
            return ip;
        }
        if (act.protocol != Frames.IPPROTO_UDP) {
            return "protocol: expected UDP, actual " + protocolName(act.protocol);
        }
        if (exp.srcPort() != null && exp.srcPort() != act.sport) {
            return "source port: expected " + exp.srcPort() + ", actual " + act.sport;
        }
        if (exp.dstPort() != null && exp.dstPort() != act.dport) {
            return "destination port: expected " + exp.dstPort() + ", actual " + act.dport;
        }
        if (exp.len() != act.payloadLen) {
            return "UDP payload length: expected " + exp.len() + ", actual " + act.payloadLen;
        }
        return null;
    }

    /** Compares a captured ICMP message with {@code icmp TYPE CODE [mtu N] [echoed]}. */
    static String matchIcmp(PacketSpec.Icmp exp, PacketSpec.IpInfo ipi, Captured act, Conn conn) {
        String ip = matchIp(ipi, act.ipChecksumOk, act.ihl, act.tos, act.ttl);
        if (ip != null) {
            return ip;
        }
        if (act.protocol != Frames.IPPROTO_ICMP) {
            return "protocol: expected ICMP, actual " + protocolName(act.protocol);
        }
        if (exp.type() != act.icmpType || exp.code() != act.icmpCode) {
            return "ICMP type/code: expected " + exp.type() + "/" + exp.code() + ", actual " + act.icmpType + "/" + act.icmpCode;
        }
        int rest = act.ihl + 4;
        if (exp.mtu() != null && Bytes.u16(act.ip, rest + 2) != exp.mtu()) {
            return "ICMP next-hop MTU: expected " + exp.mtu() + ", actual " + Bytes.u16(act.ip, rest + 2);
        }
        if (exp.id() != null && Bytes.u16(act.ip, rest) != exp.id()) {
            return "ICMP id: expected " + exp.id() + ", actual " + Bytes.u16(act.ip, rest);
        }
        PacketSpec.Echoed e = exp.echoed();
        if (e != null) {
            int q = act.payloadOff;
            if (act.payloadLen < Frames.IP_HLEN + 8) {
                return "ICMP quotes " + act.payloadLen + " bytes, fewer than an IP header and 8 bytes";
            }
            int qProto = act.ip[q + 9] & 0xff;
            int qLen = Bytes.u16(act.ip, q + 2);
            int qIhl = (act.ip[q] & 0xf) * 4;
            if (e.protocol() != 255 && qProto != e.protocol()) {
                return "quoted packet: expected " + protocolName(e.protocol()) + ", actual " + protocolName(qProto);
            }
            if (e.protocol() == Frames.IPPROTO_UDP && qLen != Frames.IP_HLEN + Frames.UDP_HLEN + e.len()) {
                return "quoted UDP datagram: expected " + e.len() + " bytes of payload, actual " + (qLen - qIhl - Frames.UDP_HLEN);
            }
            if (e.protocol() == Frames.IPPROTO_TCP) {
                long seq = Bytes.u32(act.ip, q + qIhl + 4);
                long s = conn == null ? seq : conn.scriptLocal(seq);
                if (s != e.seq()) {
                    return "quoted TCP seq: expected " + e.seq() + ", actual " + s;
                }
            }
        }
        return null;
    }

    static String protocolName(int p) {
        return switch (p) {
            case Frames.IPPROTO_TCP -> "TCP";
            case Frames.IPPROTO_UDP -> "UDP";
            case Frames.IPPROTO_ICMP -> "ICMP";
            default -> "protocol " + p;
        };
    }
}
