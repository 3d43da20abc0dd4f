package dev.packetflow.net.socket;

/**
 * Error numbers, with Linux's values ({@code include/uapi/asm-generic/errno-base.h} and
 * {@code errno.h}) and the C library's {@code strerror()} texts.
 *
 * <p>The BSD-style socket calls return a non-negative result or {@code -errno}, exactly like the
 * kernel's system call entry points: {@code return -Errno.EAGAIN.code;}. The Java-level sockets map
 * these to {@code java.net} exceptions.
 *
 * <p>This is the stack's only errno table: the IPv4 layer uses it too ({@code Errno.EMSGSIZE.neg()}
 * as a result, {@code Errno.EHOSTUNREACH.code} where Linux stores a positive errno, such as a
 * route's error), and code that must switch on a number uses {@link #of(int)}.
 */
public enum Errno {
    EPERM(1, "Operation not permitted"),
    ENOENT(2, "No such file or directory"),
    ESRCH(3, "No such process"),
    EINTR(4, "Interrupted system call"),
    EIO(5, "Input/output error"),
    ENXIO(6, "No such device or address"),
    E2BIG(7, "Argument list too long"),
    ENOEXEC(8, "Exec format error"),
    EBADF(9, "Bad file descriptor"),
    ECHILD(10, "No child processes"),
    /** Also {@code EWOULDBLOCK}. */
    EAGAIN(11, "Resource temporarily unavailable"),
    ENOMEM(12, "Cannot allocate memory"),
    EACCES(13, "Permission denied"),
    EFAULT(14, "Bad address"),
    ENOTBLK(15, "Block device required"),
    EBUSY(16, "Device or resource busy"),
    EEXIST(17, "File exists"),
    EXDEV(18, "Invalid cross-device link"),
    ENODEV(19, "No such device"),
    ENOTDIR(20, "Not a directory"),
    EISDIR(21, "Is a directory"),
    EINVAL(22, "Invalid argument"),
    ENFILE(23, "Too many open files in system"),
    EMFILE(24, "Too many open files"),
    ENOTTY(25, "Inappropriate ioctl for device"),
    ETXTBSY(26, "Text file busy"),
    EFBIG(27, "File too large"),
    ENOSPC(28, "No space left on device"),
    ESPIPE(29, "Illegal seek"),
    EROFS(30, "Read-only file system"),
    EMLINK(31, "Too many links"),
    EPIPE(32, "Broken pipe"),
    EDOM(33, "Numerical argument out of domain"),
    ERANGE(34, "Numerical result out of range"),
    EDEADLK(35, "Resource deadlock avoided"),
    ENAMETOOLONG(36, "File name too long"),
    ENOLCK(37, "No locks available"),
    ENOSYS(38, "Function not implemented"),
    ENOTEMPTY(39, "Directory not empty"),
    ELOOP(40, "Too many levels of symbolic links"),
    ENOMSG(42, "No message of desired type"),
    EIDRM(43, "Identifier removed"),
    ENODATA(61, "No data available"),
    ETIME(62, "Timer expired"),
    ENOSR(63, "Out of streams resources"),
    ENONET(64, "Machine is not on the network"),
    EPROTO(71, "Protocol error"),
    EBADMSG(74, "Bad message"),
    EOVERFLOW(75, "Value too large for defined data type"),
    ENOTSOCK(88, "Socket operation on non-socket"),
    EDESTADDRREQ(89, "Destination address required"),
    EMSGSIZE(90, "Message too long"),
    EPROTOTYPE(91, "Protocol wrong type for socket"),
    ENOPROTOOPT(92, "Protocol not available"),
    EPROTONOSUPPORT(93, "Protocol not supported"),
    ESOCKTNOSUPPORT(94, "Socket type not supported"),
    /** Also {@code ENOTSUP}. */
    EOPNOTSUPP(95, "Operation not supported"),
    EPFNOSUPPORT(96, "Protocol family not supported"),
    EAFNOSUPPORT(97, "Address family not supported by protocol"),
    EADDRINUSE(98, "Address already in use"),
    EADDRNOTAVAIL(99, "Cannot assign requested address"),
    ENETDOWN(100, "Network is down"),
    ENETUNREACH(101, "Network is unreachable"),
    ENETRESET(102, "Network dropped connection on reset"),
    ECONNABORTED(103, "Software caused connection abort"),
    ECONNRESET(104, "Connection reset by peer"),
    ENOBUFS(105, "No buffer space available"),
    EISCONN(106, "Transport endpoint is already connected"),
    ENOTCONN(107, "Transport endpoint is not connected"),
    ESHUTDOWN(108, "Cannot send after transport endpoint shutdown"),
    ETOOMANYREFS(109, "Too many references: cannot splice"),
    ETIMEDOUT(110, "Connection timed out"),
    ECONNREFUSED(111, "Connection refused"),
    EHOSTDOWN(112, "Host is down"),
    EHOSTUNREACH(113, "No route to host"),
    EALREADY(114, "Operation already in progress"),
    EINPROGRESS(115, "Operation now in progress"),
    ECANCELED(125, "Operation canceled");

    /** The positive error number. */
    public final int code;
    private final String text;

    private static final Errno[] BY_CODE = new Errno[126];

    static {
        for (Errno e : values()) {
            BY_CODE[e.code] = e;
        }
    }

    Errno(int code, String text) {
        this.code = code;
        this.text = text;
    }

    /** {@code -code}: what a call returns to report this error. */
    public int neg() {
        return -code;
    }

    /** The {@code strerror()} text, e.g. "Address already in use". */
    public String text() {
        return text;
    }

    /** The error for {@code code} or {@code -code}, or null if there is no such error number. */
    public static Errno of(int code) {
        int c = Math.abs(code);
        return c < BY_CODE.length ? BY_CODE[c] : null;
    }

    /** Like C's {@code strerror()}: the text for {@code code} (either sign), or "Unknown error N". */
    public static String strerror(int code) {
        Errno e = of(code);
        return e != null ? e.text : "Unknown error " + Math.abs(code);
    }

    /** A result as {@code strace} prints it: the value itself if non-negative, else "-1 EAGAIN (...)". */
    public static String describe(int result) {
        if (result >= 0) {
            return Integer.toString(result);
        }
        Errno e = of(result);
        return e == null ? "-1 errno " + (-result) : "-1 " + e.name() + " (" + e.text + ")";
    }
}
