package dev.packetflow.net.ipv4;

import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.core.NetDevice;

/**
 * One route in a FIB table, what {@code ip route show} prints one line for. Immutable; a lookup
 * returns the entry itself, so the packet path reads its fields without copying.
 *
 * <p>Linux: a {@code struct fib_alias} with its {@code struct fib_info} and nexthop
 * ({@code include/net/ip_fib.h}).
 */
public final class FibRoute {
    // route types, Linux's RTN_* (include/uapi/linux/rtnetlink.h)
    public static final int RTN_UNICAST = 1;
    public static final int RTN_LOCAL = 2;
    public static final int RTN_BROADCAST = 3;
    public static final int RTN_MULTICAST = 5;
    public static final int RTN_BLACKHOLE = 6;
    public static final int RTN_UNREACHABLE = 7;
    public static final int RTN_PROHIBIT = 8;

    // tables
    public static final int RT_TABLE_MAIN = 254;
    public static final int RT_TABLE_LOCAL = 255;

    // protocols: who installed the route
    public static final int RTPROT_KERNEL = 2;
    public static final int RTPROT_BOOT = 3;
    public static final int RTPROT_STATIC = 4;

    public final int table;
    public final int type;
    public final int dst;
    public final int prefixLen;
    public final int gateway;
    public final NetDevice dev;
    public final int metric;
    public final int prefsrc;
    public final int protocol;
    public final int scope;
    public final int mtu;
    /** The routing decision packets matching this route carry as {@code skb.dst}. */
    final Rtable rt;

    FibRoute(int table, int type, int dst, int prefixLen, int gateway, NetDevice dev, int metric, int prefsrc,
             int protocol, int scope, int mtu) {
        this.table = table;
        this.type = type;
        this.dst = dst;
        this.prefixLen = prefixLen;
        this.gateway = gateway;
        this.dev = dev;
        this.metric = metric;
        this.prefsrc = prefsrc;
        this.protocol = protocol;
        this.scope = scope;
        this.mtu = mtu;
        this.rt = switch (type) {
            case RTN_LOCAL -> new Rtable(type, Rtable.RTCF_LOCAL, Rtable.INPUT_LOCAL, 0, dev, 0, prefsrc, mtu, this);
            case RTN_BROADCAST -> new Rtable(type, Rtable.RTCF_LOCAL | Rtable.RTCF_BROADCAST, Rtable.INPUT_LOCAL, 0,
                    dev, 0, prefsrc, mtu, this);
            case RTN_UNICAST -> new Rtable(type, 0, Rtable.INPUT_FORWARD, 0, dev, gateway, prefsrc, mtu, this);
            default -> new Rtable(type, 0, Rtable.INPUT_ERROR, errorOf(type), null, 0, 0, 0, this);
        };
    }

    /** Linux: {@code fib_props[type].error}: what a lookup hitting a route of this type reports. */
    static int errorOf(int type) {
        return switch (type) {
            case RTN_UNREACHABLE -> Errno.EHOSTUNREACH.code;
            case RTN_PROHIBIT -> Errno.EACCES.code;
            case RTN_BLACKHOLE -> Errno.EINVAL.code;
            default -> 0;
        };
    }

    public Rtable rtable() {
        return rt;
    }

    public int mask() {
        return InetAddr.mask(prefixLen);
    }

    /** Linux: {@code rt_nexthop()}: the gateway, or {@code daddr} itself when on link. */
    public int nexthop(int daddr) {
        return gateway != 0 ? gateway : daddr;
    }

    public static String typeName(int type) {
        return switch (type) {
            case RTN_UNICAST -> "unicast";
            case RTN_LOCAL -> "local";
            case RTN_BROADCAST -> "broadcast";
            case RTN_MULTICAST -> "multicast";
            case RTN_BLACKHOLE -> "blackhole";
            case RTN_UNREACHABLE -> "unreachable";
            case RTN_PROHIBIT -> "prohibit";
            default -> "type" + type;
        };
    }

    public static String scopeName(int scope) {
        return switch (scope) {
            case InIfaddr.RT_SCOPE_UNIVERSE -> "global";
            case InIfaddr.RT_SCOPE_LINK -> "link";
            case InIfaddr.RT_SCOPE_HOST -> "host";
            default -> Integer.toString(scope);
        };
    }

    public static String protocolName(int p) {
        return switch (p) {
            case RTPROT_KERNEL -> "kernel";
            case RTPROT_BOOT -> "boot";
            case RTPROT_STATIC -> "static";
            default -> Integer.toString(p);
        };
    }

    /** The destination as {@code ip route} prints it: "default", "198.18.0.1" or "198.18.0.0/24". */
    public String prefixString() {
        if (prefixLen == 0 && dst == 0) {
            return "default";
        }
        return prefixLen == 32 ? InetAddr.toString(dst) : InetAddr.toString(dst) + "/" + prefixLen;
    }

    /** One line of {@code ip route show} (or {@code ip route show table local}). */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (type != RTN_UNICAST) {
            sb.append(typeName(type)).append(' ');
        }
        sb.append(prefixString());
        if (gateway != 0) {
            sb.append(" via ").append(InetAddr.toString(gateway));
        }
        if (dev != null) {
            sb.append(" dev ").append(dev.name());
        }
        if (protocol != RTPROT_BOOT) {
            sb.append(" proto ").append(protocolName(protocol));
        }
        if (scope != InIfaddr.RT_SCOPE_UNIVERSE) {
            sb.append(" scope ").append(scopeName(scope));
        }
        if (prefsrc != 0) {
            sb.append(" src ").append(InetAddr.toString(prefsrc));
        }
        if (metric != 0) {
            sb.append(" metric ").append(metric);
        }
        if (mtu != 0) {
            sb.append(" mtu ").append(mtu);
        }
        return sb.toString();
    }
}
