package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.net.core.Mib;

/**
 * TCP's counters: the "Tcp" group of {@code /proc/net/snmp} (RFC 4022's tcp group, in Linux's
 * order) and the "TcpExt" group of {@code /proc/net/netstat} (Linux's LINUX_MIB_* that this stack
 * can meet, in Linux's order and spelling).
 *
 * <p>Linux: {@code include/uapi/linux/snmp.h}, {@code net/ipv4/proc.c snmp4_tcp_list},
 * {@code snmp4_net_list}.
 */
public final class TcpMib {
    private TcpMib() {}

    static final String[] TCP_FIELDS = {
        "RtoAlgorithm", "RtoMin", "RtoMax", "MaxConn", "ActiveOpens", "PassiveOpens", "AttemptFails",
        "EstabResets", "CurrEstab", "InSegs", "OutSegs", "RetransSegs", "InErrs", "OutRsts", "InCsumErrors",
    };
    public static final int RTO_ALGORITHM = 0;
    public static final int RTO_MIN = 1;
    public static final int RTO_MAX = 2;
    public static final int MAX_CONN = 3;
    public static final int ACTIVE_OPENS = 4;
    public static final int PASSIVE_OPENS = 5;
    public static final int ATTEMPT_FAILS = 6;
    public static final int ESTAB_RESETS = 7;
    public static final int CURR_ESTAB = 8;
    public static final int IN_SEGS = 9;
    public static final int OUT_SEGS = 10;
    public static final int RETRANS_SEGS = 11;
    public static final int IN_ERRS = 12;
    public static final int OUT_RSTS = 13;
    public static final int IN_CSUM_ERRORS = 14;

