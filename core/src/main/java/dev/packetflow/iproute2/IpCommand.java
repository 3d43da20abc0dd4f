package dev.packetflow.iproute2;

import dev.packetflow.net.NetStack;

/** The {@code ip} command. Placeholder: filled in by the configuration layer. */
public final class IpCommand {
    private IpCommand() {}

    public static String exec(NetStack net, String command) {
        throw new IllegalArgumentException("ip: not implemented yet: " + command);
    }
}
