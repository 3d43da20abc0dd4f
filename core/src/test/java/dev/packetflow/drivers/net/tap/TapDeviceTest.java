package dev.packetflow.drivers.net.tap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.kernel.RealTimeKernel;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.Dev;
import dev.packetflow.net.core.NeighInfo;
import dev.packetflow.net.core.Neighbour;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.net.ethernet.Eth;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.testing.KernelNetns;
import dev.packetflow.testing.NetnsTap;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The TAP driver against the real Linux kernel: each test creates its own network namespace,
 * creates a TAP from Java, moves the kernel end into the namespace (the file stays valid) and
 * gives it 198.18.0.1/24; packetflow's end is 198.18.0.2/24. Frames are checked at the link level
 * (ARP both ways, raw IPv4 frames), so the tests need no IPv4 layer of ours.
 *
 * <p>Real time, with every wait bounded (5 s); the namespace and the TAP are deleted after each
 * test, also a failed one ({@link NetnsTap}). Needs root: skipped otherwise, a failure under
 * {@code CI=true}.
 */
class TapDeviceTest {
    static final int KERNEL_IP = InetAddr.parse("198.18.0.1");
    static final int OUR_IP = InetAddr.parse("198.18.0.2");
    static final Duration WAIT = Duration.ofSeconds(5);

    @RegisterExtension
    final NetnsTap env = NetnsTap.requiring().idle(RealTimeKernel.IdleStrategy.PARK).tapOpenedByTest();

    RealTimeKernel kernel;
    NetStack net;
    KernelNetns ns;
    TapDevice tap;
    String tapName;
    final List<byte[]> received = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() {
        kernel = env.kernel();
        net = env.net();
        ns = env.ns();
        tapName = env.tapName();
    }

    /** Creates the TAP, moves it into the namespace, configures both ends and brings ours up. */
    TapDevice openTap(TapBuilder b) {
        tap = b.name(tapName).mode(TapDevice.Mode.CREATE).open();
        env.configureKernelEnd();
        Dev.addTap(tap, (dev, skb, outgoing) -> {
            if (!outgoing) {
                byte[] f = new byte[skb.tail - skb.macHeader];
                skb.read(skb.macHeader, f, 0, f.length);
                received.add(f);
            }
        });
        net.ipv4().addAddress(tap, OUR_IP, 24);
        net.devices().open(tap);
        return tap;
    }

    TapDevice openTap() {
        return openTap(TapDevice.builder(net));
    }

    // ------------------------------------------------------------------ opening

    @Test
    void create_makesKernelTapOfThatName_withItsOwnMac() {
        tap = TapDevice.builder(net).name(tapName).mode(TapDevice.Mode.CREATE).open();

        String link = KernelNetns.run("ip", "-d", "link", "show", tapName).check();
        assertThat(link).contains(tapName).contains("tun type tap");
        assertThat(tap.name()).isEqualTo(tapName);
        assertThat(tap.kernelName()).isEqualTo(tapName);
        assertThat(tap.kind()).isEqualTo("tap");
        assertThat(net.device(tapName)).isSameAs(tap);
        assertThat(tap.isUp()).isFalse();
        long kernelMac = Eth.parseMac(macOf(link));
        assertThat(tap.kernelMac()).isEqualTo(kernelMac);
        assertThat(tap.mac()).isNotEqualTo(kernelMac);
        assertThat(tap.mac() & 0x0200_0000_0000L).as("locally administered").isNotZero();
        assertThat(tap.mtu()).isEqualTo(1500);
    }

    @Test
    void kernelChosenName_isReadBackFromTheIfreq() {
        tap = TapDevice.builder(net).name("pft%d").open();
        try {
            assertThat(tap.name()).matches("pft[0-9]+");
            assertThat(KernelNetns.run("ip", "link", "show", tap.name()).exit()).isZero();
        } finally {
            tap.close();
        }
        assertThat(KernelNetns.run("ip", "link", "show", tap.name()).exit()).isNotZero();
    }

