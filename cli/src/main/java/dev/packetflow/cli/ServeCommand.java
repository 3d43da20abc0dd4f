package dev.packetflow.cli;

import dev.packetflow.apps.JitWarmup;
import dev.packetflow.apps.TcpServices;
import dev.packetflow.apps.UdpServices;
import dev.packetflow.drivers.net.loopback.Loopback;
import dev.packetflow.drivers.net.tap.TapDevice;
import dev.packetflow.drivers.net.tap.TapException;
import dev.packetflow.kernel.RealTimeKernel;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.LinkStats64;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.pcap.PcapCapture;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code packetflow serve}: a packetflow host on a TAP, for the Linux kernel (or anything bridged
 * to the TAP) to talk to. It answers ARP and ping, serves UDP echo (RFC 862, port 7) and discard
 * (RFC 863, port 9), and over its TCP echo, discard, chargen (RFC 864, port 19) and HTTP/1.1 (port
 * 80), until Ctrl-C, printing a status line once a second.
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Runs a packetflow host on a TAP device until Ctrl-C: it answers ARP and",
            "ping, serves UDP echo (RFC 862, port 7) and discard (RFC 863, port 9), and",
            "over TCP echo (7), discard (9), chargen (RFC 864, 19) and HTTP/1.1 (80: an",
            "index page, and /bytes/N for N bytes of the chargen pattern).",
            "Once a second it prints frames, bytes and drops per second (rewritten in",
            "place on a terminal, one line per second otherwise).",
            "The TAP is attached if it exists and created otherwise; a TAP created here",
            "disappears on exit. Needs CAP_NET_ADMIN (root), or a TAP made for your",
            "user beforehand: ip tuntap add dev NAME mode tap user $USER",
            "",
            "Example (as root):",
            "  ip tuntap add dev pf0 mode tap",
            "  ip addr add 198.18.0.1/24 dev pf0",
            "  ip link set pf0 up",
            "  packetflow serve --tap pf0 --addr 198.18.0.2/24 &",
            "  ping -c 3 -w 20 198.18.0.2",
            "  curl http://198.18.0.2/",
            ""
        })
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--tap", required = true, paramLabel = "NAME", description = "the TAP interface")
    String tapName;

    @Option(names = "--addr", required = true, paramLabel = "A/N",
            description = "packetflow's IPv4 address and prefix length on the TAP, e.g. 198.18.0.2/24")
    String addr;

    @Option(names = "--gw", paramLabel = "G", description = "default gateway (ip route add default via G)")
    String gateway;

    @Option(names = "--mac", paramLabel = "M", description = "packetflow's MAC address (default: a random local one)")
    String mac;

    @Option(names = "--pcap", paramLabel = "FILE", description = "write every frame on the TAP to FILE (pcap)")
    Path pcap;

    @CommandLine.ArgGroup(exclusive = true)
    ModeGroup mode;

    static final class ModeGroup {
        @Option(names = "--create", description = "create the TAP; fail if it exists")
        boolean create;

        @Option(names = "--attach", description = "attach to an existing TAP; fail if there is none")
        boolean attach;
    }

    @Option(names = "--vnet-hdr", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "use the virtio-net header: checksum offload both ways, TSO frames to the kernel"
                    + " and GSO frames from it (default: on; --no-vnet-hdr for one frame per system call)")
    boolean vnetHdr;

    @Option(names = "--warmup", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "before attaching, run the stack's paths between two internal stacks for up to"
                    + " 3 s so that the JIT has compiled them when traffic comes (default: on)")
    boolean warmup;

    @Option(names = "--poll-us", defaultValue = "200", paramLabel = "US",
            description = "the TAP's interrupt thread polls up to US µs for the next frame before it sleeps,"
                    + " adapting like Linux's cpuidle-haltpoll (default 200; 0: sleep at once)")
    int pollUs;

    @Option(names = "--busy-poll", defaultValue = "0", paramLabel = "US",
            description = "the services' sockets poll the TAP themselves for up to US µs when they find"
                    + " nothing to read, before they sleep (Linux's net.core.busy_read, SO_BUSY_POLL): a"
                    + " request is answered by the thread that waits for it, with no wake-up between"
                    + " threads, for a core's time while waiting (default 0: off)")
    int busyPollUs;

    @Option(names = "--idle", hidden = true, defaultValue = "PARK",
            description = "how ksoftirqd waits for work: SPIN, BACKOFF or PARK (default)")
    RealTimeKernel.IdleStrategy idle;

    @Option(names = "--count", hidden = true, defaultValue = "0",
            description = "stop after this many status lines (0: run until Ctrl-C)")
    int count;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final CountDownLatch stop = new CountDownLatch(1);
    /** The main thread has printed its last line and closed everything. */
    private final CountDownLatch mainDone = new CountDownLatch(1);
    private RealTimeKernel kernel;
    private NetStack net;
    private UdpServices services;
    private TcpServices tcpServices;
    private PcapCapture capture;
    private boolean cleanedUp;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        PrintStream err = System.err;
        TapDevice.Mode m = mode == null ? TapDevice.Mode.ATTACH_OR_CREATE
                : mode.create ? TapDevice.Mode.CREATE : TapDevice.Mode.ATTACH;
        long macAddr = 0;
        if (mac != null) {
            try {
                macAddr = Eth.parseMac(mac);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--mac: " + e.getMessage());
            }
        }
        if (pollUs < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--poll-us must not be negative");
        }
        if (busyPollUs < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--busy-poll must not be negative");
        }
        if (warmup) {
            try {
                // the warm-up's answering TAP driver polls as ours will
                out.println("packetflow serve: warming up the JIT: " + JitWarmup.run(3000, pollUs));
            } catch (IOException e) {
                err.println("packetflow serve: warm-up cut short (" + e.getMessage() + "); serving anyway");
            }
        }
        // The TAP's interrupt thread runs the receive work on its irq exit; ksoftirqd is left
        // with timers and overflow, so it parks when idle instead of spinning for work.
        kernel = new RealTimeKernel(1, idle);
        net = NetStack.create(kernel, "serve");
        Thread hook = Thread.ofPlatform().unstarted(() -> {
            // Ctrl-C: let the main thread end its status line and close up; close here if it cannot.
            stop.countDown();
            try {
                mainDone.await(3, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            cleanUp();
        });
        Runtime.getRuntime().addShutdownHook(hook);
        TapDevice tap;
        try {
            Loopback.create(net);
            net.exec("ip link set lo up");
            net.exec("ip addr add 127.0.0.1/8 dev lo");
            var b = TapDevice.builder(net).name(tapName).mode(m).vnetHdr(vnetHdr).pollMaxMicros(pollUs);
            if (mac != null) {
                b.mac(macAddr);
            }
            tap = b.open();
            try {
                net.exec("ip addr add " + addr + " dev " + tap.name());
                net.exec("ip link set " + tap.name() + " up");
                if (gateway != null) {
                    net.exec("ip route add default via " + gateway);
                }
            } catch (IllegalArgumentException e) {
                err.println("packetflow serve: " + e.getMessage());
                return 2;
            }
            if (pcap != null) {
                capture = PcapCapture.attach(tap, pcap);
            }
            // Linux: sysctl net.core.busy_read, the SO_BUSY_POLL every new socket starts with.
            net.sockets().sysctl().setBusyRead(busyPollUs);
            tcpServices = TcpServices.start(net);
            services = UdpServices.start(net);
        } catch (TapException e) {
            err.println("packetflow serve: " + e.getMessage());
            return e.permissionDenied() ? 77 : 1;
        } catch (IllegalArgumentException e) {
            err.println("packetflow serve: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("packetflow serve: " + e.getMessage());
            return 1;
        } finally {
            if (services == null) {
                cleanUp();
                mainDone.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is what is running
                }
            }
        }
        out.printf("packetflow serve: %s%s on %s (%s, mac %s, mtu %d)%s%n", addr,
                gateway == null ? "" : " via " + gateway, tap.name(), tap.kernelName(),
                Eth.macToString(tap.mac()), tap.mtu(), pcap == null ? "" : ", capturing to " + pcap);
        out.println("answering ARP and ping; UDP echo on port 7, discard on port 9; TCP echo on port 7, discard on 9, "
                + "chargen on 19, HTTP on 80; Ctrl-C stops");
        out.flush();
        boolean terminal = System.console() != null;
        Status status = new Status(tap, net);
        try {
            for (int n = 0; count == 0 || n < count; n++) {
                if (stop.await(1, TimeUnit.SECONDS)) {
                    break;
                }
                String line = status.next();
                if (terminal) {
                    out.print("\r" + line + "\033[K");
                } else {
                    out.println(line);
                }
                out.flush();
                if (tap.gone()) {
                    if (terminal) {
                        out.println();
                    }
                    err.println("packetflow serve: " + tap.kernelName() + " was deleted; stopping");
                    return 1;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (terminal) {
                out.println();
            }
            cleanUp();
            mainDone.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is what is running
            }
        }
        return 0;
    }

    /** Closes everything once, from the shutdown hook or the main thread, whichever comes first. */
    private synchronized void cleanUp() {
        if (cleanedUp) {
            return;
        }
        cleanedUp = true;
        if (services != null) {
            services.close();
        }
        if (tcpServices != null) {
            tcpServices.close();
        }
        if (capture != null) {
            try {
                capture.close();
            } catch (IOException e) {
                System.err.println("packetflow serve: pcap: " + e.getMessage());
            }
        }
        var drops = net.drops().snapshot();
        if (!drops.isEmpty()) {
            System.out.println("packetflow serve: drops by reason: " + drops);
        }
        // Closing the stack closes the TAP: a TAP we created goes away with its file.
        net.close();
        kernel.close();
    }

    /** Per-second rates from the device's counters and the stack's drops. */
    static final class Status {
        private final TapDevice tap;
        private final NetStack net;
        private long rxP;
        private long rxB;
        private long txP;
        private long txB;
        private long drops;
        private long t0 = System.nanoTime();

        Status(TapDevice tap, NetStack net) {
            this.tap = tap;
            this.net = net;
            sample();
        }

        private long[] sample() {
            LinkStats64 s = tap.stats();
            long d = net.drops().total() + s.rxDropped() + s.txDropped();
            long[] now = {s.rxPackets(), s.rxBytes(), s.txPackets(), s.txBytes(), d};
            return now;
        }

        String next() {
            long[] now = sample();
            long t = System.nanoTime();
            double sec = Math.max(1e-3, (t - t0) / 1e9);
            String line = String.format(Locale.ROOT,
                    "rx %7.0f frames/s %9s/s   tx %7.0f frames/s %9s/s   drops %5.0f/s   total rx %d tx %d drops %d",
                    (now[0] - rxP) / sec, bytes((now[1] - rxB) / sec), (now[2] - txP) / sec,
                    bytes((now[3] - txB) / sec), (now[4] - drops) / sec, now[0], now[2], now[4]);
            rxP = now[0];
            rxB = now[1];
            txP = now[2];
            txB = now[3];
            drops = now[4];
            t0 = t;
            return line;
        }

        private static String bytes(double b) {
            if (b >= 1e6) {
                return String.format(Locale.ROOT, "%.1f MB", b / 1e6);
            }
            if (b >= 1e3) {
                return String.format(Locale.ROOT, "%.1f kB", b / 1e3);
            }
            return String.format(Locale.ROOT, "%.0f B", b);
        }
    }
}
