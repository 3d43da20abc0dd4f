package dev.packetflow.drivers.net.tap;

import dev.packetflow.net.core.Dev;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.LinkStats64;
import dev.packetflow.net.core.Napi;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.PagePool;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.core.Xdp;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.trace.Trace;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The receive half of a {@link TapDevice}: its NAPI poll, which reads frames from the tun fd
 * straight into page-pool pages and hands them up as skbs built on that memory (no copy). Runs
 * on the softnet worker or the interrupt thread, under its own lock (the device's poll lock,
 * taken before the TX lock, as a received ARP request is answered from the poll).
 *
 * <p>Linux: the driver's NAPI poll ({@code veth_poll}, {@code ixgbe_poll}); each read is
 * {@code drivers/net/tun.c tun_do_read()} on the kernel side.
 */
final class TapRx {
    /** Headroom in front of each received frame (the vnet header sits at its end). */
    static final int RX_HEADROOM = Skb.NET_SKB_PAD;
    private static final int VLAN_HLEN = 4;
    /** The page size {@link #rxTruesize} rounds to. */
    private static final int RX_PAGE = 4096;
    /** Frames up to this long are copied out of a large RX page into a small one (copybreak). */
    private static final int RX_COPYBREAK = PagePool.SMALL - RX_HEADROOM;

    private final TapDevice dev;
    private final TapIrq irq;
    private final Arena arena;
    private final int fd;
    private final int vnetHdrLen;

    // the softnet worker (or the interrupt thread), under lock
    private final Object lock = new Object();
    private final MemorySegment rxErrno;
    private final Xdp.Buff xdp = new Xdp.Buff();
    /** A page waiting for the next frame (kept across polls: an EAGAIN costs no allocation). */
    private PagePool.Page rxPage;
    /** Where a frame goes when the pool has no page: it must be read to be dropped. */
    private MemorySegment rxDiscard;
    private boolean rxEnabled;
    private volatile int rxFrameMax;

    // driver counters (ethtool -S style), written by the poll only
    private long rxPolls;
    private long rxAllocFailed;
    private long rxTruncated;
    /** TCP super-packets received from the kernel (virtio {@code gso_type} TCPV4). */
    private long rxGsoFrames;

    TapRx(TapDevice dev, TapIrq irq, Arena arena, int fd, int vnetHdrLen) {
        this.dev = dev;
        this.irq = irq;
        this.arena = arena;
        this.fd = fd;
        this.vnetHdrLen = vnetHdrLen;
        this.rxErrno = LibC.errnoSegment(arena);
    }

    /** Lets the poll read (the device opens). */
    void enable() {
        synchronized (lock) {
            rxEnabled = true;
        }
    }

    /** Waits for a poll in progress, stops further reads and gives back the spare page. */
    void disable() {
        synchronized (lock) {
            rxEnabled = false;
            if (rxPage != null) {
                dev.pool().recyclePage(rxPage);
                rxPage = null;
            }
        }
    }

    /** The largest frame to expect from the kernel for these MTUs (ours and the kernel interface's). */
    void updateRxFrameMax(int mtu, int kernelMtu) {
        int max = Math.max(mtu, kernelMtu);
        if (vnetHdrLen != 0) {
            // TUN_F_TSO4: the kernel may send a 64 KB TCP super-packet (a page of the LARGE class)
            max = Math.max(max, 65535);
        }
        rxFrameMax = max + Eth.ETH_HLEN + VLAN_HLEN;
    }

    // ------------------------------------------------------------------ NAPI

    /** The device's {@code napi->poll} (Linux: the poll given to {@code netif_napi_add()}). */
    static int poll(Napi n, int budget) {
        return ((TapDevice) n.dev()).rx.rxPoll(n, budget);
    }

    /**
     * The NAPI poll. Reads up to {@code budget} frames, each straight into a page-pool page, and
     * hands them up; stops early at {@code EAGAIN} (drained), completes NAPI and re-arms the fd.
     * Linux: the shape of any NAPI driver's poll ({@code veth_poll}, {@code ixgbe_poll}); the
     * reads are {@code tun_do_read()} on the kernel side.
     */
    private int rxPoll(Napi n, int budget) {
        int work = 0;
        boolean rearm;
        synchronized (lock) {
            rxPolls++;
            if (!rxEnabled) {
                n.complete();
                return 0;
            }
            while (work < budget) {
                int rc = receiveOne(budget);
                if (rc < 0) {
                    break;
                }
                work += rc;
            }
            rearm = rxEnabled && !dev.gone();
        }
        if (work < budget && n.complete() && rearm) {
            irq.arm();
        }
        return work;
    }

