package dev.packetflow.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.packetflow.net.ipv4.InetAddr;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Script numbers to live numbers and back (GRAMMAR.md 6.2, 6.3), and the frames the peer builds. */
class SequenceMappingTest {
    static final int LOCAL = InetAddr.parse("198.18.0.1");
    static final int REMOTE = InetAddr.parse("198.19.2.1");

    private static Event.Packet packet(String line) {
        return (Event.Packet) Parser.parse("t", "0 " + line + "\n").events().getFirst();
    }

    private static Captured parse(Peer.Inbound in) {
        return new Captured(0, Arrays.copyOfRange(in.frame(), Frames.ETH_HLEN, in.frame().length), false, in.gsoSize());
    }

    @Test
    void localNumbers_areOffsetsFromTheSutIsn_withWrapAround() {
        Conn c = new Conn(LOCAL, 8080, REMOTE, 40000, true);
        assertThat(c.liveLocal(1001)).isEqualTo(1001);
        c.learnIsn(0xffff_ff00L, 0);
        assertThat(c.liveLocal(0)).isEqualTo(0xffff_ff00L);
        assertThat(c.liveLocal(1001)).isEqualTo(1001 - 0x100);
        assertThat(c.scriptLocal(1001 - 0x100)).isEqualTo(1001);
        assertThat(c.scriptLocal(0xffff_ff00L)).isZero();
        c.learnIsn(5, 0);
        assertThat(c.sutIsn).as("learnt once").isEqualTo(0xffff_ff00L);
    }

    @Test
    void timestamps_rebasedByTheFirstOffset() {
        Conn c = new Conn(LOCAL, 8080, REMOTE, 40000, true);
        assertThat(c.liveTsVal(100)).isEqualTo(100);
        c.learnTs(5, 100);
        assertThat(c.tsOffset).isEqualTo(0xffff_ffffL - 94);
        assertThat(c.scriptTsVal(1005)).isEqualTo(1100);
        assertThat(c.liveTsVal(1100)).isEqualTo(1005);
    }

    @Test
    void inboundSyn_isLiteral_opensAConnectionFromAFreshPort() throws DrillFailure {
        Peer peer = new Peer(new DrillConfig(), LOCAL, REMOTE, 1, 2);
        peer.onListen(8080);
        Captured syn = parse(peer.inbound(packet("< S 7:7(0) win 32792 <mss 1000,sackOK,TS val 100 ecr 55,nop,wscale 7>")));
        assertThat(syn.saddr).isEqualTo(REMOTE);
        assertThat(syn.daddr).isEqualTo(LOCAL);
        assertThat(syn.sport).isEqualTo(Peer.FIRST_REMOTE_PORT);
        assertThat(syn.dport).isEqualTo(8080);
        assertThat(syn.seq).isEqualTo(7);
        assertThat(syn.ack).isZero();
        assertThat(syn.flags).isEqualTo(PacketSpec.SYN);
        assertThat(syn.win).isEqualTo(32792);
        assertThat(syn.ttl).isEqualTo(64);
        assertThat(syn.options).contains(new TcpOption.Timestamp(100, 55));
        assertThat(syn.ipChecksumOk).isTrue();
        assertThat(syn.l4ChecksumOk).isTrue();
        Captured second = parse(peer.inbound(packet("< S 0:0(0) win 1")));
        assertThat(second.sport).isEqualTo(Peer.FIRST_REMOTE_PORT + 1);
    }

    @Test
    void inboundAckSackAndEcr_mapToLiveLocalNumbers() throws DrillFailure {
        Peer peer = new Peer(new DrillConfig(), LOCAL, REMOTE, 1, 2);
        peer.inbound(packet("< S 0:0(0) win 32792"));
        Conn c = peer.current();
        c.learnIsn(0x8000_0000L, 0);
        c.learnTs(1_000_000, 100);
        Captured a = parse(peer.inbound(packet("< P. 1:1001(1000) ack 2001 win 257 <sack 3001:4001,nop,nop>")));
        assertThat(a.seq).isEqualTo(1);
        assertThat(a.ack).isEqualTo(0x8000_0000L + 2001);
        assertThat(a.options.getFirst()).isEqualTo(new TcpOption.Sack(List.of(
                new TcpOption.SackBlock(0x8000_0000L + 3001, 0x8000_0000L + 4001))));
        assertThat(a.payloadLen).isEqualTo(1000);
        assertThat(a.payloadIsZeros()).isTrue();
        assertThat(a.l4ChecksumOk).isTrue();
        Captured ts = parse(peer.inbound(packet("< . 1:1(0) ack 1 win 257 <nop,nop,TS val 7 ecr 150>")));
        assertThat(ts.options.getLast()).isEqualTo(new TcpOption.Timestamp(7, 1_000_000 + 50));
    }

