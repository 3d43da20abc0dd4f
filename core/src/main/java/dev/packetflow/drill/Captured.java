package dev.packetflow.drill;

import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.ipv4.InetChecksum;
import java.util.List;

/**
 * An IPv4 packet the stack under test sent, parsed once when captured. Transport fields are filled
 * for TCP (and the ports for UDP); {@link #malformed} says what could not be parsed.
 */
final class Captured {
    final long timeNs;
    /** The IP packet, from its header to the end of its total length. */
    final byte[] ip;
    final boolean checksumPartial;
    /** GSO segment size of a super-packet (0: one wire packet). */
    final int gsoSize;

    int ihl;
    int tos;
    int ttl;
    int protocol;
    int saddr;
    int daddr;
    boolean ipChecksumOk;
    /** Why the packet could not be parsed, or null. */
    String malformed;

    // TCP (or UDP ports)
    int sport;
    int dport;
    long seq;
    long ack;
    int doff;
    int flags;
    /** The 3 reserved bits between data offset and AE. */
    int reserved;
    int win;
    int urg;
    List<TcpOption> options = List.of();
    int payloadOff;
    int payloadLen;
    /** Transport checksum verified: true if correct or not checkable (partial). */
    boolean l4ChecksumOk = true;

    // ICMP
    int icmpType;
    int icmpCode;

    Captured(long timeNs, byte[] ip, boolean checksumPartial, int gsoSize) {
        this.timeNs = timeNs;
        this.ip = ip;
        this.checksumPartial = checksumPartial;
        this.gsoSize = gsoSize;
        parse();
    }

    boolean isTcp() {
        return malformed == null && protocol == Frames.IPPROTO_TCP;
    }

    /** Whether the payload bytes are all zero (written data is zeros). */
    boolean payloadIsZeros() {
        for (int i = payloadOff; i < payloadOff + payloadLen; i++) {
            if (ip[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private void parse() {
        if (ip.length < Frames.IP_HLEN || (ip[0] & 0xf0) != 0x40) {
            malformed = "not an IPv4 packet";
            return;
        }
        ihl = (ip[0] & 0x0f) * 4;
        int totLen = Bytes.u16(ip, 2);
        if (ihl < Frames.IP_HLEN || totLen < ihl || totLen > ip.length) {
            malformed = "bad IPv4 header length " + ihl + " / total length " + totLen;
            return;
        }
        tos = ip[1] & 0xff;
        ttl = ip[8] & 0xff;
        protocol = ip[9] & 0xff;
        saddr = (int) Bytes.u32(ip, 12);
        daddr = (int) Bytes.u32(ip, 16);
        ipChecksumOk = InetChecksum.compute(ip, 0, ihl) == 0;
        int l4 = ihl;
        int l4Len = totLen - ihl;
        if (protocol == Frames.IPPROTO_TCP) {
            if (l4Len < Frames.TCP_HLEN) {
                malformed = "TCP header truncated";
                return;
            }
            sport = Bytes.u16(ip, l4);
            dport = Bytes.u16(ip, l4 + 2);
            seq = Bytes.u32(ip, l4 + 4);
            ack = Bytes.u32(ip, l4 + 8);
            doff = ((ip[l4 + 12] & 0xff) >>> 4) * 4;
            reserved = (ip[l4 + 12] >>> 1) & 0x7;
            flags = (ip[l4 + 13] & 0xff) | ((ip[l4 + 12] & 1) != 0 ? PacketSpec.AE : 0);
            win = Bytes.u16(ip, l4 + 14);
            urg = Bytes.u16(ip, l4 + 18);
            if (doff < Frames.TCP_HLEN || doff > l4Len) {
                malformed = "bad TCP data offset " + doff;
                return;
            }
            options = TcpOptions.decode(ip, l4 + Frames.TCP_HLEN, doff - Frames.TCP_HLEN);
            payloadOff = l4 + doff;
            payloadLen = l4Len - doff;
            if (!checksumPartial) {
                long sum = InetChecksum.pseudoHeader(saddr, daddr, protocol, l4Len);
                l4ChecksumOk = InetChecksum.fold(InetChecksum.partial(ip, l4, l4Len, sum)) == 0;
            }
        } else if (protocol == Frames.IPPROTO_UDP) {
            if (l4Len < Frames.UDP_HLEN) {
                malformed = "UDP header truncated";
                return;
            }
            sport = Bytes.u16(ip, l4);
            dport = Bytes.u16(ip, l4 + 2);
            payloadOff = l4 + Frames.UDP_HLEN;
            payloadLen = l4Len - Frames.UDP_HLEN;
        } else if (protocol == Frames.IPPROTO_ICMP) {
            if (l4Len < Frames.ICMP_HLEN) {
                malformed = "ICMP header truncated";
                return;
            }
            icmpType = ip[l4] & 0xff;
            icmpCode = ip[l4 + 1] & 0xff;
            payloadOff = l4 + Frames.ICMP_HLEN;
            payloadLen = l4Len - Frames.ICMP_HLEN;
        }
    }

    /** A short description with absolute numbers, for packets not of the connection under test. */
    String describeRaw() {
        if (malformed != null) {
            return "malformed packet (" + malformed + ")";
        }
        String addrs = InetAddr.toString(saddr) + " > " + InetAddr.toString(daddr);
        return switch (protocol) {
            case Frames.IPPROTO_TCP -> addrs + " tcp " + sport + ">" + dport + " " + PacketSpec.flagString(flags) + " seq "
                    + seq + " ack " + ack + " len " + payloadLen;
            case Frames.IPPROTO_UDP -> addrs + " udp " + sport + ">" + dport + " (" + payloadLen + ")";
            case Frames.IPPROTO_ICMP -> addrs + " icmp type " + icmpType + " code " + icmpCode;
            default -> addrs + " protocol " + protocol;
        };
    }
}
