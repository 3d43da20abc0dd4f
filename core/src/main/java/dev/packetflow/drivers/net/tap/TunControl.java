package dev.packetflow.drivers.net.tap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * Who answers a {@link TunFile}'s control ioctls, chosen once when the file is made: {@link Tap}
 * asks the kernel's tun driver; {@link Pair} answers for one end of {@link TunFile#socketPair},
 * which has no kernel interface behind it. Control path only: the packet path reads and writes
 * {@link TunFile#fd()} directly, whichever kind of file it is, so nothing here is on it.
 *
 * <p>Callers hold the {@link TunFile}'s lock and have checked that it is open: {@link Tap} reuses
 * one {@code ifreq} and one int, and issues ioctls on an fd that must not have been closed and
 * perhaps reused.
 */
sealed interface TunControl permits TunControl.Tap, TunControl.Pair {

    /** The interface's current name, or null when the file is no longer attached. */
    String name();

    /** The {@code TUNSETIFF} flags the interface has, or -errno. */
    int flags();

    /** {@code TUNSETOFFLOAD}: 0 or -errno. */
    int setOffload(int tunFlags);

    /** {@code TUNSETVNETHDRSZ}: 0 or -errno. */
    int setVnetHdrSize(int size);

    /** {@code TUNSETCARRIER}: 0 or -errno. */
    int setCarrier(boolean on);

    /** {@code TUNSETSNDBUF}: 0 or -errno. */
    int setSndBuf(int bytes);

    /** {@code TUNSETPERSIST}: 0 or -errno. */
    int setPersist(boolean on);

    /** The kernel interface's own MAC address, or -1. */
    long kernelMac();

    /** {@code TUNGETDEVNETNS}: a new namespace fd, or -errno. */
    int devNetns();

    /**
     * A file of {@code /dev/net/tun} attached to its interface: each control is the ioctl of
     * {@code include/uapi/linux/if_tun.h}, answered by {@code drivers/net/tun.c __tun_chr_ioctl()}.
     */
    final class Tap implements TunControl {
        private final int fd;
        private final MemorySegment cap;
        private final MemorySegment ifr;
        private final MemorySegment intArg;

        /** {@code cap} and the argument buffers live in {@code arena}, the file's: they go when it is closed. */
        Tap(int fd, MemorySegment cap, Arena arena) {
            this.fd = fd;
            this.cap = cap;
            this.ifr = arena.allocate(TunFile.IFREQ_SIZE, 8);
            this.intArg = arena.allocate(ValueLayout.JAVA_INT);
        }

        @Override
        public String name() {
            ifr.fill((byte) 0);
            int rc = LibC.ioctl(cap, fd, TunFile.TUNGETIFF, ifr);
            return rc < 0 ? null : ifr.getString(0, StandardCharsets.US_ASCII);
        }

        @Override
        public int flags() {
            ifr.fill((byte) 0);
            int rc = LibC.ioctl(cap, fd, TunFile.TUNGETIFF, ifr);
            return rc < 0 ? rc : ifr.get(ValueLayout.JAVA_SHORT, TunFile.IFR_UNION) & 0xffff;
        }

        @Override
        public int setOffload(int tunFlags) {
            // by value: set_offload() takes the flags from the ioctl argument itself
            return LibC.ioctl(cap, fd, TunFile.TUNSETOFFLOAD, tunFlags);
        }

        @Override
        public int setVnetHdrSize(int size) {
            intArg.set(ValueLayout.JAVA_INT, 0, size);
            return LibC.ioctl(cap, fd, TunFile.TUNSETVNETHDRSZ, intArg);
        }

        @Override
        public int setCarrier(boolean on) {
            intArg.set(ValueLayout.JAVA_INT, 0, on ? 1 : 0);
            return LibC.ioctl(cap, fd, TunFile.TUNSETCARRIER, intArg);
        }

        @Override
        public int setSndBuf(int bytes) {
            intArg.set(ValueLayout.JAVA_INT, 0, bytes);
            return LibC.ioctl(cap, fd, TunFile.TUNSETSNDBUF, intArg);
        }

        @Override
        public int setPersist(boolean on) {
            // by value, like TUNSETOFFLOAD: the kernel tests the argument, not what it points at
            return LibC.ioctl(cap, fd, TunFile.TUNSETPERSIST, on ? 1L : 0L);
        }

        @Override
        public long kernelMac() {
            ifr.fill((byte) 0);
            if (LibC.ioctl(cap, fd, TunFile.SIOCGIFHWADDR, ifr) < 0) {
                return -1;
            }
            long mac = 0;
            for (int i = 0; i < 6; i++) {
                // ifr_hwaddr is a struct sockaddr: sa_family (2 bytes), then sa_data
                mac = (mac << 8) | (ifr.get(ValueLayout.JAVA_BYTE, TunFile.IFR_UNION + 2 + i) & 0xff);
            }
            return mac;
        }

        @Override
        public int devNetns() {
            return LibC.ioctl(cap, fd, TunFile.TUNGETDEVNETNS);
        }
    }

    /**
     * One end of an {@code AF_UNIX} socket pair standing in for a TAP file. There is no kernel
     * interface to configure, and the driver must run exactly as on a TAP, so the controls it
     * needs succeed without doing anything; only what would need a kernel interface is refused.
     *
     * @param name the interface name this end answers with, as if {@code TUNGETIFF} had said it
     */
    record Pair(String name) implements TunControl {

        /** Always a TAP with a virtio-net header: the peer end writes one before every frame. */
        @Override
        public int flags() {
            return TunFile.IFF_TAP | TunFile.IFF_NO_PI | TunFile.IFF_VNET_HDR;
        }

        /** A socket carries whatever the peer writes; there is no kernel side that would finish offloads. */
        @Override
        public int setOffload(int tunFlags) {
            return 0;
        }

        /** No kernel reads the header: the peer driver does, with the size its own builder set. */
        @Override
        public int setVnetHdrSize(int size) {
            return 0;
        }

        /** No kernel interface has a carrier; our device's carrier is all there is. */
        @Override
        public int setCarrier(boolean on) {
            return 0;
        }

        /** The socket's own send buffer already makes {@code write()} say EAGAIN when full. */
        @Override
        public int setSndBuf(int bytes) {
            return 0;
        }

        /** Nothing outlives the pair: closing both ends is all there is to delete. */
        @Override
        public int setPersist(boolean on) {
            return 0;
        }

        /** No kernel interface, so no MAC of its own for ours to avoid. */
        @Override
        public long kernelMac() {
            return -1;
        }

        /**
         * No interface, so no namespace to give: ENOTTY, what the kernel itself answers when this
         * ioctl reaches a socket.
         */
        @Override
        public int devNetns() {
            return -LibC.ENOTTY;
        }
    }
}
