package dev.packetflow.cli;

import dev.packetflow.bench.Scenario;
import dev.packetflow.bench.Scenarios;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code packetflow bench}: whole-scenario benchmarks, and JMH. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = {
            "Runs whole-scenario benchmarks; each figure is printed on its own line as name=value unit.",
            "With no NAME, lists the scenarios. 'bench jmh [JMH-ARGS...]' runs the JMH benchmarks (e.g. -prof gc)."
        })
final class BenchCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "NAME", description = "scenario(s) to run, or 'all', or 'jmh'")
    List<String> names = new ArrayList<>();

    @Option(names = "--seconds", defaultValue = "3", description = "measured time per figure (default ${DEFAULT-VALUE})")
    double seconds;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (names.isEmpty()) {
            System.out.println("scenarios:");
            for (Scenario s : Scenarios.all()) {
                System.out.printf("  %-22s %s%n", s.name(), s.description());
            }
            System.out.println("  jmh                    JMH benchmarks (arguments after 'jmh' go to JMH)");
            return 0;
        }
        if (names.getFirst().equals("jmh")) {
            org.openjdk.jmh.Main.main(names.subList(1, names.size()).toArray(new String[0]));
            return 0;
        }
        List<Scenario> run = new ArrayList<>();
        for (String n : names) {
            if (n.equals("all")) {
                run.addAll(Scenarios.all());
                continue;
            }
            Scenario s = Scenarios.byName(n);
            if (s == null) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "unknown scenario '" + n + "' (run 'packetflow bench' for the list)");
            }
            run.add(s);
        }
        if (seconds <= 0 || seconds > 600) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--seconds must be in (0, 600]");
        }
        for (Scenario s : run) {
            System.out.println("# " + s.name() + ": " + s.description());
            try {
                s.run(System.out, seconds);
            } catch (Scenario.BadSetting e) {
                System.err.println("packetflow bench " + s.name() + ": " + e.getMessage());
                return 2;
            }
        }
        return 0;
    }
}
