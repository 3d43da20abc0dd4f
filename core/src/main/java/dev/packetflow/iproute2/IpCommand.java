package dev.packetflow.iproute2;

import dev.packetflow.net.NetStack;
import java.util.List;

/**
 * The {@code ip} command of iproute2, run against one stack: {@code ip link}, {@code ip addr},
 * {@code ip route} and {@code ip neigh}, with iproute2's syntax, abbreviations and output layout.
 *
 * <p>A command runs in two phases. The parser reads every word and checks it against the stack
 * (devices exist, values are in range, names are free) and returns an {@link Action}; only then is
 * the action applied. So a bad command is rejected whole, with an {@link IllegalArgumentException}
 * whose message names the offending word, and changes nothing: where Linux's {@code ip link set}
 * may apply half of its settings before failing, this one applies none. {@code ip} commands are
 * serialised with each other (not with direct calls to the Java API).
 *
 * <p>Linux: iproute2 {@code ip/ip.c}, {@code ip/iplink.c}, {@code ip/ipaddress.c}, {@code ip/iproute.c},
 * {@code ip/ipneigh.c}.
 */
public final class IpCommand {
    /** Objects in iproute2's order, which decides what an abbreviation means ({@code ip r} is route). */
    private static final String[] OBJECTS = {
        "address", "addrlabel", "maddress", "route", "rule", "neighbor", "neighbour", "ntable", "ntbl", "link",
        "l2tp", "fou", "ila", "macsec", "tunnel", "tunl", "tuntap", "tap", "token", "tcpmetrics", "tcp_metrics",
        "monitor", "xfrm", "mroute", "mrule", "netns", "netconf", "vrf", "sr", "nexthop", "mptcp", "ioam",
        "help", "stats",
    };

    /**
     * Serialises commands so that what one validated is still true when it applies. A lock of its
     * own rather than the stack's monitor: applying takes the device registry's and the address
     * table's locks, whose listeners may call back into the stack.
     */
    private static final Object LOCK = new Object();

    private IpCommand() {}

    /** A parsed and validated command; applying it changes the stack and returns what {@code ip} prints. */
    @FunctionalInterface
    interface Action {
        String apply();
    }

    /** Address families, as {@code -4}, {@code -6}, {@code -0} or {@code -f} select them. */
    enum Family {
        ANY, INET, INET6, LINK
    }

    /** The global options that come before the object. */
    record Options(int stats, Family family) {}

    /**
     * Runs {@code command} ("ip link set eth0 up") against {@code net} and returns its output
     * (empty for commands that print nothing). Throws {@link IllegalArgumentException} naming the
     * offending word when the command is bad; then nothing has changed.
     */
    public static String exec(NetStack net, String command) {
        List<String> words = List.of(command.trim().split("\\s+"));
        if (words.getFirst().isEmpty()) {
            throw new IllegalArgumentException("ip: empty command");
        }
        if (!words.getFirst().equals("ip")) {
            throw error("unknown command", words.getFirst());
        }
        Args args = new Args(words, 1);
        Options opts = options(args);
        synchronized (LOCK) {
            return parse(net, args, opts).apply();
        }
    }

    private static Options options(Args args) {
        int stats = 0;
        Family family = Family.ANY;
        while (args.hasNext() && args.peek().startsWith("-")) {
            String o = args.next();
            String opt = o.startsWith("--") ? o.substring(1) : o;
            if (opt.equals("-4")) {
                family = Family.INET;
            } else if (opt.equals("-6")) {
                family = Family.INET6;
            } else if (opt.equals("-0")) {
                family = Family.LINK;
            } else if (Args.matches(opt, "-stats") || Args.matches(opt, "-statistics")) {
                stats++;
            } else if (Args.matches(opt, "-family")) {
                String f = args.value(o);
                family = switch (f) {
                    case "inet" -> Family.INET;
                    case "inet6" -> Family.INET6;
                    case "link" -> Family.LINK;
                    default -> throw error("unknown family", f);
                };
            } else {
                throw error("unknown option", o);
            }
        }
        return new Options(stats, family);
    }

    private static Action parse(NetStack net, Args args, Options opts) {
        if (!args.hasNext()) {
            throw new IllegalArgumentException("ip: missing object (link, address, route, neigh)");
        }
        String word = args.next();
        String object = Args.keyword(word, OBJECTS);
        if (object == null) {
            throw error("unknown command", word);
        }
        return switch (object) {
            case "link" -> IpLink.parse(net, args, opts);
            case "address" -> IpAddr.parse(net, args, opts);
            case "route" -> IpRoute.parse(net, args, opts);
            case "neighbor", "neighbour" -> IpNeigh.parse(net, args, opts);
            default -> throw new IllegalArgumentException("ip: \"" + object + "\" is not supported");
        };
    }

    /** {@code ip: WHAT "WORD"}: the form of every rejection, naming the word at fault. */
    static IllegalArgumentException error(String what, String word) {
        return new IllegalArgumentException("ip: " + what + " \"" + word + "\"");
    }

    /** A rejection for a feature whose subsystem is not there yet. */
    static IllegalArgumentException notYet(String command) {
        return new IllegalArgumentException("ip: \"" + command + "\" is not available yet");
    }
}
