package dev.packetflow.drill;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Jazzer fuzz target for the packetdrill script parser: arbitrary text either parses or is refused
 * with a {@link ScriptSyntaxException} (which names a line); any other exception fails the target.
 * The bytes are read as ISO-8859-1, so the seeds under {@code ParserFuzzTestInputs/} are plain
 * {@code .pkt} scripts. A plain test run replays them; {@code JAZZER_FUZZ=1} fuzzes.
 */
class ParserFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void parse_arbitraryText_parsesOrThrowsScriptSyntaxException(byte[] data) {
        String text = new String(data, StandardCharsets.ISO_8859_1);
        try {
            Parser.parse("fuzz.pkt", text);
        } catch (ScriptSyntaxException expected) {
            if (expected.line() < 0 || expected.col() < 0) {
                throw new AssertionError("position " + expected.line() + ":" + expected.col(), expected);
            }
        }
    }
}
