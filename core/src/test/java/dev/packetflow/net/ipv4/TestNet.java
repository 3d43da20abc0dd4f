package dev.packetflow.net.ipv4;

import dev.packetflow.drivers.net.channel.ChannelDevice;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ethernet.Eth;
import java.util.ArrayList;
import java.util.List;

/**
 * Stacks joined by a test-local wire in one simulation: two {@link ChannelDevice}s linked so that
 * what one transmits the other receives (as bytes, a fresh skb on the far side), with every frame
 * also recorded. The usual topology is A ── R ── B:
 *
 * <pre>
 *  A eth0 198.18.0.1/24 ── 198.18.0.254/24 eth0 R eth1 198.18.1.254/24 ── 198.18.1.1/24 eth0 B
 * </pre>
 */
final class TestNet implements AutoCloseable {
    static final int A = InetAddr.parse("198.18.0.1");
    static final int R0 = InetAddr.parse("198.18.0.254");
    static final int R1 = InetAddr.parse("198.18.1.254");
    static final int B = InetAddr.parse("198.18.1.1");

    final Simulation sim;
    final List<NetStack> stacks = new ArrayList<>();
    /** Every frame that crossed a wire, in order. */
    final List<byte[]> wire = new ArrayList<>();
    private int macs = 1;

    /** A UDP socket of {@code s} bound to {@code addr:port}; fails the test if the bind fails. */
    static int udpBound(dev.packetflow.net.socket.SocketLayer s, int addr, int port) {
        int fd = s.socket(dev.packetflow.net.socket.Uapi.AF_INET, dev.packetflow.net.socket.Uapi.SOCK_DGRAM, 0);
        int rc = s.bind(fd, new dev.packetflow.net.socket.SockAddrIn(addr, port));
        if (rc != 0) {
            throw new AssertionError("bind " + InetAddr.toString(addr) + ":" + port + ": " + rc);
        }
        return fd;
    }

    NetStack a;
    NetStack r;
    NetStack b;
    ChannelDevice aEth0;
    ChannelDevice rEth0;
    ChannelDevice rEth1;
    ChannelDevice bEth0;

    TestNet(long seed) {
        sim = new Simulation(seed);
    }

    TestNet() {
        this(42);
    }

    NetStack stack(String name) {
        NetStack s = NetStack.create(sim, name);
        // These tests count the frames IPv4 sends; keep ARP's address announcements out of them.
        s.arp().setGratuitousArpOnAddressAdd(false);
        stacks.add(s);
        return s;
    }

    ChannelDevice dev(NetStack s, String name) {
        ChannelDevice d = s.addDevice(new ChannelDevice(name, Eth.localMac(macs++)));
        s.devices().open(d);
        return d;
    }

    /** Joins two devices with a wire. */
    void link(ChannelDevice x, ChannelDevice y) {
        x.setTxSink(skb -> carry(skb, y));
        y.setTxSink(skb -> carry(skb, x));
    }

    private void carry(SkBuff skb, ChannelDevice to) {
        byte[] f = skb.toByteArray();
        Skb.consumeSkb(skb);
        wire.add(f);
        to.inject(f);
    }

    /** Builds A ── R ── B with routes and permanent neighbour entries; R forwards. */
    TestNet router() {
        a = stack("a");
        r = stack("r");
        b = stack("b");
        aEth0 = dev(a, "eth0");
        rEth0 = dev(r, "eth0");
        rEth1 = dev(r, "eth1");
        bEth0 = dev(b, "eth0");
        link(aEth0, rEth0);
        link(rEth1, bEth0);
        a.ipv4().addAddress(aEth0, A, 24);
        r.ipv4().addAddress(rEth0, R0, 24);
        r.ipv4().addAddress(rEth1, R1, 24);
        b.ipv4().addAddress(bEth0, B, 24);
        a.ipv4().fib().routeAdd(RouteSpec.defaultRoute().via(R0));
        b.ipv4().fib().routeAdd(RouteSpec.defaultRoute().via(R1));
        r.ipv4().setIpForward(1);
        a.arp().addPermanent(R0, rEth0.mac(), aEth0);
        r.arp().addPermanent(A, aEth0.mac(), rEth0);
        r.arp().addPermanent(B, bEth0.mac(), rEth1);
        b.arp().addPermanent(R1, rEth1.mac(), bEth0);
        return this;
    }

    /** IP packets (without the Ethernet header) that crossed the wires. */
    List<byte[]> ipPackets() {
        List<byte[]> l = new ArrayList<>();
        for (byte[] f : wire) {
            if (f.length >= 14 && ((f[12] & 0xff) << 8 | (f[13] & 0xff)) == Eth.ETH_P_IP) {
                l.add(java.util.Arrays.copyOfRange(f, 14, f.length));
            }
        }
        return l;
    }

    long mib(NetStack s, String group, String field) {
        return s.mib(group).get(field);
    }

    /** An Ethernet frame carrying {@code ip} from {@code srcMac} to {@code dstMac}. */
    static byte[] frame(long dstMac, long srcMac, byte[] ip) {
        byte[] f = new byte[14 + ip.length];
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) (dstMac >>> (40 - 8 * i));
            f[6 + i] = (byte) (srcMac >>> (40 - 8 * i));
        }
        f[12] = 0x08;
        f[13] = 0x00;
        System.arraycopy(ip, 0, f, 14, ip.length);
        return f;
    }

    /** An IP datagram: header from {@code h} (its payloadLen must equal payload's length) and payload. */
    static byte[] ip(Ipv4Repr h, byte[] payload) {
        byte[] p = new byte[h.headerLen() + payload.length];
        h.emit(p, 0);
        System.arraycopy(payload, 0, p, h.headerLen(), payload.length);
        return p;
    }

    /** An echo request datagram. */
    static byte[] echo(int src, int dst, int ttl, int id, int seq, int dataLen) {
        byte[] data = new byte[dataLen];
        for (int i = 0; i < dataLen; i++) {
            data[i] = (byte) i;
        }
        byte[] icmp = IcmpRepr.echo(id, seq, data).toBytes();
        return ip(new Ipv4Repr(0, 0x1234, false, false, 0, ttl, 1, src, dst, null, icmp.length), icmp);
    }

    @Override
    public void close() {
        for (NetStack s : stacks) {
            s.close();
        }
    }
}
