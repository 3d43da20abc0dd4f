package dev.packetflow.drill;

import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.Uapi;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * One run of one script (GRAMMAR.md sections 3 to 8): checks the whole script first, builds the
 * stack, then walks the events in virtual time.
 *
 * <h2>Time</h2>
 * Each event's scripted time is computed from its time column: absolute from the script start,
 * relative from the moment the previous event completed (consecutive inbound packets: from the
 * previous inbound packet's scripted time). Tolerance: {@code max(tolerance_usecs,
 * tolerance_percent × gap)}. System calls and inbound packets happen exactly at their scripted
 * time (the runner moves virtual time there); an outbound packet must arrive within
 * {@code [start − tol, end + tol]}; a blocking call must return at its end time ± tol. Waiting for
 * an expected packet ends after its time + 2 s ("timed out"); {@code *} waits for anything the
 * stack can still do.
 */
final class Execution {
    private static final BooleanSupplier NEVER = () -> false;

    private final Script script;
    private final DrillConfig cfg;
    private final DrillRunner.Options opts;
    private final List<String> warnings;
    private final Map<Event, List<CodeBlock.Assertion>> code = new IdentityHashMap<>();
    private final List<Snapshot> snapshots = new ArrayList<>();
    private List<StackSettings.Setting> initSettings = List.of();

    private Sut sut;
    private Peer peer;
    private Syscalls sys;
    private AppThreads app;
    private long t0;
    private long anchorNs;
    private long prevScriptedNs;
    private boolean prevInbound;
    private AppThreads.Call pending;
    private int currentLine;

    private record Snapshot(Event.Code event, List<CodeBlock.Assertion> assertions, Map<String, Long> vars) {}

    Execution(Script script, DrillConfig cfg, DrillRunner.Options opts, List<String> warnings) {
        this.script = script;
        this.cfg = cfg;
        this.opts = opts;
        this.warnings = warnings;
    }

    DrillResult run() {
        long wall0 = System.nanoTime();
        DrillFailure failure = null;
        long virtualNs = 0;
        try {
            validate();
            sut = new Sut(cfg, opts.seed, opts.stackSetup);
            applySettings(initSettings, script.initLine());
            peer = new Peer(cfg, sut.localIp, sut.remoteIp, sut.sutMac, sut.peerMac);
            sys = new Syscalls(sut.net.sockets(), cfg, peer);
            app = new AppThreads(sut.net.clock());
            t0 = now();
            anchorNs = t0;
            prevScriptedNs = t0;
            for (Event e : script.events()) {
                currentLine = e.line();
                try {
                    step(e);
                } catch (DrillFailure f) {
                    if (!nonFatal(f)) {
                        throw f;
                    }
                    warnings.add("line " + f.line() + ": " + f.getMessage());
                    anchorNs = now();
                }
            }
            currentLine = 0;
            while (pending != null) {
                advance(pending.deadlineNs() + 1, () -> pending == null);
            }
            evaluateCode();
        } catch (DrillFailure f) {
            failure = f;
        } catch (RuntimeException | Error x) {
            failure = new DrillFailure(currentLine, "runner stopped by " + x + stackTop(x));
        } finally {
            if (sut != null) {
                virtualNs = now() - t0;
            }
            cleanup();
        }
        long wall = System.nanoTime() - wall0;
        if (failure != null) {
            return new DrillResult(script.name(), false, failure.line(), failure.getMessage(), warnings, virtualNs, wall);
        }
        return new DrillResult(script.name(), true, 0, null, warnings, virtualNs, wall);
    }

