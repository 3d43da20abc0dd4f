package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.net.core.Mib;
import dev.packetflow.net.core.SkBuff;

import static dev.packetflow.net.ipv4.tcp.TcpHeader.*;
import static dev.packetflow.net.ipv4.tcp.TcpInputAck.*;
import static dev.packetflow.net.ipv4.tcp.TcpSock.*;
import static dev.packetflow.net.ipv4.tcp.TcpSkbCb.*;

/**
 * The SACK scoreboard (RFC 2018, RFC 6675): SACK blocks of an ACK mark segments sacked, D-SACK
 * blocks (RFC 2883) report duplicates (reordering and undo evidence), invalid blocks are ignored.
 * Linux: {@code net/ipv4/tcp_input.c} ({@code tcp_sacktag_write_queue()},
 * {@code tcp_is_sackblock_valid()}, {@code tcp_check_dsack()}, {@code tcp_sacktag_one()},
 * {@code tcp_check_sack_reordering()}).
 */
final class TcpSack {
    private final Tcp tcp;
    private final Mib ext;

    TcpSack(Tcp tcp) {
        this.tcp = tcp;
        this.ext = tcp.extMib();
    }

    // ================================================================ SACK tagging

    /**
     * Linux: {@code tcp_sacktag_write_queue()}: applies the SACK blocks of {@code ackSkb} to the
     * scoreboard. Returns FLAG_DATA_SACKED, FLAG_DSACKING_ACK, FLAG_ORIG_SACK_ACKED as found.
     */
    int sacktagWriteQueue(TcpSock tp, SkBuff ackSkb, int priorSndUna) {
        int th = ackSkb.transportHeader;
        int opt = th + sacked(ackSkb);
        int numSacks = Math.min(TcpHeader.TCP_NUM_SACKS, (ackSkb.u8(opt + 1) - TCPOLEN_SACK_BASE) >> 3);
        int[] sp = tp.sackScratch;
        tp.sackFlag = 0;
        tp.sackReord = tp.sndNxt;
        if (tp.sackedOut == 0) {
            tp.highestSackSeq = tp.sndUna;
        }
        int ackSeq = ackSeq(ackSkb);
        boolean foundDupSack = checkDsack(tp, ackSkb, opt + 2, numSacks, priorSndUna, ackSeq);
        if (before(ackSeq, priorSndUna - tp.maxWindow)) {
            return 0;
        }
        if (tp.packetsOut == 0) {
            return tp.sackFlag;
        }
        int used = 0;
        int firstSackIndex = 0;
        for (int i = 0; i < numSacks; i++) {
            boolean dup = i == 0 && foundDupSack;
            int start = ackSkb.u32(opt + 2 + 8 * i);
            int end = ackSkb.u32(opt + 2 + 8 * i + 4);
            if (!isSackblockValid(tp, dup, start, end)) {
                if (dup) {
                    ext.inc(tp.undoMarker == 0 ? TcpMib.DSACK_IGNORED_NO_UNDO : TcpMib.DSACK_IGNORED_OLD);
                } else {
                    if (ackSeq != tp.sndUna && !after(end, tp.sndUna)) {
                        continue;
                    }
                    ext.inc(TcpMib.SACK_DISCARD);
                }
                if (i == 0) {
                    firstSackIndex = -1;
                }
                continue;
            }
            if (!after(end, priorSndUna)) {
                if (i == 0) {
                    firstSackIndex = -1;
                }
                continue;
            }
            sp[2 * used] = start;
            sp[2 * used + 1] = end;
            used++;
        }
        // order the blocks for one walk of the queue
        for (int i = used - 1; i > 0; i--) {
            for (int j = 0; j < i; j++) {
                if (after(sp[2 * j], sp[2 * (j + 1)])) {
                    int a = sp[2 * j];
                    int b = sp[2 * j + 1];
                    sp[2 * j] = sp[2 * (j + 1)];
                    sp[2 * j + 1] = sp[2 * (j + 1) + 1];
                    sp[2 * (j + 1)] = a;
                    sp[2 * (j + 1) + 1] = b;
                    if (j == firstSackIndex) {
                        firstSackIndex = j + 1;
                    }
                }
            }
        }
        SkBuff skb = tp.rtxHead();
        for (int i = 0; i < used && skb != null; i++) {
            int start = sp[2 * i];
            int end = sp[2 * i + 1];
            boolean dupSack = foundDupSack && i == firstSackIndex;
            while (skb != null && skb != tp.sendHead && !after(endSeq(skb), start)) {
                skb = skb.next;
            }
            SkBuff w = skb;
            while (w != null && w != tp.sendHead && before(seq(w), end)) {
                int inSack = matchSkbToSack(tp, w, start, end);
                if (inSack < 0) {
                    break;
                }
                if (inSack > 0) {
                    setSacked(w, sacktagOne(tp, sacked(w), seq(w), endSeq(w), dupSack, txTimeUs(w), pcount(w)));
                    if (!before(endSeq(w), tp.highestSackSeq) && (sacked(w) & TCPCB_SACKED_ACKED) != 0) {
                        tp.highestSackSeq = endSeq(w);
                    }
                }
                w = w.next;
            }
            if (skb == tp.sendHead) {
                skb = null;
            }
        }
        System.arraycopy(sp, 0, tp.recvSackCache, 0, 2 * used);
        if (tp.caState != TCP_CA_LOSS || tp.undoMarker != 0) {
            checkSackReordering(tp, tp.sackReord, false);
        }
        return tp.sackFlag;
    }

