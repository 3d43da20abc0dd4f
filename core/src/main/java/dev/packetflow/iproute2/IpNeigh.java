package dev.packetflow.iproute2;

import dev.packetflow.iproute2.IpCommand.Action;
import dev.packetflow.iproute2.IpCommand.Options;
import dev.packetflow.net.NetStack;

/**
 * {@code ip neigh}: the neighbour (ARP) table's command. The table's API is not there yet, so
 * each subcommand is recognised (with iproute2's abbreviations) and rejected as not available.
 * Wiring one means replacing its method with a parser that validates every word and returns an
 * {@link Action} that cannot fail, like {@link IpAddr} does.
 *
 * <p>Linux: iproute2 {@code ip/ipneigh.c}.
 */
final class IpNeigh {
    private IpNeigh() {}

    static Action parse(NetStack net, Args args, Options opts) {
        if (!args.hasNext()) {
            return show(net, args, opts);
        }
        String word = args.next();
        String cmd = Args.keyword(word, "add", "change", "chg", "replace", "delete", "list", "show", "lst", "flush",
                "get");
        if (cmd == null) {
            throw IpCommand.error("unknown neigh command", word);
        }
        return switch (cmd) {
            case "add", "change", "chg", "replace" -> add(net, args, opts);
            case "delete" -> delete(net, args, opts);
            case "flush" -> flush(net, args, opts);
            case "get" -> get(net, args, opts);
            default -> show(net, args, opts);
        };
    }

    /** {@code ip neigh add|replace ADDR lladdr MAC dev DEV [nud permanent|reachable|stale]}. */
    static Action add(NetStack net, Args args, Options opts) {
        throw IpCommand.notYet("neigh add");
    }

    /** {@code ip neigh del ADDR dev DEV}. */
    static Action delete(NetStack net, Args args, Options opts) {
        throw IpCommand.notYet("neigh del");
    }

    /** {@code ip neigh [show] [dev DEV]}. */
    static Action show(NetStack net, Args args, Options opts) {
        throw IpCommand.notYet("neigh show");
    }

    /** {@code ip neigh flush dev DEV}. */
    static Action flush(NetStack net, Args args, Options opts) {
        throw IpCommand.notYet("neigh flush");
    }

    /** {@code ip neigh get ADDR dev DEV}. */
    static Action get(NetStack net, Args args, Options opts) {
        throw IpCommand.notYet("neigh get");
    }
}
