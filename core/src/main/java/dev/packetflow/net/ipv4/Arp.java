package dev.packetflow.net.ipv4;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.Dev;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.NeighInfo;
import dev.packetflow.net.core.NeighParms;
import dev.packetflow.net.core.NeighTable;
import dev.packetflow.net.core.Neighbour;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.PacketType;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.trace.Trace;
import dev.packetflow.trace.Tracepoint;
import java.util.List;

/**
 * ARP (RFC 826) and the IPv4 neighbour table of one stack ({@code arp_tbl}).
 *
 * <p>TX: {@code ip_finish_output2} calls {@link #neighOutput}: the entry for the next hop is looked
 * up without a lock or an allocation; a connected entry (REACHABLE, PERMANENT, NOARP) adds the
 * Ethernet header and hands the packet to {@code dev_queue_xmit}; otherwise the {@link Neighbour}
 * state machine queues it and solicits with {@link #arpSolicit}. Broadcast and multicast next hops
 * and devices without ARP need no entry.
 *
 * <p>RX: {@link #arpRcv} is registered for ethertype 0x0806. It validates the packet, answers
 * requests for any local address (arp_ignore=0), learns the sender of a request for us as STALE
 * (the requester is about to talk to us), and lets replies and gratuitous ARP update existing
 * entries only (arp_accept=0). Every rejected frame is dropped with a reason.
 *
 * <p>Addresses and devices: a gratuitous ARP announces an address when it is added to a running
 * device and when a device with addresses comes up; a device going down, or losing its last
 * address, takes its entries (and their waiting packets) with it.
 *
 * <p>Not implemented: proxy ARP, arp_filter/arp_announce/arp_ignore other than Linux's defaults,
 * per-device neighbour parameters, the NF_ARP netfilter hooks.
 *
 * <p>Linux: {@code net/ipv4/arp.c}.
 */
public final class Arp implements AutoCloseable {
    /** Linux: {@code arp_process()}; arg is the opcode. */
    public static final Tracepoint ARP_PROCESS = Trace.point("arp_process");
    /** Linux: {@code arp_xmit()}; arg is the opcode. */
    public static final Tracepoint ARP_XMIT = Trace.point("arp_xmit");
    /** Linux: {@code arp_solicit()}; arg is the target address. */
    public static final Tracepoint ARP_SOLICIT = Trace.point("arp_solicit");

    /** {@code ip neigh show}'s default state filter: everything but NOARP (and NONE). */
    public static final int SHOW_DEFAULT_STATES = 0xff & ~Neighbour.NUD_NOARP;
    /** {@code ip neigh flush}'s default state filter: everything but PERMANENT and NOARP. */
    public static final int FLUSH_DEFAULT_STATES = ~(Neighbour.NUD_PERMANENT | Neighbour.NUD_NOARP);

    /** {@code LL_RESERVED_SPACE()} for Ethernet: the 14-byte header rounded up to 16. */
    private static final int LL_RESERVED_SPACE = 16;
    private static final int ENETDOWN = 100;
    private static final int ENOBUFS = 105;

    /**
     * What happens to a packet whose next hop could not be resolved, before it is dropped
     * (Linux: {@code dst_link_failure()} → {@code ipv4_link_failure()}, which sends ICMP host
     * unreachable). The callback must neither free nor keep the skb (data at the IP header).
     */
    @FunctionalInterface
    public interface LinkFailure {
        void linkFailure(SkBuff skb);
    }

    private final NetStack net;
    private final NeighTable tbl;
    private volatile LinkFailure linkFailure;
    private volatile boolean gratuitousOnAddressAdd = true;

    public Arp(NetStack net) {
        this.net = net;
        this.tbl = new NeighTable(net, "arp_cache", new Ops());
        net.addMib(tbl.stats());
        net.addPacketHandler(Eth.ETH_P_ARP, this::arpRcv);
        net.ipv4().onAddressAdded(this::addressAdded);
        net.ipv4().onAddressRemoved(this::addressRemoved);
        net.devices().onUp(this::deviceUp);
        net.devices().onDown(this::deviceDown);
    }

