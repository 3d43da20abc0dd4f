package dev.packetflow.net.core;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.sched.Qdisc;

/**
 * A network interface, as the stack sees it: a name and index, link-layer identity (MAC, MTU,
 * type), state flags, a transmit queue discipline, receive NAPI contexts and statistics. Drivers
 * extend it and implement the {@code ndo_*} operations.
 *
 * <p>Ownership: {@link #ndoStartXmit} takes the skb; the driver frees it once the frame is on the
 * wire (or drops it with a reason). On receive the driver builds skbs and hands them to
 * {@link Dev#netifReceiveSkb(SkBuff)} from its NAPI poll.
 *
 * <p>Linux: {@code include/linux/netdevice.h struct net_device} and {@code struct net_device_ops}.
 */
public abstract class NetDevice {
    // flags, Linux's IFF_* (include/uapi/linux/if.h)
    public static final int IFF_UP = 0x1;
    public static final int IFF_BROADCAST = 0x2;
    public static final int IFF_LOOPBACK = 0x8;
    public static final int IFF_POINTOPOINT = 0x10;
    public static final int IFF_RUNNING = 0x40;
    public static final int IFF_NOARP = 0x80;
    public static final int IFF_PROMISC = 0x100;
    public static final int IFF_MULTICAST = 0x1000;
    public static final int IFF_LOWER_UP = 0x10000;

    /**
     * Linux's {@code IFF_NO_QUEUE} private flag ({@code include/linux/netdevice.h}): the device is
     * registered with the noqueue qdisc (veth, loopback), so transmit goes straight to the driver.
     */
    public static final int IFF_NO_QUEUE = 1 << 21;

    // features, Linux's NETIF_F_* (include/linux/netdev_features.h), as bits of our own numbering
    public static final long NETIF_F_SG = 1L << 0;
    public static final long NETIF_F_IP_CSUM = 1L << 1;
    public static final long NETIF_F_HW_CSUM = 1L << 3;
    public static final long NETIF_F_RXCSUM = 1L << 4;
    public static final long NETIF_F_TSO = 1L << 5;
    public static final long NETIF_F_GSO = 1L << 6;
    public static final long NETIF_F_GRO = 1L << 7;
    public static final long NETIF_F_LLTX = 1L << 8;
    /** Takes UDP GSO super-packets ({@code SKB_GSO_UDP_L4}) whole (Linux: {@code NETIF_F_GSO_UDP_L4}). */
    public static final long NETIF_F_GSO_UDP_L4 = 1L << 9;

    /** ARPHRD_* link types (include/uapi/linux/if_arp.h). */
    public static final int ARPHRD_ETHER = 1;
    public static final int ARPHRD_LOOPBACK = 772;

    /** {@link #ndoStartXmit} results, Linux's netdev_tx_t. */
    public static final int NETDEV_TX_OK = 0x00;
    public static final int NETDEV_TX_BUSY = 0x10;

    public static final long BROADCAST_MAC = 0xffff_ffff_ffffL;

    private String name;
    int ifindex;
    NetStack net;
    protected int mtu = 1500;
    protected int minMtu = 68;
    protected int maxMtu = 65535;
    protected long mac;
    int flags;
    /** Linux's {@code dev->priv_flags}: driver properties invisible to {@code ip link}. */
    protected int privFlags;
    private boolean carrier = true;
    protected long features;
    protected int type = ARPHRD_ETHER;
    protected int hardHeaderLen = 14;
    protected int txQueueLen = 1000;
    Qdisc qdisc;
    /** Whether the driver stopped its TX queue (ring full); the qdisc holds packets meanwhile. */
    volatile boolean txQueueStopped;
    final LinkStats64 stats = new LinkStats64();
    Xdp.Program xdpProg;
    volatile PacketTap[] taps = PacketTap.NONE;
    PagePool pool = PagePool.DEFAULT;
    int cpu;
    private volatile Napi[] napis = new Napi[0];

    protected NetDevice(String name) {
        this.name = name;
    }

    // ------------------------------------------------------------- driver operations

    /** Linux: {@code ndo_open}. Bring the hardware up: rings, interrupts. */
    protected abstract void ndoOpen();

    /** Linux: {@code ndo_stop}. Quiesce the hardware and free what the rings hold. */
    protected abstract void ndoStop();

    /**
     * Linux: {@code ndo_start_xmit}. Takes the frame (skb data at the Ethernet header). Returns
     * {@link #NETDEV_TX_OK} when the driver owns the skb, or {@link #NETDEV_TX_BUSY} when its ring is
     * full (the skb is still the caller's; the driver must have stopped its queue).
     */
    protected abstract int ndoStartXmit(SkBuff skb);

