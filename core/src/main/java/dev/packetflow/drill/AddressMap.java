package dev.packetflow.drill;

import dev.packetflow.net.ipv4.InetAddr;

/**
 * Moves the scripts' addresses into the benchmarking range 198.18.0.0/15, where packetflow's tests
 * must stay (DESIGN.md, "Network safety"), keeping their structure so messages stay readable:
 *
 * <pre>
 *   script (packetdrill's run suite)        test stack
 *   192.168.0.0/16  (SUT, 192.168.0.1)  →  198.18.0.0/16  (198.18.0.1)
 *   192.0.2.0/24    (remote, 192.0.2.1) →  198.19.2.0/24  (198.19.2.1)
 *   198.18.0.0/15, 0.0.0.0, 127.0.0.0/8, 255.255.255.255: unchanged
 * </pre>
 * Any other address cannot be moved and is refused.
 */
public final class AddressMap {
    private static final int SCRIPT_LOCAL_NET = InetAddr.parse("192.168.0.0");
    private static final int SCRIPT_REMOTE_NET = InetAddr.parse("192.0.2.0");
    private static final int TEST_LOCAL_NET = InetAddr.parse("198.18.0.0");
    private static final int TEST_REMOTE_NET = InetAddr.parse("198.19.2.0");
    private static final int BENCH_NET = InetAddr.parse("198.18.0.0");
    private static final int MASK16 = InetAddr.mask(16);
    private static final int MASK24 = InetAddr.mask(24);
    private static final int MASK15 = InetAddr.mask(15);

    private AddressMap() {}

    /** The test address for script address {@code a}; IllegalArgumentException if it cannot be moved. */
    public static int toTest(int a) {
        if ((a & MASK16) == SCRIPT_LOCAL_NET) {
            return TEST_LOCAL_NET | (a & ~MASK16);
        }
        if ((a & MASK24) == SCRIPT_REMOTE_NET) {
            return TEST_REMOTE_NET | (a & ~MASK24);
        }
        if ((a & MASK15) == BENCH_NET || a == 0 || a == -1 || InetAddr.isLoopback(a)) {
            return a;
        }
        throw new IllegalArgumentException("address " + InetAddr.toString(a)
                + " is outside 192.168.0.0/16, 192.0.2.0/24 and 198.18.0.0/15 and cannot be moved into the test range");
    }

    public static int toTest(String a) {
        return toTest(InetAddr.parse(a));
    }

    /** The script address a test address stands for (the inverse of {@link #toTest(int)}). */
    public static int toScript(int a) {
        if ((a & MASK16) == TEST_LOCAL_NET) {
            return SCRIPT_LOCAL_NET | (a & ~MASK16);
        }
        if ((a & MASK24) == TEST_REMOTE_NET) {
            return SCRIPT_REMOTE_NET | (a & ~MASK24);
        }
        return a;
    }

    /** Prefix length of a dotted netmask such as 255.255.0.0. */
    public static int prefixLen(String netmask) {
        int m = InetAddr.parse(netmask);
        int n = Integer.bitCount(m);
        if (m != InetAddr.mask(n)) {
            throw new IllegalArgumentException("not a contiguous netmask: " + netmask);
        }
        return n;
    }
}
