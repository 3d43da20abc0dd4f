package dev.packetflow.net.netfilter;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.DropReason;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.core.SkBuff;
import dev.packetflow.net.core.Skb;
import dev.packetflow.trace.Trace;
import dev.packetflow.trace.Tracepoint;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The five IPv4 netfilter hook points and the hooks registered on them, per stack.
 *
 * <p>{@link #nfHook} is the {@code NF_HOOK()} macro: it runs the hooks of one point in priority
 * order and, when all accept, the continuation ({@code okfn}) runs — so the stage after a hook
 * point is only reached through it, exactly as in the kernel. The packet path writes the macro
 * out, {@code rc = nfHook(...); if (rc == 1) rc = okfn(...)}, so that the continuation is a
 * direct call the JIT can inline rather than a call through an interface shared by every hook
 * point. Hooks are kept in copy-on-write arrays
 * (the kernel's RCU-protected {@code nf_hook_entries}); with none registered the cost is one array
 * length test.
 *
 * <p>Linux: {@code include/linux/netfilter.h}, {@code net/netfilter/core.c}.
 */
public final class Netfilter {
    public static final int NF_INET_PRE_ROUTING = 0;
    public static final int NF_INET_LOCAL_IN = 1;
    public static final int NF_INET_FORWARD = 2;
    public static final int NF_INET_LOCAL_OUT = 3;
    public static final int NF_INET_POST_ROUTING = 4;
    public static final int NF_INET_NUMHOOKS = 5;

    /** Verdicts, Linux's values. */
    public static final int NF_DROP = 0;
    public static final int NF_ACCEPT = 1;
    public static final int NF_STOLEN = 2;

    /** Linux's {@code enum nf_ip_hook_priorities}, a few of them. */
    public static final int NF_IP_PRI_RAW = -300;
    public static final int NF_IP_PRI_CONNTRACK = -200;
    public static final int NF_IP_PRI_MANGLE = -150;
    public static final int NF_IP_PRI_NAT_DST = -100;
    public static final int NF_IP_PRI_FILTER = 0;
    public static final int NF_IP_PRI_NAT_SRC = 100;

    private static final Tracepoint[] POINTS = {
        Trace.NF_INET_PRE_ROUTING, Trace.NF_INET_LOCAL_IN, Trace.NF_INET_FORWARD,
        Trace.NF_INET_LOCAL_OUT, Trace.NF_INET_POST_ROUTING,
    };
    private static final String[] NAMES = {
        "NF_INET_PRE_ROUTING", "NF_INET_LOCAL_IN", "NF_INET_FORWARD", "NF_INET_LOCAL_OUT", "NF_INET_POST_ROUTING",
    };

    /** A hook function. Returns a verdict; on NF_STOLEN it has taken the skb. Must not free it otherwise. */
    @FunctionalInterface
    public interface HookFn {
        int hook(SkBuff skb, NetStack net, int hooknum, NetDevice in, NetDevice out);
    }

    /** What the hook point continues with when every hook accepts (Linux: {@code okfn}). */
    @FunctionalInterface
    public interface OkFn {
        int ok(NetStack net, SkBuff skb);
    }

    /** Linux: {@code struct nf_hook_ops}. */
    public record HookOps(int hooknum, int priority, HookFn fn) {}

    private final Object lock = new Object();
    private final List<List<HookOps>> registered = new ArrayList<>();
    @SuppressWarnings("unchecked")
    private volatile HookOps[][] entries = new HookOps[NF_INET_NUMHOOKS][0];

    /** Verdict counters per hook point, for statistics. */
    public final long[] dropped = new long[NF_INET_NUMHOOKS];
    public final long[] stolen = new long[NF_INET_NUMHOOKS];

    public Netfilter() {
        for (int i = 0; i < NF_INET_NUMHOOKS; i++) {
            registered.add(new ArrayList<>());
        }
    }

    public static String hookName(int hooknum) {
        return NAMES[hooknum];
    }

    /**
     * Linux: {@code nf_register_net_hook()}. Hooks of one point run in ascending priority; hooks of
     * equal priority in registration order. Returns a handle that unregisters.
     */
    public AutoCloseable register(HookOps ops) {
        if (ops.hooknum() < 0 || ops.hooknum() >= NF_INET_NUMHOOKS) {
            throw new IllegalArgumentException("no such hook point: " + ops.hooknum());
        }
        synchronized (lock) {
            List<HookOps> l = registered.get(ops.hooknum());
            l.add(ops);
            l.sort(Comparator.comparingInt(HookOps::priority));
            publish();
        }
        return () -> {
            synchronized (lock) {
                registered.get(ops.hooknum()).remove(ops);
                publish();
            }
        };
    }

    private void publish() {
        HookOps[][] n = new HookOps[NF_INET_NUMHOOKS][];
        for (int i = 0; i < NF_INET_NUMHOOKS; i++) {
            n[i] = registered.get(i).toArray(new HookOps[0]);
        }
        entries = n;
    }

    public int hookCount(int hooknum) {
        return entries[hooknum].length;
    }

    /**
     * Linux: {@code NF_HOOK()}. Runs the hooks of {@code hooknum}; if all accept, returns
     * {@code okfn(net, skb)}. A drop frees the skb with {@link DropReason#NETFILTER_DROP} and returns
     * -1 (Linux: {@code -EPERM}); a steal returns 0. The packet path calls {@link #nfHook(int,
     * NetStack, SkBuff, NetDevice, NetDevice)} and its continuation directly instead, as the
     * kernel's inline {@code NF_HOOK()} does; this form is for continuations chosen at run time.
     */
    public static int nfHook(int hooknum, NetStack net, SkBuff skb, NetDevice in, NetDevice out, OkFn okfn) {
        int rc = nfHook(hooknum, net, skb, in, out);
        return rc == 1 ? okfn.ok(net, skb) : rc;
    }

    /**
     * Linux: {@code nf_hook()}. Fires the hook point's tracepoint and runs its hooks; returns 1 when
     * every hook accepted (the caller continues with its okfn, as {@code NF_HOOK()} does), -1 when
     * one dropped the packet (freed with {@link DropReason#NETFILTER_DROP}), 0 when one stole it.
     * With no hook registered the cost is a load and a test.
     */
    public static int nfHook(int hooknum, NetStack net, SkBuff skb, NetDevice in, NetDevice out) {
        Tracepoint tp = POINTS[hooknum];
        if (tp.enabled) {
            tp.fire(net, in != null ? in : out, skb, hooknum);
        }
        Netfilter nf = net.netfilter();
        HookOps[] hooks = nf.entries[hooknum];
        if (hooks.length == 0) {
            return 1;
        }
        return nf.nfHookSlow(hooks, hooknum, net, skb, in, out);
    }

    /** Linux: {@code nf_hook_slow()}: the hooks in priority order until one does not accept. */
    private int nfHookSlow(HookOps[] hooks, int hooknum, NetStack net, SkBuff skb, NetDevice in, NetDevice out) {
        for (HookOps h : hooks) {
            int v = h.fn().hook(skb, net, hooknum, in, out);
            if (v == NF_ACCEPT) {
                continue;
            }
            if (v == NF_STOLEN) {
                stolen[hooknum]++;
                return 0;
            }
            // NF_DROP, and anything unknown, drops: a broken hook must not let packets through.
            dropped[hooknum]++;
            Skb.kfreeSkb(net, skb, DropReason.NETFILTER_DROP);
            return -1;
        }
        return 1;
    }
}
