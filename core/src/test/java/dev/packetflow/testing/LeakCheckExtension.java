package dev.packetflow.testing;

import dev.packetflow.net.core.LeakDetector;
import java.util.List;
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
