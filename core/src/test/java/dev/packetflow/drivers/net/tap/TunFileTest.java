package dev.packetflow.drivers.net.tap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.testing.KernelNetns;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The two kinds of {@link TunFile}: what each control ioctl answers on a socket-pair end (no root,
 * no kernel interface), what the kernel answers on a TAP file (root, a TAP of the test's own in
 * the root namespace, gone when the file closes), and the same EBADF answers once either is closed.
 */
class TunFileTest {

    // ------------------------------------------------------------------ socket-pair ends

    @Test
    void pairEnd_answersEveryControl_asATapWithNoKernelInterface() {
        TunFile[] f = TunFile.socketPair("pfa0", "pfb0");
        try {
            assertThat(f[0].isSocketPair()).isTrue();
            assertThat(f[0].name()).isEqualTo("pfa0");
            assertThat(f[1].name()).isEqualTo("pfb0");
            assertThat(f[0].flags()).isEqualTo(TunFile.IFF_TAP | TunFile.IFF_NO_PI | TunFile.IFF_VNET_HDR);
            assertThat(f[0].setOffload(TunFile.TUN_F_CSUM | TunFile.TUN_F_TSO4)).isZero();
            assertThat(f[0].setOffload(0)).isZero();
            // accepted whatever the value: no kernel checks it (a TAP says EINVAL to 4, below)
            assertThat(f[0].setVnetHdrSize(12)).isZero();
            assertThat(f[0].setVnetHdrSize(4)).isZero();
            assertThat(f[0].setCarrier(true)).isZero();
            assertThat(f[0].setCarrier(false)).isZero();
            assertThat(f[0].setSndBuf(0)).isZero();
            assertThat(f[0].setPersist(true)).isZero();
            assertThat(f[0].setPersist(false)).isZero();
            assertThat(f[0].kernelMac()).isEqualTo(-1);
            assertThat(f[0].devNetns()).isEqualTo(-LibC.ENOTTY);
            assertThat(f[0].isClosed()).isFalse();
        } finally {
            f[0].close();
            f[1].close();
        }
    }

    @Test
    void pairEnd_linkControl_isAlwaysUp_withNoMtuOfItsOwn() {
        TunFile[] f = TunFile.socketPair("pfa0", "pfb0");
        try {
            LinkControl link = new LinkControl(f[0]);
            assertThat(link.state()).isEqualTo(new LinkControl.State(-LibC.EOPNOTSUPP, LinkControl.IFF_UP));
            assertThat(link.mtu()).isEqualTo(-LibC.EOPNOTSUPP);
            assertThat(link.setMtu(9000)).isZero();
        } finally {
            f[0].close();
            f[1].close();
        }
    }

