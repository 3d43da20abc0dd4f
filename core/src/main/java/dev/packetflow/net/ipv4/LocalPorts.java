package dev.packetflow.net.ipv4;

import dev.packetflow.lib.SipHash;
import java.util.BitSet;
import java.util.Random;
import java.util.function.IntPredicate;

/**
 * A stack's local port policy and ephemeral port selection: the sysctls
 * {@code net.ipv4.ip_local_port_range} (default 32768 60999), {@code ip_local_reserved_ports} and
 * {@code ip_unprivileged_port_start} (1024), and RFC 6056's "double-hash" port selection
 * (algorithm 4) as Linux implements it in {@code __inet_hash_connect()}.
 *
 * <h2>The algorithm</h2>
 * A keyed hash F(local address, remote address, remote port) places a connection's search at an
 * offset within the range that an off-path attacker cannot guess; a table of counters indexed by a
 * second hash G of the same inputs (Linux's {@code table_perturb}) moves that offset on after each
 * use, so successive connections to the same peer do not reuse the same port, while connections to
 * different peers are independent. From the offset the search is sequential, in steps of two: ports
 * of one parity first, then the other. As in Linux, {@code connect()} starts with ports of the
 * range start's parity and {@code bind()} with the other, so that the two kinds of users rarely
 * collide. After a success the counter advances by the ports tried plus a small random amount
 * (less predictable under low contention).
 *
 * <p>The perturbation table has 4096 entries here (Linux: 65536), enough to separate peers while
 * keeping a simulation with thousands of stacks small. The secret and randomness come from the
 * stack's seeded random source, so simulations stay reproducible.
 *
 * <p>Linux: {@code net/ipv4/inet_hashtables.c __inet_hash_connect()},
 * {@code net/ipv4/inet_connection_sock.c inet_csk_find_open_port()}, {@code sysctl_net_ipv4.c}.
 */
public final class LocalPorts {
    public static final int DEFAULT_LOW = 32768;
    public static final int DEFAULT_HIGH = 60999;
    public static final int DEFAULT_UNPRIVILEGED_PORT_START = 1024;
    private static final int PERTURB_SIZE = 1 << 12;

    /** low in the high half, high in the low half, so a reader sees a consistent pair. */
    private volatile long range = ((long) DEFAULT_LOW << 32) | DEFAULT_HIGH;
    private volatile int unprivilegedPortStart = DEFAULT_UNPRIVILEGED_PORT_START;
    private final BitSet reserved = new BitSet(65536);
    private volatile boolean anyReserved;
    private final long k0;
    private final long k1;
    private final Random random;
    private int[] perturb;

    public LocalPorts(Random random) {
        this.random = random;
        this.k0 = random.nextLong();
        this.k1 = random.nextLong();
    }

    /** {@code ip_local_port_range}: the first ephemeral port. */
    public int low() {
        return (int) (range >>> 32);
    }

    /** {@code ip_local_port_range}: the last ephemeral port (inclusive). */
    public int high() {
        return (int) range;
    }

    /**
     * Sets {@code ip_local_port_range}. As Linux, both ends within 1..65535, {@code low <= high},
     * and {@code low} not below {@code ip_unprivileged_port_start}; otherwise
     * IllegalArgumentException (Linux: EINVAL) and nothing changes.
     */
    public synchronized void setRange(int low, int high) {
        if (low < 1 || high > 65535 || low > high) {
            throw new IllegalArgumentException("ip_local_port_range: invalid range " + low + " " + high);
        }
        if (low < unprivilegedPortStart) {
            throw new IllegalArgumentException("ip_local_port_range: " + low
                    + " is below ip_unprivileged_port_start " + unprivilegedPortStart);
        }
        range = ((long) low << 32) | high;
    }

    /** {@code ip_unprivileged_port_start}: ports below need CAP_NET_BIND_SERVICE. */
    public int unprivilegedPortStart() {
        return unprivilegedPortStart;
    }

    public synchronized void setUnprivilegedPortStart(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("ip_unprivileged_port_start: out of range: " + port);
        }
        if (port > low()) {
            throw new IllegalArgumentException("ip_unprivileged_port_start: " + port
                    + " is above the start of ip_local_port_range " + low());
        }
        unprivilegedPortStart = port;
    }

    /** {@code ip_local_reserved_ports}: never chosen as ephemeral ports (explicit binds still work). */
    public synchronized void setReserved(int port, boolean on) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        reserved.set(port, on);
        anyReserved = !reserved.isEmpty();
    }

    /** Linux: {@code inet_is_local_reserved_port()}. */
    public boolean isReserved(int port) {
        if (!anyReserved) {
            return false;
        }
        synchronized (this) {
            return reserved.get(port);
        }
    }

    /**
     * Chooses an ephemeral port: the first port in the search order (see the class comment) that
     * is not reserved and that {@code usable} accepts. {@code laddr}, {@code faddr}, {@code fport}
     * identify the flow (0 for a {@code bind()} with no peer yet); {@code connect} picks the parity
     * order. Returns the port, or -1 when every port of the range was refused. Callers hold their
     * table's writer lock, which also keeps {@code usable}'s answer valid.
     */
    public int pick(int laddr, int faddr, int fport, boolean connect, IntPredicate usable) {
        long r = range;
        int low = (int) (r >>> 32);
        int high = (int) r + 1;
        int remaining = high - low;
        if (remaining > 1) {
            remaining &= ~1;
        }
        int step = remaining > 1 ? 2 : 1;
        long portOffset = SipHash.hash3u32(laddr, faddr, fport, k0, k1);
        int[] table = perturbTable();
        int index = (int) (portOffset & (PERTURB_SIZE - 1));
        int offset = (int) (Integer.toUnsignedLong(table[index] + (int) (portOffset >>> 32)) % remaining);
        if (step == 2) {
            offset = connect ? offset & ~1 : offset | 1;
            if (offset >= remaining) {
                offset -= 2;
            }
        }
        for (int pass = 0; pass < step; pass++) {
            int port = low + offset;
            for (int i = 0; i < remaining; i += step, port += step) {
                if (port >= high) {
                    port -= remaining;
                }
                if (isReserved(port)) {
                    continue;
                }
                if (usable.test(port)) {
                    int moved = Math.max(i, nextRandom(8) * step);
                    table[index] += moved + step;
                    return port;
                }
            }
            offset ^= 1; // the other parity
        }
        return -1;
    }

    private synchronized int[] perturbTable() {
        if (perturb == null) {
            perturb = new int[PERTURB_SIZE];
            for (int i = 0; i < PERTURB_SIZE; i++) {
                perturb[i] = random.nextInt();
            }
        }
        return perturb;
    }

    private int nextRandom(int bound) {
        return random.nextInt(bound);
    }

    /**
     * A fresh random secret for a hash table of this stack ({@link UdpTable}, {@link InetEhash}),
     * from the same seeded source as the port secret.
     */
    public synchronized int nextSecret() {
        return random.nextInt();
    }
}
