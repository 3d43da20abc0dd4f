package dev.packetflow.net.socket;

/**
 * The numbers an application passes to the BSD-style socket calls, with Linux's values on x86-64
 * ({@code include/uapi/linux/socket.h}, {@code include/linux/socket.h},
 * {@code include/uapi/asm-generic/socket.h}, {@code fcntl.h}, {@code poll.h},
 * {@code include/uapi/linux/eventpoll.h}, {@code include/uapi/linux/in.h}). A C program ported to
 * {@link SocketLayer} keeps its constants: {@code import static dev.packetflow.net.socket.Uapi.*}.
 */
public final class Uapi {
    private Uapi() {}

    // ---- address families (AF_MAX is Linux's NPROTO)
    public static final int AF_UNSPEC = 0;
    public static final int AF_UNIX = 1;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int AF_NETLINK = 16;
    public static final int AF_PACKET = 17;
    public static final int AF_MAX = 46;

    // ---- socket types and the flags socket() accepts in the type argument
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_RDM = 4;
    public static final int SOCK_SEQPACKET = 5;
    public static final int SOCK_DCCP = 6;
    public static final int SOCK_PACKET = 10;
    public static final int SOCK_MAX = SOCK_PACKET + 1;
    public static final int SOCK_TYPE_MASK = 0xf;
    public static final int SOCK_NONBLOCK = 04000;
    public static final int SOCK_CLOEXEC = 02000000;

    // ---- IP protocol numbers (IPPROTO_MAX counts MPTCP, 262)
    public static final int IPPROTO_IP = 0;
    public static final int IPPROTO_ICMP = 1;
    public static final int IPPROTO_TCP = 6;
    public static final int IPPROTO_UDP = 17;
    public static final int IPPROTO_UDPLITE = 136;
    public static final int IPPROTO_RAW = 255;
    public static final int IPPROTO_MAX = 263;

    /** {@code INADDR_ANY}: the wildcard address. */
    public static final int INADDR_ANY = 0;

    // ---- send/recv flags
    public static final int MSG_OOB = 0x1;
    public static final int MSG_PEEK = 0x2;
    public static final int MSG_DONTROUTE = 0x4;
    public static final int MSG_CTRUNC = 0x8;
    public static final int MSG_PROBE = 0x10;
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_EOR = 0x80;
    public static final int MSG_WAITALL = 0x100;
    public static final int MSG_CONFIRM = 0x800;
    public static final int MSG_ERRQUEUE = 0x2000;
    public static final int MSG_NOSIGNAL = 0x4000;
    public static final int MSG_MORE = 0x8000;
    public static final int MSG_WAITFORONE = 0x10000;
    public static final int MSG_ZEROCOPY = 0x4000000;
    public static final int MSG_FASTOPEN = 0x20000000;
    public static final int MSG_CMSG_CLOEXEC = 0x40000000;

    // ---- option levels
    public static final int SOL_IP = 0;
    public static final int SOL_SOCKET = 1;
    public static final int SOL_TCP = 6;
    public static final int SOL_UDP = 17;

    // ---- SOL_SOCKET options (asm-generic/socket.h; 64-bit: SO_RCVTIMEO is the _OLD timeval form)
    public static final int SO_DEBUG = 1;
    public static final int SO_REUSEADDR = 2;
    public static final int SO_TYPE = 3;
    public static final int SO_ERROR = 4;
    public static final int SO_DONTROUTE = 5;
    public static final int SO_BROADCAST = 6;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;
    public static final int SO_KEEPALIVE = 9;
    public static final int SO_OOBINLINE = 10;
    public static final int SO_NO_CHECK = 11;
    public static final int SO_PRIORITY = 12;
    public static final int SO_LINGER = 13;
    public static final int SO_BSDCOMPAT = 14;
    public static final int SO_REUSEPORT = 15;
    public static final int SO_PASSCRED = 16;
    public static final int SO_RCVLOWAT = 18;
    public static final int SO_SNDLOWAT = 19;
    public static final int SO_RCVTIMEO_OLD = 20;
    public static final int SO_SNDTIMEO_OLD = 21;
    public static final int SO_RCVTIMEO = SO_RCVTIMEO_OLD;
    public static final int SO_SNDTIMEO = SO_SNDTIMEO_OLD;
    public static final int SO_BINDTODEVICE = 25;
    public static final int SO_ACCEPTCONN = 30;
    public static final int SO_SNDBUFFORCE = 32;
    public static final int SO_RCVBUFFORCE = 33;
    /** {@code SO_TIMESTAMP} (the 64-bit {@code _OLD} form: a {@code struct timeval} cmsg, type SCM_TIMESTAMP). */
    public static final int SO_TIMESTAMP = 29;
    public static final int SCM_TIMESTAMP = SO_TIMESTAMP;
    /** {@code SO_TIMESTAMPNS} (the {@code _OLD} form: a {@code struct timespec} cmsg, type SCM_TIMESTAMPNS). */
    public static final int SO_TIMESTAMPNS = 35;
    public static final int SCM_TIMESTAMPNS = SO_TIMESTAMPNS;
    public static final int SO_MARK = 36;
    public static final int SO_PROTOCOL = 38;
    public static final int SO_DOMAIN = 39;
    public static final int SO_RXQ_OVFL = 40;
    public static final int SO_PEEK_OFF = 42;
    public static final int SO_BUSY_POLL = 46;
    public static final int SO_PREFER_BUSY_POLL = 69;
    public static final int SO_INCOMING_CPU = 49;
    public static final int SO_BINDTOIFINDEX = 62;
    public static final int SO_RCVTIMEO_NEW = 66;
    public static final int SO_SNDTIMEO_NEW = 67;

