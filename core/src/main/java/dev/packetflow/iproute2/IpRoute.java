package dev.packetflow.iproute2;

import dev.packetflow.iproute2.IpCommand.Action;
import dev.packetflow.iproute2.IpCommand.Family;
import dev.packetflow.iproute2.IpCommand.Options;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.ipv4.Fib;
import dev.packetflow.net.ipv4.FibRoute;
import dev.packetflow.net.ipv4.InIfaddr;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.ipv4.Route;
import dev.packetflow.net.ipv4.RouteSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ip route}: the FIB's command, with iproute2's syntax and output.
 *
 * <pre>
 * ip route add|change|replace|del [to] [TYPE] PREFIX [via ADDR] [dev DEV] [src ADDR] [metric N]
 *                                  [mtu N] [proto PROTO] [scope SCOPE] [table main|local|N]
 * ip route [show|list|flush] [table main|local|all|N] [dev DEV] [proto P] [scope S] [type T]
 *                             [via PREFIX] [src PREFIX] [metric N] [[to] [root|match|exact] PREFIX]
 * ip route get [to] ADDR [fibmatch]
 * </pre>
 *
 * TYPE is unicast (the default), local, broadcast, blackhole, unreachable or prohibit; local and
 * broadcast routes go to the local table unless a table is named, as iproute2 arranges. A bare
 * address is a /32, {@code default} is 0/0. Each listed route is one line in iproute2's
 * {@code print_route()} layout, every field followed by a space as iproute2 prints it
 * ({@code "default via 198.18.0.1 dev eth0 \n"}); fields a filter fixes are left out
 * ({@code ip route show dev eth0} prints no {@code dev eth0}), {@code table local} is printed only
 * when every table is listed, and routes through a device without carrier show {@code linkdown}.
 *
 * <p>The parser resolves every word (addresses, device, table, keywords) before anything changes;
 * then the FIB checks the route whole ({@link Fib#routeAdd}) and, refusing it, changes nothing: its
 * kernel-worded reason ("RTNETLINK answers: File exists", "Error: Nexthop has invalid gateway.")
 * is passed on, naming the word it concerns. {@code del} and {@code change} find their route while
 * parsing, so a missing one is rejected before anything runs.
 *
 * <p>Not supported, and rejected by name: multipath ({@code nexthop}), {@code onlink}, per-route
 * TCP metrics ({@code advmss}, {@code rtt}, {@code initcwnd}...), {@code mtu lock}, {@code tos},
 * policy-routing selectors ({@code from}, {@code iif}, {@code mark}, {@code vrf}), tables other than
 * main and local, route types anycast/multicast/throw/nat, the route cache ({@code ip route flush
 * cache}, {@code show cached}), and {@code ip route get} options other than {@code fibmatch}.
 *
 * <p>Linux: iproute2 {@code ip/iproute.c} ({@code iproute_modify}, {@code iproute_list_flush_or_save},
 * {@code filter_nlmsg}, {@code print_route}, {@code iproute_get}).
 */
final class IpRoute {
    private IpRoute() {}

    static Action parse(NetStack net, Args args, Options opts) {
        if (!args.hasNext()) {
            return showOrFlush(net, args, opts, false);
        }
        String word = args.next();
        String cmd = Args.keyword(word, "add", "change", "chg", "replace", "prepend", "append", "test", "delete",
                "list", "show", "lst", "get", "flush", "save", "restore", "showdump");
        if (cmd == null) {
            throw IpCommand.error("unknown route command", word);
        }
        return switch (cmd) {
            case "add" -> modify(net, args, opts, Op.ADD);
            case "change", "chg" -> modify(net, args, opts, Op.CHANGE);
            case "replace" -> modify(net, args, opts, Op.REPLACE);
            case "delete" -> modify(net, args, opts, Op.DEL);
            case "get" -> get(net, args, opts);
            case "flush" -> showOrFlush(net, args, opts, true);
            case "list", "show", "lst" -> showOrFlush(net, args, opts, false);
            default -> throw new IllegalArgumentException("ip: \"route " + cmd + "\" is not supported");
        };
    }

    // ------------------------------------------------------------------ add / change / replace / del

    private enum Op {
        ADD, CHANGE, REPLACE, DEL
    }

    /** The words of a route add/del, kept to name the one a rejection concerns. */
    private static final class Words {
        String dst;
        String via;
        String dev;
        String src;
        String metric;
        String mtu;
        String scope;
        String proto;
        String table;
        String type;

        /** The word a FIB error is about, from its kernel wording. */
        String about(String message) {
            String m = message.toLowerCase();
            String w = m.contains("gateway") ? via
                    : m.contains("prefsrc") ? src
                    : m.contains("mtu") ? mtu
                    : m.contains("device") ? dev
                    : m.contains("scope") ? scope
                    : m.contains("table") ? table
                    : null;
            return w != null ? w : dst;
        }
    }

    /**
     * Linux: iproute2 {@code iproute_modify()}. Keywords are tested in iproute2's order, which
     * decides what an abbreviation means ({@code p} is {@code priority}, i.e. metric).
     */
    private static Action modify(NetStack net, Args args, Options opts, Op op) {
        Family fam = opts.family();
        Words w = new Words();
        InetPrefix dst = null;
        int gw = 0;
        int src = 0;
        int metric = -1;
        int mtu = 0;
        int scope = -1;
        int protocol = -1;
        int table = -1;
        int type = 0;
        while (args.hasNext()) {
            String word = args.next();
            if (word.equals("src")) {
                w.src = once(w.src, word, args);
                src = InetPrefix.address(w.src, fam);
            } else if (word.equals("via")) {
                w.via = once(w.via, word, args);
                gw = InetPrefix.address(w.via, fam);
            } else if (word.equals("as") || word.equals("from") || word.equals("tos")
                    || Args.matches(word, "dsfield") || word.equals("expires")) {
                throw IpCommand.error("unsupported argument", word);
            } else if (Args.matches(word, "metric") || Args.matches(word, "priority") || word.equals("preference")) {
                w.metric = once(w.metric, word, args);
                metric = number(w.metric, "invalid metric", Integer.MAX_VALUE);
            } else if (word.equals("scope")) {
                w.scope = once(w.scope, word, args);
                scope = RtNames.scopeNumber(w.scope);
                if (scope < 0) {
                    throw IpCommand.error("invalid scope", w.scope);
                }
            } else if (word.equals("mtu")) {
                w.mtu = once(w.mtu, word, args);
                if (w.mtu.equals("lock")) {
                    throw IpCommand.error("unsupported argument", "mtu lock");
                }
                mtu = number(w.mtu, "invalid mtu", Integer.MAX_VALUE);
            } else if (isRouteMetricOrNexthopKeyword(word)) {
                throw IpCommand.error("unsupported argument", word);
            } else if (Args.matches(word, "protocol")) {
                w.proto = once(w.proto, word, args);
                protocol = RtNames.protocolNumber(w.proto);
                if (protocol < 0) {
                    throw IpCommand.error("invalid protocol", w.proto);
                }
            } else if (Args.matches(word, "table")) {
                w.table = once(w.table, word, args);
                table = tableForChange(w.table);
            } else if (Args.matches(word, "vrf")) {
                throw IpCommand.error("unsupported argument", word);
            } else if (word.equals("dev") || word.equals("oif")) {
                w.dev = once(w.dev, word, args);
            } else if (Args.matches(word, "pref") || word.equals("encap") || word.equals("ttl-propagate")
                    || Args.matches(word, "fastopen_no_cookie")) {
                throw IpCommand.error("unsupported argument", word);
            } else {
                // [to] [TYPE] PREFIX
                String d = word;
                boolean mustBePrefix = false;
                if (d.equals("to")) {
                    d = args.value(d);
                    mustBePrefix = true;
                }
                int t = startsWithDigit(d) ? -1 : RtNames.typeNumber(d);
                if (t >= 0) {
                    w.type = d;
                    type = t;
                    d = args.value(d);
                    mustBePrefix = true;
                }
                InetPrefix p = InetPrefix.tryParse(d, fam);
                if (p == null) {
                    throw IpCommand.error(mustBePrefix || startsWithDigit(d) ? "invalid prefix" : "unknown keyword", d);
                }
                if (dst != null) {
                    throw IpCommand.error("duplicate destination", d);
                }
                dst = p;
                w.dst = d;
            }
        }
        String name = op.name().toLowerCase();
        if (dst == null) {
            throw new IllegalArgumentException("ip: missing destination (ip route " + name + " PREFIX ...)");
        }
        switch (type) {
            case 0, FibRoute.RTN_UNICAST, FibRoute.RTN_LOCAL, FibRoute.RTN_BROADCAST, FibRoute.RTN_BLACKHOLE,
                 FibRoute.RTN_UNREACHABLE, FibRoute.RTN_PROHIBIT -> { }
            default -> throw IpCommand.error("unsupported route type", w.type);
        }
        NetDevice dev = w.dev == null ? null : IpLink.device(net, w.dev);
        if (table < 0) {
            table = type == FibRoute.RTN_LOCAL || type == FibRoute.RTN_BROADCAST
                    ? FibRoute.RT_TABLE_LOCAL : FibRoute.RT_TABLE_MAIN;
        }
        Fib fib = net.ipv4().fib();
        if (op == Op.DEL) {
            return delete(fib, dst, w, table, type, gw, dev, src, metric, mtu, scope, protocol);
        }
        RouteSpec spec = RouteSpec.to(dst.addr(), dst.len()).table(table).type(type).via(gw).dev(dev).src(src)
                .metric(metric).mtu(mtu).scope(scope);
        if (protocol >= 0) {
            spec = spec.protocol(protocol);
        }
        RouteSpec s = spec;
        return switch (op) {
            case ADD -> () -> {
                try {
                    fib.routeAdd(s);
                } catch (IllegalArgumentException e) {
                    throw fibError(e, w);
                }
                return "";
            };
            default -> {
                if (op == Op.CHANGE && find(fib, table, dst.addr(), dst.len(), Math.max(0, metric)) == null) {
                    // NLM_F_REPLACE without NLM_F_CREATE: fib_table_insert() finds nothing to replace.
                    throw IpCommand.error("RTNETLINK answers: No such file or directory", w.dst);
                }
                yield () -> {
                    try {
                        fib.routeReplace(s);
                    } catch (IllegalArgumentException e) {
                        throw fibError(e, w);
                    }
                    return "";
                };
            }
        };
    }

    /**
     * Linux: {@code fib_table_delete()}: the first route (lowest metric) with the destination and
     * length that matches every selector given; an unset selector, and metric 0, match any.
     */
    private static Action delete(Fib fib, InetPrefix dst, Words w, int table, int type, int gw, NetDevice dev,
                                 int src, int metric, int mtu, int scope, int protocol) {
        if ((dst.addr() & ~InetAddr.mask(dst.len())) != 0) {
            throw IpCommand.error("Error: Invalid prefix for given prefix length.", w.dst);
        }
        FibRoute victim = null;
        for (FibRoute r : routesOf(fib, table)) {
            if (r.dst == dst.addr() && r.prefixLen == dst.len()
                    && (type == 0 || r.type == type)
                    && (scope < 0 || r.scope == scope)
                    && (src == 0 || r.prefsrc == src)
                    && (protocol <= 0 || r.protocol == protocol)
                    && (metric <= 0 || r.metric == metric)
                    && (gw == 0 || r.gateway == gw)
                    && (dev == null || r.dev == dev)
                    && (mtu == 0 || r.mtu == mtu)) {
                victim = r;
                break;
            }
        }
        if (victim == null) {
            throw IpCommand.error("RTNETLINK answers: No such process", w.dst);
        }
        // Destination, length and metric name one route of a table: the FIB keeps no two alike.
        RouteSpec exact = RouteSpec.to(victim.dst, victim.prefixLen).table(table).metric(victim.metric)
                .type(victim.type);
        return () -> {
            try {
                fib.routeDel(exact);
            } catch (IllegalArgumentException e) {
                throw fibError(e, w);
            }
            return "";
        };
    }

    private static FibRoute find(Fib fib, int table, int dst, int len, int metric) {
        for (FibRoute r : routesOf(fib, table)) {
            if (r.dst == dst && r.prefixLen == len && r.metric == metric) {
                return r;
            }
        }
        return null;
    }

    /** The FIB refused: its kernel-worded reason, naming the word it is about. */
    private static IllegalArgumentException fibError(IllegalArgumentException e, Words w) {
        IllegalArgumentException x = IpCommand.error(e.getMessage(), w.about(e.getMessage()));
        x.initCause(e);
        return x;
    }

    /** Keywords of {@code iproute_modify()} between {@code mtu} and {@code protocol}, none supported. */
    private static boolean isRouteMetricOrNexthopKeyword(String w) {
        for (String k : new String[] {"hoplimit", "advmss"}) {
            if (w.equals(k)) {
                return true;
            }
        }
        if (Args.matches(w, "reordering") || w.equals("rtt") || w.equals("rto_min")) {
            return true;
        }
        for (String k : new String[] {"window", "cwnd", "initcwnd", "initrwnd", "features", "quickack", "congctl",
            "rttvar", "ssthresh", "realms"}) {
            if (Args.matches(w, k)) {
                return true;
            }
        }
        return w.equals("onlink") || w.equals("nexthop") || w.equals("nhid");
    }

    // ------------------------------------------------------------------ show / flush

    /** Linux: iproute2's route {@code filter}: what {@code show} and {@code flush} select and leave unprinted. */
    private static final class Filter {
        /** 0: every table. */
        int table = FibRoute.RT_TABLE_MAIN;
        /** -1: any (and printed). */
        int protocol = -1;
        int scope = -1;
        /** Bit per RTN_* type; 0: any. */
        long typeMask;
        NetDevice dev;
        long metric = -1;
        InetPrefix via;
        InetPrefix src;
        /** {@code root P}: routes inside P. */
        InetPrefix root;
        /** {@code match P}: routes covering P. */
        InetPrefix match;

        /** Linux: iproute2 {@code filter_nlmsg()} (with the kernel's strict dump filtering by dev). */
        boolean matches(FibRoute r) {
            return (table == 0 || r.table == table)
                    && (protocol < 0 || r.protocol == protocol)
                    && (scope < 0 || r.scope == scope)
                    && (typeMask == 0 || (r.type < 64 && (typeMask & (1L << r.type)) != 0))
                    && (root == null || (r.prefixLen >= root.len() && root.covers(r.dst, root.len())))
                    && (match == null || (r.prefixLen <= match.len() && match.covers(r.dst, r.prefixLen)))
                    && (via == null || via.covers(r.gateway, via.len()))
                    && (src == null || src.covers(r.prefsrc, src.len()))
                    && (dev == null || r.dev == dev)
                    && (metric < 0 || r.metric == metric);
        }
    }

    /** Linux: iproute2 {@code iproute_list_flush_or_save()}. */
    private static Action showOrFlush(NetStack net, Args args, Options opts, boolean flush) {
        if (flush && !args.hasNext()) {
            throw new IllegalArgumentException("ip: \"ip route flush\" requires arguments (dev DEV, table main...)");
        }
        Family fam = opts.family();
        Filter f = new Filter();
        String devWord = null;
        while (args.hasNext()) {
            String w = args.next();
            if (Args.matches(w, "table")) {
                String v = args.value(w);
                if (v.equals("all")) {
                    f.table = 0;
                } else if (v.equals("cache")) {
                    throw IpCommand.error("unsupported argument (no route cache)", "table cache");
                } else {
                    long t = RtNames.tableNumber(v);
                    if (t < 0) {
                        throw IpCommand.error("invalid table", v);
                    }
                    f.table = (int) t;
                }
            } else if (Args.matches(w, "vrf")) {
                throw IpCommand.error("unsupported argument", w);
            } else if (Args.matches(w, "cached") || Args.matches(w, "cloned")) {
                throw IpCommand.error("unsupported argument (no route cache)", w);
            } else if (w.equals("tos") || Args.matches(w, "dsfield")) {
                throw IpCommand.error("unsupported argument", w);
            } else if (Args.matches(w, "protocol")) {
                String v = args.value(w);
                f.protocol = v.equals("all") ? -1 : RtNames.protocolNumber(v);
                if (f.protocol < 0 && !v.equals("all")) {
                    throw IpCommand.error("invalid protocol", v);
                }
            } else if (Args.matches(w, "scope")) {
                String v = args.value(w);
                f.scope = v.equals("all") ? -1 : RtNames.scopeNumber(v);
                if (f.scope < 0 && !v.equals("all")) {
                    throw IpCommand.error("invalid scope", v);
                }
            } else if (Args.matches(w, "type")) {
                String v = args.value(w);
                int t = RtNames.typeNumber(v);
                if (t < 0 || t >= 64) {
                    throw IpCommand.error("invalid route type", v);
                }
                f.typeMask = 1L << t;
            } else if (w.equals("dev") || w.equals("oif")) {
                devWord = args.value(w);
            } else if (w.equals("iif") || w.equals("mark")) {
                throw IpCommand.error("unsupported argument", w);
            } else if (Args.matches(w, "metric") || Args.matches(w, "priority") || w.equals("preference")) {
                String v = args.value(w);
                f.metric = number(v, "invalid metric", Integer.MAX_VALUE);
            } else if (w.equals("via")) {
                f.via = filterPrefix(args.value(w), fam);
            } else if (w.equals("src")) {
                f.src = filterPrefix(args.value(w), fam);
            } else if (Args.matches(w, "realms") || Args.matches(w, "from")) {
                throw IpCommand.error("unsupported argument", w);
            } else {
                String d = w;
                boolean mustBePrefix = false;
                if (Args.matches(d, "to")) {
                    d = args.value(d);
                    mustBePrefix = true;
                }
                String how = "exact";
                if (Args.matches(d, "root") || Args.matches(d, "match") || Args.matches(d, "exact")) {
                    how = Args.keyword(d, "root", "match", "exact");
                    d = args.value(d);
                    mustBePrefix = true;
                }
                InetPrefix p = InetPrefix.tryParse(d, fam);
                if (p == null) {
                    throw IpCommand.error(mustBePrefix || startsWithDigit(d) ? "invalid prefix" : "unknown keyword", d);
                }
                InetPrefix sel = p.any() ? null : p;
                switch (how) {
                    case "root" -> f.root = sel;
                    case "match" -> f.match = sel;
                    default -> {
                        f.root = sel;
                        f.match = sel;
                    }
                }
            }
        }
        f.dev = devWord == null ? null : IpLink.device(net, devWord);
        Fib fib = net.ipv4().fib();
        boolean inet = fam == Family.ANY || fam == Family.INET;
        if (!flush) {
            return () -> {
                StringBuilder sb = new StringBuilder();
                if (inet) {
                    for (FibRoute r : routesOf(fib, f.table)) {
                        if (f.matches(r)) {
                            format(sb, r, f);
                        }
                    }
                }
                return sb.toString();
            };
        }
        int stats = opts.stats();
        return () -> {
            List<FibRoute> victims = new ArrayList<>();
            if (inet) {
                for (FibRoute r : routesOf(fib, f.table)) {
                    if (f.matches(r)) {
                        victims.add(r);
                    }
                }
            }
            StringBuilder sb = new StringBuilder();
            for (FibRoute r : victims) {
                try {
                    fib.routeDel(RouteSpec.to(r.dst, r.prefixLen).table(r.table).metric(r.metric).type(r.type));
                } catch (IllegalArgumentException gone) {
                    continue; // removed meanwhile (its address went away): flushed all the same
                }
                if (stats >= 2) {
                    format(sb, r, f);
                }
            }
            return stats == 0 ? "" : flushReport(sb, victims.size());
        };
    }

    /** What {@code ip -s ... flush} prints: iproute2's rounds (one here: nothing is left after it). */
    static String flushReport(StringBuilder printed, int flushed) {
        if (flushed == 0) {
            return "Nothing to flush.\n";
        }
        return printed + "\n*** Round 1, deleting " + flushed + " entries ***\n"
                + "*** Flush is complete after 1 round ***\n";
    }

    /** A {@code via}/{@code src} filter; {@code all}, {@code any} and {@code default} select everything. */
    private static InetPrefix filterPrefix(String word, Family fam) {
        InetPrefix p = InetPrefix.parse(word, fam);
        return p.any() || (p.len() == 0 && p.lenGiven() && p.addr() == 0) ? null : p;
    }

    /** Main then local, the order Linux dumps the tables in (by id hash); other tables are empty. */
    private static List<FibRoute> routesOf(Fib fib, int table) {
        return switch (table) {
            case 0 -> {
                List<FibRoute> all = new ArrayList<>(fib.routes());
                all.addAll(fib.routes(FibRoute.RT_TABLE_LOCAL));
                yield all;
            }
            case FibRoute.RT_TABLE_MAIN, FibRoute.RT_TABLE_LOCAL -> fib.routes(table);
            default -> List.of();
        };
    }

    /** One route as iproute2's {@code print_route()} prints it, leaving out what the filter fixes. */
    private static void format(StringBuilder sb, FibRoute r, Filter f) {
        if (r.type != FibRoute.RTN_UNICAST) {
            sb.append(RtNames.typeName(r.type)).append(' ');
        }
        sb.append(r.prefixString()).append(' ');
        if (r.gateway != 0 && (f.via == null || f.via.len() != 32)) {
            sb.append("via ").append(InetAddr.toString(r.gateway)).append(' ');
        }
        if (r.dev != null && f.dev == null) {
            sb.append("dev ").append(r.dev.name()).append(' ');
        }
        if (r.table != FibRoute.RT_TABLE_MAIN && f.table == 0) {
            sb.append("table ").append(RtNames.tableName(r.table)).append(' ');
        }
        if (r.protocol != FibRoute.RTPROT_BOOT && f.protocol < 0) {
            sb.append("proto ").append(RtNames.protocolName(r.protocol)).append(' ');
        }
        if (r.scope != InIfaddr.RT_SCOPE_UNIVERSE && f.scope < 0) {
            sb.append("scope ").append(IpAddr.scope(r.scope)).append(' ');
        }
        if (r.prefsrc != 0 && (f.src == null || f.src.len() != 32)) {
            sb.append("src ").append(InetAddr.toString(r.prefsrc)).append(' ');
        }
        if (r.metric != 0 && f.metric < 0) {
            sb.append("metric ").append(r.metric).append(' ');
        }
        if (linkdown(r)) {
            sb.append("linkdown ");
        }
        if (r.mtu != 0) {
            sb.append("mtu ").append(r.mtu).append(' ');
        }
        sb.append('\n');
    }

    /**
     * Linux: RTNH_F_LINKDOWN, set on a nexthop whose device lost carrier ({@code fib_sync_down_dev}
     * on NETDEV_CHANGE, {@code fib_check_nh} at creation); host-scope routes (local addresses) are
     * exempt, their nexthop scope being RT_SCOPE_NOWHERE.
     */
    private static boolean linkdown(FibRoute r) {
        return r.dev != null && !r.dev.carrierOk() && r.scope != InIfaddr.RT_SCOPE_HOST;
    }

    // ------------------------------------------------------------------ get

    /** Linux: iproute2 {@code iproute_get()}: {@code ip route get [to] ADDR [fibmatch]}. */
    private static Action get(NetStack net, Args args, Options opts) {
        String dstWord = null;
        int dst = 0;
        boolean fibmatch = false;
        while (args.hasNext()) {
            String w = args.next();
            if (w.equals("tos") || Args.matches(w, "dsfield") || Args.matches(w, "from") || Args.matches(w, "iif")
                    || Args.matches(w, "mark") || Args.matches(w, "oif") || w.equals("dev")
                    || Args.matches(w, "notify") || Args.matches(w, "connected") || Args.matches(w, "vrf")
                    || Args.matches(w, "uid")) {
                throw IpCommand.error("unsupported argument", w);
            } else if (Args.matches(w, "fibmatch")) {
                fibmatch = true;
            } else if (w.equals("as") || Args.matches(w, "sport") || Args.matches(w, "dport")
                    || Args.matches(w, "ipproto") || w.equals("flowlabel")) {
                throw IpCommand.error("unsupported argument", w);
            } else {
                String d = w.equals("to") ? args.value(w) : w;
                if (dstWord != null) {
                    throw IpCommand.error("duplicate destination", d);
                }
                InetPrefix p = InetPrefix.tryParse(d, opts.family());
                if (p == null || p.any() || p.lenGiven() && p.addr() == 0 && p.len() == 0) {
                    throw IpCommand.error(startsWithDigit(d) || w.equals("to") ? "invalid address" : "unknown keyword", d);
                }
                // iproute2 warns about a prefix length other than /32 and asks for the address anyway.
                dst = p.addr();
                dstWord = d;
            }
        }
        if (dstWord == null) {
            throw new IllegalArgumentException("ip: missing address (ip route get ADDR)");
        }
        Route route = net.ipv4().route();
        int daddr = dst;
        String word = dstWord;
        boolean fibMatch = fibmatch;
        return () -> {
            Route.RouteGet g;
            try {
                g = route.routeGet(daddr);
            } catch (IllegalArgumentException e) {
                IllegalArgumentException x = IpCommand.error(e.getMessage(), word);
                x.initCause(e);
                throw x;
            }
            StringBuilder sb = new StringBuilder();
            if (fibMatch) {
                if (g.route() == null) {
                    // inet_rtm_getroute(): no fib_info behind the answer (limited broadcast, say).
                    throw IpCommand.error("RTNETLINK answers: No route to host", word);
                }
                Filter all = new Filter();
                all.table = 0;
                format(sb, g.route(), all);
            } else {
                formatGet(sb, g);
            }
            return sb.toString();
        };
    }

    /**
     * An {@code ip route get} answer as {@code print_route()} prints a cloned route: no proto or
     * scope, the source the stack would use, the uid, then the cache line with the route's flags
     * and metrics. A route of the local table shows {@code table local} (Linux: {@code rt_fill_info}).
     */
    private static void formatGet(StringBuilder sb, Route.RouteGet g) {
        if (g.type() != FibRoute.RTN_UNICAST) {
            sb.append(RtNames.typeName(g.type())).append(' ');
        }
        sb.append(InetAddr.toString(g.dst())).append(' ');
        if (g.gateway() != 0) {
            sb.append("via ").append(InetAddr.toString(g.gateway())).append(' ');
        }
        if (g.dev() != null) {
            sb.append("dev ").append(g.dev().name()).append(' ');
        }
        if (g.route() != null && g.route().table != FibRoute.RT_TABLE_MAIN) {
            sb.append("table ").append(RtNames.tableName(g.route().table)).append(' ');
        }
        if (g.src() != 0) {
            sb.append("src ").append(InetAddr.toString(g.src())).append(' ');
        }
        sb.append("uid 0 \n    cache ");
        if (g.type() == FibRoute.RTN_LOCAL) {
            sb.append("<local> ");
        } else if (g.type() == FibRoute.RTN_BROADCAST) {
            sb.append("<local,brd> ");
        }
        if (g.mtu() != 0) {
            sb.append("mtu ").append(g.mtu()).append(' ');
        }
        sb.append('\n');
    }

    /** A table routes can be added to or deleted from: main (or 0, which the kernel takes as main) and local. */
    private static int tableForChange(String word) {
        long t = RtNames.tableNumber(word);
        if (t < 0) {
            throw IpCommand.error("invalid table", word);
        }
        if (t == 0 || t == FibRoute.RT_TABLE_MAIN) {
            return FibRoute.RT_TABLE_MAIN;
        }
        if (t == FibRoute.RT_TABLE_LOCAL) {
            return FibRoute.RT_TABLE_LOCAL;
        }
        throw IpCommand.error("unsupported table (only main and local)", word);
    }

    // ------------------------------------------------------------------ words

    private static boolean startsWithDigit(String w) {
        return !w.isEmpty() && w.charAt(0) >= '0' && w.charAt(0) <= '9';
    }

    /** Linux: iproute2 {@code get_u32()}, here bounded by {@code max}. */
    private static int number(String word, String what, int max) {
        long n = InetPrefix.unsigned(word);
        if (n < 0 || n > max) {
            throw IpCommand.error(what, word);
        }
        return (int) n;
    }

    private static String once(String previous, String key, Args args) {
        if (previous != null) {
            throw IpCommand.error("duplicate argument", key);
        }
        return args.value(key);
    }
}
