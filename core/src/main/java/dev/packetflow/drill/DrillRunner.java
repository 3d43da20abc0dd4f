package dev.packetflow.drill;

import dev.packetflow.net.NetStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs packetdrill scripts against packetflow in virtual time (GRAMMAR.md): a fresh stack per
 * script, the runner as the application (system calls through the stack's
 * {@link dev.packetflow.net.socket.SocketLayer}) and as the remote peer (packets injected at and
 * captured from the device {@code tun0}). A script with a 10-second timeout finishes in
 * milliseconds; the same seed gives the same run.
 *
 * <pre>{@code
 * DrillResult r = DrillRunner.run(Path.of("tcp_basic_server.pkt"), new DrillRunner.Options());
 * System.out.println(r.summary());   // PASS ... or FAIL path:line: reason, expected and actual
 * }</pre>
 */
public final class DrillRunner {
    private DrillRunner() {}

    /** How to run scripts. */
    public static final class Options {
        long seed = 1;
        final List<String> options = new ArrayList<>();
        Map<String, String> defines = Map.of();
        StackSettings settings = StackSettings.STACK;
        Consumer<NetStack> stackSetup;

        /** Seed of the simulation (the stack's random choices: ISNs, ports). */
        public Options seed(long s) {
            seed = s;
            return this;
        }

        /** Command-line options ({@code --tolerance_usecs=10000}); they win over the script's header. */
        public Options option(String o) {
            new DrillConfig().apply(o); // reject bad options now
            options.add(o);
            return this;
        }

        /** {@code -D SYMBOL=value} definitions. */
        public Options defines(Map<String, String> d) {
            defines = Map.copyOf(d);
            return this;
        }

        /** Where sysctl settings go (default {@link StackSettings#STACK}). */
        public Options settings(StackSettings s) {
            settings = s;
            return this;
        }

        /**
         * Runs on the fresh stack before the script starts (after the device and addresses exist):
         * e.g. to install a protocol.
         */
        public Options stackSetup(Consumer<NetStack> setup) {
            stackSetup = setup;
            return this;
        }
    }

    /** Runs the script at {@code path}. */
    public static DrillResult run(Path path, Options o) {
        String source;
        try {
            source = Files.readString(path);
        } catch (IOException e) {
            return new DrillResult(path.toString(), false, 0, "cannot read: " + e.getMessage(), List.of(), 0, 0);
        }
        return run(path.toString(), source, o);
    }

    /** Runs a script given as text; {@code name} appears in the result. */
    public static DrillResult run(String name, String source, Options o) {
        long wall0 = System.nanoTime();
        Script script;
        try {
            script = Parser.parse(name, source, o.defines);
        } catch (ScriptSyntaxException e) {
            return new DrillResult(name, false, e.line(), "syntax error at column " + e.col() + ": " + e.detail(), List.of(), 0,
                    System.nanoTime() - wall0);
        }
        DrillConfig cfg = new DrillConfig();
        List<String> warnings = new ArrayList<>();
        try {
            warnings.addAll(cfg.applyAll(script.options()));
            warnings.addAll(cfg.applyAll(o.options));
        } catch (IllegalArgumentException e) {
            return new DrillResult(name, false, 0, "bad option: " + e.getMessage(), warnings, 0, System.nanoTime() - wall0);
        }
        return new Execution(script, cfg, o, warnings).run();
    }
}
