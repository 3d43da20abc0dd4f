package dev.packetflow.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The runner end to end, against {@link ToyTcp} (a small Linux-like stream protocol installed for
 * the test): the project's own scripts and the corpus scripts that only need what the toy does
 * pass; where the toy differs from Linux the runner reports the first difference at the right line.
 */
class DrillRunnerTest {
    static final Path OWN = Path.of("src/test/resources/packetdrill");

    static DrillRunner.Options toy() {
        return new DrillRunner.Options().stackSetup(ToyTcp::install);
    }

    static DrillResult run(String script) {
        return DrillRunner.run("t.pkt", script, toy());
    }

    static final String HANDSHAKE = """
            0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
            +0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
            +0 bind(3, ..., ...) = 0
            +0 listen(3, 1) = 0
            +0 < S 0:0(0) win 32792 <mss 1000,nop,wscale 7>
            +0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>
            +.01 < . 1:1(0) ack 1 win 257
            +0 accept(3, ..., ...) = 4
            """;

    @Test
    void ownScripts_withinToyTcpsAbilities_pass_othersFailAtTheFirstDifference() {
        Map<String, String> got = new TreeMap<>();
        for (Path p : Corpus.scripts(OWN)) {
            DrillResult r = DrillRunner.run(p, toy());
            got.put(OWN.relativize(p).toString(), r.passed() ? "PASS" : r.line() + " " + r.message().lines().findFirst().orElseThrow());
        }
        assertThat(got).hasSizeGreaterThanOrEqualTo(10);
        for (String pass : List.of("active-open-timestamps.pkt", "blocking-read-ten-seconds.pkt", "half-close.pkt",
                "rst-for-closed-port.pkt", "synack-retransmit.pkt", "syscall-api.pkt")) {
            assertThat(got.get(pass)).as(pass).isEqualTo("PASS");
        }
        // These test the real TCP (PacketdrillConformanceTest); the toy lacks what they test.
        assertThat(got.get("keepalive.pkt")).isEqualTo("18 setsockopt() expected 0, returned -1 ENOPROTOOPT (Protocol not available)");
        assertThat(got.get("passive-open-data-close.pkt")).isEqualTo("30 outbound packet arrived early: at 0.03s, expected 0.07s ± 5000us");
        assertThat(got.get("rst-established.pkt")).startsWith("23 timed out waiting for an outbound packet");
        assertThat(got.get("zero-window-probe.pkt")).startsWith("28 outbound packet does not match: flags: expected ., actual P.");
    }

    @Test
    void hzOption_setsTheJiffyTheStacksTimersRoundTo() {
        // Four segments, the first three lost, the last SACKed one RTT later: RACK's reordering
        // timer waits min_rtt/4 (25 ms) plus TCP_TIMEOUT_MIN (two jiffies), in whole jiffies.
        String script = """
                `../common/defaults.sh`
                0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
                +0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
                +0 bind(3, ..., ...) = 0
                +0 listen(3, 1) = 0
                +0 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>
                +0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>
                +.1 < . 1:1(0) ack 1 win 320
                +0 accept(3, ..., ...) = 4
                +0 write(4, ..., 4000) = 4000
                +0 > P. 1:4001(4000) ack 1
                +.1 < . 1:1(0) ack 1 win 320 <sack 3001:4001,nop,nop>
                +.036 > . 1:1001(1000) ack 1
                """;
        DrillResult hz250 = DrillRunner.run("t.pkt", script, new DrillRunner.Options());
        assertThat(hz250.passed()).as(hz250.summary()).isTrue();
        DrillResult hz1000 = DrillRunner.run("t.pkt", script, new DrillRunner.Options().option("--hz=1000"));
        assertThat(hz1000.line()).isEqualTo(13);
        assertThat(hz1000.message()).startsWith("outbound packet arrived early: at 0.227s");
        assertThatThrownBy(() -> new DrillConfig().apply("--hz=300")).hasMessageContaining("100, 250 or 1000");
    }

    @Test
    void tenSecondBlockingRead_takesTenVirtualSeconds_andLittleRealTime() {
        DrillResult r = DrillRunner.run(OWN.resolve("blocking-read-ten-seconds.pkt"), toy());
        assertThat(r.passed()).as(r.summary()).isTrue();
        assertThat(r.virtualNs()).isEqualTo(10_010_000_000L);
        assertThat(r.wallNs()).isLessThan(5_000_000_000L);
    }

