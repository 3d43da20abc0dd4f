package dev.packetflow.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code packetflow demo}: the main job. */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Host A — router R — host B on two virtual Ethernet wires, in virtual time. A pings B; the echo",
            "request's journey through A, R and B is printed as the seed's diagrams; then an application on A",
            "sends a UDP message to one on B, and its journey from sendto() to recvfrom() is printed the same",
            "way, with ss. Then device statistics, MIB counters and the pcap files written. The same seed gives",
            "the same run."
        })
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--seed", defaultValue = "1", description = "simulation seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--pcap", paramLabel = "DIR", description = "write one pcap file per device into DIR")
    Path pcapDir;

    @Option(names = "--count", defaultValue = "3", description = "echo requests to send, 2..100 (default ${DEFAULT-VALUE})")
    int count;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (count < 2 || count > 100) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--count must be between 2 and 100");
        }
        Demo.Result r = Demo.run(seed, pcapDir, count, System.out);
        return r.repliesReceived() == count ? 0 : 1;
    }
}
