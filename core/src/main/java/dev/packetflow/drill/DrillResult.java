package dev.packetflow.drill;

import java.util.List;

/**
 * The outcome of one script.
 *
 * @param script the script's path or name
 * @param passed whether every event happened as written
 * @param line the line of the failure, 0 when it belongs to no line (or the script passed)
 * @param message why it failed (may span lines: the failure, then the expected and actual
 *     packet or result); null when it passed
 * @param warnings settings not applied, options ignored, non-fatal mismatches
 * @param virtualNs virtual time the script took
 * @param wallNs real time the script took
 */
public record DrillResult(String script, boolean passed, int line, String message, List<String> warnings, long virtualNs,
        long wallNs) {
    public DrillResult {
        warnings = List.copyOf(warnings);
    }

    /** {@code PASS path} or {@code FAIL path:line: reason}. */
    public String summary() {
        if (passed) {
            return "PASS " + script;
        }
        return "FAIL " + script + (line > 0 ? ":" + line : "") + ": " + message;
    }
}
