package dev.packetflow.drill;

import dev.packetflow.drill.Token.Kind;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Parses a whole packetdrill script (GRAMMAR.md sections 2 to 6) into a {@link Script}. The script
 * is parsed completely before anything runs, so a syntax error never leaves a half-run test.
 * Errors are {@link ScriptSyntaxException}s naming the line and column; constructs of the language
 * this runner does not implement (encapsulation prefixes, IPv6 ICMP types) are reported the same
 * way, as "unsupported".
 */
public final class Parser {
    private static final Pattern PORTS = Pattern.compile("\\d+\\s*>\\s*\\d+\\s");

    private final Lexer lx;
    private final String name;

    private Parser(String name, String source, Map<String, String> defines) {
        this.name = name;
        this.lx = new Lexer(source);
        defines.forEach(lx::define);
    }

    /** Parses {@code source}; {@code name} (a path) is only used in messages. */
    public static Script parse(String name, String source) {
        return parse(name, source, Map.of());
    }

    /** As {@link #parse(String, String)} with command-line defines ({@code -D SYM=value}). */
    public static Script parse(String name, String source, Map<String, String> defines) {
        return new Parser(name, source, defines).script();
    }

    private Script script() {
        List<String> options = new ArrayList<>();
        Map<String, String> defines = new LinkedHashMap<>();
        String init = null;
        int initLine = 0;
        String cleanup = null;
        List<Event> events = new ArrayList<>();
        long lastAbsolute = -1;
        for (;;) {
            Token t = lx.peek();
            if (t.is(Kind.EOF)) {
                break;
            }
            if (t.is(Kind.OPTION)) {
                lx.next();
                if (!events.isEmpty()) {
                    throw error(t, "option " + t.text() + " after the first event");
                }
                option(t, options, defines);
                continue;
            }
            if (t.is(Kind.SHELL)) {
                lx.next();
                if (events.isEmpty()) {
                    init = init == null ? t.text().strip() : init + "\n" + t.text().strip();
                    initLine = initLine == 0 ? t.line() : initLine;
                } else {
                    cleanup = cleanup == null ? t.text().strip() : cleanup + "\n" + t.text().strip();
                }
                continue;
            }
            if (cleanup != null) {
                throw error(t, "event after the cleanup command");
            }
            Event e = event();
            if (events.isEmpty() && (e.time().any() || e.time().startUs() != 0)) {
                throw error(t, "the first event must be at time 0");
            }
            if (!e.time().any() && !e.time().relative()) {
                if (e.time().startUs() < lastAbsolute) {
                    throw error(t, "absolute time " + EventTime.seconds(e.time().startUs()) + " goes backwards (previous "
                            + EventTime.seconds(lastAbsolute) + ")");
                }
                lastAbsolute = e.time().startUs();
            }
            events.add(e);
        }
        return new Script(name, options, defines, init, initLine, events, cleanup);
    }

    private void option(Token t, List<String> options, Map<String, String> defines) {
        String text = t.text();
        if (text.equals("--define") || text.startsWith("--define=")) {
            String def = text.equals("--define") ? lx.rawWord().text() : text.substring("--define=".length());
            int eq = def.indexOf('=');
            if (eq <= 0) {
                throw error(t, "--define needs SYMBOL=value");
            }
            defines.put(def.substring(0, eq), def.substring(eq + 1));
            lx.define(def.substring(0, eq), def.substring(eq + 1));
            return;
        }
        options.add(text);
    }

    // ================================================================ events

    private Event event() {
        Token first = lx.peek();
        EventTime time = time();
        Token t = lx.peek();
        Event e;
        if (t.isPunct('<') || t.isPunct('>')) {
            e = packet(first, time);
        } else if (t.is(Kind.SHELL)) {
            lx.next();
            e = new Event.Shell(first.line(), time, text(first), t.text().strip());
        } else if (t.is(Kind.CODE)) {
            lx.next();
            e = new Event.Code(first.line(), time, text(first), t.text());
        } else if (t.is(Kind.WORD)) {
            e = syscall(first, time);
        } else {
            throw error(t, "expected a system call, a packet, a shell command or a code block, found " + t.describe());
        }
        boolean outbound = e instanceof Event.Packet p && !p.inbound();
        if ((time.any() || time.end() == EventTime.End.RANGE) && !outbound) {
            throw error(first, "'*' and time ranges are only allowed on outbound packets");
        }
        if (time.blocking() && !(e instanceof Event.Syscall)) {
            throw error(first, "'...' end times are only allowed on system calls");
        }
        return e;
    }

