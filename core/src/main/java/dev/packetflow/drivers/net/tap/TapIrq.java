package dev.packetflow.drivers.net.tap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.BooleanSupplier;

/**
 * A TAP's interrupt line: an epoll set holding the tun fd and an eventfd, and (in real time) the
 * {@code tap-irq/NAME} thread that blocks in {@code epoll_wait} on it.
 *
 * <p>The tun fd is registered with {@code EPOLLONESHOT}: after reporting readiness once it is
 * disarmed (the interrupt masked) until {@link #arm} is called again, which the NAPI poll does
 * when it has drained the fd. When the interrupt thread runs that poll itself (irq exit, real
 * time), the fd is edge-triggered instead, and a poll that drained it re-arms without a system
 * call ({@link #useEdgeTriggered}). Arming is an {@code EPOLL_CTL_MOD} of a level-triggered
 * registration, which reports readiness that is already there: a frame that arrived between the
 * last {@code EAGAIN} and the re-arm is not missed. The eventfd is always armed; writing it wakes
 * the thread to stop, or to run {@link Handler#periodic} early.
 *
 * <p>The waits, {@code epoll_ctl} and the eventfd use preallocated native memory: no allocation
 * once running.
 */
final class TapIrq {
    /** What the interrupt thread calls. */
    interface Handler {
        /** The tun fd reported {@code events} (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP); it is disarmed now. */
        void interrupt(int events);

        /** Every {@code periodMs}, or soon after {@link #requestPeriodic()}. */
        void periodic();
    }

    private static final long TAG_TUN = 1;
    private static final long TAG_KICK = 2;
    private static final int WAIT_EVENTS = 4;

    private final int tunFd;
    private final int epfd;
    private final int kickFd;
    /** Guards epoll_ctl (the event buffer) and {@link #closed}. */
    private final Object armLock = new Object();
    /** Whether a TX queue waits for EPOLLOUT; read under armLock. */
    private final BooleanSupplier txWaiting;
    private final MemorySegment armErrno;
    private final MemorySegment armEvent;
    /** Held while waiting: one waiter at a time, and close waits for it. */
    private final Object waitLock = new Object();
    private final MemorySegment waitErrno;
    private final MemorySegment waitEvents;
    private final MemorySegment waitBuf;
    private final Object kickLock = new Object();
    private final MemorySegment kickErrno;
    private final MemorySegment kickBuf;
    private volatile boolean closed;
    /** Edge-triggered arming ({@link #useEdgeTriggered}); guarded by armLock. */
    private boolean edge;
    /** The events registered for the tun fd now (meaningful in edge mode); guarded by armLock. */
    private int registered;
    private Thread thread;
    private volatile boolean stop;
    private volatile boolean periodicRequested;

