package dev.packetflow.drivers.net.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WireConditionsTest {
    @Test
    void perfect_isNotTimed() {
        assertThat(WireConditions.PERFECT.timed()).isFalse();
        assertThat(WireConditions.builder().loss(0.5).build().timed()).isFalse();
        assertThat(WireConditions.builder().delayNs(1).build().timed()).isTrue();
        assertThat(WireConditions.builder().rateBitsPerSec(1_000_000).build().timed()).isTrue();
    }

    @Test
    void badValues_areRejected() {
        assertThatThrownBy(() -> WireConditions.builder().loss(1.5).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loss");
        assertThatThrownBy(() -> WireConditions.builder().corrupt(Double.NaN).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("corrupt");
        assertThatThrownBy(() -> WireConditions.builder().delayNs(-1).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WireConditions.builder().rateBitsPerSec(-1).build())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void toBuilder_keepsEveryKnob() {
        WireConditions c = WireConditions.builder().delayNs(1).jitterNs(2).loss(0.1).reorder(0.2, 3)
                .duplicate(0.3).corrupt(0.4).rateBitsPerSec(5).limit(6).build();
        assertThat(c.toBuilder().build()).isEqualTo(c);
    }

    @Test
    void serialisation_roundsUp() {
        assertThat(WireLane.serialisationNs(1250, 10_000_000)).isEqualTo(1_000_000);
        assertThat(WireLane.serialisationNs(1, 3)).isEqualTo(2_666_666_667L);
    }
}