    /** The event's source text on one line, from {@code first} to what was consumed last. */
    private String text(Token first) {
        return lx.source().substring(first.start(), Math.max(first.start(), lx.lastEnd())).replaceAll("\\s+", " ").strip();
    }

    private EventTime time() {
        Token t = lx.peek();
        if (t.isPunct('*')) {
            lx.next();
            return EventTime.ANY;
        }
        boolean rel = acceptPunct('+');
        long start = seconds();
        if (lx.peek().is(Kind.ELLIPSIS)) {
            lx.next();
            acceptPunct('+');
            return new EventTime(false, rel, start, EventTime.End.BLOCKING, seconds());
        }
        if (lx.peek().isPunct('~')) {
            lx.next();
            boolean rel2 = acceptPunct('+');
            if (rel2 != rel) {
                throw error(lx.peek(), "both ends of a time range must be relative, or both absolute");
            }
            long end = seconds();
            if (end < start) {
                throw error(t, "time range ends before it starts");
            }
            return new EventTime(false, rel, start, EventTime.End.RANGE, end);
        }
        return new EventTime(false, rel, start, EventTime.End.NONE, 0);
    }

    /** A time in seconds ({@code 0}, {@code .1}, {@code 1.000250}) as microseconds. */
    private long seconds() {
        Token t = lx.next();
        if (!t.is(Kind.INT) && !t.is(Kind.FLOAT)) {
            throw error(t, "expected a time in seconds, found " + t.describe());
        }
        BigDecimal s;
        try {
            s = new BigDecimal(t.text().startsWith(".") ? "0" + t.text() : t.text());
        } catch (NumberFormatException e) {
            // a hexadecimal integer is a number, but not a time
            throw error(t, "expected a time in decimal seconds, found " + t.text());
        }
        BigDecimal us = s.movePointRight(6);
        if (us.stripTrailingZeros().scale() > 0) {
            throw error(t, "time " + t.text() + " has more than microsecond precision");
        }
        if (us.compareTo(BigDecimal.valueOf(Long.MAX_VALUE / 1000)) > 0) {
            throw error(t, "time " + t.text() + " is too large");
        }
        return us.longValueExact();
    }

    // ================================================================ system calls

    private Event.Syscall syscall(Token first, EventTime time) {
        Token nameTok = lx.next();
        expectPunct('(');
        List<Expr> args = new ArrayList<>();
        if (!lx.peek().isPunct(')')) {
            do {
                args.add(expr());
            } while (acceptPunct(','));
        }
        expectPunct(')');
        expectPunct('=');
        Expr result = expr();
        String errno = null;
        String errnoText = null;
        String note = null;
        Token t = lx.peek();
        if (t.is(Kind.WORD) && t.text().matches("E[A-Z0-9]+")) {
            lx.next();
            errno = t.text();
            if (lx.peek().isPunct('(')) {
                errnoText = lx.rawParenText().text();
            }
        }
        if (lx.peek().isPunct('(')) {
            note = lx.rawParenText().text();
        }
        return new Event.Syscall(first.line(), time, text(first), nameTok.text(), args, result, errno, errnoText, note);
    }

    private Expr expr() {
        Expr e = unary();
        if (!lx.peek().isPunct('|')) {
            return e;
        }
        List<Expr> terms = new ArrayList<>();
        terms.add(e);
        while (acceptPunct('|')) {
            terms.add(unary());
        }
        return new Expr.Or(terms);
    }

