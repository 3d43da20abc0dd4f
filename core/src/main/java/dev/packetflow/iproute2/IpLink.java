package dev.packetflow.iproute2;

import dev.packetflow.iproute2.IpCommand.Action;
import dev.packetflow.iproute2.IpCommand.Options;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.LinkStats64;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.NetDeviceRegistry;
import dev.packetflow.net.ethernet.Eth;

/**
 * {@code ip link}: shows devices the way iproute2 prints them and changes their settings
 * ({@code ip link set DEV up|down|mtu N|address MAC|name NEW|txqueuelen N|carrier on|off}).
 *
 * <pre>
 * 2: eth0: &lt;BROADCAST,MULTICAST,UP,LOWER_UP&gt; mtu 1500 qdisc pfifo_fast state UP mode DEFAULT group default qlen 1000
 *     link/ether 02:00:00:00:00:0a brd ff:ff:ff:ff:ff:ff
 *     RX:  bytes packets errors dropped  missed   mcast
 *           1234      10      0       0       0       0
 *     TX:  bytes packets errors dropped carrier collsns
 *           5678      12      0       0       0       0
 * </pre>
 *
 * <p>Linux: iproute2 {@code ip/iplink.c} (parsing) and {@code ip/ipaddress.c print_linkinfo()}
 * (output, the 6.x layout whose statistics columns widen to fit their numbers); the kernel side is
 * {@code net/core/rtnetlink.c do_setlink()}.
 */
public final class IpLink {
    // IFF_* flags NetDevice has no constant for (include/uapi/linux/if.h); iproute2 prints them too.
    private static final int IFF_DEBUG = 0x4;
    private static final int IFF_NOTRAILERS = 0x20;
    private static final int IFF_ALLMULTI = 0x200;
    private static final int IFF_MASTER = 0x400;
    private static final int IFF_SLAVE = 0x800;
    private static final int IFF_PORTSEL = 0x2000;
    private static final int IFF_AUTOMEDIA = 0x4000;
    private static final int IFF_DYNAMIC = 0x8000;
    private static final int IFF_DORMANT = 0x20000;
    private static final int IFF_ECHO = 0x40000;
    /** ARPHRD_NONE: a device without link-layer header (TUN). */
    private static final int ARPHRD_NONE = 0xfffe;
    /** Linux: {@code IFNAMSIZ}, including the terminating NUL. */
    static final int IFNAMSIZ = 16;

    /** Flag names in the order iproute2's {@code print_link_flags()} prints them. */
    private static final int[] FLAG_BITS = {
        NetDevice.IFF_LOOPBACK, NetDevice.IFF_BROADCAST, NetDevice.IFF_POINTOPOINT, NetDevice.IFF_MULTICAST,
        NetDevice.IFF_NOARP, IFF_ALLMULTI, NetDevice.IFF_PROMISC, IFF_MASTER, IFF_SLAVE, IFF_DEBUG, IFF_DYNAMIC,
        IFF_AUTOMEDIA, IFF_PORTSEL, IFF_NOTRAILERS, NetDevice.IFF_UP, NetDevice.IFF_LOWER_UP, IFF_DORMANT, IFF_ECHO,
    };
    private static final String[] FLAG_NAMES = {
        "LOOPBACK", "BROADCAST", "POINTOPOINT", "MULTICAST", "NOARP", "ALLMULTI", "PROMISC", "MASTER", "SLAVE",
        "DEBUG", "DYNAMIC", "AUTOMEDIA", "PORTSEL", "NOTRAILERS", "UP", "LOWER_UP", "DORMANT", "ECHO",
    };

    private IpLink() {}

    /** {@code ip link show} ({@code stats} false) or {@code ip -s link show} (true): every device. */
    public static String show(NetStack net, boolean stats) {
        return show(net, null, stats ? 1 : 0);
    }