    public NetStack net() {
        return net;
    }

    /** The neighbour table (entries, parameters, gc thresholds, counters). */
    public NeighTable table() {
        return tbl;
    }

    public NeighParms parms() {
        return tbl.parms();
    }

    /** Sets what is done with packets whose neighbour failed (null: nothing, they are dropped). */
    public void setLinkFailure(LinkFailure lf) {
        this.linkFailure = lf;
    }

    /**
     * Whether adding an address to a running device announces it with a gratuitous ARP (default
     * true). Linux itself announces on device up and address change only with {@code arp_notify=1};
     * address-configuration tools (NetworkManager, {@code arping -U}) send the announcement there.
     */
    public void setGratuitousArpOnAddressAdd(boolean on) {
        this.gratuitousOnAddressAdd = on;
    }

    // ================================================================== TX

    /**
     * Linux: {@code ip_finish_output2()}'s neighbour step, {@code ip_neigh_for_gw()} +
     * {@code neigh_output()}. Sends {@code skb} (data at the IP header) to {@code nexthop} on
     * {@code dev}: adds the Ethernet header with the neighbour's MAC and calls {@code dev_queue_xmit},
     * or queues the packet while the address resolves. Takes the skb in every case. Returns 0 when
     * sent or queued, a positive NET_XMIT_* code from {@code dev_queue_xmit}, or a negative errno
     * when the neighbour layer dropped the packet.
     */
    public int neighOutput(SkBuff skb, NetDevice dev, int nexthop) {
        if (Trace.NEIGH_OUTPUT.enabled) {
            Trace.NEIGH_OUTPUT.fire(dev, skb, nexthop & 0xffffffffL);
        }
        skb.dev = dev;
        skb.protocol = Eth.ETH_P_IP;
        Neighbour n = tbl.lookup(dev, nexthop);
        if (n != null) {
            return n.output(skb);
        }
        return neighOutputSlow(skb, dev, nexthop);
    }

    /**
     * No entry yet. Linux: {@code __neigh_create()} with {@code arp_constructor()}, which gives
     * broadcast, multicast and ARP-less destinations a NOARP entry with a computed address; here
     * they get the address directly and no entry.
     */
    private int neighOutputSlow(SkBuff skb, NetDevice dev, int nexthop) {
        if ((dev.flags() & (NetDevice.IFF_NOARP | NetDevice.IFF_LOOPBACK)) != 0 || dev.hardHeaderLen() == 0) {
            return Neighbour.hardHeaderXmit(skb, dev, dev.mac());
        }
        if (nexthop == InetAddr.BROADCAST || InetAddr.isZeronet(nexthop) || net.ipv4().isLocalBroadcast(nexthop)) {
            return Neighbour.hardHeaderXmit(skb, dev, NetDevice.BROADCAST_MAC);
        }
        if (InetAddr.isMulticast(nexthop)) {
            return Neighbour.hardHeaderXmit(skb, dev, ipEthMcMap(nexthop));
        }
        if (!dev.isUp()) {
            Skb.kfreeSkb(skb, DropReason.DEV_DOWN);
            return -ENETDOWN;
        }
        Neighbour n = tbl.create(dev, nexthop, false);
        if (n == null) {
            Skb.kfreeSkb(skb, DropReason.NEIGH_CREATEFAIL);
            return -ENOBUFS;
        }
        return n.output(skb);
    }

    /** Linux: {@code ip_eth_mc_map()}: 01:00:5e followed by the low 23 bits of the group (RFC 1112 6.4). */
    public static long ipEthMcMap(int group) {
        return 0x0100_5e00_0000L | (group & 0x7f_ffff);
    }

    /**
     * Linux: {@code neigh_confirm()} via {@code dst_confirm_neigh()}: the upper layer saw the peer
     * make forward progress (TCP: new data acknowledged), so {@code nexthop} is reachable. Cheap and
     * allocation-free; does nothing if there is no entry.
     */
    public void neighConfirm(int nexthop, NetDevice dev) {
        Neighbour n = tbl.lookup(dev, nexthop);
        if (n != null) {
            n.confirm();
        }
    }

