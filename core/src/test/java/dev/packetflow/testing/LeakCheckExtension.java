package dev.packetflow.testing;

import dev.packetflow.net.core.LeakDetector;
import java.util.List;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails any test that leaves an skb allocated. Registered for every test through JUnit's
 * extension auto-detection (see {@code junit-platform.properties}); needs the
 * {@code packetflow.leakDetection=paranoid} property the build sets, and reports where each leaked
 * buffer was allocated.
 */
public final class LeakCheckExtension implements BeforeEachCallback, AfterEachCallback {
    /**
     * For a test that measures heap allocation ({@code *ZeroAllocTest}), which paranoid leak
     * detection adds to (a stack trace per skb): returns when detection is off. Otherwise the test
     * fails in the {@code zero-alloc} surefire execution (core/pom.xml; it sets
     * {@code packetflow.zeroAlloc=required}, and detection on there means it is misconfigured),
     * and skips elsewhere (e.g. named with {@code -Dtest}, which runs it in the default execution).
     */
    public static void requireDetectionOff() {
        if (!LeakDetector.ENABLED) {
            return;
        }
        String why = "paranoid leak detection allocates per skb";
        if ("required".equals(System.getProperty("packetflow.zeroAlloc"))) {
            Assertions.fail("the zero-alloc execution runs with leak detection on (" + why
                    + "): check its argLine in core/pom.xml");
        }
        Assumptions.abort(why + "; this test runs in the zero-alloc execution (core/pom.xml)");
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        LeakDetector.reset();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!LeakDetector.ENABLED) {
            return;
        }
        int live = LeakDetector.live();
        if (live == 0) {
            return;
        }
        List<String> sites = LeakDetector.report(3);
        LeakDetector.reset();
        // Only fail a test that otherwise passed: a failing test's own error is the one to see.
        if (context.getExecutionException().isEmpty()) {
            throw new AssertionError(live + " skb(s) leaked by " + context.getDisplayName()
                    + "; first allocation sites:\n" + String.join("\n", sites));
        }
    }
}
