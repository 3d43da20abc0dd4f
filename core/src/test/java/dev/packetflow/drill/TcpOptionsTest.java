package dev.packetflow.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class TcpOptionsTest {
    private static List<TcpOption> parse(String opts) {
        Script s = Parser.parse("t", "0 < S 0:0(0) win 1 " + opts + "\n");
        return ((PacketSpec.Tcp) ((Event.Packet) s.events().getFirst()).spec()).options();
    }

    @Test
    void everyOptionKind_parsesEncodesDecodesAndPrintsBack() {
        for (String text : List.of(
                "<mss 1460,sackOK,TS val 4294967295 ecr 0,nop,wscale 14>",
                "<mss 1460,nop,nop,sackOK,nop,wscale 8>",
                "<nop,nop,sack 1:2 4294967000:4294967295 10:20>",
                "<nop,nop,TS val 100 ecr 200>",
                "<FO 0102030405060708,nop,nop>",
                "<FOEXP 0a0b0c0d>",
                "<md5 000102030405060708090a0b0c0d0e0f,nop,nop>",
                "<ECN e0b 1 ceb 2 e1b 3,nop>",
                "<ECN e1b 16777215,nop,nop,nop>",
                "<eol,eol,eol,eol>")) {
            List<TcpOption> opts = parse(text);
            assertThat(TcpOptions.format(opts)).isEqualTo(text);
            byte[] wire = TcpOptions.encode(opts);
            assertThat(wire.length).isEqualTo(TcpOptions.length(opts)).isEqualTo(wire.length / 4 * 4);
            assertThat(TcpOptions.decode(wire, 0, wire.length)).as(text).isEqualTo(opts);
        }
    }

    @Test
    void encoding_isLinuxsWireLayout() {
        assertThat(HexFormat.of().formatHex(TcpOptions.encode(parse("<mss 1460,sackOK,TS val 1 ecr 2,nop,wscale 8>"))))
                .isEqualTo("020405b4" + "0402" + "080a0000000100000002" + "01" + "030308");
        assertThat(HexFormat.of().formatHex(TcpOptions.encode(parse("<FOEXP 0a0b,nop,nop>"))))
                .isEqualTo("fe06f9890a0b" + "0101");
    }

    @Test
    void decode_malformedOrUnknown_neverThrows() {
        byte[] truncated = {2, 4, 5};
        assertThat(TcpOptions.decode(truncated, 0, 3)).singleElement().isInstanceOf(TcpOption.Unknown.class);
        byte[] zeroLen = {1, 30, 0, 1};
        assertThat(TcpOptions.decode(zeroLen, 0, 4)).hasSize(2).last().isEqualTo(new TcpOption.Unknown(-1, new byte[] {30, 0, 1}));
        byte[] odd = {2, 3, 9, 1};
        assertThat(TcpOptions.decode(odd, 0, 4)).first().isEqualTo(new TcpOption.Unknown(2, new byte[] {9}));
        byte[] exp = {(byte) 253, 4, 1, 2};
        assertThat(TcpOptions.format(TcpOptions.decode(exp, 0, 4))).isEqualTo("<opt253 0102>");
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < 10_000; i++) {
            byte[] b = new byte[r.nextInt(41)];
            r.nextBytes(b);
            TcpOptions.format(TcpOptions.decode(b, 0, b.length));
        }
    }
}
