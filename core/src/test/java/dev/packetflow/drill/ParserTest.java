package dev.packetflow.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParserTest {
    private static Event.Syscall syscall(Script s, int i) {
        return (Event.Syscall) s.events().get(i);
    }

    private static PacketSpec.Tcp tcp(Script s, int i) {
        return (PacketSpec.Tcp) ((Event.Packet) s.events().get(i)).spec();
    }

    @Test
    void everyCorpusScript_parsesWithoutError() throws Exception {
        Path dir = Corpus.locate(Path.of(""));
        assumeTrue(Files.isDirectory(dir), "packetdrill corpus not found at " + dir);
        List<Path> scripts = Corpus.scripts(dir);
        assertThat(scripts).hasSize(27);
        for (Path p : scripts) {
            Script s = Parser.parse(p.toString(), Files.readString(p));
            assertThat(s.events()).as(p.toString()).isNotEmpty();
        }
    }

    @Test
    void mangledScripts_onlyEverFailWithASyntaxError() throws Exception {
        Path dir = Corpus.locate(Path.of(""));
        String base = Files.isDirectory(dir) ? Files.readString(Corpus.scripts(dir).getFirst())
                : "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < S 0:0(0) win 1 <mss 1000,nop,wscale 7>\n";
        String alphabet = "0123456789+-.:()[]{}<>,=|~*\"`%/ \nSFRPUEWA.acksw";
        java.util.Random r = new java.util.Random(42);
        for (int i = 0; i < 3000; i++) {
            StringBuilder sb = new StringBuilder(base);
            for (int k = 0; k < 1 + r.nextInt(4); k++) {
                int at = r.nextInt(sb.length());
                switch (r.nextInt(3)) {
                    case 0 -> sb.deleteCharAt(at);
                    case 1 -> sb.insert(at, alphabet.charAt(r.nextInt(alphabet.length())));
                    default -> sb.setCharAt(at, alphabet.charAt(r.nextInt(alphabet.length())));
                }
            }
            try {
                Parser.parse("m", sb.toString());
            } catch (ScriptSyntaxException expected) {
                assertThat(expected.line()).isPositive();
            }
        }
    }

    @Test
    void header_initAndCleanup_areSeparatedFromEvents() {
        Script s = Parser.parse("t", """
                // comment
                --tolerance_usecs=10000
                --mss=1000
                `../common/defaults.sh
                `
                0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
                `/tmp/sysctl_restore_${PPID}.sh`
                """);
        assertThat(s.options()).containsExactly("--tolerance_usecs=10000", "--mss=1000");
        assertThat(s.init()).isEqualTo("../common/defaults.sh");
        assertThat(s.initLine()).isEqualTo(4);
        assertThat(s.cleanup()).isEqualTo("/tmp/sysctl_restore_${PPID}.sh");
        assertThat(s.events()).hasSize(1);
        assertThat(s.events().getFirst().line()).isEqualTo(6);
    }

    @Test
    void timeColumn_allForms() {
        Script s = Parser.parse("t", """
                0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
                +.01...0.011 connect(3, ..., ...) = 0
                +0~+.04 > S 0:0(0) <...>
                * > . 1:1(0) ack 1
                1.25 close(3) = 0
                2.0~2.5 > F. 1:1(0) ack 1
                +0...0 read(3, ..., 1) = 0
                """);
        assertThat(s.events().get(0).time()).isEqualTo(EventTime.absolute(0));
        assertThat(s.events().get(1).time()).isEqualTo(new EventTime(false, true, 10_000, EventTime.End.BLOCKING, 11_000));
        assertThat(s.events().get(2).time()).isEqualTo(new EventTime(false, true, 0, EventTime.End.RANGE, 40_000));
        assertThat(s.events().get(3).time().any()).isTrue();
        assertThat(s.events().get(4).time()).isEqualTo(EventTime.absolute(1_250_000));
        assertThat(s.events().get(5).time()).isEqualTo(new EventTime(false, false, 2_000_000, EventTime.End.RANGE, 2_500_000));
        assertThat(s.events().get(6).time()).isEqualTo(new EventTime(false, true, 0, EventTime.End.BLOCKING, 0));
        assertThat(s.events().get(1).time().toString()).isEqualTo("+0.01...0.011");
    }

    @Test
    void syscall_argumentsResultErrnoAndNotes() {
        Script s = Parser.parse("t", """
                0 socket(..., SOCK_STREAM|SOCK_NONBLOCK, IPPROTO_TCP) = 3
                +0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
                +0 fcntl(3, F_GETFL) = 0x2 (flags O_RDWR)
                +0 setsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0
                +0 getsockopt(3, SOL_TCP, TCP_MAXSEG, [1100], [4]) = 0
                +0 bind(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("192.168.0.1")}, 16) = 0
                +0 writev(3, [{..., 10}, {..., 20}], 2) = 30
                +0 sendmsg(3, {msg_name(...)=..., msg_iov(1)=[{..., 1000}], msg_flags=0}, 0) = 1000
                +0 poll([{fd=3, events=POLLIN|POLLOUT, revents=POLLOUT}], 1, 0) = 1
                """);
        Event.Syscall sock = syscall(s, 0);
        assertThat(sock.name()).isEqualTo("socket");
        assertThat(sock.args().get(0)).isInstanceOf(Expr.Ellipsis.class);
        assertThat(sock.args().get(1)).isEqualTo(new Expr.Or(List.of(new Expr.Name("SOCK_STREAM"), new Expr.Name("SOCK_NONBLOCK"))));
        assertThat(sock.result()).isEqualTo(new Expr.Int(3));
        Event.Syscall conn = syscall(s, 1);
        assertThat(conn.result()).isEqualTo(new Expr.Int(-1));
        assertThat(conn.errno()).isEqualTo("EINPROGRESS");
        assertThat(conn.errnoText()).isEqualTo("Operation now in progress");
        assertThat(syscall(s, 2).result()).isEqualTo(new Expr.Int(2));
        assertThat(syscall(s, 2).note()).isEqualTo("flags O_RDWR");
        Expr.Struct linger = (Expr.Struct) syscall(s, 3).args().get(3);
        assertThat(linger.field("onoff")).isEqualTo(new Expr.Int(1));
        assertThat(linger.field("linger")).isEqualTo(new Expr.Int(0));
        assertThat(syscall(s, 4).args().get(3)).isEqualTo(new Expr.Array(List.of(new Expr.Int(1100))));
        Expr.Struct sin = (Expr.Struct) syscall(s, 5).args().get(1);
        assertThat(sin.field("sin_port")).isEqualTo(new Expr.Call("htons", List.of(new Expr.Int(8080))));
        assertThat(sin.field("sin_addr")).isEqualTo(new Expr.Call("inet_addr", List.of(new Expr.Str("192.168.0.1"))));
        Expr.Array iov = (Expr.Array) syscall(s, 6).args().get(1);
        assertThat(((Expr.Struct) iov.items().get(1)).positional(1)).isEqualTo(new Expr.Int(20));
        Expr.Struct msg = (Expr.Struct) syscall(s, 7).args().get(1);
        assertThat(msg.fields().get(1).name()).isEqualTo("msg_iov");
        assertThat(msg.fields().get(1).index()).isEqualTo(new Expr.Int(1));
        Expr.Struct pfd = (Expr.Struct) ((Expr.Array) syscall(s, 8).args().get(0)).items().getFirst();
        assertThat(pfd.field("events")).isEqualTo(new Expr.Or(List.of(new Expr.Name("POLLIN"), new Expr.Name("POLLOUT"))));
    }

    @Test
    void tcpPacket_flagsSequenceAckWindowOptions() {
        Script s = Parser.parse("t", """
                0 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>
                +0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>
                +0 < FP. 1001:2001(1000) ack 1 win 257
                +0 > . 1:1(0) ack 1 <nop,nop,TS val 200 ecr 201>
                +0 < . 1:1(0) ack 1 win 320 <sack 4001:5001 6001:7001,nop,nop>
                +0 > R 2:2(0)
                +0 > SEW 0:0(0) <...>
                +0 > .5 1:1(0) ack 1
                +0 < [ect0] 1234>8080 - 0:0(0) win 0 urg 3
                """);
        PacketSpec.Tcp syn = tcp(s, 0);
        assertThat(syn.flags()).isEqualTo(PacketSpec.SYN);
        assertThat(syn.win()).isEqualTo(32792);
        assertThat(syn.ack()).isNull();
        assertThat(syn.options()).containsExactly(new TcpOption.Mss(1000), new TcpOption.SackPermitted(), new TcpOption.Nop(),
                new TcpOption.Nop(), new TcpOption.Nop(), new TcpOption.WScale(7));
        assertThat(((Event.Packet) s.events().get(0)).inbound()).isTrue();
        PacketSpec.Tcp synack = tcp(s, 1);
        assertThat(synack.flags()).isEqualTo(PacketSpec.SYN | PacketSpec.ACK);
        assertThat(synack.ack()).isEqualTo(1L);
        assertThat(synack.win()).isNull();
        PacketSpec.Tcp fin = tcp(s, 2);
        assertThat(fin.flags()).isEqualTo(PacketSpec.FIN | PacketSpec.PSH | PacketSpec.ACK);
        assertThat(fin.seq()).isEqualTo(1001);
        assertThat(fin.len()).isEqualTo(1000);
        assertThat(fin.seqSpace()).isEqualTo(1001);
        assertThat(tcp(s, 3).options()).containsExactly(new TcpOption.Nop(), new TcpOption.Nop(), new TcpOption.Timestamp(200, 201));
        assertThat(tcp(s, 4).options().getFirst()).isEqualTo(new TcpOption.Sack(List.of(
                new TcpOption.SackBlock(4001, 5001), new TcpOption.SackBlock(6001, 7001))));
        assertThat(tcp(s, 5).flags()).isEqualTo(PacketSpec.RST);
        assertThat(tcp(s, 5).options()).isEmpty();
        assertThat(tcp(s, 6).flags()).isEqualTo(PacketSpec.SYN | PacketSpec.ECE | PacketSpec.CWR);
        assertThat(tcp(s, 6).options()).isNull();
        assertThat(tcp(s, 7).flags()).isEqualTo(PacketSpec.ACK | PacketSpec.AE | PacketSpec.ECE);
        Event.Packet p = (Event.Packet) s.events().get(8);
        assertThat(p.ip().ecn()).isEqualTo(2);
        PacketSpec.Tcp ported = (PacketSpec.Tcp) p.spec();
        assertThat(ported.srcPort()).isEqualTo(1234);
        assertThat(ported.dstPort()).isEqualTo(8080);
        assertThat(ported.flags()).isZero();
        assertThat(ported.urg()).isEqualTo(3);
    }

    @Test
    void packetText_isKeptOnOneLine() {
        Script s = Parser.parse("t", "0 < P. 1:1001(1000)   ack 1\n   win 257 // c\n+0 close(3) = 0\n");
        assertThat(s.events().get(0).text()).isEqualTo("0 < P. 1:1001(1000) ack 1 win 257");
        assertThat(s.events().get(1).text()).isEqualTo("+0 close(3) = 0");
    }

    @Test
    void udpAndIcmp_parse() {
        Script s = Parser.parse("t", """
                0 < udp 1234>53 (20)
                +0 > icmp unreachable port_unreachable [udp (20)]
                +0 < icmp unreachable frag_needed mtu 1200 [1:1461(1460)]
                """);
        assertThat(((Event.Packet) s.events().get(0)).spec()).isEqualTo(new PacketSpec.Udp(1234, 53, 20));
        assertThat(((Event.Packet) s.events().get(1)).spec()).isEqualTo(new PacketSpec.Icmp(3, 3, null, null,
                new PacketSpec.Echoed(17, 0, 20)));
        assertThat(((Event.Packet) s.events().get(2)).spec()).isEqualTo(new PacketSpec.Icmp(3, 4, 1200, null,
                new PacketSpec.Echoed(6, 1, 1460)));
    }

    @Test
    void defines_replaceWords() {
        Script s = Parser.parse("t", """
                --define=MYFD=3
                0 close(MYFD) = 0
                """);
        assertThat(syscall(s, 0).args()).containsExactly(new Expr.Int(3));
        assertThat(s.defines()).containsEntry("MYFD", "3");
    }

    @Test
    void codeAndShellEvents() {
        Script s = Parser.parse("t", """
                0 `nstat -n`
                +0 %{ assert tcpi_state == TCP_ESTABLISHED }%
                """);
        assertThat(s.events().get(0)).isEqualTo(new Event.Shell(1, EventTime.absolute(0), "0 `nstat -n`", "nstat -n"));
        assertThat(((Event.Code) s.events().get(1)).code()).contains("assert tcpi_state == TCP_ESTABLISHED");
    }

    @Test
    void errors_nameLineAndColumn() {
        assertThatThrownBy(() -> Parser.parse("t", "0 < S 0:5(0) win 1\n"))
                .isInstanceOf(ScriptSyntaxException.class).hasMessageContaining("1:7").hasMessageContaining("end must be start + length");
        assertThatThrownBy(() -> Parser.parse("t", "0 close(3) = 0\n+0 > S 0:0(0) <wscale 7>\n"))
                .hasMessageContaining("2:").hasMessageContaining("not a multiple of 4");
        assertThatThrownBy(() -> Parser.parse("t", "0 < Q 0:0(0) win 1\n")).hasMessageContaining("bad TCP flags 'Q'");
        assertThatThrownBy(() -> Parser.parse("t", "1 close(3) = 0\n")).hasMessageContaining("first event must be at time 0");
        assertThatThrownBy(() -> Parser.parse("t", "0 close(3) = 0\n+0x10 close(3) = 0\n"))
                .isInstanceOf(ScriptSyntaxException.class).hasMessageContaining("2:").hasMessageContaining("decimal seconds");
        assertThatThrownBy(() -> Parser.parse("t", "0 close(3) = 0\n+99999999999999.5 close(3) = 0\n"))
                .isInstanceOf(ScriptSyntaxException.class).hasMessageContaining("too large");
        assertThatThrownBy(() -> Parser.parse("t", "0 close(3) = 0\n0.5 close(4) = 0\n0.2 close(5) = 0\n"))
                .hasMessageContaining("3:").hasMessageContaining("goes backwards");
        assertThatThrownBy(() -> Parser.parse("t", "0 close(3) = 0\n* close(3) = 0\n")).hasMessageContaining("only allowed on outbound");
        assertThatThrownBy(() -> Parser.parse("t", "0 < ipv4 1.2.3.4 > 5.6.7.8: S 0:0(0) win 1\n"))
                .hasMessageContaining("unsupported: encapsulation");
        assertThatThrownBy(() -> Parser.parse("t", "0 < S 0:0(0) win 1 <frob 3>\n")).hasMessageContaining("unknown TCP option 'frob'");
        assertThatThrownBy(() -> Parser.parse("t", "0 close(3) = 0 /* never closed\n")).hasMessageContaining("unterminated /*");
    }
}
