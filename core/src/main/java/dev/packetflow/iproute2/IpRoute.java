package dev.packetflow.iproute2;

import dev.packetflow.iproute2.IpCommand.Action;
import dev.packetflow.iproute2.IpCommand.Options;
import dev.packetflow.net.NetStack;

/**
 * {@code ip route}: the FIB's command. The FIB is not there yet, so each subcommand is recognised
 * (with iproute2's abbreviations) and rejected as not available. Wiring one means replacing its
 * method with a parser that validates every word against the stack and returns an {@link Action}
 * that cannot fail, like {@link IpAddr} does.
 *
 * <p>Linux: iproute2 {@code ip/iproute.c}.
 */
final class IpRoute {
    private IpRoute() {}

    static Action parse(NetStack net, Args args, Options opts) {
        if (!args.hasNext()) {
            return show(net, args, opts);
        }
        String word = args.next();
        String cmd = Args.keyword(word, "add", "change", "chg", "replace", "delete", "list", "show", "lst", "get",
                "flush");
        if (cmd == null) {
            throw IpCommand.error("unknown route command", word);
        }
        return switch (cmd) {
            case "add" -> add(net, args, opts);
            case "change", "chg", "replace" -> replace(net, args, opts);
            case "delete" -> delete(net, args, opts);
            case "get" -> get(net, args, opts);
            case "flush" -> flush(net, args, opts);
            default -> show(net, args, opts);
        };
    }

    /** {@code ip route add PREFIX [via GW] [dev DEV] [src ADDR] [metric N]}. */
    static Action add(NetStack net, Args args, Options opts) {
        throw IpCommand.notYet("route add");
    }

    /** {@code ip route replace|change ...}. */
    static Action replace(NetStack net, Args args, Options opts) {
        throw IpCommand.notYet("route replace");
    }

    /** {@code ip route del PREFIX [via GW] [dev DEV]}. */
    static Action delete(NetStack net, Args args, Options opts) {
        throw IpCommand.notYet("route del");
    }

    /** {@code ip route [show] [table main|local|all]}. */
    static Action show(NetStack net, Args args, Options opts) {
        throw IpCommand.notYet("route show");
    }

    /** {@code ip route get ADDR [from ADDR] [iif DEV]}: the route a packet would take. */
    static Action get(NetStack net, Args args, Options opts) {
        throw IpCommand.notYet("route get");
    }

    /** {@code ip route flush ...}. */
    static Action flush(NetStack net, Args args, Options opts) {
        throw IpCommand.notYet("route flush");
    }
}
