package dev.packetflow.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Linux packetdrill's tolerance rule and the options that change it (GRAMMAR.md 3.2, 9.2). */
class TimingToleranceTest {
    @Test
    void tolerance_isTheLargerOfAbsoluteAndPercentOfTheGap() {
        DrillConfig c = new DrillConfig();
        assertThat(c.toleranceUs(0)).isEqualTo(4000);
        assertThat(c.toleranceUs(32_000)).isEqualTo(4000);
        assertThat(c.toleranceUs(40_000)).isEqualTo(5000);
        assertThat(c.toleranceUs(1_000_000)).isEqualTo(125_000);
        assertThat(c.toleranceUs(-5)).isEqualTo(4000);
        c.apply("--tolerance_usecs=10000");
        assertThat(c.toleranceUs(40_000)).isEqualTo(10_000);
        c.apply("--tolerance_percent=0");
        assertThat(c.toleranceUs(10_000_000)).isEqualTo(10_000);
    }

    @Test
    void options_validatedAndUnknownOnesWarn() {
        DrillConfig c = new DrillConfig();
        assertThat(c.apply("--mss=1000")).isNull();
        assertThat(c.mss).isEqualTo(1000);
        assertThat(c.apply("--send_omit_free")).contains("ignored");
        assertThat(c.apply("--frobnicate=3")).isEqualTo("unknown option --frobnicate=3; ignored");
        assertThatThrownBy(() -> c.apply("--tolerance_usecs=x")).hasMessage("--tolerance_usecs: not an integer: x");
        assertThatThrownBy(() -> c.apply("--non_fatal=packet,bogus")).hasMessageContaining("unknown kind 'bogus'");
        assertThatThrownBy(() -> c.apply("--ip_version=ipv6")).hasMessageContaining("only ipv4");
    }

    @Test
    void relativeTimes_anchorAtTheActualCompletionOfThePreviousEvent() {
        // The data segment leaves 40 ms after the write; the ACK is injected 10 ms after the packet
        // was seen, i.e. at 0.06: a relative inbound time is anchored at the previous event's
        // completion. Consecutive inbound packets anchor on each other's scripted time.
        String s = DrillRunnerTest.HANDSHAKE + """
                +.04 write(4, ..., 10) = 10
                +0 > P. 1:11(10) ack 1
                +.01 < . 1:1(0) ack 11 win 257
                +.01 < P. 1:101(100) ack 11 win 257
                +0 > . 11:11(0) ack 101
                +0 read(4, ..., 100) = 100
                0.081 close(4) = 0
                +0 > F. 11:11(0) ack 101
                """;
        DrillResult r = DrillRunner.run("t", s, DrillRunnerTest.toy());
        assertThat(r.passed()).as(r.summary()).isTrue();
        assertThat(r.virtualNs()).isEqualTo(81_000_000L);
        DrillResult late = DrillRunner.run("t", s.replace("0.081 close", "0.06 close"), DrillRunnerTest.toy());
        assertThat(late.message()).startsWith("event reached late: scripted at 0.06s, the runner got there at 0.07s (tolerance 4000us)");
    }
}