    @Test
    void ipDecorations_andGsoForMss() throws DrillFailure {
        DrillConfig cfg = new DrillConfig();
        cfg.apply("--mss=1000");
        Peer peer = new Peer(cfg, LOCAL, REMOTE, 1, 2);
        Peer.Inbound in = peer.inbound(packet("< [ce tos 0x20 ttl 9] S 0:0(0) win 1"));
        Captured p = parse(in);
        assertThat(p.tos).isEqualTo(0x23);
        assertThat(p.ttl).isEqualTo(9);
        Peer.Inbound big = peer.inbound(packet("< P. 1:60001(60000) ack 1 win 257"));
        assertThat(big.gsoSize()).isEqualTo(1000);
        assertThat(big.gsoSegs()).isEqualTo(60);
        assertThat(parse(big).l4ChecksumOk).isTrue();
        assertThat(peer.inbound(packet("< P. 1:1001(1000) ack 1 win 257")).gsoSize()).isZero();
    }

    @Test
    void inboundLinesThatCannotBeSent_fail() {
        Peer peer = new Peer(new DrillConfig(), LOCAL, REMOTE, 1, 2);
        assertThatThrownBy(() -> peer.inbound(packet("< S 0:0(0)"))).hasMessage("an inbound TCP packet needs 'win N'");
        assertThatThrownBy(() -> peer.inbound(packet("< S 0:0(0) win 1 <...>"))).hasMessageContaining("only allowed on outbound");
        peer.onConnect(8080);
        assertThatThrownBy(() -> peer.inbound(packet("< S. 0:0(0) ack 1 win 1")))
                .hasMessageContaining("the SUT's port is not known yet");
    }

    @Test
    void outboundConnection_activeOpenLearnsItsLocalPortFromTheSyn() {
        Peer peer = new Peer(new DrillConfig(), LOCAL, REMOTE, 1, 2);
        Conn c = peer.onConnect(8080);
        Frames.Ip ip = new Frames.Ip(2, 1, LOCAL, REMOTE, 0, 64, 0);
        byte[] ack = Frames.tcp(ip, 33000, 8080, 5, 0, PacketSpec.ACK, 1, 0, new byte[0], 0);
        assertThat(peer.outboundConn(new Captured(0, Arrays.copyOfRange(ack, 14, ack.length), false, 0))).isNull();
        byte[] syn = Frames.tcp(ip, 33000, 8080, 5, 0, PacketSpec.SYN, 1, 0, new byte[0], 0);
        assertThat(peer.outboundConn(new Captured(0, Arrays.copyOfRange(syn, 14, syn.length), false, 0))).isSameAs(c);
        assertThat(c.localPort).isEqualTo(33000);
        byte[] other = Frames.tcp(ip, 33001, 8080, 5, 0, PacketSpec.SYN, 1, 0, new byte[0], 0);
        assertThat(peer.outboundConn(new Captured(0, Arrays.copyOfRange(other, 14, other.length), false, 0))).isNull();
    }

    @Test
    void addresses_moveIntoTheBenchmarkingRange() {
        assertThat(InetAddr.toString(AddressMap.toTest("192.168.0.1"))).isEqualTo("198.18.0.1");
        assertThat(InetAddr.toString(AddressMap.toTest("192.168.7.9"))).isEqualTo("198.18.7.9");
        assertThat(InetAddr.toString(AddressMap.toTest("192.0.2.1"))).isEqualTo("198.19.2.1");
        assertThat(InetAddr.toString(AddressMap.toTest("198.19.5.5"))).isEqualTo("198.19.5.5");
        assertThat(AddressMap.toTest("0.0.0.0")).isZero();
        assertThat(InetAddr.toString(AddressMap.toScript(AddressMap.toTest("192.0.2.77")))).isEqualTo("192.0.2.77");
        assertThatThrownBy(() -> AddressMap.toTest("10.0.0.1")).hasMessageContaining("cannot be moved");
        assertThat(AddressMap.prefixLen("255.255.0.0")).isEqualTo(16);
    }
}
