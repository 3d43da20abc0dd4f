package dev.packetflow.net.ipv4;

import dev.packetflow.kernel.time.TimerList;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.Mib;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.SkBuffHead;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ethernet.Eth;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Per-stack IPv4 state ({@code struct netns_ipv4} plus the {@code in_device}s): the addresses of
 * every device. The IPv4 layer adds its FIB, sysctls, MIB counters and reassembly queue here.
 *
 * <p>Addresses are kept in a copy-on-write array so that the packet path ({@link #isLocal}) reads
 * without locking; changes are serialised and announced to listeners (the FIB adds the connected
 * and local routes, ARP sends a gratuitous ARP).
 *
 * <p>The IPv4 layer hangs off it as in Linux's {@code struct netns_ipv4}: the {@link #fib() FIB},
 * the {@link #route() route} decisions, the receive path ({@link IpInput}, registered for
 * ETH_P_IP), the send path ({@link #output()}), forwarding, fragmentation and reassembly,
 * {@link #icmp() ICMP}, the {@code inet_protos} table ({@link #addProtocol}), the sysctls
 * ({@code net.ipv4.*}, Linux defaults) and the MIB groups Ip, IpExt, Icmp and IcmpMsg.
 *
 * <p>The IP control block ({@code IPCB(skb)}) lives in the skb's scratch fields while the IP layer
 * owns a packet: {@code cb0} holds the {@code IPSKB_*} flags, {@code cb1} the largest fragment
 * size of a reassembled datagram ({@code frag_max_size}).
 */
public final class Ipv4 implements AutoCloseable {
    /** IPCB flags in {@code skb.cb0}, Linux's IPSKB_*. */
    public static final int IPSKB_FORWARDED = 1;
    /** The router should tell the sender about a better first hop (Linux: IPSKB_DOREDIRECT). */
    public static final int IPSKB_DOREDIRECT = 0x20;
    /** Set on reassembled datagrams whose largest fragment had DF (Linux: IPSKB_FRAG_PMTU). */
    public static final int IPSKB_FRAG_PMTU = 0x40;
    /** Stands for {@code skb->ignore_df}: the sender allows local fragmentation despite DF. */
    public static final int IPSKB_IGNORE_DF = 0x10000;

    /** Loopback MTU (Linux's lo has 65536): local traffic never needs fragmenting. */
    static final int LOOPBACK_MTU = 65536;

    private final NetStack net;
    private volatile InIfaddr[] addrs = new InIfaddr[0];
    /** The addresses and the non-zero broadcast addresses alone, for the per-packet checks. */
    private volatile int[] localAddrs = new int[0];
    private volatile int[] bcastAddrs = new int[0];
    private final List<Consumer<InIfaddr>> added = new ArrayList<>();
    private final List<Consumer<InIfaddr>> removed = new ArrayList<>();

    // ---- sysctls: net.ipv4.*, Linux defaults (Documentation/networking/ip-sysctl.rst)
    private volatile int ipForward = 0;
    private volatile int ipDefaultTtl = 64;
    /** Bytes of fragments queued for reassembly above which new fragments are dropped (4 MB). */
    public volatile long ipfragHighThresh = 4L * 1024 * 1024;
    /** Obsolete since Linux 4.17 (no eviction to a low mark); kept for sysctl compatibility. */
    public volatile long ipfragLowThresh = 3L * 1024 * 1024;
    /** Seconds an incomplete datagram is kept. */
    public volatile int ipfragTime = 30;
    /** Minimum interval between rate-limited ICMP messages to one host, in ms. */
    public volatile int icmpRatelimit = 1000;
    /** Types subject to icmp_ratelimit: dest unreachable, source quench, time exceeded, param problem. */
    public volatile int icmpRatemask = 0x1818;
    public volatile int icmpMsgsPerSec = 1000;
    public volatile int icmpMsgsBurst = 50;
    public volatile int icmpEchoIgnoreAll = 0;
    public volatile int icmpEchoIgnoreBroadcasts = 1;
    /** {@code conf.all.send_redirects}: a router sends ICMP redirects (RFC 1812 5.2.7.2). */
    public volatile int sendRedirects = 1;
    /** 0: honour "fragmentation needed" messages (path MTU discovery on). */
    public volatile int ipNoPmtuDisc = 0;
    /**
     * {@code ip_early_demux}, {@code udp_early_demux} and {@code tcp_early_demux}: a datagram for
     * a connected UDP socket, or a segment of a TCP connection, finds its socket, and the socket's
     * kept input route, before routing (all 1 in Linux).
     */
    public volatile int ipEarlyDemux = 1;
    public volatile int udpEarlyDemux = 1;
    public volatile int tcpEarlyDemux = 1;

    // ---- counters
    final Mib ipMib = IpMib.newIp();
    final Mib ipExtMib = IpMib.newIpExt();
    final Mib icmpMib = IpMib.newIcmp();
    final Mib icmpMsgMib = IpMib.newIcmpMsg();

    // ---- the layer
    private volatile NetProtocol[] inetProtos = new NetProtocol[256];
    private final Fib fib;
    private final Route route;
    final IpIdents idents;
    private final IpOutput output;
    final IpFragment fragment;
    final IpForward forward;
    final IpDefrag defrag;
    final IcmpRateLimit rateLimit;
    private final Icmp icmp;
    private final IpInput input;

    /** Packets sent to one of our own addresses, waiting to be received (Linux: lo and netif_rx). */
    private final SkBuffHead loopback = new SkBuffHead();
    private final TimerList loopbackTimer = new TimerList(t -> ((Ipv4) t.owner).loopbackRx(), this);
    private boolean closed;

    public Ipv4(NetStack net) {
        this.net = net;
        ipMib.set(IpMib.FORWARDING, 2);
        ipMib.set(IpMib.DEFAULT_TTL, ipDefaultTtl);
        this.fib = new Fib(net);
        this.route = new Route(net, this, fib);
        this.idents = new IpIdents(net.random(), this::jiffies);
        this.rateLimit = new IcmpRateLimit(this);
        this.output = new IpOutput(net, this);
        this.fragment = new IpFragment(net, this);
        this.forward = new IpForward(net, this);
        this.defrag = new IpDefrag(net, this);
        this.icmp = new Icmp(net, this);
        this.input = new IpInput(net, this);
        net.addMib(ipMib);
        net.addMib(icmpMib);
        net.addMib(icmpMsgMib);
        net.addMib(ipExtMib);
        net.addPacketHandler(Eth.ETH_P_IP, input::ipRcv);
        inetProtos[Ipv4Header.IPPROTO_ICMP] = icmp;
        onAddressAdded(fib::addIfaddr);
        onAddressRemoved(fib::delIfaddr);
        net.devices().onUp(fib::deviceUp);
        net.devices().onDown(fib::deviceDown);
    }

    public NetStack net() {
        return net;
    }

    // ------------------------------------------------------------------ addresses

    /**
     * Linux: {@code inet_rtm_newaddr()} / {@code __inet_insert_ifa()}. Adds {@code address/prefixLen}
     * to {@code dev}. Throws IllegalArgumentException if the device already has it.
     */
    public synchronized InIfaddr addAddress(NetDevice dev, int address, int prefixLen) {
        if (prefixLen < 0 || prefixLen > 32) {
            throw new IllegalArgumentException("invalid prefix length " + prefixLen);
        }
        for (InIfaddr a : addrs) {
            if (a.dev() == dev && a.address() == address) {
                throw new IllegalArgumentException("address " + InetAddr.toString(address) + " already on " + dev.name());
            }
        }
        int bcast = prefixLen >= 31 ? 0 : (address | ~InetAddr.mask(prefixLen));
        int scope = InetAddr.isLoopback(address) ? InIfaddr.RT_SCOPE_HOST : InIfaddr.RT_SCOPE_UNIVERSE;
        InIfaddr ifa = new InIfaddr(address, prefixLen, bcast, dev, scope);
        InIfaddr[] n = java.util.Arrays.copyOf(addrs, addrs.length + 1);
        n[n.length - 1] = ifa;
        publishAddrs(n);
        for (Consumer<InIfaddr> l : added) {
            l.accept(ifa);
        }
        return ifa;
    }

    /** Linux: {@code inet_rtm_deladdr()}. Throws IllegalArgumentException if the address is absent. */
    public synchronized void delAddress(NetDevice dev, int address, int prefixLen) {
        InIfaddr found = null;
        for (InIfaddr a : addrs) {
            if (a.dev() == dev && a.address() == address && (prefixLen < 0 || a.prefixLen() == prefixLen)) {
                found = a;
            }
        }
        if (found == null) {
            throw new IllegalArgumentException("address " + InetAddr.toString(address) + " not on " + dev.name());
        }
        InIfaddr f = found;
        publishAddrs(java.util.Arrays.stream(addrs).filter(a -> a != f).toArray(InIfaddr[]::new));
        for (Consumer<InIfaddr> l : removed) {
            l.accept(f);
        }
    }

    private void publishAddrs(InIfaddr[] n) {
        int[] local = new int[n.length];
        int nb = 0;
        int[] bcast = new int[n.length];
        for (int i = 0; i < n.length; i++) {
            local[i] = n[i].address();
            if (n[i].broadcast() != 0) {
                bcast[nb++] = n[i].broadcast();
            }
        }
        addrs = n;
        localAddrs = local;
        bcastAddrs = java.util.Arrays.copyOf(bcast, nb);
    }

    /** Every address, in the order added. */
    public List<InIfaddr> addresses() {
        return List.of(addrs);
    }

    public List<InIfaddr> addresses(NetDevice dev) {
        List<InIfaddr> l = new ArrayList<>();
        for (InIfaddr a : addrs) {
            if (a.dev() == dev) {
                l.add(a);
            }
        }
        return l;
    }

    /** The first address of {@code dev} (Linux: {@code inet_select_addr()} without scope rules), or 0. */
    public int primaryAddress(NetDevice dev) {
        for (InIfaddr a : addrs) {
            if (a.dev() == dev) {
                return a.address();
            }
        }
        return 0;
    }

    /** The address of {@code dev} on the same subnet as {@code dst}, else its primary address, else 0. */
    public int selectAddress(NetDevice dev, int dst) {
        int first = 0;
        for (InIfaddr a : addrs) {
            if (a.dev() == dev) {
                if (a.onLink(dst)) {
                    return a.address();
                }
                if (first == 0) {
                    first = a.address();
                }
            }
        }
        return first;
    }

    /** Whether {@code a} is one of this stack's addresses (on any device that is up). */
    public boolean isLocal(int a) {
        for (int x : localAddrs) {
            if (x == a) {
                return true;
            }
        }
        return false;
    }

    /** The address record for local address {@code a}, or null. */
    public InIfaddr ifaddr(int a) {
        for (InIfaddr x : addrs) {
            if (x.address() == a) {
                return x;
            }
        }
        return null;
    }

    /** Whether {@code a} is the directed broadcast address of one of our subnets. */
    public boolean isLocalBroadcast(int a) {
        for (int x : bcastAddrs) {
            if (x == a) {
                return true;
            }
        }
        return false;
    }

    /** Called after an address is added (FIB, ARP listen here). */
    public synchronized void onAddressAdded(Consumer<InIfaddr> l) {
        added.add(l);
    }

    public synchronized void onAddressRemoved(Consumer<InIfaddr> l) {
        removed.add(l);
    }

    // ------------------------------------------------------------------ sysctls

    /** {@code net.ipv4.ip_forward}: 1 makes this stack a router. */
    public int ipForward() {
        return ipForward;
    }

    public void setIpForward(int v) {
        if (v != 0 && v != 1) {
            throw new IllegalArgumentException("ip_forward must be 0 or 1: " + v);
        }
        ipForward = v;
        ipMib.set(IpMib.FORWARDING, v == 1 ? 1 : 2);
    }

    /** {@code net.ipv4.ip_default_ttl}: TTL of datagrams this host originates. */
    public int ipDefaultTtl() {
        return ipDefaultTtl;
    }

    public void setIpDefaultTtl(int v) {
        if (v < 1 || v > 255) {
            throw new IllegalArgumentException("ip_default_ttl must be 1..255: " + v);
        }
        ipDefaultTtl = v;
        ipMib.set(IpMib.DEFAULT_TTL, v);
    }

    // ------------------------------------------------------------------ the layer

    public Fib fib() {
        return fib;
    }

    public Route route() {
        return route;
    }

    public IpOutput output() {
        return output;
    }

    public Icmp icmp() {
        return icmp;
    }

    IpInput input() {
        return input;
    }

    /** The "Ip" MIB group (/proc/net/snmp). */
    public Mib ipMib() {
        return ipMib;
    }

    /** The "IpExt" MIB group (/proc/net/netstat). */
    public Mib ipExtMib() {
        return ipExtMib;
    }

    public Mib icmpMib() {
        return icmpMib;
    }

    public Mib icmpMsgMib() {
        return icmpMsgMib;
    }

    /** The stack's clock in jiffies (HZ = 1000), the unit of Linux's rate limiters. */
    long jiffies() {
        return net.clock().jiffies();
    }

    // ------------------------------------------------------------------ inet_protos

    /**
     * Linux: {@code inet_add_protocol()}. Registers the handler of IP protocol {@code protocol}
     * (17 for UDP, 6 for TCP). Throws IllegalArgumentException if the number is out of range or
     * already taken.
     */
    public synchronized void addProtocol(int protocol, NetProtocol p) {
        if (protocol < 0 || protocol > 255 || p == null) {
            throw new IllegalArgumentException("invalid protocol " + protocol);
        }
        if (inetProtos[protocol] != null) {
            throw new IllegalArgumentException("protocol " + protocol + " already registered");
        }
        NetProtocol[] n = inetProtos.clone();
        n[protocol] = p;
        inetProtos = n;
    }

    /** Linux: {@code inet_del_protocol()}. Throws IllegalArgumentException if {@code p} is not registered. */
    public synchronized void delProtocol(int protocol, NetProtocol p) {
        if (protocol < 0 || protocol > 255 || inetProtos[protocol] != p) {
            throw new IllegalArgumentException("protocol " + protocol + " not registered by this handler");
        }
        NetProtocol[] n = inetProtos.clone();
        n[protocol] = null;
        inetProtos = n;
    }

    /** The handler of {@code protocol}, or null (read on every packet; no lock). */
    public NetProtocol protocol(int protocol) {
        return inetProtos[protocol & 0xff];
    }

    // ------------------------------------------------------------------ loopback

    /**
     * Linux: {@code loopback_xmit()} → {@code netif_rx()}: a packet to one of our own addresses is
     * received later, from the softnet loop, never inside the call that sent it. Stands in for the
     * {@code lo} device; the packet keeps its output route, as lo keeps {@code skb_dst}.
     */
    void loopbackXmit(SkBuff skb) {
        synchronized (loopback) {
            if (closed) {
                Skb.kfreeSkb(net, skb, DropReason.DEV_READY);
                return;
            }
            loopback.queueTail(skb);
        }
        net.timers().modTimer(loopbackTimer, net.clock().nanoTime());
    }

    private void loopbackRx() {
        for (;;) {
            SkBuff skb;
            synchronized (loopback) {
                skb = loopback.dequeue();
            }
            if (skb == null) {
                return;
            }
            skb.pktType = SkBuff.PACKET_LOOPBACK;
            skb.protocol = Eth.ETH_P_IP;
            input.ipRcv(skb, skb.dev);
        }
    }

    /** Frees what the layer holds: reassembly queues, looped-back packets, timers. */
    @Override
    public void close() {
        synchronized (loopback) {
            closed = true;
            Skb.purge(loopback, DropReason.QUEUE_PURGE);
        }
        net.timers().delTimer(loopbackTimer);
        defrag.close();
    }
}
