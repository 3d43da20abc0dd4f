package dev.packetflow.drill;

import dev.packetflow.drill.Token.Kind;
import java.util.HashMap;
import java.util.Map;

/**
 * Splits a packetdrill script into tokens, on demand (GRAMMAR.md section 2). The parser pulls
 * tokens one at a time because a few places of the language are not made of ordinary tokens: TCP
 * flags ({@code P.}, {@code .5}, {@code SEW}), the free text after an errno
 * ({@code (Operation now in progress)}) and Fast Open cookies; for those the parser reads the raw
 * characters ({@link #rawWord()}, {@link #rawParenText()}).
 *
 * <p>Comments ({@code //} to the end of the line, {@code /* ... *}{@code /}) and whitespace,
 * newlines included, separate tokens and are otherwise ignored. Words found in the defines table
 * ({@code --define SYM=value}) are replaced by the value's token.
 */
public final class Lexer {
    private final String src;
    private int pos;
    private int line = 1;
    private int lineStart;
    private Token peeked;
    private int lastEnd;
    private int peekedPos;
    private int peekedLine;
    private int peekedLineStart;
    private final Map<String, String> defines = new HashMap<>();

    public Lexer(String source) {
        this.src = source;
    }

    /** Adds a define: later occurrences of the word {@code symbol} read as {@code value}. */
    public void define(String symbol, String value) {
        defines.put(symbol, value);
    }

    public Map<String, String> defines() {
        return Map.copyOf(defines);
    }

    /** The next token, without consuming it. */
    public Token peek() {
        if (peeked == null) {
            int p = pos;
            int l = line;
            int ls = lineStart;
            peeked = scan();
            peekedPos = pos;
            peekedLine = line;
            peekedLineStart = lineStart;
            pos = p;
            line = l;
            lineStart = ls;
        }
        return peeked;
    }

    /** Consumes and returns the next token. */
    public Token next() {
        Token t = peek();
        peeked = null;
        pos = peekedPos;
        line = peekedLine;
        lineStart = peekedLineStart;
        lastEnd = t.end();
        return t;
    }

    /** The source text. */
    public String source() {
        return src;
    }

    /** Offset one past the last character consumed (by {@link #next()} or a raw read). */
    public int lastEnd() {
        return lastEnd;
    }

    /**
     * Whether the text from the next non-blank character on matches {@code p} (anchored there);
     * consumes nothing.
     */
    public boolean lookingAt(java.util.regex.Pattern p) {
        int start = peek().start();
        java.util.regex.Matcher m = p.matcher(src);
        m.region(start, src.length());
        return m.lookingAt();
    }

