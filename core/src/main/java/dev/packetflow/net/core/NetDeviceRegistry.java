package dev.packetflow.net.core;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.sched.NoQueue;
import dev.packetflow.net.sched.PfifoFast;
import dev.packetflow.net.sched.Qdisc;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The devices of one stack, by index and by name, plus the state changes that Linux does in
 * {@code net/core/dev.c}: {@code register_netdevice}, {@code dev_open}, {@code dev_close},
 * {@code dev_set_mtu}. Reads (on the packet path) see a copy-on-write array; writes are serialised.
 */
public final class NetDeviceRegistry {
    private final NetStack net;
    private volatile NetDevice[] byIndex = new NetDevice[1];
    private int nextIfindex = 1;
    private final List<Consumer<NetDevice>> upListeners = new ArrayList<>();
    private final List<Consumer<NetDevice>> downListeners = new ArrayList<>();

    public NetDeviceRegistry(NetStack net) {
        this.net = net;
    }

    /** Linux: {@code register_netdevice()}. */
    public synchronized void register(NetDevice dev) {
        if (dev.net != null) {
            throw new IllegalStateException(dev.name() + " is already registered in " + dev.net);
        }
        if (byName(dev.name()) != null) {
            throw new IllegalArgumentException("device " + dev.name() + " already exists");
        }
        dev.net = net;
        dev.ifindex = nextIfindex++;
        dev.cpu = net.cpu();
        if (dev.pool == PagePool.DEFAULT) {
            dev.pool = net.pool();
        }
        boolean noQueue = dev.type() == NetDevice.ARPHRD_LOOPBACK || (dev.privFlags() & NetDevice.IFF_NO_QUEUE) != 0;
        dev.qdisc = noQueue ? new NoQueue() : new PfifoFast(dev.txQueueLen());
        NetDevice[] a = byIndex;
        if (dev.ifindex >= a.length) {
            a = java.util.Arrays.copyOf(a, Math.max(dev.ifindex + 1, a.length * 2));
        } else {
            a = a.clone();
        }
        a[dev.ifindex] = dev;
        byIndex = a;
        dev.onRegister();
    }

    public NetDevice byIndex(int ifindex) {
        NetDevice[] a = byIndex;
        return ifindex > 0 && ifindex < a.length ? a[ifindex] : null;
    }

    public NetDevice byName(String name) {
        for (NetDevice d : byIndex) {
            if (d != null && d.name().equals(name)) {
                return d;
            }
        }
        return null;
    }

    /** All devices in ifindex order. */
    public List<NetDevice> all() {
        List<NetDevice> l = new ArrayList<>();
        for (NetDevice d : byIndex) {
            if (d != null) {
                l.add(d);
            }
        }
        return l;
    }

    /** Called (under the registry lock) after a device goes up; the address layer listens. */
    public synchronized void onUp(Consumer<NetDevice> l) {
        upListeners.add(l);
    }

    public synchronized void onDown(Consumer<NetDevice> l) {
        downListeners.add(l);
    }

    /** Linux: {@code dev_open()}. */
    public synchronized void open(NetDevice dev) {
        if (dev.isUp()) {
            return;
        }
        dev.ndoOpen();
        dev.flags |= NetDevice.IFF_UP;
        for (Consumer<NetDevice> l : upListeners) {
            l.accept(dev);
        }
    }

    /** Linux: {@code dev_close()}: stops the driver and drops what its qdisc holds. */
    public synchronized void close(NetDevice dev) {
        if (!dev.isUp()) {
            return;
        }
        dev.flags &= ~NetDevice.IFF_UP;
        for (Consumer<NetDevice> l : downListeners) {
            l.accept(dev);
        }
        dev.ndoStop();
        Qdisc q = dev.qdisc;
        // Linux dev_deactivate(): wait for a thread feeding the device to finish, then purge as
        // the runner. The wait is bounded: the runner may be this very thread (closing from a
        // driver callback), which then purges under the lock alone.
        boolean owner = false;
        for (int i = 0; i < 100_000 && !(owner = q.tryRunBegin()); i++) {
            Thread.onSpinWait();
        }
        synchronized (q) {
            if (q.requeued != null) {
                Skb.kfreeSkb(q.requeued, DropReason.QUEUE_PURGE);
                q.requeued = null;
            }
            q.reset();
        }
        if (owner) {
            do {
                q.clearMissed();
            } while (q.runEnd());
        }
    }

    /** Linux: {@code dev_set_mtu()}; rejects values outside the device's limits. */
    public synchronized void setMtu(NetDevice dev, int mtu) {
        if (mtu < dev.minMtu() || mtu > dev.maxMtu()) {
            throw new IllegalArgumentException("mtu " + mtu + " out of range " + dev.minMtu() + ".." + dev.maxMtu()
                    + " for " + dev.name());
        }
        dev.ndoChangeMtu(mtu);
    }

    /** Linux: {@code dev_change_name()}. */
    public synchronized void rename(NetDevice dev, String name) {
        if (byName(name) != null) {
            throw new IllegalArgumentException("device " + name + " already exists");
        }
        dev.setName(name);
    }

    /** Brings every device down (stack shutdown). */
    public synchronized void closeAll() {
        for (NetDevice d : all()) {
            close(d);
        }
    }
}