    private Expr unary() {
        Token t = lx.next();
        switch (t.kind()) {
            case INT -> {
                return new Expr.Int(t.value());
            }
            case ELLIPSIS -> {
                return new Expr.Ellipsis();
            }
            case STRING -> {
                return new Expr.Str(t.text());
            }
            case IPV4 -> {
                return new Expr.Call("inet_addr", List.of(new Expr.Str(t.text())));
            }
            case WORD -> {
                if (lx.peek().isPunct('(')) {
                    return new Expr.Call(t.text(), callArgs());
                }
                return new Expr.Name(t.text());
            }
            case PUNCT -> {
                if (t.isPunct('-')) {
                    Token n = lx.next();
                    if (!n.is(Kind.INT)) {
                        throw error(n, "expected a number after '-'");
                    }
                    return new Expr.Int(-n.value());
                }
                if (t.isPunct('[')) {
                    List<Expr> items = new ArrayList<>();
                    if (!lx.peek().isPunct(']')) {
                        do {
                            items.add(expr());
                        } while (acceptPunct(','));
                    }
                    expectPunct(']');
                    return new Expr.Array(items);
                }
                if (t.isPunct('{')) {
                    return struct();
                }
            }
            default -> {
            }
        }
        throw error(t, "expected an argument, found " + t.describe());
    }

    private List<Expr> callArgs() {
        expectPunct('(');
        List<Expr> args = new ArrayList<>();
        if (!lx.peek().isPunct(')')) {
            do {
                args.add(expr());
            } while (acceptPunct(','));
        }
        expectPunct(')');
        return args;
    }

    private Expr.Struct struct() {
        List<Expr.Field> fields = new ArrayList<>();
        if (!lx.peek().isPunct('}')) {
            do {
                fields.add(field());
            } while (acceptPunct(','));
        }
        expectPunct('}');
        return new Expr.Struct(fields);
    }

    private Expr.Field field() {
        Token t = lx.peek();
        if (!t.is(Kind.WORD)) {
            return new Expr.Field(null, null, expr());
        }
        lx.next();
        if (acceptPunct('=')) {
            return new Expr.Field(t.text(), null, expr());
        }
        if (lx.peek().isPunct('(')) {
            List<Expr> args = callArgs();
            if (acceptPunct('=')) {
                return new Expr.Field(t.text(), args.isEmpty() ? null : args.getFirst(), expr());
            }
            return new Expr.Field(null, null, new Expr.Call(t.text(), args));
        }
        Expr e = new Expr.Name(t.text());
        if (lx.peek().isPunct('|')) {
            List<Expr> terms = new ArrayList<>();
            terms.add(e);
            while (acceptPunct('|')) {
                terms.add(unary());
            }
            e = new Expr.Or(terms);
        }
        return new Expr.Field(null, null, e);
    }

    // ================================================================ packets

    private Event.Packet packet(Token first, EventTime time) {
        boolean inbound = lx.next().isPunct('<');
        PacketSpec.IpInfo ip = PacketSpec.IpInfo.NONE;
        Token t = lx.peek();
        if (t.isPunct('[') || t.isPunct('(')) {
            ip = ipInfo();
            t = lx.peek();
        }
        PacketSpec spec;
        if (t.is(Kind.WORD) && (t.text().equals("ipv4") || t.text().equals("ipv6") || t.text().equals("gre")
                || t.text().equals("mpls") || t.text().equals("encap"))) {
            throw error(t, "unsupported: encapsulation prefix '" + t.text() + "' (GRAMMAR.md 6.4)");
        } else if (t.isWord("udp")) {
            lx.next();
            spec = udp();
        } else if (t.isWord("icmp")) {
            lx.next();
            spec = icmp();
        } else {
            spec = tcp();
        }
        return new Event.Packet(first.line(), time, text(first), inbound, ip, spec);
    }

