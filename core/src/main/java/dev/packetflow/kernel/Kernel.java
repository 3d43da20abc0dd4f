package dev.packetflow.kernel;

import dev.packetflow.kernel.time.Clock;
import dev.packetflow.net.core.SoftnetData;

/**
 * What runs stacks: a clock and some CPUs, each with its softnet state (poll list, timer wheel).
 * Two implementations share every line of stack code: {@link Simulation} (one event loop, virtual
 * time, deterministic) and {@link RealTimeKernel} (one worker thread per CPU, the machine's clock).
 */
public interface Kernel {
    Clock clock();

    int numCpus();

    /** The softnet state of CPU {@code cpu} (Linux: {@code per_cpu(softnet_data, cpu)}). */
    SoftnetData softnet(int cpu);

    /** True when everything runs on one thread in virtual time. */
    boolean deterministic();
}
