package dev.packetflow.net.ipv4;

import dev.packetflow.net.core.NetDevice;

/**
 * One IPv4 address on a device, what {@code ip addr} lists. Linux: {@code struct in_ifaddr}.
 *
 * @param address the local address
 * @param prefixLen network prefix length
 * @param broadcast directed broadcast address of the subnet (0 for /31 and /32)
 * @param dev the device
 * @param scope RT_SCOPE_* (host for loopback addresses, global otherwise)
 */
public record InIfaddr(int address, int prefixLen, int broadcast, NetDevice dev, int scope) {
    public static final int RT_SCOPE_UNIVERSE = 0;
    public static final int RT_SCOPE_LINK = 253;
    public static final int RT_SCOPE_HOST = 254;

    public int mask() {
        return InetAddr.mask(prefixLen);
    }

    public int network() {
        return address & mask();
    }

    /** Whether {@code a} is on this address's subnet. */
    public boolean onLink(int a) {
        return (a & mask()) == network();
    }

    @Override
    public String toString() {
        return InetAddr.toString(address) + "/" + prefixLen + " dev " + dev.name();
    }
}
