package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.lib.SipHash;

/**
 * SYN cookies (RFC 4987 3.6): when the SYN queue is full, the listener keeps no state for a SYN;
 * the SYN-ACK's sequence number carries it instead. The cookie is
 *
 * <pre>
 *   H1(4-tuple) + their ISN + (minute counter &lt;&lt; 24) + ((H2(4-tuple, counter) + MSS index) mod 2^24)
 * </pre>
 *
 * with keyed hashes H1, H2 under per-stack secrets; the ACK that completes the handshake proves the
 * peer saw it (ACK - 1 decodes to a counter at most two minutes old and a valid MSS index). Only
 * four MSS values can be encoded (Linux's table: 536, 1300, 1440, 1460). With timestamps, the
 * window scale and SACK-permitted options are encoded in the low six bits of our TS value, so they
 * survive too; without timestamps the connection goes without them.
 *
 * <p>Linux: {@code net/ipv4/syncookies.c}.
 */
final class TcpSyncookies {
    static final int[] MSSTAB = {536, 1300, 1440, 1460};
    private static final int COOKIEBITS = 24;
    private static final int COOKIEMASK = (1 << COOKIEBITS) - 1;
    private static final int MAX_SYNCOOKIE_AGE = 2;
    static final int TSBITS = 6;
    static final int TSMASK = (1 << TSBITS) - 1;
    static final int TS_OPT_WSCALE_MASK = 0xf;
    static final int TS_OPT_SACK = 1 << 4;

    private final long k0;
    private final long k1;

    TcpSyncookies(long k0, long k1) {
        this.k0 = k0;
        this.k1 = k1;
    }

    private int hash(int saddr, int daddr, int sport, int dport, int count, int c) {
        return (int) SipHash.hash3u32(saddr, daddr, (sport << 16) | dport, k0 ^ c, k1 + count);
    }

    /** Linux: {@code tcp_cookie_time()}: the minute counter. */
    private static int cookieTime(long nowMs) {
        return (int) (nowMs / 60_000L);
    }

    /** The largest MSS of the table not above the peer's, and the cookie encoding it. */
    int initSequence(int saddr, int daddr, int sport, int dport, int theirSeq, int mss, long nowMs, int[] mssOut) {
        int idx = MSSTAB.length - 1;
        while (idx > 0 && mss < MSSTAB[idx]) {
            idx--;
        }
        mssOut[0] = MSSTAB[idx];
        int count = cookieTime(nowMs);
        return hash(saddr, daddr, sport, dport, 0, 0) + theirSeq + (count << COOKIEBITS)
                + ((hash(saddr, daddr, sport, dport, count, 1) + idx) & COOKIEMASK);
    }

    /**
     * Linux: {@code __cookie_v4_check()}: the MSS a returning ACK's cookie encodes, or 0 if it is not
     * a cookie of ours (or older than two minutes).
     */
    int check(int saddr, int daddr, int sport, int dport, int theirSeq, int cookie, long nowMs) {
        int count = cookieTime(nowMs);
        cookie -= hash(saddr, daddr, sport, dport, 0, 0) + theirSeq;
        int diff = (count - (cookie >>> COOKIEBITS)) & (-1 >>> COOKIEBITS);
        if (diff >= MAX_SYNCOOKIE_AGE) {
            return 0;
        }
        int idx = (cookie - hash(saddr, daddr, sport, dport, count - diff, 1)) & COOKIEMASK;
        return idx < MSSTAB.length ? MSSTAB[idx] : 0;
    }

    /** Linux: {@code cookie_init_timestamp()}: our TS value with the options in its low bits. */
    static int initTimestamp(int tsNow, boolean wscaleOk, int sndWscale, boolean sackOk) {
        int options = wscaleOk ? sndWscale : TS_OPT_WSCALE_MASK;
        if (sackOk) {
            options |= TS_OPT_SACK;
        }
        int ts = (tsNow & ~TSMASK) | options;
        if (Integer.compareUnsigned(ts, tsNow) > 0) {
            ts -= 1 << TSBITS;
        }
        return ts;
    }
}