    /**
     * Linux: {@code arp_solicit()}. Asks for {@code n}'s address: unicast to the cached address
     * while unicast probes remain (PROBE), broadcast otherwise (INCOMPLETE). The sender address is
     * the waiting packet's source if it is ours (arp_announce=0), else the device's best address.
     */
    void arpSolicit(Neighbour n, SkBuff hint, int probes, long ha) {
        NetDevice dev = n.dev();
        int target = n.key();
        int saddr = 0;
        if (hint != null && hint.len() >= 20 && (hint.u8(hint.data) >> 4) == 4) {
            int s = hint.u32(hint.data + 12);
            if (net.ipv4().isLocal(s)) {
                saddr = s;
            }
        }
        if (saddr == 0) {
            saddr = inetSelectAddr(dev, target);
        }
        NeighParms p = tbl.parms();
        long dstHw = NetDevice.BROADCAST_MAC;
        int left = probes - p.ucastProbes();
        if (left < 0) {
            dstHw = ha;
        } else if (left - p.appProbes() < 0) {
            return; // Linux: neigh_app_ns() hands the probe to a user-space daemon; there is none
        }
        if (ARP_SOLICIT.enabled) {
            ARP_SOLICIT.fire(dev, hint, target & 0xffffffffL);
        }
        arpSend(ArpHeader.ARPOP_REQUEST, target, dev, saddr, dstHw, dev.mac(), 0);
    }

    /**
     * Linux: {@code inet_select_addr(dev, dst, RT_SCOPE_LINK)}: an address of {@code dev} (on
     * {@code dst}'s subnet if possible), else any global address of the stack, else 0.
     */
    private int inetSelectAddr(NetDevice dev, int dst) {
        int s = net.ipv4().selectAddress(dev, dst);
        if (s != 0) {
            return s;
        }
        for (InIfaddr a : net.ipv4().addresses()) {
            if (a.scope() == InIfaddr.RT_SCOPE_UNIVERSE) {
                return a.address();
            }
        }
        return 0;
    }

    /**
     * Linux: {@code arp_send_dst()} = {@code arp_create()} + {@code arp_xmit()}. Builds and sends one
     * ARP packet on {@code dev}. {@code destHw} is the Ethernet destination, {@code targetHw} the
     * packet's target hardware address (0 in requests). Silently does nothing on an ARP-less device
     * or when no buffer is free.
     */
    public void arpSend(int op, int destIp, NetDevice dev, int srcIp, long destHw, long srcHw, long targetHw) {
        if ((dev.flags() & NetDevice.IFF_NOARP) != 0) {
            return;
        }
        SkBuff skb = arpCreate(op, destIp, dev, srcIp, destHw, srcHw, targetHw);
        if (skb != null) {
            arpXmit(skb, op);
        }
    }

    /** Linux: {@code arp_create()}. An ARP frame with data at its Ethernet header, or null. */
    public static SkBuff arpCreate(int op, int destIp, NetDevice dev, int srcIp, long destHw, long srcHw,
            long targetHw) {
        SkBuff skb = Skb.allocSkb(dev.pool(), LL_RESERVED_SPACE + ArpHeader.LEN);
        if (skb == null) {
            return null;
        }
        skb.reserve(LL_RESERVED_SPACE);
        skb.resetNetworkHeader();
        int a = skb.put(ArpHeader.LEN);
        skb.dev = dev;
        skb.protocol = Eth.ETH_P_ARP;
        ArpHeader.fill(skb, a, dev.type(), op, srcHw, srcIp, targetHw, destIp);
        Eth.ethHeader(skb, destHw, srcHw, Eth.ETH_P_ARP);
        return skb;
    }

    /** Linux: {@code arp_xmit()} → {@code arp_xmit_finish()} → {@code dev_queue_xmit()}. */
    private static void arpXmit(SkBuff skb, int op) {
        if (ARP_XMIT.enabled) {
            ARP_XMIT.fire(skb.dev, skb, op);
        }
        Dev.devQueueXmit(skb);
    }

