package dev.packetflow.trace;

import dev.packetflow.net.core.DropReason;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One packet's path through one or more stacks, as a {@link JourneyRecorder} saw it: the ordered
 * stages (tracepoints) it crossed, where, and when, and how its life ended.
 *
 * <p>A journey is live: stages are added while the simulation (or the real-time stack) moves the
 * packet on, so read it after the packet arrived. Reads return snapshots and are safe from any
 * thread.
 */
public final class Journey {
    /**
     * One stage of the journey.
     *
     * @param point the tracepoint crossed
     * @param stack name of the stack (network namespace) it was crossed in, "?" if unknown
     * @param device name of the device involved, or null
     * @param virtualNs the stack's clock at the stage (virtual time in a simulation)
     * @param realNs {@link System#nanoTime()} at the stage: what the stage really cost to run
     * @param arg the tracepoint's stage-specific number (see {@link Probe#hit})
     */
    public record Stage(Tracepoint point, String stack, String device, long virtualNs, long realNs, long arg) {
        /** The tracepoint's name, the kernel function it stands for. */
        public String name() {
            return point.name();
        }
    }

    private final long id;
    private final int number;
    private final List<Stage> stages = new ArrayList<>();
    private DropReason dropReason;
    private boolean consumed;
    private long endRealNs;

    Journey(long id, int number) {
        this.id = id;
        this.number = number;
    }

    /** The id carried in {@code skb.journey} by the packets of this journey. */
    public long id() {
        return id;
    }

    /** 1 for the first journey of its recorder, 2 for the next ... (for people to read). */
    public int number() {
        return number;
    }

    synchronized void add(Stage s) {
        stages.add(s);
        dropReason = null;
        consumed = false;
        endRealNs = 0;
    }

    synchronized void dropped(DropReason r, long realNs) {
        dropReason = r;
        consumed = false;
        endRealNs = realNs;
    }

    synchronized void consumed(long realNs) {
        dropReason = null;
        consumed = true;
        endRealNs = realNs;
    }

    /** The stages so far, in the order they were crossed. */
    public synchronized List<Stage> stages() {
        return List.copyOf(stages);
    }

    /** The names of the stages so far, in order. */
    public synchronized List<String> stageNames() {
        List<String> l = new ArrayList<>(stages.size());
        for (Stage s : stages) {
            l.add(s.name());
        }
        return l;
    }

    /** The names of the stages crossed in the stack called {@code stack}, in order. */
    public synchronized List<String> stageNames(String stack) {
        List<String> l = new ArrayList<>();
        for (Stage s : stages) {
            if (s.stack().equals(stack)) {
                l.add(s.name());
            }
        }
        return l;
    }

    /** The stacks visited, in order; a stack visited twice (a round trip) appears twice. */
    public synchronized List<String> stacks() {
        List<String> l = new ArrayList<>();
        for (Stage s : stages) {
            if (l.isEmpty() || !l.getLast().equals(s.stack())) {
                l.add(s.stack());
            }
        }
        return l;
    }

    /** Why the packet was dropped, if its life ended in {@code kfree_skb}; null otherwise. */
    public synchronized DropReason dropReason() {
        return dropReason;
    }

    /** Whether the packet's life ended in {@code consume_skb}: it reached its goal. */
    public synchronized boolean consumed() {
        return consumed;
    }

    /**
     * The journey drawn like the seed's diagrams: one block per stack visited, one stage per line
     * with the real time spent in it (until the next stage began), and the wire crossings between
     * stacks with their virtual times.
     *
     * <pre>
     * journey 1: 12 stages, A → B
     * A
     *   → dev_queue_xmit            eth0      1.2 µs
     *   ...
     *   → net_dev_xmit              eth0     310 ns
     *   ~~ wire: A/eth0 → B/eth0, virtual 1.000000000 s → 1.000010000 s (10.0 µs)
     * B
     *   → napi_poll                 eth0     450 ns
     *   ...
     *   ✓ consumed (consume_skb)
     * </pre>
     */
    public synchronized String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("journey ").append(number).append(": ").append(stages.size())
                .append(stages.size() == 1 ? " stage" : " stages");
        List<String> visited = stacks();
        if (!visited.isEmpty()) {
            sb.append(", ").append(String.join(" → ", visited));
        }
        sb.append('\n');
        int nameW = 0;
        int devW = 1;
        for (Stage s : stages) {
            nameW = Math.max(nameW, s.name().length());
            devW = Math.max(devW, s.device() == null ? 1 : s.device().length());
        }
        Stage prev = null;
        for (int i = 0; i < stages.size(); i++) {
            Stage s = stages.get(i);
            if (prev == null || !prev.stack().equals(s.stack())) {
                if (prev != null) {
                    sb.append("  ~~ wire: ").append(prev.stack()).append('/').append(dev(prev))
                            .append(" → ").append(s.stack()).append('/').append(dev(s))
                            .append(", virtual ").append(seconds(prev.virtualNs())).append(" → ")
                            .append(seconds(s.virtualNs())).append(" (")
                            .append(duration(s.virtualNs() - prev.virtualNs())).append(")\n");
                }
                sb.append(s.stack()).append('\n');
            }
            long nextReal = i + 1 < stages.size() ? stages.get(i + 1).realNs() : endRealNs;
            sb.append("  → ").append(pad(s.name(), nameW)).append("  ").append(pad(dev(s), devW));
            if (nextReal != 0) {
                String d = duration(nextReal - s.realNs());
                sb.append("  ").append(" ".repeat(Math.max(0, 9 - d.length()))).append(d);
            }
            sb.append('\n');
            prev = s;
        }
        if (dropReason != null) {
            sb.append("  ✗ dropped: ").append(dropReason.name()).append(" (").append(dropReason.linux())
                    .append(")\n");
        } else if (consumed) {
            sb.append("  ✓ consumed (consume_skb)\n");
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "journey " + number + " (" + stageNames() + ")";
    }

    private static String dev(Stage s) {
        return s.device() == null ? "-" : s.device();
    }

    private static String pad(String s, int w) {
        return s.length() >= w ? s : s + " ".repeat(w - s.length());
    }

    /** A time like {@code 1.000010000 s}: virtual time is exact to the nanosecond. */
    static String seconds(long ns) {
        return String.format(Locale.ROOT, "%d.%09d s", ns / 1_000_000_000L, Math.abs(ns % 1_000_000_000L));
    }

    /** A duration in the unit that reads best: {@code 312 ns}, {@code 1.2 µs}, {@code 3.500 ms}. */
    static String duration(long ns) {
        if (ns < 0) {
            return "-" + duration(-ns);
        }
        if (ns < 1_000) {
            return ns + " ns";
        }
        if (ns < 1_000_000) {
            return String.format(Locale.ROOT, "%.1f µs", ns / 1e3);
        }
        if (ns < 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.3f ms", ns / 1e6);
        }
        return String.format(Locale.ROOT, "%.3f s", ns / 1e9);
    }
}
