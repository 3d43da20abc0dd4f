package dev.packetflow.bench;

import java.io.PrintStream;

/**
 * A whole-scenario benchmark run by {@code packetflow bench NAME}: builds stacks and wires, drives
 * load for a bounded count and time, and prints each figure on its own line as
 * {@code name=value unit}. JMH benchmarks in this module measure single paths; scenarios measure
 * what a user would see.
 */
public interface Scenario {
    String name();

    String description();

    /** Runs the scenario; {@code seconds} bounds the measured phase. */
    void run(PrintStream out, double seconds) throws Exception;

    /** A scenario's setting (a {@code -Dpacketflow.bench.*} property) out of its range: reported without a trace. */
    final class BadSetting extends IllegalArgumentException {
        public BadSetting(String message) {
            super(message);
        }
    }

    /** Prints one figure in the project's format. */
    static void figure(PrintStream out, String name, double value, String unit) {
        out.printf(java.util.Locale.ROOT, "%s=%s %s%n", name, format(value), unit);
    }

    private static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(java.util.Locale.ROOT, "%.3f", v);
    }
}
