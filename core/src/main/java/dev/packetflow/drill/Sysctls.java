package dev.packetflow.drill;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.ipv4.tcp.TcpSysctl;

/**
 * The sysctls the runner can set on a packetflow stack, by Linux name ({@link StackSettings#STACK}).
 * Values are parsed as {@code sysctl} would; a bad value throws IllegalArgumentException.
 */
final class Sysctls {
    private Sysctls() {}

    static String set(NetStack net, String name, String value) {
        String v = value.strip();
        switch (name) {
            case "net.core.rmem_default" -> net.sockets().sysctl().setRmemDefault(intValue(name, v));
            case "net.core.wmem_default" -> net.sockets().sysctl().setWmemDefault(intValue(name, v));
            case "net.core.rmem_max" -> net.sockets().sysctl().setRmemMax(intValue(name, v));
            case "net.core.wmem_max" -> net.sockets().sysctl().setWmemMax(intValue(name, v));
            case "net.core.somaxconn" -> net.sockets().sysctl().setSomaxconn(intValue(name, v));
            case "net.core.busy_read" -> net.sockets().sysctl().setBusyRead(intValue(name, v));
            case "net.ipv4.ip_default_ttl" -> net.ipv4().setIpDefaultTtl(intValue(name, v));
            case "net.ipv4.ip_no_pmtu_disc" -> net.ipv4().ipNoPmtuDisc = intValue(name, v);
            case "net.ipv4.ip_early_demux" -> net.ipv4().ipEarlyDemux = intValue(name, v);
            case "net.ipv4.udp_early_demux" -> net.ipv4().udpEarlyDemux = intValue(name, v);
            case "net.ipv4.tcp_early_demux" -> net.ipv4().tcpEarlyDemux = intValue(name, v);
            case "net.ipv4.ip_forward" -> net.ipv4().setIpForward(intValue(name, v));
            case "net.ipv4.ip_local_port_range" -> {
                String[] p = v.split("\\s+");
                if (p.length != 2) {
                    throw new IllegalArgumentException(name + " needs two ports: " + value);
                }
                net.localPorts().setRange(intValue(name, p[0]), intValue(name, p[1]));
            }
            case "net.ipv4.ip_unprivileged_port_start" -> net.localPorts().setUnprivilegedPortStart(intValue(name, v));
            default -> {
                if (name.startsWith("net.ipv4.tcp_")) {
                    return tcp(net, name, v);
                }
                return "not known to this stack";
            }
        }
        return null;
    }

    /**
     * The TCP sysctls, mapped onto {@link TcpSysctl}. The ones Linux has but packetflow does not
     * model ({@code tcp_fack}, pacing ratios, the AccECN option policy, the Fast Open key) are
     * reported as not applied, so the runner's warning names them.
     */
    static String tcp(NetStack net, String name, String v) {
        TcpSysctl t = net.tcp().sysctl();
        switch (name.substring("net.ipv4.".length())) {
            case "tcp_rmem" -> {
                int[] m = triple(name, v);
                t.setTcpRmem(m[0], m[1], m[2]);
            }
            case "tcp_wmem" -> {
                int[] m = triple(name, v);
                t.setTcpWmem(m[0], m[1], m[2]);
            }
            case "tcp_timestamps" -> t.timestamps = intValue(name, v);
            case "tcp_window_scaling" -> t.windowScaling = intValue(name, v);
            case "tcp_sack" -> t.sack = intValue(name, v);
            case "tcp_dsack" -> t.dsack = intValue(name, v);
            case "tcp_syn_retries" -> t.synRetries = intValue(name, v);
            case "tcp_synack_retries" -> t.synackRetries = intValue(name, v);
            case "tcp_retries1" -> t.retries1 = intValue(name, v);
            case "tcp_retries2" -> t.retries2 = intValue(name, v);
            case "tcp_orphan_retries" -> t.orphanRetries = intValue(name, v);
            case "tcp_fin_timeout" -> t.finTimeout = intValue(name, v);
            case "tcp_keepalive_time" -> t.keepaliveTime = intValue(name, v);
            case "tcp_keepalive_intvl" -> t.keepaliveIntvl = intValue(name, v);
            case "tcp_keepalive_probes" -> t.keepaliveProbes = intValue(name, v);
            case "tcp_frto" -> t.frto = intValue(name, v);
            case "tcp_reordering" -> t.reordering = intValue(name, v);
            case "tcp_max_reordering" -> t.maxReordering = intValue(name, v);
            case "tcp_congestion_control" -> t.setCongestionControl(v);
            case "tcp_slow_start_after_idle" -> t.slowStartAfterIdle = intValue(name, v);
            case "tcp_early_retrans" -> t.earlyRetrans = intValue(name, v);
            case "tcp_recovery" -> t.recovery = intValue(name, v);
            case "tcp_syncookies" -> t.syncookies = intValue(name, v);
            case "tcp_max_syn_backlog" -> t.maxSynBacklog = intValue(name, v);
            case "tcp_invalid_ratelimit" -> t.invalidRatelimitMs = intValue(name, v);
            case "tcp_challenge_ack_limit" -> t.challengeAckLimit = intValue(name, v);
            case "tcp_rfc1337" -> t.rfc1337 = intValue(name, v);
            case "tcp_min_rtt_wlen" -> t.minRttWlen = intValue(name, v);
            case "tcp_moderate_rcvbuf" -> t.moderateRcvbuf = intValue(name, v);
            case "tcp_app_win" -> t.appWin = intValue(name, v);
            case "tcp_workaround_signed_windows" -> t.workaroundSignedWindows = intValue(name, v);
            case "tcp_notsent_lowat" -> {
                long n = Long.parseLong(v);
                t.notsentLowat = n >= Integer.MAX_VALUE || n < 0 ? Integer.MAX_VALUE : (int) n;
            }
            case "tcp_retrans_collapse" -> t.retransCollapse = intValue(name, v);
            case "tcp_base_mss" -> t.baseMss = intValue(name, v);
            case "tcp_min_snd_mss" -> t.minSndMss = intValue(name, v);
            case "tcp_ecn" -> t.ecn = intValue(name, v);
            case "tcp_fastopen" -> t.fastopen = intValue(name, v);
            case "tcp_tso_win_divisor" -> t.tsoWinDivisor = intValue(name, v);
            default -> {
                return "not modelled by packetflow's TCP";
            }
        }
        return null;
    }

    private static int[] triple(String name, String v) {
        String[] p = v.split("\\s+");
        if (p.length != 3) {
            throw new IllegalArgumentException(name + " needs three numbers (min default max): " + v);
        }
        return new int[] {intValue(name, p[0]), intValue(name, p[1]), intValue(name, p[2])};
    }

    private static int intValue(String name, String v) {
        try {
            return v.startsWith("0x") ? Integer.parseUnsignedInt(v.substring(2), 16) : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": not an integer: " + v);
        }
    }
}
