package dev.packetflow.net.core;

/**
 * Why a packet was dropped. Every drop in the stack goes through
 * {@link Skb#kfreeSkb(SkBuff, DropReason)} with one of these, so a drop is always counted and
 * visible at the {@code kfree_skb} tracepoint.
 *
 * <p>Names are Linux's {@code SKB_DROP_REASON_*} ({@code include/net/dropreason-core.h}) without
 * the prefix. Where Linux lumps several header faults into one reason ({@code IP_INHDR}), packetflow
 * splits it so that each malformed field has a reason of its own; those refinements carry the Linux
 * reason they refine as a prefix (for example {@code IP_INHDR_VERSION}) and {@link #linux()} maps
 * them back.
 */
public enum DropReason {
    NOT_SPECIFIED,
    NO_SOCKET,
    SOCKET_CLOSE,
    SOCKET_FILTER,
    SOCKET_RCVBUFF,
    PKT_TOO_SMALL,
    TCP_CSUM,
    UDP_CSUM,
    NETFILTER_DROP,
    /** Frame addressed to another host's MAC (PACKET_OTHERHOST). */
    OTHERHOST,
    IP_CSUM,
    IP_INHDR,
    /** IP version field is not 4. Refines IP_INHDR. */
    IP_INHDR_VERSION("IP_INHDR"),
    /** IHL below 5 or beyond the packet. Refines IP_INHDR. */
    IP_INHDR_IHL("IP_INHDR"),
    /** Total length shorter than the header or longer than the frame. Refines IP_INHDR/PKT_TOO_SMALL. */
    IP_INHDR_TOTLEN("IP_INHDR"),
    /** TTL would reach zero while forwarding. Refines IP_INHDR (Linux counts it in InHdrErrors). */
    IP_INHDR_TTL("IP_INHDR"),
    IP_RPFILTER,
    UNICAST_IN_L2_MULTICAST,
    IP_NOPROTO,
    PROTO_MEM,
    SOCKET_BACKLOG,
    /** TCP flags that make no sense in the state: none of ACK, RST, SYN; SYN with FIN; an ACK to a listener. */
    TCP_FLAGS,
    /** New TCP data on a socket its application closed: the connection is reset (TCPAbortOnData). */
    TCP_ABORT_ON_DATA,
    /** In-sequence TCP data while the receive window is zero (TCPZeroWindowDrop). */
    TCP_ZEROWINDOW,
    /** TCP data entirely below RCV.NXT: a retransmission of what was already received (DelayedACKLost). */
    TCP_OLD_DATA,
    /** TCP data starting at or beyond the right edge of the receive window (a zero window probe, for one). */
    TCP_OVERWINDOW,
    /** An out-of-order TCP segment whose bytes are already in the out-of-order queue (TCPOFOMerge). */
    TCP_OFOMERGE,
    /** A TCP segment whose timestamp is older than TS.Recent: RFC 7323 PAWS (PAWSEstab, PAWSActive). */
    TCP_RFC7323_PAWS,
    /** A handshake's ACK echoing a timestamp no SYN-ACK of ours carried (TSEcrRejected; Linux 6.14). */
    TCP_RFC7323_TSECR,
    /** A segment for a TIME_WAIT sock with a timestamp older than the connection's last (Linux 6.15). */
    TCP_RFC7323_TW_PAWS,
    /** The ACK completing a handshake while the listener's accept queue is full (Linux 6.15). */
    TCP_LISTEN_OVERFLOW,
    /** A TCP segment that ends before the left edge of the receive window (a duplicate). */
    TCP_OLD_SEQUENCE,
    /** A TCP segment that starts beyond the right edge of the receive window. */
    TCP_INVALID_SEQUENCE,
    /** In SYN_SENT, an ACK of something other than our SYN (RFC 9293 3.10.7.3): answered with RST. */
    TCP_INVALID_ACK_SEQUENCE,
    /** An unacceptable TCP RST: in the window, not at RCV.NXT (RFC 5961 3.2); without ACK in SYN_SENT; to LISTEN. */
    TCP_RESET,
    /** A SYN on a synchronized TCP connection (RFC 5961 4.2: answered with a challenge ACK). */
    TCP_INVALID_SYN,
    /** A TCP segment for a socket in the CLOSE state. */
    TCP_CLOSE,
    /** In SYN_RECV, an ACK that acknowledges nothing new: answered with RST. */
    TCP_OLD_ACK,
    /** A TCP ACK more than the peer's maximum window below SND.UNA (RFC 5961 5.2 blind data injection). */
    TCP_TOO_OLD_ACK,
    /** A TCP ACK for data not sent yet (beyond SND.NXT). */
    TCP_ACK_UNSENT_DATA,
    /** An out-of-order TCP segment pruned from the queue to bring receive memory under rcvbuf (OfoPruned). */
    TCP_OFO_QUEUE_PRUNE,
    /** An out-of-order TCP segment found entirely below RCV.NXT when the hole before it filled. */
    TCP_OFO_DROP,
    IP_OUTNOROUTES,
    NEIGH_CREATEFAIL,
    NEIGH_FAILED,
    NEIGH_QUEUEFULL,
    NEIGH_DEAD,
    QDISC_DROP,
    CPU_BACKLOG,
    XDP,
    UNHANDLED_PROTO,
    SKB_CSUM,
    SKB_GSO_SEG,
    DEV_HDR,
    DEV_READY,
    FULL_RING,
    NOMEM,
    HDR_TRUNC,
    TAP_FILTER,
    ICMP_CSUM,
    INVALID_PROTO,
    IP_INADDRERRORS,
    IP_INNOROUTES,
    IP_LOCAL_SOURCE,
    /** Martian source address (loopback, multicast, broadcast, zeronet...). */
    IP_INVALID_SOURCE,
    IP_LOCALNET,
    /** Martian destination address. */
    IP_INVALID_DEST,
    PKT_TOO_BIG,
    /** A TCP segment arrived with a TTL below the socket's {@code IP_MINTTL} (RFC 5082). */
    TCP_MINTTL,
    DUP_FRAG,
    FRAG_REASM_TIMEOUT,
    FRAG_TOO_FAR,
    /** Overlapping IPv4 fragments: the whole datagram is discarded (RFC 5722 practice, Linux since 4.19). */
    IP_FRAG_OVERLAP("NOT_SPECIFIED"),
    /** Reassembly memory above ipfrag_high_thresh. */
    IP_FRAG_MEM("NOMEM"),
    QUEUE_PURGE,
    /** Wire impairment: the simulated medium lost the frame. Not a Linux reason: no host saw it. */
    WIRE_LOSS("NOT_SPECIFIED"),
    /** Wire impairment: the frame's FCS would not match (corrupted in flight). Linux counts rx_crc_errors. */
    WIRE_FCS("NOT_SPECIFIED"),
    /** Carrier down or device not up when a frame was offered to it. */
    DEV_DOWN("DEV_READY"),
    /** ARP packet malformed or not for us. */
    ARP_INVALID("NOT_SPECIFIED"),
    /** ARP hardware/protocol type or address lengths are not Ethernet/IPv4. Refines ARP_INVALID. */
    ARP_INVALID_HDR("NOT_SPECIFIED"),
    /** ARP opcode is neither request (1) nor reply (2). Refines ARP_INVALID. */
    ARP_INVALID_OP("NOT_SPECIFIED"),
    /** ARP target is multicast/loopback or sender is a martian address. Refines ARP_INVALID. */
    ARP_INVALID_ADDR("NOT_SPECIFIED"),
    /** ICMP message malformed or of an unsupported type. */
    ICMP_INVALID("NOT_SPECIFIED"),
    /** ICMP error suppressed by icmp_ratelimit / icmp_msgs_per_sec. */
    ICMP_RATELIMIT("NOT_SPECIFIED");

    private final String linux;

    DropReason() {
        this.linux = null;
    }

    DropReason(String linux) {
        this.linux = linux;
    }

    /** The Linux {@code SKB_DROP_REASON_*} name this reason is, or refines. */
    public String linux() {
        return "SKB_DROP_REASON_" + (linux == null ? name() : linux);
    }

    private static final DropReason[] VALUES = values();

    public static DropReason of(int ordinal) {
        return VALUES[ordinal];
    }
}