    @Test
    void pairEnds_carryOneFramePerWrite_andEagainWhenEmpty() {
        TunFile[] f = TunFile.socketPair("pfa0", "pfb0");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = LibC.errnoSegment(a);
            MemorySegment out = a.allocate(100);
            MemorySegment in = a.allocate(200);
            out.fill((byte) 0x5a);
            assertThat(LibC.write(cap, f[0].fd(), out.address(), 100)).isEqualTo(100);
            assertThat(LibC.write(cap, f[0].fd(), out.address(), 60)).isEqualTo(60);
            // SOCK_SEQPACKET: frame boundaries kept, as a TAP file keeps them
            assertThat(LibC.read(cap, f[1].fd(), in.address(), 200)).isEqualTo(100);
            assertThat(LibC.read(cap, f[1].fd(), in.address(), 200)).isEqualTo(60);
            assertThat(LibC.read(cap, f[1].fd(), in.address(), 200)).isEqualTo(-LibC.EAGAIN);
        } finally {
            f[0].close();
            f[1].close();
        }
    }

    @Test
    void closedPairEnd_answersEbadf_andThePeerReadsEndOfFile() {
        TunFile[] f = TunFile.socketPair("pfa0", "pfb0");
        try (Arena a = Arena.ofConfined()) {
            f[0].close();
            f[0].close(); // a second close does nothing

            assertClosedAnswers(f[0]);
            // the peer is still open, and still answers as before: there is no interface to lose
            assertThat(f[1].name()).isEqualTo("pfb0");
            assertThat(f[1].isClosed()).isFalse();
            MemorySegment in = a.allocate(64);
            assertThat(LibC.read(LibC.errnoSegment(a), f[1].fd(), in.address(), 64)).isZero();
        } finally {
            f[1].close();
        }
    }

    @Test
    void socketPair_rejectsABadName_beforeOpeningAnything() {
        assertThatThrownBy(() -> TunFile.socketPair("pfa0", "a/b"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid character");
        assertThatThrownBy(() -> TunFile.socketPair("sixteen-chars-xx", "pfb0"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too long");
    }

    // ------------------------------------------------------------------ TAP files

    @Test
    void open_missingPath_saysWhy() {
        TapException e = org.junit.jupiter.api.Assertions.assertThrows(TapException.class,
                () -> TunFile.open("/nonexistent/net/tun", "pft0", 0));
        assertThat(e.errno()).isEqualTo(LibC.ENOENT);
    }

    @Test
    void tapFile_controlsReachTheKernel_andClosingDeletesTheInterface() throws IOException {
        KernelNetns.requireRoot();
        String name = "pftf" + KernelNetns.randomSuffix();
        Path sys = Path.of("/sys/class/net", name);
        TunFile f = TunFile.open(TunFile.DEFAULT_PATH, name, TunFile.IFF_VNET_HDR | TunFile.IFF_TUN_EXCL);
        try (Arena a = Arena.ofConfined()) {
            assertThat(f.isSocketPair()).isFalse();
            assertThat(f.name()).isEqualTo(name);
            int flags = f.flags();
            assertThat(flags & (TunFile.IFF_TAP | TunFile.IFF_NO_PI | TunFile.IFF_VNET_HDR))
                    .isEqualTo(TunFile.IFF_TAP | TunFile.IFF_NO_PI | TunFile.IFF_VNET_HDR);
            assertThat(flags & TunFile.IFF_TUN).isZero();
            assertThat(f.setVnetHdrSize(12)).isZero();
            // tun.c: smaller than struct virtio_net_hdr (10 bytes) is EINVAL
            assertThat(f.setVnetHdrSize(4)).isEqualTo(-LibC.EINVAL);
            assertThat(f.setOffload(TunFile.TUN_F_CSUM | TunFile.TUN_F_TSO4)).isZero();
            assertThat(f.setOffload(0)).isZero();
            assertThat(f.setSndBuf(1 << 20)).isZero();
            assertThat(f.setSndBuf(0)).isEqualTo(-LibC.EINVAL);
            assertThat(f.setCarrier(true)).isIn(0, -LibC.EINVAL); // EINVAL: a kernel before 4.19
            assertThat(f.setPersist(false)).isZero();
            String mac = Files.readString(sys.resolve("address")).trim();
            assertThat(f.kernelMac()).isEqualTo(Eth.parseMac(mac));
            int ns = f.devNetns();
            if (ns >= 0) {
                LibC.close(LibC.errnoSegment(a), ns);
            } else {
                assertThat(ns).as("TUNGETDEVNETNS before 5.2").isEqualTo(-LibC.EINVAL);
            }
        } finally {
            f.close();
        }
        assertClosedAnswers(f);
        assertThat(Files.exists(sys)).as("a non-persistent TAP goes with its last file").isFalse();
    }

    @Test
    void open_refusedByTunsetiff_closesTheFile() throws IOException {
        KernelNetns.requireRoot();
        String name = "pftf" + KernelNetns.randomSuffix();
        TunFile first = TunFile.open(TunFile.DEFAULT_PATH, name, TunFile.IFF_TUN_EXCL);
        try {
            long before = openTunFiles();
            TapException e = org.junit.jupiter.api.Assertions.assertThrows(TapException.class,
                    () -> TunFile.open(TunFile.DEFAULT_PATH, name, TunFile.IFF_TUN_EXCL));
            assertThat(e.errno()).isEqualTo(LibC.EBUSY);
            assertThat(openTunFiles()).isEqualTo(before);
            assertThat(first.name()).isEqualTo(name);
        } finally {
            first.close();
        }
    }

    // ------------------------------------------------------------------ helpers

    /** A closed file answers without reaching its fd, whichever kind it was. */
    static void assertClosedAnswers(TunFile f) {
        assertThat(f.isClosed()).isTrue();
        assertThat(f.name()).isNull();
        assertThat(f.flags()).isEqualTo(-LibC.EBADF);
        assertThat(f.setOffload(0)).isEqualTo(-LibC.EBADF);
        assertThat(f.setVnetHdrSize(12)).isEqualTo(-LibC.EBADF);
        assertThat(f.setCarrier(true)).isEqualTo(-LibC.EBADF);
        assertThat(f.setSndBuf(1 << 20)).isEqualTo(-LibC.EBADF);
        assertThat(f.setPersist(false)).isEqualTo(-LibC.EBADF);
        assertThat(f.kernelMac()).isEqualTo(-1);
        assertThat(f.devNetns()).isEqualTo(-LibC.EBADF);
    }

    /** How many of this process's descriptors are files of {@code /dev/net/tun}. */
    static long openTunFiles() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(p -> {
                try {
                    return Files.readSymbolicLink(p).toString().equals(TunFile.DEFAULT_PATH);
                } catch (IOException e) {
                    return false; // the descriptor of the listing itself, closed by now
                }
            }).count();
        }
    }
}