    /**
     * Reads one frame: returns 1 when a frame was taken (delivered or dropped), 0 when the read
     * was interrupted, -1 when there is nothing more to read now.
     */
    private int receiveOne(int budget) {
        PagePool.Page page = rxPage;
        if (page != null && page.size() < RX_HEADROOM + rxFrameMax) {
            // The MTU grew since this page was taken: a frame might not fit.
            dev.pool().recyclePage(page);
            rxPage = page = null;
        }
        if (page == null) {
            page = dev.pool().allocPage(RX_HEADROOM + rxFrameMax);
            if (page == null) {
                return discardOne();
            }
            rxPage = page;
        }
        int hdrOff = RX_HEADROOM - vnetHdrLen;
        long room = page.size() - hdrOff;
        long n = LibC.read(rxErrno, fd, page.segment().address() + hdrOff, room);
        if (n < 0) {
            return readFailed((int) -n);
        }
        int len = (int) n - vnetHdrLen;
        if (n == room || len < 0) {
            // The kernel cuts a frame to the buffer without saying so: a full buffer may be a cut
            // frame (the kernel's MTU grew). Drop it and look at the MTU again.
            rxTruncated++;
            dev.stats().inc(LinkStats64.RX_LENGTH_ERRORS);
            dev.stats().inc(LinkStats64.RX_ERRORS);
            dev.net().drops().count(DropReason.PKT_TOO_BIG);
            irq.requestPeriodic();
            return 1;
        }
        if (Trace.RX_DMA.enabled) {
            Trace.RX_DMA.fire(dev, null, len);
        }
        if (Trace.NAPI_POLL.enabled) {
            Trace.NAPI_POLL.fire(dev, null, budget);
        }
        MemorySegment seg = page.segment();
        int summed = SkBuff.CHECKSUM_NONE;
        int gsoSize = 0;
        int csumStart = 0;
        int csumOffset = 0;
        if (vnetHdrLen != 0) {
            summed = VirtioNetHdr.rxChecksum(seg, hdrOff, RX_HEADROOM, len);
            csumStart = VirtioNetHdr.csumStart(seg, hdrOff);
            csumOffset = VirtioNetHdr.csumOffset(seg, hdrOff);
            if (summed >= 0) {
                gsoSize = VirtioNetHdr.rxGsoSize(seg, hdrOff, RX_HEADROOM, len);
                if (gsoSize < 0) {
                    summed = gsoSize;
                }
            }
            if (summed < 0) {
                // Linux: tun_get_user()'s rx_frame_errors for a header it cannot use.
                dev.stats().inc(LinkStats64.RX_FRAME_ERRORS);
                dev.stats().inc(LinkStats64.RX_ERRORS);
                dev.net().drops().count(DropReason.DEV_HDR);
                return 1;
            }
        }
        dev.stats().rx(len);
        int data = RX_HEADROOM;
        int end = data + len;
        boolean keepPage = false;
        if (len <= RX_COPYBREAK && page.size() > PagePool.SMALL) {
            // copybreak: a small frame in a big page would charge a socket 64 KB of truesize
            PagePool.Page small = dev.pool().allocPage(RX_HEADROOM + len);
            if (small != null) {
                MemorySegment.copy(seg, data, small.segment(), data, len);
                page = small;
                seg = small.segment();
                keepPage = true;
            }
        }
        Xdp.Program prog = dev.xdpProgram();
        if (prog != null) {
            xdp.prepare(seg, 0, data, end, dev);
            int act = Xdp.run(prog, xdp, dev, 0);
            if (act != Xdp.XDP_ABORTED && (xdp.data < 0 || xdp.data > xdp.dataEnd || xdp.dataEnd > page.size())) {
                act = Xdp.XDP_ABORTED;
            }
            if (act == Xdp.XDP_DROP || act == Xdp.XDP_ABORTED) {
                // The page stays ours for the next frame: no skb ever existed.
                if (keepPage) {
                    dev.pool().recyclePage(page);
                }
                return 1;
            }
            data = xdp.data;
            end = xdp.dataEnd;
            if (act != Xdp.XDP_PASS) {
                if (!keepPage) {
                    rxPage = null;
                }
                SkBuff skb = Skb.buildSkb(page, data, end - data, dev);
                skb.resetMacHeader();
                if (act == Xdp.XDP_TX) {
                    Dev.directXmit(dev, skb);
                } else {
                    NetDevice to = dev.net().deviceByIndex(xdp.redirectTarget());
                    if (to == null || !to.isRunning()) {
                        dev.net().xdpStats().redirectErrors++;
                        Skb.kfreeSkb(skb, DropReason.XDP);
                    } else {
                        Dev.directXmit(to, skb);
                    }
                }
                return 1;
            }
        }
        if (!keepPage) {
            rxPage = null;
        }
        SkBuff skb = Skb.buildSkb(page, data, end - data, dev);
        if (!keepPage) {
            skb.truesize = rxTruesize(skb.truesize, end);
        }
        skb.ipSummed = summed;
        if (summed == SkBuff.CHECKSUM_PARTIAL) {
            skb.csumStart = RX_HEADROOM + csumStart;
            skb.csumOffset = csumOffset;
        }
        if (gsoSize != 0) {
            // virtio_net_hdr_to_skb(): a TCPv4 super-packet, as GRO would have built it
            int ip = data + Eth.ETH_HLEN;
            int th = ip + ((skb.u8(ip) & 15) << 2);
            int payload = end - th - ((skb.u8(th + 12) >>> 4) << 2);
            skb.gsoSize = gsoSize;
            skb.gsoType = SkBuff.SKB_GSO_TCPV4;
            skb.gsoSegs = payload <= 0 ? 1 : (payload + gsoSize - 1) / gsoSize;
            rxGsoFrames++;
        }
        if (Trace.BUILD_SKB.enabled) {
            Trace.BUILD_SKB.fire(dev, skb, 0);
        }
        if (Eth.ethTypeTrans(skb, dev) < 0) {
            dev.stats().inc(LinkStats64.RX_LENGTH_ERRORS);
            dev.stats().inc(LinkStats64.RX_ERRORS);
            Skb.kfreeSkb(skb, DropReason.PKT_TOO_SMALL);
            return 1;
        }
        Dev.netifReceiveSkb(skb);
        return 1;
    }

