package dev.packetflow.drill;

import java.util.List;

/**
 * The packet part of a {@code <} or {@code >} line (GRAMMAR.md section 6), in script numbering:
 * sequence numbers as written, before the runner maps them to live values.
 */
public sealed interface PacketSpec {
    // TCP header flag bits as in the header's 12-bit flags field (AE is the old NS bit).
    int FIN = 0x01;
    int SYN = 0x02;
    int RST = 0x04;
    int PSH = 0x08;
    int ACK = 0x10;
    int URG = 0x20;
    int ECE = 0x40;
    int CWR = 0x80;
    int AE = 0x100;

    /**
     * IP-level decorations: {@code [ect0]}, {@code [tos 0x10]}, {@code [ttl 64]} (6.4). Null fields
     * are not written: inbound packets get the defaults, outbound ones are not checked.
     *
     * @param ecn ECN codepoint 0 (not-ECT), 1 (ECT(1)), 2 (ECT(0)) or 3 (CE)
     * @param ect01 {@code [ect01]}: outbound may carry ECT(0) or ECT(1)
     * @param tos the whole TOS byte (DSCP and ECN)
     */
    record IpInfo(Integer ecn, boolean ect01, Integer tos, Integer ttl, Integer flowlabel) {
        public static final IpInfo NONE = new IpInfo(null, false, null, null, null);

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            if (ect01) {
                sb.append("ect01 ");
            } else if (ecn != null) {
                sb.append(switch (ecn) {
                    case 0 -> "noecn";
                    case 1 -> "ect1";
                    case 2 -> "ect0";
                    default -> "ce";
                }).append(' ');
            }
            if (tos != null) {
                sb.append("tos 0x").append(Integer.toHexString(tos)).append(' ');
            }
            if (ttl != null) {
                sb.append("ttl ").append(ttl).append(' ');
            }
            if (flowlabel != null) {
                sb.append("flowlabel ").append(flowlabel).append(' ');
            }
            return sb.isEmpty() ? "" : "[" + sb.toString().trim() + "]";
        }
    }

    /**
     * A TCP segment: {@code [sport>dport] FLAGS start:end(len) [ack A] [win W] [urg U] [<options>]}.
     *
     * @param srcPort explicit source port, or null for the connection's
     * @param dstPort explicit destination port, or null
     * @param flags FIN..AE bits
     * @param seq start sequence number as written
     * @param len payload length
     * @param ack the ack clause, or null when absent
     * @param win the raw window field, or null when absent
     * @param urg the urgent pointer, or null when absent
     * @param options the option list; null for {@code <...>} (do not check); empty for no clause
     */
    record Tcp(Integer srcPort, Integer dstPort, int flags, long seq, int len, Long ack, Integer win, Integer urg,
            List<TcpOption> options) implements PacketSpec {
        public Tcp {
            options = options == null ? null : List.copyOf(options);
        }

        public boolean has(int flag) {
            return (flags & flag) != 0;
        }

        /** Sequence space taken: payload plus one for SYN and one for FIN. */
        public long seqSpace() {
            return len + ((flags & SYN) != 0 ? 1 : 0) + ((flags & FIN) != 0 ? 1 : 0);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            if (srcPort != null) {
                sb.append(srcPort).append('>').append(dstPort).append(' ');
            }
            sb.append(flagString(flags)).append(' ').append(seq).append(':').append(seq + len).append('(').append(len).append(')');
            if (ack != null) {
                sb.append(" ack ").append(ack);
            }
            if (win != null) {
                sb.append(" win ").append(win);
            }
            if (urg != null) {
                sb.append(" urg ").append(urg);
            }
            if (options == null) {
                sb.append(" <...>");
            } else if (!options.isEmpty()) {
                sb.append(' ').append(TcpOptions.format(options));
            }
            return sb.toString();
        }
    }

    /** {@code udp [sport>dport] (len)}. */
    record Udp(Integer srcPort, Integer dstPort, int len) implements PacketSpec {
        @Override
        public String toString() {
            return "udp " + (srcPort != null ? srcPort + ">" + dstPort + " " : "") + "(" + len + ")";
        }
    }

    /**
     * {@code icmp TYPE [CODE] [mtu N] [id N] [echoed]}; type and code as numbers.
     *
     * @param echoed the quoted packet, or null
     */
    record Icmp(int type, int code, Integer mtu, Integer id, Echoed echoed) implements PacketSpec {
        @Override
        public String toString() {
            return "icmp " + type + " " + code + (mtu != null ? " mtu " + mtu : "") + (id != null ? " id " + id : "")
                    + (echoed != null ? " " + echoed : "");
        }
    }

    /**
     * The packet an ICMP error quotes: a TCP segment of the connection in SUT numbering
     * ({@code [1:1461(1460)]}), a UDP datagram ({@code [udp (len)]}) or raw bytes.
     *
     * @param protocol 6 (TCP), 17 (UDP) or 255 (raw)
     */
    record Echoed(int protocol, long seq, int len) {
        @Override
        public String toString() {
            return switch (protocol) {
                case 6 -> "[" + seq + ":" + (seq + len) + "(" + len + ")]";
                case 17 -> "[udp (" + len + ")]";
                default -> "[raw (" + len + ")]";
            };
        }
    }

    /**
     * Flags in script notation: {@code S}, {@code S.}, {@code FP.}, {@code SEW}; {@code -} for none.
     * The ACE form ({@code .5}) is printed as letters.
     */
    static String flagString(int flags) {
        StringBuilder sb = new StringBuilder();
        if ((flags & SYN) != 0) {
            sb.append('S');
        }
        if ((flags & FIN) != 0) {
            sb.append('F');
        }
        if ((flags & RST) != 0) {
            sb.append('R');
        }
        if ((flags & PSH) != 0) {
            sb.append('P');
        }
        if ((flags & URG) != 0) {
            sb.append('U');
        }
        if ((flags & ECE) != 0) {
            sb.append('E');
        }
        if ((flags & CWR) != 0) {
            sb.append('W');
        }
        if ((flags & AE) != 0) {
            sb.append('A');
        }
        if ((flags & ACK) != 0) {
            sb.append('.');
        }
        return sb.isEmpty() ? "-" : sb.toString();
    }
}
