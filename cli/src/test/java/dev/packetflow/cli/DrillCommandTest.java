package dev.packetflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DrillCommandTest {
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

    @TempDir
    Path dir;

    private Path script(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void passingScripts_printPassAndTheCount_exitZero() throws Exception {
        Path a = script("a.pkt", "0 close(3) = -1 EBADF (Bad file descriptor)\n+1 fcntl(7, F_GETFL) = -1 EBADF (Bad file descriptor)\n");
        Run r = run("drill", a.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("PASS " + a + "\n1 passed, 0 failed\n".replace("\n", System.lineSeparator()));
    }

    @Test
    void failingScript_printsPathLineAndReason_exitOne() throws Exception {
        Path a = script("a.pkt", "0 close(3) = -1 EBADF (Bad file descriptor)\n");
        Path b = script("b.pkt", "0 close(3) = -1 EBADF (Bad file descriptor)\n+0 close(3) = 0\n");
        Run r = run("drill", dir.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains("PASS " + a).contains("FAIL " + b + ":2: close() expected 0, returned -1 EBADF (Bad file descriptor)")
                .contains("  script: +0 close(3) = 0").endsWith("1 passed, 1 failed" + System.lineSeparator());
    }

    @Test
    void packetdrillOptions_passThrough_badOnesAreUsageErrors() throws Exception {
        Path a = script("a.pkt", "0 close(3) = -1 EBADF (Bad file descriptor)\n");
        assertThat(run("drill", "--tolerance_usecs=10000", "--strict_segments", "-D", "X=1", a.toString()).code()).isZero();
        Run bad = run("drill", "--tolerance_usecs=soon", a.toString());
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--tolerance_usecs: not an integer: soon");
        Run unknown = run("drill", "--frobnicate", a.toString());
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown option '--frobnicate'");
        assertThat(run("drill").code()).isEqualTo(2);
        assertThat(run("drill", "--help").out()).contains("Usage: packetflow drill");
    }

    @Test
    void missingFile_isAFailedScript() {
        Run r = run("drill", dir.resolve("nope.pkt").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains("FAIL " + dir.resolve("nope.pkt") + ": cannot read").contains("0 passed, 1 failed");
    }
}
