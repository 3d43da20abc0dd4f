package dev.packetflow.net.ipv4;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.NetDevice;
import java.util.ArrayList;
import java.util.List;

/**
 * The forwarding information base of one stack: the local table (addresses of this host and the
 * directed broadcasts of its subnets, consulted first) and the main table (connected, static and
 * default routes), with the {@code ip route add|del|show} operations.
 *
 * <p>Kernel routes follow the addresses as in Linux: adding 198.18.0.1/24 to eth0 installs
 * {@code local 198.18.0.1} and {@code broadcast 198.18.0.255} in the local table and
 * {@code 198.18.0.0/24 dev eth0 proto kernel scope link src 198.18.0.1} in the main table; deleting
 * the address removes them. Taking a device down removes every route through it except the local
 * routes of its addresses (static routes through it are gone for good, as in Linux); bringing it
 * up restores the kernel routes.
 *
 * <p>Lookups never lock and never allocate (see {@link FibTable}); changes are serialised on this
 * object and published as new snapshots.
 *
 * <p>Linux: {@code net/ipv4/fib_frontend.c} ({@code fib_add_ifaddr}, {@code fib_del_ifaddr},
 * {@code inet_rtm_newroute}), {@code fib_semantics.c} ({@code fib_check_nh}), {@code fib_trie.c}.
 */
public final class Fib {
    private final NetStack net;
    private final FibTable local = new FibTable(FibRoute.RT_TABLE_LOCAL);
    private final FibTable main = new FibTable(FibRoute.RT_TABLE_MAIN);
    /**
     * Linux: {@code net->ipv4.rt_genid}. Moves on with every change to either table and every
     * learned path MTU, so that a route a socket keeps ({@code sk_dst_cache}) can be checked in one
     * read instead of looked up again.
     */
    private final java.util.concurrent.atomic.AtomicInteger genid = new java.util.concurrent.atomic.AtomicInteger();

    Fib(NetStack net) {
        this.net = net;
    }

    public FibTable localTable() {
        return local;
    }

    public FibTable mainTable() {
        return main;
    }

    /**
     * Linux: {@code fib_lookup()} without policy rules: the local table, then the main table.
     * Returns the matching route or null; allocates nothing.
     */
    public FibRoute lookup(int dst) {
        return lookup(dst, 0);
    }

    /**
     * {@link #lookup(int)} restricted to routes out of interface {@code oif} (0 = any) in the main
     * table. Each of the first {@value #MEMO_THREADS} threads that look up remembers its last
     * answers for a few destinations, keyed by the tables' versions: a burst of packets of one flow
     * (a ping and its reply, a stream through a router, an application's datagrams) probes the
     * tables once. Several threads route in real time (the softnet worker, busy-polling and
     * sending applications), so the memo is per thread, like Linux's per-CPU route caches.
     */
    public FibRoute lookup(int dst, int oif) {
        Cpu c = cpu(Thread.currentThread().threadId());
        if (c == null) {
            return lookupTables(dst, oif);
        }
        Memo[] m = c.memos;
        int h = dst * 0x9E3779B1;
        Memo e = m[(h ^ (h >>> 16)) & (MEMOS - 1)];
        Object lv = local.version();
        Object mv = main.version();
        if (e.dst == dst && e.oif == oif && e.localVersion == lv && e.mainVersion == mv) {
            return e.result;
        }
        FibRoute r = lookupTables(dst, oif);
        e.dst = dst;
        e.oif = oif;
        e.localVersion = lv;
        e.mainVersion = mv;
        e.result = r;
        return r;
    }

    /**
     * A {@link Flowi4} for the calling thread to fill and pass to {@link Route#ipRouteOutput}
     * before it routes again: what Linux keeps on the stack of the function that routes. The
     * first {@value #MEMO_THREADS} threads each own one, found as their memos are; other threads
     * get theirs from a {@link ThreadLocal}.
     */
    Flowi4 scratchFlow() {
        Cpu c = cpu(Thread.currentThread().threadId());
        return c != null ? c.fl4 : SCRATCH.get();
    }

    private static final ThreadLocal<Flowi4> SCRATCH = ThreadLocal.withInitial(Flowi4::new);

    /** The calling thread's set, claiming one on first use; null when all are taken. */
    private Cpu cpu(long me) {
        // Plain reads: each owner field is written once by its owner, so a stale read by another
        // thread shows 0 or someone else's id, never its own.
        if (me == owner0) {
            return cpu0;
        }
        if (me == owner1) {
            return cpu1;
        }
        if (me == owner2) {
            return cpu2;
        }
        if (me == owner3) {
            return cpu3;
        }
        return claim(me);
    }

