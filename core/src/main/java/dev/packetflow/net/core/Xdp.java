package dev.packetflow.net.core;

import dev.packetflow.trace.Trace;
import java.lang.foreign.MemorySegment;

/**
 * eXpress Data Path: a program that sees a received frame as raw bytes, in the driver, before the
 * stack builds any skb for it, and decides its fate with one verdict.
 *
 * <p>Drivers with a descriptor ring (the simulated NIC) run the program on the ring buffer itself
 * ("native" XDP); drivers that receive skbs (veth) run it on the skb's bytes ("generic" XDP, Linux's
 * {@code do_xdp_generic}). Either way the program gets an {@link Buff} over the frame.
 *
 * <p>Linux: {@code include/uapi/linux/bpf.h enum xdp_action}, {@code include/net/xdp.h},
 * {@code net/core/dev.c do_xdp_generic()}, {@code net/core/filter.c xdp_do_redirect()}.
 */
public final class Xdp {
    /** Verdicts, with Linux's values. */
    public static final int XDP_ABORTED = 0;
    public static final int XDP_DROP = 1;
    public static final int XDP_PASS = 2;
    public static final int XDP_TX = 3;
    public static final int XDP_REDIRECT = 4;

    /** An XDP program. Runs on the RX path: no blocking, no allocation if it can be helped. */
    @FunctionalInterface
    public interface Program {
        int run(Buff xdp);
    }

    /**
     * The program's view of one frame (Linux: {@code struct xdp_buff}/{@code xdp_md}). The program may
     * read and rewrite bytes in {@code [data, dataEnd)} and move {@code data} (adjust_head) within the
     * headroom. Reused per frame by the driver: never keep it.
     */
    public static final class Buff {
        public MemorySegment seg;
        public int data;
        public int dataEnd;
        public int dataHardStart;
        public NetDevice rxDev;
        int redirectIfindex;

        public int len() {
            return dataEnd - data;
        }

        public int u8(int off) {
            return seg.get(java.lang.foreign.ValueLayout.JAVA_BYTE, data + off) & 0xff;
        }

        public int u16(int off) {
            return seg.get(SkBuff.U16, data + off) & 0xffff;
        }

        public int u32(int off) {
            return seg.get(SkBuff.U32, data + off);
        }

        public void setU8(int off, int v) {
            seg.set(java.lang.foreign.ValueLayout.JAVA_BYTE, data + off, (byte) v);
        }

        public void setU16(int off, int v) {
            seg.set(SkBuff.U16, data + off, (short) v);
        }

        public void setU32(int off, int v) {
            seg.set(SkBuff.U32, data + off, v);
        }

        /**
         * Points the view at a new frame (a driver reuses one Buff for every frame it polls):
         * bytes {@code [data, dataEnd)} of {@code seg}, headroom from {@code hardStart}. Linux:
         * {@code xdp_init_buff()} + {@code xdp_prepare_buff()}.
         */
        public void prepare(MemorySegment seg, int hardStart, int data, int dataEnd, NetDevice rxDev) {
            this.seg = seg;
            this.dataHardStart = hardStart;
            this.data = data;
            this.dataEnd = dataEnd;
            this.rxDev = rxDev;
            this.redirectIfindex = 0;
        }

        /** Linux: {@code bpf_redirect(ifindex, 0)}. Returns XDP_REDIRECT for the program to return. */
        public int redirect(int ifindex) {
            this.redirectIfindex = ifindex;
            return XDP_REDIRECT;
        }

        public int redirectTarget() {
            return redirectIfindex;
        }
    }

    private Xdp() {}

    /** Attaches (or with null, detaches) an XDP program (Linux: {@code ip link set DEV xdp ...}). */
    public static void attach(NetDevice dev, Program prog) {
        dev.xdpProg = prog;
    }

    /** XDP counters per stack: what {@code xdp:*} tracepoints and driver ethtool stats count. */
    public static final class Stats {
        public long pass;
        public long drop;
        public long tx;
        public long redirect;
        public long aborted;
        public long redirectErrors;
    }

    /**
     * Runs {@code prog} on {@code xdp} and counts the verdict. Invalid return values count as
     * XDP_ABORTED, as the kernel treats them ({@code bpf_warn_invalid_xdp_action}).
     */
    public static int run(Program prog, Buff xdp, NetDevice dev, long journey) {
        int act;
        try {
            act = prog.run(xdp);
        } catch (RuntimeException e) {
            // A faulting program is an aborted program; the packet path must not throw.
            act = XDP_ABORTED;
        }
        if (act < XDP_ABORTED || act > XDP_REDIRECT) {
            act = XDP_ABORTED;
        }
        Stats s = dev.net().xdpStats();
        switch (act) {
            case XDP_PASS -> s.pass++;
            case XDP_DROP -> s.drop++;
            case XDP_TX -> s.tx++;
            case XDP_REDIRECT -> s.redirect++;
            default -> s.aborted++;
        }
        if (Trace.XDP.enabled) {
            Trace.XDP.fire(dev.net(), dev, null, journey);
        }
        return act;
    }

    /**
     * Generic XDP on a received skb (data at the Ethernet header). Returns true when the stack
     * should go on with the skb (XDP_PASS); otherwise the skb has been dropped, sent back out
     * (XDP_TX) or redirected, and belongs to someone else.
     *
     * <p>Linux: {@code do_xdp_generic()}, {@code generic_xdp_tx()}, {@code xdp_do_generic_redirect()}.
     */
    public static boolean doXdpGeneric(Program prog, SkBuff skb, Buff scratch) {
        NetDevice dev = skb.dev;
        scratch.seg = skb.buf;
        scratch.dataHardStart = 0;
        scratch.data = skb.data;
        scratch.dataEnd = skb.tail;
        scratch.rxDev = dev;
        scratch.redirectIfindex = 0;
        int act = run(prog, scratch, dev, skb.journey);
        // The program may have moved the start of the frame (bpf_xdp_adjust_head).
        if (scratch.data != skb.data && scratch.data >= 0 && scratch.data <= skb.tail) {
            skb.data = scratch.data;
        }
        switch (act) {
            case XDP_PASS:
                return true;
            case XDP_TX:
                skb.resetMacHeader();
                Dev.directXmit(dev, skb);
                return false;
            case XDP_REDIRECT: {
                NetDevice to = dev.net().deviceByIndex(scratch.redirectIfindex);
                if (to == null || !to.isRunning()) {
                    dev.net().xdpStats().redirectErrors++;
                    Skb.kfreeSkb(skb, DropReason.XDP);
                    return false;
                }
                skb.resetMacHeader();
                Dev.directXmit(to, skb);
                return false;
            }
            default:
                Skb.kfreeSkb(skb, DropReason.XDP);
                return false;
        }
    }
}