    private int readFailed(int errno) {
        switch (errno) {
            case LibC.EAGAIN:
                return -1;
            case LibC.EINTR:
                return 0;
            case LibC.EBADFD:
            case LibC.EBADF:
            case LibC.EIO:
            case LibC.ENODEV:
                // Linux: tun_do_read() with no interface attached any more (it was deleted).
                dev.markGone();
                return -1;
            default:
                dev.stats().inc(LinkStats64.RX_ERRORS);
                return -1;
        }
    }

    /** The pool is dry: read the frame into a scratch buffer to drop it (Linux: rx_alloc_failed). */
    private int discardOne() {
        if (rxDiscard == null) {
            rxDiscard = arena.allocate(PagePool.LARGE, 64);
        }
        long n = LibC.read(rxErrno, fd, rxDiscard.address(), rxDiscard.byteSize());
        if (n < 0) {
            return readFailed((int) -n);
        }
        rxAllocFailed++;
        dev.stats().inc(LinkStats64.RX_DROPPED);
        dev.net().drops().count(DropReason.NOMEM);
        return 1;
    }

    /**
     * The truesize of a frame read into a large page: the pages it fills, as the kernel's
     * {@code tun_alloc_skb()} → {@code alloc_skb_with_frags()} charges a frame of that length (and
     * as {@code virtio_net}'s big-packet receive charges only the pages used, giving the rest back),
     * not the whole 64 KB buffer. Charging the buffer would make a 7 KB super-packet (a sender in
     * slow start) look ten times its size: TCP's {@code scaling_ratio}, set from the first
     * full-sized skb, would stay near 0.1 and cap the advertised window at a tenth of
     * {@code rcvbuf} for the life of the connection.
     */
    static int rxTruesize(int bufferTruesize, int frameEnd) {
        int pages = (frameEnd + RX_PAGE - 1) & -RX_PAGE;
        return Math.min(bufferTruesize, SkBuff.SKB_HEAD_TRUESIZE + pages);
    }

    // ------------------------------------------------------------------ counters

    /** NAPI polls run. */
    long rxPolls() {
        return rxPolls;
    }

    /** Frames dropped because the page pool was empty. */
    long rxAllocFailed() {
        return rxAllocFailed;
    }

    /** Frames that filled the whole buffer (possibly cut) and were dropped. */
    long rxTruncated() {
        return rxTruncated;
    }

    /** GSO frames received from the kernel, read under the poll lock. */
    long rxGsoFrames() {
        synchronized (lock) {
            return rxGsoFrames;
        }
    }
}
