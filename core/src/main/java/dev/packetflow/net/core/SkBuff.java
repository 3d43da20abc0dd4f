package dev.packetflow.net.core;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The socket buffer: one packet and everything the stack knows about it while it travels.
 *
 * <p>Like Linux's {@code struct sk_buff}, the bytes live in a buffer the head does not own alone
 * (clones share it, see {@link SkbShared}), and four offsets into that buffer say where the packet
 * is. All offsets count from the start of the buffer ({@code head} is always 0):
 *
 * <pre>
 *   0 (head)        data                  tail            end
 *   |   headroom    |   packet (len)      |   tailroom    |
 *                   ^ push() moves left   ^ put() moves right
 *                   ^ pull() moves right  ^ trim() moves left
 * </pre>
 *
 * On TX each layer {@link #push}es its header into the headroom reserved at allocation; on RX each
 * layer reads its header and {@link #pull}s it off. Nothing is copied.
 *
 * <p>Fields are public where Linux's are plain struct members read on every packet; the buffer
 * operations check their bounds and throw {@link IllegalStateException} on misuse (Linux panics:
 * {@code skb_under_panic}, {@code skb_over_panic}). Multi-byte accessors are big-endian, the
 * network byte order.
 *
 * <p>Linux: {@code include/linux/skbuff.h}, {@code net/core/skbuff.c}.
 */
public final class SkBuff {
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** {@link #ipSummed} values, Linux's CHECKSUM_*. */
    public static final int CHECKSUM_NONE = 0;
    public static final int CHECKSUM_UNNECESSARY = 1;
    public static final int CHECKSUM_COMPLETE = 2;
    public static final int CHECKSUM_PARTIAL = 3;

    /** {@link #pktType} values, Linux's PACKET_*. */
    public static final int PACKET_HOST = 0;
    public static final int PACKET_BROADCAST = 1;
    public static final int PACKET_MULTICAST = 2;
    public static final int PACKET_OTHERHOST = 3;
    public static final int PACKET_OUTGOING = 4;
    public static final int PACKET_LOOPBACK = 5;

    final PagePool pool;
    SkbShared shared;
    /** The buffer's bytes; {@code buf.byteSize() == end}. */
    MemorySegment buf;

    /** Offset of the first byte of the packet. */
    public int data;
    /** Offset one past the last byte of the packet. */
    public int tail;
    /** Size of the buffer. */
    public int end;
    public int macHeader = -1;
    public int networkHeader = -1;
    public int transportHeader = -1;

    /** Device the packet arrived on or leaves by. */
    public NetDevice dev;
    /** Ethertype of the payload, host order (Linux: {@code skb->protocol}, network order there). */
    public int protocol;
    public int pktType;
    /** Queueing priority, TC_PRIO_* (chooses the pfifo_fast band). */
    public int priority;
    public int mark;
    public int ipSummed;
    public int csumStart;
    public int csumOffset;
    /** {@link #gsoType} bits, Linux's SKB_GSO_*: a TCP/IPv4 super-packet. */
    public static final int SKB_GSO_TCPV4 = 1;
    /**
     * {@link #gsoType}: a UDP/IPv4 super-packet of {@code UDP_SEGMENT} (Linux's
     * {@code SKB_GSO_UDP_L4}, same bit): one UDP header for datagrams of {@link #gsoSize} bytes
     * each, the last one shorter.
     */
    public static final int SKB_GSO_UDP_L4 = 1 << 16;

    /**
     * GSO (Linux: {@code skb_shinfo(skb)->gso_size}): segment payload size, 0 when the packet is
     * not a GSO super-packet. A super-packet carries {@link #gsoSegs} segments of {@code gsoSize}
     * payload bytes (the last may be shorter) behind one set of headers; the device segments it
     * ({@code NETIF_F_TSO}) or {@code validate_xmit_skb} does it in software.
     */
    public int gsoSize;
    /** Number of segments of a GSO packet (Linux: {@code gso_segs}). */
    public int gsoSegs;
    /** {@link #SKB_GSO_TCPV4}, {@link #SKB_GSO_UDP_L4} or 0 (Linux: {@code gso_type}). */
    public int gsoType;
    /** Owning socket, if any (Linux: {@code skb->sk}). */
    public Object sk;
    /** Route chosen for the packet (Linux: {@code skb_dst()}). */
    public Object dst;
    /** Arrival or creation time on the stack's clock. */
    public long tstampNs;
    /** Journey this packet belongs to; 0 when nobody follows it. Carried across wires in simulation. */
    public long journey;
    /** Flow hash (Linux: {@code skb->hash}), 0 when not computed. */
    public int hash;

    // Control block: per-layer scratch space (Linux: skb->cb[48]). Each layer documents its use.
    public int cb0;
    public int cb1;
    public int cb2;
    public int cb3;
    public long cbl0;
    public long cbl1;

    /**
     * Memory this packet costs its owner, in bytes (Linux: {@code skb->truesize}): the size of its
     * buffer (the pool's size class, {@link PagePool#SMALL} or {@link PagePool#LARGE}, not the packet
     * length) plus {@link #SKB_HEAD_TRUESIZE} for the head. Socket receive and send buffers
     * ({@code SO_RCVBUF}, {@code SO_SNDBUF}) are charged this, so a 1-byte datagram costs as much as a
     * full frame, as in Linux.
     */
    public int truesize;
    /**
     * Run once when the packet is freed, by whoever frees it (Linux: {@code skb->destructor}); a
     * socket uses it to give back send-buffer space ({@code sock_wfree}). Not inherited by clones.
     */
    public Destructor destructor;

    /** Linux: the {@code skb->destructor} function type. */
    @FunctionalInterface
    public interface Destructor {
        void destruct(SkBuff skb);
    }

    /**
     * What the head adds to {@link #truesize}: Linux's {@code SKB_DATA_ALIGN(sizeof(struct sk_buff))}
     * on x86-64, so that a small buffer's truesize, 2304, is what Linux charges for a frame received
     * into a 2 KB fragment (and is Linux's {@code SOCK_MIN_RCVBUF}).
     */
    public static final int SKB_HEAD_TRUESIZE = 256;

    /** Queue links (Linux: {@code skb->next}, {@code skb->prev}); owned by whatever list holds the skb. */
    public SkBuff next;
    public SkBuff prev;
    int users;

    SkBuff(PagePool pool) {
        this.pool = pool;
    }

    void attach(SkbShared b) {
        attach(b, Skb.takePendingJourney());
    }

    /** Attaches a buffer with an explicit journey (build_skb: the driver knows the frame's journey). */
    void attach(SkbShared b, long journeyId) {
        shared = b;
        buf = b.seg;
        data = 0;
        tail = 0;
        end = b.size;
        macHeader = -1;
        networkHeader = -1;
        transportHeader = -1;
        dev = null;
        protocol = 0;
        pktType = 0;
        priority = 0;
        mark = 0;
        ipSummed = CHECKSUM_NONE;
        csumStart = 0;
        csumOffset = 0;
        gsoSize = 0;
        gsoSegs = 0;
        gsoType = 0;
        sk = null;
        dst = null;
        tstampNs = 0;
        journey = journeyId;
        hash = 0;
        cb0 = cb1 = cb2 = cb3 = 0;
        cbl0 = cbl1 = 0;
        truesize = b.size + SKB_HEAD_TRUESIZE;
        hdrPrivate = false;
        destructor = null;
        next = null;
        prev = null;
        users = 1;
    }

    // ---------------------------------------------------------------- geometry

    /** Bytes of packet (Linux: {@code skb->len}). */
    public int len() {
        return tail - data;
    }

    /** Linux: {@code skb_is_gso()}. */
    public boolean isGso() {
        return gsoSize != 0;
    }

    /** Linux: {@code skb_headroom()}. */
    public int headroom() {
        return data;
    }

    /** Linux: {@code skb_tailroom()}. */
    public int tailroom() {
        return end - tail;
    }

    /** Linux: {@code skb_reserve()}. Only on an empty buffer: makes headroom for headers to come. */
    public void reserve(int n) {
        if (tail != data || n < 0 || tail + n > end) {
            throw new IllegalStateException("skb_reserve(" + n + ") on " + this);
        }
        data += n;
        tail += n;
    }

    /** Linux: {@code skb_push()}. Prepends {@code n} bytes; returns the new data offset. */
    public int push(int n) {
        if (n < 0 || data - n < 0) {
            throw new IllegalStateException("skb_under_panic: push " + n + " with headroom " + data);
        }
        data -= n;
        return data;
    }

    /**
     * Linux: {@code skb_pull()}. Removes {@code n} bytes from the front; returns the new data offset,
     * or -1 (and changes nothing) if the packet is shorter than {@code n}.
     */
    public int pull(int n) {
        if (n < 0 || n > tail - data) {
            return -1;
        }
        data += n;
        return data;
    }

    /** Linux: {@code skb_put()}. Appends {@code n} bytes; returns the offset of the first of them. */
    public int put(int n) {
        if (n < 0 || tail + n > end) {
            throw new IllegalStateException("skb_over_panic: put " + n + " with tailroom " + (end - tail));
        }
        int old = tail;
        tail += n;
        return old;
    }

    /** Linux: {@code skb_trim()}. Cuts the packet to {@code len} bytes if it is longer. */
    public void trim(int len) {
        if (len < 0) {
            throw new IllegalArgumentException("negative length");
        }
        if (tail - data > len) {
            tail = data + len;
        }
    }

    public void resetMacHeader() {
        macHeader = data;
    }

    public void resetNetworkHeader() {
        networkHeader = data;
    }

    public void resetTransportHeader() {
        transportHeader = data;
    }

    /** Whether the buffer is shared with a clone (Linux: {@code skb_cloned()}); writers must unshare. */
    public boolean cloned() {
        return shared.ref() > 1;
    }

    /**
     * The room in front of {@link #data} is this skb's alone although the buffer is shared: the
     * other holder (TCP's copy kept for retransmission) uses only its payload, so this clone may
     * push headers without unsharing 64 KB. Set by TCP on the clone it transmits; clones of this
     * skb do not inherit it. Linux expresses the same with {@code __skb_header_release()}: the
     * holder sets {@code skb->nohdr} and takes a payload-only {@code dataref}.
     */
    public boolean hdrPrivate;

    /** Linux: {@code skb_header_cloned()}: whether pushing a header needs a private buffer. */
    public boolean headerCloned() {
        return cloned() && !hdrPrivate;
    }

    /**
     * Linux: {@code skb_cow_head()}: makes room for {@code headroom} bytes of headers in front of
     * the data, unsharing the buffer only when its header area is shared ({@link #headerCloned()})
     * or too small. Returns false when memory is short; the skb is then unchanged.
     */
    public boolean cowHead(int headroom) {
        if (!headerCloned() && data >= headroom) {
            return true;
        }
        return cow(headroom);
    }

    public MemorySegment segment() {
        return buf;
    }

    public PagePool pool() {
        return pool;
    }

    // ---------------------------------------------------------------- bytes (offsets from head)

    public int u8(int off) {
        return buf.get(ValueLayout.JAVA_BYTE, off) & 0xff;
    }

    public int u16(int off) {
        return buf.get(U16, off) & 0xffff;
    }

    public int u32(int off) {
        return buf.get(U32, off);
    }

    public long u48(int off) {
        return ((long) u16(off) << 32) | (u32(off + 2) & 0xffffffffL);
    }

    public void setU8(int off, int v) {
        buf.set(ValueLayout.JAVA_BYTE, off, (byte) v);
    }

    public void setU16(int off, int v) {
        buf.set(U16, off, (short) v);
    }

    public void setU32(int off, int v) {
        buf.set(U32, off, v);
    }

    public long u64(int off) {
        return buf.get(U64, off);
    }

    public void setU64(int off, long v) {
        buf.set(U64, off, v);
    }

    public void setU48(int off, long v) {
        setU16(off, (int) (v >>> 32));
        setU32(off + 2, (int) v);
    }

    /** Copies {@code len} bytes of {@code src} from {@code srcOff} into the buffer at {@code off}. */
    public void write(int off, byte[] src, int srcOff, int len) {
        MemorySegment.copy(src, srcOff, buf, ValueLayout.JAVA_BYTE, off, len);
    }

    public void read(int off, byte[] dst, int dstOff, int len) {
        MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, off, dst, dstOff, len);
    }

    /** Copies {@code len} bytes from {@code src} at {@code srcOff} (offset in src's buffer) to {@code off}. */
    public void write(int off, SkBuff src, int srcOff, int len) {
        MemorySegment.copy(src.buf, srcOff, buf, off, len);
    }

    /** Appends {@code src} to the packet (Linux: {@code skb_put_data()}). */
    public void putData(byte[] src) {
        write(put(src.length), src, 0, src.length);
    }

    /** The packet's bytes, data to tail, as a new array (tests and slow paths only). */
    public byte[] toByteArray() {
        byte[] out = new byte[len()];
        read(data, out, 0, out.length);
        return out;
    }

    // ---------------------------------------------------------------- life cycle

    /**
     * Linux: {@code skb_clone()}. A new head on the same buffer; both must be freed. Returns null
     * when the pool has no head to spare.
     */
    public SkBuff cloneSkb() {
        SkBuff c = pool.allocHead();
        shared.get();
        c.shared = shared;
        c.buf = buf;
        c.copyHeader(this);
        return c;
    }

    /** Linux: {@code skb_copy()}. A private copy of buffer and header; null when memory is short. */
    public SkBuff copySkb() {
        SkBuff c = pool.alloc(end);
        if (c == null) {
            return null;
        }
        MemorySegment.copy(buf, 0, c.buf, 0, end);
        long j = c.journey;
        c.copyHeader(this);
        if (j != 0 && journey == 0) {
            c.journey = j;
        }
        return c;
    }

    /**
     * Linux: {@code skb_cow_head()}/{@code pskb_expand_head()}: makes the buffer private (if it is
     * shared with a clone) with at least {@code headroom} bytes of headroom. Returns false when
     * memory is short; the skb is then unchanged.
     */
    public boolean cow(int headroom) {
        if (!cloned() && data >= headroom) {
            return true;
        }
        int shift = Math.max(0, headroom - data);
        int need = end + shift;
        SkBuff tmp = pool.alloc(need);
        if (tmp == null) {
            return false;
        }
        SkbShared nb = tmp.shared;
        MemorySegment.copy(buf, 0, nb.seg, shift, end);
        tmp.shared = shared; // hand our old buffer to tmp so freeing tmp releases our reference
        tmp.buf = buf;
        tmp.journey = 0;
        shared = nb;
        buf = nb.seg;
        end = nb.size;
        data += shift;
        tail += shift;
        if (macHeader >= 0) {
            macHeader += shift;
        }
        if (networkHeader >= 0) {
            networkHeader += shift;
        }
        if (transportHeader >= 0) {
            transportHeader += shift;
        }
        if (ipSummed == CHECKSUM_PARTIAL) {
            csumStart += shift; // an absolute offset too
        }
        Skb.consumeQuiet(tmp);
        return true;
    }

    /**
     * What a GSO segment takes over from its super-packet: device, protocol, packet type, priority,
     * mark, route, arrival stamp, journey, hash and the first two control-block words (Linux: the
     * part of {@code __copy_skb_header()} that {@code skb_segment()} gives each segment). Offsets
     * and checksum state are the segmenting code's business.
     */
    public void copySegmentMeta(SkBuff o) {
        dev = o.dev;
        protocol = o.protocol;
        pktType = o.pktType;
        priority = o.priority;
        mark = o.mark;
        dst = o.dst;
        tstampNs = o.tstampNs;
        journey = o.journey;
        hash = o.hash;
        cb0 = o.cb0;
        cb1 = o.cb1;
    }

    private void copyHeader(SkBuff o) {
        data = o.data;
        tail = o.tail;
        end = o.end;
        macHeader = o.macHeader;
        networkHeader = o.networkHeader;
        transportHeader = o.transportHeader;
        copySegmentMeta(o);
        ipSummed = o.ipSummed;
        csumStart = o.csumStart;
        csumOffset = o.csumOffset;
        gsoSize = o.gsoSize;
        gsoSegs = o.gsoSegs;
        gsoType = o.gsoType;
        sk = null;
        cb2 = o.cb2;
        cb3 = o.cb3;
        cbl0 = o.cbl0;
        cbl1 = o.cbl1;
        truesize = o.truesize;
        hdrPrivate = false;
        destructor = null;
        next = null;
        prev = null;
        users = 1;
    }

    /** Linux: {@code skb_get()}: one more user; each must free. */
    public SkBuff get() {
        users++;
        return this;
    }

    /** Called by {@link Skb} when the last user frees this head. */
    void release() {
        Destructor d = destructor;
        if (d != null) {
            destructor = null;
            d.destruct(this);
        }
        SkbShared b = shared;
        shared = null;
        buf = null;
        dev = null;
        sk = null;
        dst = null;
        pool.release(this, b != null && b.put() ? b : null);
    }

    boolean putUser() {
        if (users <= 0) {
            throw new IllegalStateException("double free of " + this);
        }
        return --users == 0;
    }

    boolean isFree() {
        return buf == null;
    }

    @Override
    public String toString() {
        return "skb[len=" + (buf == null ? "freed" : len()) + " data=" + data + " tail=" + tail + " end=" + end
                + (dev != null ? " dev=" + dev.name() : "") + "]";
    }
}
