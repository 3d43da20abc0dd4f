package dev.packetflow.net.socket;

/**
 * The {@code net.core} sysctls of one stack that sockets read: default and maximum buffer sizes,
 * the listen backlog cap and the default busy-poll time. Linux: {@code net/core/sysctl_net_core.c};
 * the values are Linux's defaults on a 64-bit machine. Out-of-range values are rejected with
 * IllegalArgumentException (Linux: EINVAL from {@code proc_dointvec_minmax}) and change nothing.
 */
public final class NetCoreSysctl {
    /** {@code net.core.rmem_default}, {@code wmem_default}, {@code rmem_max}, {@code wmem_max}. */
    public static final int RMEM_DEFAULT = 212992;
    public static final int WMEM_DEFAULT = 212992;
    public static final int RMEM_MAX = 212992;
    public static final int WMEM_MAX = 212992;
    /** {@code net.core.somaxconn}. */
    public static final int SOMAXCONN = 4096;

    private volatile int rmemDefault = RMEM_DEFAULT;
    private volatile int wmemDefault = WMEM_DEFAULT;
    private volatile int rmemMax = RMEM_MAX;
    private volatile int wmemMax = WMEM_MAX;
    private volatile int somaxconn = SOMAXCONN;
    private volatile int busyRead;

    /** {@code net.core.rmem_default}: a new socket's SO_RCVBUF. */
    public int rmemDefault() {
        return rmemDefault;
    }

    public void setRmemDefault(int v) {
        rmemDefault = checkMin("net.core.rmem_default", v, Sock.SOCK_MIN_RCVBUF);
    }

    public int wmemDefault() {
        return wmemDefault;
    }

    public void setWmemDefault(int v) {
        wmemDefault = checkMin("net.core.wmem_default", v, Sock.SOCK_MIN_SNDBUF);
    }

    /** {@code net.core.rmem_max}: the cap on SO_RCVBUF (before doubling). */
    public int rmemMax() {
        return rmemMax;
    }

    public void setRmemMax(int v) {
        rmemMax = checkMin("net.core.rmem_max", v, Sock.SOCK_MIN_RCVBUF);
    }

    public int wmemMax() {
        return wmemMax;
    }

    public void setWmemMax(int v) {
        wmemMax = checkMin("net.core.wmem_max", v, Sock.SOCK_MIN_SNDBUF);
    }

    public int somaxconn() {
        return somaxconn;
    }

    public void setSomaxconn(int v) {
        somaxconn = checkMin("net.core.somaxconn", v, 0);
    }

    /** {@code net.core.busy_read}: the SO_BUSY_POLL of new sockets, µs. */
    public int busyRead() {
        return busyRead;
    }

    public void setBusyRead(int us) {
        busyRead = checkMin("net.core.busy_read", us, 0);
    }

    private static int checkMin(String name, int v, int min) {
        if (v < min) {
            throw new IllegalArgumentException(name + " must be at least " + min + ": " + v);
        }
        return v;
    }
}
