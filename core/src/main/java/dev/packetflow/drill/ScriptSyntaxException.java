package dev.packetflow.drill;

/**
 * A script the parser cannot accept: bad syntax, or a construct of the packetdrill language this
 * runner does not implement. The message names the line and column.
 */
public final class ScriptSyntaxException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int line;
    private final int col;

    public ScriptSyntaxException(int line, int col, String message) {
        super(line + ":" + col + ": " + message);
        this.line = line;
        this.col = col;
    }

    public int line() {
        return line;
    }

    public int col() {
        return col;
    }
}
