package dev.packetflow.drivers.net.tap;

import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;

/**
 * Opens a TAP in a process of its own and reports how it went, for tests that must run the
 * driver with fewer privileges than the test itself ({@code setpriv} drops CAP_NET_ADMIN).
 * Prints what a command-line tool would print: the exception's message, no stack trace.
 * Exit status: 0 opened, 3 refused ({@link TapException}).
 */
public final class TapOpenProbe {
    private TapOpenProbe() {}

    public static void main(String[] args) {
        NetStack net = NetStack.create(new Simulation(1), "probe");
        try {
            TapDevice tap = TapDevice.builder(net).name(args[0]).mode(TapDevice.Mode.CREATE).open();
            System.out.println("opened " + tap.name());
            net.close();
            System.exit(0);
        } catch (TapException e) {
            System.out.println("error: " + e.getMessage());
            System.exit(3);
        }
    }
}
