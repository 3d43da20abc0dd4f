package dev.packetflow.iproute2;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.Mib;
import java.util.Map;
import java.util.Set;

/**
 * {@code nstat -a}: the stack's SNMP MIB counters, one per line, named group + field as nstat
 * names them ({@code IpInReceives}, {@code IcmpOutEchoReps}), then the drops counted by reason.
 *
 * <pre>
 * #kernel
 * IpInReceives                    3                  0.0
 * IpInDelivers                    3                  0.0
 * #drop reasons
 * UNHANDLED_PROTO                 1                  0.0
 * </pre>
 *
 * <p>Columns as nstat prints them ({@code %-32s%-16llu%6.1f}); the last is nstat's rate, always
 * 0.0 here because packetflow keeps no history between calls. Like nstat, values that are
 * settings rather than counters ({@code IpForwarding}, {@code IpDefaultTTL}, TCP's RTO limits and
 * {@code TcpMaxConn}) and the {@code TcpCurrEstab} gauge are left out.
 *
 * <p>Linux: iproute2 {@code misc/nstat.c}, reading {@code /proc/net/snmp} and {@code /proc/net/netstat}.
 */
public final class Nstat {
    /** nstat's {@code useless_number()} list. */
    private static final Set<String> NOT_COUNTERS = Set.of(
            "IpForwarding", "IpDefaultTTL", "TcpRtoAlgorithm", "TcpRtoMin", "TcpRtoMax", "TcpMaxConn", "TcpCurrEstab");

    /**
     * The groups nstat reads: those of /proc/net/snmp and /proc/net/netstat. Other MIB groups (the
     * neighbour table's arp_cache, from /proc/net/stat/) are not nstat's to print.
     */
    private static final Set<String> NSTAT_GROUPS = Set.of(
            "Ip", "Icmp", "IcmpMsg", "Tcp", "Udp", "UdpLite", "IpExt", "TcpExt", "MPTcpExt");
    private static final java.util.List<String> ORDER = java.util.List.of(
            "Ip", "Icmp", "IcmpMsg", "Tcp", "Udp", "UdpLite", "TcpExt", "IpExt", "MPTcpExt");

    private Nstat() {}

    /** {@code nstat -a}: the counters that are not zero. */
    public static String format(NetStack net) {
        return format(net, false);
    }

    /** {@code nstat -a} ({@code zeros} false) or {@code nstat -az} (true, every counter). */
    public static String format(NetStack net, boolean zeros) {
        StringBuilder sb = new StringBuilder("#kernel\n");
        java.util.List<Mib> mibs = new java.util.ArrayList<>(net.mibs());
        mibs.removeIf(m -> !NSTAT_GROUPS.contains(m.group()));
        // /proc/net/snmp's groups first, in its order, then /proc/net/netstat's, as nstat prints them
        mibs.sort(java.util.Comparator.comparingInt(m -> ORDER.indexOf(m.group())));
        for (Mib m : mibs) {
            String[] fields = m.fields();
            for (int i = 0; i < fields.length; i++) {
                String name = m.group() + fields[i];
                long v = m.get(i);
                if ((v != 0 || zeros) && !NOT_COUNTERS.contains(name)) {
                    line(sb, name, v);
                }
            }
        }
        Map<DropReason, Long> drops = net.drops().snapshot();
        sb.append("#drop reasons\n");
        for (DropReason r : DropReason.values()) {
            long v = drops.getOrDefault(r, 0L);
            if (v != 0 || zeros) {
                line(sb, r.name(), v);
            }
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String name, long v) {
        sb.append(name);
        // nstat pads the name to 32; a longer one still gets a space so the columns stay apart
        sb.append(" ".repeat(Math.max(1, 32 - name.length())));
        String num = Long.toUnsignedString(v);
        sb.append(num).append(" ".repeat(Math.max(1, 16 - num.length()))).append("   0.0\n");
    }
}
