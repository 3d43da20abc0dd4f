package dev.packetflow.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code packetflow} command. */
@Command(
        name = "packetflow",
        mixinStandardHelpOptions = true,
        version = "packetflow 0.1.0",
        description = "A userspace TCP/IP stack for the JVM on the Linux kernel's architecture.",
        subcommands = {DemoCommand.class, BenchCommand.class, DrillCommand.class, ServeCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new Main());
    }
}
