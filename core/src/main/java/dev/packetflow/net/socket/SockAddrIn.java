package dev.packetflow.net.socket;

import dev.packetflow.net.ipv4.InetAddr;

/**
 * An AF_INET socket address ({@code struct sockaddr_in}): an IPv4 address as a host-order int (see
 * {@link InetAddr}) and a port. The family is kept because Linux looks at it: {@code bind()} with
 * another family fails with EAFNOSUPPORT, and {@code connect()} with {@link Uapi#AF_UNSPEC}
 * dissolves a datagram socket's association.
 *
 * @param family {@link Uapi#AF_INET}, or {@link Uapi#AF_UNSPEC} (see {@link #UNSPEC})
 * @param addr IPv4 address in host order ({@link Uapi#INADDR_ANY} is the wildcard)
 * @param port 0..65535, 0 meaning "any" where the call allows it
 */
public record SockAddrIn(int family, int addr, int port) {
    /** {@code {sa_family = AF_UNSPEC}}: what {@code connect()} takes to disconnect. */
    public static final SockAddrIn UNSPEC = new SockAddrIn(Uapi.AF_UNSPEC, 0, 0);

    public SockAddrIn {
        if (port < 0 || port > 0xffff) {
            throw new IllegalArgumentException("port out of range 0..65535: " + port);
        }
    }

    /** An AF_INET address. */
    public SockAddrIn(int addr, int port) {
        this(Uapi.AF_INET, addr, port);
    }

    /** Parses "198.18.0.1" and a port. */
    public static SockAddrIn of(String addr, int port) {
        return new SockAddrIn(InetAddr.parse(addr), port);
    }

    public static SockAddrIn of(java.net.InetSocketAddress a) {
        return new SockAddrIn(InetAddr.fromInet(a.getAddress()), a.getPort());
    }

    public java.net.InetSocketAddress toInet() {
        return new java.net.InetSocketAddress(InetAddr.toInet(addr), port);
    }

    @Override
    public String toString() {
        return family == Uapi.AF_INET ? InetAddr.toString(addr) + ":" + port : "{family=" + family + "}";
    }
}
