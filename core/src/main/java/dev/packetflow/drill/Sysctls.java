package dev.packetflow.drill;

import dev.packetflow.net.NetStack;

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
     * The TCP sysctls ({@code tcp_rmem}, {@code tcp_wmem}, {@code tcp_timestamps}, {@code tcp_sack},
     * {@code tcp_dsack}, {@code tcp_syn_retries}, {@code tcp_synack_retries}, {@code tcp_frto},
     * {@code tcp_reordering}, {@code tcp_congestion_control}, {@code tcp_slow_start_after_idle},
     * {@code tcp_early_retrans}, {@code tcp_recovery}, {@code tcp_tso_win_divisor}, {@code tcp_ecn},
     * {@code tcp_fastopen}, {@code tcp_syncookies}, ...). The integration point for TCP: map each
     * name onto the stack's TCP settings here. Until then every one is reported as not applied.
     */
    static String tcp(NetStack net, String name, String value) {
        return "this stack has no TCP settings yet";
    }

    private static int intValue(String name, String v) {
        try {
            return v.startsWith("0x") ? Integer.parseUnsignedInt(v.substring(2), 16) : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": not an integer: " + v);
        }
    }
}
