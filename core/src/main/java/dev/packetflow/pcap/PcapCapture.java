package dev.packetflow.pcap;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.Dev;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.PacketTap;
import dev.packetflow.net.core.SkBuff;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code tcpdump -i DEV -w FILE} for packetflow devices: records every frame the devices receive
 * and send into a pcap file, from the same place an {@code AF_PACKET} socket sees them in Linux
 * ({@code __netif_receive_skb_core} on RX, {@code dev_queue_xmit_nit} on TX; see {@link Dev}).
 *
 * <p>Timestamps come from the stack's clock. In a deterministic simulation they are the virtual
 * time as is: the virtual clock starts at {@code VirtualClock.EPOCH_NS} (one second), so tcpdump
 * shows the first frames at {@code 00:00:01} on 1 January 1970, the run's "boot", and two runs of
 * the same simulation give byte-identical files. In real time the monotonic clock is shifted to
 * the wall clock once, when the capture starts, so tcpdump shows the time of day.
 *
 * <p>A write error (disk full) stops the capture rather than disturbing the packet path; it is
 * reported by {@link #error()} and rethrown by {@link #close()}.
 */
public final class PcapCapture implements AutoCloseable {
    private final PcapWriter writer;
    private final long epochOffsetNs;
    private final List<AutoCloseable> taps = new ArrayList<>();
    private volatile IOException error;
    private volatile boolean closed;

    private PcapCapture(PcapWriter writer, long epochOffsetNs) {
        this.writer = writer;
        this.epochOffsetNs = epochOffsetNs;
    }

    /** Captures everything {@code dev} receives and sends into {@code file} (created or truncated). */
    public static PcapCapture attach(NetDevice dev, Path file) throws IOException {
        return attach(PcapWriter.open(file), dev);
    }

    /** Captures {@code dev} into {@code out}, which the capture closes when it is closed. */
    public static PcapCapture attach(NetDevice dev, OutputStream out) throws IOException {
        return attach(new PcapWriter(out), dev);
    }

    /**
     * Captures several devices (of one or several stacks) into one file, like {@code tcpdump -i any}
     * but keeping Ethernet framing. The capture owns {@code writer} and closes it.
     */
    public static PcapCapture attach(PcapWriter writer, NetDevice... devs) {
        if (devs.length == 0) {
            throw new IllegalArgumentException("no device to capture");
        }
        for (NetDevice d : devs) {
            if (d.net() == null) {
                throw new IllegalArgumentException("device " + d.name() + " is not registered in a stack");
            }
        }
        PcapCapture c = new PcapCapture(writer, epochOffset(devs[0].net()));
        PacketTap tap = c::tap;
        for (NetDevice d : devs) {
            c.taps.add(Dev.addTap(d, tap));
        }
        return c;
    }

    /**
     * What to add to the stack's clock to get nanoseconds since the Unix epoch: nothing in
     * virtual time (see the class comment), the wall clock's lead over the monotonic clock otherwise.
     */
    static long epochOffset(NetStack net) {
        if (net.kernel().deterministic()) {
            return 0;
        }
        Instant now = Instant.now();
        long wallNs = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        return wallNs - net.clock().nanoTime();
    }

    private void tap(NetDevice dev, SkBuff skb, boolean outgoing) {
        if (closed || error != null) {
            return;
        }
        int from;
        long ts;
        if (outgoing) {
            from = skb.data;
            ts = dev.net().clock().nanoTime();
        } else {
            // On RX data is past the Ethernet header already; the frame starts at the MAC header.
            from = skb.macHeader >= 0 ? skb.macHeader : skb.data;
            ts = skb.tstampNs != 0 ? skb.tstampNs : dev.net().clock().nanoTime();
        }
        try {
            writer.write(ts + epochOffsetNs, skb, from, skb.tail);
        } catch (IOException e) {
            if (!closed) { // a frame racing close() finds the writer closed: not an error
                error = e;
            }
        }
    }

    /** Frames recorded so far. */
    public long packets() {
        return writer.records();
    }

    /** The write error that stopped this capture, or null. */
    public IOException error() {
        return error;
    }

    /** Pushes what is buffered to the file, so that tools can read it while the capture goes on. */
    public void flush() throws IOException {
        writer.flush();
    }

    /** Detaches from the devices and closes the file; rethrows a write error that stopped the capture. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        for (AutoCloseable t : taps) {
            try {
                t.close();
            } catch (Exception e) {
                throw new IllegalStateException("detaching pcap tap", e);
            }
        }
        writer.close();
        if (error != null) {
            throw error;
        }
    }
}