    // ================================================================== RX

    /**
     * Linux: {@code arp_rcv()}. Takes an ARP frame (data at the ARP header). Ignores it on ARP-less
     * devices and for frames we sent ourselves; drops frames for another host's MAC (OTHERHOST;
     * Linux frees those without a reason), too short ones and ones whose address lengths are not
     * Ethernet/IPv4.
     */
    public int arpRcv(SkBuff skb, NetDevice dev) {
        if (Trace.ARP_RCV.enabled) {
            Trace.ARP_RCV.fire(dev, skb, 0);
        }
        if ((dev.flags() & NetDevice.IFF_NOARP) != 0 || skb.pktType == SkBuff.PACKET_LOOPBACK) {
            Skb.consumeSkb(skb);
            return PacketType.NET_RX_SUCCESS;
        }
        if (skb.pktType == SkBuff.PACKET_OTHERHOST) {
            Skb.kfreeSkb(skb, DropReason.OTHERHOST);
            return PacketType.NET_RX_DROP;
        }
        if (skb.len() < ArpHeader.LEN) {
            Skb.kfreeSkb(skb, DropReason.PKT_TOO_SMALL);
            return PacketType.NET_RX_DROP;
        }
        int a = skb.data;
        if (ArpHeader.hln(skb, a) != Eth.ETH_ALEN || ArpHeader.pln(skb, a) != 4) {
            Skb.kfreeSkb(skb, DropReason.ARP_INVALID_HDR);
            return PacketType.NET_RX_DROP;
        }
        skb.resetNetworkHeader();
        return arpProcess(skb, dev);
    }

    /**
     * Linux: {@code arp_process()}. RFC 826's reception algorithm with Linux's choices: answer a
     * request for a local address; learn the requester (STALE, override); otherwise only update an
     * existing entry of the sender: REACHABLE for a unicast reply, STALE for anything else; a
     * different address overrides only after locktime, or at once for gratuitous ARP.
     */
    int arpProcess(SkBuff skb, NetDevice dev) {
        int a = skb.networkHeader;
        int op = ArpHeader.op(skb, a);
        if (ARP_PROCESS.enabled) {
            ARP_PROCESS.fire(dev, skb, op);
        }
        int hrd = ArpHeader.hrd(skb, a);
        boolean hrdOk = dev.type() == NetDevice.ARPHRD_ETHER
                ? hrd == ArpHeader.ARPHRD_ETHER || hrd == ArpHeader.ARPHRD_IEEE802
                : hrd == dev.type();
        if (!hrdOk || ArpHeader.pro(skb, a) != Eth.ETH_P_IP) {
            Skb.kfreeSkb(skb, DropReason.ARP_INVALID_HDR);
            return PacketType.NET_RX_DROP;
        }
        if (op != ArpHeader.ARPOP_REQUEST && op != ArpHeader.ARPOP_REPLY) {
            Skb.kfreeSkb(skb, DropReason.ARP_INVALID_OP);
            return PacketType.NET_RX_DROP;
        }
        long sha = ArpHeader.sha(skb, a);
        int sip = ArpHeader.sip(skb, a);
        long tha = ArpHeader.tha(skb, a);
        int tip = ArpHeader.tip(skb, a);
        Ipv4 ip = net.ipv4();
        // Requests for multicast or loopback targets are bogus (route_localnet=0).
        if (InetAddr.isMulticast(tip) || InetAddr.isLoopback(tip)) {
            Skb.kfreeSkb(skb, DropReason.ARP_INVALID_ADDR);
            return PacketType.NET_RX_DROP;
        }
        if (sip == 0) {
            // Address conflict detection probe (RFC 5227, Linux cites RFC 2131): the prober has no
            // address yet; answer if it asks for ours, learn nothing.
            if (op == ArpHeader.ARPOP_REQUEST && ip.isLocal(tip)) {
                arpSend(ArpHeader.ARPOP_REPLY, sip, dev, tip, sha, dev.mac(), sha);
            }
            Skb.consumeSkb(skb);
            return PacketType.NET_RX_SUCCESS;
        }
        // ip_route_input() would reject these as martian sources: no neighbour can have them.
        if (InetAddr.isMulticast(sip) || InetAddr.isLbcast(sip) || InetAddr.isZeronet(sip)
                || InetAddr.isLoopback(sip) || ip.isLocalBroadcast(sip)) {
            Skb.kfreeSkb(skb, DropReason.ARP_INVALID_ADDR);
            return PacketType.NET_RX_DROP;
        }
        // A request for one of our addresses (arp_ignore=0: any local address, any device), from a
        // source that is not ours (fib_validate_source rejects a local source).
        if (op == ArpHeader.ARPOP_REQUEST && ip.isLocal(tip) && !ip.isLocal(sip)) {
            Neighbour n = tbl.lookupOrCreate(dev, sip); // neigh_event_ns()
            if (n != null) {
                n.update(sha, Neighbour.NUD_STALE, Neighbour.NEIGH_UPDATE_F_OVERRIDE);
                arpSend(ArpHeader.ARPOP_REPLY, sip, dev, tip, sha, dev.mac(), sha);
            }
            Skb.consumeSkb(skb);
            return PacketType.NET_RX_SUCCESS;
        }
        Neighbour n = tbl.neighLookup(dev, sip);
        if (n != null) {
            boolean garp = arpIsGarp(ip, op, sip, tip, sha, tha);
            int state = op == ArpHeader.ARPOP_REPLY && skb.pktType == SkBuff.PACKET_HOST
                    ? Neighbour.NUD_REACHABLE
                    : Neighbour.NUD_STALE;
            // Several replies back to back (proxies): keep the first, it came from the fastest.
            boolean override = net.clock().nanoTime() > n.updatedNs() + tbl.parms().locktimeNs() || garp;
            n.update(sha, state, override ? Neighbour.NEIGH_UPDATE_F_OVERRIDE : 0);
        }
        Skb.consumeSkb(skb);
        return PacketType.NET_RX_SUCCESS;
    }

