package dev.packetflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {
    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void everyCommandHasHelp() {
        for (String cmd : new String[] {"demo", "bench", "drill", "serve"}) {
            Run r = run(cmd, "--help");
            assertThat(r.code()).isZero();
            assertThat(r.out()).contains("Usage: packetflow " + cmd);
        }
        assertThat(run("--help").out()).contains("demo").contains("bench");
    }

    @Test
    void unknownOption_printsUsageAndExitsNonZero() {
        Run r = run("demo", "--bogus");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("Unknown option: '--bogus'").contains("Usage: packetflow demo");
    }

    @Test
    void unknownCommand_exitsNonZero() {
        Run r = run("frobnicate");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("frobnicate");
    }

    @Test
    void badOptionValue_isAUsageError() {
        Run r = run("demo", "--count", "1");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("--count");
    }

    @Test
    void serveHelp_describesTheServicesAndTheReadmeCommands() {
        Run r = run("serve", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("--tap=NAME", "--addr=A/N", "--gw=G", "--mac=M", "--pcap=FILE", "--create",
                "--attach", "--[no-]vnet-hdr", "RFC 862", "RFC 863", "RFC 864", "HTTP/1.1", "curl http://198.18.0.2/",
                "ip tuntap add dev pf0 mode tap",
                "packetflow serve --tap pf0 --addr 198.18.0.2/24 &", "ping -c 3 -w 20 198.18.0.2");
    }

    @Test
    void serve_createAndAttachTogether_isAUsageError() {
        Run r = run("serve", "--tap", "pf0", "--addr", "198.18.0.2/24", "--create", "--attach");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("mutually exclusive");
    }

    @Test
    void serve_negativeBusyPoll_isAUsageErrorBeforeAnythingStarts() {
        Run r = run("serve", "--tap", "pf0", "--addr", "198.18.0.2/24", "--busy-poll", "-5");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--busy-poll must not be negative");
        assertThat(r.out()).doesNotContain("warming up");
    }

    @Test
    void serve_withoutTap_isAUsageError() {
        Run r = run("serve", "--addr", "198.18.0.2/24");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("--tap");
    }
}
