package dev.packetflow.net.socket;

/**
 * The handshake of the lockstep pattern (see the package documentation): wait until application
 * threads have really blocked on a descriptor before driving the stack. A real-time guard only
 * turns a bug (a thread that never blocks) into a failure instead of a hang; no outcome depends on
 * it.
 */
final class Blocking {
    private static final long GUARD_NS = 60_000_000_000L;

    private Blocking() {}

    static void awaitSleepers(SocketLayer sys, int fd, int n) {
        long start = System.nanoTime();
        while (sys.sleepers(fd) < n) {
            if (System.nanoTime() - start > GUARD_NS) {
                throw new AssertionError("fd " + fd + ": " + sys.sleepers(fd) + " sleepers, expected " + n);
            }
            Thread.yield();
        }
    }

    static void join(Thread t) throws InterruptedException {
        t.join(GUARD_NS / 1_000_000);
        if (t.isAlive()) {
            throw new AssertionError(t + " did not finish");
        }
    }
}
