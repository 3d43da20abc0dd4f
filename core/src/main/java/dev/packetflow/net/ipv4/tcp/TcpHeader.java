package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.ipv4.InetChecksum;

/**
 * The TCP header as it lies in an {@link SkBuff}: field offsets, flag bits, option kinds and the
 * checksum, read and written in place through static accessors that take the header's absolute
 * offset (nothing allocated, safe from any thread). RFC 9293 section 3.1:
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        Sequence Number                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Acknowledgment Number                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Data |       |C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 * |       |       |R|E|G|K|H|T|N|N|                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Checksum            |         Urgent Pointer        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           [Options]                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>Linux: {@code include/uapi/linux/tcp.h struct tcphdr}, {@code include/net/tcp.h} (TCPOPT_*,
 * TCPOLEN_*, TCPHDR_*).
 */
public final class TcpHeader {
    private TcpHeader() {}

    public static final int MIN_LEN = 20;
    public static final int MAX_LEN = 60;

    // field offsets
    public static final int SOURCE = 0;
    public static final int DEST = 2;
    public static final int SEQ = 4;
    public static final int ACK_SEQ = 8;
    /** Data offset (4 bits), reserved (3 bits) and AE, then the flag byte. */
    public static final int DOFF = 12;
    public static final int FLAGS = 13;
    public static final int WINDOW = 14;
    public static final int CHECK = 16;
    public static final int URG_PTR = 18;

    /** Flag bits of byte 13, Linux's TCPHDR_*. */
    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;

    /** Option kinds (IANA), Linux's TCPOPT_*. */
    public static final int TCPOPT_EOL = 0;
    public static final int TCPOPT_NOP = 1;
    public static final int TCPOPT_MSS = 2;
    public static final int TCPOPT_WINDOW = 3;
    public static final int TCPOPT_SACK_PERM = 4;
    public static final int TCPOPT_SACK = 5;
    public static final int TCPOPT_TIMESTAMP = 8;

    /** Option lengths, Linux's TCPOLEN_*. */
    public static final int TCPOLEN_MSS = 4;
    public static final int TCPOLEN_WINDOW = 3;
    public static final int TCPOLEN_SACK_PERM = 2;
    public static final int TCPOLEN_TIMESTAMP = 10;
    public static final int TCPOLEN_SACK_BASE = 2;
    public static final int TCPOLEN_SACK_PERBLOCK = 8;
    /** nop, nop, timestamp: how every segment after the handshake carries timestamps. */
    public static final int TCPOLEN_TSTAMP_ALIGNED = 12;
    public static final int TCPOLEN_SACKPERM_ALIGNED = 4;
    public static final int TCPOLEN_WSCALE_ALIGNED = 4;
    public static final int TCPOLEN_MSS_ALIGNED = 4;
    /** The 40 bytes of option space a 60-byte header leaves. */
    public static final int MAX_TCP_OPTION_SPACE = 40;
    /** Linux: {@code TCP_NUM_SACKS}: most SACK blocks kept and sent. */
    public static final int TCP_NUM_SACKS = 4;

    /** The aligned timestamp word as Linux's fast path compares it: nop, nop, kind 8, length 10. */
    public static final int TSTAMP_ALIGNED_WORD = (TCPOPT_NOP << 24) | (TCPOPT_NOP << 16) | (TCPOPT_TIMESTAMP << 8)
            | TCPOLEN_TIMESTAMP;

    // ------------------------------------------------------------------ accessors

    public static int source(SkBuff s, int th) {
        return s.u16(th + SOURCE);
    }

    public static int dest(SkBuff s, int th) {
        return s.u16(th + DEST);
    }

    public static int seq(SkBuff s, int th) {
        return s.u32(th + SEQ);
    }

    public static int ackSeq(SkBuff s, int th) {
        return s.u32(th + ACK_SEQ);
    }

    /** Header length in bytes (data offset times four). */
    public static int doff(SkBuff s, int th) {
        return (s.u8(th + DOFF) >>> 4) << 2;
    }

    public static int flags(SkBuff s, int th) {
        return s.u8(th + FLAGS);
    }

    public static int window(SkBuff s, int th) {
        return s.u16(th + WINDOW);
    }

    public static int urgPtr(SkBuff s, int th) {
        return s.u16(th + URG_PTR);
    }

    /**
     * Linux's {@code tcp_flag_word()}: the 32-bit word holding data offset, reserved bits, flags and
     * window, what header prediction compares with {@code pred_flags}.
     */
    public static int flagWord(SkBuff s, int th) {
        return s.u32(th + DOFF);
    }

    /**
     * Writes a header with no options at {@code th}; the caller writes options after it and then
     * the checksum.
     */
    public static void write(SkBuff s, int th, int sport, int dport, int seq, int ack, int headerLen, int flags,
            int window) {
        s.setU16(th + SOURCE, sport);
        s.setU16(th + DEST, dport);
        s.setU32(th + SEQ, seq);
        s.setU32(th + ACK_SEQ, ack);
        s.setU8(th + DOFF, (headerLen >>> 2) << 4);
        s.setU8(th + FLAGS, flags);
        s.setU16(th + WINDOW, window);
        s.setU16(th + CHECK, 0);
        s.setU16(th + URG_PTR, 0);
    }

    /**
     * Linux: {@code tcp_v4_send_check()} done in software: the checksum over the pseudo-header and
     * {@code len} bytes of segment starting at {@code th}.
     */
    public static void fillChecksum(SkBuff s, int th, int len, int saddr, int daddr) {
        s.setU16(th + CHECK, 0);
        long sum = InetChecksum.pseudoHeader(saddr, daddr, 6, len);
        int c = InetChecksum.fold(InetChecksum.partial(s, th, len, sum));
        s.setU16(th + CHECK, c);
    }

    /** Whether the segment of {@code len} bytes at {@code th} (checksum included) is intact. */
    public static boolean checksumOk(SkBuff s, int th, int len, int saddr, int daddr) {
        long sum = InetChecksum.pseudoHeader(saddr, daddr, 6, len);
        return InetChecksum.fold(InetChecksum.partial(s, th, len, sum)) == 0;
    }

    /** Flag letters as tcpdump and packetdrill print them: "S", "S.", "P.", "F.", "R". */
    public static String flagString(int flags) {
        StringBuilder b = new StringBuilder();
        if ((flags & SYN) != 0) {
            b.append('S');
        }
        if ((flags & FIN) != 0) {
            b.append('F');
        }
        if ((flags & RST) != 0) {
            b.append('R');
        }
        if ((flags & PSH) != 0) {
            b.append('P');
        }
        if ((flags & URG) != 0) {
            b.append('U');
        }
        if ((flags & ECE) != 0) {
            b.append('E');
        }
        if ((flags & CWR) != 0) {
            b.append('W');
        }
        if ((flags & ACK) != 0) {
            b.append('.');
        }
        return b.length() == 0 ? "-" : b.toString();
    }

    /** Linux: {@code before()}: {@code a} comes before {@code b} in sequence space (RFC 1982). */
    public static boolean before(int a, int b) {
        return a - b < 0;
    }

    /** Linux: {@code after()}. */
    public static boolean after(int a, int b) {
        return b - a < 0;
    }

    /** Linux: {@code between()}: {@code lo <= a <= hi} in sequence space. */
    public static boolean between(int a, int lo, int hi) {
        return Integer.compareUnsigned(hi - lo, a - lo) >= 0;
    }
}