    @Test
    void secondOpenOfTheSameTap_isBusy_withAClearMessage() {
        tap = TapDevice.builder(net).name(tapName).open();
        NetStack other = NetStack.create(kernel, "other");
        try {
            TapException e = org.junit.jupiter.api.Assertions.assertThrows(TapException.class,
                    () -> TapDevice.open(other, tapName));
            assertThat(e.errno()).isEqualTo(LibC.EBUSY);
            assertThat(e.getMessage()).contains(tapName).contains("EBUSY").contains("busy");
            assertThat(other.device(tapName)).isNull();
        } finally {
            other.close();
        }
    }

    @Test
    void exclusiveCreate_ofExistingName_failsAndChangesNothing() {
        tap = TapDevice.builder(net).name(tapName).open();
        NetStack other = NetStack.create(kernel, "other");
        try {
            TapException e = org.junit.jupiter.api.Assertions.assertThrows(TapException.class,
                    () -> TapDevice.builder(other).name(tapName).mode(TapDevice.Mode.CREATE).open());
            assertThat(e.errno()).isEqualTo(LibC.EBUSY);
            assertThat(e.getMessage()).contains("already exists");
            assertThat(other.devices().all()).isEmpty();
        } finally {
            other.close();
        }
    }

    @Test
    void attach_toMissingTap_fails_withoutCreatingIt() {
        TapException e = org.junit.jupiter.api.Assertions.assertThrows(TapException.class,
                () -> TapDevice.builder(net).name(tapName).mode(TapDevice.Mode.ATTACH).open());
        assertThat(e.getMessage()).contains(tapName).contains("ip tuntap add");
        assertThat(KernelNetns.run("ip", "link", "show", tapName).exit()).isNotZero();
        assertThat(net.devices().all()).isEmpty();
    }

    @Test
    void attach_toPersistentTap_keepsItAfterClose() {
        KernelNetns.run("ip", "tuntap", "add", "dev", tapName, "mode", "tap").check();
        tap = TapDevice.builder(net).name(tapName).mode(TapDevice.Mode.ATTACH).open();
        assertThat(tap.kernelName()).isEqualTo(tapName);
        tap.close();
        assertThat(KernelNetns.run("ip", "link", "show", tapName).exit()).as("persistent TAP stays").isZero();
        KernelNetns.run("ip", "tuntap", "del", "dev", tapName, "mode", "tap").check();
    }

    @Test
    void missingCloneDevice_givesClearMessage() {
        TapException e = org.junit.jupiter.api.Assertions.assertThrows(TapException.class,
                () -> TapDevice.builder(net).name(tapName).path("/nonexistent/net/tun").open());
        assertThat(e.errno()).isEqualTo(LibC.ENOENT);
        assertThat(e.getMessage()).contains("/nonexistent/net/tun").contains("does not exist").contains("modprobe tun");
        assertThat(e.getStackTrace()).isNotNull();
        assertThat(net.devices().all()).isEmpty();
    }

    @Test
    void withoutCapNetAdmin_openFails_withPermissionMessage_notAStackTrace() {
        KernelNetns.requireRoot("setpriv");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = codeSource(TapDevice.class) + File.pathSeparator + codeSource(TapOpenProbe.class);

        KernelNetns.Result r = KernelNetns.run(Duration.ofSeconds(30), "setpriv", "--bounding-set", "-net_admin",
                "--inh-caps", "-net_admin", java, "--enable-native-access=ALL-UNNAMED", "-cp", cp,
                TapOpenProbe.class.getName(), tapName);

        assertThat(r.exit()).as(r.output()).isEqualTo(3);
        assertThat(r.output()).contains("error: cannot attach TAP device " + tapName + ": EPERM (Operation not permitted)")
                .contains("needs CAP_NET_ADMIN (run as root)")
                .doesNotContain("\tat ");
        assertThat(KernelNetns.run("ip", "link", "show", tapName).exit()).isNotZero();
    }

