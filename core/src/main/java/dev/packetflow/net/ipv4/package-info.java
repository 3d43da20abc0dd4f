/**
 * IPv4 and ICMP: the network layer of the seed's diagrams, laid out like Linux's
 * {@code net/ipv4/}.
 *
 * <pre>
 * RX  ip_rcv ─► NF_INET_PRE_ROUTING ─► ip_rcv_finish ─► ip_route_input ─┬─► ip_local_deliver ─► [ip_defrag]
 *                                                                      │     ─► NF_INET_LOCAL_IN ─► ip_local_deliver_finish
 *                                                                      │     ─► inet_protos[proto]: icmp_rcv, udp_rcv, (tcp_v4_rcv)
 *                                                                      ├─► ip_forward ─► NF_INET_FORWARD ─► ip_forward_finish ─► dst_output
 *                                                                      └─► ip_error (ICMP unreachable)
 * TX  ping_v4_sendmsg | udp_sendmsg ─► ip_send_skb ───┐
 *     (tcp) ─► ip_queue_xmit ─────────────────────────┴─► ip_local_out ─► __ip_local_out ─► NF_INET_LOCAL_OUT
 *     ─► dst_output ─► ip_output ─► NF_INET_POST_ROUTING ─► ip_finish_output ─► [ip_fragment]
 *     ─► ip_finish_output2 ─► neigh_output (Arp) ─► dev_queue_xmit
 * </pre>
 *
 * <table>
 * <caption>Where each kernel file went</caption>
 * <tr><th>Linux</th><th>here</th></tr>
 * <tr><td>ip_input.c</td><td>{@link dev.packetflow.net.ipv4.IpInput}</td></tr>
 * <tr><td>ip_output.c</td><td>{@link dev.packetflow.net.ipv4.IpOutput}, {@link dev.packetflow.net.ipv4.IpFragment}</td></tr>
 * <tr><td>ip_forward.c</td><td>{@link dev.packetflow.net.ipv4.IpForward}</td></tr>
 * <tr><td>ip_fragment.c, inet_fragment.c</td><td>{@link dev.packetflow.net.ipv4.IpDefrag}</td></tr>
 * <tr><td>route.c</td><td>{@link dev.packetflow.net.ipv4.Route}, {@link dev.packetflow.net.ipv4.Rtable},
 *     {@link dev.packetflow.net.ipv4.IpIdents}</td></tr>
 * <tr><td>fib_frontend.c, fib_trie.c, fib_semantics.c</td><td>{@link dev.packetflow.net.ipv4.Fib},
 *     {@link dev.packetflow.net.ipv4.FibTable}, {@link dev.packetflow.net.ipv4.FibRoute},
 *     {@link dev.packetflow.net.ipv4.RouteSpec}</td></tr>
 * <tr><td>icmp.c</td><td>{@link dev.packetflow.net.ipv4.Icmp}, {@link dev.packetflow.net.ipv4.IcmpRateLimit}</td></tr>
 * <tr><td>ping.c</td><td>{@link dev.packetflow.net.ipv4.Ping}</td></tr>
 * <tr><td>udp.c, datagram.c (ip4_datagram_connect)</td><td>{@link dev.packetflow.net.ipv4.Udp},
 *     {@link dev.packetflow.net.ipv4.UdpSock}, {@link dev.packetflow.net.ipv4.UdpTable},
 *     {@link dev.packetflow.net.ipv4.UdpHeader}</td></tr>
 * <tr><td>ip_sockglue.c</td><td>{@link dev.packetflow.net.ipv4.IpSockglue} (SOL_IP options)</td></tr>
 * <tr><td>af_inet.c</td><td>{@link dev.packetflow.net.ipv4.AfInet}, {@link dev.packetflow.net.ipv4.InetDgramOps}</td></tr>
 * <tr><td>icmp.c icmp_err_convert</td><td>{@link dev.packetflow.net.ipv4.IcmpErr}</td></tr>
 * <tr><td>protocol.c</td><td>{@link dev.packetflow.net.ipv4.NetProtocol}, {@link dev.packetflow.net.ipv4.Ipv4#addProtocol}</td></tr>
 * <tr><td>proc.c</td><td>{@link dev.packetflow.net.ipv4.IpMib}</td></tr>
 * <tr><td>include/uapi/linux/ip.h, icmp.h</td><td>{@link dev.packetflow.net.ipv4.Ipv4Header},
 *     {@link dev.packetflow.net.ipv4.IcmpHeader} (views), {@link dev.packetflow.net.ipv4.Ipv4Repr},
 *     {@link dev.packetflow.net.ipv4.IcmpRepr} (values)</td></tr>
 * </table>
 *
 * <p>Read RFC 791 (IP), RFC 792 (ICMP), RFC 768 (UDP) and RFC 1122 sections 3 and 4.1 (host
 * requirements) first; RFC 1812
 * for forwarding, RFC 1071/1624 for the checksum. Defaults and corner cases follow Linux, and where
 * Linux and an RFC differ the classes say so.
 *
 * <p>Threading: the per-stack tables (addresses, FIB, inet_protos) are copy-on-write and read
 * without locks; reassembly, the ICMP rate limiters, IP ID counters and ping endpoints take short
 * locks of their own. The packet path allocates nothing except on slow paths (ICMP errors,
 * fragmentation and reassembly, replies).
 */
package dev.packetflow.net.ipv4;