    /**
     * Linux: {@code tcp_match_skb_to_sack()}: whether {@code skb} lies within the block; a
     * multi-segment skb the block covers in part is first split at a segment boundary (rounded so
     * that SACKed pieces are whole segments, or the short remainder) and the answer is for the
     * part left in {@code skb}. Returns 1, 0, or -1 (the block ends inside the first segment, or
     * no memory).
     */
    private int matchSkbToSack(TcpSock tp, SkBuff skb, int start, int end) {
        boolean inSack = !after(start, seq(skb)) && !before(end, endSeq(skb));
        if (pcount(skb) > 1 && !inSack && after(endSeq(skb), start)) {
            int mss = skbMss(skb);
            inSack = !after(start, seq(skb));
            int pktLen;
            if (!inSack) {
                pktLen = start - seq(skb);
                if (pktLen < mss) {
                    pktLen = mss;
                }
            } else {
                pktLen = end - seq(skb);
                if (pktLen < mss) {
                    return -1;
                }
            }
            if (pktLen > mss) {
                int newLen = pktLen / mss * mss;
                if (!inSack && newLen < pktLen) {
                    newLen += mss;
                }
                pktLen = newLen;
            }
            if (pktLen >= skb.len() && !inSack) {
                return 0;
            }
            if (tcp.output.fragment(tp, skb, pktLen, mss) < 0) {
                return -1;
            }
        }
        return inSack ? 1 : 0;
    }

    /** Linux: {@code tcp_is_sackblock_valid()}. */
    private static boolean isSackblockValid(TcpSock tp, boolean isDsack, int start, int end) {
        if (after(end, tp.sndNxt) || !before(start, end)) {
            return false;
        }
        if (!before(start, tp.sndNxt)) {
            return false;
        }
        if (after(start, tp.sndUna)) {
            return true;
        }
        if (!isDsack || tp.undoMarker == 0) {
            return false;
        }
        if (after(end, tp.sndUna)) {
            return false;
        }
        if (!before(start, tp.undoMarker)) {
            return true;
        }
        if (!after(end, tp.undoMarker)) {
            return false;
        }
        return !before(start, end - tp.maxWindow);
    }

    /** Linux: {@code tcp_check_dsack()}: is the first block a D-SACK (RFC 2883 4)? */
    private boolean checkDsack(TcpSock tp, SkBuff s, int blocks, int numSacks, int priorSndUna, int ackSeq) {
        int start0 = s.u32(blocks);
        int end0 = s.u32(blocks + 4);
        if (before(start0, ackSeq)) {
            ext.inc(TcpMib.DSACK_RECV);
        } else if (numSacks > 1) {
            int start1 = s.u32(blocks + 8);
            int end1 = s.u32(blocks + 12);
            if (after(end0, end1) || before(start0, start1)) {
                return false;
            }
            ext.inc(TcpMib.DSACK_OFO_RECV);
        } else {
            return false;
        }
        int dupSegs = dsackSeen(tp, start0, end0);
        if (dupSegs == 0) {
            ext.inc(TcpMib.DSACK_IGNORED_DUBIOUS);
            return false;
        }
        ext.add(TcpMib.DSACK_RECV_SEGS, dupSegs);
        if (tp.undoMarker != 0 && tp.undoRetrans > 0 && !after(end0, priorSndUna) && after(end0, tp.undoMarker)) {
            tp.undoRetrans = Math.max(0, tp.undoRetrans - dupSegs);
        }
        return true;
    }

