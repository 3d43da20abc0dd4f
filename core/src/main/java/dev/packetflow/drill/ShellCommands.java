package dev.packetflow.drill;

import java.util.ArrayList;
import java.util.List;

/**
 * Interprets the shell commands of scripts instead of running them (GRAMMAR.md 5): the runner
 * never starts a shell. Understood:
 *
 * <ul>
 * <li>{@code defaults.sh} under any path: the standard settings ({@code common/defaults.sh}: the
 *     google suite's, else the kernel selftests');
 * <li>{@code sysctl [-q] [-w] name=value ...} and {@code set_sysctls.py /proc/sys/...=value ...}:
 *     those settings;
 * <li>{@code nstat -n}, {@code ip tcp_metrics flush ...}, {@code /tmp/sysctl_restore_*.sh}: nothing to
 *     do (each script gets a fresh stack).
 * </ul>
 * Anything else is unsupported and the script cannot run.
 */
public final class ShellCommands {
    private ShellCommands() {}

    /** Thrown for a command the runner cannot interpret. */
    public static final class Unsupported extends Exception {
        private static final long serialVersionUID = 1L;

        Unsupported(String msg) {
            super(msg);
        }
    }

    /** The settings {@code command} makes (possibly none); throws {@link Unsupported} for other commands. */
    public static List<StackSettings.Setting> interpret(String command) throws Unsupported {
        List<StackSettings.Setting> out = new ArrayList<>();
        for (String line : command.split("\n|;|&&")) {
            List<String> words = words(line.strip());
            if (words.isEmpty()) {
                continue;
            }
            String cmd = words.getFirst();
            if (cmd.endsWith("defaults.sh")) {
                out.addAll(cmd.endsWith("common/defaults.sh") ? StackSettings.GOOGLE_DEFAULTS : StackSettings.KERNEL_DEFAULTS);
            } else if (cmd.equals("sysctl") || cmd.endsWith("/sysctl")) {
                for (String w : words.subList(1, words.size())) {
                    if (w.startsWith("-")) {
                        if (!w.equals("-q") && !w.equals("-w") && !w.equals("-e") && !w.equals("-qw")) {
                            throw new Unsupported("unsupported sysctl flag " + w + " in `" + line.strip() + "`");
                        }
                        continue;
                    }
                    out.add(setting(w, line));
                }
            } else if (cmd.endsWith("set_sysctls.py")) {
                for (String w : words.subList(1, words.size())) {
                    StackSettings.Setting s = setting(w, line);
                    String n = s.name();
                    if (n.startsWith("/proc/sys/")) {
                        n = n.substring("/proc/sys/".length());
                    }
                    out.add(new StackSettings.Setting(n.replace('/', '.'), s.value()));
                }
            } else if (cmd.equals("nstat") && words.contains("-n")) {
                continue; // resets the kernel's counters; asserts nothing
            } else if (cmd.equals("ip") && words.size() >= 3 && words.get(1).equals("tcp_metrics") && words.get(2).equals("flush")) {
                continue; // a fresh stack has no cached metrics
            } else if (cmd.startsWith("/tmp/sysctl_restore_")) {
                continue;
            } else {
                throw new Unsupported("unsupported shell command `" + line.strip() + "`");
            }
        }
        return out;
    }

    private static StackSettings.Setting setting(String w, String line) throws Unsupported {
        int eq = w.indexOf('=');
        if (eq <= 0) {
            throw new Unsupported("expected name=value, found '" + w + "' in `" + line.strip() + "`");
        }
        return new StackSettings.Setting(w.substring(0, eq), w.substring(eq + 1));
    }

    /** Splits a command line into words, honouring single and double quotes (removed). */
    static List<String> words(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = null;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    cur.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                if (cur == null) {
                    cur = new StringBuilder();
                }
            } else if (Character.isWhitespace(c)) {
                if (cur != null) {
                    out.add(cur.toString());
                    cur = null;
                }
            } else {
                if (cur == null) {
                    cur = new StringBuilder();
                }
                cur.append(c);
            }
        }
        if (cur != null) {
            out.add(cur.toString());
        }
        return out;
    }
}