    private PacketSpec.IpInfo ipInfo() {
        char close = lx.next().isPunct('[') ? ']' : ')';
        Integer ecn = null;
        boolean ect01 = false;
        Integer tos = null;
        Integer ttl = null;
        Integer flowlabel = null;
        while (!acceptPunct(close)) {
            Token w = lx.next();
            if (w.isPunct(',')) {
                continue;
            }
            if (!w.is(Kind.WORD)) {
                throw error(w, "expected ect0, ect1, ect01, ce, noecn, tos, ttl or flowlabel, found " + w.describe());
            }
            switch (w.text()) {
                case "noecn" -> ecn = 0;
                case "ect1" -> ecn = 1;
                case "ect0" -> ecn = 2;
                case "ce" -> ecn = 3;
                case "ect01" -> ect01 = true;
                case "tos" -> tos = (int) number(0, 255);
                case "ttl" -> ttl = (int) number(0, 255);
                case "flowlabel" -> flowlabel = (int) number(0, 0xfffff);
                default -> throw error(w, "unknown IP decoration '" + w.text() + "'");
            }
        }
        return new PacketSpec.IpInfo(ecn, ect01, tos, ttl, flowlabel);
    }

    private PacketSpec.Tcp tcp() {
        Integer sport = null;
        Integer dport = null;
        if (lx.lookingAt(PORTS)) {
            sport = (int) number(0, 65535);
            expectPunct('>');
            dport = (int) number(0, 65535);
        }
        Token ft = lx.rawWord();
        int flags = flags(ft);
        Token st = lx.peek();
        long seq = number(0, 0xffffffffL);
        expectPunct(':');
        long end = number(0, 0xffffffffL);
        expectPunct('(');
        long len = number(0, 0xffffffffL);
        expectPunct(')');
        if (((seq + len) & 0xffffffffL) != end) {
            throw error(st, "sequence " + seq + ":" + end + "(" + len + "): end must be start + length");
        }
        Long ack = null;
        Integer win = null;
        Integer urg = null;
        List<TcpOption> options = List.of();
        for (;;) {
            Token t = lx.peek();
            if (t.isWord("ack")) {
                lx.next();
                ack = number(0, 0xffffffffL);
            } else if (t.isWord("win")) {
                lx.next();
                win = (int) number(0, 65535);
            } else if (t.isWord("urg")) {
                lx.next();
                urg = (int) number(0, 65535);
            } else if (t.isPunct('<')) {
                lx.next();
                options = tcpOptions(t);
            } else {
                break;
            }
        }
        if (len > 65535) {
            throw error(st, "payload length " + len + " does not fit in an IPv4 packet");
        }
        return new PacketSpec.Tcp(sport, dport, flags, seq, (int) len, ack, win, urg, options);
    }

    /** Parses {@code S}, {@code S.}, {@code P.}, {@code FP.}, {@code SEW}, {@code .5}, {@code -}. */
    private int flags(Token t) {
        String s = t.text();
        if (s.isEmpty()) {
            throw error(t, "expected TCP flags");
        }
        if (s.equals("-")) {
            return 0;
        }
        int flags = 0;
        boolean ace = false;
        boolean letters = false;
        for (char c : s.toCharArray()) {
            int bit;
            switch (c) {
                case 'S' -> bit = PacketSpec.SYN;
                case 'F' -> bit = PacketSpec.FIN;
                case 'R' -> bit = PacketSpec.RST;
                case 'P' -> bit = PacketSpec.PSH;
                case '.' -> bit = PacketSpec.ACK;
                case 'U' -> bit = PacketSpec.URG;
                case 'E' -> {
                    bit = PacketSpec.ECE;
                    letters = true;
                }
                case 'W' -> {
                    bit = PacketSpec.CWR;
                    letters = true;
                }
                case 'A' -> {
                    bit = PacketSpec.AE;
                    letters = true;
                }
                default -> {
                    if (c < '0' || c > '7' || ace) {
                        throw error(t, "bad TCP flags '" + s + "' (letters S F R P . U E W A, or one ACE digit 0-7)");
                    }
                    ace = true;
                    int v = c - '0';
                    bit = ((v & 4) != 0 ? PacketSpec.AE : 0) | ((v & 2) != 0 ? PacketSpec.CWR : 0) | ((v & 1) != 0 ? PacketSpec.ECE : 0);
                }
            }
            if ((flags & bit) != 0 && bit != 0) {
                throw error(t, "flag repeated in '" + s + "'");
            }
            flags |= bit;
        }
        if (ace && letters) {
            throw error(t, "an ACE digit cannot be mixed with E, W or A in '" + s + "'");
        }
        return flags;
    }