    private synchronized Cpu claim(long me) {
        if (owner0 == me || owner0 == 0) {
            owner0 = me;
            return cpu0;
        }
        if (owner1 == me || owner1 == 0) {
            owner1 = me;
            return cpu1;
        }
        if (owner2 == me || owner2 == 0) {
            owner2 = me;
            return cpu2;
        }
        if (owner3 == me || owner3 == 0) {
            owner3 = me;
            return cpu3;
        }
        return null;
    }

    private FibRoute lookupTables(int dst, int oif) {
        FibRoute r = local.lookup(dst, 0);
        return r != null ? r : main.lookup(dst, oif);
    }

    /** One remembered lookup, valid while both tables are the versions it was made against. */
    private static final class Memo {
        int dst;
        int oif;
        Object localVersion;
        Object mainVersion;
        FibRoute result;
    }

    private static final int MEMOS = 8;
    /** Threads with memos of their own. */
    static final int MEMO_THREADS = 4;

    private static Memo[] newMemos() {
        Memo[] m = new Memo[MEMOS];
        for (int i = 0; i < MEMOS; i++) {
            m[i] = new Memo();
        }
        return m;
    }

    /** What one thread keeps here, as Linux keeps per-CPU route caches: touched by its owner only. */
    private static final class Cpu {
        /** Direct-mapped by destination. */
        final Memo[] memos = newMemos();
        final Flowi4 fl4 = new Flowi4();
    }

    private final Cpu cpu0 = new Cpu();
    private final Cpu cpu1 = new Cpu();
    private final Cpu cpu2 = new Cpu();
    private final Cpu cpu3 = new Cpu();
    /** Thread id owning each set, 0 until one claims it; set once, under this object's lock. */
    private long owner0;
    private long owner1;
    private long owner2;
    private long owner3;

    /** The routes of the main table, as {@code ip route show} lists them. */
    public List<FibRoute> routes() {
        return main.routes();
    }

    /** The routes of table {@code table} (254 main, 255 local). */
    public List<FibRoute> routes(int table) {
        return tableOf(table).routes();
    }

    private FibTable tableOf(int id) {
        if (id == FibRoute.RT_TABLE_MAIN) {
            return main;
        }
        if (id == FibRoute.RT_TABLE_LOCAL) {
            return local;
        }
        throw new IllegalArgumentException("table " + id + " not supported (only main 254 and local 255)");
    }

    // ------------------------------------------------------------------ ip route add / del

    /**
     * Linux: {@code inet_rtm_newroute()} with NLM_F_CREATE|NLM_F_EXCL, what {@code ip route add}
     * does. Validates everything before changing anything; throws IllegalArgumentException with
     * the reason (the messages follow iproute2/kernel wording) otherwise. Returns the new route.
     */
    public synchronized FibRoute routeAdd(RouteSpec s) {
        return newRoute(s, false);
    }

    /**
     * Linux: {@code inet_rtm_newroute()} with NLM_F_CREATE|NLM_F_REPLACE, what {@code ip route replace}
     * does: the route with the spec's destination, prefix length and metric, if there is one, is
     * replaced by the new route in one step (lookups never see the table without either);
     * otherwise the route is added. The new route is checked as {@link #routeAdd} checks it, against
     * the table as it is (the old route still in it); on error nothing changes.
     */
    public synchronized FibRoute routeReplace(RouteSpec s) {
        return newRoute(s, true);
    }

