package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.kernel.time.TimerList;

/**
 * A half-open connection on a listener (Linux's {@code struct tcp_request_sock}, state
 * {@code TCP_NEW_SYN_RECV}): a SYN was answered with a SYN-ACK and the handshake's ACK is awaited.
 * Small on purpose (no queues, no buffers), so that a SYN flood costs little until the SYN queue
 * fills and SYN cookies take over. It sits in the established table under its 4-tuple, so the ACK
 * finds it with one lookup.
 *
 * <p>Linux: {@code include/linux/tcp.h}, {@code include/net/request_sock.h}.
 */
final class TcpRequestSock {
    final TcpSock listener;
    final TimerList timer;
    TcpHashinfo.Entry ehashEntry;
    /** Next request of the same listener (its list for close and counting). */
    TcpRequestSock next;
    TcpRequestSock prev;

    int rmtAddr;
    int rmtPort;
    int locAddr;
    int locPort;
    int dif;
    int rcvIsn;
    int rcvNxt;
    int sntIsn;
    /** The peer's MSS option (mss_clamp). */
    int mss;
    int tsRecent;
    boolean tstampOk;
    boolean sackOk;
    boolean wscaleOk;
    int sndWscale;
    int rcvWscale;
    int rcvWnd;
    int windowClamp;
    int tsOff;
    int sntTsvalFirst;
    int sntTsvalLast;
    int numRetrans;
    int numTimeout;
    long sntSynackUs;
    long lastOowAckTimeMs;
    /** The ACK came while TCP_DEFER_ACCEPT waits for data (Linux: {@code inet_rsk(req)->acked}). */
    boolean acked;
    boolean dead;
    /** Route of the replies, its MTU, and the MSS we advertise. */
    dev.packetflow.net.ipv4.Rtable route;
    int routeMtu;
    /** The FIB generation {@link #route} was looked up in; the child socket's route inherits it. */
    int routeGenid;
    int advmss;

    TcpRequestSock(TcpSock listener) {
        this.listener = listener;
        this.timer = new TimerList(TcpMinisocks::reqTimer, this);
    }

    @Override
    public String toString() {
        return "req[" + dev.packetflow.net.ipv4.InetAddr.toString(locAddr) + ":" + locPort + " <- "
                + dev.packetflow.net.ipv4.InetAddr.toString(rmtAddr) + ":" + rmtPort + "]";
    }
}