    /**
     * Linux: {@code arp_is_garp()}: sender and target address equal, for a reply also sender and
     * target hardware address, and the address is a unicast one that is not ours.
     */
    private static boolean arpIsGarp(Ipv4 ip, int op, int sip, int tip, long sha, long tha) {
        if (sip != tip) {
            return false;
        }
        if (op == ArpHeader.ARPOP_REPLY && tha != sha) {
            return false;
        }
        return !ip.isLocal(sip) && !ip.isLocalBroadcast(sip);
    }

    // ================================================================== addresses and devices

    /**
     * Announces {@code addr} on {@code dev} with a gratuitous ARP request (sender and target
     * address both {@code addr}, broadcast), so peers that know the address update their entry.
     * Linux: {@code inetdev_send_gratuitous_arp()}. Does nothing unless the device is running and
     * uses ARP.
     */
    public void sendGratuitousArp(NetDevice dev, int addr) {
        if (!dev.isRunning() || (dev.flags() & (NetDevice.IFF_NOARP | NetDevice.IFF_LOOPBACK)) != 0
                || dev.hardHeaderLen() == 0) {
            return;
        }
        arpSend(ArpHeader.ARPOP_REQUEST, addr, dev, addr, NetDevice.BROADCAST_MAC, dev.mac(), 0);
    }

    private void addressAdded(InIfaddr ifa) {
        if (gratuitousOnAddressAdd) {
            sendGratuitousArp(ifa.dev(), ifa.address());
        }
    }

    /** Linux: {@code fib_disable_ip()} → {@code arp_ifdown()} when the last address goes. */
    private void addressRemoved(InIfaddr ifa) {
        if (net.ipv4().addresses(ifa.dev()).isEmpty()) {
            tbl.ifdown(ifa.dev());
        }
    }

