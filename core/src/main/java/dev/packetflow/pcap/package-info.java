/**
 * Packet capture to pcap files, what {@code tcpdump -w} does for a Linux interface.
 *
 * <ul>
 *   <li>{@link dev.packetflow.pcap.PcapWriter} writes the libpcap format with nanosecond timestamps;
 *   <li>{@link dev.packetflow.pcap.PcapCapture} attaches a writer to devices through packet taps
 *       ({@link dev.packetflow.net.core.Dev#addTap}), so it sees each frame where Linux's
 *       {@code AF_PACKET} sockets do;
 *   <li>{@link dev.packetflow.pcap.PcapReader} reads captures back (tests, tools).
 * </ul>
 *
 * <p>The files open in tcpdump, tshark and Wireshark; a deterministic simulation writes the same
 * bytes on every run.
 */
package dev.packetflow.pcap;
