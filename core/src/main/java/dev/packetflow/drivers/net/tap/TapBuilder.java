package dev.packetflow.drivers.net.tap;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.ethernet.Eth;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens a {@link TapDevice}: {@code TapDevice.builder(net).name("tap0").vnetHdr(true).open()}.
 * Defaults: attach or create, no vnet header, a random locally administered MAC,
 * {@code /dev/net/tun}, an interrupt thread unless the kernel is deterministic.
 */
public final class TapBuilder {
    private final NetStack net;
    private String name;
    private TapDevice.Mode mode = TapDevice.Mode.ATTACH_OR_CREATE;
    private int vnetHdrSize;
    private long mac;
    private String path = TunFile.DEFAULT_PATH;
    private Boolean irqThread;
    private int pollMaxMicros;

    TapBuilder(NetStack net) {
        if (net == null) {
            throw new IllegalArgumentException("a TAP device needs a stack");
        }
        this.net = net;
    }

    /** The interface name (at most 15 characters); null or a pattern with {@code %d} lets the kernel pick. */
    public TapBuilder name(String n) {
        this.name = n;
        return this;
    }

    public TapBuilder mode(TapDevice.Mode m) {
        if (m == null) {
            throw new IllegalArgumentException("mode must not be null");
        }
        this.mode = m;
        return this;
    }

    /** {@code IFF_VNET_HDR} with a 10-byte {@code virtio_net_hdr} and checksum offload both ways. */
    public TapBuilder vnetHdr(boolean on) {
        this.vnetHdrSize = on ? VirtioNetHdr.SIZE : 0;
        return this;
    }

    /** {@code IFF_VNET_HDR} with a header of 10 bytes, or 12 ({@code virtio_net_hdr_mrg_rxbuf}); 0 for none. */
    public TapBuilder vnetHdrSize(int size) {
        if (size != 0 && size != VirtioNetHdr.SIZE && size != VirtioNetHdr.SIZE_MRG_RXBUF) {
            throw new IllegalArgumentException("vnet header size must be 0, 10 or 12, not " + size);
        }
        this.vnetHdrSize = size;
        return this;
    }

    /** Our MAC address; by default a random locally administered one from the stack's generator. */
    public TapBuilder mac(long m) {
        long v = m & 0xffff_ffff_ffffL;
        if ((v & 0x0100_0000_0000L) != 0 || v == 0) {
            throw new IllegalArgumentException("not a unicast MAC address: " + Eth.macToString(v));
        }
        this.mac = v;
        return this;
    }

    /** The clone device, {@code /dev/net/tun} unless a container maps it elsewhere. */
    public TapBuilder path(String p) {
        if (p == null || p.isEmpty()) {
            throw new IllegalArgumentException("path must not be empty");
        }
        this.path = p;
        return this;
    }

    /**
     * Whether a {@code tap-irq/NAME} thread waits for readiness. Default: yes in real time, no
     * under a deterministic kernel (call {@link TapDevice#pollEvents(int)} there).
     */
    public TapBuilder irqThread(boolean on) {
        this.irqThread = on;
        return this;
    }

    /**
     * Lets the interrupt thread poll for up to {@code micros} µs before it sleeps, adapting the
     * window as Linux's {@code cpuidle-haltpoll} does (see {@link TapDevice#setPollMaxMicros}).
     * Default 0: it sleeps as soon as the fd is drained.
     */
    public TapBuilder pollMaxMicros(int micros) {
        if (micros < 0) {
            throw new IllegalArgumentException("poll window must not be negative: " + micros);
        }
        this.pollMaxMicros = micros;
        return this;
    }

