package dev.packetflow.net.ipv4.tcp;

import static dev.packetflow.net.ipv4.tcp.TcpSockOpts.*;
import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.socket.Errno;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** TCP_DEFER_ACCEPT, TCP_QUICKACK, the accept queue limit, MSG_PEEK and MSG_WAITALL. */
class TcpMoreOptionsTest {
    final Pd pd = new Pd();

    @AfterEach
    void close() {
        pd.close();
    }

    @Test
    void deferAccept_bareAckIsIgnored_dataCompletesTheConnection() {
        int l = pd.listen(4);
        assertThat(pd.sys.setsockopt(l, SOL_TCP, TCP_DEFER_ACCEPT, 5)).isZero();
        pd.in("S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>");
        pd.out("S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>");
        pd.t(.01).in(". 1:1(0) ack 1 win 257");
        assertThat(pd.sys.accept4(l, null, 0)).isEqualTo(-Errno.EAGAIN.code);
        assertThat(pd.tcp(l).synQueueLen()).isEqualTo(1);
        pd.t(.01).in("P. 1:11(10) ack 1 win 257");
        int fd = pd.accept(l);
        assertThat(pd.read(fd, 100)).isEqualTo(10);
    }

    @Test
    void deferAccept_synAckRetransmittedAfterTheDeferPeriod() {
        int l = pd.listen(4);
        pd.sys.setsockopt(l, SOL_TCP, TCP_DEFER_ACCEPT, 1);
        pd.in("S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>");
        pd.out("S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>");
        pd.t(.01).in(". 1:1(0) ack 1 win 257");
        // the request waits; its SYN-ACK timer fires at 1 s and, the defer period over, resends it
        pd.t(.99).out("S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>");
    }

    @Test
    void acceptQueueFull_finalAckDropped_listenOverflowsCounted() {
        int l = pd.listen(0); // accept queue of one (backlog + 1)
        pd.in("S 0:0(0) win 32792 <mss 1000,nop,wscale 7>");
        pd.out("S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>");
        pd.in(". 1:1(0) ack 1 win 257");
        assertThat(pd.tcp(l).acceptQueueLen()).isEqualTo(1);
        // a second connection: its SYN is dropped while the accept queue is full
        pd.t(.01).in("S 0:0(0) win 32792 <mss 1000,nop,wscale 7>");
        pd.t(.01).none();
        assertThat(pd.net.tcp().extMib().get(TcpMib.LISTEN_OVERFLOWS)).isEqualTo(1);
        assertThat(pd.net.tcp().extMib().get(TcpMib.LISTEN_DROPS)).isEqualTo(1);
    }

    @Test
    void quickack_setAfterDataSendsTheAckAtOnce() {
        int l = pd.listen(1);
        pd.in("S 0:0(0) win 32792 <mss 1000,nop,wscale 7>");
        pd.out("S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>");
        pd.in(". 1:1(0) ack 1 win 257");
        int fd = pd.accept(l);
        pd.in("P. 1:101(100) ack 1 win 257");
        pd.out(". 1:1(0) ack 101"); // quick-ACK mode at start
        assertThat(pd.write(fd, 10)).isEqualTo(10);
        pd.out("P. 1:11(10) ack 101");
        pd.t(.01).in("P. 101:201(100) ack 11 win 257");
        // a reply followed the data within ATO: interactive (pingpong) mode delays the next ACK,
        // even once the data is read
        pd.t(.01).none();
        assertThat(pd.read(fd, 1000)).isEqualTo(200);
        pd.none();
        // TCP_QUICKACK leaves pingpong mode and, the buffer drained, ACKs at once
        assertThat(pd.sys.setsockopt(fd, SOL_TCP, TCP_QUICKACK, 1)).isZero();
        pd.out(". 11:11(0) ack 201");
    }

    @Test
    void peekAndWaitall() {
        int l = pd.listen(1);
        pd.in("S 0:0(0) win 32792 <mss 1000,nop,wscale 7>");
        pd.out("S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>");
        pd.in(". 1:1(0) ack 1 win 257");
        int fd = pd.accept(l);
        pd.in("P. 1:101(100) ack 1 win 257");
        ByteBuffer b = ByteBuffer.allocate(1000);
        assertThat(pd.sys.recv(fd, b, MSG_PEEK | MSG_DONTWAIT)).isEqualTo(100);
        assertThat(pd.sys.recv(fd, ByteBuffer.allocate(1000), MSG_PEEK | MSG_DONTWAIT)).isEqualTo(100);
        int[] v = new int[1];
        pd.sys.ioctl(fd, SIOCINQ, v);
        assertThat(v[0]).isEqualTo(100);
        Pd.Call all = pd.blocking(fd, () -> pd.sys.recv(fd, ByteBuffer.allocate(250), MSG_WAITALL));
        pd.t(.1).in("P. 101:201(100) ack 1 win 257");
        pd.t(.1).in("P. 201:301(100) ack 1 win 257");
        all.returns(250, .2);
        pd.sys.ioctl(fd, SIOCINQ, v);
        assertThat(v[0]).isEqualTo(50);
    }
}