    /**
     * {@code ip [-s [-s]] link show [DEV]}: {@code dev} or, if null, every device in ifindex order;
     * {@code statsLevel} 0 for none, 1 for {@code -s}, 2 for {@code -s -s} (error counters too).
     */
    public static String show(NetStack net, NetDevice dev, int statsLevel) {
        StringBuilder sb = new StringBuilder();
        for (NetDevice d : net.devices().all()) {
            if (dev == null || d == dev) {
                header(sb, d, true);
                linkLine(sb, d);
                if (statsLevel > 0) {
                    stats(sb, d.stats(), statsLevel);
                }
            }
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ output pieces

    /** The first line: index, name, flags, MTU, qdisc, state, (mode), group, qlen. */
    static void header(StringBuilder sb, NetDevice d, boolean withMode) {
        sb.append(d.ifindex()).append(": ").append(d.name()).append(": ").append(flags(d))
                .append(" mtu ").append(d.mtu())
                .append(" qdisc ").append(qdisc(d))
                .append(" state ").append(operState(d))
                .append(withMode ? " mode DEFAULT" : "")
                .append(" group default qlen ").append(d.txQueueLen()).append('\n');
    }

    /** The {@code link/ether MAC brd ff:ff:ff:ff:ff:ff} line. */
    static void linkLine(StringBuilder sb, NetDevice d) {
        switch (d.type()) {
            case NetDevice.ARPHRD_ETHER -> sb.append("    link/ether ").append(Eth.macToString(d.mac()))
                    .append(" brd ff:ff:ff:ff:ff:ff\n");
            case NetDevice.ARPHRD_LOOPBACK -> sb.append("    link/loopback ").append(Eth.macToString(d.mac()))
                    .append(" brd 00:00:00:00:00:00\n");
            case ARPHRD_NONE -> sb.append("    link/none \n");
            default -> sb.append("    link/[").append(d.type()).append("] \n");
        }
    }

    /**
     * The device's flags as iproute2 prints them, {@code <BROADCAST,MULTICAST,UP,LOWER_UP>}. Linux's
     * {@code ether_setup()} gives every Ethernet device BROADCAST and MULTICAST and the loopback
     * driver sets LOOPBACK; packetflow's drivers do not keep those flags, so they follow from the
     * device type here.
     */
    public static String flags(NetDevice d) {
        int f = d.flags();
        if (d.type() == NetDevice.ARPHRD_ETHER) {
            f |= NetDevice.IFF_BROADCAST | NetDevice.IFF_MULTICAST;
        } else if (d.type() == NetDevice.ARPHRD_LOOPBACK) {
            f |= NetDevice.IFF_LOOPBACK;
        }
        StringBuilder sb = new StringBuilder("<");
        if ((f & NetDevice.IFF_UP) != 0 && (f & NetDevice.IFF_RUNNING) == 0) {
            sb.append("NO-CARRIER");
        }
        for (int i = 0; i < FLAG_BITS.length; i++) {
            if ((f & FLAG_BITS[i]) != 0) {
                if (sb.length() > 1) {
                    sb.append(',');
                }
                sb.append(FLAG_NAMES[i]);
            }
        }
        return sb.append('>').toString();
    }

    /**
     * RFC 2863 operational state as Linux reports it: DOWN when administratively down or without
     * carrier, UP when running; the loopback driver never reports one, so lo shows UNKNOWN.
     */
    public static String operState(NetDevice d) {
        if (!d.isUp()) {
            return "DOWN";
        }
        if (d.type() == NetDevice.ARPHRD_LOOPBACK) {
            return "UNKNOWN";
        }
        return d.carrierOk() ? "UP" : "DOWN";
    }

    /** A device that is down has its queues deactivated: Linux shows {@code noop} for it. */
    private static String qdisc(NetDevice d) {
        return d.isUp() && d.qdisc() != null ? d.qdisc().kind() : "noop";
    }

    /**
     * The statistics block of {@code ip -s link}: RX and TX lines, and with {@code level} 2 the error
     * lines. Column widths start at iproute2's and grow to the widest number (its
     * {@code size_columns()}); numbers are right-aligned, each followed by a space.
     */
    static void stats(StringBuilder sb, LinkStats64 s, int level) {
        long[] rx = {
            s.get(LinkStats64.RX_BYTES), s.get(LinkStats64.RX_PACKETS), s.get(LinkStats64.RX_ERRORS),
            s.get(LinkStats64.RX_DROPPED), s.get(LinkStats64.RX_MISSED_ERRORS), s.get(LinkStats64.MULTICAST),
            s.get(LinkStats64.RX_COMPRESSED),
        };
        long[] rxErr = {
            0, s.get(LinkStats64.RX_LENGTH_ERRORS), s.get(LinkStats64.RX_CRC_ERRORS),
            s.get(LinkStats64.RX_FRAME_ERRORS), s.get(LinkStats64.RX_FIFO_ERRORS), s.get(LinkStats64.RX_OVER_ERRORS),
            s.get(LinkStats64.RX_NOHANDLER),
        };
        long[] tx = {
            s.get(LinkStats64.TX_BYTES), s.get(LinkStats64.TX_PACKETS), s.get(LinkStats64.TX_ERRORS),
            s.get(LinkStats64.TX_DROPPED), s.get(LinkStats64.TX_CARRIER_ERRORS), s.get(LinkStats64.COLLISIONS),
            s.get(LinkStats64.TX_COMPRESSED),
        };
        long[] txErr = {
            0, s.get(LinkStats64.TX_ABORTED_ERRORS), s.get(LinkStats64.TX_FIFO_ERRORS),
            s.get(LinkStats64.TX_WINDOW_ERRORS), s.get(LinkStats64.TX_HEARTBEAT_ERRORS), 0, 0,
        };
        // Initial widths: "*X errors:", "packets", "errors", "dropped", "heartbt", "overrun", "compressed".
        int[] cols = {10, 7, 6, 7, 7, 7, 10};
        size(cols, rx);
        if (level > 1) {
            size(cols, rxErr);
        }
        size(cols, tx);
        if (level > 1) {
            size(cols, txErr);
        }
        boolean rxComp = rx[6] != 0;
        boolean txComp = tx[6] != 0;
        sb.append("    RX: ").append(right(cols[0] - 4, "bytes"));
        headers(sb, cols, 1, "packets", "errors", "dropped", "missed", "mcast", rxComp ? "compressed" : "");
        sb.append("\n    ");
        numbers(sb, cols, rx, 0, rxComp ? 7 : 6);
        sb.append('\n');
        if (level > 1) {
            boolean noh = rxErr[6] != 0;
            sb.append("    RX errors:").append(right(cols[0] - 10, ""));
            headers(sb, cols, 1, "length", "crc", "frame", "fifo", "overrun");
            if (noh) {
                sb.append(' ').append(right(cols[6], "nohandler"));
            }
            sb.append('\n').append(" ".repeat(cols[0] + 5));
            numbers(sb, cols, rxErr, 1, noh ? 7 : 6);
            sb.append('\n');
        }
        sb.append("    TX: ").append(right(cols[0] - 4, "bytes"));
        headers(sb, cols, 1, "packets", "errors", "dropped", "carrier", "collsns", txComp ? "compressed" : "");
        sb.append("\n    ");
        numbers(sb, cols, tx, 0, txComp ? 7 : 6);
        sb.append('\n');
        if (level > 1) {
            // iproute2 adds "transns" (carrier changes) here; packetflow keeps no such counter.
            sb.append("    TX errors:").append(right(cols[0] - 10, ""));
            headers(sb, cols, 1, "aborted", "fifo", "window", "heartbt");
            sb.append('\n').append(" ".repeat(cols[0] + 5));
            numbers(sb, cols, txErr, 1, 5);
            sb.append('\n');
        }
    }

    private static void size(int[] cols, long[] vals) {
        for (int i = 0; i < cols.length; i++) {
            cols[i] = Math.max(cols[i], Long.toUnsignedString(vals[i]).length());
        }
    }

    private static void headers(StringBuilder sb, int[] cols, int first, String... names) {
        for (int i = 0; i < names.length; i++) {
            sb.append(' ').append(right(cols[first + i], names[i]));
        }
    }

    private static void numbers(StringBuilder sb, int[] cols, long[] vals, int from, int to) {
        for (int i = from; i < to; i++) {
            sb.append(right(cols[i], Long.toUnsignedString(vals[i]))).append(' ');
        }
    }

    private static String right(int width, String s) {
        return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
    }

    // ------------------------------------------------------------------ parsing

    static Action parse(NetStack net, Args args, Options opts) {
        if (!args.hasNext()) {
            return parseShow(net, args, opts);
        }
        String word = args.next();
        String cmd = Args.keyword(word, "add", "set", "change", "replace", "delete", "show", "lst", "list");
        if (cmd == null) {
            throw IpCommand.error("unknown link command", word);
        }
        return switch (cmd) {
            case "set", "change" -> parseSet(net, args);
            case "show", "lst", "list" -> parseShow(net, args, opts);
            default -> throw new IllegalArgumentException(
                    "ip: \"link " + cmd + "\" is not supported: devices are created and removed by their drivers");
        };
    }

    /** {@code ip link show [[dev] DEV] [up]}. */
    private static Action parseShow(NetStack net, Args args, Options opts) {
        NetDevice dev = null;
        boolean upOnly = false;
        while (args.hasNext()) {
            String w = args.next();
            if (w.equals("dev")) {
                dev = device(net, args.value(w));
            } else if (w.equals("up")) {
                upOnly = true;
            } else if (dev == null) {
                dev = device(net, w);
            } else {
                throw IpCommand.error("unknown argument", w);
            }
        }
        NetDevice only = dev;
        boolean up = upOnly;
        int level = opts.stats();
        return () -> {
            StringBuilder sb = new StringBuilder();
            for (NetDevice d : net.devices().all()) {
                if ((only == null || d == only) && (!up || d.isUp())) {
                    sb.append(show(net, d, level));
                }
            }
            return sb.toString();
        };
    }

    /**
     * {@code ip link set [dev] DEV [up|down] [mtu N] [address MAC] [name NEW] [txqueuelen N]
     * [carrier on|off]}: every setting is checked before any is applied.
     */
    private static Action parseSet(NetStack net, Args args) {
        String devName = null;
        Boolean up = null;
        String mtuWord = null;
        String macWord = null;
        String newName = null;
        String qlenWord = null;
        Boolean carrier = null;
        while (args.hasNext()) {
            String w = args.next();
            if (w.equals("up") || w.equals("down")) {
                up = w.equals("up");
            } else if (w.equals("mtu")) {
                mtuWord = once(mtuWord, w, args);
            } else if (w.equals("name")) {
                newName = once(newName, w, args);
            } else if (Args.matches(w, "address")) {
                macWord = once(macWord, w, args);
            } else if (Args.matches(w, "txqueuelen") || w.equals("qlen") || Args.matches(w, "txqlen")) {
                qlenWord = once(qlenWord, w, args);
            } else if (w.equals("carrier")) {
                String v = args.value(w);
                if (!v.equals("on") && !v.equals("off")) {
                    throw IpCommand.error("carrier must be on or off, not", v);
                }
                carrier = v.equals("on");
            } else if (w.equals("dev")) {
                devName = once(devName, w, args);
            } else if (devName == null) {
                devName = w;
            } else {
                throw IpCommand.error("unknown argument", w);
            }
        }
        if (devName == null) {
            throw new IllegalArgumentException("ip: link set needs a device (ip link set DEV ...)");
        }
        NetDevice dev = device(net, devName);
        Integer mtu = null;
        if (mtuWord != null) {
            mtu = number(mtuWord, "invalid mtu");
            if (mtu < dev.minMtu() || mtu > dev.maxMtu()) {
                throw new IllegalArgumentException("ip: invalid mtu \"" + mtuWord + "\" for " + dev.name() + " (range "
                        + dev.minMtu() + ".." + dev.maxMtu() + ")");
            }
        }
        Long mac = macWord == null ? null : unicastMac(macWord);
        Integer qlen = qlenWord == null ? null : number(qlenWord, "invalid txqueuelen");
        if (newName != null && !newName.equals(dev.name())) {
            checkName(newName);
            if (net.device(newName) != null) {
                throw IpCommand.error("device already exists:", newName);
            }
            if (dev.isUp()) {
                // Linux: dev_change_name() returns -EBUSY for a running device.
                throw new IllegalArgumentException("ip: cannot rename \"" + dev.name() + "\" to \"" + newName
                        + "\" while it is up (Device or resource busy)");
            }
        }
        String name = newName;
        Integer m = mtu;
        Integer q = qlen;
        Boolean c = carrier;
        Boolean u = up;
        return () -> {
            NetDeviceRegistry reg = net.devices();
            if (name != null && !name.equals(dev.name())) {
                reg.rename(dev, name);
            }
            if (mac != null) {
                dev.setMac(mac);
            }
            if (m != null) {
                reg.setMtu(dev, m);
            }
            if (q != null) {
                dev.setTxQueueLen(q);
            }
            if (c != null) {
                dev.setCarrier(c);
            }
            if (u != null) {
                if (u) {
                    reg.open(dev);
                } else {
                    reg.close(dev);
                }
            }
            return "";
        };
    }

    private static String once(String previous, String key, Args args) {
        if (previous != null) {
            throw IpCommand.error("duplicate argument", key);
        }
        return args.value(key);
    }

    /** The device called {@code name}, or the rejection iproute2 gives for a missing one. */
    static NetDevice device(NetStack net, String name) {
        NetDevice d = net.device(name);
        if (d == null) {
            throw IpCommand.error("no such device", name);
        }
        return d;
    }

    private static int number(String word, String what) {
        try {
            int v = Integer.parseInt(word);
            if (v < 0) {
                throw IpCommand.error(what, word);
            }
            return v;
        } catch (NumberFormatException e) {
            throw IpCommand.error(what, word);
        }
    }

    /** Parses a MAC the way the kernel accepts it: {@code is_valid_ether_addr()}, unicast and not zero. */
    private static long unicastMac(String word) {
        long mac;
        try {
            String[] parts = word.split(":", -1);
            if (parts.length != 6) {
                throw IpCommand.error("invalid address", word);
            }
            mac = 0;
            for (String p : parts) {
                if (p.isEmpty() || p.length() > 2) {
                    throw IpCommand.error("invalid address", word);
                }
                mac = (mac << 8) | Integer.parseInt(p, 16);
            }
        } catch (NumberFormatException e) {
            throw IpCommand.error("invalid address", word);
        }
        if (mac == 0 || (mac & 0x0100_0000_0000L) != 0) {
            throw IpCommand.error("address is not a unicast MAC (Cannot assign requested address):", word);
        }
        return mac;
    }

    /** Linux: {@code dev_valid_name()}. */
    private static void checkName(String name) {
        if (name.isEmpty() || name.length() >= IFNAMSIZ || name.equals(".") || name.equals("..")) {
            throw IpCommand.error("invalid name", name);
        }
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (ch == '/' || ch == ':' || Character.isWhitespace(ch)) {
                throw IpCommand.error("invalid name", name);
            }
        }
    }
}