    @Test
    void corpusScripts_withinToyTcpsAbilities_pass_othersFailAtTheFirstDifference() {
        Path dir = Corpus.locate(Path.of(""));
        assumeTrue(Files.isDirectory(dir), "packetdrill corpus not found at " + dir);
        Map<String, String> got = new TreeMap<>();
        for (Path p : Corpus.scripts(dir)) {
            DrillResult r = DrillRunner.run(p, toy());
            got.put(dir.relativize(p).toString(), r.passed() ? "PASS" : r.line() + " " + r.message().lines().findFirst().orElseThrow());
        }
        String g = "google-packetdrill/gtests/net/tcp/";
        String k = "linux/tools/testing/selftests/net/packetdrill/";
        for (String pass : List.of(g + "blocking/blocking-accept.pkt", g + "blocking/blocking-read.pkt",
                g + "close/close-local-close-then-remote-fin.pkt", g + "close/close-remote-fin-then-close.pkt",
                g + "ioctl/ioctl-siocinq-fin.pkt", g + "mss/mss-getsockopt-tcp_maxseg-server.pkt",
                g + "shutdown/shutdown-rd-close.pkt", g + "shutdown/shutdown-rdwr-close.pkt", g + "shutdown/shutdown-wr-close.pkt",
                g + "ts_recent/fin_tsval.pkt", "gvisor/test/packetdrill/no_rst_to_rst.pkt",
                "gvisor/test/packetdrill/sanity_test.pkt", k + "tcp_basic_client.pkt", k + "tcp_close_no_rst.pkt")) {
            assertThat(got.get(pass)).as(pass).isEqualTo("PASS");
        }
        // The toy acknowledges a FIN at once; Linux delays that ACK by 40 ms here.
        assertThat(got.get(k + "tcp_basic_server.pkt")).isEqualTo("30 outbound packet arrived early: at 0s, expected 0.04s ± 5000us");
        // The toy has no congestion window: all 10400 bytes leave at once, PSH only on the last segment.
        assertThat(got.get(g + "eor/no-coalesce-large.pkt")).isEqualTo("30 outbound packet does not match: flags: expected P., actual .");
        // The toy does not retransmit.
        assertThat(got.get(g + "fast_retransmit/fr-4pkt.pkt")).startsWith("28 timed out waiting for an outbound packet");
        // SO_RCVBUF does not change the toy's window scale.
        assertThat(got.get(k + "tcp_rcv_zero_wnd_fin.pkt")).startsWith("18 outbound packet does not match: option 3: expected wscale 0, actual wscale 8");
        // The toy accepts a FIN whose ACK is beyond SND.NXT, where Linux sends a challenge ACK.
        assertThat(got.get(g + "ts_recent/invalid_ack.pkt")).isEqualTo("23 outbound packet does not match: ack: expected 1, actual 2");
    }

    @Test
    void explicitAddresses_andHeaderAddressOptions_areMovedIntoTheTestRange() {
        String s = """
                --local_ip=192.168.7.7
                --remote_ip=192.0.2.9
                0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
                +0 connect(3, {sa_family=AF_INET, sin_port=htons(5555), sin_addr=inet_addr("192.0.2.9")}, 16) = -1 EINPROGRESS (x)
                """;
        DrillResult blocking = run(s);
        assertThat(blocking.message()).startsWith("connect() blocked, but the script expects it to return at once");
        String nb = s.replace("SOCK_STREAM,", "SOCK_STREAM|SOCK_NONBLOCK,")
                + "+0 > S 0:0(0) <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 8>\n"
                + "+0 < S. 0:0(0) ack 1 win 100 <mss 1000>\n+0 > . 1:1(0) ack 1\n"
                + "+0 getsockname(3, ..., ...) = 0\n";
        DrillResult r = run(nb);
        assertThat(r.passed()).as(r.summary()).isTrue();
        String wrongPeer = nb.replace("inet_addr(\"192.0.2.9\")", "inet_addr(\"192.0.2.1\")");
        // Only the script's remote address is routed, as on packetdrill's tun device.
        assertThat(run(wrongPeer).message()).startsWith("connect() expected -1 EINPROGRESS (Operation now in progress), "
                + "returned -1 ENETUNREACH (Network is unreachable)");
        String outside = s.replace("192.0.2.9\")", "10.1.1.1\")");
        assertThat(run(outside).message()).contains("address 10.1.1.1 is outside 192.168.0.0/16, 192.0.2.0/24 and 198.18.0.0/15");
    }

    @Test
    void sameSeed_sameRun_differentSeed_differentIsnsSameVerdict() {
        String s = HANDSHAKE + "+0 write(4, ..., 2500) = 2500\n+0 > P. 1:2501(2500) ack 1\n";
        DrillResult a = DrillRunner.run("t", s, toy().seed(7));
        DrillResult b = DrillRunner.run("t", s, toy().seed(7));
        DrillResult c = DrillRunner.run("t", s, toy().seed(8));
        assertThat(a.passed()).as(a.summary()).isTrue();
        assertThat(b).usingRecursiveComparison().ignoringFields("wallNs").isEqualTo(a);
        assertThat(c.passed()).isTrue();
    }

