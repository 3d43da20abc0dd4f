package dev.packetflow.net.ipv4;

import dev.packetflow.net.core.Mib;

/**
 * The IPv4 and ICMP SNMP counters, with field names and order exactly as {@code /proc/net/snmp}
 * (groups "Ip", "Icmp", "IcmpMsg") and {@code /proc/net/netstat} ("IpExt") print them, and index
 * constants for the packet path.
 *
 * <p>"IcmpMsg" has one counter per type and direction ({@code InType0 .. InType255},
 * {@code OutType0 .. OutType255}); Linux prints only the non-zero ones, and so should a printer.
 *
 * <p>Linux: {@code net/ipv4/proc.c snmp4_ipstats_list, snmp4_icmp_list, snmp4_ipextstats_list},
 * {@code include/uapi/linux/snmp.h}.
 */
public final class IpMib {
    private IpMib() {}

    static final String[] IP = {
        "Forwarding", "DefaultTTL", "InReceives", "InHdrErrors", "InAddrErrors", "ForwDatagrams",
        "InUnknownProtos", "InDiscards", "InDelivers", "OutRequests", "OutDiscards", "OutNoRoutes",
        "ReasmTimeout", "ReasmReqds", "ReasmOKs", "ReasmFails", "FragOKs", "FragFails", "FragCreates",
        "OutTransmits",
    };
    public static final int FORWARDING = 0;
    public static final int DEFAULT_TTL = 1;
    public static final int IN_RECEIVES = 2;
    public static final int IN_HDR_ERRORS = 3;
    public static final int IN_ADDR_ERRORS = 4;
    public static final int FORW_DATAGRAMS = 5;
    public static final int IN_UNKNOWN_PROTOS = 6;
    public static final int IN_DISCARDS = 7;
    public static final int IN_DELIVERS = 8;
    public static final int OUT_REQUESTS = 9;
    public static final int OUT_DISCARDS = 10;
    public static final int OUT_NO_ROUTES = 11;
    public static final int REASM_TIMEOUT = 12;
    public static final int REASM_REQDS = 13;
    public static final int REASM_OKS = 14;
    public static final int REASM_FAILS = 15;
    public static final int FRAG_OKS = 16;
    public static final int FRAG_FAILS = 17;
    public static final int FRAG_CREATES = 18;
    public static final int OUT_TRANSMITS = 19;

    static final String[] IP_EXT = {
        "InNoRoutes", "InTruncatedPkts", "InMcastPkts", "OutMcastPkts", "InBcastPkts", "OutBcastPkts",
        "InOctets", "OutOctets", "InMcastOctets", "OutMcastOctets", "InBcastOctets", "OutBcastOctets",
        "InCsumErrors", "InNoECTPkts", "InECT1Pkts", "InECT0Pkts", "InCEPkts", "ReasmOverlaps",
    };
    public static final int EXT_IN_NO_ROUTES = 0;
    public static final int EXT_IN_TRUNCATED_PKTS = 1;
    public static final int EXT_IN_BCAST_PKTS = 4;
    public static final int EXT_OUT_BCAST_PKTS = 5;
    public static final int EXT_IN_OCTETS = 6;
    public static final int EXT_OUT_OCTETS = 7;
    public static final int EXT_IN_BCAST_OCTETS = 10;
    public static final int EXT_OUT_BCAST_OCTETS = 11;
    public static final int EXT_IN_CSUM_ERRORS = 12;
    /** InNoECTPkts + the packet's ECN bits (ECT(1)=1, ECT(0)=2, CE=3), as Linux indexes them. */
    public static final int EXT_IN_NOECT_PKTS = 13;
    public static final int EXT_REASM_OVERLAPS = 17;

