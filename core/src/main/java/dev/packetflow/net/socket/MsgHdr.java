package dev.packetflow.net.socket;

import dev.packetflow.net.core.SkBuff;
import dev.packetflow.trace.Tracepoint;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

/**
 * A message on its way between an application and a socket: Linux's {@code struct msghdr} with
 * the {@code iov_iter} that walks its buffers. Mutable and reusable, so the zero-allocation path
 * ({@link SocketLayer#recvmsg}, {@link SocketLayer#sendmsg}) keeps one per thread.
 *
 * <ul>
 * <li><b>msg_name</b> ({@link #nameFamily}, {@link #nameAddr}, {@link #namePort},
 *     {@link #namelen}): the destination of a send (used when {@code namelen != 0}), the source of a
 *     received datagram (filled in by the protocol).
 * <li><b>msg_iov</b>: one {@code byte[]} region, or up to {@link #UIO_MAXIOV} {@link ByteBuffer}s
 *     (heap, direct or, for sending, read-only). Copies advance the buffers' positions, the way
 *     {@code java.nio} channels do, and the iterator's count ({@link #dataLeft()}).
 * <li><b>msg_control</b> ({@link #control}, {@link #controllen}): room for the control messages
 *     {@code recvmsg} returns ({@code IP_PKTINFO}, {@code IP_TTL}, the error queue's
 *     {@code IP_RECVERR}...), laid out as Linux lays them out on x86-64 ({@link Scm}). As in C,
 *     {@code controllen} is the room on the way in and the bytes written on the way out: reset it
 *     (or call {@link #setControl}) before reusing the header. For {@code sendmsg}, the first
 *     {@code controllen} bytes are the messages the protocol reads (UDP's {@code UDP_SEGMENT}).
 * <li><b>msg_flags</b> ({@link #flags}): for {@code sendmsg} the call's flags, on return from
 *     {@code recvmsg} what happened ({@link Uapi#MSG_TRUNC}, {@link Uapi#MSG_CTRUNC},
 *     {@link Uapi#MSG_ERRQUEUE}).
 * </ul>
 */
public final class MsgHdr {
    /** Linux's {@code UIO_MAXIOV}: most buffers one call may pass. */
    public static final int UIO_MAXIOV = 1024;
    /** Linux's {@code MAX_RW_COUNT}: the most one read or write moves ({@code INT_MAX & PAGE_MASK}). */
    public static final int MAX_RW_COUNT = 0x7ffff000;

    public int nameFamily;
    public int nameAddr;
    public int namePort;
    /** 0 when there is no address, else {@link Uapi#SOCKADDR_IN_LEN}. */
    public int namelen;
    public int flags;
    /**
     * Scratch for helpers that return an skb and must also report an error (Linux passes
     * {@code int *err}): {@link Datagram#skbRecvDatagram}, {@link Sock#sockAllocSendSkb}.
     */
    public int err;
    /** msg_control: the control-message buffer (from index 0), or null. */
    public byte[] control;
    /** msg_controllen: bytes of {@link #control} usable by the next {@code recvmsg}; after it, bytes written. */
    public int controllen;
    /** Where the next control message goes during a receive (Linux advances {@code msg_control}). */
    int controlPos;
    /** Room left after {@link #controlPos} (Linux decrements {@code msg_controllen}). */
    int controlLeft;
    /** Where a protocol composes a control message's data before {@link Scm#putCmsg} copies it. */
    final byte[] cmsgData = new byte[Scm.MAX_CMSG_DATA];

    /** The system call's tracepoint ({@code recvfrom}, {@code read}...), fired with the skb received. */
    Tracepoint syscallTp;

    /**
     * The receiving system call's tracepoint, or null: a protocol fires it with the skb whose bytes
     * the call returns, so the packet's journey ends at the call ({@code recvfrom}, {@code read}).
     */
    public Tracepoint syscallTp() {
        return syscallTp;
    }

    private ByteBuffer[] iov;
    private int iovcnt;
    private int iovIdx;
    private final ByteBuffer[] one = new ByteBuffer[1];
    private byte[] arr;
    private int arrPos;
    private long left;
    /**
     * The last two direct buffers copied to or from, each with a segment over its whole capacity:
     * a thread that both sends and receives (one buffer each, the usual loop) reuses both.
     */
    private ByteBuffer segBuf;
    private MemorySegment bufSeg;
    private ByteBuffer segBuf2;
    private MemorySegment bufSeg2;

    /** Sets msg_name to {@code a}, or clears it when {@code a} is null. */
    public MsgHdr setName(SockAddrIn a) {
        if (a == null) {
            namelen = 0;
            nameFamily = 0;
            nameAddr = 0;
            namePort = 0;
        } else {
            nameFamily = a.family();
            nameAddr = a.addr();
            namePort = a.port();
            namelen = Uapi.SOCKADDR_IN_LEN;
        }
        return this;
    }

    /** Fills msg_name with an AF_INET address (what a protocol's recvmsg does). */
    public void setName(int addr, int port) {
        nameFamily = Uapi.AF_INET;
        nameAddr = addr;
        namePort = port;
        namelen = Uapi.SOCKADDR_IN_LEN;
    }

    /** msg_name as a value, or null when empty. */
    public SockAddrIn name() {
        return namelen == 0 ? null : new SockAddrIn(nameFamily, nameAddr, namePort);
    }

    /** Sets msg_control to all of {@code b} (null: no control messages). */
    public MsgHdr setControl(byte[] b) {
        control = b;
        controllen = b == null ? 0 : b.length;
        return this;
    }

