package dev.packetflow.iproute2;

import dev.packetflow.iproute2.IpCommand.Action;
import dev.packetflow.iproute2.IpCommand.Family;
import dev.packetflow.iproute2.IpCommand.Options;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.ipv4.InIfaddr;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.ipv4.Ipv4;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ip address}: lists the addresses of each device as iproute2 prints them, and adds and
 * removes IPv4 addresses.
 *
 * <pre>
 * 2: eth0: &lt;BROADCAST,MULTICAST,UP,LOWER_UP&gt; mtu 1500 qdisc pfifo_fast state UP group default qlen 1000
 *     link/ether 02:00:00:00:00:0a brd ff:ff:ff:ff:ff:ff
 *     inet 198.18.0.1/24 brd 198.18.0.255 scope global eth0
 *        valid_lft forever preferred_lft forever
 * </pre>
 *
 * <p>An address on the subnet of an earlier address of the same device (same prefix length) is a
 * secondary, as Linux's {@code __inet_insert_ifa()} marks it; iproute2 lists primaries first.
 *
 * <p>Linux: iproute2 {@code ip/ipaddress.c}; the kernel side is {@code net/ipv4/devinet.c}.
 */
public final class IpAddr {
    private IpAddr() {}

    /** {@code ip address show}: every device with its addresses. */
    public static String show(NetStack net) {
        return show(net, null, Family.ANY, 0, false);
    }

    /** {@code ip address show dev DEV}. */
    public static String show(NetStack net, NetDevice dev) {
        return show(net, dev, Family.ANY, 0, false);
    }

    static String show(NetStack net, NetDevice dev, Family family, int stats, boolean upOnly) {
        StringBuilder sb = new StringBuilder();
        for (NetDevice d : net.devices().all()) {
            if ((dev != null && d != dev) || (upOnly && !d.isUp())) {
                continue;
            }
            List<InIfaddr> addrs = family == Family.ANY || family == Family.INET ? ordered(net.ipv4(), d) : List.of();
            if (family != Family.ANY && family != Family.LINK && addrs.isEmpty()) {
                continue; // -4 / -6 list only devices with an address of that family
            }
            IpLink.header(sb, d, false);
            if (family == Family.ANY || family == Family.LINK) {
                IpLink.linkLine(sb, d);
            }
            for (InIfaddr a : addrs) {
                inet(sb, a, isSecondary(net.ipv4(), a));
            }
            if (stats > 0) {
                IpLink.stats(sb, d.stats(), stats);
            }
        }
        return sb.toString();
    }

    /** One {@code inet} line and its lifetime line. */
    private static void inet(StringBuilder sb, InIfaddr a, boolean secondary) {
        sb.append("    inet ").append(InetAddr.toString(a.address())).append('/').append(a.prefixLen());
        if (a.broadcast() != 0) {
            sb.append(" brd ").append(InetAddr.toString(a.broadcast()));
        }
        sb.append(" scope ").append(scope(a.scope()));
        if (secondary) {
            sb.append(" secondary");
        }
        sb.append(' ').append(a.dev().name()).append('\n');
        sb.append("       valid_lft forever preferred_lft forever\n");
    }

    /** Linux: {@code rt_scope_names} in iproute2's {@code lib/rt_names.c}. */
    static String scope(int scope) {
        return switch (scope) {
            case InIfaddr.RT_SCOPE_UNIVERSE -> "global";
            case 200 -> "site";
            case InIfaddr.RT_SCOPE_LINK -> "link";
            case InIfaddr.RT_SCOPE_HOST -> "host";
            case 255 -> "nowhere";
            default -> Integer.toString(scope);
        };
    }

