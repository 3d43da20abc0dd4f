package dev.packetflow.net.ethernet;

import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.SkBuff;

/**
 * Ethernet II framing.
 *
 * <pre>
 *  0                   6                   12      14
 * +-------------------+-------------------+-------+----------
 * | destination MAC   | source MAC        | type  | payload
 * +-------------------+-------------------+-------+----------
 * </pre>
 *
 * <p>Linux: {@code net/ethernet/eth.c}, {@code include/uapi/linux/if_ether.h}.
 */
public final class Eth {
    public static final int ETH_ALEN = 6;
    public static final int ETH_HLEN = 14;
    public static final int ETH_ZLEN = 60;
    public static final int ETH_FRAME_LEN = 1514;
    public static final int ETH_P_IP = 0x0800;
    public static final int ETH_P_ARP = 0x0806;
    public static final int ETH_P_IPV6 = 0x86DD;
    public static final int ETH_P_8021Q = 0x8100;

    private Eth() {}

    /**
     * Linux: {@code eth_type_trans()}. On a received frame with data at the Ethernet header: sets the
     * MAC header, classifies the frame (host, broadcast, multicast, other host), pulls the header
     * and returns the ethertype. Returns -1 when the frame is shorter than a header.
     */
    public static int ethTypeTrans(SkBuff skb, NetDevice dev) {
        skb.dev = dev;
        skb.resetMacHeader();
        if (skb.len() < ETH_HLEN) {
            return -1;
        }
        int m = skb.data;
        long dst = skb.u48(m);
        if ((dst & 0x0100_0000_0000L) != 0) {
            skb.pktType = dst == NetDevice.BROADCAST_MAC ? SkBuff.PACKET_BROADCAST : SkBuff.PACKET_MULTICAST;
        } else if (dst == dev.mac()) {
            skb.pktType = SkBuff.PACKET_HOST;
        } else {
            skb.pktType = SkBuff.PACKET_OTHERHOST;
        }
        int proto = skb.u16(m + 12);
        skb.pull(ETH_HLEN);
        skb.resetNetworkHeader();
        skb.protocol = proto;
        return proto;
    }

    /**
     * Linux: {@code eth_header()}. Pushes an Ethernet header onto {@code skb}; on return data
     * points at it and the MAC header is set.
     */
    public static void ethHeader(SkBuff skb, long dstMac, long srcMac, int type) {
        int m = skb.push(ETH_HLEN);
        // Two 8-byte stores rather than five: destination and the top of the source, then the
        // source again (its top two bytes written twice, with the same value) and the type.
        skb.setU64(m, (dstMac << 16) | ((srcMac >>> 32) & 0xffff));
        skb.setU64(m + 6, (srcMac << 16) | (type & 0xffff));
        skb.resetMacHeader();
    }

    public static String macToString(long mac) {
        StringBuilder sb = new StringBuilder(17);
        for (int i = 5; i >= 0; i--) {
            int b = (int) (mac >>> (i * 8)) & 0xff;
            sb.append(Character.forDigit(b >> 4, 16)).append(Character.forDigit(b & 15, 16));
            if (i > 0) {
                sb.append(':');
            }
        }
        return sb.toString();
    }

    /** Parses "aa:bb:cc:dd:ee:ff"; throws IllegalArgumentException otherwise. */
    public static long parseMac(String s) {
        String[] p = s.split(":");
        if (p.length != 6) {
            throw new IllegalArgumentException("not a MAC address: " + s);
        }
        long v = 0;
        for (String b : p) {
            if (b.isEmpty() || b.length() > 2) {
                throw new IllegalArgumentException("not a MAC address: " + s);
            }
            v = (v << 8) | Integer.parseInt(b, 16);
        }
        return v;
    }

    /** A locally administered unicast MAC derived from {@code n} (02:xx:...). */
    public static long localMac(long n) {
        return 0x0200_0000_0000L | (n & 0x00ff_ffff_ffffL);
    }
}
