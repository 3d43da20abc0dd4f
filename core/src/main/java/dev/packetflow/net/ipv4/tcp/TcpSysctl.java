package dev.packetflow.net.ipv4.tcp;

/**
 * The {@code net.ipv4.tcp_*} sysctls of one stack, with Linux's defaults
 * ({@code Documentation/networking/ip-sysctl.rst}). Fields are volatile and read on use, so a
 * change applies to the next decision, as writing {@code /proc/sys} does. The packetdrill runner
 * applies {@code defaults.sh} through these (see {@link #applyPacketdrillDefaults()}).
 *
 * <p>Values that Linux keeps in jiffies are kept here in milliseconds.
 */
public final class TcpSysctl {
    /** {@code tcp_rmem}: min, default, max receive buffer in bytes. The max picks the window scale. */
    public volatile int[] tcpRmem = {4096, 131072, 6291456};
    /** {@code tcp_wmem}: min, default, max send buffer in bytes. */
    public volatile int[] tcpWmem = {4096, 16384, 4194304};
    public volatile int timestamps = 1;
    public volatile int windowScaling = 1;
    public volatile int sack = 1;
    public volatile int dsack = 1;
    public volatile int synRetries = 6;
    public volatile int synackRetries = 5;
    public volatile int retries1 = 3;
    public volatile int retries2 = 15;
    /** {@code tcp_orphan_retries}; 0 means 8, as in Linux. */
    public volatile int orphanRetries = 0;
    /** {@code tcp_fin_timeout} in seconds: how long an orphaned connection stays in FIN_WAIT2. */
    public volatile int finTimeout = 60;
    /** {@code tcp_keepalive_time}, {@code _intvl} in seconds, {@code _probes}. */
    public volatile int keepaliveTime = 7200;
    public volatile int keepaliveIntvl = 75;
    public volatile int keepaliveProbes = 9;
    /** {@code tcp_frto}: F-RTO (RFC 5682), SACK-enhanced with 2. */
    public volatile int frto = 2;
    /** {@code tcp_reordering}: initial dupthresh. */
    public volatile int reordering = 3;
    public volatile int maxReordering = 300;
    /** {@code tcp_congestion_control}: "cubic" (default) or "reno". */
    public volatile String congestionControl = "cubic";
    public volatile int slowStartAfterIdle = 1;
    /** {@code tcp_early_retrans}: 3 enables the tail loss probe (RACK-TLP). */
    public volatile int earlyRetrans = 3;
    /** {@code tcp_recovery}: bit 0 is RACK loss detection. */
    public volatile int recovery = 1;
    /** {@code tcp_syncookies}: 1 sends cookies only when the SYN queue overflows, 2 always. */
    public volatile int syncookies = 1;
    /** {@code tcp_max_syn_backlog}: the SYN queue's limit. */
    public volatile int maxSynBacklog = 1024;
    /** {@code tcp_invalid_ratelimit} in ms: least time between out-of-window duplicate ACKs. */
    public volatile int invalidRatelimitMs = 500;
    /** {@code tcp_challenge_ack_limit}: challenge ACKs per second per stack (Linux 6.x: unlimited). */
    public volatile int challengeAckLimit = Integer.MAX_VALUE;
    /** {@code tcp_rfc1337}: TIME_WAIT ignores RSTs (RFC 1337 TIME-WAIT assassination hazards). */
    public volatile int rfc1337 = 0;
    /** {@code tcp_min_rtt_wlen} in seconds: window of the min RTT filter. */
    public volatile int minRttWlen = 300;
    public volatile int moderateRcvbuf = 1;
    public volatile int appWin = 31;
    public volatile int workaroundSignedWindows = 0;
    /** {@code tcp_comp_sack_delay_ns} and {@code tcp_comp_sack_nr}: SACK compression. */
    public volatile long compSackDelayNs = 1_000_000L;
    public volatile int compSackNr = 44;
    public volatile int backlogAckDefer = 1;
    /** {@code tcp_notsent_lowat}; {@code Integer.MAX_VALUE} is "unlimited". */
    public volatile int notsentLowat = Integer.MAX_VALUE;
    /** {@code tcp_retrans_collapse}. */
    public volatile int retransCollapse = 1;
    /** {@code tcp_base_mss}, {@code tcp_min_snd_mss}. */
    public volatile int baseMss = 1024;
    public volatile int minSndMss = 48;
    /** {@code tcp_ecn}: ECN is not negotiated by this stack; kept so settings round-trip. */
    public volatile int ecn = 2;
    /** {@code tcp_fastopen}: not implemented; kept so settings round-trip. */
    public volatile int fastopen = 1;
    public volatile int tsoWinDivisor = 3;
    /**
     * The kernel's {@code CONFIG_HZ}: timers Linux keeps in jiffies (RTO, loss probe, RACK's
     * reordering timer, {@code TCP_TIMEOUT_MIN}) round up to whole jiffies. 1000 (1 ms) by
     * default; 250 (4 ms) is what many distribution kernels use. One of 100, 250, 1000.
     */
    public volatile int hz = 1000;

    /** Sets {@link #hz}; throws IllegalArgumentException unless it is 100, 250 or 1000. */
    public void setHz(int hz) {
        if (hz != 100 && hz != 250 && hz != 1000) {
            throw new IllegalArgumentException("HZ must be 100, 250 or 1000: " + hz);
        }
        this.hz = hz;
    }

    /**
     * What the packetdrill corpus's {@code defaults.sh} sets (GRAMMAR.md 9.3): the buffers, SACK,
     * timestamps, five SYN and SYN-ACK retries, F-RTO, RACK and TLP, CUBIC, no slow start after
     * idle, cookies on overflow only.
     */
    public void applyPacketdrillDefaults() {
        tcpRmem = new int[] {4096, 540000, 15728640};
        tcpWmem = new int[] {4096, 262144, 4194304};
        timestamps = 1;
        sack = 1;
        dsack = 1;
        synRetries = 5;
        synackRetries = 5;
        frto = 2;
        reordering = 3;
        congestionControl = "cubic";
        slowStartAfterIdle = 0;
        earlyRetrans = 4;
        recovery = 1;
        tsoWinDivisor = 3;
        ecn = 0;
        syncookies = 1;
        notsentLowat = Integer.MAX_VALUE;
    }

    /** Sets {@code tcp_rmem}; throws IllegalArgumentException unless 0 < min <= default <= max. */
    public void setTcpRmem(int min, int def, int max) {
        check("tcp_rmem", min, def, max);
        tcpRmem = new int[] {min, def, max};
    }

    public void setTcpWmem(int min, int def, int max) {
        check("tcp_wmem", min, def, max);
        tcpWmem = new int[] {min, def, max};
    }

    /** Sets the congestion control by name; throws IllegalArgumentException for unknown names. */
    public void setCongestionControl(String name) {
        if (TcpCong.byName(name) == null) {
            throw new IllegalArgumentException("tcp_congestion_control: no such algorithm: " + name);
        }
        congestionControl = name;
    }

    private static void check(String what, int min, int def, int max) {
        if (min <= 0 || def < min || max < def) {
            throw new IllegalArgumentException(what + ": need 0 < min <= default <= max: " + min + " " + def + " " + max);
        }
    }
}