    private static String stackTop(Throwable x) {
        StackTraceElement[] st = x.getStackTrace();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(6, st.length); i++) {
            sb.append("\n    at ").append(st[i]);
        }
        return sb.toString();
    }

    private boolean nonFatal(DrillFailure f) {
        return (f.kind() == DrillFailure.Kind.PACKET && cfg.nonFatal.contains("packet"))
                || (f.kind() == DrillFailure.Kind.SYSCALL && cfg.nonFatal.contains("syscall"));
    }

    /** Everything that can be checked before running: system calls, shell commands, code blocks. */
    private void validate() throws DrillFailure {
        if (script.init() != null) {
            try {
                initSettings = ShellCommands.interpret(script.init());
            } catch (ShellCommands.Unsupported u) {
                throw new DrillFailure(script.initLine(), u.getMessage());
            }
        }
        if (script.cleanup() != null) {
            try {
                ShellCommands.interpret(script.cleanup());
            } catch (ShellCommands.Unsupported u) {
                throw new DrillFailure(0, "cleanup: " + u.getMessage());
            }
        }
        for (Event e : script.events()) {
            switch (e) {
                case Event.Syscall s when !Syscalls.known(s.name()) ->
                        throw new DrillFailure(e.line(), "unsupported system call '" + s.name() + "'");
                case Event.Shell s -> {
                    try {
                        ShellCommands.interpret(s.command());
                    } catch (ShellCommands.Unsupported u) {
                        throw new DrillFailure(e.line(), u.getMessage());
                    }
                }
                case Event.Code c -> {
                    try {
                        code.put(c, CodeBlock.parse(c.code()));
                    } catch (CodeBlock.Unsupported u) {
                        throw new DrillFailure(e.line(), "unsupported code block: " + u.getMessage());
                    }
                }
                default -> {
                }
            }
        }
    }

    private void applySettings(List<StackSettings.Setting> settings, int line) throws DrillFailure {
        Map<String, List<String>> notApplied = new java.util.LinkedHashMap<>();
        for (StackSettings.Setting s : settings) {
            String why;
            try {
                why = opts.settings.set(sut.net, s.name(), s.value());
            } catch (IllegalArgumentException x) {
                throw new DrillFailure(line, "setting " + s + " refused: " + x.getMessage());
            }
            if (why != null) {
                notApplied.computeIfAbsent(why, k -> new ArrayList<>()).add(s.name());
            }
        }
        notApplied.forEach((why, names) -> warnings.add((line > 0 ? "line " + line + ": " : "") + "not applied ("
                + why + "): " + String.join(", ", names)));
    }

    // ================================================================ events

    private void step(Event e) throws DrillFailure {
        long now = now();
        EventTime t = e.time();
        boolean inbound = e instanceof Event.Packet p && p.inbound();
        long base = !t.relative() ? t0 : inbound && prevInbound ? prevScriptedNs : anchorNs;
        long startNs = t.any() ? now : base + t.startUs() * 1000;
        long endNs = t.end() == EventTime.End.NONE ? startNs : base + t.endUs() * 1000;
        long tolNs = cfg.toleranceUs(Math.max(0, startNs - prevScriptedNs) / 1000) * 1000;
        switch (e) {
            case Event.Packet p when p.inbound() -> {
                reach(e, startNs, tolNs);
                Peer.Inbound in = peer.inbound(p);
                sut.inject(in);
                advance(now(), NEVER);
            }
            case Event.Packet p -> outbound(p, startNs, endNs, tolNs, t.any());
            case Event.Syscall s -> syscall(s, startNs, endNs, tolNs);
            case Event.Shell s -> {
                reach(e, startNs, tolNs);
                try {
                    applySettings(ShellCommands.interpret(s.command()), s.line());
                } catch (ShellCommands.Unsupported u) {
                    throw new DrillFailure(e.line(), u.getMessage());
                }
            }
            case Event.Code c -> {
                reach(e, startNs, tolNs);
                snapshot(c);
            }
        }
        prevScriptedNs = t.any() ? now() : startNs;
        prevInbound = inbound;
        anchorNs = now();
    }

    /** Moves virtual time to an event's start, failing if the runner got there too late. */
    private void reach(Event e, long startNs, long tolNs) throws DrillFailure {
        long now = now();
        if (now > startNs + tolNs) {
            throw new DrillFailure(e.line(), DrillFailure.Kind.TIMING, "event reached late: scripted at " + at(startNs)
                    + ", the runner got there at " + at(now) + " (tolerance " + us(tolNs) + ")\n  script: " + e.text());
        }
        advance(startNs, NEVER);
    }

    private void outbound(Event.Packet ev, long startNs, long endNs, long tolNs, boolean any) throws DrillFailure {
        long lateNs = any ? now() + cfg.anyTimeLimitUsecs * 1000 : endNs + tolNs;
        long waitNs = any ? lateNs : Math.max(lateNs, startNs + cfg.packetTimeoutUsecs * 1000);
        if (!advance(waitNs, sut::hasCaptured)) {
            throw new DrillFailure(ev.line(), DrillFailure.Kind.PACKET, "timed out waiting for an outbound packet"
                    + (any ? "" : " (expected at " + window(startNs, endNs, tolNs) + ")") + "; none came by " + at(now())
                    + "\n  expected: " + ev.text());
        }
        Captured first = sut.nextCaptured();
        String timing = any ? null : timing(first.timeNs, startNs, endNs, tolNs);
        String mismatch;
        String actual;
        switch (ev.spec()) {
            case PacketSpec.Tcp exp -> {
                if (!first.isTcp()) {
                    throw packetFailure(ev, "expected a TCP segment", "> " + first.describeRaw(), first.timeNs);
                }
                Conn conn = peer.outboundConn(first);
                if (conn == null) {
                    Conn cur = peer.current();
                    throw packetFailure(ev, "packet of another connection than the one under test ("
                            + (cur == null ? "none yet" : cur.toString()) + ")", "> " + first.describeRaw(), first.timeNs);
                }
                Segment seg = Segment.of(first);
                String notMore = null;
                while (!cfg.strictSegments && seg.len() > 0 && seg.len() < exp.len()) {
                    long until = Math.max(now(), any ? lateNs : endNs + tolNs);
                    if (!advance(until, sut::hasCaptured)) {
                        notMore = "no further segment came by " + at(now());
                        break;
                    }
                    Captured next = sut.peekCaptured();
                    String why = next.isTcp() ? seg.cannotAppend(next) : "it is not TCP";
                    if (why == null && !any && next.timeNs > endNs + tolNs) {
                        why = "it came at " + at(next.timeNs) + ", after the window";
                    }
                    if (why != null) {
                        notMore = "the next packet cannot be aggregated: " + why;
                        break;
                    }
                    seg = seg.append(sut.nextCaptured());
                }
                mismatch = PacketMatcher.matchTcp(exp, ev.ip(), seg, conn, cfg, tolNs / 1000);
                if (mismatch != null && notMore != null && seg.len() < exp.len()) {
                    mismatch += "; " + notMore;
                }
                actual = "> " + PacketMatcher.formatTcp(seg, conn);
            }
            case PacketSpec.Udp u -> {
                mismatch = PacketMatcher.matchUdp(u, ev.ip(), first);
                actual = "> " + first.describeRaw();
            }
            case PacketSpec.Icmp i -> {
                mismatch = PacketMatcher.matchIcmp(i, ev.ip(), first, peer.current());
                actual = "> " + first.describeRaw();
            }
        }
        if (mismatch != null) {
            throw packetFailure(ev, "outbound packet does not match: " + mismatch + (timing != null ? "; also " + timing : ""),
                    actual, first.timeNs);
        }
        if (timing != null) {
            throw new DrillFailure(ev.line(), DrillFailure.Kind.TIMING, "outbound packet " + timing + "\n  expected: " + ev.text()
                    + "\n  actual:   " + at(first.timeNs) + " " + actual);
        }
    }

    private DrillFailure packetFailure(Event.Packet ev, String what, String actual, long timeNs) {
        return new DrillFailure(ev.line(), DrillFailure.Kind.PACKET, what + "\n  expected: " + ev.text() + "\n  actual:   "
                + at(timeNs) + " " + actual);
    }

    /** Null if {@code tNs} is within the window, else "arrived early/late ...". */
    private String timing(long tNs, long startNs, long endNs, long tolNs) {
        if (tNs < startNs - tolNs) {
            return "arrived early: at " + at(tNs) + ", expected " + window(startNs, endNs, tolNs);
        }
        if (tNs > endNs + tolNs) {
            return "arrived late: at " + at(tNs) + ", expected " + window(startNs, endNs, tolNs);
        }
        return null;
    }

    private String window(long startNs, long endNs, long tolNs) {
        return (startNs == endNs ? at(startNs) : at(startNs) + "~" + at(endNs)) + " ± " + us(tolNs);
    }

    // ================================================================ system calls

    private void syscall(Event.Syscall ev, long startNs, long endNs, long tolNs) throws DrillFailure {
        boolean blocking = ev.time().blocking();
        while (blocking && pending != null) {
            advance(pending.deadlineNs() + 1, () -> pending == null); // one blocking call at a time
        }
        reach(ev, startNs, tolNs);
        Syscalls.Prepared p = sys.prepare(ev);
        long endTol = blocking ? Math.max(tolNs, cfg.toleranceUs(Math.max(0, endNs - startNs) / 1000) * 1000) : tolNs;
        AppThreads.Call c = new AppThreads.Call(ev, p, now(), blocking ? endNs : startNs, endTol);
        app.start(c);
        if (c.done) {
            finish(c);
            return;
        }
        if (blocking) {
            pending = c;
            return;
        }
        advance(startNs + tolNs, () -> c.done);
        if (!c.done) {
            c.collected = true; // abandoned: the cleanup interrupts it
            throw new DrillFailure(ev.line(), DrillFailure.Kind.SYSCALL, ev.name()
                    + "() blocked, but the script expects it to return at once (a blocking call is written start...end)"
                    + "\n  script: " + ev.text());
        }
        finish(c);
    }

    /** Checks a call that returned: its result, out-values and return time. */
    private void finish(AppThreads.Call c) throws DrillFailure {
        c.collected = true;
        if (c == pending) {
            pending = null;
        }
        Event.Syscall ev = c.event;
        if (c.error != null) {
            throw new DrillFailure(ev.line(), "system call threw " + c.error + stackTop(c.error) + "\n  script: " + ev.text());
        }
        String m = c.prepared.check(c.result);
        if (m != null) {
            throw new DrillFailure(ev.line(), DrillFailure.Kind.SYSCALL, ev.name() + "() " + m + "\n  script: " + ev.text());
        }
        if (ev.time().blocking() && Math.abs(c.endNs - c.expectedEndNs) > c.tolNs) {
            throw new DrillFailure(ev.line(), DrillFailure.Kind.TIMING, "blocking " + ev.name() + "() returned at "
                    + at(c.endNs) + ", expected at " + at(c.expectedEndNs) + " ± " + us(c.tolNs) + "\n  script: " + ev.text());
        }
    }

    private void checkPending() throws DrillFailure {
        AppThreads.Call c = pending;
        if (c == null) {
            return;
        }
        if (c.done) {
            finish(c);
        } else if (now() > c.deadlineNs()) {
            pending = null;
            c.collected = true;
            throw new DrillFailure(c.event.line(), DrillFailure.Kind.TIMING, "blocking " + c.event.name()
                    + "() has not returned by " + at(now()) + " (expected at " + at(c.expectedEndNs) + " ± " + us(c.tolNs) + ")"
                    + "\n  script: " + c.event.text());
        }
    }

    // ================================================================ virtual time

    /**
     * Runs the simulation until {@code until} holds (returns true) or virtual time reaches
     * {@code targetNs} with nothing left to do at that instant (returns {@code until}'s value).
     * Application threads are kept in lockstep: whenever a stack event wakes one, the simulation
     * pauses until that thread returns or parks again. A pending blocking call is checked at each
     * pause and at its deadline.
     */
    private boolean advance(long targetNs, BooleanSupplier until) throws DrillFailure {
        for (;;) {
            app.settle();
            checkPending();
            if (until.getAsBoolean()) {
                return true;
            }
            long now = now();
            long stepTarget = targetNs;
            if (pending != null) {
                stepTarget = Math.min(stepTarget, Math.max(now, pending.deadlineNs() + 1));
            }
            boolean hit = sut.sim.runUntil(() -> app.awake() || until.getAsBoolean(),
                    Duration.ofNanos(Math.max(0, stepTarget - now)));
            if (hit) {
                continue;
            }
            if (now() < stepTarget) {
                sut.sim.virtualClock().advanceTo(stepTarget);
            }
            if (stepTarget >= targetNs) {
                app.settle();
                checkPending();
                return until.getAsBoolean();
            }
        }
    }

    private long now() {
        return sut.sim.nowNs();
    }

    /** Virtual time as seconds since the script started, for messages: {@code 0.100250}. */
    private String at(long ns) {
        return EventTime.seconds((ns - t0) / 1000) + "s";
    }

    private static String us(long ns) {
        return ns / 1000 + "us";
    }

    // ================================================================ code blocks

    private void snapshot(Event.Code c) throws DrillFailure {
        int fd = sys.socketUnderTest;
        if (fd < 0) {
            throw new DrillFailure(c.line(), "no socket to take TCP_INFO from for the code block");
        }
        byte[] b = new byte[TcpInfo.SIZE];
        int[] len = {b.length};
        int r = sut.net.sockets().getsockopt(fd, Uapi.SOL_TCP, 11 /* TCP_INFO */, b, len);
        if (r < 0) {
            throw new DrillFailure(c.line(), "code blocks need getsockopt(TCP_INFO), which returned " + Errno.describe(r));
        }
        snapshots.add(new Snapshot(c, code.get(c), TcpInfo.decode(b, Math.min(len[0], b.length))));
    }

    /** Like packetdrill: code blocks are evaluated after the script, each with its own snapshot. */
    private void evaluateCode() throws DrillFailure {
        for (Snapshot s : snapshots) {
            for (CodeBlock.Assertion a : s.assertions()) {
                String m;
                try {
                    m = CodeBlock.check(a, s.vars());
                } catch (CodeBlock.Unsupported u) {
                    throw new DrillFailure(s.event().line(), "unsupported code block: " + u.getMessage());
                }
                if (m != null) {
                    throw new DrillFailure(s.event().line(), m);
                }
            }
        }
    }

    // ================================================================ the end

    private void cleanup() {
        if (app != null) {
            try {
                app.interruptAll();
            } catch (RuntimeException ignored) {
                // the stack is closed next either way
            }
        }
        if (sut != null) {
            sut.close();
        }
        if (app != null) {
            app.joinAll();
        }
    }
}