    /**
     * Reads the raw characters from the next non-blank character up to whitespace, a comma or
     * {@code >} (a TCP flags field such as {@code P.}, {@code .5} or {@code -}; a cookie). Returns
     * the text and its token position.
     */
    public Token rawWord() {
        peeked = null;
        skipBlanks();
        int start = pos;
        int col = pos - lineStart + 1;
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (Character.isWhitespace(c) || c == ',' || c == '>') {
                break;
            }
            pos++;
        }
        lastEnd = pos;
        return new Token(Kind.WORD, src.substring(start, pos), 0, line, col, start, pos);
    }

    /**
     * Reads {@code ( free text )} with nested parentheses, as written after an errno name; returns
     * the text between the outer parentheses. The next token must be {@code (}.
     */
    public Token rawParenText() {
        peeked = null;
        skipBlanks();
        int start = pos;
        int col = pos - lineStart + 1;
        int startLine = line;
        if (pos >= src.length() || src.charAt(pos) != '(') {
            throw new ScriptSyntaxException(line, col, "expected '(' and a description");
        }
        int depth = 0;
        while (pos < src.length()) {
            char c = src.charAt(pos++);
            if (c == '\n') {
                newline();
            } else if (c == '(') {
                depth++;
            } else if (c == ')' && --depth == 0) {
                lastEnd = pos;
                return new Token(Kind.STRING, src.substring(start + 1, pos - 1), 0, startLine, col, start, pos);
            }
        }
        throw new ScriptSyntaxException(startLine, col, "unterminated '('");
    }

    private void newline() {
        line++;
        lineStart = pos;
    }

    private void skipBlanks() {
        for (;;) {
            if (pos >= src.length()) {
                return;
            }
            char c = src.charAt(pos);
            if (c == '\n') {
                pos++;
                newline();
            } else if (Character.isWhitespace(c)) {
                pos++;
            } else if (c == '/' && pos + 1 < src.length() && src.charAt(pos + 1) == '/') {
                while (pos < src.length() && src.charAt(pos) != '\n') {
                    pos++;
                }
            } else if (c == '/' && pos + 1 < src.length() && src.charAt(pos + 1) == '*') {
                int l = line;
                int col = pos - lineStart + 1;
                pos += 2;
                for (;;) {
                    if (pos + 1 >= src.length()) {
                        throw new ScriptSyntaxException(l, col, "unterminated /* comment");
                    }
                    if (src.charAt(pos) == '*' && src.charAt(pos + 1) == '/') {
                        pos += 2;
                        break;
                    }
                    if (src.charAt(pos++) == '\n') {
                        newline();
                    }
                }
            } else {
                return;
            }
        }
    }

    private Token scan() {
        skipBlanks();
        int start = pos;
        int col = pos - lineStart + 1;
        int l = line;
        if (pos >= src.length()) {
            return new Token(Kind.EOF, "", 0, l, col, start, start);
        }
        char c = src.charAt(pos);
        char c1 = pos + 1 < src.length() ? src.charAt(pos + 1) : 0;
        char c2 = pos + 2 < src.length() ? src.charAt(pos + 2) : 0;
        if (c == '-' && c1 == '-' && Character.isLetter(c2)) {
            while (pos < src.length() && !Character.isWhitespace(src.charAt(pos))) {
                pos++;
            }
            return new Token(Kind.OPTION, src.substring(start, pos), 0, l, col, start, pos);
        }
        if (c == '.' && c1 == '.' && c2 == '.') {
            pos += 3;
            return new Token(Kind.ELLIPSIS, "...", 0, l, col, start, pos);
        }
        if (isDigit(c) || (c == '.' && isDigit(c1))) {
            return number(start, l, col);
        }
        if (Character.isLetter(c) || c == '_') {
            while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
                pos++;
            }
            String w = src.substring(start, pos);
            String d = defines.get(w);
            return d == null ? new Token(Kind.WORD, w, 0, l, col, start, pos) : defined(d, l, col, start);
        }
        if (c == '"') {
            return string(start, l, col);
        }
        if (c == '`') {
            int end = src.indexOf('`', pos + 1);
            if (end < 0) {
                throw new ScriptSyntaxException(l, col, "unterminated ` shell command");
            }
            String text = src.substring(pos + 1, end);
            advanceOver(end + 1);
            return new Token(Kind.SHELL, text, 0, l, col, start, pos);
        }
        if (c == '%' && c1 == '{') {
            int end = src.indexOf("}%", pos + 2);
            if (end < 0) {
                throw new ScriptSyntaxException(l, col, "unterminated %{ code block");
            }
            String text = src.substring(pos + 2, end);
            advanceOver(end + 2);
            return new Token(Kind.CODE, text, 0, l, col, start, pos);
        }
        pos++;
        return new Token(Kind.PUNCT, String.valueOf(c), 0, l, col, start, pos);
    }

    /** Moves to {@code end}, counting the newlines passed. */
    private void advanceOver(int end) {
        while (pos < end) {
            if (src.charAt(pos++) == '\n') {
                newline();
            }
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isHex(char c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private Token number(int start, int l, int col) {
        if (src.startsWith("0x", pos) || src.startsWith("0X", pos)) {
            pos += 2;
            int digits = pos;
            while (pos < src.length() && isHex(src.charAt(pos))) {
                pos++;
            }
            if (pos == digits || pos - digits > 16) {
                throw new ScriptSyntaxException(l, col, "bad hex number " + src.substring(start, pos));
            }
            String text = src.substring(start, pos);
            return new Token(Kind.INT, text, Long.parseUnsignedLong(src.substring(digits, pos), 16), l, col, start, pos);
        }
        while (pos < src.length() && isDigit(src.charAt(pos))) {
            pos++;
        }
        if (ipv4Ahead()) {
            for (int dots = 0; dots < 3; dots++) {
                pos++;
                while (pos < src.length() && isDigit(src.charAt(pos))) {
                    pos++;
                }
            }
            return new Token(Kind.IPV4, src.substring(start, pos), 0, l, col, start, pos);
        }
        boolean fraction = pos + 1 < src.length() && src.charAt(pos) == '.' && isDigit(src.charAt(pos + 1));
        if (fraction) {
            pos++;
            while (pos < src.length() && isDigit(src.charAt(pos))) {
                pos++;
            }
            return new Token(Kind.FLOAT, src.substring(start, pos), 0, l, col, start, pos);
        }
        String text = src.substring(start, pos);
        if (text.length() > 18) {
            return new Token(Kind.WORD, text, 0, l, col, start, pos); // a long hex string (a cookie, a digest)
        }
        return new Token(Kind.INT, text, Long.parseLong(text), l, col, start, pos);
    }

    /** After the first group of digits: ".d.d.d" follows (an address like 192.0.2.1). */
    private boolean ipv4Ahead() {
        int p = pos;
        for (int dots = 0; dots < 3; dots++) {
            if (p + 1 >= src.length() || src.charAt(p) != '.' || !isDigit(src.charAt(p + 1))) {
                return false;
            }
            p++;
            while (p < src.length() && isDigit(src.charAt(p))) {
                p++;
            }
        }
        return p >= src.length() || src.charAt(p) != '.';
    }

    private Token string(int start, int l, int col) {
        StringBuilder sb = new StringBuilder();
        pos++;
        while (pos < src.length()) {
            char c = src.charAt(pos++);
            if (c == '"') {
                return new Token(Kind.STRING, sb.toString(), 0, l, col, start, pos);
            }
            if (c == '\n') {
                break;
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (pos >= src.length()) {
                break;
            }
            char e = src.charAt(pos++);
            switch (e) {
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case '0', '1', '2', '3', '4', '5', '6', '7' -> {
                    int v = e - '0';
                    for (int i = 0; i < 2 && pos < src.length() && src.charAt(pos) >= '0' && src.charAt(pos) <= '7'; i++) {
                        v = v * 8 + (src.charAt(pos++) - '0');
                    }
                    sb.append((char) (v & 0xff));
                }
                case 'x' -> {
                    int v = 0;
                    int n = 0;
                    while (n < 2 && pos < src.length() && isHex(src.charAt(pos))) {
                        v = v * 16 + Character.digit(src.charAt(pos++), 16);
                        n++;
                    }
                    if (n == 0) {
                        throw new ScriptSyntaxException(l, col, "bad \\x escape in string");
                    }
                    sb.append((char) v);
                }
                default -> sb.append(e); // \\ \" \' \?
            }
        }
        throw new ScriptSyntaxException(l, col, "unterminated string");
    }

    /** The token a define's value stands for (GRAMMAR.md 2: integer, "string", `shell`, else a word). */
    private Token defined(String v, int l, int col, int start) {
        String s = v.trim();
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
            return new Token(Kind.STRING, s.substring(1, s.length() - 1), 0, l, col, start, pos);
        }
        if (s.length() >= 2 && s.startsWith("`") && s.endsWith("`")) {
            return new Token(Kind.SHELL, s.substring(1, s.length() - 1), 0, l, col, start, pos);
        }
        try {
            long n = s.startsWith("0x") || s.startsWith("0X") ? Long.parseUnsignedLong(s.substring(2), 16) : Long.parseLong(s);
            return new Token(Kind.INT, s, n, l, col, start, pos);
        } catch (NumberFormatException e) {
            return new Token(Kind.WORD, s, 0, l, col, start, pos);
        }
    }
}
