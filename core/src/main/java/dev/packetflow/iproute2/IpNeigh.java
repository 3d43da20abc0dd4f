package dev.packetflow.iproute2;

import dev.packetflow.iproute2.IpCommand.Action;
import dev.packetflow.iproute2.IpCommand.Family;
import dev.packetflow.iproute2.IpCommand.Options;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.NeighInfo;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.Neighbour;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.net.ipv4.Arp;
import dev.packetflow.net.ipv4.InetAddr;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ip neigh}: the ARP table's command, with iproute2's syntax and output.
 *
 * <pre>
 * ip neigh add|change|replace [to] ADDR [lladdr MAC|null] dev DEV [nud permanent|noarp|reachable|stale]
 * ip neigh del [to] ADDR dev DEV
 * ip neigh [show|list|flush] [dev DEV] [nud STATE|all]... [[to] PREFIX]
 * ip neigh get [to] ADDR dev DEV
 * </pre>
 *
 * An added entry is PERMANENT unless {@code nud} says otherwise, as in iproute2. {@code show}
 * lists every state but NOARP by default, {@code flush} every state but PERMANENT and NOARP
 * ({@code nud all} widens either). Each entry is one line in iproute2's {@code print_neigh()}
 * layout, every field followed by a space: {@code "198.18.0.1 dev eth0 lladdr 02:00:00:00:00:01
 * REACHABLE \n"}; with a {@code dev} filter the {@code dev} field is left out, an entry without a
 * valid address has no {@code lladdr}, and one in state NONE no state.
 *
 * <p>The parser resolves every word and checks the entry against the table before anything changes:
 * {@code add} of an existing entry ("File exists"), {@code change} or {@code del} of a missing one
 * ("No such file or directory"), and an entry without a link-layer address ("No link layer
 * address given") are rejected with the kernel's words, naming the address.
 *
 * <p>Not supported, and rejected by name: {@code proxy} entries, {@code router}, {@code use},
 * {@code managed}, {@code extern_learn}, {@code protocol}, the {@code master}/{@code vrf}/{@code unused}
 * filters, and adding states other than the four above (the kernel's timers own the others).
 *
 * <p>Linux: iproute2 {@code ip/ipneigh.c} ({@code ipneigh_modify}, {@code do_show_or_flush},
 * {@code print_neigh}, {@code ipneigh_get}); the kernel side is {@code net/core/neighbour.c}
 * ({@code neigh_add}, {@code neigh_delete}, {@code neigh_get}).
 */
final class IpNeigh {
    /** The state names in iproute2's printing order, bit 0 first. */
    private static final String[] STATES = {
        "INCOMPLETE", "REACHABLE", "STALE", "DELAY", "PROBE", "FAILED", "NOARP", "PERMANENT",
    };

    /** iproute2's filter bit for NUD_NONE entries (state 0 has no bit of its own). */
    private static final int NONE_BIT = 0x100;

    private IpNeigh() {}

    static Action parse(NetStack net, Args args, Options opts) {
        if (!args.hasNext()) {
            return showOrFlush(net, args, opts, false);
        }
        String word = args.next();
        // iproute2's order: "c" is change, "g" get, "l" list, "s" show.
        String cmd = Args.keyword(word, "add", "change", "chg", "replace", "delete", "get", "show", "lst", "list",
                "flush");
        if (cmd == null) {
            throw IpCommand.error("unknown neigh command", word);
        }
        return switch (cmd) {
            case "add" -> modify(net, args, opts, Op.ADD);
            case "change", "chg" -> modify(net, args, opts, Op.CHANGE);
            case "replace" -> modify(net, args, opts, Op.REPLACE);
            case "delete" -> modify(net, args, opts, Op.DEL);
            case "get" -> get(net, args, opts);
            case "flush" -> showOrFlush(net, args, opts, true);
            default -> showOrFlush(net, args, opts, false);
        };
    }

    private enum Op {
        ADD, CHANGE, REPLACE, DEL
    }

    // ------------------------------------------------------------------ add / change / replace / del

    /** Linux: iproute2 {@code ipneigh_modify()}, then the checks of the kernel's {@code neigh_add()}. */
    private static Action modify(NetStack net, Args args, Options opts, Op op) {
        String addrWord = null;
        String devWord = null;
        String llWord = null;
        String nudWord = null;
        int nud = Neighbour.NUD_PERMANENT;
        while (args.hasNext()) {
            String w = args.next();
            if (Args.matches(w, "lladdr")) {
                llWord = once(llWord, w, args);
            } else if (w.equals("nud")) {
                nudWord = once(nudWord, w, args);
                nud = state(nudWord);
            } else if (Args.matches(w, "proxy") || w.equals("router") || w.equals("use") || w.equals("managed")
                    || Args.matches(w, "extern_learn") || w.equals("extern_valid") || Args.matches(w, "protocol")) {
                throw IpCommand.error("unsupported argument", w);
            } else if (w.equals("dev")) {
                devWord = once(devWord, w, args);
            } else {
                String a = w.equals("to") ? args.value(w) : w;
                if (addrWord != null) {
                    throw IpCommand.error(w.equals("to") || startsWithDigit(a) ? "duplicate address" : "unknown keyword", a);
                }
                if (!w.equals("to") && !startsWithDigit(a)) {
                    throw IpCommand.error("unknown keyword", a);
                }
                addrWord = a;
            }
        }
        String name = op == Op.DEL ? "del" : op.name().toLowerCase();
        if (addrWord == null) {
            throw new IllegalArgumentException("ip: device and destination are required (ip neigh " + name
                    + " ADDR" + (op == Op.DEL ? "" : " lladdr MAC") + " dev DEV)");
        }
        int addr = InetPrefix.address(addrWord, opts.family());
        if (devWord == null) {
            throw IpCommand.error("missing \"dev DEV\" after", addrWord);
        }
        NetDevice dev = IpLink.device(net, devWord);
        long mac = llWord == null || llWord.equals("null") ? -1 : lladdr(llWord);
        if (op != Op.DEL && nud != Neighbour.NUD_PERMANENT && nud != Neighbour.NUD_NOARP
                && nud != Neighbour.NUD_REACHABLE && nud != Neighbour.NUD_STALE) {
            throw IpCommand.error("unsupported nud state (use permanent, noarp, reachable or stale)", nudWord);
        }
        Arp arp = net.arp();
        NeighInfo existing = arp.neighbour(addr, dev);
        String word = addrWord;
        if (op == Op.DEL) {
            if (existing == null) {
                throw IpCommand.error("RTNETLINK answers: No such file or directory", addrWord);
            }
            return () -> {
                try {
                    arp.neighDelete(addr, dev);
                } catch (IllegalArgumentException e) {
                    throw tableError(e, word);
                }
                return "";
            };
        }
        if (op == Op.ADD && existing != null) {
            throw IpCommand.error("RTNETLINK answers: File exists", addrWord);
        }
        if (op == Op.CHANGE && existing == null) {
            throw IpCommand.error("RTNETLINK answers: No such file or directory", addrWord);
        }
        if (mac < 0) {
            // Linux __neigh_update(): a valid state needs an address, given or already known.
            if (existing == null || !existing.hasLladdr()) {
                throw IpCommand.error("Error: No link layer address given.", addrWord);
            }
            mac = existing.lladdr();
        }
        long ll = mac;
        int state = nud;
        boolean replace = op != Op.ADD;
        return () -> {
            try {
                arp.neighAdd(addr, ll, dev, state, replace);
            } catch (IllegalArgumentException e) {
                throw tableError(e, word);
            }
            return "";
        };
    }

    private static IllegalArgumentException tableError(IllegalArgumentException e, String word) {
        IllegalArgumentException x = IpCommand.error(e.getMessage(), word);
        x.initCause(e);
        return x;
    }

    // ------------------------------------------------------------------ show / flush

    /** Linux: iproute2 {@code do_show_or_flush()}. */
    private static Action showOrFlush(NetStack net, Args args, Options opts, boolean flush) {
        if (flush && !args.hasNext()) {
            throw new IllegalArgumentException("ip: flush requires arguments (ip neigh flush dev DEV)");
        }
        String devWord = null;
        boolean stateGiven = false;
        int states = flush ? Arp.FLUSH_DEFAULT_STATES : Arp.SHOW_DEFAULT_STATES;
        InetPrefix prefix = null;
        while (args.hasNext()) {
            String w = args.next();
            if (w.equals("dev")) {
                devWord = once(devWord, w, args);
            } else if (w.equals("master") || w.equals("vrf") || w.equals("nomaster") || w.equals("unused")
                    || w.equals("proxy") || Args.matches(w, "protocol")) {
                throw IpCommand.error("unsupported argument", w);
            } else if (w.equals("nud")) {
                String v = args.value(w);
                if (!stateGiven) {
                    stateGiven = true;
                    states = 0;
                }
                int s;
                if (v.equals("all")) {
                    s = flush ? ~Neighbour.NUD_NOARP : ~0;
                } else {
                    s = state(v);
                }
                states |= s == Neighbour.NUD_NONE ? NONE_BIT : s;
            } else {
                String p = w.equals("to") ? args.value(w) : w;
                InetPrefix pfx = InetPrefix.tryParse(p, opts.family());
                if (pfx == null) {
                    throw IpCommand.error(w.equals("to") || startsWithDigit(p) ? "invalid prefix" : "unknown keyword", p);
                }
                prefix = pfx.any() || pfx.len() == 0 ? null : pfx;
            }
        }
        NetDevice dev = devWord == null ? null : IpLink.device(net, devWord);
        Arp arp = net.arp();
        boolean inet = opts.family() == Family.ANY || opts.family() == Family.INET;
        int mask = states;
        InetPrefix to = prefix;
        if (!flush) {
            return () -> {
                StringBuilder sb = new StringBuilder();
                if (inet) {
                    for (NeighInfo n : dev == null ? arp.neighbours() : arp.neighbours(dev)) {
                        if (selected(n, mask, to)) {
                            format(sb, n, dev == null);
                        }
                    }
                }
                return sb.toString();
            };
        }
        int stats = opts.stats();
        return () -> {
            List<NeighInfo> victims = new ArrayList<>();
            if (inet) {
                for (NeighInfo n : dev == null ? arp.neighbours() : arp.neighbours(dev)) {
                    if (selected(n, mask, to)) {
                        victims.add(n);
                    }
                }
            }
            StringBuilder sb = new StringBuilder();
            int flushed;
            if (to == null && inet) {
                flushed = arp.neighFlush(dev, mask);
            } else {
                flushed = 0;
                for (NeighInfo n : victims) {
                    try {
                        arp.neighDelete(n.address(), n.dev());
                        flushed++;
                    } catch (IllegalArgumentException gone) {
                        // collected by the table's garbage collector meanwhile
                    }
                }
            }
            if (stats >= 2) {
                for (NeighInfo n : victims) {
                    format(sb, n, dev == null);
                }
            }
            return stats == 0 ? "" : IpRoute.flushReport(sb, flushed);
        };
    }

    /** Linux: iproute2 {@code print_neigh()}'s filter: a state bit in the mask (NONE by its own bit), the prefix. */
    private static boolean selected(NeighInfo n, int mask, InetPrefix to) {
        int st = n.state();
        boolean state = (st & mask) != 0 || (st == Neighbour.NUD_NONE && (mask & NONE_BIT) != 0);
        return state && (to == null || to.covers(n.address(), to.len()));
    }

    /** One entry as iproute2's {@code print_neigh()} prints it. */
    private static void format(StringBuilder sb, NeighInfo n, boolean withDev) {
        sb.append(InetAddr.toString(n.address())).append(' ');
        if (withDev) {
            sb.append("dev ").append(n.dev().name()).append(' ');
        }
        if (n.hasLladdr()) {
            sb.append("lladdr ").append(Eth.macToString(n.lladdr())).append(' ');
        }
        for (int i = 0; i < STATES.length; i++) {
            if ((n.state() & (1 << i)) != 0) {
                sb.append(STATES[i]).append(' ');
            }
        }
        sb.append('\n');
    }

    // ------------------------------------------------------------------ get

    /** Linux: iproute2 {@code ipneigh_get()} and the kernel's {@code neigh_get()}. */
    private static Action get(NetStack net, Args args, Options opts) {
        String addrWord = null;
        String devWord = null;
        while (args.hasNext()) {
            String w = args.next();
            if (w.equals("dev")) {
                devWord = once(devWord, w, args);
            } else if (Args.matches(w, "proxy")) {
                throw IpCommand.error("unsupported argument", w);
            } else {
                String a = w.equals("to") ? args.value(w) : w;
                if (addrWord != null || (!w.equals("to") && !startsWithDigit(a))) {
                    throw IpCommand.error(addrWord != null ? "duplicate address" : "unknown keyword", a);
                }
                addrWord = a;
            }
        }
        if (addrWord == null || devWord == null) {
            throw new IllegalArgumentException("ip: device and address are required (ip neigh get ADDR dev DEV)");
        }
        int addr = InetPrefix.address(addrWord, opts.family());
        NetDevice dev = IpLink.device(net, devWord);
        Arp arp = net.arp();
        String word = addrWord;
        return () -> {
            NeighInfo n = arp.neighbour(addr, dev);
            if (n == null) {
                throw IpCommand.error("Error: Neighbour entry not found.", word);
            }
            StringBuilder sb = new StringBuilder();
            format(sb, n, true);
            return sb.toString();
        };
    }

    // ------------------------------------------------------------------ words

    /**
     * Linux: iproute2 {@code nud_state_a2n()}: a state name (permanent, reachable and failed may be
     * abbreviated) or a number with one bit below 0x100; 0 for none.
     */
    static int state(String w) {
        if (Args.matches(w, "permanent")) {
            return Neighbour.NUD_PERMANENT;
        } else if (Args.matches(w, "reachable")) {
            return Neighbour.NUD_REACHABLE;
        }
        switch (w) {
            case "noarp":
                return Neighbour.NUD_NOARP;
            case "none":
                return Neighbour.NUD_NONE;
            case "stale":
                return Neighbour.NUD_STALE;
            case "incomplete":
                return Neighbour.NUD_INCOMPLETE;
            case "delay":
                return Neighbour.NUD_DELAY;
            case "probe":
                return Neighbour.NUD_PROBE;
            default:
                break;
        }
        if (Args.matches(w, "failed")) {
            return Neighbour.NUD_FAILED;
        }
        long n = InetPrefix.unsigned(w);
        if (n < 0 || n >= 0x100 || (n & (n - 1)) != 0) {
            throw IpCommand.error("nud state is bad", w);
        }
        return (int) n;
    }

    /** Six hex bytes separated by colons (the kernel takes any bytes: multicast and zero too). */
    private static long lladdr(String word) {
        String[] parts = word.split(":", -1);
        if (parts.length != 6) {
            throw IpCommand.error("invalid lladdr", word);
        }
        long mac = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 2 || Character.digit(p.charAt(0), 16) < 0
                    || Character.digit(p.charAt(p.length() - 1), 16) < 0) {
                throw IpCommand.error("invalid lladdr", word);
            }
            mac = (mac << 8) | Integer.parseInt(p, 16);
        }
        return mac;
    }

    private static boolean startsWithDigit(String w) {
        return !w.isEmpty() && w.charAt(0) >= '0' && w.charAt(0) <= '9';
    }

    private static String once(String previous, String key, Args args) {
        if (previous != null) {
            throw IpCommand.error("duplicate argument", key);
        }
        return args.value(key);
    }
}
