package dev.packetflow.drill;

import java.util.ArrayList;
import java.util.List;

/**
 * What the SUT sent for one expected outbound TCP line: one captured packet, or several
 * consecutive packets aggregated into one (GRAMMAR.md 6.5), the way a script written against
 * Linux's TSO super-packets ({@code > P. 1:5001(5000)}) describes five 1000-byte segments.
 *
 * <p>An aggregate takes seq, CWR and everything else from the first packet and PSH and FIN from the
 * last one (where TSO puts them); its payload is the sum.
 */
record Segment(List<Captured> parts, int saddr, int daddr, int sport, int dport, long seq, long ack, int flags,
        int win, int urg, List<TcpOption> options, int len, int tos, int ttl, int ihl, int doff, int reserved,
        boolean ipChecksumOk, boolean l4ChecksumOk, boolean payloadZeros) {

    static Segment of(Captured c) {
        return new Segment(List.of(c), c.saddr, c.daddr, c.sport, c.dport, c.seq, c.ack, c.flags, c.win, c.urg,
                c.options, c.payloadLen, c.tos, c.ttl, c.ihl, c.doff, c.reserved, c.ipChecksumOk, c.l4ChecksumOk,
                c.payloadIsZeros());
    }

    long firstTimeNs() {
        return parts.getFirst().timeNs;
    }

    long lastTimeNs() {
        return parts.getLast().timeNs;
    }

    /**
     * Whether {@code next} continues this segment as part of one aggregate: same connection, the
     * next sequence number, the same ack, window, urgent pointer, IP fields and option kinds,
     * no SYN or RST, and this one not ending in FIN. Returns null if so, else why not.
     */
    String cannotAppend(Captured next) {
        if ((flags & PacketSpec.FIN) != 0) {
            return "the previous part carried FIN";
        }
        if (next.sport != sport || next.dport != dport || next.saddr != saddr || next.daddr != daddr) {
            return "it belongs to another connection";
        }
        if (((seq + len) & Conn.MASK) != next.seq) {
            return "its seq " + next.seq + " does not follow " + ((seq + len) & Conn.MASK);
        }
        int same = ~(PacketSpec.PSH | PacketSpec.FIN | PacketSpec.CWR);
        if ((next.flags & same) != (flags & same) || (next.flags & (PacketSpec.SYN | PacketSpec.RST)) != 0) {
            return "its flags " + PacketSpec.flagString(next.flags) + " differ";
        }
        if (next.ack != ack || next.win != win || next.urg != urg || next.tos != tos || next.ttl != ttl) {
            return "its ack, window, urgent pointer or IP header differ";
        }
        if (!sameKinds(options, next.options)) {
            return "its options differ (" + TcpOptions.format(next.options) + ")";
        }
        return null;
    }

    /** This segment with {@code next} appended; call only if {@link #cannotAppend} said null. */
    Segment append(Captured next) {
        List<Captured> p = new ArrayList<>(parts);
        p.add(next);
        int f = (flags & ~(PacketSpec.PSH | PacketSpec.FIN)) | (next.flags & (PacketSpec.PSH | PacketSpec.FIN));
        return new Segment(p, saddr, daddr, sport, dport, seq, ack, f, win, urg, options, len + next.payloadLen, tos, ttl,
                ihl, doff, reserved | next.reserved, ipChecksumOk && next.ipChecksumOk, l4ChecksumOk && next.l4ChecksumOk,
                payloadZeros && next.payloadIsZeros());
    }

    private static boolean sameKinds(List<TcpOption> a, List<TcpOption> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i).kind() != b.get(i).kind()) {
                return false;
            }
        }
        return true;
    }
}
