package dev.packetflow.net.core;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds skbs (and raw page-pool buffers) that were allocated and never freed. Off unless the system property
 * {@code packetflow.leakDetection} is {@code paranoid} (the test build sets it): then every
 * allocation records where it happened, and a test's leak check can say which code leaked.
 *
 * <p>Modelled on the idea of netty's paranoid leak detection; the check itself lives in the tests
 * ({@code LeakCheckExtension}), which compare {@link #live()} before and after each test.
 */
public final class LeakDetector {
    public static final boolean ENABLED = "paranoid".equals(System.getProperty("packetflow.leakDetection"));

    /** Live skb heads and raw pages ({@link PagePool.Page}s a driver holds outside any skb). */
    private static final Map<Object, Throwable> LIVE = new ConcurrentHashMap<>();

    private LeakDetector() {}

    static void track(SkBuff skb) {
        LIVE.put(skb, new Throwable("skb allocated here"));
    }

    static void untrack(SkBuff skb) {
        LIVE.remove(skb);
    }

    /** A raw buffer left the pool without an skb (a driver's RX ring holds it). */
    static void trackPage(SkbShared page) {
        LIVE.put(page, new Throwable("page-pool buffer allocated here"));
    }

    /** The raw buffer went back to its pool or now belongs to an skb (which is tracked instead). */
    static void untrackPage(SkbShared page) {
        LIVE.remove(page);
    }

    /** Number of tracked skbs and raw pages not yet freed (0 when detection is off). */
    public static int live() {
        return LIVE.size();
    }

    /** Forgets every tracked skb (a test that failed must not poison the next one). */
    public static void reset() {
        LIVE.clear();
    }

    /** Allocation sites of the skbs still live, one stack trace each, at most {@code max}. */
    public static List<String> report(int max) {
        List<String> out = new ArrayList<>();
        for (Throwable t : LIVE.values()) {
            if (out.size() >= max) {
                break;
            }
            StringWriter sw = new StringWriter();
            t.printStackTrace(new PrintWriter(sw));
            out.add(sw.toString());
        }
        return out;
    }
}
