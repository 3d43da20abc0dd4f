package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.lib.SipHash;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.Mib;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.ipv4.NetProtocol;
import dev.packetflow.net.socket.InetProtosw;
import dev.packetflow.net.socket.Sock;
import dev.packetflow.trace.Trace;
import dev.packetflow.trace.Tracepoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.packetflow.net.socket.Uapi.*;

/**
 * TCP in one stack: what Linux keeps per network namespace ({@code net->ipv4.tcp_*} sysctls, the
 * {@code tcp_hashinfo} tables, the Tcp and TcpExt counters, the secrets of ISNs, timestamps and
 * SYN cookies) and the entry points the IP layer and the socket layer call. Created with the stack;
 * {@code socket(AF_INET, SOCK_STREAM, 0)} then makes TCP sockets.
 *
 * <h2>The segment's journey (the seed's diagrams)</h2>
 * <pre>
 * TX: send() ─► sock_sendmsg ─► tcp_sendmsg ─► tcp_push ─► tcp_write_xmit ─► tcp_transmit_skb
 *                                                          ─► ip_queue_xmit ─► ...
 * RX: ip_local_deliver_finish ─► tcp_v4_rcv (checksum, socket lookup by 4-tuple)
 *       ─► tcp_v4_do_rcv ─► tcp_rcv_established (fast path, arg 1 | slow path, arg 0)
 *       ─► tcp_data_queue ─► sk_data_ready ─► recv()
 * </pre>
 *
 * <h2>Tracepoints</h2>
 * Named like the kernel's: {@code tcp_sendmsg} (arg: the journey of the data about to be
 * written), {@code tcp_v4_rcv}, {@code tcp_v4_do_rcv}, {@code tcp_rcv_established} (arg 1 fast path,
 * 0 slow path), {@code tcp_data_queue}, {@code tcp_retransmit_skb}, {@code tcp_send_reset},
 * {@code tcp_receive_reset}, {@code tcp_probe} (per ACK processed: arg is cwnd; the sock, with its
 * cwnd, ssthresh and srtt, is {@link #probeSock()} while the probe runs), {@code tcp_destroy_sock},
 * {@code tcp_set_state} (arg: new state).
 *
 * <p>Linux: {@code net/ipv4/tcp_ipv4.c} (per-netns init), {@code include/net/tcp.h}.
 */
public final class Tcp implements NetProtocol, AutoCloseable {
    // ---- constants of include/net/tcp.h
    public static final int TCP_INIT_CWND = 10;
    public static final int TCP_INFINITE_SSTHRESH = 0x7fffffff;
    public static final int TCP_MSS_DEFAULT = 536;
    public static final int TCP_MIN_MSS = 88;
    public static final int TCP_MAX_WSCALE = 14;
    public static final int TCP_MAX_QUICKACKS = 16;
    public static final int MAX_TCP_WINDOW = 32767;
    public static final int TCP_FASTRETRANS_THRESH = 3;
    /** 20 bytes IPv4 + 20 bytes TCP: MSS from MTU. */
    static final int TCP_IPV4_OVERHEAD = 40;

    // ---- tracepoints
    public static final Tracepoint TP_TCP_SENDMSG = Trace.point("tcp_sendmsg");
    public static final Tracepoint TP_TCP_V4_RCV = Trace.point("tcp_v4_rcv");
    /** Fired when early demux finds a segment's connection before routing (arg: 1 when its kept route was used). */
    public static final Tracepoint TP_TCP_V4_EARLY_DEMUX = Trace.point("tcp_v4_early_demux");
    public static final Tracepoint TP_TCP_V4_DO_RCV = Trace.point("tcp_v4_do_rcv");
    public static final Tracepoint TP_TCP_RCV_ESTABLISHED = Trace.point("tcp_rcv_established");
    public static final Tracepoint TP_TCP_DATA_QUEUE = Trace.point("tcp_data_queue");
    public static final Tracepoint TP_TCP_PROBE = Trace.point("tcp_probe");
    public static final Tracepoint TP_TCP_RETRANSMIT_SKB = Trace.point("tcp_retransmit_skb");
    public static final Tracepoint TP_TCP_SEND_RESET = Trace.point("tcp_send_reset");
    public static final Tracepoint TP_TCP_RECEIVE_RESET = Trace.point("tcp_receive_reset");
    public static final Tracepoint TP_TCP_DESTROY_SOCK = Trace.point("tcp_destroy_sock");
    public static final Tracepoint TP_TCP_SET_STATE = Trace.point("tcp_set_state");

