package dev.packetflow.net.socket;

import dev.packetflow.kernel.sched.Waiter;
import dev.packetflow.net.core.NetDevice;
import java.nio.charset.StandardCharsets;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * The {@code SOL_SOCKET} options, common to every socket: Linux's {@code sk_setsockopt()} and
 * {@code sk_getsockopt()}.
 *
 * <p>Option values travel as bytes in the x86-64 layout a C program would pass: an {@code int} is 4
 * little-endian bytes, {@code struct linger} two ints, {@code struct timeval} two 8-byte longs, so
 * the BSD-level calls behave byte for byte like Linux's, length checks included.
 *
 * <p>Notable Linux behaviour kept here: {@code SO_RCVBUF}/{@code SO_SNDBUF} store twice the value
 * set (room for the bookkeeping each packet costs), capped at {@code rmem_max}/{@code wmem_max}
 * first and floored at {@link Sock#SOCK_MIN_RCVBUF}/{@link Sock#SOCK_MIN_SNDBUF}, and
 * {@code getsockopt} returns the doubled value; {@code SO_ERROR} reads and clears the pending error;
 * a negative timeout means "don't wait". Timeouts keep full microsecond precision (Linux rounds
 * them up to a jiffy).
 */
public final class SockOpts {
    /** Linux's {@code IFNAMSIZ}. */
    public static final int IFNAMSIZ = 16;

    private SockOpts() {}

    /** Linux: {@code sk_setsockopt()}. */
    static int setsockopt(SocketLayer sl, Socket sock, int optname, byte[] optval, int optlen) {
        Sock sk = sock.sk();
        if (sk == null) {
            return Errno.EBADF.neg();
        }
        if (optname == SO_BINDTODEVICE) {
            return setBindToDevice(sl, sk, optval, optlen);
        }
        if (optlen < 4) {
            return Errno.EINVAL.neg();
        }
        if (optval == null || optval.length < 4) {
            return Errno.EFAULT.neg();
        }
        int val = intAt(optval, 0);
        boolean valbool = val != 0;
        switch (optname) {
            case SO_DEBUG -> {
                if (valbool && !sl.privileged()) {
                    return Errno.EACCES.neg();
                }
                sk.debug = valbool;
            }
            case SO_REUSEADDR -> sk.reuse = valbool;
            case SO_REUSEPORT -> sk.reuseport = valbool;
            case SO_TYPE, SO_PROTOCOL, SO_DOMAIN, SO_ERROR, SO_ACCEPTCONN -> {
                return Errno.ENOPROTOOPT.neg();
            }
            case SO_DONTROUTE -> sk.localroute = valbool;
            case SO_BROADCAST -> sk.broadcast = valbool;
            case SO_SNDBUF -> setSndbuf(sk, minU32(val, sl.sysctl().wmemMax()));
            case SO_SNDBUFFORCE -> {
                if (!sl.privileged()) {
                    return Errno.EPERM.neg();
                }
                setSndbuf(sk, Math.max(val, 0));
            }
            case SO_RCVBUF -> setRcvbuf(sk, minU32(val, sl.sysctl().rmemMax()));
            case SO_RCVBUFFORCE -> {
                if (!sl.privileged()) {
                    return Errno.EPERM.neg();
                }
                setRcvbuf(sk, Math.max(val, 0));
            }
            case SO_KEEPALIVE -> {
                sk.keepopen = valbool;
                sk.prot.keepalive(sk, valbool);
            }
            case SO_OOBINLINE -> sk.urginline = valbool;
            case SO_NO_CHECK -> sk.noCheckTx = valbool;
            case SO_PRIORITY -> {
                if ((val < 0 || val > 6) && !sl.privileged()) {
                    return Errno.EPERM.neg();
                }
                sk.priority = val;
            }
            case SO_LINGER -> {
                if (optlen < 8 || optval.length < 8) {
                    return optlen < 8 ? Errno.EINVAL.neg() : Errno.EFAULT.neg();
                }
                if (intAt(optval, 0) == 0) {
                    sk.linger = false;
                } else {
                    int secs = intAt(optval, 4);
                    sk.lingerSec = secs < 0 ? Integer.MAX_VALUE : secs; // Linux reads l_linger unsigned
                    sk.linger = true;
                }
            }
            case SO_BSDCOMPAT, SO_PASSCRED -> {
                // accepted and without effect here, as SO_BSDCOMPAT is in Linux
            }
            case SO_RCVLOWAT -> sk.rcvlowat = val < 0 ? Integer.MAX_VALUE : (val == 0 ? 1 : val);
            case SO_RCVTIMEO_OLD, SO_RCVTIMEO_NEW, SO_SNDTIMEO_OLD, SO_SNDTIMEO_NEW -> {
                if (optlen < 16) {
                    return Errno.EINVAL.neg();
                }
                if (optval.length < 16) {
                    return Errno.EFAULT.neg();
                }
                long sec = longAt(optval, 0);
                long usec = longAt(optval, 8);
                if (usec < 0 || usec >= 1_000_000) {
                    return Errno.EDOM.neg();
                }
                long ns;
                if (sec < 0) {
                    ns = 0;
                } else if (sec == 0 && usec == 0) {
                    ns = Waiter.FOREVER;
                } else if (sec >= (Long.MAX_VALUE - 1_000_000_000L) / 1_000_000_000L) {
                    ns = Waiter.FOREVER;
                } else {
                    ns = sec * 1_000_000_000L + usec * 1000L;
                }
                if (optname == SO_RCVTIMEO_OLD || optname == SO_RCVTIMEO_NEW) {
                    sk.rcvtimeoNs = ns;
                } else {
                    sk.sndtimeoNs = ns;
                }
            }
            case SO_BUSY_POLL -> {
                if (val < 0) {
                    return Errno.EINVAL.neg();
                }
                if (val > sk.busyPollUs && !sl.privileged()) {
                    return Errno.EPERM.neg();
                }
                sk.busyPollUs = val;
            }
            case SO_PREFER_BUSY_POLL -> {
                if (valbool && !sl.privileged()) {
                    return Errno.EPERM.neg();
                }
                sk.preferBusyPoll = valbool;
            }
            case SO_MARK -> {
                if (!sl.privileged()) {
                    return Errno.EPERM.neg();
                }
                sk.mark = val;
            }
            case SO_RXQ_OVFL -> sk.rxqOvfl = valbool;
            case SO_TIMESTAMP, SO_TIMESTAMPNS -> {
                // Linux: sock_set_timestamp() -> sock_enable_timestamp()
                sk.rcvTstampNs = valbool && optname == SO_TIMESTAMPNS;
                sk.rcvTstamp = valbool;
                sk.holdNetstamp(valbool);
            }
            case SO_BINDTOIFINDEX -> {
                return bindToIndex(sl, sk, val);
            }
            default -> {
                return Errno.ENOPROTOOPT.neg();
            }
        }
        return 0;
    }

    /** Linux: {@code sk_getsockopt()}. {@code optlen[0]} is the buffer length in, the value length out. */
    static int getsockopt(SocketLayer sl, Socket sock, int optname, byte[] optval, int[] optlen) {
        Sock sk = sock.sk();
        if (sk == null) {
            return Errno.EBADF.neg();
        }
        if (optlen == null || optlen.length < 1) {
            return Errno.EFAULT.neg();
        }
        int len = optlen[0];
        if (len < 0) {
            return Errno.EINVAL.neg();
        }
        byte[] v = new byte[16];
        int lv = 4;
        int val;
        switch (optname) {
            case SO_DEBUG -> val = b(sk.debug);
            case SO_DONTROUTE -> val = b(sk.localroute);
            case SO_BROADCAST -> val = b(sk.broadcast);
            case SO_SNDBUF -> val = sk.sndbuf;
            case SO_RCVBUF -> val = sk.rcvbuf;
            case SO_REUSEADDR -> val = b(sk.reuse);
            case SO_REUSEPORT -> val = b(sk.reuseport);
            case SO_KEEPALIVE -> val = b(sk.keepopen);
            case SO_TYPE -> val = sk.type;
            case SO_PROTOCOL -> val = sk.protocol;
            case SO_DOMAIN -> val = AF_INET;
            case SO_ERROR -> {
                val = -sk.sockError();
                if (val == 0) {
                    val = sk.errSoft;
                    sk.errSoft = 0;
                }
            }
            case SO_OOBINLINE -> val = b(sk.urginline);
            case SO_NO_CHECK -> val = b(sk.noCheckTx);
            case SO_PRIORITY -> val = sk.priority;
            case SO_LINGER -> {
                lv = 8;
                val = b(sk.linger);
                putInt(v, 4, sk.lingerSec);
            }
            case SO_BSDCOMPAT, SO_PASSCRED -> val = 0;
            case SO_RCVTIMEO_OLD, SO_RCVTIMEO_NEW, SO_SNDTIMEO_OLD, SO_SNDTIMEO_NEW -> {
                long ns = (optname == SO_RCVTIMEO_OLD || optname == SO_RCVTIMEO_NEW) ? sk.rcvtimeoNs : sk.sndtimeoNs;
                lv = 16;
                val = 0;
                if (ns != Waiter.FOREVER) {
                    putLong(v, 0, ns / 1_000_000_000L);
                    putLong(v, 8, (ns % 1_000_000_000L) / 1000L);
                }
            }
            case SO_RCVLOWAT -> val = sk.rcvlowat;
            case SO_SNDLOWAT -> val = 1;
            case SO_ACCEPTCONN -> val = b(sk.state == Sock.TCP_LISTEN);
            case SO_MARK -> val = sk.mark;
            case SO_RXQ_OVFL -> val = b(sk.rxqOvfl);
            case SO_TIMESTAMP -> val = b(sk.rcvTstamp && !sk.rcvTstampNs);
            case SO_TIMESTAMPNS -> val = b(sk.rcvTstampNs);
            case SO_BUSY_POLL -> val = sk.busyPollUs;
            case SO_PREFER_BUSY_POLL -> val = b(sk.preferBusyPoll);
            case SO_BINDTOIFINDEX -> val = sk.boundDevIf;
            case SO_BINDTODEVICE -> {
                if (sk.boundDevIf == 0) {
                    optlen[0] = 0;
                    return 0;
                }
                if (len < IFNAMSIZ) {
                    return Errno.EINVAL.neg();
                }
                NetDevice dev = sk.net.deviceByIndex(sk.boundDevIf);
                if (dev == null) {
                    return Errno.ENODEV.neg();
                }
                byte[] name = dev.name().getBytes(StandardCharsets.US_ASCII);
                if (optval == null || optval.length < name.length + 1) {
                    return Errno.EFAULT.neg();
                }
                System.arraycopy(name, 0, optval, 0, name.length);
                optval[name.length] = 0;
                optlen[0] = name.length + 1;
                return 0;
            }
            default -> {
                return Errno.ENOPROTOOPT.neg();
            }
        }
        if (lv != 16) {
            putInt(v, 0, val);
        }
        if (len > lv) {
            len = lv;
        }
        if (len > 0 && (optval == null || optval.length < len)) {
            return Errno.EFAULT.neg();
        }
        System.arraycopy(v, 0, optval == null ? new byte[0] : optval, 0, len);
        optlen[0] = len;
        return 0;
    }

    /** Linux: {@code __sock_set_rcvbuf()}: doubled, locked against autotuning, at least SOCK_MIN_RCVBUF. */
    static void setRcvbuf(Sock sk, int val) {
        val = Math.min(val, Integer.MAX_VALUE / 2);
        sk.userlocks |= Sock.SOCK_RCVBUF_LOCK;
        sk.rcvbuf = Math.max(val * 2, Sock.SOCK_MIN_RCVBUF);
    }

    /** Linux: the {@code set_sndbuf} path: doubled, at least SOCK_MIN_SNDBUF, writers woken. */
    static void setSndbuf(Sock sk, int val) {
        val = Math.min(val, Integer.MAX_VALUE / 2);
        sk.userlocks |= Sock.SOCK_SNDBUF_LOCK;
        sk.sndbuf = Math.max(val * 2, Sock.SOCK_MIN_SNDBUF);
        sk.skWriteSpace();
    }

    /** Linux: {@code sock_setbindtodevice()}: a device name (empty or zero length: unbind). */
    private static int setBindToDevice(SocketLayer sl, Sock sk, byte[] optval, int optlen) {
        if (optlen < 0) {
            return Errno.EINVAL.neg();
        }
        optlen = Math.min(optlen, IFNAMSIZ - 1);
        if (optlen > 0 && (optval == null || optval.length < optlen)) {
            return Errno.EFAULT.neg();
        }
        int n = 0;
        while (n < optlen && optval[n] != 0) {
            n++;
        }
        int index = 0;
        if (n > 0) {
            NetDevice dev = sk.net.device(new String(optval, 0, n, StandardCharsets.US_ASCII));
            if (dev == null) {
                return Errno.ENODEV.neg();
            }
            index = dev.ifindex();
        }
        return bindToIndex(sl, sk, index);
    }

    /** Linux: {@code sock_bindtoindex_locked()}. */
    private static int bindToIndex(SocketLayer sl, Sock sk, int ifindex) {
        if (ifindex < 0) {
            return Errno.EINVAL.neg();
        }
        if (ifindex == sk.boundDevIf) {
            return 0;
        }
        if (sk.boundDevIf != 0 && !sl.privileged()) {
            return Errno.EPERM.neg();
        }
        if (ifindex != 0 && sk.net.deviceByIndex(ifindex) == null) {
            return Errno.ENODEV.neg();
        }
        sk.lockSock();
        try {
            sk.boundDevIf = ifindex;
            sk.prot.rehash(sk);
        } finally {
            sk.releaseSock();
        }
        return 0;
    }

    private static int minU32(int val, int max) {
        return Integer.compareUnsigned(val, max) < 0 ? val : max;
    }

    private static int b(boolean v) {
        return v ? 1 : 0;
    }

    // ---- little-endian accessors for option values (x86-64 layout)

    public static int intAt(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }

    public static long longAt(byte[] b, int off) {
        return (intAt(b, off) & 0xffffffffL) | ((long) intAt(b, off + 4) << 32);
    }

    public static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
        b[off + 2] = (byte) (v >>> 16);
        b[off + 3] = (byte) (v >>> 24);
    }

    public static void putLong(byte[] b, int off, long v) {
        putInt(b, off, (int) v);
        putInt(b, off + 4, (int) (v >>> 32));
    }

    /** An {@code int} option value as bytes. */
    public static byte[] intOpt(int v) {
        byte[] b = new byte[4];
        putInt(b, 0, v);
        return b;
    }

    /** A {@code struct timeval} option value ({@code SO_RCVTIMEO}). */
    public static byte[] timeval(long sec, long usec) {
        byte[] b = new byte[16];
        putLong(b, 0, sec);
        putLong(b, 8, usec);
        return b;
    }

    /** A {@code struct linger} option value. */
    public static byte[] linger(boolean on, int seconds) {
        byte[] b = new byte[8];
        putInt(b, 0, on ? 1 : 0);
        putInt(b, 4, seconds);
        return b;
    }
}
