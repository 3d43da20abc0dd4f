/**
 * Virtual Ethernet pairs. Linux: {@code drivers/net/veth.c}.
 */
package dev.packetflow.drivers.net.veth;