    private final NetStack net;
    private final TcpSysctl sysctl = new TcpSysctl();
    private final Mib tcpMib = TcpMib.newTcp();
    private final Mib extMib = TcpMib.newTcpExt();
    final TcpHashinfo hashinfo;
    private final TcpProto proto;
    final TcpIpv4 ipv4;
    final TcpOutput output;
    final TcpRetrans retrans;
    final TcpWindow window;
    final TcpInput input;
    final TcpStateProcess stateProcess;
    final TcpAckPolicy ackPolicy;
    final TcpInputAck inputAck;
    final TcpInputData inputData;
    final TcpStream stream;
    final TcpRecovery recovery;
    final TcpSack sack;
    final TcpRack rack;
    final TcpTimer timer;
    final TcpMinisocks minisocks;
    final TcpSyncookies syncookies;
    private final long isnK0;
    private final long isnK1;
    private final long tsK0;
    private final long tsK1;
    /** RFC 5961 per-second challenge ACK budget (Linux: {@code tcp_challenge_count}). */
    int challengeCount;
    long challengeTimestampSec = -1;
    private final Random random;
    private volatile TcpSock probeSk;
    private boolean closed;

    public Tcp(NetStack net) {
        this.net = net;
        this.random = new Random(net.localPorts().nextSecret());
        this.isnK0 = random.nextLong();
        this.isnK1 = random.nextLong();
        this.tsK0 = random.nextLong();
        this.tsK1 = random.nextLong();
        this.hashinfo = new TcpHashinfo(random.nextInt(), net.localPorts());
        this.proto = new TcpProto(this);
        this.output = new TcpOutput(this);
        this.retrans = new TcpRetrans(this);
        this.window = new TcpWindow(this);
        this.input = new TcpInput(this);
        this.stateProcess = new TcpStateProcess(this);
        this.ackPolicy = new TcpAckPolicy(this);
        this.inputAck = new TcpInputAck(this);
        this.inputData = new TcpInputData(this);
        this.stream = new TcpStream(this);
        this.recovery = new TcpRecovery(this);
        this.sack = new TcpSack(this);
        this.rack = new TcpRack(this);
        this.timer = new TcpTimer(this);
        this.minisocks = new TcpMinisocks(this);
        this.syncookies = new TcpSyncookies(random.nextLong(), random.nextLong());
        this.ipv4 = new TcpIpv4(this);
        net.addMib(tcpMib);
        net.addMib(extMib);
        net.ipv4().addProtocol(IPPROTO_TCP, this);
        net.sockets().registerProtosw(new InetProtosw(SOCK_STREAM, IPPROTO_TCP, proto, InetStreamOps.INSTANCE));
        net.onClose(this);
    }

    public NetStack net() {
        return net;
    }

    /** The {@code net.ipv4.tcp_*} sysctls. */
    public TcpSysctl sysctl() {
        return sysctl;
    }

    /** The "Tcp" group of /proc/net/snmp. */
    public Mib mib() {
        return tcpMib;
    }

    /** The "TcpExt" group of /proc/net/netstat. */
    public Mib extMib() {
        return extMib;
    }

    TcpProto proto() {
        return proto;
    }

    Random random() {
        return random;
    }

    /** The TcpSock of {@code sk}, for code that has a socket layer sock. */
    public static TcpSock tcpSk(Sock sk) {
        return sk instanceof TcpSock t ? t : null;
    }

