/**
 * The loopback device. Linux: {@code drivers/net/loopback.c}.
 */
package dev.packetflow.drivers.net.loopback;
