package dev.packetflow.net.socket;

import dev.packetflow.net.core.Napi;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.SoftnetData;

/**
 * Busy polling ({@code SO_BUSY_POLL}): a receiver that finds its queue empty polls the NAPI
 * context of the device its packets come from, in its own thread, for up to {@code busy_poll} µs,
 * instead of going to sleep and waiting for softnet to deliver and wake it. It trades a core for
 * the latency of a wake-up.
 *
 * <p>The hook is small: the sock remembers the device of the last packet it received
 * ({@link Sock#skMarkNapiId}, from {@link Sock#sockQueueRcvSkb} and TCP's receive path); the loop
 * calls {@link Napi#busyPoll} on that device's contexts, which polls only a context softnet is not
 * already polling, until the sock's receive queue ({@link Sock#receiveQueueLen()}) is not empty.
 * UDP's receive ({@link Datagram#skbRecvDatagram}) and TCP's ({@code tcp_recvmsg}) use it. Only in
 * real time: in a simulation every packet is delivered by the simulation
 * loop, and an application thread polling devices would make runs depend on thread timing, so the
 * socket option is accepted and recorded but has no effect.
 *
 * <p>With {@code SO_PREFER_BUSY_POLL} the poller claims the CPU's receive work for
 * {@link SoftnetData#BUSY_POLL_DEFER_NS} after each round (Linux: {@code napi_defer_hard_irqs} with
 * {@code gro_flush_timeout}): producers no longer wake that CPU's softnet worker, the worker does
 * not compete for the work, and the poller runs that CPU's {@code net_rx_action} itself, so a
 * busy-polling application is neither held up by softnet's wake-up nor preempted by it. A blocking
 * receive that gives up polling to sleep hands the work back at once ({@code busy_poll_stop}).
 *
 * <p>Linux: {@code include/net/busy_poll.h sk_busy_loop()}, {@code net/core/dev.c napi_busy_loop()}.
 */
public final class BusyPoll {
    /**
     * A non-blocking poller that has found nothing for this long (or for its {@code busy_poll}
     * period, if shorter) yields the CPU once ({@link #idleRound}): long against a round trip
     * between two cores (a few µs), short against a scheduler time slice.
     */
    static final long YIELD_AFTER_NS = 10_000;

    /** Linux: {@code BUSY_POLL_BUDGET}. */
    static final int BUSY_POLL_BUDGET = 8;

    private BusyPoll() {}

    /** Linux: {@code sk_can_busy_loop()}. */
    public static boolean skCanBusyLoop(Sock sk) {
        return sk.busyPollUs != 0 && !sk.net.kernel().deterministic() && !Thread.currentThread().isInterrupted();
    }

    /**
     * Linux: {@code sk_busy_loop()}. Polls until a packet is queued, {@code busy_poll} µs passed or,
     * for a non-blocking call, after one round. Returns whether the queue is non-empty.
     */
    public static boolean skBusyLoop(Sock sk, boolean nonblock) {
        NetDevice dev = sk.napiDev;
        if (dev == null) {
            return false;
        }
        Napi[] napis = dev.napis();
        long limitNs = sk.busyPollUs * 1000L;
        long now = nonblock ? nonblockNow(sk) : sk.net.clock().nanoTime();
        long start = now;
        for (;;) {
            boolean prefer = sk.preferBusyPoll;
            for (Napi n : napis) {
                n.busyPoll(BUSY_POLL_BUDGET, prefer, now);
            }
            if (sk.receiveQueueLen() != 0) {
                sk.busyIdleSinceNs = 0;
                return true;
            }
            if (nonblock) {
                if (sk.busyClockSkips != 0) {
                    now = sk.busyClockNs = sk.net.clock().nanoTime(); // idle time is measured exactly
                    sk.busyClockSkips = 0;
                }
                idleRound(sk, now, Math.min(limitNs, YIELD_AFTER_NS));
                return false;
            }
            now = sk.net.clock().nanoTime();
            if (now - start >= limitNs) {
                if (prefer) {
                    // About to sleep: softnet must deliver (and wake us) from now on.
                    busyPollStop(napis);
                }
                return false;
            }
            Thread.onSpinWait();
        }
    }

    /** Non-blocking calls that may reuse the last clock reading before reading it again. */
    static final int CLOCK_REUSE = 32;

    /**
     * The time for a non-blocking round: the last reading, reused while packets keep coming (for
     * at most {@link #CLOCK_REUSE} calls), a fresh one otherwise. A receiver that spins on
     * {@code recvmsg(MSG_DONTWAIT)} makes one call per datagram, and in a VM a clock read costs
     * tens of ns, a tenth of what receiving a small datagram costs; the reading only times the
     * busy-poll claim ({@link SoftnetData#BUSY_POLL_DEFER_NS}, 1 ms, renewed at half of that), for
     * which a few µs of age do not matter. Linux reads a cheap cycle counter here
     * ({@code busy_loop_current_time()}).
     */
    private static long nonblockNow(Sock sk) {
        if (sk.busyIdleSinceNs == 0 && sk.busyClockSkips < CLOCK_REUSE && sk.busyClockNs != 0) {
            sk.busyClockSkips++;
            return sk.busyClockNs;
        }
        sk.busyClockSkips = 0;
        return sk.busyClockNs = sk.net.clock().nanoTime();
    }

    /**
     * A non-blocking round that found nothing. Linux's busy loop gives way when the scheduler
     * wants the CPU ({@code need_resched()}, {@code cond_resched()}); a Java thread cannot see that,
     * so a poller that has spun for {@code limitNs} without data yields once: on
     * a machine with fewer free cores than spinning threads, the thread it waits for (the peer
     * application, the sender) may be queued behind it. Costs one {@code sched_yield} per
     * {@code limitNs} of idle spinning when the core is free.
     */
    private static void idleRound(Sock sk, long now, long limitNs) {
        long since = sk.busyIdleSinceNs;
        if (since == 0) {
            sk.busyIdleSinceNs = now;
        } else if (now - since >= limitNs) {
            sk.busyIdleSinceNs = now;
            Thread.yield();
        }
    }

    /** Linux: {@code busy_poll_stop()}: hands the contexts' CPUs back to softnet. */
    private static void busyPollStop(Napi[] napis) {
        for (Napi n : napis) {
            n.busyPollRelease();
            SoftnetData sd = n.cpu();
            if (sd != null) {
                sd.busyPollStop();
            }
        }
    }
}
