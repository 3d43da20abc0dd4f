package dev.packetflow.cli;

import dev.packetflow.drivers.net.loopback.Loopback;
import dev.packetflow.drivers.net.veth.Veth;
import dev.packetflow.drivers.net.wire.WireConditions;
import dev.packetflow.iproute2.IpLink;
import dev.packetflow.iproute2.Nstat;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.ipv4.Ping;
import dev.packetflow.pcap.PcapCapture;
import dev.packetflow.trace.Journey;
import dev.packetflow.trace.JourneyRecorder;
import dev.packetflow.trace.SeedDiagram;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The demo scenario: host A — router R — host B on two virtual Ethernet wires, in virtual time.
 * A pings B; the second echo request (the first one waits for ARP on each hop) is followed through
 * every stage of A, R and B and printed as the seed's diagrams. Then an application on A sends a UDP
 * message to an application on B ({@link UdpDemo}), whose journey is printed the same way.
 */
public final class Demo {
    static final String A_ADDR = "198.18.0.2";
    static final String R_ADDR_0 = "198.18.0.1";
    static final String R_ADDR_1 = "198.18.1.1";
    static final String B_ADDR = "198.18.1.2";
    /** Each wire: 5 µs of propagation delay, 1 Gbit/s. */
    static final WireConditions WIRE = WireConditions.builder().delayNs(5_000).rateBitsPerSec(1_000_000_000L).build();

    /** What a run produced, for tests. */
    public record Result(int repliesReceived, List<String> journeyStages, List<Path> pcapFiles) {}

    private Demo() {}

    public static Result run(long seed, Path pcapDir, int count, PrintStream out) throws Exception {
        return run(seed, pcapDir, count, out, WARMUP_PINGS);
    }

    /** Pings sent through a scratch copy of the topology first, so the timed journey runs compiled code. */
    static final int WARMUP_PINGS = 12_000;

    public static Result run(long seed, Path pcapDir, int count, PrintStream out, int warmup) throws Exception {
        List<Journey> timing = warmup > 0 ? warmUp(seed, warmup) : List.of();
        List<Journey> udpTiming = warmup > 0 ? UdpDemo.warmUp(seed, warmup) : List.of();
        Simulation sim = new Simulation(seed);
        NetStack a = NetStack.create(sim, "A");
        NetStack r = NetStack.create(sim, "R");
        NetStack b = NetStack.create(sim, "B");
        List<PcapCapture> captures = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        try (a; r; b) {
            for (NetStack s : List.of(a, r, b)) {
                Loopback.create(s);
                s.exec("ip link set lo up");
                s.exec("ip addr add 127.0.0.1/8 dev lo");
            }
            Veth.pair(a, "eth0", r, "eth0", WIRE);
            Veth.pair(r, "eth1", b, "eth0", WIRE);
            if (pcapDir != null) {
                Files.createDirectories(pcapDir);
                for (NetStack s : List.of(a, r, b)) {
                    for (NetDevice d : s.devices().all()) {
                        if (d.name().startsWith("eth")) {
                            Path f = pcapDir.resolve(s.name() + "-" + d.name() + ".pcap");
                            captures.add(PcapCapture.attach(d, f));
                            files.add(f);
                        }
                    }
                }
            }
            out.printf("packetflow demo (seed %d): host A — router R — host B, virtual time%n", seed);
            out.printf("  A eth0 %s/24 ── %s/24 eth0 R eth1 %s/24 ── %s/24 eth0 B%n", A_ADDR, R_ADDR_0, R_ADDR_1, B_ADDR);
            out.printf("  wires: veth pairs, %s propagation, 1 Gbit/s%n%n", "5 µs");
            configure(a, r, b, out);
            out.println();
            sim.runFor(Duration.ofMillis(10)); // let the address announcements (gratuitous ARP) settle

            int dst = InetAddr.parse(B_ADDR);
            Journey journey = null;
            int replies;
            try (Ping ping = Ping.open(a, 0x5046); JourneyRecorder rec = JourneyRecorder.start()) {
                out.printf("PING %s 56(84) bytes of data.%n", B_ADDR);
                for (int seq = 1; seq <= count; seq++) {
                    final int s = seq;
                    if (seq == 2) {
                        journey = rec.follow(() -> ping.send(dst, s, 56));
                    } else {
                        ping.send(dst, seq, 56);
                    }
                    sim.runUntil(() -> ping.replies().stream().anyMatch(x -> x.seq() == s)
                            || ping.errors().stream().anyMatch(x -> x.seq() == s), Duration.ofSeconds(1));
                    printProbe(out, ping, seq);
                    sim.runFor(Duration.ofMillis(1));
                }
                replies = ping.replies().size();
                out.printf("--- %s ping statistics ---%n%d packets transmitted, %d received, %d%% packet loss%n%n",
                        B_ADDR, count, replies, count == 0 ? 0 : (count - replies) * 100 / count);
            }
            List<String> stages = journey == null ? List.of() : journey.stageNames();
            if (journey != null) {
                out.println("The journey of echo request icmp_seq=2 from A through R to B, and of the reply B sends back,");
                out.println("drawn as the seed's TX and RX diagrams. On the right: the real time each stage took to run,");
                out.printf("the median over %d pings along the same path after warming up the JIT (tracing included);%n",
                        timing.size());
                out.println("the wires' delay is virtual time.");
                out.println();
                out.println(SeedDiagram.render(journey, timing.isEmpty() ? null : SeedDiagram.medianStageTimes(journey, timing)));
            }
            UdpDemo.run(sim, a, b, udpTiming, out);
            for (NetStack s : List.of(a, r, b)) {
                out.printf("%s # ip -s link%n%s%n", s.name(), IpLink.show(s, true));
            }
            for (NetStack s : List.of(a, r, b)) {
                out.printf("%s # nstat -a%n%s%n", s.name(), Nstat.format(s));
            }
            for (NetStack s : List.of(a, r, b)) {
                Map<DropReason, Long> d = s.drops().snapshot();
                out.printf("%s drops: %s%n", s.name(), d.isEmpty() ? "none" : d);
            }
            for (PcapCapture c : captures) {
                c.close();
            }
            if (!files.isEmpty()) {
                out.println();
                out.println("pcap files (open with tcpdump -r or tshark -r):");
                for (int i = 0; i < files.size(); i++) {
                    out.printf("  %s  %d packets%n", files.get(i), captures.get(i).packets());
                }
            }
            return new Result(replies, stages, files);
        }
    }