    private FibRoute newRoute(RouteSpec s, boolean replace) {
        FibTable t = tableOf(s.table());
        if (s.prefixLen() < 0 || s.prefixLen() > 32) {
            throw new IllegalArgumentException("Error: Invalid prefix length " + s.prefixLen() + ".");
        }
        if ((s.dst() & ~InetAddr.mask(s.prefixLen())) != 0) {
            throw new IllegalArgumentException("Error: Invalid prefix for given prefix length.");
        }
        int type = s.type() == 0 ? FibRoute.RTN_UNICAST : s.type();
        NetDevice dev = s.dev();
        if (dev != null && dev.net() != net) {
            throw new IllegalArgumentException("Cannot find device \"" + dev.name() + "\"");
        }
        int gw = s.gateway();
        int scope;
        switch (type) {
            case FibRoute.RTN_UNICAST -> {
                if (gw != 0) {
                    dev = checkGateway(gw, dev);
                    scope = InIfaddr.RT_SCOPE_UNIVERSE;
                } else {
                    if (dev == null) {
                        throw new IllegalArgumentException("Error: Device only routes need a device (no \"via\" and no \"dev\").");
                    }
                    if (!dev.isUp()) {
                        throw new IllegalArgumentException("Error: Nexthop device is not up.");
                    }
                    scope = InIfaddr.RT_SCOPE_LINK;
                }
            }
            case FibRoute.RTN_LOCAL, FibRoute.RTN_BROADCAST -> {
                if (dev == null) {
                    throw new IllegalArgumentException("Error: " + FibRoute.typeName(type) + " routes need a device.");
                }
                if (gw != 0) {
                    throw new IllegalArgumentException("Error: " + FibRoute.typeName(type) + " routes cannot have a gateway.");
                }
                scope = type == FibRoute.RTN_LOCAL ? InIfaddr.RT_SCOPE_HOST : InIfaddr.RT_SCOPE_LINK;
            }
            case FibRoute.RTN_UNREACHABLE, FibRoute.RTN_PROHIBIT, FibRoute.RTN_BLACKHOLE -> {
                if (gw != 0 || dev != null) {
                    throw new IllegalArgumentException("Error: " + FibRoute.typeName(type) + " routes take no nexthop.");
                }
                scope = InIfaddr.RT_SCOPE_UNIVERSE;
            }
            default -> throw new IllegalArgumentException("Error: route type " + type + " not supported.");
        }
        if (s.scope() >= 0) {
            scope = s.scope();
        }
        if (s.prefsrc() != 0 && !net.ipv4().isLocal(s.prefsrc())) {
            throw new IllegalArgumentException("Error: Invalid prefsrc address.");
        }
        if (s.mtu() < 0 || (s.mtu() != 0 && s.mtu() < 68)) {
            throw new IllegalArgumentException("Error: Invalid mtu " + s.mtu() + ".");
        }
        int metric = Math.max(0, s.metric());
        FibRoute old = null;
        for (FibRoute r : t.all()) {
            if (r.dst == s.dst() && r.prefixLen == s.prefixLen() && r.metric == metric) {
                if (!replace) {
                    throw new IllegalArgumentException("RTNETLINK answers: File exists");
                }
                old = r;
                break;
            }
        }
        FibRoute r = new FibRoute(t.id(), type, s.dst(), s.prefixLen(), gw, dev, metric, s.prefsrc(), s.protocol(),
                scope, s.mtu());
        if (old != null) {
            List<FibRoute> l = new ArrayList<>(List.of(t.all()));
            l.set(l.indexOf(old), r);
            publish(t, l);
        } else {
            insert(t, r);
        }
        return r;
    }

    /**
     * Linux: {@code fib_check_nh_v4_gw()}: a gateway must be reached directly, through a link-scope
     * (connected) route, and on {@code dev} if one was named. Returns the device to use.
     */
    private NetDevice checkGateway(int gw, NetDevice dev) {
        if (net.ipv4().isLocal(gw)) {
            throw new IllegalArgumentException("Error: Gateway can not be a local address.");
        }
        if (InetAddr.isMulticast(gw) || InetAddr.isLbcast(gw) || InetAddr.isZeronet(gw)) {
            throw new IllegalArgumentException("Error: Invalid gateway address.");
        }
        FibRoute via = main.lookup(gw, dev != null ? dev.ifindex() : 0);
        if (via == null || via.type != FibRoute.RTN_UNICAST || via.gateway != 0 || via.dev == null
                || (dev != null && via.dev != dev)) {
            throw new IllegalArgumentException("Error: Nexthop has invalid gateway.");
        }
        return via.dev;
    }

    /**
     * Linux: {@code inet_rtm_delroute()}, what {@code ip route del} does: removes the first route
     * (lowest metric) with the spec's destination and prefix length that also matches every field
     * the spec sets (type, metric, gateway, dev). Throws IllegalArgumentException if none does.
     */
    public synchronized FibRoute routeDel(RouteSpec s) {
        FibTable t = tableOf(s.table());
        for (FibRoute r : t.all()) {
            if (r.dst == s.dst() && r.prefixLen == s.prefixLen()
                    && (s.type() == 0 || r.type == s.type())
                    && (s.metric() < 0 || r.metric == s.metric())
                    && (s.gateway() == 0 || r.gateway == s.gateway())
                    && (s.dev() == null || r.dev == s.dev())) {
                remove(t, r);
                return r;
            }
        }
        throw new IllegalArgumentException("RTNETLINK answers: No such process");
    }

    private void insert(FibTable t, FibRoute r) {
        List<FibRoute> l = new ArrayList<>(List.of(t.all()));
        l.add(r);
        publish(t, l);
    }

    private void remove(FibTable t, FibRoute r) {
        List<FibRoute> l = new ArrayList<>(List.of(t.all()));
        l.remove(r);
        publish(t, l);
    }

    private void removeIf(FibTable t, java.util.function.Predicate<FibRoute> p) {
        List<FibRoute> l = new ArrayList<>();
        boolean changed = false;
        for (FibRoute r : t.all()) {
            if (p.test(r)) {
                changed = true;
            } else {
                l.add(r);
            }
        }
        if (changed) {
            publish(t, l);
        }
    }

