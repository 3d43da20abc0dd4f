package dev.packetflow.net.ipv4;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.socket.Proto;
import dev.packetflow.net.socket.Sock;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A UDP socket's sock: the generic {@link Sock} (with the {@code inet_sock} fields the IP socket
 * options keep) plus what UDP keeps per socket. Linux: {@code struct udp_sock}.
 */
public final class UdpSock extends Sock {
    private static final VarHandle INET_ID;

    static {
        try {
            INET_ID = MethodHandles.lookup().findVarHandle(UdpSock.class, "inetId", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Linux: {@code inet->inet_id}: the IP identification of the next datagram while connected,
     * seeded at random by {@code connect()}.
     */
    @SuppressWarnings("unused") // INET_ID
    private volatile int inetId;

    /**
     * Linux: {@code sk->sk_dst_cache} with the flow it was found for ({@code inet->cork.fl}): the
     * route of a connected socket, kept so that a send to the peer skips the lookup while the
     * routes have not changed. Null when none is kept. One immutable record, so that threads
     * sending on the socket at once never see a route paired with another's keys.
     */
    volatile SkDst dstCache;

    /**
     * A kept route and the source address its lookup chose: valid while the FIB generation is
     * {@code genid} and the socket still sends to {@code daddr} with the flow keys it was looked up
     * with (the socket's source address, possibly 0, its TOS and bound device).
     */
    record SkDst(Rtable rt, int genid, int daddr, int saddrKey, int tos, int oif, int saddr) {
        boolean matches(int gen, int daddr, int saddrKey, int tos, int oif) {
            return genid == gen && this.daddr == daddr && this.saddrKey == saddrKey && this.tos == tos
                    && this.oif == oif;
        }
    }

    /** {@code UDP_CORK} (Linux: {@code udp_test_bit(CORK, sk)}). */
    volatile boolean corkflag;
    /**
     * {@code UDP_SEGMENT}: the payload size of each datagram a longer send is cut into, 0 when
     * off (Linux: {@code up->gso_size}).
     */
    volatile int gsoSize;
    /**
     * {@code UDP_GRO}: a UDP GSO super-packet reaching this socket is queued and read whole, with
     * a {@code UDP_GRO} control message (Linux: {@code GRO_ENABLED} and {@code ACCEPT_L4}, set
     * together by the option).
     */
    volatile boolean groEnabled;
    /** The pending datagram of a corked socket. */
    final UdpCork cork = new UdpCork();

    UdpSock(NetStack net, Proto prot, int type, int protocol) {
        super(net, prot, type, protocol);
    }

    /** Linux: {@code atomic_set(&inet->inet_id, get_random_u16())} at connect. */
    void seedInetId(int v) {
        inetId = v & 0xffff;
    }

    /** The identification for the next datagram (Linux: {@code atomic_add_return(1, &inet->inet_id)}). */
    int nextInetId() {
        return ((int) INET_ID.getAndAdd(this, 1) + 1) & 0xffff;
    }

    /**
     * The identification for the next GSO datagram of {@code segs} segments, which number
     * themselves consecutively from it (Linux: {@code ip_select_ident_segs()}:
     * {@code atomic_add_return(segs, &inet->inet_id)}).
     */
    int nextInetId(int segs) {
        return ((int) INET_ID.getAndAdd(this, segs) + segs) & 0xffff;
    }
}
