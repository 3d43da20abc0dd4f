/**
 * The TAP driver: packetflow on a real wire, with the Linux kernel's own stack at the other end.
 * Read {@link dev.packetflow.drivers.net.tap.TapDevice} first (paths, threading, link state,
 * offloads); {@code TunFile} is the {@code /dev/net/tun} file and its ioctls, {@code LinkControl}
 * the kernel interface's MTU and flags, {@code VirtioNetHdr} the offload header, {@code LibC} the
 * system calls, bound with the Foreign Function &amp; Memory API (no JNI, no native build).
 *
 * <p>Needs {@code CAP_NET_ADMIN} to create a TAP (or a persistent TAP created for the user with
 * {@code ip tuntap add dev NAME mode tap user USER}) and, for the FFM calls, the JVM option
 * {@code --enable-native-access=ALL-UNNAMED}.
 *
 * <p>Linux: {@code drivers/net/tun.c}, {@code include/uapi/linux/if_tun.h},
 * {@code Documentation/networking/tuntap.rst}.
 */
package dev.packetflow.drivers.net.tap;
