package dev.packetflow.net.socket;

import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.drivers.net.channel.ChannelDevice;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.net.ipv4.InetAddr;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The BSD calls of {@link SocketLayer}: descriptors, errors, options, the datagram data path. */
class SocketLayerTest {
    static final int A = InetAddr.parse("198.18.0.1");
    static final int B = InetAddr.parse("198.18.0.2");

    final Simulation sim = new Simulation(3);
    final NetStack net = NetStack.create(sim, "h");
    final SocketLayer sys = net.sockets();
    final LoopDgram proto = LoopDgram.register(net);

    SocketLayerTest() {
        ChannelDevice eth0 = net.addDevice(new ChannelDevice("eth0", Eth.localMac(1)));
        // No address announcements: these tests count the stack's buffers.
        net.arp().setGratuitousArpOnAddressAdd(false);
        net.devices().open(eth0);
        net.ipv4().addAddress(eth0, A, 24);
        net.ipv4().addAddress(eth0, B, 24);
    }

    @AfterEach
    void close() {
        net.close();
    }

    int udp() {
        int fd = sys.socket(AF_INET, SOCK_DGRAM, 0);
        assertThat(fd).isGreaterThanOrEqualTo(3);
        return fd;
    }

    int boundUdp(int addr, int port) {
        int fd = udp();
        assertThat(sys.bind(fd, new SockAddrIn(addr, port))).isZero();
        return fd;
    }

    static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    // ================================================================ socket() and descriptors

    @Test
    void socket_unsupportedFamilies_returnEafnosupportAndOpenNothing() {
        assertThat(sys.socket(AF_INET6, SOCK_DGRAM, 0)).isEqualTo(-Errno.EAFNOSUPPORT.code);
        assertThat(sys.socket(AF_UNIX, SOCK_STREAM, 0)).isEqualTo(-Errno.EAFNOSUPPORT.code);
        assertThat(sys.socket(-1, SOCK_DGRAM, 0)).isEqualTo(-Errno.EAFNOSUPPORT.code);
        assertThat(sys.socket(AF_MAX, SOCK_DGRAM, 0)).isEqualTo(-Errno.EAFNOSUPPORT.code);
        assertThat(sys.openFds()).isEmpty();
    }

