package dev.packetflow.iproute2;

import dev.packetflow.net.ipv4.FibRoute;
import dev.packetflow.net.ipv4.InIfaddr;

/**
 * The names iproute2 gives routing numbers, both ways: protocols, scopes, route types and tables,
 * as it knows them without its {@code /etc/iproute2} files.
 *
 * <p>Linux: iproute2 {@code lib/rt_names.c}, {@code ip/rtm_map.c}.
 */
final class RtNames {
    private RtNames() {}

    /** Linux: iproute2 {@code rtnl_rtprot_tab}. */
    private static final String[] PROTOCOLS = new String[256];

    static {
        String[] names = {"0 unspec", "1 redirect", "2 kernel", "3 boot", "4 static", "8 gated", "9 ra", "10 mrt",
            "11 zebra", "12 bird", "13 dnrouted", "14 xorp", "15 ntk", "16 dhcp", "18 keepalived", "42 babel",
            "186 bgp", "187 isis", "188 ospf", "189 rip", "192 eigrp"};
        for (String n : names) {
            int sp = n.indexOf(' ');
            PROTOCOLS[Integer.parseInt(n.substring(0, sp))] = n.substring(sp + 1);
        }
    }

    static String protocolName(int p) {
        return p >= 0 && p < 256 && PROTOCOLS[p] != null ? PROTOCOLS[p] : Integer.toString(p);
    }

    /** Linux: iproute2 {@code rtnl_rtprot_a2n()}: a name or a number 0..255; -1 if neither. */
    static int protocolNumber(String word) {
        for (int i = 0; i < 256; i++) {
            if (word.equals(PROTOCOLS[i])) {
                return i;
            }
        }
        long n = InetPrefix.unsigned(word);
        return n >= 0 && n <= 255 ? (int) n : -1;
    }

    /** Linux: iproute2 {@code rtnl_rtscope_a2n()}: global, site, link, host, nowhere or 0..255; -1 if neither. */
    static int scopeNumber(String word) {
        return switch (word) {
            case "global" -> InIfaddr.RT_SCOPE_UNIVERSE;
            case "site" -> 200;
            case "link" -> InIfaddr.RT_SCOPE_LINK;
            case "host" -> InIfaddr.RT_SCOPE_HOST;
            case "nowhere" -> 255;
            default -> {
                long n = InetPrefix.unsigned(word);
                yield n >= 0 && n <= 255 ? (int) n : -1;
            }
        };
    }

    /** Linux: iproute2 {@code rtnl_rtntype_n2a()}. */
    static String typeName(int type) {
        return switch (type) {
            case 0 -> "none";
            case FibRoute.RTN_UNICAST -> "unicast";
            case FibRoute.RTN_LOCAL -> "local";
            case FibRoute.RTN_BROADCAST -> "broadcast";
            case 4 -> "anycast";
            case FibRoute.RTN_MULTICAST -> "multicast";
            case FibRoute.RTN_BLACKHOLE -> "blackhole";
            case FibRoute.RTN_UNREACHABLE -> "unreachable";
            case FibRoute.RTN_PROHIBIT -> "prohibit";
            case 9 -> "throw";
            case 10 -> "nat";
            case 11 -> "xresolve";
            default -> Integer.toString(type);
        };
    }

    /** Linux: iproute2 {@code rtnl_rtntype_a2n()}, abbreviations and all; -1 if not a type. */
    static int typeNumber(String w) {
        if (w.equals("local")) {
            return FibRoute.RTN_LOCAL;
        } else if (w.equals("nat")) {
            return 10;
        } else if (Args.matches(w, "broadcast") || w.equals("brd")) {
            return FibRoute.RTN_BROADCAST;
        } else if (Args.matches(w, "anycast")) {
            return 4;
        } else if (Args.matches(w, "multicast")) {
            return FibRoute.RTN_MULTICAST;
        } else if (Args.matches(w, "prohibit")) {
            return FibRoute.RTN_PROHIBIT;
        } else if (Args.matches(w, "unreachable")) {
            return FibRoute.RTN_UNREACHABLE;
        } else if (Args.matches(w, "blackhole")) {
            return FibRoute.RTN_BLACKHOLE;
        } else if (Args.matches(w, "xresolve")) {
            return 11;
        } else if (Args.matches(w, "unicast")) {
            return FibRoute.RTN_UNICAST;
        } else if (w.equals("throw")) {
            return 9;
        }
        long n = InetPrefix.unsigned(w);
        return n >= 0 && n <= 255 ? (int) n : -1;
    }

    static String tableName(int t) {
        return switch (t) {
            case 253 -> "default";
            case FibRoute.RT_TABLE_MAIN -> "main";
            case FibRoute.RT_TABLE_LOCAL -> "local";
            default -> Integer.toUnsignedString(t);
        };
    }

    /** Linux: iproute2 {@code rtnl_rttable_a2n()}: default, main, local or a 32-bit number; -1 if neither. */
    static long tableNumber(String word) {
        return switch (word) {
            case "default" -> 253;
            case "main" -> FibRoute.RT_TABLE_MAIN;
            case "local" -> FibRoute.RT_TABLE_LOCAL;
            default -> InetPrefix.unsigned(word);
        };
    }
}
