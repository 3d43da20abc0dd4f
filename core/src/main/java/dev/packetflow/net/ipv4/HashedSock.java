package dev.packetflow.net.ipv4;

import dev.packetflow.net.socket.Sock;

/**
 * A sock as a lookup table holds it: the hash keys copied from the sock when it was hashed (Linux
 * keeps them in {@code struct sock_common}), so that a lookup reads one small immutable object per
 * candidate. A table replaces the entry ({@code rehash}) when the sock's addresses change.
 */
final class HashedSock {
    final Sock sk;
    /** Local address (Linux: {@code skc_rcv_saddr}); 0 = wildcard. */
    final int rcvSaddr;
    /** Local port (Linux: {@code skc_num}). */
    final int num;
    /** Peer address and port when connected, else 0. */
    final int daddr;
    final int dport;
    final int boundDevIf;
    /** Connected (Linux: {@code sk_state == TCP_ESTABLISHED}). */
    final boolean connected;
    /** The SO_REUSEPORT group this sock belongs to, or null. */
    volatile SockReuseport group;

    HashedSock(Sock sk) {
        this.sk = sk;
        this.rcvSaddr = sk.rcvSaddr;
        this.num = sk.num;
        this.daddr = sk.daddr;
        this.dport = sk.dport;
        this.boundDevIf = sk.boundDevIf;
        this.connected = sk.state == Sock.TCP_ESTABLISHED;
    }

    @Override
    public String toString() {
        return InetAddr.toString(rcvSaddr) + ":" + num + "->" + InetAddr.toString(daddr) + ":" + dport
                + (boundDevIf != 0 ? "%" + boundDevIf : "") + (group != null ? " reuseport" : "");
    }
}
