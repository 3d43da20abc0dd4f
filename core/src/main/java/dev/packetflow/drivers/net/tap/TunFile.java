package dev.packetflow.drivers.net.tap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * One open file of the TUN/TAP clone device, attached to a TAP interface: the user-space end of
 * {@code drivers/net/tun.c}. Holds the file descriptor and the control ioctls of
 * {@code include/uapi/linux/if_tun.h}; the packet path ({@code read}/{@code write}) is the
 * driver's, on {@link #fd()} directly. Or one end of a {@link #socketPair} standing in for such a
 * file: which of the two is settled when the file is made ({@link TunControl}).
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
    /** Answers the control ioctls; fixed for the file's life, so no method asks what kind it is. */
    private final TunControl ctl;
    private boolean closed;

    /** {@code pairName} null: a TAP file, already attached; otherwise a socket-pair end answering with that name. */
    private TunFile(int fd, String pairName) {
        this.fd = fd;
        this.ctl = pairName == null ? new TunControl.Tap(fd, cap, arena) : new TunControl.Pair(pairName);
    }

    /**
     * Two files that stand in for TAP files joined back to back: an {@code AF_UNIX}
     * {@code SOCK_SEQPACKET} socket pair (non-blocking), so that one frame written on one end,
     * virtio-net header included, is one frame read on the other, with {@code EAGAIN} and
     * {@code EPOLLOUT} as a TAP file gives them. No kernel interface and no privilege: the control
     * ioctls succeed without doing anything, {@code TUNGETIFF} reports {@code nameA}/{@code nameB}
     * with {@code IFF_VNET_HDR}, and there is no kernel MAC or namespace ({@link TunControl.Pair}).
     * For the driver's JIT warm-up and for tests that need no root.
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
        return ctl instanceof TunControl.Pair;
    }

    /**
     * Opens {@code path} (non-blocking) and attaches to the TAP called {@code name} (a name with
     * {@code %d} or null lets the kernel choose, "tap%d"), creating it if it does not exist.
     * {@code flags} are added to {@code IFF_TAP | IFF_NO_PI} ({@code IFF_VNET_HDR},
     * {@code IFF_TUN_EXCL}). Linux: {@code drivers/net/tun.c tun_chr_open()},
     * {@code __tun_chr_ioctl()} {@code TUNSETIFF} → {@code tun_set_iff()}.
     *
     * @throws TapException with a message for the user when the kernel refuses
     */
    static TunFile open(String path, String name, int flags) {
        checkName(name);
        // TUNSETIFF is what makes the descriptor a TAP file, so it happens before there is a
        // TunFile: every TunFile of the TAP kind is attached (until the kernel deletes the interface).
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = LibC.errnoSegment(a);
            int fd = LibC.open(c, a.allocateFrom(path), LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
            if (fd < 0) {
                throw TapException.openFailed(path, -fd);
            }
            MemorySegment ifr = a.allocate(IFREQ_SIZE, 8);
            byte[] b = (name == null ? "" : name).getBytes(StandardCharsets.US_ASCII);
            MemorySegment.copy(b, 0, ifr, ValueLayout.JAVA_BYTE, 0, b.length);
            ifr.set(ValueLayout.JAVA_SHORT, IFR_UNION, (short) (IFF_TAP | IFF_NO_PI | flags));
            int rc = LibC.ioctl(c, fd, TUNSETIFF, ifr);
            if (rc < 0) {
                LibC.close(c, fd);
                throw TapException.setIffFailed(name, -rc, (flags & IFF_TUN_EXCL) != 0);
            }
            return new TunFile(fd, null);
        }
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

    // Once the file is closed each control answers as the ioctl on a closed fd would (EBADF, or
    // null/-1 where the answer has no errno) without reaching the fd: its number may already
    // belong to another file, and the ioctl buffers went with the arena.

    /**
     * The interface's current name (it may have been renamed), or null when the file is no longer
     * attached (the interface was deleted: {@code EBADFD}) or is closed.
     * Linux: {@code drivers/net/tun.c __tun_chr_ioctl()} {@code TUNGETIFF} → {@code tun_get_iff()}.
     */
    synchronized String name() {
        return closed ? null : ctl.name();
    }

    /**
     * The {@code TUNSETIFF} flags the interface has, or -errno.
     * Linux: {@code drivers/net/tun.c __tun_chr_ioctl()} {@code TUNGETIFF} → {@code tun_get_iff()}.
     */
    synchronized int flags() {
        return closed ? -LibC.EBADF : ctl.flags();
    }

    /**
     * Which offloaded frames the kernel may hand us unfinished ({@code TUN_F_*}). Returns 0 or -errno.
     * Linux: {@code drivers/net/tun.c __tun_chr_ioctl()} {@code TUNSETOFFLOAD} → {@code set_offload()}.
     */
    synchronized int setOffload(int tunFlags) {
        return closed ? -LibC.EBADF : ctl.setOffload(tunFlags);
    }

    /**
     * The size of the virtio-net header before each frame, both ways. Returns 0 or -errno.
     * Linux: {@code drivers/net/tun.c __tun_chr_ioctl()} {@code TUNSETVNETHDRSZ}.
     */
    synchronized int setVnetHdrSize(int size) {
        return closed ? -LibC.EBADF : ctl.setVnetHdrSize(size);
    }

    /**
     * The kernel interface's carrier. Returns 0 or -errno (EINVAL on kernels without the ioctl).
     * Linux: {@code drivers/net/tun.c __tun_chr_ioctl()} {@code TUNSETCARRIER} → {@code tun_net_change_carrier()}.
     */
    synchronized int setCarrier(boolean on) {
        return closed ? -LibC.EBADF : ctl.setCarrier(on);
    }

    /**
     * How many bytes of written frames the kernel may hold before {@code write()} says EAGAIN
     * (default: unlimited). Returns 0 or -errno.
     * Linux: {@code drivers/net/tun.c __tun_chr_ioctl()} {@code TUNSETSNDBUF} → {@code tun_set_sndbuf()}.
     */
    synchronized int setSndBuf(int bytes) {
        return closed ? -LibC.EBADF : ctl.setSndBuf(bytes);
    }

    /**
     * Whether the interface outlives its last file. Returns 0 or -errno.
     * Linux: {@code drivers/net/tun.c __tun_chr_ioctl()} {@code TUNSETPERSIST}.
     */
    synchronized int setPersist(boolean on) {
        return closed ? -LibC.EBADF : ctl.setPersist(on);
    }

    /**
     * The kernel interface's own MAC address, or -1.
     * Linux: {@code drivers/net/tun.c __tun_chr_ioctl()} {@code SIOCGIFHWADDR}.
     */
    synchronized long kernelMac() {
        return closed ? -1 : ctl.kernelMac();
    }

    /**
     * A new file descriptor for the network namespace the interface is in now (newer kernels),
     * or -errno. The caller closes it.
     * Linux: {@code drivers/net/tun.c __tun_chr_ioctl()} {@code TUNGETDEVNETNS} → {@code open_related_ns()}.
     */
    synchronized int devNetns() {
        return closed ? -LibC.EBADF : ctl.devNetns();
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
