/**
 * Configuration and statistics in the words of Linux's iproute2 tools.
 *
 * <ul>
 *   <li>{@link dev.packetflow.iproute2.IpCommand}: {@code ip link}, {@code ip address},
 *       {@code ip route}, {@code ip neigh}, what {@code NetStack.exec("ip ...")} runs. A
 *       command is parsed and validated whole before anything changes.
 *   <li>{@link dev.packetflow.iproute2.IpLink} and {@link dev.packetflow.iproute2.IpAddr}: the
 *       {@code ip link} / {@code ip -s link} / {@code ip addr} listings, in iproute2's layout;
 *       {@code IpRoute} and {@code IpNeigh} (package-private) parse and print {@code ip route}
 *       and {@code ip neigh} over the FIB and the ARP table.
 *   <li>{@link dev.packetflow.iproute2.Nstat}: {@code nstat -a}, the SNMP counters and drop reasons.
 *   <li>{@link dev.packetflow.iproute2.Ss}: {@code ss}, the socket listing (state, queues, addresses).
 * </ul>
 */
package dev.packetflow.iproute2;
