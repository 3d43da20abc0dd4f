package dev.packetflow.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Makes the kernel transmit frames into an interface as fast as one thread can: an
 * {@code AF_PACKET} socket bound to the interface, by default with {@code PACKET_QDISC_BYPASS} so
 * each {@code send()} goes straight to the driver ({@code tun_net_xmit} for a TAP), or through
 * {@code dev_queue_xmit} like any other sender. Runs on a thread of its own that first enters the
 * benchmark's network namespace ({@code setns}), so the traffic never touches the host's
 * interfaces. Bounded by time and by a frame count ({@link #MAX_FRAMES_PER_SECOND} times the time).
 */
final class PacketBlaster implements Runnable {
    private static final int AF_PACKET = 17;
    private static final int SOCK_RAW = 3;
    private static final int SOL_PACKET = 263;
    private static final int PACKET_QDISC_BYPASS = 20;
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY = 0;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final MethodHandle OPEN = handle("open", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT), 2);
    private static final MethodHandle SETNS = handle("setns", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), -1);
    private static final MethodHandle SOCKET = handle("socket", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), -1);
    private static final MethodHandle SETSOCKOPT = handle("setsockopt", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.JAVA_INT), -1);
    private static final MethodHandle BIND = handle("bind", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT), -1);
    private static final MethodHandle SENDMMSG = handle("sendmmsg", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), -1);
    /** Frames per {@code sendmmsg()}: the syscall's cost spread over a batch. */
    private static final int BATCH = 64;
    /** {@code sizeof(struct mmsghdr)} on LP64: a 56-byte msghdr and the 4-byte msg_len, padded. */
    private static final int MMSGHDR = 64;
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT), -1);
    private static final MethodHandle IF_NAMETOINDEX = handle("if_nametoindex",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS), -1);

    /** Far above what one thread sends here; only there so that the loop is bounded in count too. */
    static final long MAX_FRAMES_PER_SECOND = 20_000_000L;

    private final String netns;
    private final String ifname;
    private final byte[] frame;
    private final long durationNs;
    private final boolean bypassQdisc;
    volatile long sent;
    volatile String error;

    PacketBlaster(String netns, String ifname, byte[] frame, double seconds) {
        this(netns, ifname, frame, seconds, true);
    }

    PacketBlaster(String netns, String ifname, byte[] frame, double seconds, boolean bypassQdisc) {
        this.bypassQdisc = bypassQdisc;
        this.netns = netns;
        this.ifname = ifname;
        this.frame = frame;
        this.durationNs = (long) (seconds * 1e9);
    }

    private static MethodHandle handle(String name, FunctionDescriptor fd, int firstVariadic) {
        MemorySegment sym = LIBC.find(name).orElseThrow();
        return firstVariadic < 0 ? LINKER.downcallHandle(sym, fd)
                : LINKER.downcallHandle(sym, fd, Linker.Option.firstVariadicArg(firstVariadic));
    }

    @Override
    public void run() {
        try (Arena a = Arena.ofConfined()) {
            int nsfd = (int) OPEN.invokeExact(a.allocateFrom("/var/run/netns/" + netns), O_RDONLY);
            if (nsfd < 0 || (int) SETNS.invokeExact(nsfd, CLONE_NEWNET) < 0) {
                error = "cannot enter namespace " + netns;
                return;
            }
            int closed = (int) CLOSE.invokeExact(nsfd);
            int s = (int) SOCKET.invokeExact(AF_PACKET, SOCK_RAW, 0);
            if (s < 0) {
                error = "socket(AF_PACKET) failed";
                return;
            }
            MemorySegment one = a.allocateFrom(ValueLayout.JAVA_INT, bypassQdisc ? 1 : 0);
            int rc = (int) SETSOCKOPT.invokeExact(s, SOL_PACKET, PACKET_QDISC_BYPASS, one, 4);
            int ifindex = (int) IF_NAMETOINDEX.invokeExact(a.allocateFrom(ifname));
            MemorySegment sll = a.allocate(20, 4);
            sll.set(ValueLayout.JAVA_SHORT, 0, (short) AF_PACKET);
            sll.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 2, (short) 0x88B5);
            sll.set(ValueLayout.JAVA_INT, 4, ifindex);
            if (ifindex == 0 || (int) BIND.invokeExact(s, sll, 20) < 0) {
                error = "cannot bind to " + ifname + " in " + netns;
                int c = (int) CLOSE.invokeExact(s);
                return;
            }
            MemorySegment buf = a.allocate(frame.length, 64);
            MemorySegment.copy(frame, 0, buf, ValueLayout.JAVA_BYTE, 0, frame.length);
            // One iovec for the frame, BATCH message headers pointing at it.
            MemorySegment iov = a.allocate(16, 8);
            iov.set(ValueLayout.JAVA_LONG, 0, buf.address());
            iov.set(ValueLayout.JAVA_LONG, 8, frame.length);
            MemorySegment msgs = a.allocate((long) MMSGHDR * BATCH, 8);
            for (int i = 0; i < BATCH; i++) {
                long m = (long) i * MMSGHDR;
                msgs.set(ValueLayout.JAVA_LONG, m + 16, iov.address()); // msg_iov
                msgs.set(ValueLayout.JAVA_LONG, m + 24, 1L);           // msg_iovlen
            }
            long addr = msgs.address();
            long n = 0;
            long end = System.nanoTime() + durationNs;
            long max = (long) (durationNs / 1e9 * MAX_FRAMES_PER_SECOND);
            while (System.nanoTime() < end && n < max) {
                int k = (int) SENDMMSG.invokeExact(s, addr, BATCH, 0);
                if (k > 0) {
                    n += k;
                }
            }
            sent = n;
            int c = (int) CLOSE.invokeExact(s);
            if (rc < 0 || closed < 0 || c < 0) {
                error = "setsockopt/close failed";
            }
        } catch (Throwable t) {
            error = t.toString();
        }
    }
}
