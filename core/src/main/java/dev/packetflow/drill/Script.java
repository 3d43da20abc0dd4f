package dev.packetflow.drill;

import java.util.List;
import java.util.Map;

/**
 * A parsed packetdrill script: header options, the untimed init command, the events in order and
 * the untimed cleanup command.
 *
 * @param name where it came from (a path), for messages
 * @param options header options as written ({@code --tolerance_usecs=10000}), in order
 * @param defines symbols defined with {@code --define}/{@code -D} in the header
 * @param init the init shell command (usually {@code ../common/defaults.sh}), or null
 * @param initLine its line, or 0
 * @param events the timed events
 * @param cleanup the cleanup shell command, or null
 */
public record Script(String name, List<String> options, Map<String, String> defines, String init, int initLine,
        List<Event> events, String cleanup) {
    public Script {
        options = List.copyOf(options);
        defines = Map.copyOf(defines);
        events = List.copyOf(events);
    }
}