    /** Replaces a table's contents and makes every route cached from it stale. */
    private void publish(FibTable t, List<FibRoute> l) {
        t.publish(l);
        rtGenidBump();
    }

    /** Linux: {@code rt_genid_bump_ipv4()}: every route a socket has cached must be looked up again. */
    void rtGenidBump() {
        genid.incrementAndGet();
    }

    /** Linux: {@code rt_genid_ipv4()}. */
    int rtGenid() {
        return genid.get();
    }

    private boolean has(FibTable t, int type, int dst, int len, NetDevice dev) {
        for (FibRoute r : t.all()) {
            if (r.type == type && r.dst == dst && r.prefixLen == len && r.dev == dev) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ kernel routes

    /** Linux: {@code fib_add_ifaddr()}. */
    synchronized void addIfaddr(InIfaddr ifa) {
        NetDevice dev = ifa.dev();
        int addr = ifa.address();
        if (!has(local, FibRoute.RTN_LOCAL, addr, 32, dev)) {
            insert(local, new FibRoute(FibRoute.RT_TABLE_LOCAL, FibRoute.RTN_LOCAL, addr, 32, 0, dev, 0, addr,
                    FibRoute.RTPROT_KERNEL, InIfaddr.RT_SCOPE_HOST, 0));
        }
        if (!dev.isUp()) {
            return;
        }
        int bcast = ifa.broadcast();
        if (bcast != 0 && bcast != InetAddr.BROADCAST && !has(local, FibRoute.RTN_BROADCAST, bcast, 32, dev)) {
            insert(local, new FibRoute(FibRoute.RT_TABLE_LOCAL, FibRoute.RTN_BROADCAST, bcast, 32, 0, dev, 0, addr,
                    FibRoute.RTPROT_KERNEL, InIfaddr.RT_SCOPE_LINK, 0));
        }
        int prefix = ifa.network();
        if (!InetAddr.isZeronet(prefix) && (prefix != addr || ifa.prefixLen() < 32)) {
            boolean loop = dev.type() == NetDevice.ARPHRD_LOOPBACK;
            FibTable t = loop ? local : main;
            int type = loop ? FibRoute.RTN_LOCAL : FibRoute.RTN_UNICAST;
            // A second address in the same subnet is "secondary" in Linux and adds no prefix route.
            if (!has(t, type, prefix, ifa.prefixLen(), dev)) {
                insert(t, new FibRoute(t.id(), type, prefix, ifa.prefixLen(), 0, dev, 0, addr, FibRoute.RTPROT_KERNEL,
                        loop ? InIfaddr.RT_SCOPE_HOST : InIfaddr.RT_SCOPE_LINK, 0));
            }
        }
    }

    /** Linux: {@code fib_del_ifaddr()}: removes the kernel routes no remaining address needs. */
    synchronized void delIfaddr(InIfaddr ifa) {
        NetDevice dev = ifa.dev();
        List<InIfaddr> others = net.ipv4().addresses(dev);
        boolean bcastUsed = false;
        boolean prefixUsed = false;
        for (InIfaddr o : others) {
            bcastUsed |= o.broadcast() == ifa.broadcast();
            prefixUsed |= o.network() == ifa.network() && o.prefixLen() == ifa.prefixLen();
        }
        boolean keepBcast = bcastUsed;
        boolean keepPrefix = prefixUsed;
        removeIf(local, r -> r.dev == dev && r.protocol == FibRoute.RTPROT_KERNEL
                && ((r.type == FibRoute.RTN_LOCAL && r.dst == ifa.address() && r.prefixLen == 32)
                    || (!keepBcast && r.type == FibRoute.RTN_BROADCAST && r.dst == ifa.broadcast())
                    || (!keepPrefix && r.dst == ifa.network() && r.prefixLen == ifa.prefixLen())));
        if (!keepPrefix) {
            removeIf(main, r -> r.dev == dev && r.protocol == FibRoute.RTPROT_KERNEL && r.dst == ifa.network()
                    && r.prefixLen == ifa.prefixLen());
        }
    }

    /** Linux: {@code fib_disable_ip()} on NETDEV_DOWN: flushes the routes through {@code dev}. */
    synchronized void deviceDown(NetDevice dev) {
        removeIf(main, r -> r.dev == dev);
        removeIf(local, r -> r.dev == dev && !(r.type == FibRoute.RTN_LOCAL && r.prefixLen == 32));
    }

    /** Linux: {@code fib_netdev_event()} NETDEV_UP: re-adds the kernel routes of {@code dev}'s addresses. */
    synchronized void deviceUp(NetDevice dev) {
        for (InIfaddr ifa : net.ipv4().addresses(dev)) {
            addIfaddr(ifa);
        }
    }
}
