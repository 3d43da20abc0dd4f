package dev.packetflow.net.ipv4;

import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.ethernet.Eth;
import java.nio.ByteBuffer;

/**
 * The ARP packet for Ethernet and IPv4 (RFC 826), 28 bytes after the Ethernet header:
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-------------------------------+-------------------------------+
 * |     hardware type (ar$hrd)    |     protocol type (ar$pro)    |  0
 * +---------------+---------------+-------------------------------+
 * | hlen (ar$hln) | plen (ar$pln) |        opcode (ar$op)         |  4
 * +---------------+---------------+-------------------------------+
 * |                sender hardware address (ar$sha)               |  8
 * +                               +-------------------------------+
 * |                               |   sender protocol address     | 12
 * +-------------------------------+                               +
 * |          (ar$spa)             |   target hardware address     | 16
 * +-------------------------------+                               +
 * |                            (ar$tha)                           | 20
 * +---------------------------------------------------------------+
 * |                target protocol address (ar$tpa)               | 24
 * +---------------------------------------------------------------+
 * </pre>
 *
 * <p>The packet path reads fields with the static accessors (offsets relative to the header start
 * {@code a}, absolute in the skb as all skb accessors are), which allocate nothing and need no
 * per-thread flyweight. The accessors do not check bounds: callers check {@link #LEN} first, as
 * {@code arp_rcv} does. {@link Repr} is the validated, allocated form for building and tests.
 *
 * <p>Linux: {@code include/uapi/linux/if_arp.h struct arphdr}, {@code net/ipv4/arp.c arp_create()}.
 */
public final class ArpHeader {
    /** Hardware types (ARPHRD_*): Ethernet, and IEEE 802 which Linux accepts on Ethernet too. */
    public static final int ARPHRD_ETHER = 1;
    public static final int ARPHRD_IEEE802 = 6;
    public static final int ARPOP_REQUEST = 1;
    public static final int ARPOP_REPLY = 2;

    public static final int HRD = 0;
    public static final int PRO = 2;
    public static final int HLN = 4;
    public static final int PLN = 5;
    public static final int OP = 6;
    public static final int SHA = 8;
    public static final int SIP = 14;
    public static final int THA = 18;
    public static final int TIP = 24;
    /** Header plus two Ethernet and two IPv4 addresses (Linux: {@code arp_hdr_len(dev)}). */
    public static final int LEN = 28;
    /** An ARP frame on Ethernet: 42 bytes, sent unpadded on virtual devices as Linux does. */
    public static final int FRAME_LEN = Eth.ETH_HLEN + LEN;

    private ArpHeader() {}

    public static int hrd(SkBuff skb, int a) {
        return skb.u16(a + HRD);
    }

    public static int pro(SkBuff skb, int a) {
        return skb.u16(a + PRO);
    }

    public static int hln(SkBuff skb, int a) {
        return skb.u8(a + HLN);
    }

    public static int pln(SkBuff skb, int a) {
        return skb.u8(a + PLN);
    }

    public static int op(SkBuff skb, int a) {
        return skb.u16(a + OP);
    }

    public static long sha(SkBuff skb, int a) {
        return skb.u48(a + SHA);
    }

    public static int sip(SkBuff skb, int a) {
        return skb.u32(a + SIP);
    }

    public static long tha(SkBuff skb, int a) {
        return skb.u48(a + THA);
    }

    public static int tip(SkBuff skb, int a) {
        return skb.u32(a + TIP);
    }

    /** Writes an Ethernet/IPv4 ARP header at {@code a} (Linux: the body of {@code arp_create()}). */
    public static void fill(SkBuff skb, int a, int hrd, int op, long sha, int sip, long tha, int tip) {
        skb.setU16(a + HRD, hrd);
        skb.setU16(a + PRO, Eth.ETH_P_IP);
        skb.setU8(a + HLN, Eth.ETH_ALEN);
        skb.setU8(a + PLN, 4);
        skb.setU16(a + OP, op);
        skb.setU48(a + SHA, sha);
        skb.setU32(a + SIP, sip);
        skb.setU48(a + THA, tha);
        skb.setU32(a + TIP, tip);
    }

    /**
     * An ARP packet as values (the header fields after validation, or any values to build test
     * frames from).
     */
    public record Repr(int hrd, int pro, int hln, int pln, int op, long sha, int sip, long tha, int tip) {
        /** An Ethernet/IPv4 packet with opcode {@code op}. */
        public static Repr of(int op, long sha, int sip, long tha, int tip) {
            return new Repr(ARPHRD_ETHER, Eth.ETH_P_IP, Eth.ETH_ALEN, 4, op, sha, sip, tha, tip);
        }

        /** Reads 28 bytes at {@code off}; throws IllegalArgumentException if fewer remain. */
        public static Repr parse(byte[] b, int off) {
            if (off < 0 || b.length - off < LEN) {
                throw new IllegalArgumentException("ARP packet needs " + LEN + " bytes, have " + (b.length - off));
            }
            ByteBuffer bb = ByteBuffer.wrap(b, off, LEN);
            int hrd = bb.getShort() & 0xffff;
            int pro = bb.getShort() & 0xffff;
            int hln = bb.get() & 0xff;
            int pln = bb.get() & 0xff;
            int op = bb.getShort() & 0xffff;
            long sha = u48(bb);
            int sip = bb.getInt();
            long tha = u48(bb);
            int tip = bb.getInt();
            return new Repr(hrd, pro, hln, pln, op, sha, sip, tha, tip);
        }

        private static long u48(ByteBuffer bb) {
            return ((bb.getShort() & 0xffffL) << 32) | (bb.getInt() & 0xffffffffL);
        }

        /** Writes the 28 bytes at {@code off}. */
        public void emit(byte[] b, int off) {
            ByteBuffer bb = ByteBuffer.wrap(b, off, LEN);
            bb.putShort((short) hrd).putShort((short) pro).put((byte) hln).put((byte) pln).putShort((short) op);
            bb.putShort((short) (sha >>> 32)).putInt((int) sha).putInt(sip);
            bb.putShort((short) (tha >>> 32)).putInt((int) tha).putInt(tip);
        }

        /** A whole Ethernet frame carrying this packet, unpadded (42 bytes). */
        public byte[] toFrame(long ethDst, long ethSrc) {
            byte[] f = new byte[FRAME_LEN];
            ByteBuffer bb = ByteBuffer.wrap(f);
            bb.putShort((short) (ethDst >>> 32)).putInt((int) ethDst);
            bb.putShort((short) (ethSrc >>> 32)).putInt((int) ethSrc);
            bb.putShort((short) Eth.ETH_P_ARP);
            emit(f, Eth.ETH_HLEN);
            return f;
        }

        @Override
        public String toString() {
            String what = op == ARPOP_REQUEST
                    ? "Request who-has " + InetAddr.toString(tip) + " tell " + InetAddr.toString(sip)
                    : op == ARPOP_REPLY
                            ? "Reply " + InetAddr.toString(sip) + " is-at " + Eth.macToString(sha)
                            : "op " + op;
            return "ARP, " + what;
        }
    }
}
