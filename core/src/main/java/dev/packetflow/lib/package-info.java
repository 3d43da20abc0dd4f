/**
 * Small algorithms the stack shares, as Linux keeps them in {@code lib/}: hash functions for socket
 * tables and port selection.
 */
package dev.packetflow.lib;
