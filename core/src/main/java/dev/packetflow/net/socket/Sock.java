package dev.packetflow.net.socket;

import dev.packetflow.kernel.sched.WaitQueue;
import dev.packetflow.kernel.sched.Waiter;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.SkBuffHead;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.ipv4.Rtable;
import dev.packetflow.net.ipv4.SkRxDst;
import dev.packetflow.trace.Trace;
import dev.packetflow.trace.Tracepoint;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * The network-layer half of a socket: Linux's {@code struct sock} with the AF_INET fields of
 * {@code struct inet_sock}. Protocols extend it ({@code UdpSock}, {@code TcpSock}) as Linux's
 * {@code struct udp_sock} embeds {@code struct sock}.
 *
 * <h2>Receive queue and memory</h2>
 * Packets for the application wait in {@link #receiveQueue()}. Each queued skb is charged its
 * {@link SkBuff#truesize} (buffer size class plus head, not payload length: a 1-byte datagram in a
 * 2 KB buffer costs 2304 bytes) to {@link #rmemAlloc()}; {@link #sockQueueRcvSkb} refuses a packet
 * while the charge is at or above {@link #rcvbuf}, so the queue can overshoot by one packet, as in
 * Linux. The queue's spinlock ({@link SkBuffHead#lock()}, Linux's {@code sk_receive_queue.lock})
 * guards the queue and the charge; it is held for a few instructions and never while parked.
 *
 * <h2>The socket lock</h2>
 * State changes (connect, TCP's input) happen under the socket lock, Linux's {@code lock_sock()}:
 * an application thread <em>owns</em> the sock between {@link #lockSock()} and {@link #releaseSock()};
 * softnet takes the short spinlock part ({@link #bhLockSock()}) and, finding the sock owned, puts
 * the packet on the backlog ({@link #skAddBacklog}), which the owner processes in its own thread
 * when it releases the lock ({@link Proto#backlogRcv}). DESIGN.md, "process context".
 *
 * <h2>Wake-ups</h2>
 * {@link #skDataReady()}, {@link #skWriteSpace()}, {@link #skStateChange()} and
 * {@link #skErrorReport()} are Linux's {@code sk_data_ready} etc. callbacks: by default they wake
 * the threads, poll calls and epoll items waiting on {@link #wq()} with the matching poll bits.
 * A subclass may override them (Linux lets kernel users replace the function pointers).
 *
 * <p>Linux: {@code include/net/sock.h}, {@code net/core/sock.c}, {@code include/net/inet_sock.h}.
 */
public class Sock implements SkBuff.Destructor {
    // ---- sk_state values (include/net/tcp_states.h); UDP uses ESTABLISHED and CLOSE
    public static final int TCP_ESTABLISHED = 1;
    public static final int TCP_SYN_SENT = 2;
    public static final int TCP_SYN_RECV = 3;
    public static final int TCP_FIN_WAIT1 = 4;
    public static final int TCP_FIN_WAIT2 = 5;
    public static final int TCP_TIME_WAIT = 6;
    public static final int TCP_CLOSE = 7;
    public static final int TCP_CLOSE_WAIT = 8;
    public static final int TCP_LAST_ACK = 9;
    public static final int TCP_LISTEN = 10;
    public static final int TCP_CLOSING = 11;
    public static final int TCP_NEW_SYN_RECV = 12;

    // ---- sk_userlocks
    public static final int SOCK_SNDBUF_LOCK = 1;
    public static final int SOCK_RCVBUF_LOCK = 2;
    public static final int SOCK_BINDADDR_LOCK = 4;
    public static final int SOCK_BINDPORT_LOCK = 8;

    /** Linux: {@code SOCK_MIN_RCVBUF}, the truesize of one small packet (2048 + 256). */
    public static final int SOCK_MIN_RCVBUF = 2048 + SkBuff.SKB_HEAD_TRUESIZE;
    /** Linux: {@code SOCK_MIN_SNDBUF}. */
    public static final int SOCK_MIN_SNDBUF = 2 * SOCK_MIN_RCVBUF;

    /** inet->pmtudisc values ({@code IP_PMTUDISC_*}). */
    public static final int IP_PMTUDISC_DONT = 0;
    public static final int IP_PMTUDISC_WANT = 1;
    public static final int IP_PMTUDISC_DO = 2;
    public static final int IP_PMTUDISC_PROBE = 3;

    /** Poll bits of a data wake-up (Linux: {@code sock_def_readable}). */
    public static final int READABLE_KEY = POLLIN | POLLPRI | POLLRDNORM | POLLRDBAND;
    /** Poll bits of a write-space wake-up (Linux: {@code sock_def_write_space}). */
    public static final int WRITABLE_KEY = POLLOUT | POLLWRNORM | POLLWRBAND;

    /** Fired when a packet is offered to a socket's receive queue (the seed's RX stage). */
    public static final Tracepoint TP_SOCK_QUEUE_RCV_SKB = Trace.point("sock_queue_rcv_skb");
    /** Fired when a queued packet wakes the socket's readers (the seed's RX stage). */
    public static final Tracepoint TP_SK_DATA_READY = Trace.point("sk_data_ready");

    private static final VarHandle WMEM;
    private static final VarHandle DROPS;
    private static final VarHandle ERR;
    private static final VarHandle RMEM;
    private static final VarHandle RQLEN;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            WMEM = l.findVarHandle(Sock.class, "wmemAlloc", int.class);
            DROPS = l.findVarHandle(Sock.class, "drops", int.class);
            ERR = l.findVarHandle(Sock.class, "err", int.class);
            RMEM = l.findVarHandle(Sock.class, "rmemAlloc", int.class);
            RQLEN = l.findVarHandle(Sock.class, "rqLen", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // ---------------------------------------------------------------- identity
    public final NetStack net;
    public final Proto prot;
    /** SOCK_DGRAM, SOCK_STREAM... */
    public final int type;
    /** IPPROTO_UDP, IPPROTO_TCP... */
    public final int protocol;
    /** Linux: {@code sk_socket}; null once orphaned. */
    volatile Socket socket;

    /** Linux: {@code sk_state}, a TCP_* value. */
    public volatile int state = TCP_CLOSE;

    // ---------------------------------------------------------------- inet_sock (host order)
    /** Local address lookups match (Linux: {@code inet_rcv_saddr}); 0 = wildcard. */
    public volatile int rcvSaddr;
    /** Source address for sending (Linux: {@code inet_saddr}); 0 = chosen per route. */
    public volatile int saddr;
    /** Local port, the hash key (Linux: {@code inet_num}); 0 = unbound. */
    public volatile int num;
    /** Source port for sending and {@code getsockname} (Linux: {@code inet_sport}). */
    public volatile int sport;
    /** Peer address when connected (Linux: {@code inet_daddr}). */
    public volatile int daddr;
    /** Peer port when connected (Linux: {@code inet_dport}). */
    public volatile int dport;
    /** Device the socket is bound to ({@code SO_BINDTODEVICE}), 0 = any. */
    public volatile int boundDevIf;
    /** {@code IP_TTL}; -1 means the stack's default TTL. */
    public volatile int ucTtl = -1;
    /** {@code IP_TOS}. */
    public volatile int tos;
    /** {@code IP_MULTICAST_TTL}. */
    public volatile int mcTtl = 1;
    /** {@code IP_MULTICAST_LOOP}. */
    public volatile boolean mcLoop = true;
    /** {@code IP_MTU_DISCOVER}. */
    public volatile int pmtudisc = IP_PMTUDISC_WANT;
    /** {@code IP_RECVERR}. */
    public volatile boolean recverr;
    /**
     * Flags of the options that ask for control messages ({@code IP_PKTINFO}, {@code IP_RECVTTL},
     * {@code IP_RECVTOS}, {@code IP_RECVOPTS}, {@code IP_RETOPTS}...), as bits {@code 1 << optname}
     * (Linux: {@code inet->cmsg_flags}). UDP delivers the messages ({@code net.ipv4.IpCmsg});
     * on TCP they are stored and inherited by accepted sockets.
     */
    public volatile int cmsgFlags;
    /** {@code IP_FREEBIND}, {@code IP_BIND_ADDRESS_NO_PORT}, {@code IP_MULTICAST_ALL}: stored. */
    public volatile boolean freebind;
    public volatile boolean bindAddressNoPort;
    public volatile boolean mcAll = true;
    /** {@code IP_MINTTL}: TCP drops segments that arrive with a lower TTL (RFC 5082, GTSM). */
    public volatile int minTtl;

    // ---------------------------------------------------------------- SOL_SOCKET options
    /** {@code SO_REUSEADDR} (Linux: {@code sk_reuse}). */
    public volatile boolean reuse;
    /** {@code SO_REUSEPORT} (Linux: {@code sk_reuseport}). */
    public volatile boolean reuseport;
    /** {@code SO_BROADCAST} (Linux: {@code SOCK_BROADCAST}). */
    public volatile boolean broadcast;
    /** {@code SO_KEEPALIVE} (Linux: {@code SOCK_KEEPOPEN}). */
    public volatile boolean keepopen;
    /** {@code SO_DONTROUTE} (Linux: {@code SOCK_LOCALROUTE}). */
    public volatile boolean localroute;
    /** {@code SO_OOBINLINE} (Linux: {@code SOCK_URGINLINE}). */
    public volatile boolean urginline;
    /** {@code SO_NO_CHECK}: send UDP without a checksum. */
    public volatile boolean noCheckTx;
    /** {@code SO_RXQ_OVFL}. */
    public volatile boolean rxqOvfl;
    /**
     * {@code SO_TIMESTAMP} / {@code SO_TIMESTAMPNS} (Linux: {@code SOCK_RCVTSTAMP},
     * {@code SOCK_RCVTSTAMPNS}): received datagrams carry their arrival time as a control message.
     */
    public volatile boolean rcvTstamp;
    /** This sock counts in {@link NetStack#netstampNeeded()}; guarded by {@code this}. */
    private boolean netstampHeld;
    public volatile boolean rcvTstampNs;
    /** {@code SO_DEBUG}. */
    public volatile boolean debug;
    /** {@code SO_LINGER} on, and its time in seconds. */
    public volatile boolean linger;
    public volatile int lingerSec;
    /** {@code SO_PRIORITY}: skb priority, which picks the pfifo_fast band. */
    public volatile int priority;
    /** {@code SO_MARK}. */
    public volatile int mark;
    /** {@code SO_RCVLOWAT}. */
    public volatile int rcvlowat = 1;
    /** {@code SO_RCVTIMEO} / {@code SO_SNDTIMEO} in ns; {@link Waiter#FOREVER} when not set. */
    public volatile long rcvtimeoNs = Waiter.FOREVER;
    public volatile long sndtimeoNs = Waiter.FOREVER;
    /** {@code SO_BUSY_POLL} in µs (Linux: {@code sk_ll_usec}). */
    public volatile int busyPollUs;
    /** {@code SO_PREFER_BUSY_POLL}: work softnet has not started is left to the busy poller. */
    public volatile boolean preferBusyPoll;
    /** Linux: {@code sk_userlocks}, SOCK_*_LOCK bits. */
    public volatile int userlocks;
    /** Receive and send buffer limits in bytes of truesize (Linux: {@code sk_rcvbuf}, {@code sk_sndbuf}). */
    public volatile int rcvbuf;
    public volatile int sndbuf;

    // ---------------------------------------------------------------- state of the queues
    private volatile int rmemAlloc;
    @SuppressWarnings("unused") // WMEM
    private volatile int wmemAlloc;
    @SuppressWarnings("unused") // DROPS
    private volatile int drops;
    private volatile int rqLen;
    /** Linux: {@code sk_err} (reported once by {@link #sockError()}) and {@code sk_err_soft}. */
    volatile int err;
    public volatile int errSoft;
    /** Linux: {@code sk_shutdown}, RCV_SHUTDOWN | SEND_SHUTDOWN. */
    public volatile int shutdown;
    /** Linux: {@code SOCK_DEAD}: the socket was closed; nobody will read. */
    volatile boolean dead;
    /** The device the last packet came from, for busy polling (Linux: {@code sk_napi_id}). */
    volatile NetDevice napiDev;
    /**
     * When non-blocking busy polling last started finding nothing (clock ns), 0 after a find: a
     * poller spinning in its own loop gives up the CPU once per {@code busy_poll} period without
     * data ({@link BusyPoll#skBusyLoop}). Touched only by the receiving thread(s); a race costs at
     * most an extra or a missing yield.
     */
    long busyIdleSinceNs;
    /** BusyPoll's last clock reading for non-blocking rounds, and the rounds that reused it. */
    long busyClockNs;
    int busyClockSkips;

    private final SkBuffHead receiveQueue = new SkBuffHead();
    private final SkBuffHead errorQueue = new SkBuffHead();
    private final WaitQueue wq = new WaitQueue();

    // lock_sock: slock is Linux's sk_lock.slock, owned its "owned", ownerFree its wait queue
    private final ReentrantLock slock = new ReentrantLock();
    private Condition ownerFree;
    private boolean owned;
    private final SkBuffHead backlog = new SkBuffHead();
    private int backlogLen;

    /** Linux: {@code sock_init_data()}: defaults from the stack's {@code net.core} sysctls. */
    public Sock(NetStack net, Proto prot, int type, int protocol) {
        this.net = net;
        this.prot = prot;
        this.type = type;
        this.protocol = protocol;
        NetCoreSysctl sysctl = net.sockets().sysctl();
        this.rcvbuf = sysctl.rmemDefault();
        this.sndbuf = sysctl.wmemDefault();
        this.busyPollUs = sysctl.busyRead();
    }

    // ================================================================ accessors

    public Socket socket() {
        return socket;
    }

    /** The wait queue of the socket (Linux: {@code sk_sleep(sk)}). */
    public WaitQueue wq() {
        return wq;
    }

    /** The receive queue; hold its {@link SkBuffHead#lock()} for anything but a lock-free look at its length. */
    public SkBuffHead receiveQueue() {
        return receiveQueue;
    }

    /** Linux's {@code sk_error_queue} ({@code IP_RECVERR}); guarded by its own monitor. */
    public SkBuffHead errorQueue() {
        return errorQueue;
    }

    /** Linux: {@code sk_rmem_alloc}: truesize of what waits in the receive queue. */
    public int rmemAlloc() {
        return rmemAlloc;
    }

    /** Linux: {@code sk_wmem_alloc_get()}: truesize of sent packets not yet freed. */
    public int wmemAlloc() {
        return (int) WMEM.getVolatile(this);
    }

    /** Packets the socket refused (Linux: {@code sk_drops}, shown by {@code ss -m} and SO_RXQ_OVFL). */
    public int drops() {
        return (int) DROPS.getVolatile(this);
    }

    /** Counts a drop made by the protocol on this socket's behalf (checksum, backlog...). */
    public void countDrop() {
        DROPS.getAndAdd(this, 1);
    }

    /**
     * Packets in the receive queue, read without the lock (Linux: {@code skb_queue_empty_lockless}).
     * A protocol with a receive queue of its own (TCP) reports that one: the busy poller stops
     * when it is non-empty.
     */
    public int receiveQueueLen() {
        return rqLen;
    }

    public boolean isDead() {
        return dead;
    }

    /** Linux: {@code sock_flag(sk, SOCK_DEAD)} plus "has no socket": closed and forgotten. */
    public boolean orphaned() {
        return dead && socket == null;
    }

    // ================================================================ receive

    /**
     * Linux: {@code net/core/sock.c sock_queue_rcv_skb()}. Offers a packet to the receive queue:
     * refused (dropped with {@link DropReason#SOCKET_RCVBUFF}, counted in {@link #drops()}) while
     * the queue holds {@link #rcvbuf} or more bytes of truesize; otherwise charged, queued and
     * announced with {@link #skDataReady()}. Takes ownership of {@code skb} either way. Returns 0,
     * or -ENOMEM for a refused packet (UDP counts RcvbufErrors from it).
     *
     * <p>Runs in softnet (or in a sender's thread on loopback-like paths); never blocks.
     */
    public int sockQueueRcvSkb(SkBuff skb) {
        if (TP_SOCK_QUEUE_RCV_SKB.enabled) {
            TP_SOCK_QUEUE_RCV_SKB.fire(net, skb, 0);
        }
        if (rmemAlloc >= rcvbuf) {
            DROPS.getAndAdd(this, 1);
            Skb.kfreeSkb(net, skb, DropReason.SOCKET_RCVBUFF);
            return Errno.ENOMEM.neg();
        }
        skbOrphan(skb);
        skb.sk = this;
        skMarkNapiId(skb);
        SkBuffHead q = receiveQueue;
        q.lock();
        try {
            // The charge is read without the lock only as a limit (a stale value is Linux's too),
            // so a release store will do; the queue length stays a volatile store, the barrier
            // between queueing and skDataReady's look for sleepers (Linux: skwq_has_sleeper's
            // smp_mb()), which pairs with the sleeper's volatile add before it re-checks the queue.
            RMEM.setRelease(this, rmemAlloc + skb.truesize);
            q.queueTail(skb);
            rqLen = q.qlen();
            // Fired under the queue lock so that a reader cannot free the skb under the probe.
            if (TP_SK_DATA_READY.enabled) {
                TP_SK_DATA_READY.fire(net, skb, 0);
            }
        } finally {
            q.unlock();
        }
        if (!dead) {
            skDataReady();
        }
        return 0;
    }

    /**
     * Linux: {@code sk_mark_napi_id()}: remembers the device {@code skb} came from, the one a busy
     * poller of this socket polls ({@link BusyPoll}). Written only when it changes, so that the
     * per-packet cost is one read.
     */
    public final void skMarkNapiId(SkBuff skb) {
        NetDevice d = skb.dev;
        if (d != null && napiDev != d) {
            napiDev = d;
        }
    }

    /**
     * Takes the first packet of the receive queue, uncharging it, or returns null. The caller owns
     * the skb (frees it with {@link Skb#consumeSkb} once copied). Linux: the dequeue half of
     * {@code __skb_try_recv_from_queue()}.
     */
    public SkBuff skbDequeue() {
        if (rqLen == 0) {
            return null; // Linux: skb_queue_empty_lockless(), no lock taken by a spinning reader
        }
        SkBuffHead q = receiveQueue;
        q.lock();
        SkBuff skb = q.dequeue();
        if (skb != null) {
            // Release stores, not volatile ones: the lock orders them for the next holder, the
            // lock-free readers only need to see them eventually, and nobody waits for a dequeue
            // to be seen, so the full barrier of a volatile store (a locked instruction on x86)
            // would buy nothing.
            RMEM.setRelease(this, rmemAlloc - skb.truesize);
            RQLEN.setRelease(this, q.qlen());
        }
        q.unlock();
        return skb;
    }

    /**
     * A private clone of the first packet of the receive queue (sharing its bytes), or null: what
     * {@code MSG_PEEK} reads. The packet stays queued; the caller frees the clone. (Linux takes a
     * reference with {@code skb_get()}; a clone gives the same sharing with a head of our own, so a
     * concurrent reader that dequeues and frees the original cannot race with the peeker.)
     */
    public SkBuff skbPeekClone() {
        SkBuffHead q = receiveQueue;
        q.lock();
        try {
            SkBuff skb = q.peek();
            return skb == null ? null : skb.cloneSkb();
        } finally {
            q.unlock();
        }
    }

    /** Length of the first queued packet, or -1 when the queue is empty. */
    public int firstPacketLength() {
        SkBuffHead q = receiveQueue;
        q.lock();
        SkBuff skb = q.peek();
        int len = skb == null ? -1 : skb.len();
        q.unlock();
        return len;
    }

    /**
     * Removes {@code skb}, which is on the receive queue, uncharging it (a protocol dropping a queued
     * packet it found bad, as UDP does on a late checksum failure). Caller then frees it.
     */
    public void skbUnlink(SkBuff skb) {
        SkBuffHead q = receiveQueue;
        q.lock();
        q.unlink(skb);
        rmemAlloc -= skb.truesize;
        rqLen = q.qlen();
        q.unlock();
    }

    /**
     * Linux: {@code sock_pfree()}: the destructor that marks {@code skb.sk} as the receiving socket
     * early demux found ({@code skb_sk_is_prefetched()}), not a sender's: it charges nothing, so
     * freeing the skb only lets go of the socket.
     */
    public static final SkBuff.Destructor SOCK_PFREE = skb -> { };

    /**
     * Linux: {@code sk->sk_rx_dst}: the input route of the packets early demux finds this socket
     * for (a connected UDP socket, a TCP connection), which the next ones take instead of routing.
     */
    private volatile SkRxDst skRxDst;

    /** The kept input route ({@code sk_rx_dst}), or null. */
    public final SkRxDst skRxDst() {
        return skRxDst;
    }

    /**
     * Linux: {@code inet_sk_rx_dst_set()} / {@code udp_sk_rx_dst_set()}: keeps {@code rt}, the
     * input route of a packet early demux found this socket for, looked up at FIB generation
     * {@code genid}; writes only when something changed.
     */
    public final void skRxDstSet(Rtable rt, int genid, NetDevice dev) {
        SkRxDst d = skRxDst;
        SkRxDst n = SkRxDst.update(d, rt, genid, dev);
        if (n != d) {
            skRxDst = n;
        }
    }

    /**
     * What a protocol's early demux does with the socket it found for {@code skb}, which arrived
     * on {@code ifindex} at FIB generation {@code genid}: leaves it in the skb for the protocol's
     * receive to take ({@link #SOCK_PFREE}, {@link #skbStealSock}) and, if the kept input route is
     * still valid ({@code dst_check()}), makes it the skb's route ({@code skb_dst_set_noref()}), so
     * that routing is skipped. Returns whether it did.
     */
    public final boolean skbEarlyDemuxed(SkBuff skb, int genid, int ifindex) {
        skb.sk = this;
        skb.destructor = SOCK_PFREE;
        SkRxDst d = skRxDst;
        if (d != null && d.valid(genid, ifindex)) {
            skb.dst = d.rt();
            return true;
        }
        return false;
    }

    /** Linux: {@code skb_steal_sock()}: the socket early demux found for {@code skb}, taken from it; or null. */
    public static Sock skbStealSock(SkBuff skb) {
        if (skb.destructor != SOCK_PFREE) {
            return null;
        }
        Sock sk = (Sock) skb.sk;
        skb.sk = null;
        skb.destructor = null;
        return sk;
    }

    /** Linux: {@code skb_orphan()}: runs and clears the skb's destructor, so it belongs to no socket. */
    public static void skbOrphan(SkBuff skb) {
        Skb.skbOrphan(skb);
    }

    // ================================================================ error queue

    /**
     * Linux: {@code net/core/skbuff.c sock_queue_err_skb()}. Queues an error report (an skb whose
     * control block the protocol filled) on {@link #errorQueue()}, charged to the receive buffer
     * like a datagram, and wakes the socket with POLLERR. Returns 0, or -ENOMEM when the receive
     * buffer cannot take it (the caller still owns and frees the skb then).
     */
    public int sockQueueErrSkb(SkBuff skb) {
        if (rmemAlloc + skb.truesize >= rcvbuf) {
            return Errno.ENOMEM.neg();
        }
        skbOrphan(skb);
        skb.sk = this;
        receiveQueue.lock();
        rmemAlloc += skb.truesize;
        receiveQueue.unlock();
        synchronized (errorQueue) {
            errorQueue.queueTail(skb);
        }
        if (!dead) {
            skErrorReport();
        }
        return 0;
    }

    /**
     * Linux: {@code sock_dequeue_err_skb()}: the oldest error report, uncharged, or null. Reading
     * an ICMP report also sets the pending error ({@code sk_err}) to the next report's errno, or
     * clears it when no ICMP report follows, so that {@code SO_ERROR} and POLLERR describe what is
     * still queued.
     */
    public SkBuff sockDequeueErrSkb() {
        if (errorQueue.isEmpty()) {
            return null;
        }
        SkBuff skb;
        SkBuff next;
        synchronized (errorQueue) {
            skb = errorQueue.dequeue();
            next = errorQueue.peek();
            if (skb == null) {
                return null;
            }
            if (next != null && SockExterr.isIcmpErrSkb(next)) {
                err = SockExterr.errno(next);
            } else if (SockExterr.isIcmpErrSkb(skb)) {
                err = 0;
            }
        }
        receiveQueue.lock();
        rmemAlloc -= skb.truesize;
        receiveQueue.unlock();
        skb.sk = null;
        if (next != null) {
            skErrorReport();
        }
        return skb;
    }

    // ================================================================ send memory

    /** Linux: {@code sock_writeable()}: at most half the send buffer is in flight. */
    public boolean sockWriteable() {
        return (wmemAlloc() << 1) < sndbuf;
    }

    /**
     * Linux: {@code skb_set_owner_w()}: charges {@code skb} to this socket's send buffer until it is
     * freed (by the driver, a qdisc drop, anyone), when {@link #destruct} gives the space back.
     */
    public void skbSetOwnerW(SkBuff skb) {
        skbOrphan(skb);
        skb.sk = this;
        skb.destructor = this;
        WMEM.getAndAdd(this, skb.truesize);
    }

    /**
     * Linux: {@code sock_wfree()}, the destructor of packets charged by {@link #skbSetOwnerW}. Runs
     * on whichever thread frees the packet.
     */
    @Override
    public void destruct(SkBuff skb) {
        WMEM.getAndAdd(this, -skb.truesize);
        skWriteSpace();
    }

    /**
     * Linux: {@code sock_alloc_send_skb()}. An skb of at least {@code size} bytes charged to the send
     * buffer, waiting (per {@code SO_SNDTIMEO}, unless {@code noblock}) while the buffer is full.
     * Returns null with {@code msg.err} set: the pending socket error, -EPIPE after
     * {@code shutdown(SHUT_WR)}, -EAGAIN (full, no more time), -EINTR, -EMSGSIZE (larger than the
     * largest buffer) or -ENOBUFS (packet memory exhausted).
     */
    public SkBuff sockAllocSendSkb(int size, boolean noblock, MsgHdr msg) {
        long timeo = noblock ? 0 : sndtimeoNs;
        Waiter w = null;
        try {
            for (;;) {
                int e = sockError();
                if (e != 0) {
                    msg.err = e;
                    return null;
                }
                if ((shutdown & SEND_SHUTDOWN) != 0) {
                    msg.err = Errno.EPIPE.neg();
                    return null;
                }
                if (wmemAlloc() < sndbuf) {
                    break;
                }
                if (timeo == 0) {
                    msg.err = Errno.EAGAIN.neg();
                    return null;
                }
                if (w == null) {
                    w = Waiter.current();
                    w.begin(WRITABLE_KEY | POLLERR | POLLHUP, net.kernel(), net.timers(),
                            Waiter.deadline(net.clock().nanoTime(), timeo));
                }
                // sock_wait_for_wmem(): on the queue first, then re-check, then sleep
                w.prepareExclusive(wq);
                if (wmemAlloc() < sndbuf || err != 0 || (shutdown & SEND_SHUTDOWN) != 0 || dead) {
                    continue;
                }
                int r = w.sleep();
                if (r == Waiter.INTERRUPTED) {
                    msg.err = Errno.EINTR.neg();
                    return null;
                }
                if (r == Waiter.TIMED_OUT) {
                    timeo = 0;
                }
            }
        } finally {
            if (w != null) {
                w.end();
            }
        }
        SkBuff skb = net.pool().alloc(size);
        if (skb == null) {
            msg.err = size > dev.packetflow.net.core.PagePool.LARGE ? Errno.EMSGSIZE.neg() : Errno.ENOBUFS.neg();
            return null;
        }
        skbSetOwnerW(skb);
        return skb;
    }

    // ================================================================ errors and timeouts

    /**
     * Linux: {@code sock_error()}: the pending error as {@code -errno}, cleared by reading, so each
     * asynchronous error (ICMP port unreachable, a reset) is reported to exactly one call.
     */
    public int sockError() {
        if (err == 0) {
            return 0;
        }
        return -(int) ERR.getAndSet(this, 0);
    }

    /** The pending error without clearing it (poll's POLLERR). */
    public int pendingError() {
        return err;
    }

    /** Linux: {@code sk->sk_err = errno; sk_error_report(sk)}. {@code errno} is positive. */
    public void reportError(int errno) {
        err = errno;
        skErrorReport();
    }

    /** Linux: {@code sock_rcvtimeo()}: the receive timeout in ns, 0 for a non-blocking call. */
    public long sockRcvtimeo(boolean noblock) {
        return noblock ? 0 : rcvtimeoNs;
    }

    public long sockSndtimeo(boolean noblock) {
        return noblock ? 0 : sndtimeoNs;
    }

    // ================================================================ callbacks

    /** Linux: {@code sock_def_readable()}: wakes readers and pollers. */
    public void skDataReady() {
        wq.wakeUpPoll(READABLE_KEY);
    }

    /** Linux: {@code sock_def_write_space()}: wakes writers once half the send buffer is free. */
    public void skWriteSpace() {
        if (sockWriteable()) {
            wq.wakeUpPoll(WRITABLE_KEY);
        }
    }

    /** Linux: {@code sock_def_wakeup()}: wakes everyone (state changed: connected, closed, shut down). */
    public void skStateChange() {
        wq.wakeUpAll(0);
    }

    /** Linux: {@code sock_def_error_report()}. */
    public void skErrorReport() {
        wq.wakeUpPoll(POLLERR);
    }

    // ================================================================ the socket lock

    /**
     * Linux: {@code lock_sock()}. Makes the calling (application) thread the owner of the sock,
     * waiting while another thread owns it. Softnet meanwhile queues packets to the backlog.
     */
    public void lockSock() {
        slock.lock();
        try {
            while (owned) {
                if (ownerFree == null) {
                    ownerFree = slock.newCondition();
                }
                ownerFree.awaitUninterruptibly();
            }
            owned = true;
        } finally {
            slock.unlock();
        }
    }

    /**
     * Linux: {@code release_sock()}. Processes the backlog in the owner's thread (through
     * {@link Proto#backlogRcv}, with the spinlock dropped), then gives up ownership.
     */
    public void releaseSock() {
        slock.lock();
        try {
            SkBuff skb;
            while ((skb = backlog.dequeue()) != null) {
                slock.unlock();
                try {
                    prot.backlogRcv(this, skb);
                } finally {
                    slock.lock();
                }
            }
            backlogLen = 0;
            prot.releaseCb(this);
            owned = false;
            if (ownerFree != null) {
                ownerFree.signalAll();
            }
        } finally {
            slock.unlock();
        }
    }

    /** Linux: {@code bh_lock_sock()}: the short lock softnet takes before looking at ownership. */
    public void bhLockSock() {
        slock.lock();
    }

    public void bhUnlockSock() {
        slock.unlock();
    }

    /** Linux: {@code sock_owned_by_user()}; call with {@link #bhLockSock()} held. */
    public boolean ownedByUser() {
        return owned;
    }

    /**
     * Linux: {@code sk_add_backlog()}, with {@link #bhLockSock()} held and the sock owned: queues the
     * packet for the owner. Returns 0, or -ENOBUFS when backlog plus receive queue exceed
     * {@code limit} bytes (the caller drops with {@link DropReason#SOCKET_BACKLOG}).
     */
    public int skAddBacklog(SkBuff skb, int limit) {
        if (backlogLen + rmemAlloc > limit) {
            return Errno.ENOBUFS.neg();
        }
        backlog.queueTail(skb);
        backlogLen += skb.truesize;
        return 0;
    }

    /**
     * Linux: {@code __sk_receive_skb()}: hands a packet to {@link Proto#backlogRcv} now if no
     * application thread owns the sock, else to the backlog. Drops (counted) when the receive
     * queue and backlog are over {@link #rcvbuf}. Returns 0 or -errno.
     */
    public int skReceiveSkb(SkBuff skb) {
        if (backlogLen + rmemAlloc > rcvbuf) {
            DROPS.getAndAdd(this, 1);
            Skb.kfreeSkb(net, skb, DropReason.SOCKET_RCVBUFF);
            return Errno.ENOMEM.neg();
        }
        bhLockSock();
        try {
            if (!owned) {
                return prot.backlogRcv(this, skb);
            }
            if (skAddBacklog(skb, rcvbuf) != 0) {
                DROPS.getAndAdd(this, 1);
                Skb.kfreeSkb(net, skb, DropReason.SOCKET_BACKLOG);
                return Errno.ENOBUFS.neg();
            }
            return 0;
        } finally {
            bhUnlockSock();
        }
    }

    /**
     * Takes (or gives back) this sock's share of the stack's "stamp every received packet"
     * ({@link NetStack#netEnableTimestamp()}); idempotent.
     */
    public synchronized void holdNetstamp(boolean on) {
        if (on != netstampHeld) {
            netstampHeld = on;
            if (on) {
                net.netEnableTimestamp();
            } else {
                net.netDisableTimestamp();
            }
        }
    }

    // ================================================================ end of life

    /**
     * Linux: {@code sock_orphan()}: the application closed the socket. Marks the sock dead, detaches
     * it and wakes everyone still waiting on it (they return EBADF).
     */
    public void sockOrphan() {
        dead = true;
        holdNetstamp(false); // Linux: sock_disable_timestamp() in sk_destruct
        Socket s = socket;
        socket = null;
        if (s != null) {
            s.sk = null;
        }
        skStateChange();
    }

    /**
     * Linux: {@code sk_common_release()} for datagram protocols: unhash, orphan, then free every
     * packet still queued (dropped with {@link DropReason#SOCKET_CLOSE}).
     */
    public void skCommonRelease() {
        prot.unhash(this);
        sockOrphan();
        purgeQueues();
    }

    /** Frees every packet the sock still holds (Linux: {@code inet_sock_destruct()}); idempotent. */
    public void purgeQueues() {
        SkBuffHead q = receiveQueue;
        SkBuff skb;
        for (;;) {
            q.lock();
            skb = q.dequeue();
            if (skb == null) {
                rqLen = 0;
                q.unlock();
                break;
            }
            rmemAlloc -= skb.truesize;
            q.unlock();
            Skb.kfreeSkb(net, skb, DropReason.SOCKET_CLOSE);
        }
        for (;;) {
            synchronized (errorQueue) {
                skb = errorQueue.dequeue();
            }
            if (skb == null) {
                break;
            }
            q.lock();
            rmemAlloc -= skb.truesize;
            q.unlock();
            Skb.kfreeSkb(net, skb, DropReason.SOCKET_CLOSE);
        }
        slock.lock();
        try {
            while ((skb = backlog.dequeue()) != null) {
                Skb.kfreeSkb(net, skb, DropReason.SOCKET_CLOSE);
            }
            backlogLen = 0;
        } finally {
            slock.unlock();
        }
    }

    @Override
    public String toString() {
        return prot.name() + "[" + InetAddr.toString(rcvSaddr) + ":" + num + " -> " + InetAddr.toString(daddr) + ":"
                + dport + " st=" + state + "]";
    }
}
