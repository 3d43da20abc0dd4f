package dev.packetflow.drill;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The part of packetdrill's Python code blocks ({@code %{ ... }%}, GRAMMAR.md 5) this runner
 * evaluates itself, without Python: {@code assert EXPR[, message]} lines over the {@code tcpi_*}
 * variables of a {@code TCP_INFO} snapshot and the constants ({@code TCP_ESTABLISHED},
 * {@code TCP_CA_Open}, {@code TCPI_OPT_SACK}, ...). Expressions: integers, names, parentheses,
 * {@code + - * / // %}, {@code & |}, comparisons (chained, as in Python: {@code 1 <= x < 5}),
 * {@code not and or}. {@code print(...)} lines are ignored. Anything else is reported as
 * unsupported when the script is checked, before it runs.
 */
final class CodeBlock {
    /** One assertion: its expression text and parsed form. */
    record Assertion(String text, Node expr) {}

    /** Thrown for code this evaluator does not understand. */
    static final class Unsupported extends Exception {
        private static final long serialVersionUID = 1L;

        Unsupported(String msg) {
            super(msg);
        }
    }

    sealed interface Node {}

    record Num(BigDecimal v) implements Node {}

    record Var(String name) implements Node {}

    record Unary(String op, Node a) implements Node {}

    record Binary(String op, Node a, Node b) implements Node {}

    /** {@code a op1 b op2 c}: each adjacent pair compared, all must hold. */
    record Chain(List<String> ops, List<Node> operands) implements Node {}

    private CodeBlock() {}

    /** The assertions of a block; throws {@link Unsupported} for any other statement. */
    static List<Assertion> parse(String code) throws Unsupported {
        List<Assertion> out = new ArrayList<>();
        for (String raw : code.split("\n")) {
            String line = stripComment(raw).strip();
            if (line.isEmpty() || line.startsWith("print(") || line.startsWith("print ")) {
                continue;
            }
            if (!line.startsWith("assert ")) {
                throw new Unsupported("unsupported Python statement: " + line + " (only 'assert EXPR' is evaluated)");
            }
            String body = line.substring("assert ".length()).strip();
            String expr = topLevelBeforeComma(body);
            out.add(new Assertion(expr, new ExprParser(expr).parseAll()));
        }
        return out;
    }

    /** Evaluates {@code a} with {@code vars}; returns null if it holds, else why not. */
    static String check(Assertion a, Map<String, Long> vars) throws Unsupported {
        BigDecimal v = eval(a.expr(), vars);
        return v.signum() != 0 ? null : "assertion failed: " + a.text() + describeVars(a.expr(), vars);
    }

    private static String describeVars(Node n, Map<String, Long> vars) {
        List<String> names = new ArrayList<>();
        collect(n, names);
        StringBuilder sb = new StringBuilder();
        for (String s : names) {
            if (vars.containsKey(s)) {
                sb.append(sb.isEmpty() ? " (" : ", ").append(s).append('=').append(vars.get(s));
            }
        }
        return sb.isEmpty() ? "" : sb.append(')').toString();
    }

    private static void collect(Node n, List<String> names) {
        switch (n) {
            case Var v -> {
                if (!names.contains(v.name())) {
                    names.add(v.name());
                }
            }
            case Unary u -> collect(u.a(), names);
            case Binary b -> {
                collect(b.a(), names);
                collect(b.b(), names);
            }
            case Chain c -> c.operands().forEach(o -> collect(o, names));
            case Num x -> {
            }
        }
    }

    private static BigDecimal eval(Node n, Map<String, Long> vars) throws Unsupported {
        switch (n) {
            case Num x -> {
                return x.v();
            }
            case Var v -> {
                Long x = vars.get(v.name());
                if (x == null) {
                    x = Symbols.value(v.name());
                }
                if (x == null) {
                    if (v.name().equals("True")) {
                        return BigDecimal.ONE;
                    }
                    if (v.name().equals("False")) {
                        return BigDecimal.ZERO;
                    }
                    throw new Unsupported("unknown variable " + v.name() + " (TCP_INFO gives tcpi_* fields)");
                }
                return x < 0 && v.name().startsWith("tcpi_") ? new BigDecimal(Long.toUnsignedString(x)) : BigDecimal.valueOf(x);
            }
            case Unary u -> {
                BigDecimal a = eval(u.a(), vars);
                return u.op().equals("-") ? a.negate() : a.signum() == 0 ? BigDecimal.ONE : BigDecimal.ZERO;
            }
            case Binary b -> {
                if (b.op().equals("and")) {
                    BigDecimal a = eval(b.a(), vars);
                    return a.signum() == 0 ? a : eval(b.b(), vars);
                }
                if (b.op().equals("or")) {
                    BigDecimal a = eval(b.a(), vars);
                    return a.signum() != 0 ? a : eval(b.b(), vars);
                }
                BigDecimal a = eval(b.a(), vars);
                BigDecimal c = eval(b.b(), vars);
                return switch (b.op()) {
                    case "+" -> a.add(c);
                    case "-" -> a.subtract(c);
                    case "*" -> a.multiply(c);
                    case "/" -> {
                        if (c.signum() == 0) {
                            throw new Unsupported("division by zero");
                        }
                        yield a.divide(c, MathContext.DECIMAL64);
                    }
                    case "//" -> {
                        if (c.signum() == 0) {
                            throw new Unsupported("division by zero");
                        }
                        yield new BigDecimal(a.divide(c, MathContext.DECIMAL64).setScale(0, java.math.RoundingMode.FLOOR).toBigInteger());
                    }
                    case "%" -> {
                        if (c.signum() == 0) {
                            throw new Unsupported("division by zero");
                        }
                        BigDecimal q = a.divide(c, MathContext.DECIMAL64).setScale(0, java.math.RoundingMode.FLOOR);
                        yield a.subtract(q.multiply(c));
                    }
                    case "&" -> new BigDecimal(a.toBigInteger().and(c.toBigInteger()));
                    case "|" -> new BigDecimal(a.toBigInteger().or(c.toBigInteger()));
                    default -> throw new Unsupported("operator " + b.op());
                };
            }
            case Chain c -> {
                BigDecimal left = eval(c.operands().getFirst(), vars);
                for (int i = 0; i < c.ops().size(); i++) {
                    BigDecimal right = eval(c.operands().get(i + 1), vars);
                    int k = left.compareTo(right);
                    boolean ok = switch (c.ops().get(i)) {
                        case "==" -> k == 0;
                        case "!=" -> k != 0;
                        case "<" -> k < 0;
                        case "<=" -> k <= 0;
                        case ">" -> k > 0;
                        default -> k >= 0;
                    };
                    if (!ok) {
                        return BigDecimal.ZERO;
                    }
                    left = right;
                }
                return BigDecimal.ONE;
            }
        }
    }

    private static String stripComment(String s) {
        boolean q = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\'') {
                q = !q;
            } else if (c == '#' && !q) {
                return s.substring(0, i);
            }
        }
        return s;
    }

    /** The assertion's expression: the text before a top-level comma (the message after it is not needed). */
    private static String topLevelBeforeComma(String s) {
        int depth = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(' || c == '[') {
                depth++;
            } else if (c == ')' || c == ']') {
                depth--;
            } else if (c == ',' && depth == 0) {
                return s.substring(0, i).strip();
            }
        }
        return s;
    }

    /** Recursive descent over Python's precedence: or, and, not, comparison, |, &, + -, * / // %, unary. */
    private static final class ExprParser {
        private final String s;
        private int p;

        ExprParser(String s) {
            this.s = s;
        }

        Node parseAll() throws Unsupported {
            Node n = or();
            skip();
            if (p != s.length()) {
                throw new Unsupported("cannot evaluate '" + s + "' (stopped at '" + s.substring(p) + "')");
            }
            return n;
        }

        private void skip() {
            while (p < s.length() && Character.isWhitespace(s.charAt(p))) {
                p++;
            }
        }

        private boolean word(String w) {
            skip();
            if (s.startsWith(w, p) && (p + w.length() == s.length() || !Character.isLetterOrDigit(s.charAt(p + w.length()))
                    && s.charAt(p + w.length()) != '_')) {
                p += w.length();
                return true;
            }
            return false;
        }

        private boolean sym(String o) {
            skip();
            if (s.startsWith(o, p)) {
                p += o.length();
                return true;
            }
            return false;
        }

        private Node or() throws Unsupported {
            Node a = and();
            while (word("or")) {
                a = new Binary("or", a, and());
            }
            return a;
        }

        private Node and() throws Unsupported {
            Node a = not();
            while (word("and")) {
                a = new Binary("and", a, not());
            }
            return a;
        }

        private Node not() throws Unsupported {
            if (word("not")) {
                return new Unary("not", not());
            }
            return comparison();
        }

        private Node comparison() throws Unsupported {
            Node first = bitOr();
            List<String> ops = new ArrayList<>();
            List<Node> operands = new ArrayList<>();
            operands.add(first);
            for (;;) {
                String op = null;
                for (String o : new String[] {"==", "!=", "<=", ">=", "<", ">"}) {
                    if (sym(o)) {
                        op = o;
                        break;
                    }
                }
                if (op == null) {
                    break;
                }
                ops.add(op);
                operands.add(bitOr());
            }
            return ops.isEmpty() ? first : new Chain(ops, operands);
        }

        private Node bitOr() throws Unsupported {
            Node a = bitAnd();
            for (;;) {
                skip();
                if (p < s.length() && s.charAt(p) == '|') {
                    p++;
                    a = new Binary("|", a, bitAnd());
                } else {
                    return a;
                }
            }
        }

        private Node bitAnd() throws Unsupported {
            Node a = sum();
            for (;;) {
                skip();
                if (p < s.length() && s.charAt(p) == '&') {
                    p++;
                    a = new Binary("&", a, sum());
                } else {
                    return a;
                }
            }
        }

        private Node sum() throws Unsupported {
            Node a = product();
            for (;;) {
                if (sym("+")) {
                    a = new Binary("+", a, product());
                } else if (sym("-")) {
                    a = new Binary("-", a, product());
                } else {
                    return a;
                }
            }
        }

        private Node product() throws Unsupported {
            Node a = unary();
            for (;;) {
                if (sym("//")) {
                    a = new Binary("//", a, unary());
                } else if (sym("*")) {
                    a = new Binary("*", a, unary());
                } else if (sym("/")) {
                    a = new Binary("/", a, unary());
                } else if (sym("%")) {
                    a = new Binary("%", a, unary());
                } else {
                    return a;
                }
            }
        }

        private Node unary() throws Unsupported {
            if (sym("-")) {
                return new Unary("-", unary());
            }
            if (sym("+")) {
                return unary();
            }
            return atom();
        }

        private Node atom() throws Unsupported {
            skip();
            if (sym("(")) {
                Node n = or();
                if (!sym(")")) {
                    throw new Unsupported("missing ')' in '" + s + "'");
                }
                return n;
            }
            int start = p;
            if (p < s.length() && Character.isDigit(s.charAt(p))) {
                if (s.startsWith("0x", p) || s.startsWith("0X", p)) {
                    p += 2;
                    while (p < s.length() && Character.digit(s.charAt(p), 16) >= 0) {
                        p++;
                    }
                    return new Num(new BigDecimal(new java.math.BigInteger(s.substring(start + 2, p), 16)));
                }
                while (p < s.length() && (Character.isDigit(s.charAt(p)) || s.charAt(p) == '.' || s.charAt(p) == '_')) {
                    p++;
                }
                return new Num(new BigDecimal(s.substring(start, p).replace("_", "")));
            }
            while (p < s.length() && (Character.isLetterOrDigit(s.charAt(p)) || s.charAt(p) == '_')) {
                p++;
            }
            if (p == start) {
                throw new Unsupported("cannot evaluate '" + s + "' (at '" + s.substring(start) + "')");
            }
            skip();
            if (p < s.length() && (s.charAt(p) == '(' || s.charAt(p) == '[' || s.charAt(p) == '.')) {
                throw new Unsupported("unsupported Python in '" + s + "': calls, indexing and attributes are not evaluated");
            }
            return new Var(s.substring(start, p).strip());
        }
    }
}
