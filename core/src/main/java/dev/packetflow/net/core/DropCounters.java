package dev.packetflow.net.core;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/** Drops counted by reason (what {@code dropwatch} or {@code perf trace -e skb:kfree_skb} would show). */
public final class DropCounters {
    private final AtomicLongArray counts = new AtomicLongArray(DropReason.values().length);

    public void count(DropReason r) {
        counts.incrementAndGet(r.ordinal());
    }

    public long get(DropReason r) {
        return counts.get(r.ordinal());
    }

    public long total() {
        long t = 0;
        for (int i = 0; i < counts.length(); i++) {
            t += counts.get(i);
        }
        return t;
    }

    /** Non-zero counts, in reason order. */
    public Map<DropReason, Long> snapshot() {
        Map<DropReason, Long> m = new EnumMap<>(DropReason.class);
        for (DropReason r : DropReason.values()) {
            long v = counts.get(r.ordinal());
            if (v != 0) {
                m.put(r, v);
            }
        }
        return m;
    }
}