    /** Linux: {@code ndo_change_mtu}. Drivers with limits override and call super. */
    protected void ndoChangeMtu(int newMtu) {
        this.mtu = newMtu;
    }

    /** What {@code ip -d link} calls the device type: "veth", "loopback", ... */
    public abstract String kind();

    /** Called once the device is registered in a stack; drivers create their NAPI contexts here. */
    protected void onRegister() {}

    // ------------------------------------------------------------- state

    public String name() {
        return name;
    }

    void setName(String n) {
        this.name = n;
    }

    public int ifindex() {
        return ifindex;
    }

    public NetStack net() {
        return net;
    }

    public int mtu() {
        return mtu;
    }

    public int minMtu() {
        return minMtu;
    }

    public int maxMtu() {
        return maxMtu;
    }

    public long mac() {
        return mac;
    }

    public void setMac(long mac) {
        this.mac = mac & 0xffff_ffff_ffffL;
    }

    public int flags() {
        int f = flags;
        if (isUp() && carrier) {
            f |= IFF_RUNNING | IFF_LOWER_UP;
        }
        return f;
    }

    /**
     * Sets link-type flags a driver is born with ({@code IFF_LOOPBACK}, {@code IFF_NOARP},
     * {@code IFF_BROADCAST}, {@code IFF_MULTICAST}), as its Linux setup function does. Not for
     * {@code IFF_UP}: the registry owns that one.
     */
    protected void setFlagBits(int bits) {
        if ((bits & (IFF_UP | IFF_RUNNING | IFF_LOWER_UP)) != 0) {
            throw new IllegalArgumentException("IFF_UP/RUNNING/LOWER_UP are state, not driver flags");
        }
        flags |= bits;
    }

    public int privFlags() {
        return privFlags;
    }

    public boolean isUp() {
        return (flags & IFF_UP) != 0;
    }

    /** Linux: {@code netif_carrier_ok()}. */
    public boolean carrierOk() {
        return carrier;
    }

    /** Up, carrier present: frames can flow (Linux: {@code netif_running() && netif_carrier_ok()}). */
    public boolean isRunning() {
        return isUp() && carrier;
    }

    /** Linux: {@code netif_carrier_on()}/{@code netif_carrier_off()}. */
    public void setCarrier(boolean on) {
        this.carrier = on;
    }

    public long features() {
        return features;
    }

    public boolean hasFeature(long f) {
        return (features & f) != 0;
    }

    public void setFeatures(long f) {
        this.features = f;
    }

    public int type() {
        return type;
    }

    public int hardHeaderLen() {
        return hardHeaderLen;
    }

    public int txQueueLen() {
        return txQueueLen;
    }

    public void setTxQueueLen(int n) {
        this.txQueueLen = n;
    }

    public LinkStats64 stats() {
        return stats;
    }

    public Qdisc qdisc() {
        return qdisc;
    }

    public PagePool pool() {
        return pool;
    }

    public void setPool(PagePool pool) {
        this.pool = pool;
    }

    /** CPU whose softnet polls this device's NAPI contexts. */
    public int cpu() {
        return cpu;
    }

    public SoftnetData softnet() {
        return net.kernel().softnet(cpu);
    }

    /** The device's NAPI contexts (Linux: {@code dev->napi_list}); busy polling uses them. Do not modify. */
    public Napi[] napis() {
        return napis;
    }

    synchronized void addNapi(Napi n) {
        Napi[] a = java.util.Arrays.copyOf(napis, napis.length + 1);
        a[a.length - 1] = n;
        napis = a;
    }

    public Xdp.Program xdpProgram() {
        return xdpProg;
    }

    /** Linux: {@code netif_stop_queue()}. Called by a driver whose TX ring is full. */
    public void netifStopQueue() {
        txQueueStopped = true;
    }

    /**
     * Linux: {@code netif_start_queue()}. Clears the stop without kicking the qdisc: for a driver that
     * stopped its queue in {@code ndo_start_xmit} and, re-checking, found room after all (the caller,
     * the qdisc loop, is still running and sees the queue open again).
     */
    public void netifStartQueue() {
        txQueueStopped = false;
    }

    /** Linux: {@code netif_wake_queue()}. The ring has room again: restart the qdisc. */
    public void netifWakeQueue() {
        txQueueStopped = false;
        Dev.qdiscRun(this);
    }

    public boolean queueStopped() {
        return txQueueStopped;
    }

    @Override
    public String toString() {
        return name;
    }
}
