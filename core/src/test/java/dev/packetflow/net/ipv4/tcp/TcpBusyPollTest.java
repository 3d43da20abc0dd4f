package dev.packetflow.net.ipv4.tcp;

import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.socket.BusyPoll;
import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.Sock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code SO_BUSY_POLL} on TCP: {@code tcp_recvmsg()} busy-polls an established connection whose
 * receive queue is empty, before taking the socket lock. In a simulation the option is recorded
 * and has no effect (busy polling is real time only); the receive path's use of the loop is shown
 * with a stand-in for {@link BusyPoll}.
 */
class TcpBusyPollTest {
    final Pd pd = new Pd();

    @AfterEach
    void close() {
        pd.close();
    }

    /** An accepted connection from a listener with {@code SO_BUSY_POLL} 50 µs. */
    int establish() {
        int l = pd.listen(4);
        assertThat(pd.sys.setsockopt(l, SOL_SOCKET, SO_BUSY_POLL, 50)).isZero();
        pd.in("S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>");
        pd.out("S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>");
        pd.t(.01).in(". 1:1(0) ack 1 win 257");
        return pd.accept(l);
    }

    /** Records the calls; its loop plays the device delivering {@code segment} while it polls. */
    final class StandIn implements TcpStream.BusyLoop {
        boolean can = true;
        String segment;
        final List<String> calls = new ArrayList<>();

        @Override
        public boolean canBusyLoop(Sock sk) {
            return can;
        }

        @Override
        public boolean busyLoop(Sock sk, boolean nonblock) {
            calls.add((nonblock ? "nonblock" : "block") + " owned=" + sk.ownedByUser()
                    + " queued=" + sk.receiveQueueLen());
            if (segment != null) {
                pd.in(segment);
                segment = null;
            }
            return sk.receiveQueueLen() != 0;
        }
    }

    @Test
    void soBusyPoll_inASimulation_isRecordedInheritedAndHasNoEffect() {
        int fd = establish();
        int[] v = new int[1];
        assertThat(pd.sys.getsockopt(fd, SOL_SOCKET, SO_BUSY_POLL, v)).isZero();
        assertThat(v[0]).isEqualTo(50); // the accepted socket has the listener's (sk_clone_lock)
        assertThat(BusyPoll.skCanBusyLoop(pd.tcp(fd))).isFalse(); // deterministic kernel
        long before = pd.sim.nowNs();
        assertThat(pd.read(fd, 100)).isEqualTo(-Errno.EAGAIN.code);
        assertThat(pd.sim.nowNs()).isEqualTo(before);
        pd.t(.01).in("P. 1:11(10) ack 1 win 257");
        assertThat(pd.read(fd, 100)).isEqualTo(10);
    }

    @Test
    void recvmsg_emptyQueue_busyPollsBeforeTakingTheLock_andReadsWhatThePollBroughtIn() {
        int fd = establish();
        StandIn s = new StandIn();
        pd.net.tcp().stream.busyLoop = s;
        s.segment = "P. 1:11(10) ack 1 win 257";
        // without the poll this would be EAGAIN: the segment arrives during the busy loop, and,
        // the sock not owned yet, goes straight to the receive queue (not the backlog)
        assertThat(pd.read(fd, 100)).isEqualTo(10);
        assertThat(s.calls).containsExactly("nonblock owned=false queued=0");
        // nothing arrives: one round, then EAGAIN as before
        assertThat(pd.read(fd, 100)).isEqualTo(-Errno.EAGAIN.code);
        assertThat(s.calls).hasSize(2);
    }

    @Test
    void recvmsg_doesNotBusyPoll_withDataQueued_whenNotAllowed_orWhenNotEstablished() {
        int fd = establish();
        StandIn s = new StandIn();
        pd.net.tcp().stream.busyLoop = s;
        pd.t(.01).in("P. 1:11(10) ack 1 win 257");
        pd.out(". 1:1(0) ack 11"); // quick ACK mode at the start of a connection
        assertThat(pd.read(fd, 100)).isEqualTo(10); // data waiting: no poll
        assertThat(s.calls).isEmpty();
        s.can = false; // SO_BUSY_POLL 0, or a simulation
        assertThat(pd.read(fd, 100)).isEqualTo(-Errno.EAGAIN.code);
        assertThat(s.calls).isEmpty();
        s.can = true;
        pd.t(.01).in("F. 11:11(0) ack 1 win 257"); // CLOSE_WAIT: only ESTABLISHED busy-polls
        pd.outAny(". 1:1(0) ack 12");
        assertThat(pd.read(fd, 100)).isZero();
        assertThat(s.calls).isEmpty();
    }

    @Test
    void recvmsg_blockingCall_busyPollsWithoutNonblock() {
        int fd = establish();
        StandIn s = new StandIn();
        pd.net.tcp().stream.busyLoop = s;
        s.segment = "P. 1:6(5) ack 1 win 257";
        assertThat(pd.sys.recv(fd, java.nio.ByteBuffer.allocate(100), 0)).isEqualTo(5);
        assertThat(s.calls).containsExactly("block owned=false queued=0");
    }
}
