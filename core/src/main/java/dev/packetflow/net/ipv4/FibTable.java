package dev.packetflow.net.ipv4;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * One routing table (main or local) with longest-prefix-match lookup.
 *
 * <p>Readers never lock: the table is an immutable {@link Snapshot} behind a volatile reference,
 * rebuilt and swapped by writers (which are serialised by the {@link Fib}), the way Linux's
 * fib_trie is read under RCU. A snapshot keeps, for each prefix length present, an
 * open-addressing hash table from masked prefix to the routes of that prefix (lowest metric
 * first), and a bit mask of the lengths present. A lookup probes lengths from longest to
 * shortest: a handful of array reads, no allocation.
 *
 * <p>Linux: {@code net/ipv4/fib_trie.c} ({@code fib_table_lookup}, {@code fib_table_insert},
 * {@code fib_table_delete}); the data structure differs (hash per length rather than an LC-trie),
 * the results do not.
 */
public final class FibTable {
    private final int id;
    private volatile Snapshot snap = Snapshot.build(new FibRoute[0]);

    FibTable(int id) {
        this.id = id;
    }

    public int id() {
        return id;
    }

    /**
     * Linux: {@code fib_table_lookup()}. The best route for {@code dst}: longest prefix, then lowest
     * metric; with {@code oif != 0} only routes out of that interface (or without a device) count.
     * Returns null when nothing matches.
     */
    public FibRoute lookup(int dst, int oif) {
        Snapshot s = snap;
        long lengths = s.lengths;
        while (lengths != 0) {
            int len = 63 - Long.numberOfLeadingZeros(lengths);
            lengths &= ~(1L << len);
            FibRoute[] routes = s.find(len, dst & InetAddr.mask(len));
            if (routes == null) {
                continue;
            }
            if (oif == 0) {
                return routes[0];
            }
            for (FibRoute r : routes) {
                if (r.dev == null || r.dev.ifindex() == oif) {
                    return r;
                }
            }
        }
        return null;
    }

    /** The current contents, as an identity that changes whenever they do (for lookup memos). */
    Object version() {
        return snap;
    }

    /** Every route, in {@code ip route show} order. */
    public List<FibRoute> routes() {
        return List.of(snap.all);
    }

    FibRoute[] all() {
        return snap.all;
    }

    /** Replaces the contents; the caller holds the FIB's writer lock. */
    void publish(List<FibRoute> routes) {
        snap = Snapshot.build(routes.toArray(new FibRoute[0]));
    }

    static final Comparator<FibRoute> ORDER = (a, b) -> {
        int c = Integer.compareUnsigned(a.dst, b.dst);
        if (c != 0) {
            return c;
        }
        c = Integer.compare(b.prefixLen, a.prefixLen);
        return c != 0 ? c : Integer.compare(a.metric, b.metric);
    };

    private static final class Snapshot {
        final FibRoute[] all;
        final long lengths;
        /** Per prefix length: slot to prefix, and slot to routes (null slot = empty). */
        final int[][] keys = new int[33][];
        final FibRoute[][][] vals = new FibRoute[33][][];
        final int[] masks = new int[33];

        private Snapshot(FibRoute[] all) {
            this.all = all;
            long lens = 0;
            for (FibRoute r : all) {
                lens |= 1L << r.prefixLen;
            }
            this.lengths = lens;
        }

        static Snapshot build(FibRoute[] routes) {
            FibRoute[] sorted = routes.clone();
            Arrays.sort(sorted, ORDER);
            Snapshot s = new Snapshot(sorted);
            for (int len = 0; len <= 32; len++) {
                if ((s.lengths & (1L << len)) == 0) {
                    continue;
                }
                List<List<FibRoute>> groups = new ArrayList<>();
                for (FibRoute r : sorted) {
                    if (r.prefixLen != len) {
                        continue;
                    }
                    List<FibRoute> last = groups.isEmpty() ? null : groups.get(groups.size() - 1);
                    if (last != null && last.get(0).dst == r.dst) {
                        last.add(r);
                    } else {
                        List<FibRoute> g = new ArrayList<>();
                        g.add(r);
                        groups.add(g);
                    }
                }
                int cap = Integer.highestOneBit(Math.max(4, groups.size() * 2 - 1)) << 1;
                int[] k = new int[cap];
                FibRoute[][] v = new FibRoute[cap][];
                for (List<FibRoute> g : groups) {
                    int key = g.get(0).dst;
                    int i = hash(key) & (cap - 1);
                    while (v[i] != null) {
                        i = (i + 1) & (cap - 1);
                    }
                    k[i] = key;
                    v[i] = g.toArray(new FibRoute[0]);
                }
                s.keys[len] = k;
                s.vals[len] = v;
                s.masks[len] = cap - 1;
            }
            return s;
        }

        FibRoute[] find(int len, int key) {
            int[] k = keys[len];
            FibRoute[][] v = vals[len];
            int m = masks[len];
            int i = hash(key) & m;
            for (;;) {
                FibRoute[] e = v[i];
                if (e == null) {
                    return null;
                }
                if (k[i] == key) {
                    return e;
                }
                i = (i + 1) & m;
            }
        }

        private static int hash(int key) {
            int h = key * 0x9E3779B1;
            return h ^ (h >>> 16);
        }
    }
}
