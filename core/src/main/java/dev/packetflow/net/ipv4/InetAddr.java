package dev.packetflow.net.ipv4;

/**
 * IPv4 addresses as {@code int}s in host order (198.18.0.1 is {@code 0xc6120001}), so the packet
 * path never boxes or allocates an address. Conversions to and from text live here.
 */
public final class InetAddr {
    public static final int ANY = 0;
    public static final int BROADCAST = 0xffffffff;

    private InetAddr() {}

    /** Parses dotted-quad text; throws IllegalArgumentException naming the text otherwise. */
    public static int parse(String s) {
        String[] p = s.split("\\.", -1);
        if (p.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: " + s);
        }
        int v = 0;
        for (String b : p) {
            if (b.isEmpty() || b.length() > 3 || !b.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("not an IPv4 address: " + s);
            }
            int n = Integer.parseInt(b);
            if (n > 255) {
                throw new IllegalArgumentException("not an IPv4 address: " + s);
            }
            v = (v << 8) | n;
        }
        return v;
    }

    public static String toString(int a) {
        return (a >>> 24) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
    }

    /** Network mask of a prefix length (0..32). */
    public static int mask(int prefixLen) {
        return prefixLen == 0 ? 0 : -1 << (32 - prefixLen);
    }

    public static java.net.Inet4Address toInet(int a) {
        try {
            return (java.net.Inet4Address) java.net.InetAddress.getByAddress(
                    new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    public static int fromInet(java.net.InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: " + a);
        }
        return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }

    // RFC 1122 3.2.1.3 / RFC 5735 classification, as Linux's ipv4_is_* helpers.
    public static boolean isLoopback(int a) {
        return (a >>> 24) == 127;
    }

    public static boolean isMulticast(int a) {
        return (a & 0xf0000000) == 0xe0000000;
    }

    public static boolean isLbcast(int a) {
        return a == BROADCAST;
    }

    public static boolean isZeronet(int a) {
        return (a >>> 24) == 0;
    }

    /** Class E, reserved (240.0.0.0/4 minus broadcast). */
    public static boolean isReserved(int a) {
        return (a & 0xf0000000) == 0xf0000000 && a != BROADCAST;
    }
}
