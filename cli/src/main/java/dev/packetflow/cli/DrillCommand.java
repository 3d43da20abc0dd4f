package dev.packetflow.cli;

import dev.packetflow.drill.Corpus;
import dev.packetflow.drill.DrillConfig;
import dev.packetflow.drill.DrillResult;
import dev.packetflow.drill.DrillRunner;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code packetflow drill}: runs packetdrill scripts against packetflow's stack in virtual time. */
@Command(
        name = "drill",
        mixinStandardHelpOptions = true,
        description = {
            "Runs packetdrill scripts against a fresh packetflow stack each, in virtual time, and prints",
            "PASS path or FAIL path:line: reason (with the expected and the actual packet or result) per",
            "script, then 'N passed, N failed'. A directory runs every .pkt file under it. packetdrill's",
            "own options (--tolerance_usecs=N, --mss=N, --strict_segments, ...) are passed through and",
            "win over the scripts' headers; --hz=N (100, 250 or 1000; default 250) picks the CONFIG_HZ",
            "the stack emulates. Exits 1 if any script failed."
        })
final class DrillCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "SCRIPT", description = "script files or directories of .pkt files")
    List<Path> scripts = new ArrayList<>();

    @Option(names = "--seed", defaultValue = "1", description = "simulation seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = {"-D", "--define"}, paramLabel = "SYMBOL=VALUE", description = "define a symbol for the scripts")
    Map<String, String> defines = new LinkedHashMap<>();

    @Option(names = {"-v", "--verbose"}, description = "also print warnings (settings not applied, options ignored)")
    boolean verbose;

    @CommandLine.Unmatched
    List<String> packetdrillOptions = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        DrillRunner.Options o = new DrillRunner.Options().seed(seed).defines(defines);
        for (String opt : packetdrillOptions) {
            if (!opt.startsWith("--")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "unexpected argument '" + opt + "'");
            }
            try {
                String w = new DrillConfig().apply(opt);
                if (w != null && w.startsWith("unknown option")) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "unknown option '" + opt + "'");
                }
                o.option(opt);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        List<Path> files = new ArrayList<>();
        for (Path p : scripts) {
            files.addAll(Files.isDirectory(p) ? Corpus.scripts(p) : List.of(p));
        }
        PrintWriter out = spec.commandLine().getOut();
        int passed = 0;
        int failed = 0;
        for (Path f : files) {
            DrillResult r = DrillRunner.run(f, o);
            out.println(r.summary());
            if (verbose) {
                for (String w : r.warnings()) {
                    out.println("  warning: " + w);
                }
            }
            out.flush();
            if (r.passed()) {
                passed++;
            } else {
                failed++;
            }
        }
        out.println(passed + " passed, " + failed + " failed");
        out.flush();
        return failed == 0 ? 0 : 1;
    }
}