    private void deviceUp(NetDevice dev) {
        for (InIfaddr ifa : net.ipv4().addresses(dev)) {
            sendGratuitousArp(dev, ifa.address());
        }
    }

    /** Linux: {@code arp_ifdown()} → {@code neigh_ifdown()}. */
    private void deviceDown(NetDevice dev) {
        tbl.ifdown(dev);
    }

    // ================================================================== ip neigh

    /** Every entry, by device then address ({@code ip neigh show nud all}). */
    public List<NeighInfo> neighbours() {
        return tbl.dump(null);
    }

    /** The entries of {@code dev}. */
    public List<NeighInfo> neighbours(NetDevice dev) {
        return tbl.dump(dev);
    }

    /** The entry for {@code addr} on {@code dev}, or null. */
    public NeighInfo neighbour(int addr, NetDevice dev) {
        Neighbour n = tbl.lookup(dev, addr);
        return n == null ? null : NeighTable.info(n);
    }

    /**
     * {@code ip neigh replace ADDR lladdr MAC dev DEV nud permanent}: a permanent entry, created or
     * replacing whatever was there.
     */
    public void addPermanent(int addr, long mac, NetDevice dev) {
        neighAdd(addr, mac, dev, Neighbour.NUD_PERMANENT, true);
    }

    /**
     * {@code ip neigh add|replace ADDR lladdr MAC dev DEV nud STATE} (Linux: {@code neigh_add()}).
     * {@code state} is PERMANENT, NOARP, REACHABLE or STALE. Without {@code replace} an existing
     * entry is an error. Throws IllegalArgumentException for bad arguments and changes nothing.
     */
    public void neighAdd(int addr, long mac, NetDevice dev, int state, boolean replace) {
        checkDev(dev);
        if (mac < 0 || mac > 0xffff_ffff_ffffL) {
            throw new IllegalArgumentException("invalid link-layer address " + mac);
        }
        if (state != Neighbour.NUD_PERMANENT && state != Neighbour.NUD_NOARP && state != Neighbour.NUD_REACHABLE
                && state != Neighbour.NUD_STALE) {
            throw new IllegalArgumentException("unsupported nud state " + NeighInfo.stateName(state)
                    + " (use permanent, noarp, reachable or stale)");
        }
        tbl.add(dev, addr, mac, state, replace);
    }

    /** {@code ip neigh del ADDR dev DEV}; IllegalArgumentException if there is no such entry. */
    public void neighDelete(int addr, NetDevice dev) {
        checkDev(dev);
        tbl.delete(dev, addr);
    }

    /** {@code ip neigh flush dev DEV} ({@code dev} null: all devices); returns the number removed. */
    public int neighFlush(NetDevice dev) {
        return neighFlush(dev, FLUSH_DEFAULT_STATES);
    }

    /** {@code ip neigh flush dev DEV nud STATE...}: removes entries whose state is in {@code stateMask}. */
    public int neighFlush(NetDevice dev, int stateMask) {
        if (dev != null) {
            checkDev(dev);
        }
        return tbl.flush(dev, stateMask);
    }

    private void checkDev(NetDevice dev) {
        if (dev == null || dev.net() != net) {
            throw new IllegalArgumentException("device " + dev + " is not in " + net);
        }
    }

    /** Stops the table: cancels every timer and drops every waiting packet. */
    @Override
    public void close() {
        tbl.close();
    }

    /** Linux: {@code arp_tbl.ops} (arp_generic_ops): solicit and error_report. */
    private final class Ops implements NeighTable.Ops {
        @Override
        public void solicit(Neighbour n, SkBuff hint, int probes, long ha) {
            arpSolicit(n, hint, probes, ha);
        }

        /** Linux: {@code arp_error_report()}: {@code dst_link_failure()}, then drop. */
        @Override
        public void errorReport(Neighbour n, SkBuff skb) {
            LinkFailure lf = linkFailure;
            try {
                if (lf != null) {
                    lf.linkFailure(skb);
                }
            } finally {
                Skb.kfreeSkb(skb, DropReason.NEIGH_FAILED);
            }
        }
    }
}
