package dev.packetflow.testing;

import dev.packetflow.drivers.net.loopback.Loopback;
import dev.packetflow.drivers.net.tap.TapBuilder;
import dev.packetflow.drivers.net.tap.TapDevice;
import dev.packetflow.kernel.RealTimeKernel;
import dev.packetflow.net.NetStack;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The fixture every test against the Linux kernel over a TAP shares, as a JUnit extension: before
 * each test it checks the prerequisites ({@link KernelNetns#requireRoot}: a skip, or a failure
 * under {@code CI=true}), starts a {@link RealTimeKernel} with one CPU and a stack, creates a
 * network namespace of the test class's own ({@code pf-<Class>-XXXXXX}, so suites can run at the
 * same time), and by default the interop set-up {@code packetflow serve} has: {@code lo}, a TAP
 * whose kernel end is moved into the namespace with {@value #KERNEL}/24 and whose packetflow end
 * has {@value #OURS}/24, both configured through {@code ip}. After each test, also a failed one,
 * it kills the processes it started in the namespace, closes what the test handed it, the stack
 * and the kernel, deletes the namespace, a TAP left in the root namespace and its temporary
 * files, and fails the test if the namespace or the TAP is still there.
 *
 * <p>Registered on an instance field, one per test (its state is the test's):
 *
 * <pre>
 * &#64;RegisterExtension final NetnsTap env = NetnsTap.requiring("ping", "python3");
 * </pre>
 */
public final class NetnsTap implements BeforeEachCallback, AfterEachCallback {
    /** The kernel end of the TAP, in the namespace. */
    public static final String KERNEL = "198.18.0.1";
    /** packetflow's end of the TAP. */
    public static final String OURS = "198.18.0.2";

    private final String[] commands;
    private RealTimeKernel.IdleStrategy idle = RealTimeKernel.IdleStrategy.BACKOFF;
    private UnaryOperator<TapBuilder> tapOptions = UnaryOperator.identity();
    private boolean openTap = true;

    private RealTimeKernel kernel;
    private NetStack net;
    private KernelNetns ns;
    private String tapName;
    private TapDevice tap;
    private final List<Process> processes = new ArrayList<>();
    private final List<AutoCloseable> closeAtEnd = new ArrayList<>();
    private final List<Path> files = new ArrayList<>();

    private NetnsTap(String[] commands) {
        this.commands = commands.clone();
    }

    /** The fixture for tests that need, besides root and {@code ip}, these commands. */
    public static NetnsTap requiring(String... commands) {
        return new NetnsTap(commands);
    }

    /** How the kernel's softnet worker waits for work (default {@code BACKOFF}). */
    public NetnsTap idle(RealTimeKernel.IdleStrategy strategy) {
        this.idle = strategy;
        return this;
    }

    /** Options for the TAP the fixture opens, e.g. {@code b -> b.vnetHdr(true)}. */
    public NetnsTap tapOptions(UnaryOperator<TapBuilder> options) {
        this.tapOptions = options;
        return this;
    }

    /**
     * The test opens the TAP itself, named {@link #tapName()}, and configures the kernel end with
     * {@link #configureKernelEnd()}; the fixture sets up nothing on packetflow's side but the
     * empty stack.
     */
    public NetnsTap tapOpenedByTest() {
        this.openTap = false;
        return this;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        processes.clear();
        closeAtEnd.clear();
        files.clear();
        KernelNetns.requireRoot(commands);
        String owner = context.getRequiredTestClass().getSimpleName();
        kernel = new RealTimeKernel(1, idle);
        net = NetStack.create(kernel, "pf");
        ns = KernelNetns.create(owner);
        tapName = "pf" + initials(owner) + KernelNetns.randomSuffix();
        if (!openTap) {
            return;
        }
        Loopback.create(net);
        net.exec("ip link set lo up");
        net.exec("ip addr add 127.0.0.1/8 dev lo");
        tap = tapOptions.apply(TapDevice.builder(net).name(tapName).mode(TapDevice.Mode.CREATE)).open();
        configureKernelEnd();
        net.exec("ip addr add " + OURS + "/24 dev " + tapName);
        net.exec("ip link set " + tapName + " up");
    }

    /**
     * Moves the kernel end of the TAP {@link #tapName()} into the namespace (the file packetflow
     * holds stays valid), turns IPv6 off on it (no router solicitations or DAD in the captures),
     * gives it {@value #KERNEL}/24 and brings it up.
     */
    public void configureKernelEnd() {
        ns.moveIn(tapName);
        ns.exec("sysctl", "-qw", "net.ipv6.conf." + tapName + ".disable_ipv6=1").check();
        ns.ip("addr", "add", KERNEL + "/24", "dev", tapName).check();
        ns.ip("link", "set", tapName, "up").check();
    }

    public RealTimeKernel kernel() {
        return kernel;
    }

    public NetStack net() {
        return net;
    }

    public KernelNetns ns() {
        return ns;
    }

    /** The TAP's name: unique to this test, at most 15 characters (IFNAMSIZ). */
    public String tapName() {
        return tapName;
    }

    /** The TAP the fixture opened (null with {@link #tapOpenedByTest()}). */
    public TapDevice tap() {
        return tap;
    }

    /** Closes {@code c} after the test, before the stack (the last registered first); returns it. */
    public <T extends AutoCloseable> T closeAtEnd(T c) {
        closeAtEnd.add(c);
        return c;
    }

    /** A temporary file, deleted after the test. */
    public Path tempFile() throws IOException {
        return tempFile(".out");
    }

    /** A temporary file whose name ends in {@code suffix} (e.g. {@code ".pcap"}), deleted after the test. */
    public Path tempFile(String suffix) throws IOException {
        Path p = Files.createTempFile("pf-interop", suffix);
        files.add(p);
        return p;
    }

    /**
     * Starts a long-running command in the namespace, its output (stdout and stderr) going to the
     * file returned; the process is killed after the test.
     */
    public Path startInNs(String... cmd) throws IOException {
        Path log = tempFile(".log");
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns.name()));
        full.addAll(List.of(cmd));
        Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        p.getOutputStream().close();
        processes.add(p);
        return log;
    }

    /** The processes {@link #startInNs} started, in order. */
    public List<Process> processes() {
        return processes;
    }

    /** What a file holds so far ("" if it cannot be read). */
    public static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            for (Process p : processes) {
                p.destroyForcibly();
            }
            for (Process p : processes) {
                p.waitFor(KernelNetns.COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            for (AutoCloseable c : closeAtEnd.reversed()) {
                c.close();
            }
            if (net != null) {
                net.close();
            }
        } finally {
            if (kernel != null) {
                kernel.close();
            }
            if (ns != null) {
                ns.close();
            }
            // A TAP left in the root namespace by a failed move (or a failed close): delete it too.
            boolean tapLeft = tapName != null && KernelNetns.run("ip", "link", "show", tapName).exit() == 0;
            if (tapLeft) {
                KernelNetns.run("ip", "link", "del", tapName);
            }
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
            checkNothingLeft();
        }
    }

    /** Fails unless the namespace and the TAP are gone from the host. */
    private void checkNothingLeft() {
        List<String> left = new ArrayList<>();
        if (ns != null) {
            for (String line : KernelNetns.run("ip", "netns", "list").output().lines().toList()) {
                if (line.equals(ns.name()) || line.startsWith(ns.name() + " ")) {
                    left.add("network namespace " + ns.name());
                }
            }
        }
        if (tapName != null && KernelNetns.run("ip", "link", "show", tapName).exit() == 0) {
            left.add("interface " + tapName);
        }
        if (!left.isEmpty()) {
            throw new AssertionError("the test left behind: " + String.join(", ", left));
        }
    }

    /** The class name's capitals, lower-cased, at most five: {@code KernelTcpInteropTest} is {@code ktit}. */
    static String initials(String className) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < className.length() && b.length() < 5; i++) {
            char c = className.charAt(i);
            if (Character.isUpperCase(c)) {
                b.append(c);
            }
        }
        return b.toString().toLowerCase(Locale.ROOT);
    }
}
