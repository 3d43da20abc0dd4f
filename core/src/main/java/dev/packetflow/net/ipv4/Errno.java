package dev.packetflow.net.ipv4;

/** The Linux errno values the IPv4 layer returns (negated, as the kernel does). */
public final class Errno {
    private Errno() {}

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int ENOBUFS = 105;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int EMSGSIZE = 90;
    public static final int EADDRINUSE = 98;
    public static final int ENETUNREACH = 101;
    public static final int EHOSTUNREACH = 113;
}