    static String codeSource(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    // ------------------------------------------------------------------ frames both ways

    @Test
    void kernelArping_getsRepliesFromOurStack() {
        KernelNetns.requireRoot("arping");
        openTap();

        KernelNetns.Result r = ns.exec("arping", "-c", "3", "-w", "5", "-I", tapName, "198.18.0.2");

        assertThat(r.output()).contains("Received 3 response(s)");
        assertThat(r.output().toLowerCase()).contains(Eth.macToString(tap.mac()));
        assertThat(tap.stats().rxPackets()).isGreaterThanOrEqualTo(3);
        assertThat(tap.stats().txPackets()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void kernelResolvesOurAddress_neighbourHasOurMac() {
        KernelNetns.requireRoot("ping");
        openTap();

        // The kernel ARPs for 198.18.0.2 before its echo request can leave; our ICMP may not exist yet.
        ns.exec("ping", "-c", "1", "-W", "1", "198.18.0.2");

        String neigh = ns.ip("neigh", "show", "198.18.0.2", "dev", tapName).check();
        assertThat(neigh).contains("lladdr " + Eth.macToString(tap.mac()));
        assertThat(neigh).containsAnyOf("REACHABLE", "STALE", "DELAY");
        // The echo request itself reached us (an IPv4 frame to our MAC).
        assertThat(KernelNetns.await(() -> received.stream().anyMatch(f -> isIcmpEcho(f, 8)), WAIT)).isTrue();
    }

    @Test
    void ourStackResolvesKernel_andKernelAnswersEcho() {
        openTap();
        SkBuff skb = ipSkb(icmpEcho(OUR_IP, KERNEL_IP, 0x4242, 1, 56));

        int rc = net.arp().neighOutput(skb, tap, KERNEL_IP);

        assertThat(rc).isZero();
        assertThat(KernelNetns.await(() -> {
            NeighInfo n = net.arp().neighbour(KERNEL_IP, tap);
            return n != null && n.state() == Neighbour.NUD_REACHABLE;
        }, WAIT)).as("ARP reply from the kernel").isTrue();
        assertThat(net.arp().neighbour(KERNEL_IP, tap).lladdr()).isEqualTo(tap.kernelMac());
        // The queued echo request went out once resolved, and the kernel answered it.
        assertThat(KernelNetns.await(() -> received.stream().anyMatch(f -> isIcmpEcho(f, 0)), WAIT))
                .as("echo reply from the kernel").isTrue();
        byte[] reply = received.stream().filter(f -> isIcmpEcho(f, 0)).findFirst().orElseThrow();
        assertThat(u48(reply, 0)).isEqualTo(tap.mac());
        assertThat(u48(reply, 6)).isEqualTo(tap.kernelMac());
        assertThat(u16(reply, 14 + 20 + 4)).as("identifier").isEqualTo(0x4242);
    }

    @Test
    void burstFromKernel_allFramesArrive_inFewerPollsThanFrames() {
        KernelNetns.requireRoot("bash");
        openTap();
        // The kernel must know our MAC first (one resolution), then 200 datagrams follow back to back.
        ns.ip("neigh", "replace", "198.18.0.2", "lladdr", Eth.macToString(tap.mac()), "dev", tapName, "nud", "permanent")
                .check();
        long pollsBefore = tap.rxPolls();

        ns.exec("bash", "-c", "for i in $(seq 1 200); do echo x$i > /dev/udp/198.18.0.2/9; done").check();

        assertThat(KernelNetns.await(() -> countUdpTo(9) >= 200, WAIT)).as("200 datagrams received").isTrue();
        assertThat(countUdpTo(9)).isEqualTo(200);
        assertThat(tap.rxPolls() - pollsBefore).isPositive();
    }

    @Test
    void pollingBeforeSleeping_floodPingFromKernel_everyEchoAnswered() {
        KernelNetns.requireRoot("ping");
        // As packetflow serve runs it: irq-exit softirq, edge-triggered fd, a 200 µs poll window.
        openTap(TapDevice.builder(net).pollMaxMicros(200));
        ns.exec("ping", "-c", "1", "-W", "2", "198.18.0.2").check(); // ARP both ways first

        KernelNetns.Result r = ns.exec("ping", "-f", "-c", "2000", "-w", "20", "198.18.0.2");

        assertThat(r.output()).contains("2000 packets transmitted, 2000 received");
        // Sparse traffic afterwards still wakes it: the window may have shrunk to 0 meanwhile.
        ns.exec("ping", "-c", "3", "-i", "0.3", "-W", "2", "198.18.0.2").check();
    }

    @Test
    void deterministicKernel_noThread_pollEventsLetsFramesIn() {
        KernelNetns.requireRoot("bash");
        Simulation sim = new Simulation(3);
        NetStack simNet = NetStack.create(sim, "sim");
        try {
            TapDevice t = TapDevice.builder(simNet).name(tapName).mode(TapDevice.Mode.CREATE).open();
            env.configureKernelEnd();
            ns.ip("neigh", "replace", "198.18.0.2", "lladdr", Eth.macToString(t.mac()), "dev", tapName, "nud",
                    "permanent").check();
            List<byte[]> got = new CopyOnWriteArrayList<>();
            Dev.addTap(t, (dev, skb, outgoing) -> {
                if (!outgoing) {
                    got.add(skb.toByteArray());
                }
            });
            simNet.devices().open(t);
            assertThat(t.irqThreadRunning()).isFalse();

            ns.exec("bash", "-c", "for i in 1 2 3; do echo -n d$i > /dev/udp/198.18.0.2/9; done").check();

            for (int i = 0; i < 50 && got.size() < 3; i++) {
                t.pollEvents(100);
                sim.run();
            }
            assertThat(got).hasSize(3);
            assertThat(t.interrupts()).isPositive();
        } finally {
            simNet.close();
        }
    }

    @Test
    void kernelRefusesWrites_queueStopsOnEagain_andEpolloutWakesIt_nothingLost() throws Exception {
        KernelNetns.requireRoot("taskset");
        org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.getRuntime().availableProcessors() >= 2,
                "needs two CPUs to keep frames in flight");
        openTap();
        // A 4 KB send buffer: write() says EAGAIN while the kernel still holds two earlier frames,
        // and epoll reports EPOLLOUT once it holds none (sock_writeable(): below half the buffer).
        // The kernel would consume each frame inside write(); with RPS steering frames to CPU 1 and
        // this thread pinned to CPU 0 they wait in CPU 1's backlog for a moment instead.
        assertThat(tap.setKernelSndBuf(4096)).isZero();
        ns.exec("sh", "-c", "echo 2 > /sys/class/net/" + tapName + "/queues/rx-0/rps_cpus").check();
        String tid = Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
        KernelNetns.run("taskset", "-pc", "0", tid).check();
        long kernelRx0 = kernelRxPackets();
        int sent = 0;
        try {
            for (int batch = 0; batch < 20 && tap.txBusy() == 0; batch++) {
                for (int i = 0; i < 200; i++) {
                    SkBuff skb = Skb.allocSkb(tap.pool(), Skb.MAX_HEADER + 1514);
                    skb.reserve(Skb.MAX_HEADER);
                    int off = skb.put(1514);
                    skb.setU48(off, tap.kernelMac());
                    skb.setU48(off + 6, tap.mac());
                    skb.setU16(off + 12, 0x88B5);
                    skb.dev = tap;
                    Dev.devQueueXmit(skb);
                    sent++;
                }
            }
        } finally {
            KernelNetns.run("taskset", "-pc", "0-" + (Runtime.getRuntime().availableProcessors() - 1), tid);
        }
        int total = sent;

        assertThat(tap.txBusy()).as("write() said EAGAIN at least once").isPositive();
        assertThat(KernelNetns.await(() -> kernelRxPackets() - kernelRx0 >= total, WAIT))
                .as(() -> "every frame reached the kernel: sent " + total + ", kernel counted "
                        + (kernelRxPackets() - kernelRx0) + ", tx " + tap.stats().txPackets() + ", busy "
                        + tap.txBusy() + ", wakes " + tap.txWakes() + ", stopped " + tap.queueStopped()
                        + ", qlen " + tap.qdisc().qlen())
                .isTrue();
        assertThat(tap.qdisc().requeues).as("the refused frame waited at the head of the qdisc").isPositive();
        assertThat(tap.txWakes()).as("EPOLLOUT woke the queue").isPositive();
        assertThat(tap.stats().txPackets()).isGreaterThanOrEqualTo(total);
        assertThat(tap.stats().txDropped()).isZero();
        assertThat(tap.queueStopped()).isFalse();
    }

    long kernelRxPackets() {
        String out = ns.ip("-s", "link", "show", tapName).check();
        Matcher m = Pattern.compile("RX:[^\\n]*\\n\\s+(\\d+)\\s+(\\d+)").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return Long.parseLong(m.group(2));
    }

    // ------------------------------------------------------------------ MTU, carrier, shutdown

    @Test
    void changeMtu_setsKernelMtu_andKernelChangeIsFollowed() {
        openTap();

        net.devices().setMtu(tap, 1280);

        assertThat(tap.mtu()).isEqualTo(1280);
        assertThat(ns.ip("link", "show", tapName).check()).contains("mtu 1280");

        ns.ip("link", "set", tapName, "mtu", "1400").check();
        tap.syncLinkState();
        assertThat(tap.mtu()).isEqualTo(1400);
        assertThat(tap.kernelMtu()).isEqualTo(1400);
    }

    @Test
    void kernelMtuChange_isFollowedByTheIrqThread() {
        openTap();

        ns.ip("link", "set", tapName, "mtu", "9000").check();

        assertThat(KernelNetns.await(() -> tap.mtu() == 9000, WAIT)).isTrue();
    }

    @Test
    void largeFrame_atKernelMtu_arrivesWhole() {
        KernelNetns.requireRoot("ping");
        openTap();
        ns.ip("link", "set", tapName, "mtu", "9000").check();
        tap.syncLinkState();
        ns.ip("neigh", "replace", "198.18.0.2", "lladdr", Eth.macToString(tap.mac()), "dev", tapName, "nud", "permanent")
                .check();

        ns.exec("ping", "-c", "1", "-W", "1", "-M", "do", "-s", "8972", "198.18.0.2");

        assertThat(KernelNetns.await(() -> received.stream().anyMatch(f -> f.length == 9014 && isIcmpEcho(f, 8)), WAIT))
                .isTrue();
        assertThat(tap.rxTruncated()).isZero();
    }

    @Test
    void kernelMtuGrowsUnannounced_firstBigFrameMayBeLost_laterOnesArriveWhole() {
        KernelNetns.requireRoot("ping");
        openTap();
        ns.ip("neigh", "replace", "198.18.0.2", "lladdr", Eth.macToString(tap.mac()), "dev", tapName, "nud", "permanent")
                .check();

        ns.ip("link", "set", tapName, "mtu", "9000").check();
        ns.exec("ping", "-c", "4", "-i", "0.5", "-W", "1", "-M", "do", "-s", "8972", "198.18.0.2");

        assertThat(KernelNetns.await(() -> received.stream().anyMatch(f -> f.length == 9014 && isIcmpEcho(f, 8)), WAIT))
                .isTrue();
        assertThat(tap.mtu()).isEqualTo(9000);
        assertThat(tap.stats().get(dev.packetflow.net.core.LinkStats64.RX_LENGTH_ERRORS)).isEqualTo(tap.rxTruncated());
    }

    @Test
    void downHere_isNoCarrierThere_andUpAgainKeepsKernelConfig() {
        openTap();
        assertThat(KernelNetns.await(() -> ns.ip("link", "show", tapName).output().contains("LOWER_UP"), WAIT)).isTrue();

        net.devices().close(tap);

        assertThat(tap.irqThreadRunning()).isFalse();
        assertThat(ns.ip("link", "show", tapName).check()).contains("NO-CARRIER");

        net.devices().open(tap);

        assertThat(tap.irqThreadRunning()).isTrue();
        assertThat(ns.ip("link", "show", tapName).check()).doesNotContain("NO-CARRIER").contains("LOWER_UP");
        assertThat(ns.ip("addr", "show", tapName).check()).contains("198.18.0.1/24");
    }

    @Test
    void kernelSideDown_turnsOurCarrierOff_andUpTurnsItOn() {
        openTap();
        assertThat(tap.isRunning()).isTrue();

        ns.ip("link", "set", tapName, "down").check();
        tap.syncLinkState();
        assertThat(tap.carrierOk()).isFalse();

        ns.ip("link", "set", tapName, "up").check();
        assertThat(KernelNetns.await(tap::carrierOk, WAIT)).as("the irq thread's resync").isTrue();
    }

    @Test
    void stackClose_removesTheTap_andStopsTheThread() {
        openTap();
        assertThat(ns.ip("link", "show", tapName).exit()).isZero();

        net.close();

        assertThat(tap.isClosed()).isTrue();
        assertThat(tap.irqThreadRunning()).isFalse();
        assertThat(ns.ip("link", "show", tapName).exit()).as("TAP deleted with its last file").isNotZero();
        assertThat(KernelNetns.run("ip", "link", "show", tapName).exit()).isNotZero();
    }

    @Test
    void namespaceDeleted_underUs_deviceIsGone_andCloseStillClean() {
        openTap();

        ns.close();
        ns = null;

        assertThat(KernelNetns.await(() -> {
            tap.syncLinkState();
            return tap.gone();
        }, WAIT)).isTrue();
        assertThat(tap.carrierOk()).isFalse();
        net.close();
        assertThat(tap.isClosed()).isTrue();
    }

    // ------------------------------------------------------------------ vnet header, checksum offload

    @Test
    void vnetHdr_txPartialChecksum_kernelAcceptsDatagram_whileWrongChecksumIsDropped() {
        openTap(TapDevice.builder(net).vnetHdr(true));
        assertThat(tap.vnetHdrSize()).isEqualTo(10);
        assertThat(tap.hasFeature(NetDevice.NETIF_F_HW_CSUM)).isTrue();
        net.arp().addPermanent(KERNEL_IP, tap.kernelMac(), tap);
        long errorsBefore = kernelUdp("InCsumErrors");
        long noPortsBefore = kernelUdp("NoPorts");

        // Same bytes twice: a checksum field holding only the pseudo-header sum.
        SkBuff partial = ipSkb(udpPartial(OUR_IP, KERNEL_IP, 40000, 9999, "offloaded".getBytes()));
        partial.ipSummed = SkBuff.CHECKSUM_PARTIAL;
        partial.csumStart = partial.data + 20;
        partial.csumOffset = 6;
        net.arp().neighOutput(partial, tap, KERNEL_IP);
        SkBuff wrong = ipSkb(udpPartial(OUR_IP, KERNEL_IP, 40000, 9999, "offloaded".getBytes()));
        net.arp().neighOutput(wrong, tap, KERNEL_IP);

        assertThat(KernelNetns.await(() -> kernelUdp("InCsumErrors") > errorsBefore
                && kernelUdp("NoPorts") > noPortsBefore, WAIT)).isTrue();
        assertThat(kernelUdp("NoPorts") - noPortsBefore).as("the NEEDS_CSUM datagram was accepted").isEqualTo(1);
        assertThat(kernelUdp("InCsumErrors") - errorsBefore).as("the plain one failed its checksum").isEqualTo(1);
    }

    @Test
    void udpGsoSuperPacket_vnetHdr_isSegmentedBeforeTheTap_kernelAcceptsEverySegment() {
        openTap(TapDevice.builder(net).vnetHdr(true));
        assertThat(tap.hasFeature(NetDevice.NETIF_F_GSO_UDP_L4)).as("TAP offers TSO only").isFalse();
        udpGsoToKernel(true);
    }

    @Test
    void udpGsoSuperPacket_noVnetHdr_segmentsCarryFinishedChecksums() {
        openTap();
        udpGsoToKernel(false);
    }

    /**
     * Sends a UDP GSO super-packet of 3 x 100 + 40 bytes to a kernel port nobody listens on: every
     * segment must arrive as a valid datagram (NoPorts counts 4, InCsumErrors none).
     */
    void udpGsoToKernel(boolean partial) {
        net.arp().addPermanent(KERNEL_IP, tap.kernelMac(), tap);
        long errorsBefore = kernelUdp("InCsumErrors");
        long noPortsBefore = kernelUdp("NoPorts");
        byte[] data = new byte[340];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        SkBuff skb = ipSkb(udpPartial(OUR_IP, KERNEL_IP, 40000, 9998, data));
        skb.protocol = Eth.ETH_P_IP;
        skb.transportHeader = skb.data + 20;
        skb.gsoSize = 100;
        skb.gsoSegs = 4;
        skb.gsoType = SkBuff.SKB_GSO_UDP_L4;
        if (partial) {
            skb.ipSummed = SkBuff.CHECKSUM_PARTIAL;
            skb.csumStart = skb.transportHeader;
            skb.csumOffset = 6;
        } else {
            // the super-packet's check field as a finished checksum leaves it: segmentation redoes it
            skb.ipSummed = SkBuff.CHECKSUM_NONE;
        }
        net.arp().neighOutput(skb, tap, KERNEL_IP);

        assertThat(KernelNetns.await(() -> kernelUdp("NoPorts") - noPortsBefore >= 4, WAIT)).isTrue();
        assertThat(kernelUdp("NoPorts") - noPortsBefore).isEqualTo(4);
        assertThat(kernelUdp("InCsumErrors") - errorsBefore).isZero();
    }

    @Test
    void vnetHdr_rxNeedsCsum_isCompletedInSoftware() {
        KernelNetns.requireRoot("bash");
        openTap(TapDevice.builder(net).vnetHdr(true));
        ns.ip("neigh", "replace", "198.18.0.2", "lladdr", Eth.macToString(tap.mac()), "dev", tapName, "nud", "permanent")
                .check();
        List<Integer> summed = new CopyOnWriteArrayList<>();
        Dev.addTap(tap, (dev, skb, outgoing) -> {
            if (!outgoing) {
                summed.add(skb.ipSummed);
            }
        });

        ns.exec("bash", "-c", "echo -n checksum-me > /dev/udp/198.18.0.2/7").check();

        assertThat(KernelNetns.await(() -> countUdpTo(7) == 1, WAIT)).isTrue();
        byte[] f = received.stream().filter(x -> isUdpTo(x, 7)).findFirst().orElseThrow();
        assertThat(udpChecksumOk(f)).as("checksum completed and correct").isTrue();
        assertThat(u16(f, 14 + 20 + 6)).as("not just the pseudo-header sum").isNotZero();
        assertThat(summed).contains(SkBuff.CHECKSUM_UNNECESSARY);
    }

    // ------------------------------------------------------------------ helpers

    long kernelUdp(String field) {
        String snmp = ns.exec("cat", "/proc/net/snmp").check();
        String[] header = null;
        for (String line : snmp.split("\n")) {
            if (line.startsWith("Udp: ")) {
                String[] parts = line.substring(5).trim().split("\\s+");
                if (header == null) {
                    header = parts;
                } else {
                    for (int i = 0; i < header.length; i++) {
                        if (header[i].equals(field)) {
                            return Long.parseLong(parts[i]);
                        }
                    }
                }
            }
        }
        throw new AssertionError("no Udp " + field + " in /proc/net/snmp");
    }

    long countUdpTo(int port) {
        return received.stream().filter(f -> isUdpTo(f, port)).count();
    }

    static String macOf(String ipLinkOutput) {
        Matcher m = Pattern.compile("link/ether ([0-9a-f:]{17})").matcher(ipLinkOutput);
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    SkBuff ipSkb(byte[] ip) {
        SkBuff skb = Skb.allocSkb(tap.pool(), Skb.MAX_HEADER + ip.length);
        skb.reserve(Skb.MAX_HEADER);
        skb.putData(ip);
        skb.resetNetworkHeader();
        return skb;
    }

    static byte[] ipv4(int src, int dst, int proto, byte[] payload) {
        byte[] p = new byte[20 + payload.length];
        p[0] = 0x45;
        put16(p, 2, p.length);
        put16(p, 4, 0x1234);
        p[8] = 64;
        p[9] = (byte) proto;
        put32(p, 12, src);
        put32(p, 16, dst);
        put16(p, 10, ~csum(p, 0, 20, 0) & 0xffff);
        System.arraycopy(payload, 0, p, 20, payload.length);
        return p;
    }

    static byte[] icmpEcho(int src, int dst, int id, int seq, int dataLen) {
        byte[] icmp = new byte[8 + dataLen];
        icmp[0] = 8;
        put16(icmp, 4, id);
        put16(icmp, 6, seq);
        for (int i = 8; i < icmp.length; i++) {
            icmp[i] = (byte) i;
        }
        put16(icmp, 2, ~csum(icmp, 0, icmp.length, 0) & 0xffff);
        return ipv4(src, dst, 1, icmp);
    }

    /** A UDP datagram whose checksum field holds only the pseudo-header sum (what CHECKSUM_PARTIAL sends). */
    static byte[] udpPartial(int src, int dst, int sport, int dport, byte[] data) {
        byte[] udp = new byte[8 + data.length];
        put16(udp, 0, sport);
        put16(udp, 2, dport);
        put16(udp, 4, udp.length);
        System.arraycopy(data, 0, udp, 8, data.length);
        int pseudo = (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + 17 + udp.length;
        put16(udp, 6, fold(pseudo));
        return ipv4(src, dst, 17, udp);
    }

    static boolean udpChecksumOk(byte[] f) {
        int ip = 14;
        int ihl = (f[ip] & 0x0f) * 4;
        int udpLen = u16(f, ip + ihl + 4);
        int src = (int) u32(f, ip + 12);
        int dst = (int) u32(f, ip + 16);
        int pseudo = (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + 17 + udpLen;
        return csum(f, ip + ihl, udpLen, pseudo) == 0xffff;
    }

    static boolean isIcmpEcho(byte[] f, int type) {
        return f.length >= 42 && u16(f, 12) == Eth.ETH_P_IP && (f[23] & 0xff) == 1 && (f[14 + 20] & 0xff) == type;
    }

    static boolean isUdpTo(byte[] f, int port) {
        return f.length >= 42 && u16(f, 12) == Eth.ETH_P_IP && (f[23] & 0xff) == 17 && u16(f, 14 + 20 + 2) == port;
    }

    static int csum(byte[] b, int off, int len, int initial) {
        long s = initial;
        for (int i = 0; i + 1 < len; i += 2) {
            s += ((b[off + i] & 0xff) << 8) | (b[off + i + 1] & 0xff);
        }
        if ((len & 1) != 0) {
            s += (b[off + len - 1] & 0xff) << 8;
        }
        return fold(s);
    }

    static int fold(long s) {
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) s;
    }

    static void put16(byte[] b, int o, int v) {
        b[o] = (byte) (v >>> 8);
        b[o + 1] = (byte) v;
    }

    static void put32(byte[] b, int o, int v) {
        put16(b, o, v >>> 16);
        put16(b, o + 2, v);
    }

    static int u16(byte[] b, int o) {
        return ((b[o] & 0xff) << 8) | (b[o + 1] & 0xff);
    }

    static long u32(byte[] b, int o) {
        return ((long) u16(b, o) << 16) | u16(b, o + 2);
    }

    static long u48(byte[] b, int o) {
        return ((long) u16(b, o) << 32) | u32(b, o + 2);
    }
}
