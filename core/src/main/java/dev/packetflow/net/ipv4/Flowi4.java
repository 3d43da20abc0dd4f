package dev.packetflow.net.ipv4;

/**
 * The key of an output route lookup, filled in by it: destination, optional source and output
 * device, and on return the chosen source address or an error. Caller-owned and reusable, so that
 * routing a packet allocates nothing.
 *
 * <p>Linux: {@code include/net/flow.h struct flowi4}.
 */
public final class Flowi4 {
    public int daddr;
    /** Source address; 0 asks {@link Route#ipRouteOutput} to choose one. */
    public int saddr;
    /** Output interface index; 0 for any. */
    public int oif;
    public int tos;
    public int proto;
    /** After a failed lookup: a negative errno (-ENETUNREACH, -EHOSTUNREACH, -EACCES, -EINVAL). */
    public int err;

    public Flowi4 init(int daddr, int saddr, int oif, int proto) {
        this.daddr = daddr;
        this.saddr = saddr;
        this.oif = oif;
        this.tos = 0;
        this.proto = proto;
        this.err = 0;
        return this;
    }
}