    @Test
    void outboundMismatch_printsLineExpectedAndActual() {
        DrillResult r = run(HANDSHAKE + "+0 write(4, ..., 1000) = 1000\n+0 > P. 1:1001(1000) ack 1 win 300\n");
        assertThat(r.passed()).isFalse();
        assertThat(r.line()).isEqualTo(10);
        assertThat(r.message()).isEqualTo("""
                outbound packet does not match: window: expected 300, actual 255
                  expected: +0 > P. 1:1001(1000) ack 1 win 300
                  actual:   0.01s > P. 1:1001(1000) ack 1 win 255""");
        assertThat(r.summary()).startsWith("FAIL t.pkt:10: outbound packet does not match: window");
    }

    @Test
    void aggregation_joinsMssSegments_strictSegmentsRefuses() {
        String s = HANDSHAKE + "+0 write(4, ..., 2500) = 2500\n+0 > P. 1:2501(2500) ack 1\n";
        assertThat(run(s).passed()).isTrue();
        DrillResult strict = run("--strict_segments\n" + s);
        assertThat(strict.message()).startsWith("outbound packet does not match: flags: expected P., actual .");
        DrillResult tooMuch = run(HANDSHAKE + "+0 write(4, ..., 2500) = 2500\n+0 > P. 1:3001(3000) ack 1\n");
        assertThat(tooMuch.message()).startsWith("outbound packet does not match: payload length: expected 3000, actual 2500 "
                + "(in 3 segments); no further segment came by 0.014s");
    }

    @Test
    void timing_earlyLateAndRanges() {
        String late = HANDSHAKE + "+.01 write(4, ..., 10) = 10\n+.005 > P. 1:11(10) ack 1\n";
        assertThat(run(late).message()).startsWith("outbound packet arrived early: at 0.02s, expected 0.025s ± 4000us");
        String inTolerance = HANDSHAKE + "+.01 write(4, ..., 10) = 10\n+.004 > P. 1:11(10) ack 1\n";
        assertThat(run(inTolerance).passed()).isTrue();
        String range = HANDSHAKE + "+.01 write(4, ..., 10) = 10\n+0~+.5 > P. 1:11(10) ack 1\n";
        assertThat(run(range).passed()).isTrue();
        String any = HANDSHAKE + "+.01 write(4, ..., 10) = 10\n* > P. 1:11(10) ack 1\n";
        assertThat(run(any).passed()).isTrue();
        String missing = HANDSHAKE + "+.01 write(4, ..., 10) = 10\n+0 > P. 1:11(10) ack 1\n+1 > . 11:11(0) ack 1\n";
        assertThat(run(missing).message()).startsWith(
                "timed out waiting for an outbound packet (expected at 1.02s ± 125000us); none came by 3.02s");
    }

    @Test
    void blockingCalls_returnTimeChecked() {
        String ok = HANDSHAKE + "+0...0.2 read(4, ..., 100) = 100\n+.2 < P. 1:101(100) ack 1 win 257\n+0 > . 1:1(0) ack 101\n";
        assertThat(run(ok).passed()).as(run(ok).summary()).isTrue();
        String early = HANDSHAKE + "+0...0.5 read(4, ..., 100) = 100\n+.2 < P. 1:101(100) ack 1 win 257\n";
        DrillResult e = run(early);
        assertThat(e.line()).isEqualTo(9);
        assertThat(e.message()).startsWith("blocking read() returned at 0.21s, expected at 0.51s ± 62500us");
        String never = HANDSHAKE + "+0...0.5 read(4, ..., 100) = 100\n";
        assertThat(run(never).message()).startsWith("blocking read() has not returned by 0.5725s (expected at 0.51s ± 62500us)");
        String notMarked = HANDSHAKE + "+0 read(4, ..., 100) = 100\n";
        assertThat(run(notMarked).message()).startsWith(
                "read() blocked, but the script expects it to return at once (a blocking call is written start...end)");
    }

