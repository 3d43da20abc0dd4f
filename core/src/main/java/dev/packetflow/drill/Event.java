package dev.packetflow.drill;

import java.util.List;

/**
 * One timed line of a script: a system call, a packet, a shell command or a code block. Each keeps
 * its source line and its text (whitespace collapsed) for error messages.
 */
public sealed interface Event {
    /** 1-based line where the event starts. */
    int line();

    EventTime time();

    /** The event as written, on one line. */
    String text();

    /**
     * {@code name(args) = result [ERRNO (text)] [(note)]}.
     *
     * @param errno the errno name after the result, or null
     * @param errnoText the parenthesised text after the errno, or null
     * @param note a parenthesised note after a non-error result, or null
     */
    record Syscall(int line, EventTime time, String text, String name, List<Expr> args, Expr result, String errno,
            String errnoText, String note) implements Event {
        public Syscall {
            args = List.copyOf(args);
        }
    }

    /** A {@code <} (inbound) or {@code >} (outbound) packet. */
    record Packet(int line, EventTime time, String text, boolean inbound, PacketSpec.IpInfo ip, PacketSpec spec)
            implements Event {}

    /** A timed {@code `shell command`}. */
    record Shell(int line, EventTime time, String text, String command) implements Event {}

    /** A timed {@code %{ code }%} block. */
    record Code(int line, EventTime time, String text, String code) implements Event {}
}