    /** Creates the epoll set with the tun fd disarmed. */
    TapIrq(Arena arena, int tunFd, String devName, BooleanSupplier txWaiting) {
        this.tunFd = tunFd;
        this.txWaiting = txWaiting;
        armErrno = LibC.errnoSegment(arena);
        armEvent = arena.allocate(LibC.epollEventLayout());
        waitErrno = LibC.errnoSegment(arena);
        waitEvents = arena.allocate(LibC.EPOLL_EVENT_SIZE * WAIT_EVENTS, 8);
        waitBuf = arena.allocate(8, 8);
        kickErrno = LibC.errnoSegment(arena);
        kickBuf = arena.allocate(8, 8);
        epfd = LibC.epollCreate1(armErrno, LibC.O_CLOEXEC);
        if (epfd < 0) {
            throw TapException.callFailed("epoll_create1", devName, -epfd);
        }
        kickFd = LibC.eventfd(armErrno, 0, LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        if (kickFd < 0) {
            LibC.close(armErrno, epfd);
            throw TapException.callFailed("eventfd", devName, -kickFd);
        }
        LibC.setEpollEvent(armEvent, 0, LibC.EPOLLIN, TAG_KICK);
        int rc = LibC.epollCtl(armErrno, epfd, LibC.EPOLL_CTL_ADD, kickFd, armEvent);
        if (rc == 0) {
            // ONESHOT with no events: registered but disarmed until ndo_open.
            LibC.setEpollEvent(armEvent, 0, LibC.EPOLLONESHOT, TAG_TUN);
            rc = LibC.epollCtl(armErrno, epfd, LibC.EPOLL_CTL_ADD, tunFd, armEvent);
        }
        if (rc < 0) {
            LibC.close(armErrno, kickFd);
            LibC.close(armErrno, epfd);
            throw TapException.callFailed("epoll_ctl", devName, -rc);
        }
    }

    /**
     * Arms the tun fd: input, plus output while {@code txWaiting} says a TX queue waits for room.
     * The interrupt unmasked. Any thread.
     *
     * <p>{@code txWaiting} is read under the arming lock, not passed in: the sender that stops its
     * queue and the interrupt thread that re-arms after a report race, and a value read before the
     * lock could let the interrupt thread's stale "no output" replace the sender's fresh "output"
     * and strand the queue until the watchdog.
     *
     * <p>One-shot (the default) disarms the fd at each report, so every re-arm is an
     * {@code epoll_ctl}. Edge-triggered ({@link #useEdgeTriggered}) keeps it registered: a report
     * comes for each new arrival, and re-arming with what is registered already costs no system
     * call. That is safe because NAPI completes only after {@code read()} said {@code EAGAIN}, so
     * no frame waits without an edge to come.
     */
    void arm() {
        armIf(false);
    }

    /**
     * {@link #arm()} for a sender whose {@code write()} just said {@code EAGAIN}: always an
     * {@code epoll_ctl}, even edge-triggered with output already registered, because the MOD polls
     * the fd. The kernel may have freed our frames between refusing the write and noting that a
     * writer waits ({@code sock_alloc_send_pskb} sets {@code SOCKWQ_ASYNC_NOSPACE} after its check),
     * and then no wake-up would come; the poll sees the room and reports it.
     */
    void armAfterEagain() {
        armIf(true);
    }

    private void armIf(boolean force) {
        synchronized (armLock) {
            if (!closed) {
                int events = LibC.EPOLLIN | (edge ? LibC.EPOLLET : LibC.EPOLLONESHOT)
                        | (txWaiting.getAsBoolean() ? LibC.EPOLLOUT : 0);
                if (edge && !force && events == registered) {
                    return;
                }
                LibC.setEpollEvent(armEvent, 0, events, TAG_TUN);
                LibC.epollCtl(armErrno, epfd, LibC.EPOLL_CTL_MOD, tunFd, armEvent);
                registered = events;
            }
        }
    }

    /**
     * Switches to edge-triggered arming, for an interrupt thread that runs the poll itself on its
     * irq exit: it is the only waiter, so the fd need not be masked while it polls, and a
     * completed poll re-arms for free. Call before the device opens.
     */
    void useEdgeTriggered() {
        synchronized (armLock) {
            edge = true;
        }
    }

    /** Disarms the tun fd (nothing is reported until {@link #arm}). */
    void disarm() {
        synchronized (armLock) {
            if (!closed) {
                LibC.setEpollEvent(armEvent, 0, LibC.EPOLLONESHOT, TAG_TUN);
                LibC.epollCtl(armErrno, epfd, LibC.EPOLL_CTL_MOD, tunFd, armEvent);
                registered = LibC.EPOLLONESHOT;
            }
        }
    }

    /**
     * Waits up to {@code timeoutMs} (-1: forever) for the tun fd or a kick. Returns the tun fd's
     * events, 0 when it had none (timeout, kick, or closed).
     */
    int waitOnce(int timeoutMs) {
        synchronized (waitLock) {
            if (closed) {
                return 0;
            }
            int n = LibC.epollWait(waitErrno, epfd, waitEvents, WAIT_EVENTS, timeoutMs);
            int events = 0;
            for (int i = 0; i < n; i++) {
                if (LibC.epollData(waitEvents, i) == TAG_KICK) {
                    LibC.read(waitErrno, kickFd, waitBuf.address(), 8);
                } else {
                    events |= LibC.epollEvents(waitEvents, i);
                }
            }
            return events;
        }
    }

    private void kick() {
        synchronized (kickLock) {
            if (!closed) {
                kickBuf.set(ValueLayout.JAVA_LONG, 0, 1L);
                LibC.write(kickErrno, kickFd, kickBuf.address(), 8);
            }
        }
    }

    /** Asks the thread to run {@link Handler#periodic} soon (the poll saw the kernel's MTU grow). */
    void requestPeriodic() {
        periodicRequested = true;
        if (thread != null) {
            kick();
        }
    }

    /** Whether {@link #requestPeriodic()} was called since the last time; clears the request. */
    boolean takePeriodicRequest() {
        boolean r = periodicRequested;
        periodicRequested = false;
        return r;
    }

    /** Starts {@code tap-irq/NAME}: waits, hands readiness to {@code h}, calls {@code periodic}. */
    synchronized void start(String devName, Handler h, int periodMs) {
        if (thread != null || closed) {
            return;
        }
        stop = false;
        Thread t = Thread.ofPlatform().daemon().name("tap-irq/" + devName).unstarted(() -> loop(h, periodMs));
        thread = t;
        t.start();
    }

    private void loop(Handler h, int periodMs) {
        long nextNs = System.nanoTime() + periodMs * 1_000_000L;
        while (!stop) {
            nextNs = waitAndHandle(h, periodMs, nextNs);
        }
    }

    /**
     * One wait and what follows it; returns when the next periodic call is due. A method of its own
     * so that the JIT compiles it: the loop above is entered once and runs one iteration per
     * interrupt, too few for on-stack replacement, so its body would stay interpreted.
     */
    private long waitAndHandle(Handler h, int periodMs, long nextNs) {
        int events = pollNs > 0 ? pollBriefly() : 0;
        if (events == 0 && !stop) {
            long waitMs = Math.max(0, (nextNs - System.nanoTime()) / 1_000_000L);
            long t0 = pollMaxNs > 0 ? System.nanoTime() : 0;
            events = waitOnce((int) Math.min(waitMs, periodMs));
            if (pollMaxNs > 0 && events != 0) {
                adjustPoll(pollNs + System.nanoTime() - t0); // idle: the failed poll and the sleep
            }
        }
        if (stop) {
            return nextNs;
        }
        if (events != 0) {
            h.interrupt(events);
        }
        if (takePeriodicRequest() || System.nanoTime() - nextNs >= 0) {
            h.periodic();
            return System.nanoTime() + periodMs * 1_000_000L;
        }
        return nextNs;
    }

    // ------------------------------------------------------------------ polling before sleeping

    /**
     * Most nanoseconds the thread polls for the next event before it sleeps in {@code epoll_wait};
     * 0: never polls. Linux's {@code cpuidle-haltpoll} governor does this for an idle vCPU
     * ({@code guest_halt_poll_ns}, 200 µs by default), and for the same reason: waking a thread
     * whose vCPU has halted costs a VM exit and entry, tens of microseconds, while a request and
     * its answer are often closer together than that. The window adapts as haltpoll's does.
     */
    private volatile long pollMaxNs;
    /** The current window: grows when a sleep was shorter than the maximum, shrinks when longer. */
    private long pollNs;
    /** haltpoll's {@code guest_halt_poll_grow_start}. */
    static final long POLL_GROW_START_NS = 50_000;

    /** Sets the largest polling window (0 turns polling off). */
    void setPollMaxNs(long ns) {
        pollMaxNs = Math.max(0, ns);
        if (ns <= 0) {
            pollNs = 0;
        }
    }

    long pollMaxNs() {
        return pollMaxNs;
    }

    /** The current polling window, for status and tests. */
    long pollNs() {
        return pollNs;
    }

    /** Polls ({@code epoll_wait} with no timeout) for up to the current window; returns the tun fd's events. */
    private int pollBriefly() {
        long now = System.nanoTime();
        long end = now + pollNs;
        do {
            int events = waitOnce(0);
            if (events != 0 || stop) {
                return events;
            }
            // Look again in a little while, not at once: each look takes the locks and cache
            // lines of the queue the kernel is filling, slowing the writer on the other side.
            long next = now + POLL_CHECK_NS;
            do {
                Thread.onSpinWait();
                now = System.nanoTime();
            } while (now - next < 0);
        } while (now - end < 0);
        return 0;
    }

    /** Time between two looks at the fd while polling: a few frames' worth at line rate. */
    static final long POLL_CHECK_NS = 2_000;

    /**
     * Linux: {@code drivers/cpuidle/governors/haltpoll.c adjust_poll_limit()}. After an idle
     * period of {@code idleNs} (a poll that found nothing, then a sleep) that ended in an event:
     * had the window been long enough, polling would have caught it (idle under the maximum): grow
     * the window (from 50 µs, doubling, up to the maximum); idle longer than the maximum: polling
     * cannot pay, shrink it (halve, and to 0 under the start value).
     */
    private void adjustPoll(long idleNs) {
        pollNs = adjustPollNs(pollNs, pollMaxNs, idleNs);
    }

    /** {@link #adjustPoll}'s rule: the next window after {@code idleNs} of idle with window {@code cur}. */
    static long adjustPollNs(long cur, long max, long idleNs) {
        if (idleNs > cur && idleNs <= max) {
            return cur == 0 ? Math.min(POLL_GROW_START_NS, max) : Math.min(cur * 2, max);
        }
        if (idleNs > max) {
            cur /= 2;
            return cur < POLL_GROW_START_NS ? 0 : cur;
        }
        return cur;
    }

    /** Stops the thread and waits for it (bounded); the epoll set stays. */
    synchronized void stop() {
        Thread t = thread;
        if (t == null) {
            return;
        }
        stop = true;
        kick();
        try {
            t.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        thread = null;
    }

    boolean running() {
        Thread t = thread;
        return t != null && t.isAlive();
    }

    /** Stops the thread and closes the epoll set and the eventfd. */
    void close() {
        stop();
        kick(); // a pollEvents() caller in epoll_wait on another thread
        synchronized (waitLock) {
            synchronized (kickLock) {
                synchronized (armLock) {
                    if (closed) {
                        return;
                    }
                    closed = true;
                    LibC.close(armErrno, kickFd);
                    LibC.close(armErrno, epfd);
                }
            }
        }
    }
}
