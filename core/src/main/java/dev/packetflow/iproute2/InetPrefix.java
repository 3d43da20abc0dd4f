package dev.packetflow.iproute2;

import dev.packetflow.iproute2.IpCommand.Family;
import dev.packetflow.net.ipv4.InetAddr;

/**
 * An IPv4 prefix or address as iproute2 reads one. An address may leave out trailing bytes
 * ({@code 198.18} is 198.18.0.0) and each byte is read like C's {@code strtoul(s, 0)} (decimal,
 * {@code 0x} hex, leading-zero octal). A prefix length is a number or a dotted mask
 * ({@code /255.255.255.0}); without one a prefix is a host (/32). {@code default} is 0/0 with its
 * length given; {@code all} and {@code any} are 0/0 without, which filters read as "everything".
 *
 * <p>Linux: iproute2 {@code lib/utils.c get_prefix_1()}, {@code get_addr_1()}, {@code get_addr_ipv4()},
 * {@code get_netmask()}.
 *
 * @param addr the address, host order
 * @param len the prefix length, 0..32
 * @param lenGiven whether the text fixed the length ({@code /LEN} or {@code default})
 * @param any {@code all} or {@code any}: no filter
 */
record InetPrefix(int addr, int len, boolean lenGiven, boolean any) {

    /** The prefix {@code word}, or an "invalid prefix" rejection naming it. */
    static InetPrefix parse(String word, Family family) {
        InetPrefix p = tryParse(word, family);
        if (p == null) {
            throw IpCommand.error("invalid prefix", word);
        }
        return p;
    }

    /** The prefix {@code word}, or null if it is not one. */
    static InetPrefix tryParse(String word, Family family) {
        if (family == Family.INET6 || family == Family.LINK) {
            return null; // -6 / -0: an IPv4 prefix is not one of the family asked for
        }
        int slash = word.indexOf('/');
        String a = slash < 0 ? word : word.substring(0, slash);
        if (a.equals("default") || a.equals("all") || a.equals("any")) {
            if (slash >= 0) {
                return null;
            }
            return new InetPrefix(0, 0, a.equals("default"), !a.equals("default"));
        }
        long addr = ipv4(a);
        if (addr < 0) {
            return null;
        }
        if (slash < 0) {
            return new InetPrefix((int) addr, 32, false, false);
        }
        int len = netmask(word.substring(slash + 1));
        return len < 0 ? null : new InetPrefix((int) addr, len, true, false);
    }

    /** The address {@code word} (no length), or an "invalid address" rejection naming it. */
    static int address(String word, Family family) {
        long a = family == Family.INET6 || family == Family.LINK ? -1 : ipv4(word);
        if (a < 0) {
            throw IpCommand.error("invalid address", word);
        }
        return (int) a;
    }

    /** Whether the first {@code bits} bits of {@code a} are this prefix's (iproute2's {@code inet_addr_match}). */
    boolean covers(int a, int bits) {
        return ((a ^ addr) & InetAddr.mask(bits)) == 0;
    }

    /** Linux: iproute2 {@code get_addr_ipv4()}: 1 to 4 dot-separated bytes, the rest zero; -1 if bad. */
    static long ipv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length > 4) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < 4; i++) {
            long b = 0;
            if (i < parts.length) {
                b = unsigned(parts[i]);
                if (b < 0 || b > 255) {
                    return -1;
                }
            }
            v = (v << 8) | b;
        }
        return v;
    }

    /** Linux: iproute2 {@code get_netmask()}: a length, or a contiguous dotted mask; -1 if bad. */
    private static int netmask(String s) {
        long n = unsigned(s);
        if (n >= 0) {
            return n <= 32 ? (int) n : -1;
        }
        long m = ipv4(s);
        if (m < 0) {
            return -1;
        }
        int mask = (int) m;
        int len = Integer.bitCount(mask);
        return mask == InetAddr.mask(len) ? len : -1;
    }

    /** C's {@code strtoul(s, &end, 0)} over the whole word: decimal, 0x hex, 0 octal; -1 if bad or huge. */
    static long unsigned(String s) {
        int radix = 10;
        String digits = s;
        if (s.length() > 2 && (s.startsWith("0x") || s.startsWith("0X"))) {
            radix = 16;
            digits = s.substring(2);
        } else if (s.length() > 1 && s.startsWith("0")) {
            radix = 8;
            digits = s.substring(1);
        }
        if (digits.isEmpty() || digits.length() > 11) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < digits.length(); i++) {
            int d = Character.digit(digits.charAt(i), radix);
            if (d < 0) {
                return -1;
            }
            v = v * radix + d;
        }
        return v <= 0xffff_ffffL ? v : -1;
    }
}