    /** Linux: {@code ___sys_recvmsg()} saving {@code msg_control} before the call. */
    void beginControl() {
        controlPos = 0;
        controlLeft = control == null ? 0 : Math.max(0, Math.min(controllen, control.length));
    }

    /** Linux: {@code ___sys_recvmsg()}: {@code msg_controllen} becomes the bytes written. */
    void endControl() {
        controllen = controlPos;
    }

    /** One {@code byte[]} region as the message's only buffer. */
    public MsgHdr setBuffer(byte[] b, int off, int len) {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        iov = null;
        iovcnt = 0;
        arr = b;
        arrPos = off;
        left = len;
        return this;
    }

    /** One buffer, from its position to its limit. */
    public MsgHdr setBuffer(ByteBuffer b) {
        one[0] = b;
        return setIov(one, 1);
    }

    /**
     * The first {@code cnt} buffers of {@code bufs}. Throws IllegalArgumentException on a bad count;
     * the socket calls check {@link #UIO_MAXIOV} first and return EINVAL as Linux does.
     */
    public MsgHdr setIov(ByteBuffer[] bufs, int cnt) {
        if (cnt < 0 || cnt > bufs.length) {
            throw new IllegalArgumentException("iovcnt " + cnt + " for " + bufs.length + " buffers");
        }
        arr = null;
        iov = bufs;
        iovcnt = cnt;
        iovIdx = 0;
        long total = 0;
        for (int i = 0; i < cnt; i++) {
            total += bufs[i].remaining();
        }
        left = Math.min(total, MAX_RW_COUNT);
        return this;
    }

    public MsgHdr setIov(ByteBuffer... bufs) {
        return setIov(bufs, bufs.length);
    }

    /** Linux: {@code msg_data_left()}: bytes the buffers can still take or give. */
    public int dataLeft() {
        return (int) left;
    }

    /**
     * A segment over all of direct buffer {@code b} (index 0 to its capacity), kept for the next
     * copy: an application that reuses its buffer (the usual receive loop) makes no new segment per
     * call, where {@code MemorySegment.ofBuffer} per copy allocates whenever the JIT cannot prove
     * it does not escape.
     */
    private MemorySegment whole(ByteBuffer b) {
        if (b == segBuf) {
            return bufSeg;
        }
        // Not the latest: swap in the other slot's buffer, or make a segment in its place.
        ByteBuffer ob = segBuf;
        MemorySegment os = bufSeg;
        if (b == segBuf2) {
            bufSeg = bufSeg2;
        } else {
            bufSeg = MemorySegment.ofBuffer(b.duplicate().clear());
        }
        segBuf = b;
        segBuf2 = ob;
        bufSeg2 = os;
        return bufSeg;
    }

    /**
     * Forgets the buffers (so a reused header does not keep an application's arrays alive). The
     * segment of the last direct buffer stays cached (one buffer per header at most), so that the
     * next call with the same buffer allocates nothing.
     */
    public void clearIov() {
        arr = null;
        iov = null;
        one[0] = null;
        iovcnt = 0;
        left = 0;
    }

    /**
     * Linux: {@code skb_copy_datagram_iter()}'s copy: {@code len} bytes of {@code skb} starting at
     * absolute buffer offset {@code off} into the message's buffers. Returns 0, or -EFAULT when
     * the buffers cannot take them (too small, read-only).
     */
    public int copyFromSkb(SkBuff skb, int off, int len) {
        if (len > left) {
            return Errno.EFAULT.neg();
        }
        MemorySegment seg = skb.segment();
        if (arr != null) {
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, off, arr, arrPos, len);
            arrPos += len;
            left -= len;
            return 0;
        }
        while (len > 0) {
            ByteBuffer b = iov[iovIdx];
            int n = Math.min(b.remaining(), len);
            if (n == 0) {
                iovIdx++;
                continue;
            }
            if (b.isReadOnly()) {
                return Errno.EFAULT.neg();
            }
            int pos = b.position();
            if (b.hasArray()) {
                MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, off, b.array(), b.arrayOffset() + pos, n);
            } else {
                MemorySegment.copy(seg, off, whole(b), pos, n);
            }
            b.position(pos + n);
            off += n;
            len -= n;
            left -= n;
        }
        return 0;
    }

    /**
     * Linux: {@code copy_from_iter()}: {@code len} bytes from the message's buffers into
     * {@code skb} at absolute buffer offset {@code off}. Returns 0, or -EFAULT if the buffers hold
     * fewer bytes.
     */
    public int copyToSkb(SkBuff skb, int off, int len) {
        if (len > left) {
            return Errno.EFAULT.neg();
        }
        MemorySegment seg = skb.segment();
        if (arr != null) {
            MemorySegment.copy(arr, arrPos, seg, ValueLayout.JAVA_BYTE, off, len);
            arrPos += len;
            left -= len;
            return 0;
        }
        while (len > 0) {
            ByteBuffer b = iov[iovIdx];
            int n = Math.min(b.remaining(), len);
            if (n == 0) {
                iovIdx++;
                continue;
            }
            int pos = b.position();
            if (b.hasArray()) {
                MemorySegment.copy(b.array(), b.arrayOffset() + pos, seg, ValueLayout.JAVA_BYTE, off, n);
            } else {
                MemorySegment.copy(whole(b), pos, seg, off, n);
            }
            b.position(pos + n);
            off += n;
            len -= n;
            left -= n;
        }
        return 0;
    }
}
