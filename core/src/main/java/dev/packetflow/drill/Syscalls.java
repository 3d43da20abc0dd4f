package dev.packetflow.drill;

import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.socket.EpollEvent;
import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.MsgHdr;
import dev.packetflow.net.socket.PollFd;
import dev.packetflow.net.socket.SockAddrIn;
import dev.packetflow.net.socket.SocketLayer;
import dev.packetflow.net.socket.Uapi;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a system-call line into a call on the stack's {@link SocketLayer} (GRAMMAR.md 4) and
 * checks what it returned: the result or errno, and the values a call hands back through its
 * arguments ({@code getsockopt}'s {@code [v]} and {@code [len]}, {@code ioctl}'s {@code [v]},
 * {@code poll}'s {@code revents}, {@code recvmsg}'s {@code msg_flags}, {@code epoll_wait}'s events).
 *
 * <p>Script descriptors map to live ones: the number a script expects from {@code socket} or
 * {@code accept} names whatever descriptor the stack returned. Data written is zeros; data read is
 * counted, not compared. {@code ...} arguments take their defaults: the run's address family, the
 * SUT address and bind port for {@code bind}, the remote address and connect port for
 * {@code connect} and {@code sendto}; ignored out-parameters.
 */
final class Syscalls {
    /** A call ready to run on an application thread, and the check of its result. */
    interface Prepared {
        /** Runs the call (on an application thread); returns its result or -errno. */
        int call();

        /** On the runner's thread after the call: null if as expected, else why not. Records side effects. */
        String check(int result);
    }

    private static final Set<String> KNOWN = Set.of("socket", "bind", "listen", "accept", "accept4", "connect", "read",
            "write", "send", "recv", "sendto", "recvfrom", "readv", "writev", "sendmsg", "recvmsg", "setsockopt",
            "getsockopt", "fcntl", "ioctl", "close", "shutdown", "poll", "epoll_create", "epoll_create1", "epoll_ctl",
            "epoll_wait", "getsockname", "getpeername");

    private final SocketLayer sys;
    private final DrillConfig cfg;
    private final Peer peer;
    /** Script descriptor → live descriptor. */
    private final Map<Integer, Integer> fds = new HashMap<>();
    /** Live descriptor → port it was bound to. */
    private final Map<Integer, Integer> boundPort = new HashMap<>();
    /** The socket {@code %{ }%} blocks look at: the last one created, accepted or connected. */
    int socketUnderTest = -1;

    Syscalls(SocketLayer sys, DrillConfig cfg, Peer peer) {
        this.sys = sys;
        this.cfg = cfg;
        this.peer = peer;
    }

    /** Whether the runner implements {@code name}. */
    static boolean known(String name) {
        return KNOWN.contains(name);
    }

    Prepared prepare(Event.Syscall ev) throws DrillFailure {
        if (!known(ev.name())) {
            throw fail(ev, "unsupported system call '" + ev.name() + "' (not in GRAMMAR.md's portable set)");
        }
        if (ev.errno() != null && Symbols.errno(ev.errno()) == null) {
            throw fail(ev, "unknown errno name " + ev.errno());
        }
        List<Expr> a = ev.args();
        return switch (ev.name()) {
            case "socket" -> {
                args(ev, 3);
                if (!(a.get(0) instanceof Expr.Ellipsis) && num(ev, a.get(0)) != Uapi.AF_INET) {
                    throw fail(ev, "unsupported address family " + a.get(0) + " (this runner runs IPv4)");
                }
                int type = (int) num(ev, a.get(1));
                int proto = (int) num(ev, a.get(2));
                yield prepared(() -> sys.socket(Uapi.AF_INET, type, proto), r -> {
                    String m = result(ev, r, true);
                    if (m == null) {
                        socketUnderTest = r;
                    }
                    return m;
                });
            }
            case "bind" -> {
                args(ev, 3);
                int fd = fd(ev, a.get(0));
                SockAddrIn addr = sockaddr(ev, a.get(1), false);
                yield prepared(() -> sys.bind(fd, addr), r -> {
                    String m = result(ev, r, false);
                    if (m == null && r == 0 && addr != null) {
                        boundPort.put(fd, addr.port());
                    }
                    return m;
                });
            }
            case "listen" -> {
                args(ev, 2);
                int fd = fd(ev, a.get(0));
                int backlog = (int) num(ev, a.get(1));
                yield prepared(() -> sys.listen(fd, backlog), r -> {
                    String m = result(ev, r, false);
                    if (m == null && r == 0) {
                        peer.onListen(boundPort.getOrDefault(fd, cfg.bindPort));
                    }
                    return m;
                });
            }
            case "accept", "accept4" -> {
                args(ev, ev.name().equals("accept") ? 3 : 4);
                int fd = fd(ev, a.get(0));
                int flags = ev.name().equals("accept4") ? (int) num(ev, a.get(3)) : 0;
                yield prepared(() -> sys.accept4(fd, null, flags), r -> {
                    String m = result(ev, r, true);
                    if (m == null && r >= 0) {
                        socketUnderTest = r;
                    }
                    return m;
                });
            }
            case "connect" -> {
                args(ev, 3);
                int fd = fd(ev, a.get(0));
                SockAddrIn addr = sockaddr(ev, a.get(1), true);
                if (addr != null && addr.family() == Uapi.AF_INET) {
                    peer.onConnect(addr.port());
                }
                socketUnderTest = fd;
                yield prepared(() -> sys.connect(fd, addr), r -> result(ev, r, false));
            }
            case "read", "write" -> {
                args(ev, 3);
                int fd = fd(ev, a.get(0));
                byte[] buf = new byte[count(ev, a.get(2))];
                boolean w = ev.name().equals("write");
                yield prepared(() -> w ? sys.write(fd, buf, 0, buf.length) : sys.read(fd, buf, 0, buf.length),
                        r -> result(ev, r, false));
            }
            case "send", "recv", "sendto", "recvfrom" -> {
                boolean to = ev.name().endsWith("to") || ev.name().endsWith("from");
                args(ev, to ? 6 : 4);
                int fd = fd(ev, a.get(0));
                byte[] buf = new byte[count(ev, a.get(2))];
                int flags = (int) num(ev, a.get(3));
                boolean send = ev.name().startsWith("send");
                SockAddrIn dest = send && to ? sockaddr(ev, a.get(4), true) : null;
                yield prepared(() -> send ? sys.sendto(fd, buf, 0, buf.length, flags, dest)
                        : sys.recvfrom(fd, buf, 0, buf.length, flags, null), r -> result(ev, r, false));
            }
            case "readv", "writev" -> {
                args(ev, 3);
                int fd = fd(ev, a.get(0));
                ByteBuffer[] iov = iovec(ev, a.get(1));
                int cnt = (int) num(ev, a.get(2));
                boolean w = ev.name().equals("writev");
                yield prepared(() -> w ? sys.writev(fd, iov, cnt) : sys.readv(fd, iov, cnt), r -> result(ev, r, false));
            }
            case "sendmsg", "recvmsg" -> msg(ev);
            case "setsockopt" -> {
                args(ev, 5);
                int fd = fd(ev, a.get(0));
                int level = (int) num(ev, a.get(1));
                int name = (int) num(ev, a.get(2));
                byte[] val = optval(ev, a.get(3));
                int len = a.get(4) instanceof Expr.Ellipsis ? (val == null ? 0 : val.length) : (int) num(ev, a.get(4));
                yield prepared(() -> sys.setsockopt(fd, level, name, val, len), r -> result(ev, r, false));
            }
            case "getsockopt" -> getsockopt(ev);
            case "fcntl" -> {
                if (a.size() != 2 && a.size() != 3) {
                    throw fail(ev, "fcntl takes 2 or 3 arguments");
                }
                int fd = fd(ev, a.get(0));
                int cmd = (int) num(ev, a.get(1));
                int arg = a.size() == 3 ? (int) num(ev, a.get(2)) : 0;
                yield prepared(() -> sys.fcntl(fd, cmd, arg), r -> result(ev, r, false));
            }
            case "ioctl" -> ioctl(ev);
            case "close" -> {
                args(ev, 1);
                int fd = fd(ev, a.get(0));
                yield prepared(() -> sys.close(fd), r -> {
                    String m = result(ev, r, false);
                    if (m == null && r == 0) {
                        fds.values().remove(fd);
                        boundPort.remove(fd);
                    }
                    return m;
                });
            }
            case "shutdown" -> {
                args(ev, 2);
                int fd = fd(ev, a.get(0));
                int how = (int) num(ev, a.get(1));
                yield prepared(() -> sys.shutdown(fd, how), r -> result(ev, r, false));
            }
            case "poll" -> poll(ev);
            case "epoll_create", "epoll_create1" -> {
                args(ev, 1);
                int arg = (int) num(ev, a.get(0));
                boolean one = ev.name().equals("epoll_create1");
                yield prepared(() -> one ? sys.epollCreate1(arg) : sys.epollCreate(arg), r -> result(ev, r, true));
            }
            case "epoll_ctl" -> {
                args(ev, 4);
                int epfd = fd(ev, a.get(0));
                int op = (int) num(ev, a.get(1));
                int fd = fd(ev, a.get(2));
                EpollEvent e = a.get(3) instanceof Expr.Struct s
                        ? new EpollEvent((int) num(ev, field(ev, s, "events")), num(ev, field(ev, s, "fd"))) : null;
                yield prepared(() -> sys.epollCtl(epfd, op, fd, e), r -> result(ev, r, false));
            }
            case "epoll_wait" -> epollWait(ev);
            case "getsockname", "getpeername" -> {
                args(ev, 3);
                int fd = fd(ev, a.get(0));
                boolean p = ev.name().equals("getpeername");
                yield prepared(() -> p ? sys.getpeername(fd, new SockAddrIn[1]) : sys.getsockname(fd, new SockAddrIn[1]),
                        r -> result(ev, r, false));
            }
            default -> throw fail(ev, "unsupported system call '" + ev.name() + "'");
        };
    }

    // ================================================================ calls with out-parameters

    private Prepared getsockopt(Event.Syscall ev) throws DrillFailure {
        List<Expr> a = ev.args();
        args(ev, 5);
        int fd = fd(ev, a.get(0));
        int level = (int) num(ev, a.get(1));
        int name = (int) num(ev, a.get(2));
        Expr want = a.get(3);
        byte[] expected = want instanceof Expr.Ellipsis ? null : optval(ev, want);
        Integer wantLen = a.get(4) instanceof Expr.Array arr && arr.items().size() == 1 ? (int) num(ev, arr.items().getFirst()) : null;
        int room = wantLen != null ? wantLen : expected != null ? expected.length : 256;
        byte[] val = new byte[Math.max(room, 256)];
        int[] len = {room};
        return prepared(() -> sys.getsockopt(fd, level, name, val, len), r -> {
            String m = result(ev, r, false);
            if (m != null || r < 0) {
                return m;
            }
            if (expected != null) {
                int n = Math.min(len[0], val.length);
                boolean same = want instanceof Expr.Str ? new String(val, 0, n, StandardCharsets.ISO_8859_1).replace("\0", "")
                        .equals(((Expr.Str) want).value()) : n >= expected.length && java.util.Arrays.equals(val, 0,
                                expected.length, expected, 0, expected.length);
                if (!same) {
                    return "getsockopt value: expected " + want + ", actual " + showOpt(want, val, n);
                }
            }
            if (wantLen != null && len[0] != wantLen) {
                return "getsockopt length: expected " + wantLen + ", actual " + len[0];
            }
            return null;
        });
    }

    private static String showOpt(Expr want, byte[] v, int n) {
        if (want instanceof Expr.Str) {
            return "\"" + new String(v, 0, n, StandardCharsets.ISO_8859_1).replace("\0", "") + "\"";
        }
        if (want instanceof Expr.Struct && n >= 8) {
            return "{onoff=" + le32(v, 0) + ", linger=" + le32(v, 4) + "}";
        }
        return n >= 4 ? "[" + le32(v, 0) + "]" : "(" + n + " bytes)";
    }

    private Prepared ioctl(Event.Syscall ev) throws DrillFailure {
        List<Expr> a = ev.args();
        args(ev, 3);
        int fd = fd(ev, a.get(0));
        int cmd = (int) num(ev, a.get(1));
        boolean input = cmd == Uapi.FIONBIO || cmd == 0x5452; // FIONBIO, FIOASYNC
        int[] arg = new int[1];
        Long want = null;
        if (a.get(2) instanceof Expr.Array arr && arr.items().size() == 1) {
            long v = arr.items().getFirst() instanceof Expr.Ellipsis ? Long.MIN_VALUE : num(ev, arr.items().getFirst());
            if (input) {
                arg[0] = (int) v;
            } else if (v != Long.MIN_VALUE) {
                want = v;
            }
        }
        Long expectOut = want;
        return prepared(() -> sys.ioctl(fd, cmd, arg), r -> {
            String m = result(ev, r, false);
            if (m == null && r >= 0 && expectOut != null && arg[0] != expectOut) {
                return "ioctl value: expected " + expectOut + ", actual " + arg[0];
            }
            return m;
        });
    }

    private Prepared poll(Event.Syscall ev) throws DrillFailure {
        List<Expr> a = ev.args();
        args(ev, 3);
        if (!(a.get(0) instanceof Expr.Array arr)) {
            throw fail(ev, "poll needs an array of {fd=, events=, revents=}");
        }
        PollFd[] pfds = new PollFd[arr.items().size()];
        Integer[] revents = new Integer[pfds.length];
        for (int i = 0; i < pfds.length; i++) {
            if (!(arr.items().get(i) instanceof Expr.Struct s)) {
                throw fail(ev, "poll needs an array of {fd=, events=, revents=}");
            }
            pfds[i] = new PollFd(fd(ev, field(ev, s, "fd")), (int) num(ev, field(ev, s, "events")));
            Expr re = s.field("revents");
            revents[i] = re == null || re instanceof Expr.Ellipsis ? null : (int) num(ev, re);
        }
        int nfds = (int) num(ev, a.get(1));
        int timeout = (int) num(ev, a.get(2));
        return prepared(() -> sys.poll(pfds, nfds, timeout), r -> {
            String m = result(ev, r, false);
            if (m != null) {
                return m;
            }
            for (int i = 0; i < pfds.length; i++) {
                if (revents[i] != null && pfds[i].revents != revents[i]) {
                    return "poll revents of fd " + pfds[i].fd + ": expected 0x" + Integer.toHexString(revents[i]) + ", actual 0x"
                            + Integer.toHexString(pfds[i].revents);
                }
            }
            return null;
        });
    }

    private Prepared epollWait(Event.Syscall ev) throws DrillFailure {
        List<Expr> a = ev.args();
        args(ev, 4);
        int epfd = fd(ev, a.get(0));
        List<Expr> want = a.get(1) instanceof Expr.Array arr ? arr.items() : a.get(1) instanceof Expr.Struct s ? List.of(s) : List.of();
        int max = (int) num(ev, a.get(2));
        int timeout = (int) num(ev, a.get(3));
        EpollEvent[] events = EpollEvent.array(Math.max(1, max));
        return prepared(() -> sys.epollWait(epfd, events, max, timeout), r -> {
            String m = result(ev, r, false);
            if (m != null || r <= 0) {
                return m;
            }
            for (int i = 0; i < Math.min(r, want.size()); i++) {
                if (!(want.get(i) instanceof Expr.Struct s)) {
                    continue;
                }
                try {
                    int e = (int) num(ev, field(ev, s, "events"));
                    long d = num(ev, field(ev, s, "fd"));
                    if (events[i].events != e || events[i].data != d) {
                        return "epoll event " + i + ": expected {events=0x" + Integer.toHexString(e) + ", fd=" + d
                                + "}, actual {events=0x" + Integer.toHexString(events[i].events) + ", fd=" + events[i].data + "}";
                    }
                } catch (DrillFailure f) {
                    return f.getMessage();
                }
            }
            return null;
        });
    }

    private Prepared msg(Event.Syscall ev) throws DrillFailure {
        List<Expr> a = ev.args();
        args(ev, 3);
        int fd = fd(ev, a.get(0));
        if (!(a.get(1) instanceof Expr.Struct s)) {
            throw fail(ev, ev.name() + " needs a {msg_name=..., msg_iov=[...], msg_flags=...} struct");
        }
        Expr control = s.field("msg_control");
        if (control != null && !(control instanceof Expr.Ellipsis)) {
            throw fail(ev, "unsupported: msg_control (ancillary data)");
        }
        boolean send = ev.name().equals("sendmsg");
        Expr name = s.field("msg_name");
        SockAddrIn dest = send && name != null && !(name instanceof Expr.Ellipsis) ? sockaddr(ev, name, true) : null;
        Expr iovExpr = field(ev, s, "msg_iov");
        ByteBuffer[] iov = iovec(ev, iovExpr);
        Expr f = s.field("msg_flags");
        Integer wantFlags = f == null || f instanceof Expr.Ellipsis || send ? null : (int) num(ev, f);
        int flags = (int) num(ev, a.get(2));
        MsgHdr m = new MsgHdr();
        return prepared(() -> {
            m.setIov(iov, iov.length);
            m.setName(dest);
            return send ? sys.sendmsg(fd, m, flags) : sys.recvmsg(fd, m, flags);
        }, r -> {
            String msg = result(ev, r, false);
            if (msg == null && r >= 0 && wantFlags != null && m.flags != wantFlags) {
                return "recvmsg msg_flags: expected 0x" + Integer.toHexString(wantFlags) + ", actual 0x" + Integer.toHexString(m.flags);
            }
            return msg;
        });
    }

    // ================================================================ arguments

    private String result(Event.Syscall ev, int actual, boolean createsFd) {
        if (ev.errno() != null) {
            Errno e = Symbols.errno(ev.errno());
            if (actual == -e.code) {
                return null;
            }
            return "expected -1 " + ev.errno() + " (" + e.text() + "), returned " + Errno.describe(actual);
        }
        if (ev.result() instanceof Expr.Ellipsis) {
            return null;
        }
        long want;
        try {
            want = num(ev, ev.result());
        } catch (DrillFailure f) {
            return f.getMessage();
        }
        if (createsFd && want >= 0) {
            if (actual < 0) {
                return "expected a descriptor (" + want + "), returned " + Errno.describe(actual);
            }
            fds.put((int) want, actual);
            return null;
        }
        if (want == actual) {
            return null;
        }
        return "expected " + want + ", returned " + Errno.describe(actual);
    }

    private static Prepared prepared(java.util.function.IntSupplier call, java.util.function.IntFunction<String> check) {
        return new Prepared() {
            @Override
            public int call() {
                return call.getAsInt();
            }

            @Override
            public String check(int result) {
                return check.apply(result);
            }
        };
    }

    private static void args(Event.Syscall ev, int n) throws DrillFailure {
        if (ev.args().size() != n) {
            throw fail(ev, ev.name() + " takes " + n + " arguments, the script gives " + ev.args().size());
        }
    }

    private static Expr field(Event.Syscall ev, Expr.Struct s, String name) throws DrillFailure {
        Expr e = s.field(name);
        if (e == null) {
            throw fail(ev, "struct " + s + " needs a field " + name);
        }
        return e;
    }

    /** A live descriptor for a script descriptor (unknown numbers pass through, for EBADF tests). */
    private int fd(Event.Syscall ev, Expr e) throws DrillFailure {
        int script = (int) num(ev, e);
        return fds.getOrDefault(script, script);
    }

    private static int count(Event.Syscall ev, Expr e) throws DrillFailure {
        long n = num(ev, e);
        if (n < 0 || n > 64 << 20) {
            throw fail(ev, "buffer size " + n + " out of range");
        }
        return (int) n;
    }

    /** An integer argument: literal, symbolic constant, {@code A|B}, {@code htons(N)}. */
    static long num(Event.Syscall ev, Expr e) throws DrillFailure {
        switch (e) {
            case Expr.Int i -> {
                return i.value();
            }
            case Expr.Name n -> {
                Long v = Symbols.value(n.name());
                if (v == null) {
                    throw fail(ev, "unknown symbol " + n.name());
                }
                return v;
            }
            case Expr.Or o -> {
                long v = 0;
                for (Expr t : o.terms()) {
                    v |= num(ev, t);
                }
                return v;
            }
            case Expr.Call c when (c.function().equals("htons") || c.function().equals("ntohs") || c.function().equals("htonl")
                    || c.function().equals("ntohl")) && c.args().size() == 1 -> {
                return num(ev, c.args().getFirst());
            }
            case Expr.Call c when c.function().equals("inet_addr") && c.args().size() == 1
                    && c.args().getFirst() instanceof Expr.Str s -> {
                try {
                    return AddressMap.toTest(s.value()) & 0xffffffffL;
                } catch (IllegalArgumentException x) {
                    throw fail(ev, x.getMessage());
                }
            }
            default -> throw fail(ev, "expected an integer, found " + e);
        }
    }

    /** A {@code struct sockaddr_in}; {@code ...} is the remote (connect, sendto) or local (bind) default. */
    private SockAddrIn sockaddr(Event.Syscall ev, Expr e, boolean remote) throws DrillFailure {
        if (e instanceof Expr.Ellipsis) {
            return remote ? new SockAddrIn(peer.remoteIp, cfg.connectPort) : new SockAddrIn(peer.localIp, cfg.bindPort);
        }
        if (e instanceof Expr.Name n && n.name().equals("NULL")) {
            return null;
        }
        if (e instanceof Expr.Name n && n.name().equals("AF_UNSPEC")) {
            return SockAddrIn.UNSPEC;
        }
        if (!(e instanceof Expr.Struct s)) {
            throw fail(ev, "expected a socket address, found " + e);
        }
        Expr fam = s.field("sa_family");
        int family = fam == null ? Uapi.AF_INET : (int) num(ev, fam);
        if (family == Uapi.AF_UNSPEC) {
            return SockAddrIn.UNSPEC;
        }
        if (family != Uapi.AF_INET) {
            throw fail(ev, "unsupported address family " + fam + " (this runner runs IPv4)");
        }
        Expr p = s.field("sin_port");
        Expr ad = s.field("sin_addr");
        int port = p == null ? 0 : (int) num(ev, p);
        int addr = ad == null ? 0 : (int) num(ev, ad);
        if (port < 0 || port > 0xffff) {
            throw fail(ev, "port out of range: " + port);
        }
        return new SockAddrIn(family, addr, port);
    }

    /** {@code [{..., 10}, {..., 20}]} or {@code [{iov_base=..., iov_len=10}]} as buffers. */
    private static ByteBuffer[] iovec(Event.Syscall ev, Expr e) throws DrillFailure {
        if (!(e instanceof Expr.Array arr)) {
            throw fail(ev, "expected an iovec array [{..., len}], found " + e);
        }
        ByteBuffer[] out = new ByteBuffer[arr.items().size()];
        for (int i = 0; i < out.length; i++) {
            if (!(arr.items().get(i) instanceof Expr.Struct s)) {
                throw fail(ev, "expected {..., len} in the iovec array");
            }
            Expr len = s.field("iov_len") != null ? s.field("iov_len") : s.positional(1);
            if (len == null) {
                throw fail(ev, "iovec " + s + " has no length");
            }
            out[i] = ByteBuffer.allocate(count(ev, len));
        }
        return out;
    }

    /** An option value as C would pass it: {@code [v]} an int, {@code {onoff, linger}}, a string. */
    private static byte[] optval(Event.Syscall ev, Expr e) throws DrillFailure {
        switch (e) {
            case Expr.Array arr when arr.items().size() == 1 -> {
                return le32(num(ev, arr.items().getFirst()));
            }
            case Expr.Struct s when s.field("onoff") != null -> {
                byte[] b = new byte[8];
                System.arraycopy(le32(num(ev, s.field("onoff"))), 0, b, 0, 4);
                System.arraycopy(le32(num(ev, field(ev, s, "linger"))), 0, b, 4, 4);
                return b;
            }
            case Expr.Str s -> {
                return s.value().getBytes(StandardCharsets.ISO_8859_1);
            }
            case Expr.Name n when n.name().equals("NULL") -> {
                return null;
            }
            case Expr.Int i -> {
                return le32(i.value());
            }
            default -> throw fail(ev, "unsupported option value " + e);
        }
    }

    private static byte[] le32(long v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }

    private static int le32(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }

    private static DrillFailure fail(Event.Syscall ev, String msg) {
        return new DrillFailure(ev.line(), DrillFailure.Kind.SYSCALL, msg);
    }

    /** For messages: a live address in script terms. */
    static String scriptAddress(int live) {
        return InetAddr.toString(AddressMap.toScript(live));
    }
}
