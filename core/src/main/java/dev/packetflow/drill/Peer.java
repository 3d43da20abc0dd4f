package dev.packetflow.drill;

import java.util.ArrayList;
import java.util.List;

/**
 * The runner acting as the remote peer (GRAMMAR.md 6.2 and 6.7): it keeps the connections of the
 * script, decides which one a packet line belongs to, and builds the frames of inbound lines with
 * live numbers.
 *
 * <p>Which connection: {@code listen()} notes the listening port; an inbound SYN without ACK opens
 * a new passive connection from a fresh ephemeral remote port; {@code connect()} opens an active
 * one whose local port the SUT's SYN reveals. The newest connection is the one under test; other
 * packet lines go to it.
 */
final class Peer {
    /** First remote port of passive connections (the runner's own ephemeral ports). */
    static final int FIRST_REMOTE_PORT = 40000;
    static final int DEFAULT_TTL = 64;

    private final DrillConfig cfg;
    final int localIp;
    final int remoteIp;
    private final long sutMac;
    private final long peerMac;
    private final List<Conn> conns = new ArrayList<>();
    private Conn current;
    private int listenPort;
    private int nextRemotePort = FIRST_REMOTE_PORT;
    private int ipId;

    Peer(DrillConfig cfg, int localIp, int remoteIp, long sutMac, long peerMac) {
        this.cfg = cfg;
        this.localIp = localIp;
        this.remoteIp = remoteIp;
        this.sutMac = sutMac;
        this.peerMac = peerMac;
    }

    Conn current() {
        return current;
    }

    void onListen(int port) {
        listenPort = port;
    }

    /** An active open to {@code remotePort} starts: the connection under test from now on. */
    Conn onConnect(int remotePort) {
        Conn c = new Conn(localIp, 0, remoteIp, remotePort, false);
        conns.add(c);
        current = c;
        return c;
    }

    /** A frame to inject, and its GSO segment size (0: an ordinary packet). */
    record Inbound(byte[] frame, int gsoSize, int gsoSegs) {}

    /** Builds the frame of an inbound line. Throws {@link DrillFailure} when the line cannot be sent. */
    Inbound inbound(Event.Packet ev) throws DrillFailure {
        PacketSpec.IpInfo ipi = ev.ip();
        int tos = ipi.tos() == null ? 0 : ipi.tos();
        if (ipi.ecn() != null) {
            tos = (tos & ~3) | ipi.ecn();
        }
        if (ipi.ect01()) {
            throw new DrillFailure(ev.line(), "[ect01] is only allowed on outbound packets");
        }
        Frames.Ip ip = new Frames.Ip(sutMac, peerMac, remoteIp, localIp, tos, ipi.ttl() == null ? DEFAULT_TTL : ipi.ttl(),
                ipId++ & 0xffff);
        return switch (ev.spec()) {
            case PacketSpec.Tcp t -> tcp(ev, t, ip);
            case PacketSpec.Udp u -> new Inbound(Frames.udp(ip, u.srcPort() != null ? u.srcPort() : remotePortForUdp(),
                    u.dstPort() != null ? u.dstPort() : cfg.bindPort, u.len()), 0, 0);
            case PacketSpec.Icmp i -> new Inbound(icmp(ev, i, ip), 0, 0);
        };
    }

    private int remotePortForUdp() {
        return current != null ? current.remotePort : FIRST_REMOTE_PORT;
    }

