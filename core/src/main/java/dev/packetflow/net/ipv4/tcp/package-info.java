/**
 * TCP for IPv4, built like Linux's (RFC 9293 with Linux's choices wherever the RFCs leave room).
 * Every stack has one {@link dev.packetflow.net.ipv4.tcp.Tcp} ({@code net.tcp()}); applications
 * use it through the socket layer: {@code socket(AF_INET, SOCK_STREAM, 0)}, {@code bind},
 * {@code listen}, {@code accept}/{@code accept4}, {@code connect} (blocking, or non-blocking with
 * EINPROGRESS and {@code SO_ERROR}), {@code send}/{@code recv}/{@code read}/{@code write}/
 * {@code sendmsg}/{@code recvmsg} ({@code MSG_DONTWAIT}, {@code MSG_PEEK}, {@code MSG_WAITALL},
 * {@code MSG_EOR}, {@code MSG_NOSIGNAL}), {@code shutdown}, {@code close}, {@code poll},
 * {@code epoll}, {@code ioctl} ({@code SIOCINQ}, {@code SIOCOUTQ}, {@code SIOCOUTQNSD},
 * {@code SIOCATMARK}), {@code setsockopt}/{@code getsockopt} with {@code SOL_TCP} options of
 * {@link dev.packetflow.net.ipv4.tcp.TcpSockOpts} and {@code SOL_IP} ones of
 * {@link dev.packetflow.net.ipv4.IpSockglue} ({@code IP_TOS} and {@code IP_TTL} on every segment
 * the socket sends, {@code IP_MINTTL} enforced, {@code IP_MTU}), {@code SO_BUSY_POLL} in
 * {@code recvmsg} (real time only).
 *
 * <h2>Where Linux's code went</h2>
 * <pre>
 * net/ipv4/tcp.c            TcpStream (sendmsg, recvmsg, poll, ioctl), TcpProto (close, shutdown,
 *                           disconnect, accept), TcpSockOpts (options, TCP_INFO)
 * net/ipv4/af_inet.c        InetStreamOps (inet_stream_ops: bind, connect, listen, accept...)
 * net/ipv4/tcp_ipv4.c       TcpIpv4 (tcp_v4_rcv, lookup, tcp_v4_do_rcv, resets, ICMP errors),
 *                           Tcp (per-netns state, ISN and timestamp secrets)
 * net/ipv4/inet_hashtables  TcpHashinfo (established, listening and bind tables)
 * net/ipv4/tcp_input.c      TcpInput (tcp_rcv_established with header prediction, validation,
 *                           PAWS, RFC 5961), TcpStateProcess (tcp_rcv_state_process),
 *                           TcpInputAck (tcp_ack, RTT, window update), TcpInputData
 *                           (tcp_data_queue, out-of-order queue, SACK blocks we send),
 *                           TcpAckPolicy (delayed ACK, quick-ACK, receive autotuning),
 *                           TcpSack (SACK scoreboard, D-SACK), TcpRecovery (fast recovery,
 *                           NewReno, PRR, undo, F-RTO), TcpOptions (option parser)
 * net/ipv4/tcp_recovery.c   TcpRack (RACK), TLP acknowledgement in TcpRecovery
 * net/ipv4/tcp_output.c     TcpOutput (transmit, options, tcp_write_xmit, Nagle, ACKs, FIN,
 *                           RST, connect), TcpTso (segmentation offload: size goal, TSO
 *                           sizing, split point, deferral), TcpWindow (window and MSS selection), TcpRetrans
 *                           (retransmission, loss probe, window and keepalive probes)
 * net/ipv4/tcp_timer.c      TcpTimer (RTO with backoff, delayed ACK, persist, keepalive,
 *                           user timeout, TIME_WAIT)
 * net/ipv4/tcp_minisocks.c  TcpMinisocks (request socks, SYN-ACK timer, TIME_WAIT, RFC 1337)
 * net/ipv4/syncookies.c     TcpSyncookies (RFC 4987)
 * net/ipv4/tcp_cong.c       TcpCong (pluggable, Reno), TcpCubic (RFC 9438 with HyStart)
 * </pre>
 *
 * <h2>Tracepoints (kernel names; see {@link dev.packetflow.net.ipv4.tcp.Tcp})</h2>
 * {@code tcp_sendmsg}, {@code tcp_v4_rcv}, {@code tcp_v4_do_rcv}, {@code tcp_rcv_established}
 * (arg 1: fast path, 0: slow path; counted in TcpExt {@code TCPFastPath}/{@code TCPSlowPath}),
 * {@code tcp_data_queue}, {@code tcp_probe} (per ACK; arg cwnd, the sock with cwnd, ssthresh and
 * srtt is {@link dev.packetflow.net.ipv4.tcp.Tcp#probeSock()}), {@code tcp_retransmit_skb},
 * {@code tcp_send_reset}, {@code tcp_receive_reset}, {@code tcp_destroy_sock},
 * {@code tcp_set_state} (arg: the new state), and the socket layer's {@code sk_data_ready} and
 * system-call stages. A segment's journey: {@code sendto → sock_sendmsg → tcp_sendmsg →
 * ip_queue_xmit → ...} and {@code ... ip_local_deliver_finish → tcp_v4_rcv → tcp_v4_do_rcv →
 * tcp_rcv_established → tcp_data_queue → sk_data_ready → recvfrom}.
 *
 * <h2>Segmentation offload (TSO/GSO)</h2>
 * When the route's device takes GSO packets ({@code NETIF_F_TSO} or {@code NETIF_F_GSO}:
 * {@code TcpTso.canGso}), {@code tcp_sendmsg} builds skbs of up to
 * {@code gso_max_size - 1 - MAX_TCP_HEADER} bytes, whole segments, at most half the peer's
 * largest window ({@code tcp_xmit_size_goal}); {@code tcp_write_xmit} sizes each for the current
 * MSS ({@code tcp_init_tso_segs}), sends as much as cwnd and the receive window allow
 * ({@code tcp_tso_segs}, {@code tcp_mss_split_point}, {@code tso_fragment}), defers a partial
 * super-packet while an ACK is due ({@code tcp_tso_should_defer}), and hands IP one skb with
 * {@code gsoSize} = MSS, {@code gsoSegs}, {@code SKB_GSO_TCPV4}, {@code CHECKSUM_PARTIAL} and
 * one IP identification per segment. {@code packets_out}, {@code sacked_out},
 * {@code lost_out}, {@code retrans_out} count segments ({@code tcp_skb_pcount}); a partial ACK
 * trims a sent super-packet ({@code tcp_tso_acked}), a SACK block splits it at a segment
 * boundary ({@code tcp_match_skb_to_sack}), NewReno marks only its first segment lost,
 * retransmission resends up to the cwnd's worth of it, the loss probe its last segment. Devices
 * without TSO get the segments from {@code validate_xmit_skb} ({@link
 * dev.packetflow.net.ipv4.tcp.TcpOffload}, {@code tcp_gso_segment}). Differences from Linux: a super-packet's payload is in
 * one buffer, not page fragments, so {@code tso_fragment} copies the shorter part; no pacing
 * ({@code tcp_tso_autosize} uses the rate Linux would compute, without sk_pacing); no
 * {@code tcp_shift_skb_data}/{@code tcp_collapse_retrans} merging of SACKed skbs.
 *
 * <h2>Settings and counters</h2>
 * {@link dev.packetflow.net.ipv4.tcp.TcpSysctl} holds the {@code net.ipv4.tcp_*} sysctls with
 * Linux's defaults; {@code applyPacketdrillDefaults()} sets what the corpus's {@code defaults.sh}
 * sets, and {@code setHz()} picks the jiffy (CONFIG_HZ) that timers round to. The Tcp and TcpExt
 * counters of {@code /proc/net/snmp} and {@code /proc/net/netstat} are
 * {@link dev.packetflow.net.ipv4.tcp.Tcp#mib()} and {@link dev.packetflow.net.ipv4.tcp.Tcp#extMib()}
 * (also in {@code net.mibs()}, so {@code nstat} shows them).
 *
 * <h2>Not implemented</h2>
 * urgent data, ECN, TCP Fast
 * Open, MD5/AO signatures, MTU probing, IPv6, pacing, BBR, {@code tcp_collapse()} of the receive
 * queue.
 */
package dev.packetflow.net.ipv4.tcp;
