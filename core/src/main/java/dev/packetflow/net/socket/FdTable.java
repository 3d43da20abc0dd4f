package dev.packetflow.net.socket;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A stack's descriptor table (Linux: {@code struct files_struct} / {@code struct fdtable}). New
 * descriptors take the lowest free number, as POSIX requires and Linux does; numbering starts at 3
 * because an application's 0, 1 and 2 are its standard streams.
 *
 * <p>Lookups run on every socket call from any thread and take no lock: the array is published
 * through a volatile field and its slots are read with acquire semantics. Allocation and release
 * are serialised on the table's monitor. A bitmap of open descriptors and a "next free" hint
 * (Linux's {@code open_fds} and {@code next_fd}) keep finding the lowest free slot cheap with
 * hundreds of thousands of descriptors.
 */
final class FdTable {
    /** The first descriptor handed out. */
    static final int FIRST_FD = 3;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(OpenFile[].class);

    private volatile OpenFile[] files = new OpenFile[64];
    private long[] openBits = new long[1];
    private long[] cloexecBits = new long[1];
    /** No free descriptor below this one. */
    private int nextFd = FIRST_FD;
    private int open;
    private int maxFds;

    FdTable(int maxFds) {
        this.maxFds = maxFds;
        openBits[0] = (1L << FIRST_FD) - 1; // 0, 1, 2 are never ours
    }

    /** The file open at {@code fd}, or null. Lock-free. */
    OpenFile get(int fd) {
        OpenFile[] f = files;
        if (fd < 0 || fd >= f.length) {
            return null;
        }
        return (OpenFile) SLOT.getAcquire(f, fd);
    }

    /** Linux: {@code get_unused_fd_flags()} + {@code fd_install()}. Returns the fd, or -EMFILE. */
    synchronized int install(OpenFile file, boolean cloexec) {
        int fd = findFree(nextFd);
        if (fd < 0 || fd >= maxFds) {
            return Errno.EMFILE.neg();
        }
        ensureCapacity(fd);
        openBits[fd >>> 6] |= 1L << (fd & 63);
        setCloexec(fd, cloexec);
        SLOT.setRelease(files, fd, file);
        nextFd = fd + 1;
        open++;
        return fd;
    }

    /** Linux: {@code close_fd()}'s table part. Returns the file that was open there, or null. */
    synchronized OpenFile remove(int fd) {
        OpenFile[] f = files;
        if (fd < FIRST_FD || fd >= f.length) {
            return null;
        }
        OpenFile file = (OpenFile) SLOT.getAcquire(f, fd);
        if (file == null) {
            return null;
        }
        SLOT.setRelease(f, fd, null);
        openBits[fd >>> 6] &= ~(1L << (fd & 63));
        cloexecBits[fd >>> 6] &= ~(1L << (fd & 63));
        if (fd < nextFd) {
            nextFd = fd;
        }
        open--;
        return file;
    }

    synchronized boolean cloexec(int fd) {
        return fd >>> 6 < cloexecBits.length && (cloexecBits[fd >>> 6] & (1L << (fd & 63))) != 0;
    }

    synchronized void setCloexec(int fd, boolean on) {
        if (on) {
            cloexecBits[fd >>> 6] |= 1L << (fd & 63);
        } else {
            cloexecBits[fd >>> 6] &= ~(1L << (fd & 63));
        }
    }

    synchronized int openCount() {
        return open;
    }

    synchronized int maxFds() {
        return maxFds;
    }

    /** {@code RLIMIT_NOFILE}. */
    synchronized void setMaxFds(int n) {
        if (n < FIRST_FD) {
            throw new IllegalArgumentException("RLIMIT_NOFILE below " + FIRST_FD + ": " + n);
        }
        maxFds = n;
    }

    /** Open descriptors in ascending order. */
    synchronized int[] openFds() {
        int[] out = new int[open];
        int k = 0;
        for (int w = 0; w < openBits.length; w++) {
            long bits = openBits[w];
            while (bits != 0) {
                int fd = (w << 6) | Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                if (fd >= FIRST_FD) {
                    out[k++] = fd;
                }
            }
        }
        return out;
    }

    private int findFree(int from) {
        int w = from >>> 6;
        if (w >= openBits.length) {
            return from;
        }
        long bits = ~openBits[w] & (-1L << (from & 63));
        while (bits == 0) {
            w++;
            if (w >= openBits.length) {
                return w << 6;
            }
            bits = ~openBits[w];
        }
        return (w << 6) | Long.numberOfTrailingZeros(bits);
    }

    private void ensureCapacity(int fd) {
        if (fd >= files.length) {
            int n = files.length;
            while (n <= fd) {
                n <<= 1;
            }
            files = java.util.Arrays.copyOf(files, n);
        }
        if ((fd >>> 6) >= openBits.length) {
            int words = Math.max(openBits.length * 2, (fd >>> 6) + 1);
            openBits = java.util.Arrays.copyOf(openBits, words);
            cloexecBits = java.util.Arrays.copyOf(cloexecBits, words);
        }
    }
}