    private Inbound tcp(Event.Packet ev, PacketSpec.Tcp t, Frames.Ip ip) throws DrillFailure {
        if (t.win() == null) {
            throw new DrillFailure(ev.line(), "an inbound TCP packet needs 'win N'");
        }
        if (t.options() == null) {
            throw new DrillFailure(ev.line(), "'<...>' is only allowed on outbound packets");
        }
        boolean syn = t.has(PacketSpec.SYN) && !t.has(PacketSpec.ACK);
        Conn c = current;
        if (syn || c == null) {
            int lport = t.dstPort() != null ? t.dstPort() : listenPort != 0 ? listenPort : cfg.bindPort;
            int rport = t.srcPort() != null ? t.srcPort() : nextRemotePort++;
            c = new Conn(localIp, lport, remoteIp, rport, true);
            conns.add(c);
            current = c;
        }
        int sport = t.srcPort() != null ? t.srcPort() : c.remotePort;
        int dport = t.dstPort() != null ? t.dstPort() : c.localPort;
        if (dport == 0) {
            throw new DrillFailure(ev.line(), "the SUT's port is not known yet (no outbound SYN seen for this connection)");
        }
        long ack = t.ack() != null ? c.liveLocal(t.ack()) : t.has(PacketSpec.ACK) ? c.liveLocal(0) : 0;
        List<TcpOption> live = new ArrayList<>();
        for (TcpOption o : t.options()) {
            live.add(switch (o) {
                case TcpOption.Sack s -> {
                    List<TcpOption.SackBlock> b = new ArrayList<>();
                    for (TcpOption.SackBlock x : s.blocks()) {
                        b.add(new TcpOption.SackBlock(c.liveLocal(x.left()), c.liveLocal(x.right())));
                    }
                    yield new TcpOption.Sack(b);
                }
                case TcpOption.Timestamp ts when t.has(PacketSpec.ACK) -> new TcpOption.Timestamp(ts.val(), c.liveTsVal(ts.ecr()));
                default -> o;
            });
        }
        byte[] frame = Frames.tcp(ip, sport, dport, t.seq(), ack, t.flags(), t.win(), t.urg() == null ? 0 : t.urg(),
                TcpOptions.encode(live), t.len());
        if (cfg.mss > 0 && t.len() > cfg.mss) {
            return new Inbound(frame, cfg.mss, (t.len() + cfg.mss - 1) / cfg.mss);
        }
        return new Inbound(frame, 0, 0);
    }

    private byte[] icmp(Event.Packet ev, PacketSpec.Icmp i, Frames.Ip ip) throws DrillFailure {
        long rest = 0;
        if (i.mtu() != null) {
            rest = i.mtu() & 0xffff;
        }
        if (i.id() != null) {
            rest |= (long) i.id() << 16;
        }
        byte[] quoted = new byte[0];
        PacketSpec.Echoed e = i.echoed();
        if (e != null) {
            Conn c = current;
            Frames.Ip inner = new Frames.Ip(0, 0, localIp, remoteIp, 0, DEFAULT_TTL, 0);
            if (e.protocol() == Frames.IPPROTO_TCP) {
                if (c == null || c.localPort == 0) {
                    throw new DrillFailure(ev.line(), "an ICMP error quoting a TCP segment needs a connection");
                }
                quoted = new byte[Frames.IP_HLEN + 8];
                Frames.ipHeader(quoted, 0, inner, Frames.IPPROTO_TCP, Frames.IP_HLEN + Frames.TCP_HLEN + e.len());
                Bytes.put16(quoted, 20, c.localPort);
                Bytes.put16(quoted, 22, c.remotePort);
                Bytes.put32(quoted, 24, c.liveLocal(e.seq()));
            } else if (e.protocol() == Frames.IPPROTO_UDP) {
                quoted = new byte[Frames.IP_HLEN + 8];
                Frames.ipHeader(quoted, 0, inner, Frames.IPPROTO_UDP, Frames.IP_HLEN + Frames.UDP_HLEN + e.len());
                Bytes.put16(quoted, 20, c != null && c.localPort != 0 ? c.localPort : cfg.bindPort);
                Bytes.put16(quoted, 22, c != null ? c.remotePort : FIRST_REMOTE_PORT);
                Bytes.put16(quoted, 24, Frames.UDP_HLEN + e.len());
            } else {
                quoted = new byte[e.len()];
            }
        }
        return Frames.icmp(ip, i.type(), i.code(), rest, quoted);
    }

    /**
     * The connection a captured TCP packet belongs to: the one under test if the addresses and ports
     * match (an active open's first SYN fixes its local port), else null.
     */
    Conn outboundConn(Captured p) {
        Conn c = current;
        if (c == null || p.saddr != c.localIp || p.daddr != c.remoteIp || p.dport != c.remotePort) {
            return null;
        }
        if (c.localPort == 0) {
            if ((p.flags & PacketSpec.SYN) == 0) {
                return null;
            }
            c.localPort = p.sport;
        }
        return p.sport == c.localPort ? c : null;
    }
}
