package dev.packetflow.drivers.net.tap;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.Dev;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.LinkStats64;
import dev.packetflow.net.core.Napi;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.core.SoftnetData;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.trace.Trace;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A real wire: an Ethernet device whose other end is a TAP interface of the Linux kernel, so that
 * packetflow and the kernel's own stack exchange frames. What packetflow transmits, the kernel
 * receives on its TAP interface; what the kernel sends out of that interface, packetflow receives.
 *
 * <pre>
 *  TX (caller's thread):  dev_queue_xmit ─► pfifo_fast ─► ndo_start_xmit ─► [virtio_net_hdr] + frame
 *                         ─► write()/writev() on the tun fd ─► kernel: tun_get_user ─► its stack
 *  RX: kernel stack ─► tap's tun_net_xmit ─► tun fd readable ─► epoll_wait returns in "tap-irq/NAME"
 *        (the interrupt: driver_interrupt) ─► napi_schedule ─► irq_exit: the softirq on the same
 *        thread (ksoftirqd past 10 rounds or 2 ms) ─► tap poll (budget):
 *        read() straight into a page-pool page ─► [vnet header: checksum state] ─► native XDP
 *        ─► build_skb (no copy) ─► eth_type_trans ─► netif_receive_skb ... until EAGAIN
 *        ─► napi_complete ─► re-arm the fd in epoll (the interrupt unmasked)
 * </pre>
 *
 * <p><b>Readiness without spinning.</b> The tun fd is non-blocking and sits in an epoll set with
 * {@code EPOLLONESHOT}: it reports readiness once, then stays disarmed while NAPI drains it (the
 * interrupt is masked); the poll re-arms it only when {@code read()} said {@code EAGAIN} and
 * {@code napi_complete} succeeded. Re-arming a level-triggered registration reports a frame that
 * arrived in between at once, so nothing is left behind. When the interrupt thread runs the poll
 * itself (real time), the registration is edge-triggered instead: each arrival reports once,
 * and a drained poll's re-arm costs no {@code epoll_ctl}. An eventfd in the same set wakes the
 * waiter for shutdown.
 *
 * <p><b>Threading.</b> In real-time mode ({@code RealTimeKernel}) each TAP has one platform daemon
 * thread, {@code tap-irq/NAME}, that blocks in {@code epoll_wait}, schedules NAPI, wakes
 * the TX queue on {@code EPOLLOUT}, and once a second ({@link #SYNC_INTERVAL_MS}) re-reads the
 * kernel interface's MTU and state. As a Linux CPU runs the softirq an interrupt raised on its way
 * out of the handler ({@code irq_exit()}), this thread then runs the NAPI poll (all receive work)
 * itself, with the same limits; only what is left over goes to the stack's softnet worker, which
 * keeps the timers. A wake-up thus costs one thread switch, not two. Transmit runs in the sending
 * thread. Receive state is guarded by the poll lock, transmit
 * state by the TX lock (lock order: poll lock, then TX lock, as a received ARP request is answered
 * from the poll); {@code ndo_stop} takes both, so it waits for a poll or a write in progress. In
 * deterministic mode ({@code Simulation}) no thread is started: the program calls
 * {@link #pollEvents(int)} to let readiness in, then runs the simulation.
 *
 * <p><b>Link state.</b> The device has a MAC of its own (the kernel interface has another one);
 * its MTU follows the kernel interface's ({@code SIOCGIFMTU}) and changing ours changes the
 * kernel's ({@code SIOCSIFMTU}, when permitted); its carrier is on while the kernel interface is
 * administratively up ({@code write()} to a TAP that is down fails with {@code EIO}). Going down
 * here does not delete the kernel interface: it turns the kernel interface's carrier off
 * ({@code TUNSETCARRIER}; kernels without it keep carrier while attached), like pulling a cable,
 * so addresses and routes configured on the kernel side survive a down/up; {@link #close()}
 * releases the interface, and a TAP that packetflow created (not persistent) disappears with it.
 *
 * <p><b>Offloads.</b> With {@link TapBuilder#vnetHdr(boolean)} every frame carries a
 * {@link VirtioNetHdr}: on TX a {@code CHECKSUM_PARTIAL} skb goes out as {@code NEEDS_CSUM} (the
 * device advertises {@code NETIF_F_HW_CSUM}); on RX, {@code DATA_VALID} becomes
 * {@code CHECKSUM_UNNECESSARY} and {@code NEEDS_CSUM} frames get their checksum completed in
 * software ({@code TUNSETOFFLOAD(TUN_F_CSUM)} lets the kernel send them). TCPv4 segmentation
 * offload is negotiated too ({@code TUN_F_TSO4}; the device advertises {@code NETIF_F_TSO}): our
 * TCP's GSO super-packets leave whole with {@code gso_type} TCPV4 and the kernel segments them,
 * and the kernel's super-packets (up to 64 KB, read into a page of the pool's LARGE class; small
 * frames are copied out into a small page) arrive as GSO skbs. {@link #txGsoFrames()} and
 * {@link #rxGsoFrames()} count them. The device MTU stays what it is (1500): only segments meet
 * a wire.
 *
 * <p>Linux: {@code drivers/net/tun.c} seen from user space (as QEMU's or a VPN's TAP backend
 * uses it); statistics are counted as by a NIC driver, from this side.
 */
public final class TapDevice extends NetDevice implements AutoCloseable {
    /** Linux: tun's {@code max_mtu}, {@code MAX_MTU - hard_header_len}. */
    public static final int MAX_MTU = 65535 - Eth.ETH_HLEN;
    /** How often the interrupt thread re-reads the kernel interface's MTU and state. */
    public static final int SYNC_INTERVAL_MS = 1000;

    /** How {@link TapBuilder#open()} treats an existing interface of the requested name. */
    public enum Mode {
        /** Attach to an existing TAP (typically persistent, from {@code ip tuntap add}); fail otherwise. */
        ATTACH,
        /** Create a new TAP; fail with {@code EBUSY} if the name is taken. */
        CREATE,
        /** Attach if it exists, create it otherwise (Linux's own TUNSETIFF behaviour). */
        ATTACH_OR_CREATE
    }

    private final TunFile tun;
    private final LinkControl link;
    private final int fd;
    private final int vnetHdrLen;
    private final boolean irqThreadWanted;
    /**
     * Whether the interrupt thread runs the receive softirq itself ({@link SoftnetData#irqExit}):
     * in real time only; a deterministic kernel's single loop owns all softnet work.
     */
    private boolean softirqOnIrqExit;
    private final Arena arena = Arena.ofShared();
    private final Object ctlLock = new Object();
    /** Set once, under ctlLock, when the files are closed. */
    private volatile boolean closed;

    /** RX: the NAPI poll ({@link TapRx#poll} finds it here), under its own lock. */
    final TapRx rx;

    // TX: sending threads, under txLock
    private final Object txLock = new Object();
    private final MemorySegment txErrno = LibC.errnoSegment(arena);
    private final MemorySegment txHdr;
    /** {@code struct iovec[2]}: the vnet header, then the frame. */
    private final MemorySegment txIov;
    private boolean txEnabled;
    /** write() said EAGAIN: the queue is stopped until epoll reports EPOLLOUT. */
    private volatile boolean txBlocked;
    /** TCP super-packets handed to the kernel whole, for it to segment. */
    private long txGsoFrames;

    // the interrupt: epoll on the tun fd, a thread waiting on it in real time
    private final TapIrq irq;
    private Napi napi;

    // kernel interface state
    private int kernelMtu;
    /** The kernel interface was deleted under us (read/ioctl say EBADFD): nothing more will flow. */
    private volatile boolean gone;

    // driver counters (ethtool -S style); each written by one thread
    private long interrupts;
    private long txBusy;
    private long txWakes;

    TapDevice(String name, TunFile tun, int vnetHdrLen, long mac, boolean irqThread) {
        super(name);
        this.tun = tun;
        this.fd = tun.fd();
        this.link = new LinkControl(tun);
        this.vnetHdrLen = vnetHdrLen;
        this.irqThreadWanted = irqThread;
        setMac(mac);
        this.minMtu = 68;
        this.maxMtu = MAX_MTU;
        setFlagBits(IFF_BROADCAST | IFF_MULTICAST);
        // with a vnet header the kernel finishes checksums and segments TCPv4 super-packets
        this.features = vnetHdrLen != 0 ? NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_RXCSUM | NETIF_F_TSO : 0;
        this.txHdr = arena.allocate(Math.max(vnetHdrLen, 1), 8);
        this.txIov = arena.allocate(32, 8);
        txIov.set(ValueLayout.JAVA_LONG, 0, txHdr.address());
        txIov.set(ValueLayout.JAVA_LONG, 8, vnetHdrLen);
        int k = link.mtu();
        if (k >= minMtu && k <= maxMtu) {
            kernelMtu = k;
            this.mtu = k;
        }
        try {
            this.irq = new TapIrq(arena, fd, name, () -> txBlocked);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
        this.rx = new TapRx(this, irq, arena, fd, vnetHdrLen);
        rx.updateRxFrameMax(mtu, kernelMtu);
    }

    // ------------------------------------------------------------------ opening

    /**
     * {@code TapDevice.open(net, "tap0")}: attaches to the TAP called {@code name} or creates it
     * (plain frames, no vnet header), registered in {@code net} under the same name, down.
     *
     * @throws TapException when the kernel refuses (permission, busy, no /dev/net/tun); its
     *     message says what to do
     */
    public static TapDevice open(NetStack net, String name) {
        return builder(net).name(name).open();
    }

    /** Everything configurable: name, mode, vnet header, MAC, clone-device path, interrupt thread. */
    public static TapBuilder builder(NetStack net) {
        return new TapBuilder(net);
    }

    // ------------------------------------------------------------------ net_device_ops

    @Override
    protected void onRegister() {
        napi = new Napi(this, TapRx::poll);
        napi.bind(softnet());
    }

    /**
     * Linux: {@code ndo_open}. Reads the kernel interface's MTU and state, gives it carrier
     * ({@code TUNSETCARRIER}), arms the fd and starts the interrupt thread.
     */
    @Override
    protected void ndoOpen() {
        synchronized (ctlLock) {
            if (closed) {
                throw new IllegalStateException(name() + ": the TAP device was closed");
            }
            syncLinkStateLocked();
            // Kernels without TUNSETCARRIER say EINVAL: their side then has carrier while we are attached.
            tun.setCarrier(true);
            rx.enable();
            synchronized (txLock) {
                txEnabled = true;
                txBlocked = false;
            }
            netifStartQueue();
            irq.arm();
            if (irqThreadWanted) {
                irq.start(name(), irqHandler, SYNC_INTERVAL_MS);
            }
        }
    }

    /**
     * Linux: {@code ndo_stop}. Stops the interrupt thread, waits for a poll or write in progress,
     * disarms the fd, turns the kernel interface's carrier off and gives back the spare page.
     * The file stays open (see {@link #close()}).
     */
    @Override
    protected void ndoStop() {
        // Not under ctlLock: the thread may be waiting for it (a link-state resync) as we join it.
        irq.stop();
        synchronized (ctlLock) {
            rx.disable();
            synchronized (txLock) {
                txEnabled = false;
                txBlocked = false;
            }
            irq.disarm();
            if (!closed) {
                tun.setCarrier(false);
            }
        }
    }

    /**
     * Linux: {@code ndo_change_mtu}. Sets the kernel interface's MTU too ({@code SIOCSIFMTU}).
     * Without the permission for that (or with the interface in a namespace we cannot enter) only
     * our MTU changes, until the kernel's changes next. A value the kernel rejects changes nothing.
     */
    @Override
    protected void ndoChangeMtu(int newMtu) {
        synchronized (ctlLock) {
            int rc = closed ? -LibC.EBADF : link.setMtu(newMtu);
            if (rc == 0) {
                kernelMtu = newMtu;
            } else if (rc != -LibC.EPERM && rc != -LibC.EACCES && rc != -LibC.ENODEV && rc != -LibC.EBADFD
                    && rc != -LibC.EBADF) {
                throw new IllegalArgumentException("the kernel refused MTU " + newMtu + " for " + name() + ": "
                        + LibC.errnoName(-rc) + " (" + LibC.strerror(-rc) + ")");
            }
            super.ndoChangeMtu(newMtu);
            rx.updateRxFrameMax(mtu, kernelMtu);
        }
    }

    @Override
    public String kind() {
        return "tap";
    }

    /**
     * Linux: {@code ndo_start_xmit}; in the kernel this is where {@code tun_get_user()} takes over.
     * Writes the frame from the skb's own memory ({@code write}, or {@code writev} with the vnet
     * header from a preallocated buffer). {@code EAGAIN}: the queue stops and
     * {@code NETDEV_TX_BUSY} keeps the skb in the qdisc until epoll reports {@code EPOLLOUT}.
     * {@code EIO}: the kernel interface is down; the frame is lost, counted as a carrier error,
     * and our carrier goes off.
     */
    @Override
    protected int ndoStartXmit(SkBuff skb) {
        if (skb.gsoSize != 0 && (vnetHdrLen == 0 || skb.ipSummed != SkBuff.CHECKSUM_PARTIAL
                || skb.gsoType != SkBuff.SKB_GSO_TCPV4)) {
            return xmitSegmented(skb);
        }
        return xmitOne(skb);
    }

    /**
     * A super-packet the kernel cannot take whole (its checksum is complete already, as in one
     * forwarded from another device): segmented in software and written frame by frame; frames
     * the kernel refuses for now ({@code EAGAIN}) are dropped and counted.
     */
    private int xmitSegmented(SkBuff skb) {
        SkBuff segs = Dev.skbGsoSegmentForXmit(this, skb);
        while (segs != null) {
            SkBuff n = segs.next;
            segs.next = null;
            if (xmitOne(segs) == NETDEV_TX_BUSY) {
                stats().inc(LinkStats64.TX_DROPPED);
                Skb.kfreeSkb(segs, DropReason.FULL_RING);
            }
            segs = n;
        }
        return NETDEV_TX_OK;
    }

    private int xmitOne(SkBuff skb) {
        int len = skb.len();
        long n;
        synchronized (txLock) {
            if (!txEnabled) {
                stats().inc(LinkStats64.TX_DROPPED);
                Skb.kfreeSkb(skb, DropReason.DEV_READY);
                return NETDEV_TX_OK;
            }
            if (len < Eth.ETH_HLEN) {
                // tun_get_user() would say EINVAL.
                stats().inc(LinkStats64.TX_DROPPED);
                Skb.kfreeSkb(skb, DropReason.PKT_TOO_SMALL);
                return NETDEV_TX_OK;
            }
            long addr = skb.segment().address() + skb.data;
            if (vnetHdrLen == 0) {
                if (skb.ipSummed == SkBuff.CHECKSUM_PARTIAL && !checksumInSoftware(skb)) {
                    stats().inc(LinkStats64.TX_DROPPED);
                    Skb.kfreeSkb(skb, DropReason.SKB_CSUM);
                    return NETDEV_TX_OK;
                }
                n = LibC.write(txErrno, fd, addr, len);
            } else {
                if (!VirtioNetHdr.fromSkb(txHdr, vnetHdrLen, skb)) {
                    stats().inc(LinkStats64.TX_DROPPED);
                    Skb.kfreeSkb(skb, skb.gsoSize != 0 ? DropReason.SKB_GSO_SEG : DropReason.SKB_CSUM);
                    return NETDEV_TX_OK;
                }
                txIov.set(ValueLayout.JAVA_LONG, 16, addr);
                txIov.set(ValueLayout.JAVA_LONG, 24, len);
                n = LibC.writev(txErrno, fd, txIov.address(), 2);
                if (n >= 0 && skb.gsoSize != 0) {
                    txGsoFrames++;
                }
            }
            if (n == -LibC.EAGAIN) {
                txBusy++;
                netifStopQueue();
                txBlocked = true;
                irq.armAfterEagain();
                return NETDEV_TX_BUSY;
            }
        }
        if (n < 0) {
            return txFailed(skb, (int) -n);
        }
        if (Trace.TX_DMA.enabled) {
            Trace.TX_DMA.fire(this, skb, len);
        }
        stats().tx(len);
        Skb.consumeSkb(skb);
        return NETDEV_TX_OK;
    }

    private int txFailed(SkBuff skb, int errno) {
        LinkStats64 s = stats();
        s.inc(LinkStats64.TX_ERRORS);
        if (errno == LibC.EIO) {
            // tun_get_user(): the kernel interface is not up.
            s.inc(LinkStats64.TX_CARRIER_ERRORS);
            setCarrier(false);
            Skb.kfreeSkb(skb, DropReason.DEV_DOWN);
        } else if (errno == LibC.EBADFD || errno == LibC.EBADF) {
            markGone();
            Skb.kfreeSkb(skb, DropReason.DEV_READY);
        } else {
            // EINVAL (a header the kernel rejects), ENOMEM, EFAULT: this frame only.
            s.inc(LinkStats64.TX_ABORTED_ERRORS);
            Skb.kfreeSkb(skb, DropReason.DEV_HDR);
        }
        return NETDEV_TX_OK;
    }

    /** Without a vnet header a partial checksum must be finished before the frame leaves. */
    private static boolean checksumInSoftware(SkBuff skb) {
        int start = skb.csumStart;
        if (start < skb.data || start + skb.csumOffset + 2 > skb.tail) {
            return false;
        }
        if (skb.cloned() && !skb.cow(0)) {
            return false;
        }
        // cow() may have moved the packet; offsets relative to data stay valid.
        VirtioNetHdr.checksumHelp(skb.segment(), skb.csumStart, skb.tail, skb.csumOffset);
        skb.ipSummed = SkBuff.CHECKSUM_NONE;
        return true;
    }

    // ------------------------------------------------------------------ the interrupt

    /**
     * The interrupt thread runs the receive softirq itself on its way out of the handler, and the
     * fd is armed edge-triggered (see {@link TapIrq#arm}). For real time with an interrupt thread;
     * called by the builder before the device opens.
     */
    void enableSoftirqOnIrqExit() {
        softirqOnIrqExit = true;
        irq.useEdgeTriggered();
    }

    /**
     * How long the interrupt thread may poll for the next frame before it sleeps, in µs (0: not
     * at all). In a VM whose idle vCPUs halt, a sleeping thread costs tens of microseconds to wake,
     * more than many request/response gaps; polling a little first answers those without a
     * wake-up. The window adapts like Linux's {@code cpuidle-haltpoll}: it grows while events come
     * soon after a sleep began and falls to 0 when they do not, so sparse traffic costs almost no
     * CPU. Only with an interrupt thread in real time.
     */
    public void setPollMaxMicros(int micros) {
        irq.setPollMaxNs(micros * 1000L);
    }

    /** The current polling window of the interrupt thread, µs. */
    public long pollMicros() {
        return irq.pollNs() / 1000;
    }

    /** What the interrupt thread calls; a field, so that starting the thread allocates nothing per event. */
    private final TapIrq.Handler irqHandler = new TapIrq.Handler() {
        @Override
        public void interrupt(int events) {
            // The interrupt thread is a CPU taking the interrupt: the receive softirq the handler
            // raised runs right here on irq exit, without waking ksoftirqd (one thread hand-off
            // less per wake-up; a ping is answered by the thread that saw it arrive).
            boolean exit = softirqOnIrqExit;
            TapDevice.this.interrupt(events, exit);
            if (exit) {
                napi.cpu().irqExit();
            }
        }

        @Override
        public void periodic() {
            syncLinkState();
            txTimeout();
        }
    };

    /**
     * Linux: {@code dev_watchdog()} → {@code ndo_tx_timeout}. A queue stopped on EAGAIN is woken by
     * EPOLLOUT; should that never come (a send buffer set so small that the kernel never calls the
     * file writable), the once-a-second tick restarts the queue and lets write() try again.
     */
    private void txTimeout() {
        if (txBlocked) {
            txBlocked = false;
            netifWakeQueue();
        }
    }

    /**
     * The interrupt handler: input (or an error) schedules NAPI, whose completion re-arms the fd;
     * output wakes the TX queue. Linux: a NIC's MSI-X handler ({@code ixgbe_msix_clean_rings}).
     */
    private void interrupt(int events, boolean irqExitFollows) {
        interrupts++;
        if (Trace.DRIVER_INTERRUPT.enabled) {
            Trace.DRIVER_INTERRUPT.fire(this, null, events);
        }
        if ((events & LibC.EPOLLOUT) != 0 && txBlocked) {
            txWakes++;
            txBlocked = false;
            netifWakeQueue();
        }
        if ((events & (LibC.EPOLLIN | LibC.EPOLLERR | LibC.EPOLLHUP)) != 0) {
            if (irqExitFollows) {
                napi.scheduleIrqoff();
            } else {
                napi.schedule();
            }
        } else {
            irq.arm();
        }
    }

    /**
     * Waits up to {@code timeoutMs} for the kernel interface to become readable (or writable while
     * the TX queue waits) and, if it did, schedules NAPI; returns whether anything happened. For
     * deterministic mode, where no interrupt thread runs: call it, then run the simulation.
     */
    public boolean pollEvents(int timeoutMs) {
        if (closed || !isUp()) {
            return false;
        }
        int events = irq.waitOnce(timeoutMs);
        if (irq.takePeriodicRequest()) {
            syncLinkState();
        }
        if (events != 0) {
            interrupt(events, false);
            return true;
        }
        return false;
    }

    // ------------------------------------------------------------------ link state

    /**
     * Re-reads the kernel interface: its MTU (ours follows when it changed) and whether it is
     * administratively up (our carrier). Runs once a second on the interrupt thread; callable
     * any time (tests, or deterministic mode).
     */
    public void syncLinkState() {
        synchronized (ctlLock) {
            if (!closed) {
                syncLinkStateLocked();
            }
        }
    }

    private void syncLinkStateLocked() {
        LinkControl.State st = link.state();
        int k = st.mtu();
        if (k >= minMtu && k <= maxMtu && k != kernelMtu) {
            kernelMtu = k;
            mtu = k;
            rx.updateRxFrameMax(mtu, kernelMtu);
        }
        int f = st.flags();
        if (f >= 0) {
            boolean up = (f & LinkControl.IFF_UP) != 0 && !gone;
            if (up != carrierOk()) {
                setCarrier(up);
            }
        } else if (f == -LibC.EBADFD) {
            markGone();
        }
    }

    // ------------------------------------------------------------------ life cycle

    /**
     * Releases the kernel interface: brings the device down if it is up, stops the interrupt
     * thread and closes every file. A TAP packetflow created disappears from the kernel now; a
     * persistent one stays, without carrier. The device stays registered but cannot come up again.
     * Called by the stack's {@code close()}.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (isUp() && net() != null) {
            net().devices().close(this);
        }
        ndoStop(); // if it was down already: harmless, and stops a thread left by a failed open
        synchronized (ctlLock) {
            if (!closed) {
                releaseFds();
            }
        }
    }

    /** Closes every file (also used by the builder when registration fails). */
    void releaseFds() {
        closed = true;
        irq.close();
        tun.close();
        arena.close();
    }

    public boolean isClosed() {
        synchronized (ctlLock) {
            return closed;
        }
    }

    // ------------------------------------------------------------------ accessors

    /** The kernel interface's current name (it can be renamed on the kernel side), or null once gone. */
    public String kernelName() {
        return tun.name();
    }

    /** The kernel interface's own MAC address (not ours), or -1 once gone. */
    public long kernelMac() {
        return tun.kernelMac();
    }

    /** The kernel interface's MTU as last read. */
    public int kernelMtu() {
        synchronized (ctlLock) {
            return kernelMtu;
        }
    }

    /** Size of the virtio-net header on every frame, 0 without {@code IFF_VNET_HDR}. */
    public int vnetHdrSize() {
        return vnetHdrLen;
    }

    /** Whether the kernel interface was deleted under us (nothing will flow any more). */
    public boolean gone() {
        return gone;
    }

    /** The kernel interface was deleted under us (a read, write or ioctl said so): no carrier from now on. */
    void markGone() {
        gone = true;
        setCarrier(false);
    }

    public Napi napi() {
        return napi;
    }

    /** Whether the interrupt thread is running. */
    public boolean irqThreadRunning() {
        return irq.running();
    }

    /** Readiness reports handled (interrupts). */
    public long interrupts() {
        return interrupts;
    }

    /** NAPI polls run; {@code rx_packets / rxPolls()} is the frames per poll. */
    public long rxPolls() {
        return rx.rxPolls();
    }

    /** Frames dropped because the page pool was empty. */
    public long rxAllocFailed() {
        return rx.rxAllocFailed();
    }

    /** Frames that filled the whole buffer (possibly cut) and were dropped. */
    public long rxTruncated() {
        return rx.rxTruncated();
    }

    /** GSO frames received from the kernel (TCPv4 super-packets of up to 64 KB). */
    public long rxGsoFrames() {
        return rx.rxGsoFrames();
    }

    /**
     * Limits the bytes of our frames the kernel may hold before {@code write()} says EAGAIN
     * ({@code TUNSETSNDBUF}; unlimited by default). Returns 0 or -errno. For tests of the TX
     * queue's stop and wake.
     */
    int setKernelSndBuf(int bytes) {
        return tun.setSndBuf(bytes);
    }

    /** GSO frames written to the kernel. */
    public long txGsoFrames() {
        synchronized (txLock) {
            return txGsoFrames;
        }
    }

    /** Times {@code write()} said EAGAIN and the queue stopped. */
    public long txBusy() {
        return txBusy;
    }

    /** Times EPOLLOUT woke a stopped queue. */
    public long txWakes() {
        return txWakes;
    }
}
