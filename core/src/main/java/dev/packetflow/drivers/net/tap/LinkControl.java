package dev.packetflow.drivers.net.tap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * The kernel interface's link settings (MTU, flags), read and written the way {@code ifconfig}
 * does: {@code SIOCGIFMTU}, {@code SIOCSIFMTU}, {@code SIOCGIFFLAGS} on an {@code AF_INET}
 * datagram socket, by interface name.
 *
 * <p>Those ioctls look the name up in the socket's network namespace, and a TAP may be moved to
 * another namespace after we attached ({@code ip link set tap0 netns NS}; the file stays valid).
 * So each operation uses a socket created in the interface's current namespace, found with
 * {@code TUNGETDEVNETNS} (newer kernels): when that is not our own, a short-lived helper thread
 * enters it with {@code setns(CLONE_NEWNET)} (which affects only the calling thread), does the
 * ioctls and ends. The socket is closed right after: an open socket would keep the namespace
 * alive after {@code ip netns del}, and with it the interface. When the namespace cannot be
 * entered (no {@code CAP_SYS_ADMIN}, or an older kernel) the socket lives in our own namespace and
 * settings of a moved interface are simply not reachable ({@code ENODEV}).
 *
 * <p>Control path only: allocates, and is serialised on this object.
 */
final class LinkControl {
    static final long SIOCGIFFLAGS = 0x8913L;
    static final long SIOCGIFMTU = 0x8921L;
    static final long SIOCSIFMTU = 0x8922L;
    /** {@code IFF_UP} in {@code ifr_flags}. */
    static final int IFF_UP = 0x1;

    private static final int SOCK_CLOEXEC = LibC.O_CLOEXEC;

    private final TunFile tun;

    LinkControl(TunFile tun) {
        this.tun = tun;
    }

    /** The kernel interface's MTU and {@code IFF_*} flags; each field is -errno when unreadable. */
    record State(int mtu, int flags) {}

    /** What a {@link TunFile#socketPair} end reports: up, with no MTU of its own. */
    private static final State PAIR_STATE = new State(-LibC.EOPNOTSUPP, IFF_UP);

    /** Reads the kernel interface's MTU and flags (one socket for both). */
    State state() {
        if (tun.isSocketPair()) {
            return PAIR_STATE; // no kernel interface: always up, the MTU is ours
        }
        int[] out = {-LibC.EBADFD, -LibC.EBADFD};
        int rc = run((cap, sock, ifr) -> {
            int r = LibC.ioctl(cap, sock, SIOCGIFMTU, ifr);
            out[0] = r < 0 ? r : ifr.get(ValueLayout.JAVA_INT, TunFile.IFR_UNION);
            ifr.set(ValueLayout.JAVA_INT, TunFile.IFR_UNION, 0);
            r = LibC.ioctl(cap, sock, SIOCGIFFLAGS, ifr);
            out[1] = r < 0 ? r : ifr.get(ValueLayout.JAVA_SHORT, TunFile.IFR_UNION) & 0xffff;
            return 0;
        });
        return rc < 0 ? new State(rc, rc) : new State(out[0], out[1]);
    }

    /** The kernel interface's MTU, or -errno. */
    int mtu() {
        return state().mtu();
    }

    /** Sets the kernel interface's MTU ({@code dev_set_mtu()} there). Returns 0 or -errno. */
    int setMtu(int mtu) {
        if (tun.isSocketPair()) {
            return 0;
        }
        return run((cap, sock, ifr) -> {
            ifr.set(ValueLayout.JAVA_INT, TunFile.IFR_UNION, mtu);
            return LibC.ioctl(cap, sock, SIOCSIFMTU, ifr);
        });
    }

    @FunctionalInterface
    private interface Op {
        int apply(MemorySegment cap, int sock, MemorySegment ifr);
    }

    /**
     * Runs {@code op} with a socket in the interface's namespace and an ifreq holding its name;
     * returns its result, or -errno when there is no socket or interface.
     */
    private synchronized int run(Op op) {
        String name = tun.name();
        if (name == null) {
            return -LibC.EBADFD;
        }
        int nsfd = tun.devNetns();
        try {
            String ns = nsfd >= 0 ? nsIdentity("/proc/thread-self/fd/" + nsfd) : null;
            if (ns == null || ns.equals(nsIdentity("/proc/thread-self/ns/net"))) {
                return withSocket(name, op);
            }
            int rc = inNamespace(nsfd, name, op);
            // Cannot enter it (EPERM without CAP_SYS_ADMIN): a socket here is the best we can do.
            return rc == -LibC.EPERM ? withSocket(name, op) : rc;
        } finally {
            if (nsfd >= 0) {
                try (Arena a = Arena.ofConfined()) {
                    LibC.close(LibC.errnoSegment(a), nsfd);
                }
            }
        }
    }

    /** Creates a socket in the calling thread's namespace, runs {@code op}, closes the socket. */
    private static int withSocket(String name, Op op) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = LibC.errnoSegment(a);
            int sock = LibC.socket(cap, LibC.AF_INET, LibC.SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (sock < 0) {
                return sock;
            }
            try {
                MemorySegment ifr = a.allocate(TunFile.IFREQ_SIZE, 8);
                byte[] b = name.getBytes(StandardCharsets.US_ASCII);
                MemorySegment.copy(b, 0, ifr, ValueLayout.JAVA_BYTE, 0, Math.min(b.length, TunFile.IFNAMSIZ - 1));
                return op.apply(cap, sock, ifr);
            } finally {
                LibC.close(cap, sock);
            }
        }
    }

    /**
     * Runs {@link #withSocket} inside the namespace {@code nsfd} refers to, on a throw-away
     * platform thread: {@code setns()} moves only the calling thread, and if moving back failed
     * only that thread would be left there, and it ends right away. Returns -errno when the
     * namespace cannot be entered.
     */
    private static int inNamespace(int nsfd, String name, Op op) {
        int[] result = {-LibC.EPERM};
        Thread t = Thread.ofPlatform().daemon().name("tap-netns").start(() -> {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment c = LibC.errnoSegment(a);
                int self = LibC.open(c, a.allocateFrom("/proc/thread-self/ns/net"), LibC.O_RDONLY | LibC.O_CLOEXEC);
                if (self < 0) {
                    result[0] = self;
                    return;
                }
                int rc = LibC.setns(c, nsfd, LibC.CLONE_NEWNET);
                if (rc < 0) {
                    LibC.close(c, self);
                    result[0] = rc;
                    return;
                }
                result[0] = withSocket(name, op);
                LibC.setns(c, self, LibC.CLONE_NEWNET);
                LibC.close(c, self);
            }
        });
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -LibC.EINTR;
        }
        return result[0];
    }

    /** What a namespace link points at, "net:[inode]", or null. */
    private static String nsIdentity(String link) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = LibC.errnoSegment(a);
            MemorySegment buf = a.allocate(64);
            long n = LibC.readlink(c, a.allocateFrom(link), buf, 63);
            if (n <= 0) {
                return null;
            }
            byte[] b = new byte[(int) n];
            MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, b, 0, b.length);
            return new String(b, StandardCharsets.US_ASCII);
        }
    }
}
