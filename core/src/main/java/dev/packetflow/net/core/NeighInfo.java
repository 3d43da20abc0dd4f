package dev.packetflow.net.core;

import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.net.ipv4.InetAddr;

/**
 * A snapshot of one neighbour entry, what {@code ip neigh show} prints for it:
 * {@code 198.18.0.2 dev eth0 lladdr 02:00:00:00:00:02 REACHABLE}.
 *
 * @param address the neighbour's IPv4 address (host-order int)
 * @param dev the device it is reachable through
 * @param lladdr its MAC, or -1 when the entry holds none (INCOMPLETE, FAILED, NONE): the kernel
 *     sends {@code NDA_LLADDR} only for valid states ({@code neigh_fill_info})
 * @param state the NUD state, {@link Neighbour#NUD_REACHABLE} etc.
 */
public record NeighInfo(int address, NetDevice dev, long lladdr, int state) {
    /** Whether the entry has a link-layer address to show. */
    public boolean hasLladdr() {
        return lladdr >= 0;
    }

    /** The state as {@code ip neigh} prints it. */
    public String stateName() {
        return stateName(state);
    }

    /**
     * iproute2's {@code nud_state_n2a()}: the state's name; a combination of bits prints each
     * name, space-separated (only administrative input makes such entries).
     */
    public static String stateName(int state) {
        if (state == Neighbour.NUD_NONE) {
            return "NONE";
        }
        String[] names = {"INCOMPLETE", "REACHABLE", "STALE", "DELAY", "PROBE", "FAILED", "NOARP", "PERMANENT"};
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < names.length; i++) {
            if ((state & (1 << i)) != 0) {
                if (sb.length() > 0) {
                    sb.append(' ');
                }
                sb.append(names[i]);
            }
        }
        return sb.toString();
    }

    static String addrString(int a) {
        return InetAddr.toString(a);
    }

    /** One line of {@code ip neigh show}. */
    @Override
    public String toString() {
        return InetAddr.toString(address) + " dev " + dev.name()
                + (hasLladdr() ? " lladdr " + Eth.macToString(lladdr) : "") + " " + stateName();
    }
}
