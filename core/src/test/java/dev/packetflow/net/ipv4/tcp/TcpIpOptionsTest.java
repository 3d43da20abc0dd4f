package dev.packetflow.net.ipv4.tcp;

import static dev.packetflow.net.ipv4.IpSockglue.*;
import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.socket.Errno;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code SOL_IP} options of TCP sockets ({@code tcp_setsockopt()} → {@code ip_setsockopt()}):
 * the TOS and TTL of every segment a socket sends, what a listener passes on, what replies sent
 * by the stack's control socket carry instead, and {@code IP_MINTTL}.
 */
class TcpIpOptionsTest {
    final Pd pd = new Pd();

    @AfterEach
    void close() {
        pd.close();
    }

    /** The TOS byte of an Ethernet+IPv4 frame. */
    static int tos(byte[] frame) {
        return frame[15] & 0xff;
    }

    static int ttl(byte[] frame) {
        return frame[22] & 0xff;
    }

    /** Every frame the last {@code out} matched has this TOS and TTL. */
    void lastOutHas(int tos, int ttl) {
        assertThat(pd.lastOut).isNotEmpty();
        for (byte[] f : pd.lastOut) {
            assertThat(tos(f)).as("TOS").isEqualTo(tos);
            assertThat(ttl(f)).as("TTL").isEqualTo(ttl);
        }
    }

    int getInt(int fd, int level, int optname) {
        int[] v = new int[1];
        assertThat(pd.sys.getsockopt(fd, level, optname, v)).isZero();
        return v[0];
    }

    int socketWithTosTtl(int tos, int ttl) {
        int fd = pd.sys.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        assertThat(pd.sys.setsockopt(fd, SOL_IP, IP_TOS, tos)).isZero();
        assertThat(pd.sys.setsockopt(fd, SOL_IP, IP_TTL, ttl)).isZero();
        return fd;
    }

    @Test
    void tosAndTtl_setBeforeConnect_everySegmentCarriesThem() {
        int fd = pd.connect(socketWithTosTtl(0xb8 | 3, 17)); // EF with both ECN bits asked for
        pd.out("S 0:0(0) <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 8>");
        lastOutHas(0xb8, 17); // the ECN bits are TCP's: not taken from IP_TOS
        pd.t(.01).in("S. 0:0(0) ack 1 win 65535 <mss 1000,nop,nop,sackOK,nop,wscale 8>");
        pd.out(". 1:1(0) ack 1");
        lastOutHas(0xb8, 17);
        assertThat(pd.write(fd, 1000)).isEqualTo(1000);
        pd.out("P. 1:1001(1000) ack 1");
        lastOutHas(0xb8, 17);
        pd.outAny("P. 1:1001(1000) ack 1"); // the retransmission after the RTO
        lastOutHas(0xb8, 17);
        pd.t(.01).in("P. 1:101(100) ack 1001 win 257");
        pd.out(". 1001:1001(0) ack 101");
        lastOutHas(0xb8, 17);
        assertThat(pd.sys.close(fd)).isZero();
        // unread data at close: an abort, sent by the socket, so with its TOS and TTL
        pd.out("R. 1001:1001(0) ack 101");
        lastOutHas(0xb8, 17);
    }

    @Test
    void getsockopt_readsTheTosWithoutEcnBits_theTtlInUse_andPriorityFollowsTos() {
        int fd = socketWithTosTtl(0x28 | 2, 17);
        assertThat(getInt(fd, SOL_IP, IP_TOS)).isEqualTo(0x28);
        assertThat(getInt(fd, SOL_IP, IP_TTL)).isEqualTo(17);
        assertThat(getInt(fd, SOL_SOCKET, SO_PRIORITY)).isEqualTo(rtTos2priority(0x28));
        assertThat(pd.sys.setsockopt(fd, SOL_IP, IP_TTL, -1)).isZero();
        assertThat(getInt(fd, SOL_IP, IP_TTL)).isEqualTo(64); // net.ipv4.ip_default_ttl
        assertThat(pd.sys.setsockopt(fd, SOL_IP, IP_TTL, 0)).isEqualTo(-Errno.EINVAL.code);
        assertThat(pd.sys.setsockopt(fd, SOL_IP, IP_TTL, 256)).isEqualTo(-Errno.EINVAL.code);
        assertThat(getInt(fd, SOL_IP, IP_TTL)).isEqualTo(64);
        // a one-byte value, as Linux reads one
        assertThat(pd.sys.setsockopt(fd, SOL_IP, IP_TOS, new byte[] {0x10}, 1)).isZero();
        assertThat(getInt(fd, SOL_IP, IP_TOS)).isEqualTo(0x10);
        // IP_MTU: only with a route, i.e. connected
        assertThat(pd.sys.getsockopt(fd, SOL_IP, IP_MTU, new int[1])).isEqualTo(-Errno.ENOTCONN.code);
        // SOL_TCP is still TCP's
        assertThat(getInt(fd, SOL_TCP, TcpSockOpts.TCP_NODELAY)).isZero();
    }