    /** Pings whose journeys give the per-stage times printed (after the warm-up ones). */
    static final int TIMED_PINGS = 301;

    /**
     * Runs {@code pings} pings through a throwaway copy of the topology (JIT warm-up, no output),
     * then {@link #TIMED_PINGS} more whose journeys are returned for stage timings.
     */
    static List<Journey> warmUp(long seed, int pings) {
        List<Journey> timed = new ArrayList<>();
        Simulation sim = new Simulation(seed);
        try (NetStack a = NetStack.create(sim, "A"); NetStack r = NetStack.create(sim, "R");
                NetStack b = NetStack.create(sim, "B")) {
            Veth.pair(a, "eth0", r, "eth0", WIRE);
            Veth.pair(r, "eth1", b, "eth0", WIRE);
            configure(a, r, b);
            sim.runFor(Duration.ofMillis(10));
            int dst = InetAddr.parse(B_ADDR);
            // Follow every warm-up ping too, so the recorder's own code is compiled before the timed run.
            try (Ping ping = Ping.open(a, 1); JourneyRecorder rec = JourneyRecorder.start()) {
                for (int i = 0; i < pings + TIMED_PINGS; i++) {
                    final int seq = i & 0xffff;
                    Journey j = rec.follow(() -> ping.send(dst, seq, 56));
                    sim.runFor(Duration.ofMillis(1));
                    if (i >= pings) {
                        timed.add(j);
                    }
                }
            }
        }
        return timed;
    }

    static void configure(NetStack a, NetStack r, NetStack b) {
        configure(a, r, b, null);
    }

    /** Configures the topology with the commands a Linux user would type; prints them when {@code out} is set. */
    static void configure(NetStack a, NetStack r, NetStack b, PrintStream out) {
        run(out, a, "ip link set eth0 up");
        run(out, a, "ip addr add " + A_ADDR + "/24 dev eth0");
        run(out, a, "ip route add default via " + R_ADDR_0);
        run(out, r, "ip link set eth0 up");
        run(out, r, "ip link set eth1 up");
        run(out, r, "ip addr add " + R_ADDR_0 + "/24 dev eth0");
        run(out, r, "ip addr add " + R_ADDR_1 + "/24 dev eth1");
        r.ipv4().setIpForward(1);
        if (out != null) {
            out.println("R# sysctl -w net.ipv4.ip_forward=1");
        }
        run(out, b, "ip link set eth0 up");
        run(out, b, "ip addr add " + B_ADDR + "/24 dev eth0");
        run(out, b, "ip route add default via " + R_ADDR_1);
    }

    private static void run(PrintStream out, NetStack s, String cmd) {
        if (out != null) {
            out.println(s.name() + "# " + cmd);
        }
        s.exec(cmd);
    }

    private static void printProbe(PrintStream out, Ping ping, int seq) {
        for (Ping.Reply x : ping.replies()) {
            if (x.seq() == seq) {
                out.printf(Locale.ROOT, "%d bytes from %s: icmp_seq=%d ttl=%d time=%.3f ms%n", x.dataLen() + 8,
                        InetAddr.toString(x.from()), seq, x.ttl(), x.rttNs() / 1e6);
                return;
            }
        }
        for (Ping.Error e : ping.errors()) {
            if (e.seq() == seq) {
                out.printf("From %s icmp_seq=%d type %d code %d%n", InetAddr.toString(e.from()), seq, e.type(), e.code());
                return;
            }
        }
        out.printf("no answer for icmp_seq=%d%n", seq);
    }
}
