package dev.packetflow.net.socket;

import dev.packetflow.net.core.SkBuff;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * Control messages ({@code struct cmsghdr}) written into {@link MsgHdr#control}, byte for byte as
 * Linux writes them on x86-64: an 8-byte {@code cmsg_len} (header plus data, without the padding),
 * a 4-byte {@code cmsg_level}, a 4-byte {@code cmsg_type}, then the data; each message starts on
 * an 8-byte boundary ({@link #cmsgSpace}). Integers are little-endian (host order), addresses and
 * ports in network order, as in the C structures.
 *
 * <p>A protocol composes a message's data in {@link #data(MsgHdr)} and calls {@link #putCmsg}:
 * no allocation per message.
 *
 * <p>The messages of a send are read in place from {@link MsgHdr#control}
 * ({@code controllen} bytes): {@link #sendControlCheck}, then {@link #firstCmsg} /
 * {@link #nextCmsg} with {@link #cmsgOk} on each, as Linux's {@code for_each_cmsghdr()} and
 * {@code CMSG_OK()} walk them.
 *
 * <p>Linux: {@code net/core/scm.c put_cmsg()}, {@code include/linux/socket.h} (the {@code CMSG_*}
 * macros), {@code net/socket.c __sock_recv_timestamp()}.
 */
public final class Scm {
    /** {@code sizeof(struct cmsghdr)} on x86-64. */
    public static final int CMSG_HDR_LEN = 16;
    /** The largest data one message here carries ({@code IP_RECVERR}: 16 + 16 bytes). */
    static final int MAX_CMSG_DATA = 64;

    private static final VarHandle LE32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private Scm() {}

    /** Linux: {@code CMSG_ALIGN()}: rounded up to {@code sizeof(long)}. */
    public static int cmsgAlign(int len) {
        return (len + 7) & ~7;
    }

    /** Linux: {@code CMSG_LEN()}: what {@code cmsg_len} says for {@code len} bytes of data. */
    public static int cmsgLen(int len) {
        return CMSG_HDR_LEN + len;
    }

    /** Linux: {@code CMSG_SPACE()}: the room a message with {@code len} bytes of data takes. */
    public static int cmsgSpace(int len) {
        return CMSG_HDR_LEN + cmsgAlign(len);
    }

    /** The scratch array in which a protocol composes the next message's data. */
    public static byte[] data(MsgHdr msg) {
        return msg.cmsgData;
    }

    /**
     * Linux: {@code put_cmsg()}. Appends a message with the first {@code len} bytes of
     * {@link #data(MsgHdr)}. Without room for its header, nothing is written; without room for
     * all of it, what fits is written (with {@code cmsg_len} saying so); both set
     * {@link Uapi#MSG_CTRUNC}, and the room left is used up as Linux uses it.
     */
    public static void putCmsg(MsgHdr msg, int level, int type, int len) {
        byte[] c = msg.control;
        if (c == null || msg.controlLeft < CMSG_HDR_LEN) {
            msg.flags |= MSG_CTRUNC;
            return;
        }
        int cmlen = cmsgLen(len);
        if (msg.controlLeft < cmlen) {
            msg.flags |= MSG_CTRUNC;
            cmlen = msg.controlLeft;
        }
        int o = msg.controlPos;
        LE64.set(c, o, (long) cmlen);
        LE32.set(c, o + 8, level);
        LE32.set(c, o + 12, type);
        System.arraycopy(msg.cmsgData, 0, c, o + CMSG_HDR_LEN, cmlen - CMSG_HDR_LEN);
        int adv = Math.min(cmsgSpace(len), msg.controlLeft);
        msg.controlPos += adv;
        msg.controlLeft -= adv;
    }

    /** A message whose data is one host-order {@code int} (Linux: {@code IP_TTL}). */
    public static void putCmsgInt(MsgHdr msg, int level, int type, int v) {
        putLe32(msg.cmsgData, 0, v);
        putCmsg(msg, level, type, 4);
    }

    /**
     * Linux: {@code sock_recv_timestamp()} → {@code __sock_recv_timestamp()}, software stamps
     * only: with {@code SO_TIMESTAMPNS} a {@code struct timespec} ({@code SCM_TIMESTAMPNS}), with
     * {@code SO_TIMESTAMP} a {@code struct timeval} ({@code SCM_TIMESTAMP}), of the packet's
     * arrival on the stack's clock.
     */
    public static void sockRecvTimestamp(MsgHdr msg, Sock sk, SkBuff skb) {
        if (!sk.rcvTstamp) {
            return;
        }
        long ns = skb.tstampNs != 0 ? skb.tstampNs : sk.net.clock().nanoTime();
        byte[] d = msg.cmsgData;
        putLe64(d, 0, ns / 1_000_000_000L);
        if (sk.rcvTstampNs) {
            putLe64(d, 8, ns % 1_000_000_000L);
            putCmsg(msg, SOL_SOCKET, SCM_TIMESTAMPNS, 16);
        } else {
            putLe64(d, 8, (ns % 1_000_000_000L) / 1000L);
            putCmsg(msg, SOL_SOCKET, SCM_TIMESTAMP, 16);
        }
    }

    // ---- the control messages of a send (read from msg_control, msg_controllen bytes)

    /**
     * Linux: {@code ____sys_sendmsg()}'s copy of a send's control buffer: 0 when
     * {@link MsgHdr#controllen} bytes of {@link MsgHdr#control} can be read (none at all is fine),
     * -ENOBUFS for a length over INT_MAX (a negative int here, as the C {@code size_t} would be),
     * -EFAULT for a missing or shorter array ({@code copy_from_user()} failing).
     */
    public static int sendControlCheck(MsgHdr msg) {
        int len = msg.controllen;
        if (len < 0) {
            return Errno.ENOBUFS.neg();
        }
        if (len != 0 && (msg.control == null || msg.control.length < len)) {
            return Errno.EFAULT.neg();
        }
        return 0;
    }

    /**
     * Linux: {@code CMSG_FIRSTHDR()}: the offset of a send's first message in
     * {@link MsgHdr#control}, or -1 when {@code controllen} is shorter than one header. Call
     * {@link #sendControlCheck} first.
     */
    public static int firstCmsg(MsgHdr msg) {
        return msg.controllen >= CMSG_HDR_LEN ? 0 : -1;
    }

    /**
     * Linux: {@code CMSG_NXTHDR()} ({@code __cmsg_nxthdr()}): the offset of the message after the
     * one at {@code pos} (which passed {@link #cmsgOk}), or -1 when no whole header follows.
     */
    public static int nextCmsg(MsgHdr msg, int pos) {
        long next = pos + ((cmsgLenAt(msg, pos) + 7) & ~7L);
        return next + CMSG_HDR_LEN > msg.controllen ? -1 : (int) next;
    }

    /**
     * Linux: {@code CMSG_OK()}: the message at {@code pos} has a {@code cmsg_len} of at least a
     * header and not past {@code controllen} (compared unsigned, as the C {@code size_t}).
     */
    public static boolean cmsgOk(MsgHdr msg, int pos) {
        long len = cmsgLenAt(msg, pos);
        return Long.compareUnsigned(len, CMSG_HDR_LEN) >= 0 && Long.compareUnsigned(len, msg.controllen - pos) <= 0;
    }

    /** {@code cmsg_len} of the message at {@code pos} (a 64-bit {@code size_t}). */
    public static long cmsgLenAt(MsgHdr msg, int pos) {
        return (long) LE64.get(msg.control, pos);
    }

    /** {@code cmsg_level} of the message at {@code pos}. */
    public static int cmsgLevel(MsgHdr msg, int pos) {
        return (int) LE32.get(msg.control, pos + 8);
    }

    /** {@code cmsg_type} of the message at {@code pos}. */
    public static int cmsgType(MsgHdr msg, int pos) {
        return (int) LE32.get(msg.control, pos + 12);
    }

    /** A host-order (little-endian) {@code __u16} at {@code o}. */
    public static int getLe16(byte[] b, int o) {
        return (b[o] & 0xff) | (b[o + 1] & 0xff) << 8;
    }

    public static void putLe32(byte[] b, int o, int v) {
        LE32.set(b, o, v);
    }

    public static void putLe64(byte[] b, int o, long v) {
        LE64.set(b, o, v);
    }

    public static void putLe16(byte[] b, int o, int v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >>> 8);
    }

    /** Network order (addresses, ports). */
    public static void putBe32(byte[] b, int o, int v) {
        b[o] = (byte) (v >>> 24);
        b[o + 1] = (byte) (v >>> 16);
        b[o + 2] = (byte) (v >>> 8);
        b[o + 3] = (byte) v;
    }

    public static void putBe16(byte[] b, int o, int v) {
        b[o] = (byte) (v >>> 8);
        b[o + 1] = (byte) v;
    }

    /**
     * A {@code struct sockaddr_in} (16 bytes: family in host order, port and address in network
     * order, 8 zero bytes) at {@code o}; family 0 writes all zeros.
     */
    public static void putSockaddrIn(byte[] b, int o, int family, int addr, int port) {
        putLe16(b, o, family);
        putBe16(b, o + 2, family == 0 ? 0 : port);
        putBe32(b, o + 4, family == 0 ? 0 : addr);
        putLe64(b, o + 8, 0L);
    }
}
