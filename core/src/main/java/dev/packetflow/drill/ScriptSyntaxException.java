package dev.packetflow.drill;

/**
 * A script the parser cannot accept: bad syntax, or a construct of the packetdrill language this
 * runner does not implement. The message names the line and column.
 */
public final class ScriptSyntaxException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int line;
    private final int col;
    private final String detail;

    public ScriptSyntaxException(int line, int col, String message) {
        super(line + ":" + col + ": " + message);
        this.line = line;
        this.col = col;
        this.detail = message;
    }

    /** The message without the position. */
    public String detail() {
        return detail;
    }

    public int line() {
        return line;
    }

    public int col() {
        return col;
    }
}