    private List<TcpOption> tcpOptions(Token open) {
        if (lx.peek().is(Kind.ELLIPSIS)) {
            lx.next();
            expectPunct('>');
            return null;
        }
        List<TcpOption> opts = new ArrayList<>();
        do {
            opts.add(tcpOption());
        } while (acceptPunct(','));
        expectPunct('>');
        int n = TcpOptions.length(opts);
        if (n % 4 != 0) {
            throw error(open, "TCP options take " + n + " bytes, not a multiple of 4 (pad with nop)");
        }
        if (n > TcpOptions.MAX_LEN) {
            throw error(open, "TCP options take " + n + " bytes, more than " + TcpOptions.MAX_LEN);
        }
        return opts;
    }

    private TcpOption tcpOption() {
        Token t = lx.next();
        if (!t.is(Kind.WORD)) {
            throw error(t, "expected a TCP option, found " + t.describe());
        }
        switch (t.text()) {
            case "nop" -> {
                return new TcpOption.Nop();
            }
            case "eol" -> {
                return new TcpOption.Eol();
            }
            case "mss" -> {
                return new TcpOption.Mss((int) number(0, 65535));
            }
            case "wscale" -> {
                return new TcpOption.WScale((int) number(0, 255));
            }
            case "sackOK" -> {
                return new TcpOption.SackPermitted();
            }
            case "sack" -> {
                List<TcpOption.SackBlock> blocks = new ArrayList<>();
                while (lx.peek().is(Kind.INT)) {
                    long l = number(0, 0xffffffffL);
                    expectPunct(':');
                    blocks.add(new TcpOption.SackBlock(l, number(0, 0xffffffffL)));
                }
                if (blocks.isEmpty() || blocks.size() > 4) {
                    throw error(t, "sack needs 1 to 4 blocks left:right");
                }
                return new TcpOption.Sack(blocks);
            }
            case "TS" -> {
                expectWord("val");
                long val = number(0, 0xffffffffL);
                expectWord("ecr");
                return new TcpOption.Timestamp(val, number(0, 0xffffffffL));
            }
            case "FO", "FOEXP" -> {
                return new TcpOption.FastOpen(hexBytes(), t.text().equals("FOEXP"));
            }
            case "md5" -> {
                byte[] d = hexBytes();
                if (d.length != 16 && d.length != 0) {
                    throw error(t, "md5 digest must be 16 bytes of hex");
                }
                return new TcpOption.Md5(d.length == 0 ? new byte[16] : d);
            }
            case "ECN" -> {
                return accEcn(t);
            }
            default -> throw error(t, "unknown TCP option '" + t.text() + "'");
        }
    }

    /** An optional hex string (a Fast Open cookie) up to the next ',' or '>'. */
    private byte[] hexBytes() {
        Token p = lx.peek();
        if (p.isPunct(',') || p.isPunct('>')) {
            return new byte[0];
        }
        Token h = lx.rawWord();
        String s = h.text();
        String d = lx.defines().get(s);
        if (d != null) {
            s = d;
        }
        try {
            return HexFormat.of().parseHex(s);
        } catch (IllegalArgumentException e) {
            throw error(h, "bad hex bytes '" + h.text() + "'");
        }
    }

    private TcpOption accEcn(Token t) {
        List<String> names = new ArrayList<>();
        List<Long> values = new ArrayList<>();
        while (lx.peek().isWord("e0b") || lx.peek().isWord("e1b") || lx.peek().isWord("ceb")) {
            names.add(lx.next().text());
            values.add(number(0, 0xffffff));
        }
        if (names.isEmpty()) {
            throw error(t, "ECN option needs counters: e0b N [ceb N [e1b N]] or e1b N [ceb N [e0b N]]");
        }
        boolean order1 = names.getFirst().equals("e1b");
        List<String> expected = order1 ? List.of("e1b", "ceb", "e0b") : List.of("e0b", "ceb", "e1b");
        if (!names.equals(expected.subList(0, names.size()))) {
            throw error(t, "ECN counters must be in the order " + String.join(", ", expected));
        }
        return new TcpOption.AccEcn(order1, values);
    }

