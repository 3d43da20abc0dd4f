package dev.packetflow.drill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.net.ipv4.InetAddr;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Expected-versus-actual comparison of outbound segments and its messages (GRAMMAR.md 6.5). */
class PacketMatcherTest {
    static final int LOCAL = InetAddr.parse("198.18.0.1");
    static final int REMOTE = InetAddr.parse("198.19.2.1");
    static final long ISN = 0x1234_5678L;

    private final DrillConfig cfg = new DrillConfig();

    private static Conn conn() {
        Conn c = new Conn(LOCAL, 8080, REMOTE, 40000, true);
        c.learnIsn(ISN, 0);
        return c;
    }

    private static PacketSpec.Tcp spec(String line) {
        return (PacketSpec.Tcp) ((Event.Packet) Parser.parse("t", "0 > " + line + "\n").events().getFirst()).spec();
    }

    /** A captured segment as the SUT would send it; {@code seq} in script numbering. */
    private static Captured sent(int flags, long seq, long ack, int win, String options, int len, int tos) {
        byte[] o = options.isEmpty() ? new byte[0]
                : TcpOptions.encode(((PacketSpec.Tcp) ((Event.Packet) Parser.parse("t", "0 > S 0:0(0) " + options + "\n")
                        .events().getFirst()).spec()).options());
        byte[] f = Frames.tcp(new Frames.Ip(2, 1, LOCAL, REMOTE, tos, 64, 0), 8080, 40000, (ISN + seq) & Conn.MASK, ack, flags,
                win, 0, o, len);
        return new Captured(0, Arrays.copyOfRange(f, 14, f.length), false, 0);
    }

    private String match(String line, Captured c) {
        return PacketMatcher.matchTcp(spec(line), PacketSpec.IpInfo.NONE, Segment.of(c), conn(), cfg, 4000);
    }

    @Test
    void identicalFields_match() {
        assertThat(match("P. 1:1001(1000) ack 1 win 257", sent(PacketSpec.PSH | PacketSpec.ACK, 1, 1, 257, "", 1000, 0))).isNull();
        assertThat(match("P. 1:1001(1000) ack 1", sent(PacketSpec.PSH | PacketSpec.ACK, 1, 1, 999, "", 1000, 0)))
                .as("no win clause: window not checked").isNull();
        assertThat(match("S. 0:0(0) ack 1 <...>", sent(PacketSpec.SYN | PacketSpec.ACK, 0, 1, 1, "<mss 1460,nop,nop,sackOK>", 0, 0)))
                .isNull();
    }

    @Test
    void eachField_mismatchNamesItWithExpectedAndActual() {
        int pa = PacketSpec.PSH | PacketSpec.ACK;
        assertThat(match("P. 1:1001(1000) ack 1", sent(PacketSpec.ACK, 1, 1, 1, "", 1000, 0)))
                .isEqualTo("flags: expected P., actual .");
        assertThat(match("P. 1:1001(1000) ack 1", sent(pa, 2, 1, 1, "", 1000, 0))).isEqualTo("seq: expected 1, actual 2");
        assertThat(match("P. 1:1001(1000) ack 1", sent(pa, 1, 7, 1, "", 1000, 0))).isEqualTo("ack: expected 1, actual 7");
        assertThat(match("P. 1:1001(1000) ack 1 win 5", sent(pa, 1, 1, 6, "", 1000, 0))).isEqualTo("window: expected 5, actual 6");
        assertThat(match("P. 1:1001(1000) ack 1", sent(pa, 1, 1, 1, "", 999, 0)))
                .isEqualTo("payload length: expected 1000, actual 999");
        assertThat(match("P. 1:1001(1000) ack 1", sent(pa, 1, 1, 1, "<nop,nop,TS val 1 ecr 2>", 1000, 0)))
                .isEqualTo("options: expected none, actual <nop,nop,TS val 1 ecr 2>");
        assertThat(match("S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>", sent(PacketSpec.SYN | PacketSpec.ACK, 0, 1, 1,
                "<mss 1400,nop,wscale 8>", 0, 0))).isEqualTo("option 1: expected mss 1460, actual mss 1400 "
                        + "(options expected <mss 1460,nop,wscale 8>, actual <mss 1400,nop,wscale 8>)");
        assertThat(PacketMatcher.matchTcp(spec("[ect0] . 1:1(0) ack 1"), new PacketSpec.IpInfo(2, false, null, null, null),
                Segment.of(sent(PacketSpec.ACK, 1, 1, 1, "", 0, 3)), conn(), cfg, 4000)).isEqualTo("ECN: expected ECT(0), actual CE");
    }