    static final String[] ICMP = {
        "InMsgs", "InErrors", "InCsumErrors", "InDestUnreachs", "InTimeExcds", "InParmProbs", "InSrcQuenchs",
        "InRedirects", "InEchos", "InEchoReps", "InTimestamps", "InTimestampReps", "InAddrMasks",
        "InAddrMaskReps", "OutMsgs", "OutErrors", "OutRateLimitGlobal", "OutRateLimitHost", "OutDestUnreachs",
        "OutTimeExcds", "OutParmProbs", "OutSrcQuenchs", "OutRedirects", "OutEchos", "OutEchoReps",
        "OutTimestamps", "OutTimestampReps", "OutAddrMasks", "OutAddrMaskReps",
    };
    public static final int ICMP_IN_MSGS = 0;
    public static final int ICMP_IN_ERRORS = 1;
    public static final int ICMP_IN_CSUM_ERRORS = 2;
    public static final int ICMP_OUT_MSGS = 14;
    public static final int ICMP_OUT_ERRORS = 15;
    public static final int ICMP_OUT_RATELIMIT_GLOBAL = 16;
    public static final int ICMP_OUT_RATELIMIT_HOST = 17;

    /**
     * Index of the per-type counter of the Icmp group for {@code type}, or -1 for types it does not
     * list. Linux derives these columns from the IcmpMsg counters; {@code out} picks the Out column.
     */
    static int icmpTypeField(int type, boolean out) {
        int base = out ? 18 : 3;
        return switch (type) {
            case IcmpHeader.ICMP_DEST_UNREACH -> base;
            case IcmpHeader.ICMP_TIME_EXCEEDED -> base + 1;
            case IcmpHeader.ICMP_PARAMETERPROB -> base + 2;
            case IcmpHeader.ICMP_SOURCE_QUENCH -> base + 3;
            case IcmpHeader.ICMP_REDIRECT -> base + 4;
            case IcmpHeader.ICMP_ECHO -> base + 5;
            case IcmpHeader.ICMP_ECHOREPLY -> base + 6;
            case IcmpHeader.ICMP_TIMESTAMP -> base + 7;
            case IcmpHeader.ICMP_TIMESTAMPREPLY -> base + 8;
            case IcmpHeader.ICMP_ADDRESS -> base + 9;
            case IcmpHeader.ICMP_ADDRESSREPLY -> base + 10;
            default -> -1;
        };
    }

    /**
     * The IPv4 part of {@code /proc/net/snmp} (Linux: {@code snmp_seq_show_ipstats} and
     * {@code icmp_put}/{@code icmpmsg_put}): for each group a line of names and a line of values;
     * IcmpMsg lists only the non-zero counters and is left out when all are zero.
     */
    public static String procNetSnmp(Ipv4 ipv4) {
        StringBuilder sb = new StringBuilder();
        group(sb, ipv4.ipMib());
        group(sb, ipv4.icmpMib());
        Mib m = ipv4.icmpMsgMib();
        StringBuilder names = new StringBuilder("IcmpMsg:");
        StringBuilder values = new StringBuilder("IcmpMsg:");
        String[] f = m.fields();
        boolean any = false;
        for (int i = 0; i < f.length; i++) {
            long v = m.get(i);
            if (v != 0) {
                names.append(' ').append(f[i]);
                values.append(' ').append(v);
                any = true;
            }
        }
        if (any) {
            sb.append(names).append('\n').append(values).append('\n');
        }
        return sb.toString();
    }

    private static void group(StringBuilder sb, Mib m) {
        String[] f = m.fields();
        sb.append(m.group()).append(':');
        for (String name : f) {
            sb.append(' ').append(name);
        }
        sb.append('\n').append(m.group()).append(':');
        for (int i = 0; i < f.length; i++) {
            sb.append(' ').append(m.get(i));
        }
        sb.append('\n');
    }

    static Mib newIp() {
        return new Mib("Ip", IP);
    }

    static Mib newIpExt() {
        return new Mib("IpExt", IP_EXT);
    }

    static Mib newIcmp() {
        return new Mib("Icmp", ICMP);
    }

    static Mib newIcmpMsg() {
        String[] f = new String[512];
        for (int i = 0; i < 256; i++) {
            f[i] = "InType" + i;
            f[256 + i] = "OutType" + i;
        }
        return new Mib("IcmpMsg", f);
    }
}