    @Test
    void socket_badTypeOrProtocol_returnsLinuxErrors() {
        assertThat(sys.socket(AF_INET, SOCK_DGRAM | 0x100, 0)).isEqualTo(-Errno.EINVAL.code); // unknown flag
        assertThat(sys.socket(AF_INET, 11, 0)).isEqualTo(-Errno.EINVAL.code); // >= SOCK_MAX
        assertThat(sys.socket(AF_INET, SOCK_RDM, 0)).isEqualTo(-Errno.ESOCKTNOSUPPORT.code);
        assertThat(sys.socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP)).isEqualTo(-Errno.EPROTONOSUPPORT.code);
        assertThat(sys.socket(AF_INET, SOCK_DGRAM, IPPROTO_MAX)).isEqualTo(-Errno.EINVAL.code);
        assertThat(sys.socket(AF_INET, SOCK_DGRAM, -1)).isEqualTo(-Errno.EINVAL.code);
        assertThat(sys.openFds()).isEmpty();
        assertThat(sys.socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP)).isEqualTo(3);
    }

    @Test
    void socket_descriptorsStartAtThreeAndReuseLowestFreeFirst() {
        assertThat(udp()).isEqualTo(3);
        assertThat(udp()).isEqualTo(4);
        assertThat(udp()).isEqualTo(5);
        assertThat(udp()).isEqualTo(6);
        assertThat(sys.close(5)).isZero();
        assertThat(sys.close(4)).isZero();
        assertThat(udp()).isEqualTo(4);
        assertThat(sys.epollCreate1(0)).isEqualTo(5);
        assertThat(udp()).isEqualTo(7);
        assertThat(sys.close(3)).isZero();
        assertThat(udp()).isEqualTo(3);
        assertThat(sys.openFds()).containsExactly(3, 4, 5, 6, 7);
    }

    @Test
    void socket_beyondRlimitNofile_returnsEmfileAndCreatesNothing() {
        sys.setRlimitNofile(5);
        assertThat(udp()).isEqualTo(3);
        assertThat(udp()).isEqualTo(4);
        assertThat(sys.socket(AF_INET, SOCK_DGRAM, 0)).isEqualTo(-Errno.EMFILE.code);
        assertThat(sys.epollCreate1(0)).isEqualTo(-Errno.EMFILE.code);
        assertThat(sys.openFds()).containsExactly(3, 4);
    }

    @Test
    void badDescriptor_everyCall_returnsEbadf() {
        int ebadf = -Errno.EBADF.code;
        SockAddrIn a = new SockAddrIn(A, 5000);
        ByteBuffer buf = ByteBuffer.allocate(16);
        for (int fd : new int[] {-1, 0, 2, 3, 99, Integer.MAX_VALUE}) {
            assertThat(sys.bind(fd, a)).isEqualTo(ebadf);
            assertThat(sys.connect(fd, a)).isEqualTo(ebadf);
            assertThat(sys.listen(fd, 5)).isEqualTo(ebadf);
            assertThat(sys.accept(fd, null)).isEqualTo(ebadf);
            assertThat(sys.sendto(fd, buf, 0, a)).isEqualTo(ebadf);
            assertThat(sys.recvfrom(fd, buf, MSG_DONTWAIT, null)).isEqualTo(ebadf);
            assertThat(sys.read(fd, buf)).isEqualTo(ebadf);
            assertThat(sys.write(fd, buf)).isEqualTo(ebadf);
            assertThat(sys.close(fd)).isEqualTo(ebadf);
            assertThat(sys.shutdown(fd, SHUT_RDWR)).isEqualTo(ebadf);
            assertThat(sys.getsockname(fd, new SockAddrIn[1])).isEqualTo(ebadf);
            assertThat(sys.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1)).isEqualTo(ebadf);
            assertThat(sys.getsockopt(fd, SOL_SOCKET, SO_TYPE, new int[1])).isEqualTo(ebadf);
            assertThat(sys.fcntl(fd, F_GETFL, 0)).isEqualTo(ebadf);
            assertThat(sys.ioctl(fd, FIONREAD, new int[1])).isEqualTo(ebadf);
            assertThat(sys.epollWait(fd, EpollEvent.array(1), 1, 0)).isEqualTo(ebadf);
        }
        assertThat(sys.openFds()).isEmpty();
    }

    @Test
    void socketCall_onEpollDescriptor_returnsEnotsock() {
        int ep = sys.epollCreate1(0);
        assertThat(sys.bind(ep, new SockAddrIn(A, 1))).isEqualTo(-Errno.ENOTSOCK.code);
        assertThat(sys.sendto(ep, ByteBuffer.allocate(1), 0, null)).isEqualTo(-Errno.ENOTSOCK.code);
        assertThat(sys.getsockopt(ep, SOL_SOCKET, SO_TYPE, new int[1])).isEqualTo(-Errno.ENOTSOCK.code);
        assertThat(sys.read(ep, ByteBuffer.allocate(1))).isEqualTo(-Errno.EINVAL.code);
        assertThat(sys.ioctl(ep, FIONREAD, new int[1])).isEqualTo(-Errno.ENOTTY.code);
    }

    // ================================================================ bind, connect, names

    @Test
    void bind_errors_returnLinuxErrnoAndLeaveTheTableUnchanged() {
        int fd = boundUdp(A, 5000);
        int other = udp();
        assertThat(sys.bind(other, new SockAddrIn(A, 5000))).isEqualTo(-Errno.EADDRINUSE.code);
        assertThat(sys.bind(other, new SockAddrIn(0, 5000))).isEqualTo(-Errno.EADDRINUSE.code);
        assertThat(sys.bind(other, SockAddrIn.of("203.0.113.1", 5000))).isEqualTo(-Errno.EADDRNOTAVAIL.code);
        assertThat(sys.bind(other, new SockAddrIn(AF_INET6, A, 5001))).isEqualTo(-Errno.EAFNOSUPPORT.code);
        assertThat(sys.bind(other, null)).isEqualTo(-Errno.EFAULT.code);
        assertThat(sys.bind(fd, new SockAddrIn(A, 5001))).isEqualTo(-Errno.EINVAL.code); // already bound
        assertThat(proto.table.size()).isEqualTo(1);
        Sock sk = sys.sock(other);
        assertThat(sk.num).isZero();
        assertThat(sk.rcvSaddr).isZero();
        // AF_UNSPEC with the wildcard address is accepted as AF_INET (Linux compatibility rule)
        assertThat(sys.bind(other, new SockAddrIn(AF_UNSPEC, 0, 5002))).isZero();
        assertThat(proto.table.size()).isEqualTo(2);
    }

    @Test
    void bind_privilegedPortWhenUnprivileged_returnsEacces() {
        sys.setPrivileged(false);
        int fd = udp();
        assertThat(sys.bind(fd, new SockAddrIn(A, 53))).isEqualTo(-Errno.EACCES.code);
        assertThat(sys.bind(fd, new SockAddrIn(A, 1024))).isZero();
    }

    @Test
    void getsockname_afterBindToPortZero_showsEphemeralPortInRange() {
        int fd = boundUdp(A, 0);
        SockAddrIn[] name = new SockAddrIn[1];
        assertThat(sys.getsockname(fd, name)).isZero();
        assertThat(name[0].addr()).isEqualTo(A);
        assertThat(name[0].port()).isBetween(32768, 60999);
    }

    @Test
    void getpeername_unconnected_returnsEnotconn() {
        int fd = boundUdp(A, 5000);
        SockAddrIn[] name = {null};
        assertThat(sys.getpeername(fd, name)).isEqualTo(-Errno.ENOTCONN.code);
        assertThat(name[0]).isNull();
        assertThat(sys.connect(fd, new SockAddrIn(B, 6000))).isZero();
        assertThat(sys.getpeername(fd, name)).isZero();
        assertThat(name[0]).isEqualTo(new SockAddrIn(B, 6000));
        assertThat(sys.connect(fd, SockAddrIn.UNSPEC)).isZero();
        assertThat(sys.getpeername(fd, name)).isEqualTo(-Errno.ENOTCONN.code);
    }

    // ================================================================ the data path

    @Test
    void sendto_recvfrom_deliversPayloadAndSenderAddress() {
        int rx = boundUdp(A, 5000);
        int tx = boundUdp(B, 6000);
        assertThat(sys.sendto(tx, text("hello"), 0, new SockAddrIn(A, 5000))).isEqualTo(5);
        byte[] buf = new byte[100];
        SockAddrIn[] from = new SockAddrIn[1];
        assertThat(sys.recvfrom(rx, buf, 0, buf.length, MSG_DONTWAIT, from)).isEqualTo(5);
        assertThat(new String(buf, 0, 5, StandardCharsets.UTF_8)).isEqualTo("hello");
        assertThat(from[0]).isEqualTo(new SockAddrIn(B, 6000));
        assertThat(sys.sock(tx).wmemAlloc()).isZero();
        assertThat(sys.sock(rx).rmemAlloc()).isZero();
    }

    @Test
    void send_unboundSocket_autobindsToEphemeralPort() {
        int rx = boundUdp(A, 5000);
        int tx = udp();
        assertThat(sys.sendto(tx, text("x"), 0, new SockAddrIn(A, 5000))).isEqualTo(1);
        SockAddrIn[] name = new SockAddrIn[1];
        sys.getsockname(tx, name);
        assertThat(name[0].port()).isBetween(32768, 60999);
        SockAddrIn[] from = new SockAddrIn[1];
        assertThat(sys.recvfrom(rx, ByteBuffer.allocate(8), MSG_DONTWAIT, from)).isEqualTo(1);
        assertThat(from[0].port()).isEqualTo(name[0].port());
    }

    @Test
    void sendto_unconnectedWithoutAddress_returnsEdestaddrreqAndSendsNothing() {
        int fd = boundUdp(A, 5000);
        long allocs = net.pool().allocations();
        assertThat(sys.send(fd, text("x"), 0)).isEqualTo(-Errno.EDESTADDRREQ.code);
        assertThat(sys.write(fd, text("x"))).isEqualTo(-Errno.EDESTADDRREQ.code);
        assertThat(net.pool().allocations()).isEqualTo(allocs);
        assertThat(sys.sock(fd).wmemAlloc()).isZero();
        assertThat(proto.table.size()).isEqualTo(1);
    }

    @Test
    void recv_emptyQueueNonBlocking_returnsEagainThreeWays() {
        int fd = boundUdp(A, 5000);
        ByteBuffer buf = ByteBuffer.allocate(16);
        assertThat(sys.recvfrom(fd, buf, MSG_DONTWAIT, null)).isEqualTo(-Errno.EAGAIN.code);
        assertThat(sys.fcntl(fd, F_SETFL, O_NONBLOCK)).isZero();
        assertThat(sys.recv(fd, buf, 0)).isEqualTo(-Errno.EAGAIN.code);
        assertThat(sys.read(fd, buf)).isEqualTo(-Errno.EAGAIN.code);
        int nb = sys.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        assertThat(sys.fcntl(nb, F_GETFL, 0)).isEqualTo(O_RDWR | O_NONBLOCK);
        assertThat(sys.recv(nb, buf, 0)).isEqualTo(-Errno.EAGAIN.code);
        assertThat(buf.position()).isZero();
        // a zero-length read does not look at the queue at all
        assertThat(sys.read(fd, ByteBuffer.allocate(0))).isZero();
    }

    @Test
    void recv_peekThenRead_returnsSameDatagramOnce() {
        int rx = boundUdp(A, 5000);
        int tx = boundUdp(B, 6000);
        sys.sendto(tx, text("one"), 0, new SockAddrIn(A, 5000));
        sys.sendto(tx, text("two"), 0, new SockAddrIn(A, 5000));
        byte[] b = new byte[10];
        assertThat(sys.recvfrom(rx, b, 0, 10, MSG_PEEK | MSG_DONTWAIT, null)).isEqualTo(3);
        assertThat(new String(b, 0, 3, StandardCharsets.UTF_8)).isEqualTo("one");
        assertThat(sys.sock(rx).receiveQueueLen()).isEqualTo(2);
        assertThat(sys.recvfrom(rx, b, 0, 10, MSG_DONTWAIT, null)).isEqualTo(3);
        assertThat(new String(b, 0, 3, StandardCharsets.UTF_8)).isEqualTo("one");
        assertThat(sys.recvfrom(rx, b, 0, 10, MSG_DONTWAIT, null)).isEqualTo(3);
        assertThat(new String(b, 0, 3, StandardCharsets.UTF_8)).isEqualTo("two");
        assertThat(net.pool().live()).isZero();
    }

    @Test
    void recv_shortBuffer_truncatesAndFlagsMsgTrunc() {
        int rx = boundUdp(A, 5000);
        int tx = boundUdp(B, 6000);
        sys.sendto(tx, text("abcdefghij"), 0, new SockAddrIn(A, 5000));
        sys.sendto(tx, text("klmnopqrst"), 0, new SockAddrIn(A, 5000));
        MsgHdr msg = new MsgHdr();
        ByteBuffer small = ByteBuffer.allocate(4);
        msg.setBuffer(small);
        assertThat(sys.recvmsg(rx, msg, MSG_DONTWAIT)).isEqualTo(4);
        assertThat(msg.flags & MSG_TRUNC).isEqualTo(MSG_TRUNC);
        assertThat(new String(small.array(), StandardCharsets.UTF_8)).isEqualTo("abcd");
        assertThat(msg.name()).isEqualTo(new SockAddrIn(B, 6000));
        // MSG_TRUNC in the call: the real length comes back, the rest of the datagram is gone
        small.clear();
        msg.setBuffer(small);
        assertThat(sys.recvmsg(rx, msg, MSG_DONTWAIT | MSG_TRUNC)).isEqualTo(10);
        assertThat(new String(small.array(), StandardCharsets.UTF_8)).isEqualTo("klmn");
        assertThat(sys.sock(rx).receiveQueueLen()).isZero();
    }

    @Test
    void writev_readv_gatherAndScatterOneDatagram() {
        int rx = boundUdp(A, 5000);
        int tx = boundUdp(B, 6000);
        assertThat(sys.connect(tx, new SockAddrIn(A, 5000))).isZero();
        assertThat(sys.writev(tx, new ByteBuffer[] {text("ab"), text("cde"), text("f")}, 3)).isEqualTo(6);
        ByteBuffer x = ByteBuffer.allocate(4);
        ByteBuffer y = ByteBuffer.allocateDirect(4);
        assertThat(sys.readv(rx, new ByteBuffer[] {x, y}, 2)).isEqualTo(6);
        assertThat(x.flip()).isEqualTo(text("abcd"));
        assertThat(y.flip()).isEqualTo(text("ef"));
        assertThat(sys.writev(tx, new ByteBuffer[0], MsgHdr.UIO_MAXIOV + 1)).isEqualTo(-Errno.EINVAL.code);
    }

    @Test
    void receiveBufferOverflow_dropsExactlyTheExcessAndCountsIt() {
        int rx = boundUdp(A, 5000);
        // SO_RCVBUF 4608 -> sk_rcvbuf 9216 = four 2304-byte truesizes: the fifth is refused
        assertThat(sys.setsockopt(rx, SOL_SOCKET, SO_RCVBUF, 4608)).isZero();
        Sock sk = sys.sock(rx);
        assertThat(sk.rcvbuf).isEqualTo(9216);
        int refused = 0;
        for (int i = 0; i < 10; i++) {
            int r = sk.sockQueueRcvSkb(LoopDgram.datagram(net, new byte[] {(byte) i}, B, 6000));
            if (r != 0) {
                assertThat(r).isEqualTo(-Errno.ENOMEM.code);
                refused++;
            }
        }
        assertThat(refused).isEqualTo(6);
        assertThat(sk.drops()).isEqualTo(6);
        assertThat(net.drops().get(DropReason.SOCKET_RCVBUFF)).isEqualTo(6);
        assertThat(sk.rmemAlloc()).isEqualTo(4 * 2304);
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            assertThat(sys.recvfrom(rx, b, 0, 4, MSG_DONTWAIT, null)).isEqualTo(1);
            assertThat(b[0]).isEqualTo((byte) i);
        }
        assertThat(sys.recvfrom(rx, b, 0, 4, MSG_DONTWAIT, null)).isEqualTo(-Errno.EAGAIN.code);
        assertThat(sk.rmemAlloc()).isZero();
    }

    @Test
    void ioctl_fionreadIsFirstDatagramLength_siocoutqIsUnsentBytes() {
        int rx = boundUdp(A, 5000);
        int[] v = {-1};
        assertThat(sys.ioctl(rx, FIONREAD, v)).isZero();
        assertThat(v[0]).isZero();
        Sock sk = sys.sock(rx);
        sk.sockQueueRcvSkb(LoopDgram.datagram(net, new byte[7], B, 1));
        sk.sockQueueRcvSkb(LoopDgram.datagram(net, new byte[100], B, 1));
        assertThat(sys.ioctl(rx, SIOCINQ, v)).isZero();
        assertThat(v[0]).isEqualTo(7);
        assertThat(sys.ioctl(rx, SIOCOUTQ, v)).isZero();
        assertThat(v[0]).isZero();
        assertThat(sys.ioctl(rx, 0x12345, v)).isEqualTo(-Errno.ENOTTY.code);
        assertThat(sys.ioctl(rx, FIONBIO, new int[] {1})).isZero();
        assertThat(sys.fcntl(rx, F_GETFL, 0) & O_NONBLOCK).isEqualTo(O_NONBLOCK);
        assertThat(sys.ioctl(rx, FIONBIO, new int[] {0})).isZero();
        assertThat(sys.fcntl(rx, F_GETFL, 0) & O_NONBLOCK).isZero();
    }

    @Test
    void fcntl_cloexecAndStatusFlags() {
        int fd = sys.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        assertThat(sys.fcntl(fd, F_GETFD, 0)).isEqualTo(FD_CLOEXEC);
        assertThat(sys.fcntl(fd, F_SETFD, 0)).isZero();
        assertThat(sys.fcntl(fd, F_GETFD, 0)).isZero();
        assertThat(sys.fcntl(fd, F_GETFL, 0)).isEqualTo(O_RDWR);
        assertThat(sys.fcntl(fd, F_SETFL, O_NONBLOCK | O_WRONLY)).isZero(); // access mode is not changeable
        assertThat(sys.fcntl(fd, F_GETFL, 0)).isEqualTo(O_RDWR | O_NONBLOCK);
        assertThat(sys.fcntl(fd, F_SETFL, O_DIRECT)).isEqualTo(-Errno.EINVAL.code);
        assertThat(sys.fcntl(fd, 9999, 0)).isEqualTo(-Errno.EINVAL.code);
    }

    @Test
    void shutdown_unconnectedDatagram_setsBitsButReturnsEnotconn() {
        int fd = boundUdp(A, 5000);
        assertThat(sys.shutdown(fd, 3)).isEqualTo(-Errno.EINVAL.code);
        assertThat(sys.shutdown(fd, SHUT_RD)).isEqualTo(-Errno.ENOTCONN.code);
        assertThat(sys.sock(fd).shutdown).isEqualTo(RCV_SHUTDOWN);
        // receive side shut: an empty queue reads as end of file, even when blocking
        assertThat(sys.recv(fd, ByteBuffer.allocate(4), 0)).isZero();
        PollFd[] p = {new PollFd(fd, POLLIN | POLLRDHUP)};
        assertThat(sys.poll(p, 1, 0)).isEqualTo(1);
        assertThat(p[0].revents).isEqualTo(POLLIN | POLLRDHUP);
    }

    // ================================================================ options

    @Test
    void soRcvbufAndSndbuf_storeDoubleClampedValueLikeLinux() {
        int fd = udp();
        int[] v = new int[1];
        assertThat(sys.getsockopt(fd, SOL_SOCKET, SO_RCVBUF, v)).isZero();
        assertThat(v[0]).isEqualTo(212992);
        sys.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, 10000);
        sys.getsockopt(fd, SOL_SOCKET, SO_RCVBUF, v);
        assertThat(v[0]).isEqualTo(20000);
        sys.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, 1);
        sys.getsockopt(fd, SOL_SOCKET, SO_RCVBUF, v);
        assertThat(v[0]).isEqualTo(Sock.SOCK_MIN_RCVBUF);
        sys.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, 1 << 30);
        sys.getsockopt(fd, SOL_SOCKET, SO_RCVBUF, v);
        assertThat(v[0]).isEqualTo(2 * 212992);
        sys.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, -1); // read as unsigned: huge, so capped
        sys.getsockopt(fd, SOL_SOCKET, SO_RCVBUF, v);
        assertThat(v[0]).isEqualTo(2 * 212992);
        sys.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, 1);
        sys.getsockopt(fd, SOL_SOCKET, SO_SNDBUF, v);
        assertThat(v[0]).isEqualTo(Sock.SOCK_MIN_SNDBUF);
        sys.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, 65536);
        sys.getsockopt(fd, SOL_SOCKET, SO_SNDBUF, v);
        assertThat(v[0]).isEqualTo(131072);
        // SO_RCVBUFFORCE goes past rmem_max
        sys.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, 1 << 20);
        sys.getsockopt(fd, SOL_SOCKET, SO_RCVBUF, v);
        assertThat(v[0]).isEqualTo(2 << 20);
        sys.setPrivileged(false);
        assertThat(sys.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, 1)).isEqualTo(-Errno.EPERM.code);
    }

    @Test
    void setsockopt_badArguments_returnLinuxErrorsAndChangeNothing() {
        int fd = udp();
        assertThat(sys.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, new byte[] {1, 0}, 2)).isEqualTo(-Errno.EINVAL.code);
        assertThat(sys.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, new byte[4], -1)).isEqualTo(-Errno.EINVAL.code);
        assertThat(sys.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, null, 4)).isEqualTo(-Errno.EFAULT.code);
        assertThat(sys.setsockopt(fd, SOL_SOCKET, SO_TYPE, 1)).isEqualTo(-Errno.ENOPROTOOPT.code);
        assertThat(sys.setsockopt(fd, SOL_SOCKET, 9999, 1)).isEqualTo(-Errno.ENOPROTOOPT.code);
        assertThat(sys.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, SockOpts.timeval(1, 1_000_000), 16))
                .isEqualTo(-Errno.EDOM.code);
        assertThat(sys.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, SockOpts.timeval(1, 0), 8)).isEqualTo(-Errno.EINVAL.code);
        assertThat(sys.setsockopt(fd, SOL_SOCKET, SO_LINGER, SockOpts.intOpt(1), 4)).isEqualTo(-Errno.EINVAL.code);
        assertThat(sys.setsockopt(fd, SOL_SOCKET, SO_BUSY_POLL, -1)).isEqualTo(-Errno.EINVAL.code);
        assertThat(sys.setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "nope0".getBytes(), 5)).isEqualTo(-Errno.ENODEV.code);
        assertThat(sys.setsockopt(fd, 99, 1, 1)).isEqualTo(-Errno.ENOPROTOOPT.code); // no such level for the protocol
        Sock sk = sys.sock(fd);
        assertThat(sk.reuse).isFalse();
        assertThat(sk.rcvtimeoNs).isEqualTo(dev.packetflow.kernel.sched.Waiter.FOREVER);
        assertThat(sk.linger).isFalse();
        assertThat(sk.boundDevIf).isZero();
    }

    @Test
    void getsockopt_intOptionsTypeProtocolDomainAndTruncatedLength() {
        int fd = udp();
        int[] v = new int[1];
        sys.getsockopt(fd, SOL_SOCKET, SO_TYPE, v);
        assertThat(v[0]).isEqualTo(SOCK_DGRAM);
        sys.getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, v);
        assertThat(v[0]).isEqualTo(IPPROTO_UDP);
        sys.getsockopt(fd, SOL_SOCKET, SO_DOMAIN, v);
        assertThat(v[0]).isEqualTo(AF_INET);
        sys.setsockopt(fd, SOL_SOCKET, SO_PRIORITY, 0x0102);
        byte[] b = new byte[8];
        int[] len = {1};
        assertThat(sys.getsockopt(fd, SOL_SOCKET, SO_PRIORITY, b, len)).isZero();
        assertThat(len[0]).isEqualTo(1);
        assertThat(b[0]).isEqualTo((byte) 2);
        assertThat(b[1]).isZero();
        len[0] = -1;
        assertThat(sys.getsockopt(fd, SOL_SOCKET, SO_PRIORITY, b, len)).isEqualTo(-Errno.EINVAL.code);
    }

    @Test
    void soRcvtimeoAndLinger_roundTripInTheirStructLayouts() {
        int fd = udp();
        assertThat(sys.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, SockOpts.timeval(2, 500), 16)).isZero();
        byte[] tv = new byte[16];
        int[] len = {16};
        assertThat(sys.getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv, len)).isZero();
        assertThat(SockOpts.longAt(tv, 0)).isEqualTo(2);
        assertThat(SockOpts.longAt(tv, 8)).isEqualTo(500);
        assertThat(sys.sock(fd).rcvtimeoNs).isEqualTo(2_000_500_000L);
        // a negative time means "don't wait"
        sys.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, SockOpts.timeval(-1, 0), 16);
        assertThat(sys.sock(fd).rcvtimeoNs).isZero();
        assertThat(sys.setsockopt(fd, SOL_SOCKET, SO_LINGER, SockOpts.linger(true, 7), 8)).isZero();
        byte[] l = new byte[8];
        len[0] = 8;
        sys.getsockopt(fd, SOL_SOCKET, SO_LINGER, l, len);
        assertThat(SockOpts.intAt(l, 0)).isEqualTo(1);
        assertThat(SockOpts.intAt(l, 4)).isEqualTo(7);
    }

    @Test
    void soError_isReportedOnceThenCleared() {
        int fd = boundUdp(A, 5000);
        sys.sock(fd).reportError(Errno.ECONNREFUSED.code);
        PollFd[] p = {new PollFd(fd, POLLIN)};
        assertThat(sys.poll(p, 1, 0)).isEqualTo(1);
        assertThat(p[0].revents).isEqualTo(POLLERR);
        int[] v = new int[1];
        assertThat(sys.getsockopt(fd, SOL_SOCKET, SO_ERROR, v)).isZero();
        assertThat(v[0]).isEqualTo(Errno.ECONNREFUSED.code);
        assertThat(sys.getsockopt(fd, SOL_SOCKET, SO_ERROR, v)).isZero();
        assertThat(v[0]).isZero();
        // a pending error is what the next receive reports, once
        sys.sock(fd).reportError(Errno.ECONNREFUSED.code);
        assertThat(sys.recv(fd, ByteBuffer.allocate(4), MSG_DONTWAIT)).isEqualTo(-Errno.ECONNREFUSED.code);
        assertThat(sys.recv(fd, ByteBuffer.allocate(4), MSG_DONTWAIT)).isEqualTo(-Errno.EAGAIN.code);
    }

    @Test
    void soBindtodevice_bindsAndUnbindsByName() {
        int fd = udp();
        byte[] name = "eth0".getBytes(StandardCharsets.US_ASCII);
        assertThat(sys.setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, name.length)).isZero();
        assertThat(sys.sock(fd).boundDevIf).isEqualTo(net.device("eth0").ifindex());
        byte[] out = new byte[16];
        int[] len = {16};
        assertThat(sys.getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, out, len)).isZero();
        assertThat(new String(out, 0, len[0] - 1, StandardCharsets.US_ASCII)).isEqualTo("eth0");
        assertThat(sys.setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, new byte[0], 0)).isZero();
        assertThat(sys.sock(fd).boundDevIf).isZero();
    }

    @Test
    void listenAndAccept_onDatagramSocket_returnEopnotsuppAndLeakNoDescriptor() {
        int fd = boundUdp(A, 5000);
        assertThat(sys.listen(fd, 10)).isEqualTo(-Errno.EOPNOTSUPP.code);
        assertThat(sys.accept(fd, new SockAddrIn[1])).isEqualTo(-Errno.EOPNOTSUPP.code);
        assertThat(sys.accept4(fd, null, 0x1)).isEqualTo(-Errno.EINVAL.code);
        assertThat(sys.openFds()).containsExactly(fd);
    }

    @Test
    void netCoreSysctls_setNewSocketDefaults_andRejectBadValues() {
        sys.sysctl().setRmemDefault(65536);
        sys.sysctl().setWmemDefault(32768);
        int fd = udp();
        assertThat(sys.sock(fd).rcvbuf).isEqualTo(65536);
        assertThat(sys.sock(fd).sndbuf).isEqualTo(32768);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> sys.sysctl().setRmemMax(100))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(sys.sysctl().rmemMax()).isEqualTo(NetCoreSysctl.RMEM_MAX);
    }

    @Test
    void queuedPacket_marksItsDeviceForBusyPolling() {
        int fd = boundUdp(A, 5000);
        Sock sk = sys.sock(fd);
        var skb = LoopDgram.datagram(net, new byte[1], B, 1);
        skb.dev = net.device("eth0");
        sk.sockQueueRcvSkb(skb);
        assertThat(sk.napiDev).isSameAs(net.device("eth0"));
        assertThat(net.device("eth0").napis()).hasSize(1);
        // in virtual time busy polling is recorded but never runs (it would depend on thread timing)
        assertThat(sys.setsockopt(fd, SOL_SOCKET, SO_BUSY_POLL, 50)).isZero();
        assertThat(BusyPoll.skCanBusyLoop(sk)).isFalse();
    }

    // ================================================================ close

    @Test
    void close_freesQueuedDatagramsAndReleasesThePort() {
        int rx = boundUdp(A, 5000);
        Sock sk = sys.sock(rx);
        sk.sockQueueRcvSkb(LoopDgram.datagram(net, new byte[10], B, 1));
        sk.sockQueueRcvSkb(LoopDgram.datagram(net, new byte[10], B, 1));
        assertThat(sys.close(rx)).isZero();
        assertThat(net.pool().live()).isZero();
        assertThat(net.drops().get(DropReason.SOCKET_CLOSE)).isEqualTo(2);
        assertThat(proto.table.size()).isZero();
        assertThat(sk.isDead()).isTrue();
        assertThat(boundUdp(A, 5000)).isEqualTo(rx);
    }
}
