package dev.packetflow.drivers.net.tap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * One open file of the TUN/TAP clone device, attached to a TAP interface: the user-space end of
 * {@code drivers/net/tun.c}. Holds the file descriptor and the control ioctls of
 * {@code include/uapi/linux/if_tun.h}; the packet path ({@code read}/{@code write}) is the
 * driver's, on {@link #fd()} directly.
 *
 * <p>What the kernel does with the file: the first {@code TUNSETIFF} attaches it to the interface
 * (creating the interface if none has that name); while attached, the kernel interface's carrier
 * is on; closing the last file deletes the interface unless it was made persistent
 * ({@code ip tuntap add} makes it persistent).
 */
final class TunFile implements AutoCloseable {
    static final String DEFAULT_PATH = "/dev/net/tun";
    /** Linux: {@code IFNAMSIZ}, including the terminating NUL. */
    static final int IFNAMSIZ = 16;
    /** {@code sizeof(struct ifreq)} on LP64. */
    static final int IFREQ_SIZE = 40;
    /** Offset of the union in {@code struct ifreq} ({@code ifr_flags}, {@code ifr_mtu}, {@code ifr_hwaddr}). */
    static final int IFR_UNION = 16;

    // TUNSETIFF flags (include/uapi/linux/if_tun.h)
    static final int IFF_TUN = 0x0001;
    static final int IFF_TAP = 0x0002;
    static final int IFF_MULTI_QUEUE = 0x0100;
    static final int IFF_PERSIST = 0x0800;
    static final int IFF_NO_PI = 0x1000;
    static final int IFF_VNET_HDR = 0x4000;
    static final int IFF_TUN_EXCL = 0x8000;

    // ioctl numbers, generic _IOC encoding (x86-64, arm64)
    static final long TUNSETIFF = 0x400454caL;
    static final long TUNSETPERSIST = 0x400454cbL;
    static final long TUNSETOFFLOAD = 0x400454d0L;
    static final long TUNGETIFF = 0x800454d2L;
    static final long TUNSETSNDBUF = 0x400454d4L;
    static final long TUNSETVNETHDRSZ = 0x400454d8L;
    static final long TUNSETCARRIER = 0x400454e2L;
    static final long TUNGETDEVNETNS = 0x54e3L;
    static final long SIOCGIFHWADDR = 0x8927L;

    // TUNSETOFFLOAD bits: what the kernel may hand us without finishing it first
    static final int TUN_F_CSUM = 0x01;
    static final int TUN_F_TSO4 = 0x02;
    static final int TUN_F_TSO6 = 0x04;
    static final int TUN_F_TSO_ECN = 0x08;

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment cap = LibC.errnoSegment(arena);
    private final MemorySegment ifr = arena.allocate(IFREQ_SIZE, 8);
    private final MemorySegment intArg = arena.allocate(ValueLayout.JAVA_INT);
    private boolean closed;
    /**
     * Set for one end of {@link #socketPair}: the interface name it answers with; the TAP ioctls
     * are then no-ops (there is no kernel interface).
     */
    private final String pairName;

    private TunFile(int fd) {
        this(fd, null);
    }

    private TunFile(int fd, String pairName) {
        this.fd = fd;
        this.pairName = pairName;
    }

