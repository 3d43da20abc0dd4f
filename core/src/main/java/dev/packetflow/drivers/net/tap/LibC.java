package dev.packetflow.drivers.net.tap;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The few libc calls the TAP driver needs, bound through the Foreign Function &amp; Memory API: no
 * JNI, nothing to compile. Every call that can fail captures {@code errno} into a caller-supplied
 * segment (allocated once per thread role by the caller, see {@link #errnoSegment}) and returns
 * the C result, or {@code -errno} on failure: the packet path neither allocates nor throws.
 *
 * <p>Pointers to packet memory are passed as {@code long} addresses ({@code segment.address() +
 * offset}): on LP64 Linux a pointer argument and a {@code long} travel in the same register, and a
 * plain {@code long} avoids creating a slice object per frame.
 *
 * <p>Constants are the Linux values for x86-64 and arm64 (generic {@code ioctl} encoding,
 * {@code asm-generic/fcntl.h}); {@link #epollEventLayout()} handles the one layout difference.
 */
final class LibC {
    // errno values (asm-generic/errno-base.h, errno.h)
    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int EIO = 5;
    static final int ENXIO = 6;
    static final int EBADF = 9;
    static final int EAGAIN = 11;
    static final int ENOMEM = 12;
    static final int EACCES = 13;
    static final int EFAULT = 14;
    static final int EBUSY = 16;
    static final int EEXIST = 17;
    static final int ENODEV = 19;
    static final int EINVAL = 22;
    static final int ENOTTY = 25;
    static final int ENAMETOOLONG = 36;
    static final int EBADFD = 77;
    static final int EOPNOTSUPP = 95;

    // open(2), fcntl.h
    static final int O_RDONLY = 0;
    static final int O_RDWR = 2;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;

    // epoll(7), eventfd(2)
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_DEL = 2;
    static final int EPOLL_CTL_MOD = 3;
    static final int EPOLLIN = 0x001;
    static final int EPOLLOUT = 0x004;
    static final int EPOLLERR = 0x008;
    static final int EPOLLHUP = 0x010;
    static final int EPOLLONESHOT = 1 << 30;
    static final int EPOLLET = 1 << 31;

    // socket(2), setns(2)
    static final int AF_INET = 2;
    static final int AF_UNIX = 1;
    static final int SOCK_SEQPACKET = 5;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_DGRAM = 2;
    static final int CLONE_NEWNET = 0x40000000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final long ERRNO_OFFSET = Linker.Option.captureStateLayout()
            .byteOffset(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");

    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG;
    private static final MemoryLayout P = ValueLayout.ADDRESS;

    private static final MethodHandle OPEN = bind("open", FunctionDescriptor.of(I, P, I), 2);
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(I, I), -1);
    private static final MethodHandle READ = bind("read", FunctionDescriptor.of(L, I, L, L), -1);
    private static final MethodHandle WRITE = bind("write", FunctionDescriptor.of(L, I, L, L), -1);
    private static final MethodHandle WRITEV = bind("writev", FunctionDescriptor.of(L, I, L, I), -1);
    /** {@code ioctl} is variadic: the third argument is the first variadic one. */
    private static final MethodHandle IOCTL_PTR = bind("ioctl", FunctionDescriptor.of(I, I, L, P), 2);
    private static final MethodHandle IOCTL_VAL = bind("ioctl", FunctionDescriptor.of(I, I, L, L), 2);
    private static final MethodHandle IOCTL_NOARG = bind("ioctl", FunctionDescriptor.of(I, I, L), 2);
    private static final MethodHandle EPOLL_CREATE1 = bind("epoll_create1", FunctionDescriptor.of(I, I), -1);
    private static final MethodHandle EPOLL_CTL = bind("epoll_ctl", FunctionDescriptor.of(I, I, I, I, P), -1);
    private static final MethodHandle EPOLL_WAIT = bind("epoll_wait", FunctionDescriptor.of(I, I, P, I, I), -1);
    private static final MethodHandle EVENTFD = bind("eventfd", FunctionDescriptor.of(I, I, I), -1);
    private static final MethodHandle SOCKET = bind("socket", FunctionDescriptor.of(I, I, I, I), -1);
    private static final MethodHandle SOCKETPAIR = bind("socketpair", FunctionDescriptor.of(I, I, I, I, P), -1);
    private static final MethodHandle SETNS = bind("setns", FunctionDescriptor.of(I, I, I), -1);
    private static final MethodHandle READLINK = bind("readlink", FunctionDescriptor.of(L, P, P, L), -1);
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LIBC.find("strerror").orElseThrow(), FunctionDescriptor.of(P, I));

    private LibC() {}

    private static MethodHandle bind(String name, FunctionDescriptor fd, int firstVariadic) {
        MemorySegment sym = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name + "()"));
        return firstVariadic < 0
                ? LINKER.downcallHandle(sym, fd, ERRNO)
                : LINKER.downcallHandle(sym, fd, ERRNO, Linker.Option.firstVariadicArg(firstVariadic));
    }

    /** A segment to capture {@code errno} into; one per thread that makes calls. */
    static MemorySegment errnoSegment(Arena arena) {
        return arena.allocate(Linker.Option.captureStateLayout());
    }

    private static int errno(MemorySegment cap) {
        return cap.get(ValueLayout.JAVA_INT, ERRNO_OFFSET);
    }

    private static int intResult(int rc, MemorySegment cap) {
        return rc >= 0 ? rc : -errno(cap);
    }

    private static long longResult(long rc, MemorySegment cap) {
        return rc >= 0 ? rc : -errno(cap);
    }

    private static AssertionError linkError(Throwable t) {
        return new AssertionError("native call failed to link", t);
    }

    // ------------------------------------------------------------------ calls (result or -errno)

    static int open(MemorySegment cap, MemorySegment path, int flags) {
        try {
            return intResult((int) OPEN.invokeExact(cap, path, flags), cap);
        } catch (Throwable t) {
            throw linkError(t);
        }
    }

    static int close(MemorySegment cap, int fd) {
        try {
            return intResult((int) CLOSE.invokeExact(cap, fd), cap);
        } catch (Throwable t) {
            throw linkError(t);
        }
    }

    static long read(MemorySegment cap, int fd, long addr, long count) {
        try {
            return longResult((long) READ.invokeExact(cap, fd, addr, count), cap);
        } catch (Throwable t) {
            throw linkError(t);
        }
    }

    static long write(MemorySegment cap, int fd, long addr, long count) {
        try {
            return longResult((long) WRITE.invokeExact(cap, fd, addr, count), cap);
        } catch (Throwable t) {
            throw linkError(t);
        }
    }

    static long writev(MemorySegment cap, int fd, long iov, int iovcnt) {
        try {
            return longResult((long) WRITEV.invokeExact(cap, fd, iov, iovcnt), cap);
        } catch (Throwable t) {
            throw linkError(t);
        }
    }

    static int ioctl(MemorySegment cap, int fd, long request, MemorySegment arg) {
        try {
            return intResult((int) IOCTL_PTR.invokeExact(cap, fd, request, arg), cap);
        } catch (Throwable t) {
            throw linkError(t);
        }
    }

    static int ioctl(MemorySegment cap, int fd, long request, long arg) {
        try {
            return intResult((int) IOCTL_VAL.invokeExact(cap, fd, request, arg), cap);
        } catch (Throwable t) {
            throw linkError(t);
        }
    }

    static int ioctl(MemorySegment cap, int fd, long request) {
        try {
            return intResult((int) IOCTL_NOARG.invokeExact(cap, fd, request), cap);
        } catch (Throwable t) {
            throw linkError(t);
        }
    }

    static int epollCreate1(MemorySegment cap, int flags) {
        try {
            return intResult((int) EPOLL_CREATE1.invokeExact(cap, flags), cap);
        } catch (Throwable t) {
            throw linkError(t);
        }
    }

    static int epollCtl(MemorySegment cap, int epfd, int op, int fd, MemorySegment event) {
        try {
            return intResult((int) EPOLL_CTL.invokeExact(cap, epfd, op, fd, event), cap);
        } catch (Throwable t) {
            throw linkError(t);
        }
    }

    static int epollWait(MemorySegment cap, int epfd, MemorySegment events, int maxEvents, int timeoutMs) {
        try {
            return intResult((int) EPOLL_WAIT.invokeExact(cap, epfd, events, maxEvents, timeoutMs), cap);
        } catch (Throwable t) {
            throw linkError(t);
        }
    }

    static int eventfd(MemorySegment cap, int initval, int flags) {
        try {
            return intResult((int) EVENTFD.invokeExact(cap, initval, flags), cap);
        } catch (Throwable t) {
            throw linkError(t);
        }
    }

    static int socket(MemorySegment cap, int domain, int type, int protocol) {
        try {
            return intResult((int) SOCKET.invokeExact(cap, domain, type, protocol), cap);
        } catch (Throwable t) {
            throw linkError(t);
        }
    }

    /** {@code socketpair(2)}: the two descriptors go to {@code sv} (two ints); returns 0 or -errno. */
    static int socketpair(MemorySegment cap, int domain, int type, int protocol, MemorySegment sv) {
        try {
            return intResult((int) SOCKETPAIR.invokeExact(cap, domain, type, protocol, sv), cap);
        } catch (Throwable t) {
            throw linkError(t);
        }
    }

    static int setns(MemorySegment cap, int fd, int nstype) {
        try {
            return intResult((int) SETNS.invokeExact(cap, fd, nstype), cap);
        } catch (Throwable t) {
            throw linkError(t);
        }
    }

    static long readlink(MemorySegment cap, MemorySegment path, MemorySegment buf, long size) {
        try {
            return longResult((long) READLINK.invokeExact(cap, path, buf, size), cap);
        } catch (Throwable t) {
            throw linkError(t);
        }
    }

    /** The C library's text for an errno value ("Operation not permitted"). */
    static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw linkError(t);
        }
    }

    /** The symbolic name of common errno values, for messages ("EPERM"). */
    static String errnoName(int errno) {
        return switch (errno) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case EINTR -> "EINTR";
            case EIO -> "EIO";
            case ENXIO -> "ENXIO";
            case EBADF -> "EBADF";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EACCES -> "EACCES";
            case EFAULT -> "EFAULT";
            case EBUSY -> "EBUSY";
            case EEXIST -> "EEXIST";
            case ENODEV -> "ENODEV";
            case EINVAL -> "EINVAL";
            case ENOTTY -> "ENOTTY";
            case ENAMETOOLONG -> "ENAMETOOLONG";
            case EBADFD -> "EBADFD";
            case EOPNOTSUPP -> "EOPNOTSUPP";
            default -> "errno " + errno;
        };
    }

    // ------------------------------------------------------------------ struct epoll_event

    /**
     * Size of {@code struct epoll_event}: {@code {u32 events; u64 data}} is packed (12 bytes) on
     * x86-64 and naturally aligned (16 bytes) elsewhere.
     */
    static final long EPOLL_EVENT_SIZE;
    /** Offset of {@code data} in {@code struct epoll_event}. */
    static final long EPOLL_DATA_OFFSET;

    static {
        String arch = System.getProperty("os.arch");
        boolean packed = "amd64".equals(arch) || "x86_64".equals(arch);
        EPOLL_EVENT_SIZE = packed ? 12 : 16;
        EPOLL_DATA_OFFSET = packed ? 4 : 8;
    }

    static MemoryLayout epollEventLayout() {
        return MemoryLayout.sequenceLayout(EPOLL_EVENT_SIZE, ValueLayout.JAVA_BYTE);
    }

    static void setEpollEvent(MemorySegment ev, long index, int events, long data) {
        long base = index * EPOLL_EVENT_SIZE;
        ev.set(ValueLayout.JAVA_INT_UNALIGNED, base, events);
        ev.set(ValueLayout.JAVA_LONG_UNALIGNED, base + EPOLL_DATA_OFFSET, data);
    }

    static int epollEvents(MemorySegment ev, long index) {
        return ev.get(ValueLayout.JAVA_INT_UNALIGNED, index * EPOLL_EVENT_SIZE);
    }

    static long epollData(MemorySegment ev, long index) {
        return ev.get(ValueLayout.JAVA_LONG_UNALIGNED, index * EPOLL_EVENT_SIZE + EPOLL_DATA_OFFSET);
    }
}
