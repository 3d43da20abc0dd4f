package dev.packetflow.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A Linux network namespace that a test creates for itself ({@code ip netns add pf-Class-XXXXXX}),
 * runs kernel-side commands in, and deletes on {@link #close()}, also when the test failed.
 * Interop tests put the kernel end of a TAP in here, so that nothing they do reaches the host's
 * own networking; inside, they use addresses from 198.18.0.0/15 only. {@link NetnsTap} is the
 * fixture the tests use; this class creates the namespace and runs the commands.
 *
 * <p>These tests are the documented exception to virtual time: the kernel runs in real time, so
 * they wait for it, always with a bound ({@link #await}, every command under a timeout).
 *
 * <p>Needs root and iproute2. {@link #requireRoot(String...)} skips a test (with the reason)
 * when either is missing, unless the environment says {@code CI=true}: there a missing
 * prerequisite fails the test, so the interop suite cannot silently not run.
 */
public final class KernelNetns implements AutoCloseable {
    /** Longest a single command may run. */
    public static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);

    private final String name;
    private boolean closed;

    private KernelNetns(String name) {
        this.name = name;
    }

    /** Skips (or, under CI, fails) unless we are root with {@code ip} and the given commands. */
    public static void requireRoot(String... commands) {
        List<String> missing = new ArrayList<>();
        if (!isRoot()) {
            missing.add("root (uid 0)");
        }
        if (!Files.exists(Path.of("/dev/net/tun"))) {
            missing.add("/dev/net/tun");
        }
        List<String> cmds = new ArrayList<>(Arrays.asList(commands));
        cmds.add(0, "ip");
        for (String c : cmds) {
            if (which(c) == null) {
                missing.add("the '" + c + "' command");
            }
        }
        if (cmds.contains("arping") && which("arping") != null && !run("arping", "-V").output().contains("iputils")) {
            missing.add("iputils' arping (the installed one is another: apt-get install iputils-arping)");
        }
        if (missing.isEmpty()) {
            return;
        }
        String msg = "kernel interop test needs " + String.join(", ", missing)
                + " (run as root; CI installs: iproute2 iputils-ping iputils-arping util-linux)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            Assertions.fail("CI=true, so this is a failure, not a skip: " + msg);
        }
        Assumptions.abort(msg);
    }

    /** Whether {@code command} is on the PATH (or in /usr/sbin, /sbin). */
    public static Path which(String command) {
        List<String> dirs = new ArrayList<>(Arrays.asList(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.add("/usr/sbin");
        dirs.add("/sbin");
        for (String d : dirs) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Path.of(d, command);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** A random suffix for names: namespaces, interfaces (which have at most 15 characters). */
    public static String randomSuffix() {
        byte[] b = new byte[3];
        ThreadLocalRandom.current().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /**
     * Creates {@code pf-OWNER-XXXXXX} (OWNER: the test class's name, so that suites running at
     * the same time never share one); fails the test if it cannot.
     */
    public static KernelNetns create(String owner) {
        String n = "pf-" + owner + "-" + randomSuffix();
        Result r = run("ip", "netns", "add", n);
        if (r.exit() != 0) {
            Assertions.fail("ip netns add " + n + " failed: " + r.output());
        }
        KernelNetns ns = new KernelNetns(n);
        ns.exec("ip", "link", "set", "lo", "up").check();
        return ns;
    }

    public String name() {
        return name;
    }

    /** What a command printed (stdout and stderr together) and its exit status (-1: timed out). */
    public record Result(int exit, String output) {
        /** Fails the test unless the command succeeded; returns its output. */
        public String check() {
            if (exit != 0) {
                Assertions.fail("command failed (" + exit + "): " + output);
            }
            return output;
        }
    }

    /** Runs a command in the root namespace, bounded by {@link #COMMAND_TIMEOUT}. */
    public static Result run(String... cmd) {
        return run(COMMAND_TIMEOUT, cmd);
    }

    public static Result run(Duration timeout, String... cmd) {
        Path out = null;
        try {
            // Output goes to a file, so a chatty command never blocks on a full pipe.
            out = Files.createTempFile("pf-cmd", ".out");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            p.getOutputStream().close();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(1, TimeUnit.SECONDS);
                return new Result(-1, String.join(" ", cmd) + ": timed out after " + timeout + "\n"
                        + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-2, String.join(" ", cmd) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-3, "interrupted");
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException e) {
                    // a temp file left behind is harmless
                }
            }
        }
    }

    /** Runs a command inside the namespace ({@code ip netns exec NAME ...}). */
    public Result exec(String... cmd) {
        return exec(COMMAND_TIMEOUT, cmd);
    }

    public Result exec(Duration timeout, String... cmd) {
        String[] full = new String[cmd.length + 4];
        full[0] = "ip";
        full[1] = "netns";
        full[2] = "exec";
        full[3] = name;
        System.arraycopy(cmd, 0, full, 4, cmd.length);
        return run(timeout, full);
    }

    /** {@code ip -n NAME ARGS}: e.g. {@code ip("addr", "add", "198.18.0.1/24", "dev", "tap0")}. */
    public Result ip(String... args) {
        String[] full = new String[args.length + 3];
        full[0] = "ip";
        full[1] = "-n";
        full[2] = name;
        System.arraycopy(args, 0, full, 3, args.length);
        return run(full);
    }

    /** Moves interface {@code dev} from the root namespace in here. */
    public void moveIn(String dev) {
        run("ip", "link", "set", dev, "netns", name).check();
    }

    /**
     * Waits until {@code condition} holds, checking every 10 ms, for at most {@code limit}
     * (bounded in time and in count); returns whether it held.
     */
    public static boolean await(BooleanSupplier condition, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        int rounds = (int) Math.min(100_000, limit.toMillis() / 10 + 1);
        for (int i = 0; i < rounds; i++) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() - deadline >= 0) {
                break;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return condition.getAsBoolean();
    }

    /** Deletes the namespace (and every interface still in it). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        run("ip", "netns", "del", name);
    }
}
