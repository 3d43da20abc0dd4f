package dev.packetflow.trace;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.SkBuff;

/**
 * A named point on the packet path, named exactly like the kernel function or tracepoint it stands
 * for ({@code ip_rcv}, {@code NF_INET_PRE_ROUTING}, {@code net_dev_xmit}, ...).
 *
 * <p>Call sites read {@link #enabled} before calling {@code fire}, so with nothing attached the
 * cost is one load and one branch (the kernel's static key does the same with a patched jump).
 * Probes are kept in a copy-on-write array: attaching is rare, firing is not.
 */
public final class Tracepoint {
    private static final Probe[] NONE = new Probe[0];

    private final String name;
    private final int id;
    /** Read on every packet; volatile so that attaching from another thread is seen. */
    public volatile boolean enabled;
    private volatile Probe[] probes = NONE;

    Tracepoint(String name, int id) {
        this.name = name;
        this.id = id;
    }

    public String name() {
        return name;
    }

    public int id() {
        return id;
    }

    public void fire(NetDevice dev, SkBuff skb, long arg) {
        fire(dev == null ? null : dev.net(), dev, skb, arg);
    }

    public void fire(NetStack net, SkBuff skb, long arg) {
        fire(net, skb == null ? null : skb.dev, skb, arg);
    }

    public void fire(NetStack net, NetDevice dev, SkBuff skb, long arg) {
        for (Probe p : probes) {
            p.hit(this, net, dev, skb, arg);
        }
    }

    synchronized void attach(Probe p) {
        Probe[] old = probes;
        Probe[] n = java.util.Arrays.copyOf(old, old.length + 1);
        n[old.length] = p;
        probes = n;
        enabled = true;
    }

    synchronized void detach(Probe p) {
        Probe[] old = probes;
        int i = java.util.Arrays.asList(old).indexOf(p);
        if (i < 0) {
            return;
        }
        Probe[] n = new Probe[old.length - 1];
        System.arraycopy(old, 0, n, 0, i);
        System.arraycopy(old, i + 1, n, i, old.length - i - 1);
        probes = n.length == 0 ? NONE : n;
        enabled = n.length > 0;
    }

    @Override
    public String toString() {
        return name;
    }
}
