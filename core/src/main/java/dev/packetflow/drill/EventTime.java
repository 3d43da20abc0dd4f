package dev.packetflow.drill;

/**
 * The time column of an event (GRAMMAR.md section 3), in microseconds.
 *
 * <ul>
 * <li>{@code 1.25}: absolute; {@code +0.1}: relative to the previous event;
 * <li>{@code *}: any time ({@link #any});
 * <li>{@code 0.1~0.3}, {@code +0~+.04}: a window ({@link End#RANGE});
 * <li>{@code +0...0.011}: a blocking system call that must return at the end time
 *     ({@link End#BLOCKING}).
 * </ul>
 * The end of a window or of a blocking call is relative exactly when the start is: it counts from
 * the same anchor (so {@code +.01...0.011} starts 10 ms and ends 11 ms after the previous event).
 *
 * @param any {@code *}
 * @param relative written with {@code +}
 * @param startUs start (absolute from script start, or offset from the anchor)
 * @param end whether there is an end time and what it means
 * @param endUs the end time, same reference as the start; 0 when {@code end} is NONE
 */
public record EventTime(boolean any, boolean relative, long startUs, End end, long endUs) {
    /** What the second number of a time column means. */
    public enum End {
        NONE,
        /** {@code a~b}: the event may happen anywhere in the window. */
        RANGE,
        /** {@code a...b}: a system call that blocks from a until b. */
        BLOCKING
    }

    public static final EventTime ANY = new EventTime(true, false, 0, End.NONE, 0);

    public static EventTime absolute(long us) {
        return new EventTime(false, false, us, End.NONE, 0);
    }

    public static EventTime relative(long us) {
        return new EventTime(false, true, us, End.NONE, 0);
    }

    public boolean blocking() {
        return end == End.BLOCKING;
    }

    @Override
    public String toString() {
        if (any) {
            return "*";
        }
        String s = (relative ? "+" : "") + seconds(startUs);
        return switch (end) {
            case NONE -> s;
            case RANGE -> s + "~" + (relative ? "+" : "") + seconds(endUs);
            case BLOCKING -> s + "..." + seconds(endUs);
        };
    }

    /** Microseconds as packetdrill seconds: {@code 0.1}, {@code 1.000250}. */
    public static String seconds(long us) {
        String sign = us < 0 ? "-" : "";
        long a = Math.abs(us);
        long s = a / 1_000_000;
        long f = a % 1_000_000;
        if (f == 0) {
            return sign + s;
        }
        String frac = String.format("%06d", f);
        int e = frac.length();
        while (frac.charAt(e - 1) == '0') {
            e--;
        }
        return sign + s + "." + frac.substring(0, e);
    }
}