    /**
     * Two files that stand in for TAP files joined back to back: an {@code AF_UNIX}
     * {@code SOCK_SEQPACKET} socket pair (non-blocking), so that one frame written on one end,
     * virtio-net header included, is one frame read on the other, with {@code EAGAIN} and
     * {@code EPOLLOUT} as a TAP file gives them. No kernel interface and no privilege: the control
     * ioctls succeed without doing anything, {@code TUNGETIFF} reports {@code nameA}/{@code nameB}
     * with {@code IFF_VNET_HDR}, and there is no kernel MAC or namespace. For the driver's JIT
     * warm-up and for tests that need no root.
     */
    static TunFile[] socketPair(String nameA, String nameB) {
        checkName(nameA);
        checkName(nameB);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = LibC.errnoSegment(a);
            MemorySegment sv = a.allocate(ValueLayout.JAVA_INT, 2);
            int rc = LibC.socketpair(c, LibC.AF_UNIX, LibC.SOCK_SEQPACKET | LibC.SOCK_NONBLOCK | LibC.O_CLOEXEC, 0, sv);
            if (rc < 0) {
                throw TapException.callFailed("socketpair", nameA, -rc);
            }
            return new TunFile[] {new TunFile(sv.getAtIndex(ValueLayout.JAVA_INT, 0), nameA),
                    new TunFile(sv.getAtIndex(ValueLayout.JAVA_INT, 1), nameB)};
        }
    }

    /** Whether this is one end of a {@link #socketPair} rather than a TAP file. */
    boolean isSocketPair() {
        return pairName != null;
    }

    /**
     * Opens {@code path} (non-blocking) and attaches to the TAP called {@code name} (a name with
     * {@code %d} or null lets the kernel choose, "tap%d"), creating it if it does not exist.
     * {@code flags} are added to {@code IFF_TAP | IFF_NO_PI} ({@code IFF_VNET_HDR},
     * {@code IFF_TUN_EXCL}). Linux: {@code tun_chr_open()}, {@code tun_set_iff()}.
     *
     * @throws TapException with a message for the user when the kernel refuses
     */
    static TunFile open(String path, String name, int flags) {
        checkName(name);
        int fd;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = LibC.errnoSegment(a);
            fd = LibC.open(c, a.allocateFrom(path), LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        }
        if (fd < 0) {
            throw TapException.openFailed(path, -fd);
        }
        TunFile f = new TunFile(fd);
        f.writeName(name == null ? "" : name);
        f.ifr.set(ValueLayout.JAVA_SHORT, IFR_UNION, (short) (IFF_TAP | IFF_NO_PI | flags));
        int rc = LibC.ioctl(f.cap, fd, TUNSETIFF, f.ifr);
        if (rc < 0) {
            f.close();
            throw TapException.setIffFailed(name, -rc, (flags & IFF_TUN_EXCL) != 0);
        }
        return f;
    }

    int fd() {
        return fd;
    }

    /** Rejects a name the kernel would refuse ({@code dev_valid_name()}), before anything is opened. */
    static void checkName(String name) {
        if (name == null || name.isEmpty()) {
            return;
        }
        if (name.length() >= IFNAMSIZ) {
            throw new IllegalArgumentException("interface name too long (at most 15 characters): " + name);
        }
        if (name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("invalid interface name: " + name);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '/' || c == ':') {
                throw new IllegalArgumentException("invalid character in interface name: " + name);
            }
        }
    }

    private void writeName(String name) {
        byte[] b = name.getBytes(StandardCharsets.US_ASCII);
        ifr.fill((byte) 0);
        MemorySegment.copy(b, 0, ifr, ValueLayout.JAVA_BYTE, 0, b.length);
    }

    private String readName() {
        return ifr.getString(0, StandardCharsets.US_ASCII);
    }

    /**
     * The interface's current name (it may have been renamed) via {@code TUNGETIFF}, or null when
     * the file is no longer attached (the interface was deleted: {@code EBADFD}).
     */
    synchronized String name() {
        if (closed) {
            return null;
        }
        if (pairName != null) {
            return pairName;
        }
        ifr.fill((byte) 0);
        int rc = LibC.ioctl(cap, fd, TUNGETIFF, ifr);
        return rc < 0 ? null : readName();
    }

    /** The TUNSETIFF flags the interface has ({@code TUNGETIFF}), or -errno. */
    synchronized int flags() {
        if (closed) {
            return -LibC.EBADF;
        }
        if (pairName != null) {
            return IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
        }
        ifr.fill((byte) 0);
        int rc = LibC.ioctl(cap, fd, TUNGETIFF, ifr);
        return rc < 0 ? rc : ifr.get(ValueLayout.JAVA_SHORT, IFR_UNION) & 0xffff;
    }

    /** Linux: {@code TUNSETOFFLOAD}. Returns 0 or -errno. */
    synchronized int setOffload(int tunFlags) {
        return closed ? -LibC.EBADF : pairName != null ? 0 : LibC.ioctl(cap, fd, TUNSETOFFLOAD, tunFlags);
    }

    /** Linux: {@code TUNSETVNETHDRSZ}. Returns 0 or -errno. */
    synchronized int setVnetHdrSize(int size) {
        if (closed) {
            return -LibC.EBADF;
        }
        if (pairName != null) {
            return 0;
        }
        intArg.set(ValueLayout.JAVA_INT, 0, size);
        return LibC.ioctl(cap, fd, TUNSETVNETHDRSZ, intArg);
    }

    /**
     * Linux: {@code TUNSETCARRIER} ({@code tun_net_change_carrier()}): the kernel interface's
     * carrier. Returns 0 or -errno (EINVAL on kernels without the ioctl).
     */
    synchronized int setCarrier(boolean on) {
        if (closed) {
            return -LibC.EBADF;
        }
        if (pairName != null) {
            return 0;
        }
        intArg.set(ValueLayout.JAVA_INT, 0, on ? 1 : 0);
        return LibC.ioctl(cap, fd, TUNSETCARRIER, intArg);
    }

    /**
     * Linux: {@code TUNSETSNDBUF}: how many bytes of written frames the kernel may hold before
     * {@code write()} says EAGAIN (default: unlimited). Returns 0 or -errno.
     */
    synchronized int setSndBuf(int bytes) {
        if (closed) {
            return -LibC.EBADF;
        }
        if (pairName != null) {
            return 0;
        }
        intArg.set(ValueLayout.JAVA_INT, 0, bytes);
        return LibC.ioctl(cap, fd, TUNSETSNDBUF, intArg);
    }

    /** Linux: {@code TUNSETPERSIST}. Returns 0 or -errno. */
    synchronized int setPersist(boolean on) {
        return closed ? -LibC.EBADF : pairName != null ? 0 : LibC.ioctl(cap, fd, TUNSETPERSIST, on ? 1L : 0L);
    }

    /** The kernel interface's own MAC address ({@code SIOCGIFHWADDR} on the file), or -1. */
    synchronized long kernelMac() {
        if (closed || pairName != null) {
            return -1;
        }
        ifr.fill((byte) 0);
        if (LibC.ioctl(cap, fd, SIOCGIFHWADDR, ifr) < 0) {
            return -1;
        }
        long mac = 0;
        for (int i = 0; i < 6; i++) {
            mac = (mac << 8) | (ifr.get(ValueLayout.JAVA_BYTE, IFR_UNION + 2 + i) & 0xff);
        }
        return mac;
    }

    /**
     * A new file descriptor for the network namespace the interface is in now (newer kernels;
     * {@code TUNGETDEVNETNS}), or -errno. The caller closes it.
     */
    synchronized int devNetns() {
        return closed ? -LibC.EBADF : pairName != null ? -LibC.ENOTTY : LibC.ioctl(cap, fd, TUNGETDEVNETNS);
    }

    synchronized boolean isClosed() {
        return closed;
    }

    /** Closes the file: a non-persistent interface disappears with it. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        LibC.close(cap, fd);
        arena.close();
    }
}
