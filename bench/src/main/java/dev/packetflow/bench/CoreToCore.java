package dev.packetflow.bench;

/**
 * How long a cache line takes to go from one running thread to another and back, measured right
 * before a two-thread scenario and printed beside its figures.
 *
 * <p>On this project's VM the figure is not a constant of the machine: two spinning threads bounce
 * a line in about 80 ns most of the time and in 300-470 ns at others, for seconds at a stretch,
 * with nothing else running (the host moves the two vCPUs between its cores; the guest cannot
 * see or pin that). A scenario whose threads hand every packet across (udp-throughput: the
 * sender's skb, its data and its socket's write allocation all cross to the receiver) runs twice
 * as slow in the second regime, so a figure without this one beside it cannot be compared with
 * another run's.
 */
final class CoreToCore {
    private CoreToCore() {}

    /** Padding so that the two flags sit on lines of their own. */
    @SuppressWarnings("unused")
    static class Pad {
        long p0, p1, p2, p3, p4, p5, p6, p7;
    }

    static class Ping extends Pad {
        volatile long ping;
    }

    @SuppressWarnings("unused")
    static class Flags extends Ping {
        long q0, q1, q2, q3, q4, q5, q6, q7;
        volatile long pong;
    }

    /**
     * Median over {@code rounds} rounds of {@code perRound} round trips each, in ns per round
     * trip; bounded in time (a round stops after 50 ms whatever it reached).
     */
    static double roundTripNs(int rounds, int perRound) throws InterruptedException {
        double[] r = new double[rounds];
        for (int k = 0; k < rounds; k++) {
            r[k] = oneRound(perRound);
        }
        java.util.Arrays.sort(r);
        return r[rounds / 2];
    }

    private static double oneRound(int n) throws InterruptedException {
        Flags f = new Flags();
        long deadline = System.nanoTime() + 50_000_000L;
        Thread echo = Thread.ofPlatform().name("c2c-echo").start(() -> {
            for (long i = 1; i <= n; i++) {
                while (f.ping != i) {
                    if (f.ping < 0) {
                        return;
                    }
                    Thread.onSpinWait();
                }
                f.pong = i;
            }
        });
        long t0 = System.nanoTime();
        long done = 0;
        for (long i = 1; i <= n; i++) {
            f.ping = i;
            while (f.pong != i) {
                Thread.onSpinWait();
                if ((i & 1023) == 0 && System.nanoTime() > deadline) {
                    break;
                }
            }
            if (f.pong != i) {
                break;
            }
            done = i;
        }
        long dt = System.nanoTime() - t0;
        f.ping = -1;
        echo.join();
        return done == 0 ? Double.NaN : (double) dt / done;
    }
}