    /** The device's addresses in the order Linux keeps them: primaries, then secondaries. */
    private static List<InIfaddr> ordered(Ipv4 ipv4, NetDevice d) {
        List<InIfaddr> all = ipv4.addresses(d);
        List<InIfaddr> out = new ArrayList<>(all.size());
        for (InIfaddr a : all) {
            if (!isSecondary(ipv4, a)) {
                out.add(a);
            }
        }
        for (InIfaddr a : all) {
            if (isSecondary(ipv4, a)) {
                out.add(a);
            }
        }
        return out;
    }

    /** Whether an earlier address of the same device covers {@code a}'s subnet with the same mask. */
    private static boolean isSecondary(Ipv4 ipv4, InIfaddr a) {
        for (InIfaddr p : ipv4.addresses(a.dev())) {
            if (p == a) {
                return false;
            }
            if (p.prefixLen() == a.prefixLen() && p.onLink(a.address())) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ parsing

    static Action parse(NetStack net, Args args, Options opts) {
        if (!args.hasNext()) {
            return parseShow(net, args, opts);
        }
        String word = args.next();
        String cmd = Args.keyword(word, "add", "change", "chg", "replace", "delete", "list", "show", "lst", "flush");
        if (cmd == null) {
            throw IpCommand.error("unknown address command", word);
        }
        return switch (cmd) {
            case "add" -> parseAddDel(net, args, Op.ADD);
            case "change", "chg", "replace" -> parseAddDel(net, args, Op.REPLACE);
            case "delete" -> parseAddDel(net, args, Op.DEL);
            case "flush" -> parseFlush(net, args);
            default -> parseShow(net, args, opts);
        };
    }

    private enum Op {
        ADD, REPLACE, DEL
    }

    /** {@code ip addr show [[dev] DEV] [up]}. */
    private static Action parseShow(NetStack net, Args args, Options opts) {
        NetDevice dev = null;
        boolean upOnly = false;
        while (args.hasNext()) {
            String w = args.next();
            if (w.equals("dev")) {
                dev = IpLink.device(net, args.value(w));
            } else if (w.equals("up")) {
                upOnly = true;
            } else if (dev == null) {
                dev = IpLink.device(net, w);
            } else {
                throw IpCommand.error("unknown argument", w);
            }
        }
        NetDevice only = dev;
        boolean up = upOnly;
        return () -> show(net, only, opts.family(), opts.stats(), up);
    }

    /** {@code ip addr flush [dev] DEV}: removes every IPv4 address of the device. */
    private static Action parseFlush(NetStack net, Args args) {
        NetDevice dev = null;
        while (args.hasNext()) {
            String w = args.next();
            if (w.equals("dev")) {
                dev = IpLink.device(net, args.value(w));
            } else if (dev == null) {
                dev = IpLink.device(net, w);
            } else {
                throw IpCommand.error("unknown argument", w);
            }
        }
        if (dev == null) {
            throw new IllegalArgumentException("ip: flush requires arguments (ip addr flush dev DEV)");
        }
        NetDevice d = dev;
        return () -> {
            for (InIfaddr a : net.ipv4().addresses(d)) {
                net.ipv4().delAddress(d, a.address(), a.prefixLen());
            }
            return "";
        };
    }

    /**
     * {@code ip addr add|replace|del [local] ADDR[/LEN] [brd +|ADDR] [scope SCOPE] [label DEV] dev DEV}.
     * Without a prefix length, add means /32 and del removes the address whatever its length.
     */
    private static Action parseAddDel(NetStack net, Args args, Op op) {
        String local = null;
        String devName = null;
        String brd = null;
        String scope = null;
        String label = null;
        while (args.hasNext()) {
            String w = args.next();
            switch (w) {
                case "dev" -> devName = once(devName, w, args);
                case "local" -> local = once(local, w, args);
                case "brd", "broadcast" -> brd = once(brd, w, args);
                case "scope" -> scope = once(scope, w, args);
                case "label" -> label = once(label, w, args);
                case "valid_lft", "preferred_lft" -> {
                    String v = args.value(w);
                    if (!v.equals("forever")) {
                        throw IpCommand.error("only \"forever\" lifetimes are supported, not", v);
                    }
                }
                case "peer", "metric", "noprefixroute", "home", "nodad", "mngtmpaddr", "autojoin", "anycast" ->
                    throw IpCommand.error("unsupported argument", w);
                default -> {
                    if (local != null) {
                        throw IpCommand.error("unknown argument", w);
                    }
                    local = w;
                }
            }
        }
        if (local == null) {
            throw new IllegalArgumentException("ip: missing address (ip addr " + op.name().toLowerCase() + " ADDR/LEN dev DEV)");
        }
        int slash = local.indexOf('/');
        int addr = address(slash < 0 ? local : local.substring(0, slash), local);
        int plen = slash < 0 ? (op == Op.DEL ? -1 : 32) : prefix(local.substring(slash + 1), local);
        if (devName == null) {
            throw IpCommand.error("missing \"dev DEV\" after", local);
        }
        NetDevice dev = IpLink.device(net, devName);
        if (label != null && !label.equals(dev.name())) {
            throw IpCommand.error("unsupported label (only the device name)", label);
        }
        int effLen = plen < 0 ? 32 : plen;
        if (brd != null && !brd.equals("+")) {
            int expect = effLen >= 31 ? 0 : (addr | ~InetAddr.mask(effLen));
            if (address(brd, brd) != expect) {
                throw IpCommand.error("unsupported broadcast (only the subnet's, \"brd +\")", brd);
            }
        }
        if (scope != null) {
            String expect = scope(InetAddr.isLoopback(addr) ? InIfaddr.RT_SCOPE_HOST : InIfaddr.RT_SCOPE_UNIVERSE);
            if (!scope.equals(expect) && !(scope.equals("universe") && expect.equals("global"))) {
                throw IpCommand.error("unsupported scope (this address gets \"" + expect + "\")", scope);
            }
        }
        InIfaddr existing = find(net.ipv4(), dev, addr, op == Op.DEL ? plen : -1);
        Ipv4 ipv4 = net.ipv4();
        switch (op) {
            case ADD -> {
                if (existing != null) {
                    throw IpCommand.error("address already assigned (File exists):", local);
                }
                return () -> {
                    ipv4.addAddress(dev, addr, plen);
                    return "";
                };
            }
            case REPLACE -> {
                return () -> {
                    if (existing == null) {
                        ipv4.addAddress(dev, addr, plen);
                    } else if (existing.prefixLen() != plen) {
                        ipv4.delAddress(dev, addr, existing.prefixLen());
                        ipv4.addAddress(dev, addr, plen);
                    }
                    return "";
                };
            }
            default -> {
                if (existing == null) {
                    throw IpCommand.error("address not assigned (Cannot assign requested address):", local);
                }
                return () -> {
                    ipv4.delAddress(dev, addr, existing.prefixLen());
                    return "";
                };
            }
        }
    }

    private static InIfaddr find(Ipv4 ipv4, NetDevice dev, int addr, int plen) {
        InIfaddr found = null;
        for (InIfaddr a : ipv4.addresses(dev)) {
            if (a.address() == addr && (plen < 0 || a.prefixLen() == plen)) {
                found = a;
            }
        }
        return found;
    }

    private static int address(String text, String word) {
        try {
            return InetAddr.parse(text);
        } catch (IllegalArgumentException e) {
            throw IpCommand.error("invalid address", word);
        }
    }

    private static int prefix(String text, String word) {
        if (text.isEmpty() || text.length() > 2 || !text.chars().allMatch(Character::isDigit)) {
            throw IpCommand.error("invalid prefix", word);
        }
        int p = Integer.parseInt(text);
        if (p > 32) {
            throw IpCommand.error("invalid prefix", word);
        }
        return p;
    }

    private static String once(String previous, String key, Args args) {
        if (previous != null) {
            throw IpCommand.error("duplicate argument", key);
        }
        return args.value(key);
    }
}
