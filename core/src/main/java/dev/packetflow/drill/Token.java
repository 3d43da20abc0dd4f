package dev.packetflow.drill;

/**
 * One token of a packetdrill script, with where it starts (1-based line and column) so that every
 * error can point at the script.
 *
 * @param kind what the token is
 * @param text the token as written (for strings, shell commands and code blocks: the contents
 *     without the delimiters; for {@link Kind#OPTION}: the whole {@code --name[=value]})
 * @param value the number of an {@link Kind#INT} token, else 0
 * @param line 1-based line of the first character
 * @param col 1-based column of the first character
 * @param start offset of the first character in the source
 * @param end offset one past the last character
 */
public record Token(Kind kind, String text, long value, int line, int col, int start, int end) {
    /** Token kinds of the packetdrill language (GRAMMAR.md section 2). */
    public enum Kind {
        /** Decimal or hexadecimal integer. */
        INT,
        /** Decimal number with a fraction: {@code .1}, {@code 0.010}. */
        FLOAT,
        /** {@code [A-Za-z_][A-Za-z0-9_]*}: names, constants, flag letters, option keywords. */
        WORD,
        /** {@code "..."} with C escapes resolved. */
        STRING,
        /** {@code `...`}: a shell command. */
        SHELL,
        /** {@code %{ ... }%}: a code block. */
        CODE,
        /** {@code ...}. */
        ELLIPSIS,
        /** {@code --name} or {@code --name=value}. */
        OPTION,
        /** A dotted-quad IPv4 address literal. */
        IPV4,
        /** One punctuation character. */
        PUNCT,
        EOF
    }

    public boolean is(Kind k) {
        return kind == k;
    }

    /** Whether this is the punctuation character {@code c}. */
    public boolean isPunct(char c) {
        return kind == Kind.PUNCT && text.length() == 1 && text.charAt(0) == c;
    }

    /** Whether this is the word {@code w}. */
    public boolean isWord(String w) {
        return kind == Kind.WORD && text.equals(w);
    }

    /** The token as an error message shows it. */
    public String describe() {
        return switch (kind) {
            case EOF -> "end of file";
            case STRING -> "\"" + text + "\"";
            case SHELL -> "`" + text + "`";
            case CODE -> "%{...}%";
            default -> "'" + text + "'";
        };
    }
}
