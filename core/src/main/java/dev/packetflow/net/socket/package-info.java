/**
 * The socket layer: what applications call, and what protocols plug into. Linux:
 * {@code net/socket.c}, {@code net/core/sock.c}, {@code net/core/datagram.c},
 * {@code include/net/sock.h}, {@code fs/eventpoll.c}, {@code fs/select.c}.
 *
 * <pre>
 *  application thread                                  softnet (RX)
 *  ──────────────────                                  ────────────
 *  SocketLayer.sendto(fd, ...)                         udp_rcv → UdpTable.lookup
 *    └ fd → Socket → ProtoOps (InetDgramOps)             └ Sock.sockQueueRcvSkb(skb)
 *        └ inet_sendmsg → Proto.sendmsg (udp_sendmsg)        ├ rmem ≥ rcvbuf? drop SOCKET_RCVBUFF
 *            └ Sock.sockAllocSendSkb → IP output             ├ queue (tracepoint sk_data_ready)
 *                                                            └ sk_data_ready → WaitQueue.wakeUp
 *  SocketLayer.recvfrom(fd, ...)                                 ├ a Waiter: unpark the reader
 *    └ inet_recvmsg → Proto.recvmsg (udp_recvmsg)                ├ a poll() entry: wake the poller
 *        └ Datagram.skbRecvDatagram: dequeue, or sleep           └ an EpItem: onto the epoll ready list
 * </pre>
 *
 * <h2>Layers, as in Linux</h2>
 * <ul>
 * <li>{@link dev.packetflow.net.socket.SocketLayer}: the system calls, descriptors, SOL_SOCKET
 *     options ({@link dev.packetflow.net.socket.SockOpts}), poll and epoll.
 * <li>{@link dev.packetflow.net.socket.ProtoOps} ({@code struct proto_ops}): per family and type;
 *     AF_INET datagram sockets use {@link dev.packetflow.net.ipv4.InetDgramOps}.
 * <li>{@link dev.packetflow.net.socket.Proto} ({@code struct proto}): per protocol (UDP, TCP), with
 *     its {@link dev.packetflow.net.socket.Sock} subclass.
 * <li>{@link dev.packetflow.net.socket.Sock}: queues, buffer accounting, options, the socket lock,
 *     the wake-up callbacks.
 * <li>The Java level on top: {@link dev.packetflow.net.socket.UdpSocket} (like
 *     {@code java.net.DatagramSocket}), {@link dev.packetflow.net.socket.TcpSocket} (like
 *     {@code java.net.Socket}, with streams and ByteBuffers) and
 *     {@link dev.packetflow.net.socket.TcpServerSocket} (like {@code java.net.ServerSocket}), with
 *     {@code java.net} exceptions from {@link dev.packetflow.net.socket.SocketErrors}.
 * </ul>
 *
 * <h2>Blocking in virtual time</h2>
 * A blocking call parks its thread; stack events ({@code sk_data_ready}, {@code sk_write_space},
 * state changes) and, for timeouts, timers on the stack's timer wheel wake it (see
 * {@link dev.packetflow.kernel.sched.Waiter}). In a {@link dev.packetflow.kernel.Simulation} the
 * simulation's thread must stay free to run the stack, so application code that blocks runs on
 * other threads, typically virtual threads, in lockstep with the simulation:
 *
 * <pre>{@code
 * Thread app = Thread.ofVirtual().start(() -> n = sys.recvfrom(fd, buf, 0, from));
 * while (sys.sleepers(fd) == 0) Thread.onSpinWait();  // 1. wait until the call has really blocked
 * peer.sendto(...); sim.run();                         // 2. drive the stack: the datagram arrives,
 *                                                      //    sk_data_ready unparks the reader
 * app.join();                                          // 3. let the application finish its step
 * }</pre>
 *
 * Each step hands control over explicitly, so only one side touches the stack at a time and the
 * run is deterministic: the application wakes only because the stack delivered something or a
 * virtual timer ({@code SO_RCVTIMEO}, a poll timeout) expired at its virtual instant, never because
 * real time passed. Calls that do not block (non-blocking sockets, {@code MSG_DONTWAIT},
 * {@code poll} with timeout 0) can be made from the simulation's own thread.
 *
 * <h2>Errors</h2>
 * Every call returns {@code -errno} with Linux's numbers ({@link dev.packetflow.net.socket.Errno})
 * and changes nothing when it fails. Known differences from Linux are documented where they occur
 * (for example: closing a socket wakes threads blocked on it with EBADF, as Java expects, where
 * Linux would leave them blocked).
 */
package dev.packetflow.net.socket;
