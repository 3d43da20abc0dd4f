package dev.packetflow.drill;

import java.util.List;
import java.util.Map;

/** The ICMP type and code words of packetdrill scripts (GRAMMAR.md 6.6), with RFC 792 numbers. */
final class IcmpNames {
    private IcmpNames() {}

    private static final Map<String, Integer> TYPES = Map.ofEntries(
            Map.entry("echo_reply", 0),
            Map.entry("unreachable", 3),
            Map.entry("source_quench", 4),
            Map.entry("redirect", 5),
            Map.entry("echo_request", 8),
            Map.entry("time_exceeded", 11),
            Map.entry("parameter_problem", 12),
            Map.entry("timestamp_request", 13),
            Map.entry("timestamp_reply", 14),
            Map.entry("address_mask_request", 17),
            Map.entry("address_mask_reply", 18));

    /** Destination-unreachable codes (RFC 792, RFC 1812). */
    private static final List<String> UNREACHABLE = List.of(
            "net_unreachable", "host_unreachable", "protocol_unreachable", "port_unreachable", "frag_needed",
            "source_route_failed", "net_unknown", "host_unknown", "source_host_isolated", "net_prohibited",
            "host_prohibited", "net_unreachable_for_tos", "host_unreachable_for_tos", "packet_filtered",
            "precedence_violation", "precedence_cutoff");
    private static final List<String> TIME_EXCEEDED = List.of("ttl_exceeded", "frag_reassembly_time_exceeded");
    private static final List<String> ICMPV6 = List.of(
            "packet_too_big", "destination_unreachable", "parameter_problem_v6", "echo_request_v6", "neighbor_solicitation",
            "neighbor_advertisement", "router_solicitation", "router_advertisement");

    /** The type number of {@code w} ({@code unreachable}, {@code type_3}), or -1. */
    static int type(String w) {
        Integer t = TYPES.get(w);
        if (t != null) {
            return t;
        }
        return numbered(w, "type_");
    }

    /** The code number of {@code w} for {@code type}, or -1 when {@code w} is not a code. */
    static int code(int type, String w) {
        int n = numbered(w, "code_");
        if (n >= 0) {
            return n;
        }
        if (type == 3) {
            return UNREACHABLE.indexOf(w);
        }
        if (type == 11) {
            return TIME_EXCEEDED.indexOf(w);
        }
        return -1;
    }

    static boolean isIcmpv6(String w) {
        return ICMPV6.contains(w);
    }

    private static int numbered(String w, String prefix) {
        if (w.startsWith(prefix) && w.length() > prefix.length() && w.length() <= prefix.length() + 3) {
            try {
                int n = Integer.parseInt(w.substring(prefix.length()));
                return n <= 255 ? n : -1;
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return -1;
    }
}