    @Test
    void timestamps_valCheckedOnlyWithTickUsecs_ecrOnlyInStrictMode() {
        Conn c = new Conn(LOCAL, 8080, REMOTE, 40000, true);
        c.learnIsn(ISN, 0);
        PacketSpec.Tcp first = spec(". 1:1(0) ack 1 <nop,nop,TS val 100 ecr 7>");
        assertThat(PacketMatcher.matchTcp(first, PacketSpec.IpInfo.NONE, Segment.of(sent(PacketSpec.ACK, 1, 1, 1,
                "<nop,nop,TS val 5000 ecr 9>", 0, 0)), c, cfg, 4000)).isNull();
        assertThat(c.tsOffset).isEqualTo(4900);
        PacketSpec.Tcp later = spec(". 1:1(0) ack 1 <nop,nop,TS val 1100 ecr 7>");
        Segment drifted = Segment.of(sent(PacketSpec.ACK, 1, 1, 1, "<nop,nop,TS val 6010 ecr 7>", 0, 0));
        assertThat(PacketMatcher.matchTcp(later, PacketSpec.IpInfo.NONE, drifted, c, cfg, 4000)).isNull();
        cfg.apply("--tcp_ts_tick_usecs=1000");
        assertThat(PacketMatcher.matchTcp(later, PacketSpec.IpInfo.NONE, drifted, c, cfg, 4000))
                .isEqualTo("TS val: expected 1100, actual 1110 (off by 10000 us at 1000 us per tick, tolerance 4000 us)");
        assertThat(PacketMatcher.matchTcp(later, PacketSpec.IpInfo.NONE, drifted, c, cfg, 10000)).isNull();
        cfg.apply("--strict_ts_ecr");
        assertThat(PacketMatcher.matchTcp(spec(". 1:1(0) ack 1 <nop,nop,TS val 1110 ecr 8>"), PacketSpec.IpInfo.NONE, drifted, c,
                cfg, 4000)).isEqualTo("TS ecr: expected 8, actual 7");
    }

    @Test
    void aggregation_joinsContiguousSegments_pshAndFinFromTheLast() {
        int a = PacketSpec.ACK;
        Segment s = Segment.of(sent(a, 1, 1, 9, "", 1000, 0));
        Captured second = sent(a | PacketSpec.PSH, 1001, 1, 9, "", 500, 0);
        assertThat(s.cannotAppend(second)).isNull();
        s = s.append(second);
        assertThat(s.len()).isEqualTo(1500);
        assertThat(s.flags()).isEqualTo(a | PacketSpec.PSH);
        assertThat(PacketMatcher.matchTcp(spec("P. 1:1501(1500) ack 1"), PacketSpec.IpInfo.NONE, s, conn(), cfg, 4000)).isNull();
        assertThat(PacketMatcher.formatTcp(s, conn())).isEqualTo("P. 1:1501(1500) ack 1 win 9  [2 segments]");
        Segment one = Segment.of(sent(a, 1, 1, 9, "", 1000, 0));
        assertThat(one.cannotAppend(sent(a, 1500, 1, 9, "", 10, 0))).isEqualTo("its seq " + (ISN + 1500) + " does not follow "
                + (ISN + 1001));
        assertThat(one.cannotAppend(sent(a, 1001, 2, 9, "", 10, 0))).isEqualTo("its ack, window, urgent pointer or IP header differ");
        assertThat(one.cannotAppend(sent(a | PacketSpec.RST, 1001, 1, 9, "", 10, 0))).startsWith("its flags");
        assertThat(one.cannotAppend(sent(a, 1001, 1, 9, "<nop,nop,TS val 1 ecr 2>", 10, 0))).startsWith("its options differ");
        Segment fin = Segment.of(sent(a | PacketSpec.FIN, 1, 1, 9, "", 10, 0));
        assertThat(fin.cannotAppend(sent(a, 12, 1, 9, "", 10, 0))).isEqualTo("the previous part carried FIN");
    }

    @Test
    void formatting_usesScriptNumbers() {
        Captured c = sent(PacketSpec.ACK | PacketSpec.FIN, 1001, 2, 257, "<nop,nop,TS val 1 ecr 2>", 0, 0);
        Conn k = conn();
        k.learnTs(1, 100);
        assertThat(PacketMatcher.formatTcp(Segment.of(c), k)).isEqualTo("F. 1001:1001(0) ack 2 win 257 <nop,nop,TS val 100 ecr 2>");
        Conn other = new Conn(LOCAL, 9999, REMOTE, 40000, true);
        assertThat(PacketMatcher.formatTcp(Segment.of(c), other))
                .startsWith("198.18.0.1:8080 > 198.19.2.1:40000 F. " + ((ISN + 1001) & Conn.MASK));
    }

    @Test
    void badChecksums_areReported() {
        Captured c = sent(PacketSpec.ACK, 1, 1, 1, "", 10, 0);
        byte[] ip = c.ip.clone();
        ip[ip.length - 1] ^= 1;
        assertThat(PacketMatcher.matchTcp(spec(". 1:11(10) ack 1"), PacketSpec.IpInfo.NONE, Segment.of(new Captured(0, ip, false, 0)),
                conn(), cfg, 4000)).isEqualTo("payload: expected zeros (what the script wrote), actual other bytes");
        byte[] ip2 = c.ip.clone();
        ip2[20 + 16] ^= 1;
        assertThat(PacketMatcher.matchTcp(spec(". 1:11(10) ack 1"), PacketSpec.IpInfo.NONE, Segment.of(new Captured(0, ip2, false, 0)),
                conn(), cfg, 4000)).isEqualTo("TCP checksum is wrong");
        byte[] ip3 = c.ip.clone();
        ip3[8] ^= 1;
        assertThat(PacketMatcher.matchTcp(spec(". 1:11(10) ack 1"), PacketSpec.IpInfo.NONE, Segment.of(new Captured(0, ip3, false, 0)),
                conn(), cfg, 4000)).isEqualTo("IPv4 header checksum is wrong");
    }
}
