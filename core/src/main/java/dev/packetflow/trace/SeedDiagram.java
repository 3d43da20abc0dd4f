package dev.packetflow.trace;

import java.util.List;
import java.util.Locale;

/**
 * Prints a {@link Journey} the way the seed document draws its TX and RX diagrams: one block per
 * stack, the layer boxes of the diagram ("Socket Layer", "Transport Layer", "Network Layer",
 * "Netfilter", "QDisc", "Link Layer", "Device Driver", "Hardware") down the left, the kernel
 * function of each stage beside its layer, and the time the stage took on the right (real time
 * measured while the stage ran; the wire's crossing shows its virtual-time delay).
 */
public final class SeedDiagram {
    private SeedDiagram() {}

    /** The layer box of the seed's diagrams that a stage belongs to. */
    public static String layer(String stage) {
        if (stage.startsWith("NF_INET_")) {
            return "Netfilter";
        }
        if (stage.startsWith("qdisc_")) {
            return "QDisc";
        }
        if (stage.startsWith("ip_") || stage.startsWith("__ip_") || stage.equals("dst_output")
                || stage.startsWith("neigh_") || stage.startsWith("arp_")) {
            return "Network Layer";
        }
        if (stage.startsWith("tcp_") || stage.startsWith("udp_") || stage.startsWith("icmp_")
                || stage.startsWith("ping_") || stage.startsWith("raw_") || stage.startsWith("__udp")
                || stage.startsWith("__tcp") || stage.startsWith("__inet_lookup")) {
            return "Transport Layer";
        }
        if (stage.startsWith("sock_") || stage.startsWith("sk_") || stage.startsWith("sys_")
                || stage.startsWith("__sys_") || stage.equals("sendto") || stage.equals("recvfrom")) {
            return "Socket Layer";
        }
        if (stage.equals("ndo_start_xmit") || stage.equals("napi_poll") || stage.equals("napi_schedule")
                || stage.equals("driver_interrupt") || stage.equals("bpf_prog_run_xdp") || stage.equals("build_skb")
                || stage.equals("net_dev_xmit")) {
            return "Device Driver";
        }
        if (stage.startsWith("dma_")) {
            return "Hardware";
        }
        return "Link Layer";
    }

    /** The journey as the seed's diagrams, one block per stack crossed, with its own stage times. */
    public static String render(Journey j) {
        return render(j, null);
    }

    /**
     * Like {@link #render(Journey)}, but with the time of stage {@code i} taken from
     * {@code spentNs[i]} (for example medians over many journeys along the same path; -1 for none).
     */
    public static String render(Journey j, long[] spentNs) {
        List<Journey.Stage> stages = j.stages();
        StringBuilder sb = new StringBuilder();
        int nameW = 8;
        for (Journey.Stage s : stages) {
            nameW = Math.max(nameW, s.name().length());
        }
        String prevLayer = null;
        Journey.Stage prev = null;
        long total = 0;
        for (int i = 0; i < stages.size(); i++) {
            Journey.Stage s = stages.get(i);
            if (prev == null || !prev.stack().equals(s.stack())) {
                if (prev != null) {
                    sb.append(String.format(Locale.ROOT, "%n      ~~~~ wire %s/%s → %s/%s: %s (virtual time) ~~~~%n%n",
                            prev.stack(), dev(prev), s.stack(), dev(s), duration(s.virtualNs() - prev.virtualNs())));
                }
                sb.append(String.format(Locale.ROOT, "  [%s]%n", s.stack()));
                prevLayer = null;
            }
            String layer = layer(s.name());
            boolean sameStackNext = i + 1 < stages.size() && stages.get(i + 1).stack().equals(s.stack());
            String spent = "";
            if (sameStackNext) {
                long d = spentNs != null ? (i < spentNs.length ? spentNs[i] : -1) : stages.get(i + 1).realNs() - s.realNs();
                if (d >= 0) {
                    total += d;
                    spent = duration(d);
                }
            }
            if (prevLayer != null && !layer.equals(prevLayer)) {
                sb.append(String.format(Locale.ROOT, "  %-16s   ↓%n", ""));
            }
            sb.append(String.format(Locale.ROOT, "  %-16s %s %-" + nameW + "s %10s%n",
                    layer.equals(prevLayer) ? "" : layer + ":", "│", s.name(), spent));
            prevLayer = layer;
            prev = s;
        }
        if (j.dropReason() != null) {
            sb.append(String.format(Locale.ROOT, "  ✗ dropped: %s (%s)%n", j.dropReason().name(), j.dropReason().linux()));
        } else if (j.consumed()) {
            sb.append("  ✓ delivered (consume_skb)\n");
        }
        sb.append(String.format(Locale.ROOT, "  %d stages, %s of stack time measured between stages%n",
                stages.size(), duration(total)));
        return sb.toString();
    }

    /**
     * For each stage position of {@code like}, the median real time from that stage to the next one
     * in the same stack, over every place in {@code samples} where the same two stages follow each
     * other in a stack of the same name; -1 where there is no such interval.
     */
    public static long[] medianStageTimes(Journey like, List<Journey> samples) {
        java.util.Map<String, List<Long>> byPair = new java.util.HashMap<>();
        for (Journey j : samples) {
            List<Journey.Stage> st = j.stages();
            for (int i = 0; i + 1 < st.size(); i++) {
                if (st.get(i).stack().equals(st.get(i + 1).stack())) {
                    byPair.computeIfAbsent(key(st, i), k -> new java.util.ArrayList<>())
                            .add(st.get(i + 1).realNs() - st.get(i).realNs());
                }
            }
        }
        List<Journey.Stage> ref = like.stages();
        long[] out = new long[ref.size()];
        java.util.Arrays.fill(out, -1);
        for (int i = 0; i + 1 < ref.size(); i++) {
            List<Long> v = byPair.get(key(ref, i));
            if (v != null && !v.isEmpty()) {
                List<Long> sorted = new java.util.ArrayList<>(v);
                java.util.Collections.sort(sorted);
                out[i] = sorted.get(sorted.size() / 2);
            }
        }
        return out;
    }

    private static String key(List<Journey.Stage> st, int i) {
        return st.get(i).stack() + '|' + st.get(i).name() + '|' + st.get(i + 1).name();
    }

    private static String dev(Journey.Stage s) {
        return s.device() == null ? "-" : s.device();
    }

    static String duration(long ns) {
        if (ns < 1_000) {
            return ns + " ns";
        }
        if (ns < 1_000_000) {
            return String.format(Locale.ROOT, "%.1f µs", ns / 1e3);
        }
        if (ns < 1_000_000_000) {
            return String.format(Locale.ROOT, "%.2f ms", ns / 1e6);
        }
        return String.format(Locale.ROOT, "%.3f s", ns / 1e9);
    }
}
