package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.net.core.SkBuff;

/**
 * TCP's control block in an skb (Linux's {@code struct tcp_skb_cb}, {@code TCP_SKB_CB(skb)}),
 * laid out in the skb's scratch fields while TCP owns it:
 *
 * <pre>
 *   cb0   seq          first sequence number (SYN counts)
 *   cb1   end_seq      seq + SYN + FIN + payload length
 *   cb2   bits 0-7     tcp_flags (TcpHeader flag bits)
 *         bits 8-15    sacked: TCPCB_* scoreboard tags (sent skbs); offset of the SACK option in
 *                      the header (received skbs)
 *         bit 16       eor: do not append later data (MSG_EOR)
 *   cb3   ack_seq      (received skbs)
 *   cbl0  tx time      of the last (re)transmission in µs (Linux: skb_mstamp_ns)
 *   cbl1  first tx     time of the first transmission in µs
 * </pre>
 *
 * The IP layer reuses cb0/cb1 on the clones TCP hands it; TCP's own skbs keep their block.
 */
final class TcpSkbCb {
    private TcpSkbCb() {}

    /** Scoreboard tags (Linux's TCPCB_*). */
    static final int TCPCB_SACKED_ACKED = 0x01;
    static final int TCPCB_SACKED_RETRANS = 0x02;
    static final int TCPCB_LOST = 0x04;
    static final int TCPCB_TAGBITS = 0x07;
    static final int TCPCB_REPAIRED = 0x10;
    static final int TCPCB_EVER_RETRANS = 0x80;
    static final int TCPCB_RETRANS = TCPCB_SACKED_RETRANS | TCPCB_EVER_RETRANS | TCPCB_REPAIRED;

    private static final int EOR = 1 << 16;

    static int seq(SkBuff s) {
        return s.cb0;
    }

    static int endSeq(SkBuff s) {
        return s.cb1;
    }

    static int flags(SkBuff s) {
        return s.cb2 & 0xff;
    }

    static int sacked(SkBuff s) {
        return (s.cb2 >>> 8) & 0xff;
    }

    static boolean eor(SkBuff s) {
        return (s.cb2 & EOR) != 0;
    }

    static int ackSeq(SkBuff s) {
        return s.cb3;
    }

    static long txTimeUs(SkBuff s) {
        return s.cbl0;
    }

    static void setSeq(SkBuff s, int seq, int endSeq) {
        s.cb0 = seq;
        s.cb1 = endSeq;
    }

    static void setEndSeq(SkBuff s, int endSeq) {
        s.cb1 = endSeq;
    }

    static void setFlags(SkBuff s, int flags) {
        s.cb2 = (s.cb2 & ~0xff) | (flags & 0xff);
    }

    static void orFlags(SkBuff s, int flags) {
        s.cb2 |= flags & 0xff;
    }

    static void setSacked(SkBuff s, int sacked) {
        s.cb2 = (s.cb2 & ~0xff00) | ((sacked & 0xff) << 8);
    }

    static void setEor(SkBuff s) {
        s.cb2 |= EOR;
    }

    static void setAckSeq(SkBuff s, int ack) {
        s.cb3 = ack;
    }

    static void setTxTimeUs(SkBuff s, long us) {
        s.cbl0 = us;
    }

    /** A new skb's block: sequence range, flags, nothing else. */
    static void init(SkBuff s, int seq, int endSeq, int flags) {
        s.cb0 = seq;
        s.cb1 = endSeq;
        s.cb2 = flags & 0xff;
        s.cb3 = 0;
        s.cbl0 = 0;
        s.cbl1 = 0;
    }

    /**
     * Linux: {@code tcp_skb_pcount()}: how many wire segments the skb stands for (its GSO segment
     * count; a queued skb not yet sized counts one). {@code packets_out}, {@code sacked_out},
     * {@code lost_out} and {@code retrans_out} count these.
     */
    static int pcount(SkBuff s) {
        int n = s.gsoSegs;
        return n > 0 ? n : 1;
    }

    /** Linux: {@code tcp_skb_mss()}: the segment size the skb was sized for. */
    static int skbMss(SkBuff s) {
        return s.gsoSize;
    }

    /**
     * Linux: {@code tcp_set_skb_tso_segs()}: sizes the skb for {@code mss}: one segment when it
     * fits (no GSO), else a TCP/IPv4 GSO packet of {@code ceil(len / mss)} segments.
     */
    static void setTsoSegs(SkBuff s, int mss) {
        int len = s.len();
        if (len <= mss) {
            s.gsoSegs = 1;
            s.gsoSize = 0;
            s.gsoType = 0;
        } else {
            s.gsoSegs = (len + mss - 1) / mss;
            s.gsoSize = mss;
            s.gsoType = SkBuff.SKB_GSO_TCPV4;
        }
    }

    /**
     * Whether the skb's memory is charged by its payload, as Linux charges the page fragments of
     * a TSO skb ({@code skb->truesize += copy}), rather than by its buffer: the large
     * buffers that hold up to 64 KB of a GSO skb would otherwise cost the send buffer 64 KB each
     * however little they hold.
     */
    static boolean chargedByPayload(SkBuff s) {
        return s.end > dev.packetflow.net.core.PagePool.SMALL;
    }

    /** The charge of a new, empty TCP skb whose memory is {@link #chargedByPayload}. */
    static final int EMPTY_TRUESIZE = SkBuff.SKB_HEAD_TRUESIZE + TcpOutput.MAX_TCP_HEADER;

    /** Moves {@code delta} bytes of payload charge onto (or, negative, off) a write-queue skb. */
    static void charge(TcpSock tp, SkBuff s, int delta) {
        if (chargedByPayload(s)) {
            s.truesize += delta;
            tp.wmemQueued += delta;
        }
    }

    /** A fresh write-queue skb holding {@code len} bytes: charged by payload if its buffer is large. */
    static void initCharge(SkBuff s, int len) {
        if (chargedByPayload(s)) {
            s.truesize = EMPTY_TRUESIZE + len;
        }
    }

    /** Payload length of a data skb (the skb holds exactly its payload). */
    static int len(SkBuff s) {
        return s.len();
    }
}