    static final String[] EXT_FIELDS = {
        "SyncookiesSent", "SyncookiesRecv", "SyncookiesFailed", "EmbryonicRsts", "PruneCalled", "RcvPruned",
        "OfoPruned", "OutOfWindowIcmps", "LockDroppedIcmps", "TW", "TWKilled", "PAWSActive", "PAWSEstab",
        "DelayedACKs", "DelayedACKLocked", "DelayedACKLost", "ListenOverflows", "ListenDrops", "TCPHPHits",
        "TCPPureAcks", "TCPHPAcks", "TCPRenoRecovery", "TCPSackRecovery", "TCPSACKReneging", "TCPSACKReorder",
        "TCPRenoReorder", "TCPTSReorder", "TCPFullUndo", "TCPPartialUndo", "TCPDSACKUndo", "TCPLossUndo",
        "TCPLostRetransmit", "TCPRenoFailures", "TCPSackFailures", "TCPLossFailures", "TCPFastRetrans",
        "TCPSlowStartRetrans", "TCPTimeouts", "TCPLossProbes", "TCPLossProbeRecovery", "TCPRcvCollapsed",
        "TCPDSACKOldSent", "TCPDSACKOfoSent", "TCPDSACKRecv", "TCPDSACKOfoRecv", "TCPAbortOnData",
        "TCPAbortOnClose", "TCPAbortOnMemory", "TCPAbortOnTimeout", "TCPAbortOnLinger", "TCPSACKDiscard",
        "TCPDSACKIgnoredOld", "TCPDSACKIgnoredNoUndo", "TCPSpuriousRTOs", "TCPBacklogDrop", "TCPMinTTLDrop",
        "TCPDeferAcceptDrop", "TCPReqQFullDoCookies", "TCPReqQFullDrop", "TCPRcvCoalesce", "TCPOFOQueue",
        "TCPOFODrop", "TCPOFOMerge", "TCPChallengeACK", "TCPSYNChallenge", "TCPFromZeroWindowAdv", "TCPToZeroWindowAdv",
        "TCPWantZeroWindowAdv", "TCPSynRetrans", "TCPOrigDataSent", "TCPHystartTrainDetect",
        "TCPHystartTrainCwnd", "TCPHystartDelayDetect", "TCPHystartDelayCwnd", "TCPACKSkippedSynRecv",
        "TCPACKSkippedPAWS", "TCPACKSkippedSeq", "TCPACKSkippedFinWait2", "TCPACKSkippedTimeWait",
        "TCPACKSkippedChallenge", "TCPWinProbe", "TCPKeepAlive", "TCPDelivered", "TCPAckCompressed",
        "TCPZeroWindowDrop", "TCPRcvQDrop", "TCPDSACKRecvSegs", "TCPDSACKIgnoredDubious",
        // packetflow's own: the seed's two receive paths of tcp_rcv_established
        "TCPFastPath", "TCPSlowPath",
    };
    public static final int SYNCOOKIES_SENT = 0;
    public static final int SYNCOOKIES_RECV = 1;
    public static final int SYNCOOKIES_FAILED = 2;
    public static final int EMBRYONIC_RSTS = 3;
    public static final int PRUNE_CALLED = 4;
    public static final int RCV_PRUNED = 5;
    public static final int OFO_PRUNED = 6;
    public static final int OUT_OF_WINDOW_ICMPS = 7;
    public static final int LOCK_DROPPED_ICMPS = 8;
    public static final int TW = 9;
    public static final int TW_KILLED = 10;
    public static final int PAWS_ACTIVE = 11;
    public static final int PAWS_ESTAB = 12;
    public static final int DELAYED_ACKS = 13;
    public static final int DELAYED_ACK_LOCKED = 14;
    public static final int DELAYED_ACK_LOST = 15;
    public static final int LISTEN_OVERFLOWS = 16;
    public static final int LISTEN_DROPS = 17;
    public static final int HP_HITS = 18;
    public static final int PURE_ACKS = 19;
    public static final int HP_ACKS = 20;
    public static final int RENO_RECOVERY = 21;
    public static final int SACK_RECOVERY = 22;
    public static final int SACK_RENEGING = 23;
    public static final int SACK_REORDER = 24;
    public static final int RENO_REORDER = 25;
    public static final int TS_REORDER = 26;
    public static final int FULL_UNDO = 27;
    public static final int PARTIAL_UNDO = 28;
    public static final int DSACK_UNDO = 29;
    public static final int LOSS_UNDO = 30;
    public static final int LOST_RETRANSMIT = 31;
    public static final int RENO_FAILURES = 32;
    public static final int SACK_FAILURES = 33;
    public static final int LOSS_FAILURES = 34;
    public static final int FAST_RETRANS = 35;
    public static final int SLOW_START_RETRANS = 36;
    public static final int TIMEOUTS = 37;
    public static final int LOSS_PROBES = 38;
    public static final int LOSS_PROBE_RECOVERY = 39;
    public static final int RCV_COLLAPSED = 40;
    public static final int DSACK_OLD_SENT = 41;
    public static final int DSACK_OFO_SENT = 42;
    public static final int DSACK_RECV = 43;
    public static final int DSACK_OFO_RECV = 44;
    public static final int ABORT_ON_DATA = 45;
    public static final int ABORT_ON_CLOSE = 46;
    public static final int ABORT_ON_MEMORY = 47;
    public static final int ABORT_ON_TIMEOUT = 48;
    public static final int ABORT_ON_LINGER = 49;
    public static final int SACK_DISCARD = 50;
    public static final int DSACK_IGNORED_OLD = 51;
    public static final int DSACK_IGNORED_NO_UNDO = 52;
    public static final int SPURIOUS_RTOS = 53;
    public static final int BACKLOG_DROP = 54;
    public static final int MIN_TTL_DROP = 55;
    public static final int DEFER_ACCEPT_DROP = 56;
    public static final int REQ_Q_FULL_DO_COOKIES = 57;
    public static final int REQ_Q_FULL_DROP = 58;
    public static final int RCV_COALESCE = 59;
    public static final int OFO_QUEUE = 60;
    public static final int OFO_DROP = 61;
    public static final int OFO_MERGE = 62;
    public static final int CHALLENGE_ACK = 63;
    public static final int SYN_CHALLENGE = 64;
    public static final int FROM_ZERO_WINDOW_ADV = 65;
    public static final int TO_ZERO_WINDOW_ADV = 66;
    public static final int WANT_ZERO_WINDOW_ADV = 67;
    public static final int SYN_RETRANS = 68;
    public static final int ORIG_DATA_SENT = 69;
    public static final int HYSTART_TRAIN_DETECT = 70;
    public static final int HYSTART_TRAIN_CWND = 71;
    public static final int HYSTART_DELAY_DETECT = 72;
    public static final int HYSTART_DELAY_CWND = 73;
    public static final int ACK_SKIPPED_SYN_RECV = 74;
    public static final int ACK_SKIPPED_PAWS = 75;
    public static final int ACK_SKIPPED_SEQ = 76;
    public static final int ACK_SKIPPED_FIN_WAIT2 = 77;
    public static final int ACK_SKIPPED_TIME_WAIT = 78;
    public static final int ACK_SKIPPED_CHALLENGE = 79;
    public static final int WIN_PROBE = 80;
    public static final int KEEP_ALIVE = 81;
    public static final int DELIVERED = 82;
    public static final int ACK_COMPRESSED = 83;
    public static final int ZERO_WINDOW_DROP = 84;
    public static final int RCV_Q_DROP = 85;
    public static final int DSACK_RECV_SEGS = 86;
    public static final int DSACK_IGNORED_DUBIOUS = 87;
    public static final int FAST_PATH = 88;
    public static final int SLOW_PATH = 89;

    static Mib newTcp() {
        Mib m = new Mib("Tcp", TCP_FIELDS);
        m.set(RTO_ALGORITHM, 1);
        m.set(RTO_MIN, TcpTimer.TCP_RTO_MIN_MS);
        m.set(RTO_MAX, TcpTimer.TCP_RTO_MAX_MS);
        m.set(MAX_CONN, -1);
        return m;
    }

    static Mib newTcpExt() {
        return new Mib("TcpExt", EXT_FIELDS);
    }
}