    // ---- shutdown(): the argument, and the sk_shutdown bits it sets (how + 1)
    public static final int SHUT_RD = 0;
    public static final int SHUT_WR = 1;
    public static final int SHUT_RDWR = 2;
    public static final int RCV_SHUTDOWN = 1;
    public static final int SEND_SHUTDOWN = 2;
    public static final int SHUTDOWN_MASK = 3;

    // ---- fcntl()
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_APPEND = 02000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_NDELAY = O_NONBLOCK;
    public static final int FASYNC = 020000;
    public static final int O_DIRECT = 040000;
    public static final int O_NOATIME = 01000000;
    public static final int O_CLOEXEC = 02000000;
    public static final int F_DUPFD = 0;
    public static final int F_GETFD = 1;
    public static final int F_SETFD = 2;
    public static final int F_GETFL = 3;
    public static final int F_SETFL = 4;
    public static final int FD_CLOEXEC = 1;

    // ---- ioctl()
    public static final int FIONREAD = 0x541B;
    public static final int SIOCINQ = FIONREAD;
    public static final int TIOCOUTQ = 0x5411;
    public static final int SIOCOUTQ = TIOCOUTQ;
    public static final int FIONBIO = 0x5421;
    public static final int SIOCATMARK = 0x8905;
    public static final int SIOCOUTQNSD = 0x894B;

    // ---- poll() events; epoll uses the same bits
    public static final int POLLIN = 0x1;
    public static final int POLLPRI = 0x2;
    public static final int POLLOUT = 0x4;
    public static final int POLLERR = 0x8;
    public static final int POLLHUP = 0x10;
    public static final int POLLNVAL = 0x20;
    public static final int POLLRDNORM = 0x40;
    public static final int POLLRDBAND = 0x80;
    public static final int POLLWRNORM = 0x100;
    public static final int POLLWRBAND = 0x200;
    public static final int POLLMSG = 0x400;
    public static final int POLLRDHUP = 0x2000;

    // ---- epoll
    public static final int EPOLLIN = POLLIN;
    public static final int EPOLLPRI = POLLPRI;
    public static final int EPOLLOUT = POLLOUT;
    public static final int EPOLLERR = POLLERR;
    public static final int EPOLLHUP = POLLHUP;
    public static final int EPOLLNVAL = POLLNVAL;
    public static final int EPOLLRDNORM = POLLRDNORM;
    public static final int EPOLLRDBAND = POLLRDBAND;
    public static final int EPOLLWRNORM = POLLWRNORM;
    public static final int EPOLLWRBAND = POLLWRBAND;
    public static final int EPOLLMSG = POLLMSG;
    public static final int EPOLLRDHUP = POLLRDHUP;
    public static final int EPOLLEXCLUSIVE = 1 << 28;
    public static final int EPOLLWAKEUP = 1 << 29;
    public static final int EPOLLONESHOT = 1 << 30;
    public static final int EPOLLET = 1 << 31;
    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLL_CTL_MOD = 3;
    public static final int EPOLL_CLOEXEC = O_CLOEXEC;

    // ---- struct socket states (include/uapi/linux/net.h socket_state)
    public static final int SS_FREE = 0;
    public static final int SS_UNCONNECTED = 1;
    public static final int SS_CONNECTING = 2;
    public static final int SS_CONNECTED = 3;
    public static final int SS_DISCONNECTING = 4;

    /** Bytes of a {@code struct sockaddr_in}. */
    public static final int SOCKADDR_IN_LEN = 16;
}