    @Test
    void syscallResults_andErrnos() {
        DrillResult wrongErrno = run(HANDSHAKE + "+0 recv(4, ..., 10, MSG_DONTWAIT) = -1 ECONNRESET (Connection reset by peer)\n");
        assertThat(wrongErrno.message()).startsWith("recv() expected -1 ECONNRESET (Connection reset by peer), returned -1 "
                + "EAGAIN (Resource temporarily unavailable)");
        DrillResult wrongValue = run(HANDSHAKE + "+0 getsockopt(4, SOL_TCP, TCP_MAXSEG, [1460], [4]) = 0\n");
        assertThat(wrongValue.message()).startsWith("getsockopt() getsockopt value: expected [1460], actual [1000]");
        DrillResult ok = run(HANDSHAKE + "+0 recv(4, ..., 10, MSG_DONTWAIT) = -1 EWOULDBLOCK (Operation would block)\n");
        assertThat(ok.passed()).isTrue();
    }

    @Test
    void nonFatalPacketMismatches_onlyWarn() {
        DrillResult r = run("--non_fatal=packet\n" + HANDSHAKE + "+0 write(4, ..., 10) = 10\n+0 > P. 1:11(10) ack 1 win 9\n"
                + "+0 close(4) = 0\n+0 > F. 11:11(0) ack 1\n");
        assertThat(r.passed()).as(r.summary()).isTrue();
        assertThat(r.warnings()).anyMatch(w -> w.startsWith("line 11: outbound packet does not match: window: expected 9"));
        DrillResult blocked = run("--non_fatal=syscall\n" + HANDSHAKE + "+0 read(4, ..., 100) = 100\n"
                + "+.1 < P. 1:101(100) ack 1 win 257\n+0 > . 1:1(0) ack 101\n+0 close(4) = 0\n+0 > F. 1:1(0) ack 101\n");
        assertThat(blocked.passed()).as(blocked.summary()).isTrue();
        assertThat(blocked.warnings()).anyMatch(w -> w.startsWith("line 10: read() blocked"));
    }

    @Test
    void unsupportedThings_failBeforeRunning_withTheirLine() {
        assertThat(run("0 sendfile(3, 4, ..., 10) = 10\n").summary())
                .isEqualTo("FAIL t.pkt:1: unsupported system call 'sendfile'");
        assertThat(run("`ethtool -K tun0 tso off`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n").summary())
                .isEqualTo("FAIL t.pkt:1: unsupported shell command `ethtool -K tun0 tso off`");
        assertThat(run("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 %{ x = tcpi_rto }%\n").summary())
                .isEqualTo("FAIL t.pkt:2: unsupported code block: unsupported Python statement: x = tcpi_rto "
                        + "(only 'assert EXPR' is evaluated)");
        assertThat(run("0 < Q 0:0(0) win 1\n").summary()).isEqualTo("FAIL t.pkt:1: syntax error at column 5: bad TCP flags 'Q' "
                + "(letters S F R P . U E W A, or one ACE digit 0-7)");
        assertThat(run("--ip_version=ipv6\n0 close(3) = 0\n").summary())
                .isEqualTo("FAIL t.pkt: bad option: --ip_version=ipv6: only ipv4 is supported");
    }

    @Test
    void codeBlocks_assertOnTcpInfoSnapshots_afterTheScript() {
        String pass = HANDSHAKE + "+0 %{\nassert tcpi_state == TCP_ESTABLISHED, tcpi_state\nassert tcpi_snd_mss == 1000\n"
                + "assert tcpi_options & TCPI_OPT_WSCALE\n}%\n";
        assertThat(run(pass).passed()).as(run(pass).summary()).isTrue();
        String fail = HANDSHAKE + "+0 %{ assert 5 <= tcpi_snd_cwnd < 10 }%\n";
        assertThat(run(fail).summary()).isEqualTo("FAIL t.pkt:9: assertion failed: 5 <= tcpi_snd_cwnd < 10 (tcpi_snd_cwnd=10)");
    }

    @Test
    void sysctlSettings_reachTheStack_unknownOnesWarn() {
        java.util.List<String> seen = new java.util.ArrayList<>();
        DrillRunner.Options o = toy().settings((net, name, value) -> {
            seen.add(name + "=" + value);
            return name.contains("ecn") ? "not here" : null;
        });
        DrillResult r = DrillRunner.run("t", "`sysctl -q net.ipv4.tcp_ecn=1 net.core.somaxconn=64`\n"
                + "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 `nstat -n`\n", o);
        assertThat(r.passed()).isTrue();
        assertThat(seen).containsExactly("net.ipv4.tcp_ecn=1", "net.core.somaxconn=64");
        assertThat(r.warnings()).containsExactly("line 1: not applied (not here): net.ipv4.tcp_ecn");
        DrillResult real = DrillRunner.run("t", "`sysctl -q net.core.somaxconn=0x40`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n", toy());
        assertThat(real.passed()).isTrue();
        assertThat(real.warnings()).isEmpty();
    }
}
