package dev.packetflow.net.ipv4.tcp;

import static dev.packetflow.net.socket.Sock.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.socket.Errno;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Blind attacks and odd segments on an established connection: RFC 5961 challenge ACKs (and their
 * per-socket rate limit), PAWS (RFC 7323), TIME_WAIT and RFC 1337.
 */
class TcpAttackTest {
    final Pd pd = new Pd();

    @AfterEach
    void close() {
        pd.close();
    }

    int established(boolean timestamps) {
        return pd.established(timestamps);
    }

    @Test
    void rstInWindowButNotAtRcvNxt_getsChallengeAck_connectionLives() {
        int fd = established(false);
        pd.t(.1).in("R 500:500(0) win 0");
        pd.out(". 1:1(0) ack 1");
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_ESTABLISHED);
        assertThat(pd.net.tcp().extMib().get("TCPChallengeACK")).isEqualTo(1);
        // the exact sequence number resets it
        pd.t(.1).in("R 1:1(0) win 0");
        pd.none();
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_CLOSE);
        assertThat(pd.read(fd, 10)).isEqualTo(-Errno.ECONNRESET.code);
    }

    @Test
    void rstOutsideTheWindow_silentlyDropped() {
        int fd = established(false);
        pd.t(.1).in("R 4000000:4000000(0) win 0");
        pd.t(.01).none();
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_ESTABLISHED);
    }

    @Test
    void synOnEstablished_getsChallengeAck() {
        int fd = established(false);
        pd.t(.1).inSameConnection("S 77:77(0) win 32792 <mss 1000>");
        pd.out(". 1:1(0) ack 1");
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_ESTABLISHED);
        assertThat(pd.net.tcp().extMib().get("TCPSYNChallenge")).isEqualTo(1);
    }

    @Test
    void challengeAcks_rateLimitedPerSocket() {
        established(false);
        pd.t(.1).in("R 500:500(0) win 0");
        pd.out(". 1:1(0) ack 1");
        // within tcp_invalid_ratelimit (500 ms): no second answer
        pd.t(.1).in("R 600:600(0) win 0");
        pd.t(.01).none();
        pd.t(.5).in("R 700:700(0) win 0");
        pd.out(". 1:1(0) ack 1");
        assertThat(pd.net.tcp().extMib().get("TCPACKSkippedChallenge")).isEqualTo(1);
    }

    @Test
    void ackOfDataNeverSent_challengeAckAndDropped() {
        int fd = established(false);
        pd.t(.1).in(". 1:1(0) ack 5000 win 257");
        pd.out(". 1:1(0) ack 1");
        assertThat(pd.tcp(fd).state).isEqualTo(TCP_ESTABLISHED);
    }

    @Test
    void paws_oldTimestampDropped_withDuplicateAck() {
        int fd = established(true);
        pd.t(.01).in("P. 1:101(100) ack 1 win 257 <nop,nop,TS val 200 ecr 1>");
        pd.out(". 1:1(0) ack 101 <nop,nop,TS val 0 ecr 200>");
        // a segment whose TSval went backwards is old (PAWS): dropped, answered with a dup ACK
        pd.t(.01).in("P. 101:201(100) ack 1 win 257 <nop,nop,TS val 150 ecr 1>");
        pd.out(". 1:1(0) ack 101 <nop,nop,TS val 0 ecr 200>");
        assertThat(pd.net.tcp().extMib().get("PAWSEstab")).isEqualTo(1);
        assertThat(pd.read(fd, 1000)).isEqualTo(100);
    }

    void timeWait() {
        int fd = established(false);
        pd.t(.01);
        pd.sys.close(fd);
        pd.out("F. 1:1(0) ack 1");
        pd.in("F. 1:1(0) ack 2 win 257");
        pd.out(". 2:2(0) ack 2");
        assertThat(pd.net.tcp().timeWaitCount()).isEqualTo(1);
    }

    @Test
    void timeWait_rstKillsIt_unlessRfc1337() {
        timeWait();
        pd.t(.1).in("R 2:2(0) win 0");
        assertThat(pd.net.tcp().timeWaitCount()).isZero();
    }

    @Test
    void timeWait_rfc1337_ignoresRst() {
        pd.net.tcp().sysctl().rfc1337 = 1;
        timeWait();
        pd.t(.1).in("R 2:2(0) win 0");
        assertThat(pd.net.tcp().timeWaitCount()).isEqualTo(1);
    }

    @Test
    void timeWait_dataIsAnsweredWithAck() {
        timeWait();
        pd.t(.1).in("P. 2:12(10) ack 2 win 257");
        pd.out(". 2:2(0) ack 2");
    }

    @Test
    void timeWait_newSynWithHigherSequence_startsANewConnection() {
        int l = pd.listen(4);
        pd.in("S 0:0(0) win 32792 <mss 1000,nop,wscale 7>");
        pd.out("S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>");
        pd.in(". 1:1(0) ack 1 win 257");
        int fd = pd.accept(l);
        pd.sys.close(fd);
        pd.out("F. 1:1(0) ack 1");
        pd.in("F. 1:1(0) ack 2 win 257");
        pd.out(". 2:2(0) ack 2");
        assertThat(pd.net.tcp().timeWaitCount()).isEqualTo(1);
        // same 4-tuple, a SYN beyond the old sequence space: TIME_WAIT gives way (tcp_timewait_state_process)
        pd.t(1).inSameConnection("S 100000:100000(0) win 32792 <mss 1000,nop,wscale 7>");
        pd.out("S. 0:0(0) ack 100001 <mss 1460,nop,wscale 8>");
        assertThat(pd.net.tcp().timeWaitCount()).isZero();
    }
}