    /** Linux: {@code tcp_dsack_seen()}. */
    private static int dsackSeen(TcpSock tp, int start, int end) {
        if (!before(start, end)) {
            return 0;
        }
        int len = end - start;
        if (Integer.compareUnsigned(len, tp.maxWindow) > 0) {
            return 0;
        }
        int dupSegs = 1;
        if (len > tp.mssCache) {
            dupSegs = (len + tp.mssCache - 1) / tp.mssCache;
        } else if (tp.tlpHighSeq != 0 && tp.tlpHighSeq == end) {
            tp.sackFlag |= FLAG_DSACK_TLP;
        }
        tp.dsackDups += dupSegs;
        if (tp.dsackDups > tp.totalRetrans) {
            return 0;
        }
        tp.sackOk |= TCP_DSACK_SEEN;
        if (tp.reordSeen != 0 && (tp.sackFlag & FLAG_DSACK_TLP) == 0) {
            tp.rackDsackSeen = true;
        }
        tp.sackFlag |= FLAG_DSACKING_ACK;
        tp.sackDelivered += dupSegs;
        return dupSegs;
    }

    /** Linux: {@code tcp_sacktag_one()}: tags one newly SACKed segment and updates the counters. */
    private int sacktagOne(TcpSock tp, int sacked, int start, int end, boolean dupSack, long xmitTime, int pcount) {
        if (dupSack && (sacked & TCPCB_RETRANS) != 0) {
            if (tp.undoMarker != 0 && tp.undoRetrans > 0 && after(end, tp.undoMarker)) {
                tp.undoRetrans = Math.max(0, tp.undoRetrans - pcount);
            }
            if ((sacked & TCPCB_SACKED_ACKED) != 0 && before(start, tp.sackReord)) {
                tp.sackReord = start;
            }
        }
        if (!after(end, tp.sndUna)) {
            return sacked;
        }
        if ((sacked & TCPCB_SACKED_ACKED) == 0) {
            tcp.rack.rackAdvance(tp, sacked, end, xmitTime);
            if ((sacked & TCPCB_SACKED_RETRANS) != 0) {
                if ((sacked & TCPCB_LOST) != 0) {
                    sacked &= ~(TCPCB_LOST | TCPCB_SACKED_RETRANS);
                    tp.lostOut -= pcount;
                    tp.retransOut -= pcount;
                }
            } else {
                if ((sacked & TCPCB_RETRANS) == 0) {
                    if (before(start, tcp.recovery.highestSackSeq(tp)) && before(start, tp.sackReord)) {
                        tp.sackReord = start;
                    }
                    if (!after(end, tp.highSeq)) {
                        tp.sackFlag |= FLAG_ORIG_SACK_ACKED;
                    }
                    if (tp.sackFirstSacktUs == 0) {
                        tp.sackFirstSacktUs = xmitTime;
                    }
                    tp.sackLastSacktUs = xmitTime;
                }
                if ((sacked & TCPCB_LOST) != 0) {
                    sacked &= ~TCPCB_LOST;
                    tp.lostOut -= pcount;
                }
            }
            sacked |= TCPCB_SACKED_ACKED;
            tp.sackFlag |= FLAG_DATA_SACKED;
            tp.sackedOut += pcount;
            tp.sackDelivered += pcount;
        }
        if (dupSack && (sacked & TCPCB_SACKED_RETRANS) != 0) {
            sacked &= ~TCPCB_SACKED_RETRANS;
            tp.retransOut -= pcount;
        }
        return sacked;
    }

    /**
     * Linux: {@code tcp_check_sack_reordering()}: a hole filled below the highest SACK means
     * reordering; dupthresh grows to its extent.
     */
    void checkSackReordering(TcpSock tp, int lowSeq, boolean ts) {
        int fack = tcp.recovery.highestSackSeq(tp);
        if (!before(lowSeq, fack)) {
            return;
        }
        int metric = fack - lowSeq;
        int mss = tp.mssCache;
        if (mss != 0 && metric > tp.reordering * mss) {
            tp.reordering = Math.min((metric + mss - 1) / mss, tp.sysctl.maxReordering);
        }
        tp.reordSeen++;
        ext.inc(ts ? TcpMib.TS_REORDER : TcpMib.SACK_REORDER);
    }
}
