package dev.packetflow.drivers.net.tap;

/**
 * The operating system refused to give packetflow a TAP device. The message is written for the
 * person at the terminal: what failed, why (errno name and text) and what to do about it, so a
 * command-line tool can print {@link #getMessage()} alone instead of a stack trace.
 */
public final class TapException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    TapException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    /** The Linux errno value behind the failure (0 when none). */
    public int errno() {
        return errno;
    }

    /** Whether the failure was a missing permission (EPERM or EACCES). */
    public boolean permissionDenied() {
        return errno == LibC.EPERM || errno == LibC.EACCES;
    }

    /**
     * The exception for a failed {@code open(path)} of the clone device.
     * Linux: {@code drivers/net/tun.c tun_chr_open()} and the VFS permission check before it.
     */
    static TapException openFailed(String path, int errno) {
        String what = "cannot open " + path + ": " + LibC.errnoName(errno) + " (" + LibC.strerror(errno) + ")";
        String hint = switch (errno) {
            case LibC.ENOENT -> path + " does not exist: load the tun module (modprobe tun); in a container,"
                    + " pass the device in (docker run --device /dev/net/tun --cap-add NET_ADMIN)";
            case LibC.ENXIO, LibC.ENODEV -> "the kernel has no TUN/TAP support (CONFIG_TUN): load the tun module"
                    + " (modprobe tun)";
            case LibC.EPERM, LibC.EACCES -> "needs CAP_NET_ADMIN (run as root), or read-write access to " + path
                    + " and a TAP created for your user beforehand (ip tuntap add dev NAME mode tap user $USER)";
            default -> null;
        };
        return new TapException(hint == null ? what : what + "; " + hint, errno);
    }

    /**
     * The exception for a failed {@code TUNSETIFF}. Linux: {@code drivers/net/tun.c tun_set_iff()}:
     * EPERM when the caller may neither create a device nor use an existing one it does not own,
     * EBUSY when the device is attached to another file (or exists and exclusive creation was
     * asked), EINVAL when a device of that name exists but is not a TAP with these flags.
     */
    static TapException setIffFailed(String name, int errno, boolean exclusive) {
        String dev = name == null || name.isEmpty() || name.indexOf('%') >= 0 ? "a TAP device" : "TAP device " + name;
        String what = "cannot attach " + dev + ": " + LibC.errnoName(errno) + " (" + LibC.strerror(errno) + ")";
        String hint = switch (errno) {
            case LibC.EPERM, LibC.EACCES -> "needs CAP_NET_ADMIN (run as root), or a persistent TAP owned by your user"
                    + " (ip tuntap add dev " + (name == null ? "NAME" : name) + " mode tap user $USER)";
            case LibC.EBUSY -> exclusive
                    ? "a device of that name already exists (exclusive creation was asked)"
                    : "the device is busy: another process (or another packetflow device) has it open";
            case LibC.EINVAL -> "a device of that name exists but is not a TAP device with these flags"
                    + " (a TUN device, or vnet_hdr/multi_queue settings that differ)";
            case LibC.ENAMETOOLONG -> "interface names have at most 15 characters";
            default -> null;
        };
        return new TapException(hint == null ? what : what + "; " + hint, errno);
    }

    /** Any other failed system call while setting the device up. */
    static TapException callFailed(String call, String dev, int errno) {
        return new TapException(call + " on " + dev + " failed: " + LibC.errnoName(errno) + " ("
                + LibC.strerror(errno) + ")", errno);
    }
}
