package dev.packetflow.net.ipv4;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.socket.Proto;
import dev.packetflow.net.socket.Sock;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A UDP socket's sock: the generic {@link Sock} plus what UDP and the IP socket options keep per
 * socket. Linux: {@code struct udp_sock}, with the {@code inet_sock} fields {@link Sock} does not
 * have.
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
     * Flags of the options that ask for control messages ({@code IP_PKTINFO}, {@code IP_RECVTTL},
     * {@code IP_RECVTOS}, {@code IP_RECVOPTS}, {@code IP_RETOPTS}...), as bits {@code 1 << optname}
     * (Linux: {@code inet->cmsg_flags}); {@link IpCmsg} delivers the messages.
     */
    volatile int cmsgFlags;
    /** {@code IP_FREEBIND}, {@code IP_BIND_ADDRESS_NO_PORT}, {@code IP_MULTICAST_ALL}: stored. */
    volatile boolean freebind;
    volatile boolean bindAddressNoPort;
    volatile boolean mcAll = true;
    /** {@code IP_MINTTL} (stored; Linux enforces it for TCP). */
    volatile int minTtl;
    /** {@code UDP_CORK} (Linux: {@code udp_test_bit(CORK, sk)}). */
    volatile boolean corkflag;
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
}