    private PacketSpec.Udp udp() {
        Integer sport = null;
        Integer dport = null;
        if (lx.peek().is(Kind.INT)) {
            sport = (int) number(0, 65535);
            expectPunct('>');
            dport = (int) number(0, 65535);
        }
        expectPunct('(');
        int len = (int) number(0, 65507);
        expectPunct(')');
        return new PacketSpec.Udp(sport, dport, len);
    }

    private PacketSpec.Icmp icmp() {
        Token tt = lx.next();
        if (!tt.is(Kind.WORD)) {
            throw error(tt, "expected an ICMP type, found " + tt.describe());
        }
        int type = IcmpNames.type(tt.text());
        if (type < 0) {
            throw error(tt, IcmpNames.isIcmpv6(tt.text()) ? "unsupported: ICMPv6 type '" + tt.text() + "' (IPv4 only)"
                    : "unknown ICMP type '" + tt.text() + "'");
        }
        int code = 0;
        Token ct = lx.peek();
        if (ct.is(Kind.WORD) && IcmpNames.code(type, ct.text()) >= 0) {
            lx.next();
            code = IcmpNames.code(type, ct.text());
        }
        Integer mtu = null;
        Integer id = null;
        PacketSpec.Echoed echoed = null;
        for (;;) {
            Token t = lx.peek();
            if (t.isWord("mtu")) {
                lx.next();
                mtu = (int) number(0, 65535);
            } else if (t.isWord("id")) {
                lx.next();
                id = (int) number(0, 65535);
            } else if (t.isPunct('[')) {
                lx.next();
                echoed = echoed();
            } else {
                break;
            }
        }
        return new PacketSpec.Icmp(type, code, mtu, id, echoed);
    }

    private PacketSpec.Echoed echoed() {
        Token t = lx.peek();
        PacketSpec.Echoed e;
        if (t.isWord("udp") || t.isWord("raw")) {
            lx.next();
            expectPunct('(');
            int len = (int) number(0, 65535);
            expectPunct(')');
            e = new PacketSpec.Echoed(t.text().equals("udp") ? 17 : 255, 0, len);
        } else {
            long seq = number(0, 0xffffffffL);
            expectPunct(':');
            long end = number(0, 0xffffffffL);
            expectPunct('(');
            long len = number(0, 65535);
            expectPunct(')');
            if (((seq + len) & 0xffffffffL) != end) {
                throw error(t, "sequence " + seq + ":" + end + "(" + len + "): end must be start + length");
            }
            e = new PacketSpec.Echoed(6, seq, (int) len);
        }
        expectPunct(']');
        return e;
    }

    // ================================================================ helpers

    private long number(long min, long max) {
        Token t = lx.next();
        long v;
        if (t.is(Kind.INT)) {
            v = t.value();
        } else if (t.isPunct('-') && lx.peek().is(Kind.INT)) {
            v = -lx.next().value();
        } else {
            throw error(t, "expected a number, found " + t.describe());
        }
        if (v < min || v > max) {
            throw error(t, "number " + v + " out of range " + min + ".." + max);
        }
        return v;
    }

    private boolean acceptPunct(char c) {
        if (lx.peek().isPunct(c)) {
            lx.next();
            return true;
        }
        return false;
    }

    private void expectPunct(char c) {
        Token t = lx.next();
        if (!t.isPunct(c)) {
            throw error(t, "expected '" + c + "', found " + t.describe());
        }
    }

    private void expectWord(String w) {
        Token t = lx.next();
        if (!t.isWord(w)) {
            throw error(t, "expected '" + w + "', found " + t.describe());
        }
    }

    private ScriptSyntaxException error(Token t, String msg) {
        return new ScriptSyntaxException(t.line(), t.col(), msg);
    }

    /** The script name given to {@link #parse}. */
    String name() {
        return name;
    }
}