    /** The sock whose ACK the {@code tcp_probe} tracepoint is reporting, while its probes run. */
    public TcpSock probeSock() {
        return probeSk;
    }

    void fireProbe(TcpSock sk) {
        probeSk = sk;
        try {
            TP_TCP_PROBE.fire(net, null, sk.sndCwnd);
        } finally {
            probeSk = null;
        }
    }

    // ================================================================ IP layer entry points

    /** Linux: {@code tcp_v4_rcv()} as the {@code inet_protos[IPPROTO_TCP]} handler. */
    @Override
    public int handler(SkBuff skb) {
        return ipv4.tcpV4Rcv(skb);
    }

    /**
     * Linux: {@code tcp_v4_early_demux()}, called by {@code ip_rcv_finish} before routing a segment
     * nobody has claimed yet (see {@link TcpIpv4#earlyDemux}). Returns the connection's sock, now
     * in {@code skb.sk}, or null.
     */
    public Sock earlyDemux(SkBuff skb, int genid) {
        return ipv4.earlyDemux(skb, genid);
    }

    /** Linux: {@code tcp_v4_err()}. */
    @Override
    public void errHandler(SkBuff skb, int type, int code, int info) {
        ipv4.tcpV4Err(skb, type, code, info);
    }

    // ================================================================ clocks and secrets

    long nowNs() {
        return net.clock().nanoTime();
    }

    long nowUs() {
        return net.clock().nanoTime() / 1000L;
    }

    /** Linux: {@code tcp_jiffies32} at HZ=1000: ms. */
    long nowMs() {
        return net.clock().nanoTime() / 1_000_000L;
    }

    /**
     * Linux: {@code secure_tcp_seq()} (RFC 6528): ISN = M + F(local address, local port, remote
     * address, remote port, secret key), M a clock ticking every 64 ns (Linux: {@code ktime_get_real_ns() >> 6}),
     * F a keyed SipHash with a per-stack secret.
     */
    int secureSeq(int saddr, int daddr, int sport, int dport) {
        long h = SipHash.hash3u32(saddr, daddr, (sport << 16) | dport, isnK0, isnK1);
        return (int) h + (int) (nowNs() >>> 6);
    }

    /** Linux: {@code secure_tcp_ts_off()}: a per-address-pair random offset of our TS clock (RFC 7323 5.4). */
    int secureTsOff(int saddr, int daddr) {
        return (int) SipHash.hash3u32(saddr, daddr, 0, tsK0, tsK1);
    }

    // ================================================================ life

    /** Every full TCP sock the stack holds (connected, listening, orphaned). */
    public List<TcpSock> socks() {
        List<TcpSock> l = new ArrayList<>();
        for (Object o : hashinfo.ehashOwners()) {
            if (o instanceof TcpSock s) {
                l.add(s);
            }
        }
        l.addAll(proto.listeners());
        return l;
    }

    /** Established-table entries in TIME_WAIT (Linux: {@code /proc/net/tcp} rows in state 06). */
    public int timeWaitCount() {
        int n = 0;
        for (Object o : hashinfo.ehashOwners()) {
            if (o instanceof TcpTimewaitSock) {
                n++;
            }
        }
        return n;
    }

    /**
     * Stack shutdown: every connection, orphan, request and TIME_WAIT sock is destroyed without
     * sending anything, and every skb they held is freed.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Object o : hashinfo.ehashOwners()) {
            if (o instanceof TcpSock s) {
                proto.destroyOnStackClose(s);
            } else if (o instanceof TcpTimewaitSock tw) {
                minisocks.twKill(tw);
            } else if (o instanceof TcpRequestSock r) {
                minisocks.reqDrop(r);
            }
        }
        for (TcpSock l : proto.listeners()) {
            proto.destroyOnStackClose(l);
        }
    }

    boolean closed() {
        return closed;
    }
}
