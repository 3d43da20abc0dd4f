package dev.packetflow.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DrillRunnerTest {
    private static DrillRunner.Options toy() {
        return new DrillRunner.Options().stackSetup(ToyTcp::install);
    }

    @Test
    void passiveOpen_againstToyTcp_passes() {
        DrillResult r = DrillRunner.run(Path.of("src/test/resources/packetdrill/passive-open-data-close.pkt"), toy());
        assertThat(r.summary()).startsWith("PASS");
    }
}
