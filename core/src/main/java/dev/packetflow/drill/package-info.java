/**
 * The packetdrill runner: Linux's TCP test scripts ({@code .pkt}) against packetflow, in virtual
 * time. The language is described in {@code ../shared/conformance/packetdrill/GRAMMAR.md}; this
 * package implements it for IPv4.
 *
 * <pre>
 *  Script text ──Lexer/Parser──► Script (events)                       DrillRunner.run(path, options)
 *                                   │                                        │
 *                                   ▼                                        ▼
 *  Execution: per event, in virtual time ─────────────────────────────────────────────────────
 *   syscall line ──Syscalls──► SocketLayer call on a virtual thread (AppThreads, lockstep)
 *   &lt; packet    ──Peer──────► Frames (Ethernet/IPv4/TCP, checksums, live numbers) ─► tun0 inject
 *   &gt; packet    ◄─Peer/Segment/PacketMatcher── Captured ◄── tun0 transmit hook
 *   `shell`     ──ShellCommands──► StackSettings (sysctls)      %{ code }% ──► TCP_INFO, CodeBlock
 * </pre>
 *
 * <h2>The system under test</h2>
 * A fresh {@link dev.packetflow.net.NetStack} per script in its own
 * {@link dev.packetflow.kernel.Simulation}, with one
 * {@link dev.packetflow.drivers.net.channel.ChannelDevice} {@code tun0}. The scripts' addresses are
 * moved into 198.18.0.0/15 ({@link dev.packetflow.drill.AddressMap}): the SUT is 198.18.0.1/16
 * (script 192.168.0.1), the remote peer 198.19.2.1 (script 192.0.2.1), reached by a host route
 * and a permanent neighbour entry. The runner never runs a shell: {@code defaults.sh} and
 * {@code sysctl} lines become {@link dev.packetflow.drill.StackSettings} calls.
 *
 * <h2>What the runner asks of the stack</h2>
 * Set-up, once per script: {@code NetStack.create(sim, "sut")},
 * {@code arp().setGratuitousArpOnAddressAdd(false)}, {@code addDevice(ChannelDevice "tun0")},
 * {@code devices().setMtu} (with {@code --mtu}), {@code devices().open}, {@code ipv4().addAddress},
 * {@code ipv4().fib().routeAdd(host route to the peer via tun0)}, {@code arp().addPermanent(peer)},
 * {@code ChannelDevice.setTxSink} (every transmitted frame is copied and freed there), then the
 * optional set-up hook and the sysctls ({@link dev.packetflow.drill.StackSettings#STACK}; TCP's go
 * through one method, {@code Sysctls.tcp}, the place to connect TCP's settings).
 *
 * <p>Inbound packets: {@code ChannelDevice.inject(byte[])}, or for an inbound segment longer than
 * {@code --mss} an skb from {@code Skb.netdevAllocSkb} with {@code gsoSize}, {@code gsoSegs} and
 * {@code gsoType = 1} (SKB_GSO_TCPV4) set, like a GRO aggregate. TCP and IP checksums are correct;
 * {@code ipSummed} stays CHECKSUM_NONE. Outbound packets: IPv4 frames only (ARP ignored); a
 * CHECKSUM_PARTIAL skb has its checksum completed from {@code csumStart} (absolute buffer offset)
 * and {@code csumOffset}, as a NIC would, before the TCP checksum is verified.
 *
 * <p>System calls, all on {@code net.sockets()} ({@link dev.packetflow.net.socket.SocketLayer}),
 * each on its own virtual thread: {@code socket(AF_INET, type, protocol)},
 * {@code bind(fd, SockAddrIn)}, {@code listen(fd, backlog)}, {@code accept4(fd, null, flags)}
 * (for {@code accept} too, flags 0), {@code connect(fd, SockAddrIn or SockAddrIn.UNSPEC)},
 * {@code read(fd, byte[], 0, n)}, {@code write(fd, byte[], 0, n)} (zeros),
 * {@code sendto(fd, byte[], 0, n, flags, dest or null)} (also {@code send}),
 * {@code recvfrom(fd, byte[], 0, n, flags, null)} (also {@code recv}),
 * {@code readv/writev(fd, ByteBuffer[], cnt)}, {@code sendmsg/recvmsg(fd, MsgHdr, flags)} (the
 * result's {@code MsgHdr.flags} checked), {@code setsockopt(fd, level, name, byte[], len)} (ints
 * and {@code struct linger} little-endian as on x86-64), {@code getsockopt(fd, level, name, byte[],
 * int[] len)}, {@code fcntl(fd, cmd, arg)}, {@code ioctl(fd, cmd, int[1])}, {@code close(fd)},
 * {@code shutdown(fd, how)}, {@code poll(PollFd[], n, timeoutMs)}, {@code epollCreate/epollCreate1},
 * {@code epollCtl}, {@code epollWait}, {@code getsockname/getpeername}. Code blocks read
 * {@code getsockopt(fd, SOL_TCP, TCP_INFO = 11, byte[248], len)} in Linux's {@code struct tcp_info}
 * layout. Results are compared with Linux's values and errno numbers.
 *
 * <h2>Blocking and time</h2>
 * A call runs on a virtual thread; the runner waits (real time, microseconds) until it returned or
 * parked, and pauses the simulation whenever a stack event wakes it (see
 * {@link dev.packetflow.drill.AppThreads}). So a blocking call in the stack must park through
 * {@link dev.packetflow.kernel.sched.Waiter} (or another {@code LockSupport} park) and be woken by
 * the socket's callbacks or virtual-time timers; it must not spin. A call not written as blocking
 * ({@code start...end}) that parks is given the timing tolerance, then fails the script.
 */
package dev.packetflow.drill;