    /**
     * Opens {@code /dev/net/tun}, attaches or creates the interface, sets up offloads and
     * registers the device (down) in the stack. On failure nothing is left behind.
     *
     * @throws TapException when the kernel refuses; the message is for the user
     * @throws IllegalArgumentException for a bad name or one taken in the stack
     */
    public TapDevice open() {
        TunFile.checkName(name);
        boolean pattern = name == null || name.isEmpty() || name.indexOf('%') >= 0;
        if (!pattern && net.device(name) != null) {
            throw new IllegalArgumentException("device " + name + " already exists in " + net.name());
        }
        if (mode == TapDevice.Mode.ATTACH) {
            if (pattern) {
                throw new IllegalArgumentException("attaching needs the name of an existing TAP, not " + name);
            }
            if (!Files.exists(Path.of("/sys/class/net", name, "tun_flags"))) {
                throw new TapException("cannot attach TAP device " + name + ": no such TUN/TAP interface"
                        + " (create it with: ip tuntap add dev " + name + " mode tap)", LibC.ENODEV);
            }
        }
        int flags = (vnetHdrSize != 0 ? TunFile.IFF_VNET_HDR : 0)
                | (mode == TapDevice.Mode.CREATE ? TunFile.IFF_TUN_EXCL : 0);
        return attach(TunFile.open(path, name, flags));
    }

    /**
     * Two TAP drivers joined back to back, {@code a}'s and {@code b}'s, each in its builder's
     * stack: what one writes (frame and virtio-net header) the other reads, through an
     * {@code AF_UNIX} socket pair that stands in for the kernel ({@link TunFile#socketPair}). The
     * driver runs exactly as on a TAP (reads, {@code writev}, epoll, offloads, the interrupt
     * thread), without a kernel interface or any privilege; the kernel-side controls do nothing
     * and both ends are always up. For the JIT warm-up of {@code packetflow serve} and for tests.
     * Both builders need a name without {@code %}; their mode and path are not used.
     */
    public static TapDevice[] socketPair(TapBuilder a, TapBuilder b) {
        for (TapBuilder t : new TapBuilder[] {a, b}) {
            if (t.name == null || t.name.isEmpty() || t.name.indexOf('%') >= 0) {
                throw new IllegalArgumentException("a socket-pair TAP needs a fixed name, not " + t.name);
            }
            if (t.net.device(t.name) != null) {
                throw new IllegalArgumentException("device " + t.name + " already exists in " + t.net.name());
            }
        }
        TunFile[] f = TunFile.socketPair(a.name, b.name);
        TapDevice da;
        try {
            da = a.attach(f[0]);
        } catch (RuntimeException e) {
            f[1].close();
            throw e;
        }
        return new TapDevice[] {da, b.attach(f[1])};
    }

    /** Sets up a driver on the open file {@code f} (closed again if that fails) and registers it. */
    private TapDevice attach(TunFile f) {
        try {
            String actual = f.name();
            if (actual == null) {
                throw TapException.callFailed("TUNGETIFF", name, LibC.EBADFD);
            }
            if (net.device(actual) != null) {
                throw new IllegalArgumentException("device " + actual + " already exists in " + net.name());
            }
            int rc;
            if (vnetHdrSize != 0) {
                rc = f.setVnetHdrSize(vnetHdrSize);
                if (rc < 0) {
                    throw TapException.callFailed("TUNSETVNETHDRSZ", actual, -rc);
                }
                // checksum and TCPv4 segmentation offload: the kernel may hand us partial
                // checksums and 64 KB TSO frames, and takes ours (virtio_net_hdr both ways)
                rc = f.setOffload(TunFile.TUN_F_CSUM | TunFile.TUN_F_TSO4);
            } else {
                // A persistent TAP may keep offloads from an earlier user; without a vnet header
                // we could not tell a partial checksum from a complete one.
                rc = f.setOffload(0);
            }
            if (rc < 0) {
                throw TapException.callFailed("TUNSETOFFLOAD", actual, -rc);
            }
            long kmac = f.kernelMac();
            if (mac != 0 && mac == kmac) {
                throw new IllegalArgumentException("MAC " + Eth.macToString(mac)
                        + " is the kernel interface's own; packetflow's end needs another");
            }
            long m = mac;
            while (m == 0 || m == kmac) {
                m = Eth.localMac(net.random().nextLong());
            }
            boolean thread = irqThread != null ? irqThread : !net.kernel().deterministic();
            TapDevice dev = new TapDevice(actual, f, vnetHdrSize, m, thread);
            if (thread && !net.kernel().deterministic()) {
                dev.enableSoftirqOnIrqExit();
                dev.setPollMaxMicros(pollMaxMicros);
            }
            try {
                net.addDevice(dev);
            } catch (RuntimeException e) {
                dev.releaseFds();
                throw e;
            }
            net.onClose(dev);
            return dev;
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }
}