    @Test
    void tosAndTtl_changedOnAnEstablishedConnection_applyToTheNextSegment() {
        int fd = pd.connect();
        pd.out("S 0:0(0) <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 8>");
        lastOutHas(0, 64);
        pd.t(.01).in("S. 0:0(0) ack 1 win 65535 <mss 1000,nop,nop,sackOK,nop,wscale 8>");
        pd.out(". 1:1(0) ack 1");
        lastOutHas(0, 64);
        assertThat(getInt(fd, SOL_IP, IP_MTU)).isEqualTo(1500);
        assertThat(pd.sys.setsockopt(fd, SOL_IP, IP_TOS, 0x68)).isZero();
        assertThat(pd.sys.setsockopt(fd, SOL_IP, IP_TTL, 3)).isZero();
        assertThat(pd.write(fd, 100)).isEqualTo(100);
        pd.out("P. 1:101(100) ack 1");
        lastOutHas(0x68, 3);
        pd.t(.01).in(". 1:1(0) ack 101 win 257");
        assertThat(pd.sys.setsockopt(fd, SOL_IP, IP_TTL, -1)).isZero();
        assertThat(pd.sys.close(fd)).isZero();
        pd.out("F. 101:101(0) ack 1");
        lastOutHas(0x68, 64);
    }

    @Test
    void listener_synAckHasItsTosAndTtl_asTheyAreWhenSent_andTheAcceptedSocketInheritsThem() {
        int l = pd.listen(4);
        assertThat(pd.sys.setsockopt(l, SOL_IP, IP_TOS, 0x10)).isZero();
        assertThat(pd.sys.setsockopt(l, SOL_IP, IP_TTL, 200)).isZero();
        pd.in("S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>");
        pd.out("S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>");
        lastOutHas(0x10, 200);
        // the listener's TOS changes before the SYN-ACK is retransmitted (tcp_v4_send_synack()
        // reads the listener's at each send)
        assertThat(pd.sys.setsockopt(l, SOL_IP, IP_TOS, 0x08)).isZero();
        pd.t(1).out("S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>");
        lastOutHas(0x08, 200);
        pd.t(.01).in(". 1:1(0) ack 1 win 257");
        int fd = pd.accept(l);
        assertThat(getInt(fd, SOL_IP, IP_TOS)).isEqualTo(0x08);
        assertThat(getInt(fd, SOL_IP, IP_TTL)).isEqualTo(200);
        assertThat(pd.write(fd, 10)).isEqualTo(10);
        pd.out("P. 1:11(10) ack 1");
        lastOutHas(0x08, 200);
    }

    @Test
    void resetAnsweringASegment_echoesItsTosLessEcn_withTheDefaultTtl_notTheSockets() {
        pd.connect(socketWithTosTtl(0x28, 17));
        pd.out("S 0:0(0) <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 8>");
        lastOutHas(0x28, 17);
        pd.inTos = 0x48 | 1; // AF21 with ECT(1)
        // a SYN-ACK acknowledging what was never sent: tcp_v4_send_reset() on the control socket
        pd.t(.01).in("S. 0:0(0) ack 5 win 65535 <mss 1000>");
        pd.out("R 5:5(0)");
        lastOutHas(0x48, 64);
    }

    @Test
    void timeWaitAck_hasTheConnectionsTos_andTheDefaultTtl() {
        int fd = pd.connect(socketWithTosTtl(0x20, 9));
        pd.out("S 0:0(0) <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 8>");
        pd.t(.01).in("S. 0:0(0) ack 1 win 65535 <mss 1000,nop,nop,sackOK,nop,wscale 8>");
        pd.out(". 1:1(0) ack 1");
        assertThat(pd.sys.close(fd)).isZero();
        pd.out("F. 1:1(0) ack 1");
        lastOutHas(0x20, 9);
        pd.t(.01).in("F. 1:1(0) ack 2 win 257");
        pd.out(". 2:2(0) ack 2"); // the last ACK, still the socket's
        lastOutHas(0x20, 9);
        assertThat(pd.net.tcp().timeWaitCount()).isEqualTo(1);
        pd.t(.2).in("F. 1:1(0) ack 2 win 257"); // the peer did not hear it: TIME_WAIT answers
        pd.out(". 2:2(0) ack 2");
        lastOutHas(0x20, 64);
    }

    @Test
    void minTtl_segmentsWithALowerTtlAreDroppedAndCounted() {
        int l = pd.listen(4);
        assertThat(pd.sys.setsockopt(l, SOL_IP, IP_MINTTL, 255)).isZero();
        assertThat(getInt(l, SOL_IP, IP_MINTTL)).isEqualTo(255);
        assertThat(pd.sys.setsockopt(l, SOL_IP, IP_MINTTL, 256)).isEqualTo(-Errno.EINVAL.code);
        pd.inTtl = 254; // one router on the way (RFC 5082)
        pd.in("S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>");
        pd.t(.01).none();
        assertThat(pd.net.tcp().extMib().get("TCPMinTTLDrop")).isEqualTo(1);
        pd.inTtl = 255;
        pd.in("S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>");
        pd.out("S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>");
        pd.t(.01).in(". 1:1(0) ack 1 win 257");
        int fd = pd.accept(l);
        assertThat(getInt(fd, SOL_IP, IP_MINTTL)).isEqualTo(255); // inherited
        pd.inTtl = 64;
        pd.in("P. 1:11(10) ack 1 win 257");
        pd.t(.5).none(); // neither queued nor ACKed
        assertThat(pd.read(fd, 100)).isEqualTo(-Errno.EAGAIN.code);
        assertThat(pd.net.tcp().extMib().get("TCPMinTTLDrop")).isEqualTo(2);
    }
}
