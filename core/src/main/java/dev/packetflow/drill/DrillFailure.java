package dev.packetflow.drill;

/**
 * Why a script failed, at which line: the runner stops the script at the first one (unless the
 * kind is listed in {@code --non_fatal}).
 */
public final class DrillFailure extends Exception {
    private static final long serialVersionUID = 1L;

    /** What kind of check failed ({@code --non_fatal} names the first two). */
    public enum Kind {
        PACKET,
        SYSCALL,
        TIMING,
        OTHER
    }

    private final int line;
    private final Kind kind;

    public DrillFailure(int line, String message) {
        this(line, Kind.OTHER, message);
    }

    public DrillFailure(int line, Kind kind, String message) {
        super(message);
        this.line = line;
        this.kind = kind;
    }

    /** Script line, or 0 when the failure belongs to no line. */
    public int line() {
        return line;
    }

    public Kind kind() {
        return kind;
    }
}
