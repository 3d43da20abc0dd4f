package dev.packetflow.pcap;

import java.nio.ByteBuffer;

/** Hand-built Ethernet/IPv4/ICMP frames with correct checksums, for capture tests. */
final class Frames {
    static final int ICMP_ECHO_REPLY = 0;
    static final int ICMP_ECHO = 8;

    private Frames() {}

    /** An Ethernet II frame carrying an IPv4 ICMP echo request or reply (RFC 791, RFC 792). */
    static byte[] icmpEcho(long dstMac, long srcMac, int srcIp, int dstIp, int type, int id, int seq, int payloadLen) {
        int ipLen = 20 + 8 + payloadLen;
        ByteBuffer b = ByteBuffer.allocate(14 + ipLen);
        putMac(b, dstMac);
        putMac(b, srcMac);
        b.putShort((short) 0x0800);
        int ip = b.position();
        b.put((byte) 0x45).put((byte) 0).putShort((short) ipLen);
        b.putShort((short) (0x1000 + seq)).putShort((short) 0x4000); // id, DF
        b.put((byte) 64).put((byte) 1).putShort((short) 0); // TTL, ICMP, checksum later
        b.putInt(srcIp).putInt(dstIp);
        b.putShort(ip + 10, (short) checksum(b.array(), ip, 20));
        int icmp = b.position();
        b.put((byte) type).put((byte) 0).putShort((short) 0).putShort((short) id).putShort((short) seq);
        for (int i = 0; i < payloadLen; i++) {
            b.put((byte) (0x10 + i));
        }
        b.putShort(icmp + 2, (short) checksum(b.array(), icmp, 8 + payloadLen));
        return b.array();
    }

    /** The Internet checksum (RFC 1071). */
    static int checksum(byte[] a, int off, int len) {
        long sum = 0;
        for (int i = 0; i + 1 < len; i += 2) {
            sum += ((a[off + i] & 0xff) << 8) | (a[off + i + 1] & 0xff);
        }
        if ((len & 1) != 0) {
            sum += (a[off + len - 1] & 0xff) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    private static void putMac(ByteBuffer b, long mac) {
        b.putShort((short) (mac >>> 32)).putInt((int) mac);
    }
}
