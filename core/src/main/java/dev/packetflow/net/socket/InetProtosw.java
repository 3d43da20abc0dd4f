package dev.packetflow.net.socket;

/**
 * One entry of the table {@code socket()} searches: which protocol serves sockets of a type, and
 * with which operations. Protocol 0 ({@link Uapi#IPPROTO_IP}) in a {@code socket()} call picks the
 * first entry registered for the type.
 *
 * <p>Linux: {@code include/net/protocol.h struct inet_protosw}, {@code inet_register_protosw()}.
 */
public record InetProtosw(int type, int protocol, Proto prot, ProtoOps ops) {
    public InetProtosw {
        if (type <= 0 || type >= Uapi.SOCK_MAX) {
            throw new IllegalArgumentException("bad socket type " + type);
        }
        if (protocol <= 0 || protocol >= Uapi.IPPROTO_MAX) {
            throw new IllegalArgumentException("bad protocol " + protocol);
        }
    }
}
