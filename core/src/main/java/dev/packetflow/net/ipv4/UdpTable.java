package dev.packetflow.net.ipv4;

import dev.packetflow.lib.JHash;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.Sock;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.IdentityHashMap;

/**
 * The table that finds the socket for an arriving datagram, and decides which binds are allowed:
 * Linux's {@code struct udp_table} for one stack.
 *
 * <h2>Lookup</h2>
 * Socks are hashed by (local address, local port) into a power-of-two array of chains (Linux's
 * {@code hash2}); a sock bound to the wildcard address sits in the chain of (0, port). A lookup
 * for a datagram to (daddr, dport) scores the candidates of chain (daddr, dport) and, only if none
 * matched, those of chain (0, dport), keeping the best score, as Linux's
 * {@code __udp4_lib_lookup()} and {@code compute_score()}:
 * <ul>
 * <li>a candidate must have the port and that exact local address;
 * <li>2 points to start; +4 for a connected peer address that matches (a mismatch excludes);
 *     +4 for a connected peer port that matches; +4 for a bound device that matches (a sock bound
 *     to another device is excluded);
 * <li>ties go to the sock hashed most recently (new socks enter at the head of their chain).
 * </ul>
 * So a connected sock beats an unconnected one on the same address, and a sock bound to the
 * datagram's address beats a wildcard one. When the winner belongs to an {@code SO_REUSEPORT} group,
 * the group picks the member by a keyed hash of the datagram's 4-tuple (Linux's
 * {@code udp_ehashfn()}), so a flow always reaches the same member.
 *
 * <h2>Concurrency</h2>
 * Lookups take no lock and allocate nothing: each chain is immutable (its one entry, or an array),
 * replaced whole by
 * writers and read with acquire semantics (the seed's RCU lookup, with the garbage collector as the
 * grace period). Writers (bind, connect, close) serialise on the table's monitor. When the table
 * holds more socks than chains it doubles, rebuilding every chain into a new array that is then
 * published in one write, so lookups cost the same with 10 or 100,000 sockets.
 *
 * <h2>Binding</h2>
 * {@link #getPort} applies Linux's UDP conflict rule ({@code udp_lib_lport_inuse()}): a bind
 * conflicts with a sock on the same port whose address overlaps (equal, or either one the
 * wildcard) and whose device overlaps (equal, or either unbound), unless both set
 * {@code SO_REUSEADDR} or both set {@code SO_REUSEPORT}. Port 0 chooses an ephemeral port with
 * {@link LocalPorts#pick}.
 *
 * <p>Linux: {@code net/ipv4/udp.c}, {@code include/net/udp.h}.
 */
public final class UdpTable {
    /** Linux's {@code UDP_HTABLE_SIZE_MIN}. */
    public static final int MIN_SLOTS = 256;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);
    private static final HashedSock[] EMPTY = new HashedSock[0];

    private final LocalPorts ports;
    /** Linux: {@code net_hash_mix()}: per-stack salt of every hash. */
    private final int hashMix;
    /** Linux: {@code udp_ehash_secret}. */
    private final int ehashSecret;
    /**
     * The chains: a slot holds null (empty), the {@link HashedSock} itself when the chain has one
     * entry (the usual case: the table keeps at least as many slots as socks), or a
     * {@code HashedSock[]}. One object fewer to load per lookup keeps a large table cheaper.
     */
    private volatile Object[] hash2;
    /** Writer-side index by port (Linux's primary {@code hash}): bind conflict checks. */
    @SuppressWarnings("unchecked")
    private final ArrayList<HashedSock>[] byPort = new ArrayList[65536];
    private final IdentityHashMap<Sock, HashedSock> entries = new IdentityHashMap<>();

    public UdpTable(NetStack net) {
        this(net.localPorts(), net.localPorts().nextSecret(), net.localPorts().nextSecret());
    }

    UdpTable(LocalPorts ports, int hashMix, int ehashSecret) {
        this.ports = ports;
        this.hashMix = hashMix;
        this.ehashSecret = ehashSecret;
        this.hash2 = new Object[MIN_SLOTS];
    }

    // ================================================================ lookup (lock-free)

    /**
     * Linux: {@code __udp4_lib_lookup()}. The sock that receives a datagram from
     * {@code saddr:sport} to {@code daddr:dport} arriving on device {@code dif}, or null.
     */
    public Sock lookup(int saddr, int sport, int daddr, int dport, int dif) {
        Object[] t = hash2;
        int mask = t.length - 1;
        Object chain = SLOT.getAcquire(t, portaddrHash(daddr, dport) & mask);
        Sock r = chain == null ? null : chain instanceof HashedSock e ? lookup1(e, saddr, sport, daddr, dport, dif)
                : lookup2((HashedSock[]) chain, saddr, sport, daddr, dport, dif);
        if (r != null || daddr == 0) {
            return r;
        }
        chain = SLOT.getAcquire(t, portaddrHash(0, dport) & mask);
        return chain == null ? null : chain instanceof HashedSock e ? lookup1(e, saddr, sport, 0, dport, dif)
                : lookup2((HashedSock[]) chain, saddr, sport, 0, dport, dif);
    }

    /**
     * Linux: {@code __udp4_lib_demux_lookup()}, for early demux: the connected sock whose four
     * addresses and ports are exactly the datagram's (and whose bound device, if any, is
     * {@code dif}), or null. Unconnected socks are not considered: only a connected one can be
     * known to be the receiver before the full lookup ranks every candidate.
     */
    public Sock demuxLookup(int saddr, int sport, int daddr, int dport, int dif) {
        Object[] t = hash2;
        Object chain = SLOT.getAcquire(t, portaddrHash(daddr, dport) & (t.length - 1));
        if (chain instanceof HashedSock e) {
            return demuxMatch(e, saddr, sport, daddr, dport, dif) ? e.sk : null;
        }
        if (chain != null) {
            for (HashedSock e : (HashedSock[]) chain) {
                if (demuxMatch(e, saddr, sport, daddr, dport, dif)) {
                    return e.sk;
                }
            }
        }
        return null;
    }

    private static boolean demuxMatch(HashedSock e, int saddr, int sport, int daddr, int hnum, int dif) {
        return e.connected && e.num == hnum && e.rcvSaddr == daddr && e.daddr == saddr && e.dport == sport
                && (e.boundDevIf == 0 || e.boundDevIf == dif);
    }

    /** {@link #lookup2} for a chain of one. */
    private Sock lookup1(HashedSock e, int saddr, int sport, int daddr, int hnum, int dif) {
        if (computeScore(e, saddr, sport, daddr, hnum, dif) <= 0) {
            return null;
        }
        SockReuseport g = e.group;
        if (e.connected || g == null) {
            return e.sk;
        }
        HashedSock sel = g.select(ehashfn(daddr, hnum, saddr, sport));
        return sel == null ? e.sk : sel.sk;
    }

    /** Linux: {@code udp4_lib_lookup2()}. */
    private Sock lookup2(HashedSock[] chain, int saddr, int sport, int daddr, int hnum, int dif) {
        HashedSock result = null;
        int badness = 0;
        for (HashedSock e : chain) {
            int score = computeScore(e, saddr, sport, daddr, hnum, dif);
            if (score <= badness) {
                continue;
            }
            badness = score;
            if (e.connected) {
                result = e;
                continue;
            }
            SockReuseport g = e.group;
            if (g == null) {
                result = e;
                continue;
            }
            HashedSock sel = g.select(ehashfn(daddr, hnum, saddr, sport));
            if (sel == null) {
                result = e;
                continue;
            }
            if (!g.hasConns) {
                return sel.sk;
            }
            // The group has connected members: the chosen one must also win on score.
            result = sel;
            int s2 = computeScore(sel, saddr, sport, daddr, hnum, dif);
            if (s2 > badness) {
                badness = s2;
            }
        }
        return result == null ? null : result.sk;
    }

    /** Linux: {@code compute_score()} (without the same-CPU bonus: one softnet per stack here). */
    private static int computeScore(HashedSock e, int saddr, int sport, int daddr, int hnum, int dif) {
        if (e.num != hnum || e.rcvSaddr != daddr) {
            return -1;
        }
        int score = 2;
        if (e.daddr != 0) {
            if (e.daddr != saddr) {
                return -1;
            }
            score += 4;
        }
        if (e.dport != 0) {
            if (e.dport != sport) {
                return -1;
            }
            score += 4;
        }
        if (e.boundDevIf != 0) {
            if (e.boundDevIf != dif) {
                return -1;
            }
            score += 4;
        }
        return score;
    }

    /**
     * Every sock that should get a copy of a broadcast or multicast datagram (Linux:
     * {@code __udp4_lib_mcast_deliver()} with {@code __udp_is_mcast_sock()}), into {@code out}; returns
     * how many were found (at most {@code out.length}, which the caller sizes). Lock-free.
     */
    public int lookupAll(int saddr, int sport, int daddr, int dport, int dif, Sock[] out) {
        Object[] t = hash2;
        int mask = t.length - 1;
        int s1 = portaddrHash(daddr, dport) & mask;
        int s2 = portaddrHash(0, dport) & mask;
        int n = collect(chain(SLOT.getAcquire(t, s1)), saddr, sport, daddr, dport, dif, out, 0);
        if (s2 != s1) {
            n = collect(chain(SLOT.getAcquire(t, s2)), saddr, sport, daddr, dport, dif, out, n);
        }
        return n;
    }

    private static int collect(HashedSock[] chain, int saddr, int sport, int daddr, int dport, int dif, Sock[] out,
            int n) {
        for (HashedSock e : chain) {
            if (n >= out.length) {
                return n;
            }
            if (e.num != dport
                    || (e.daddr != 0 && e.daddr != saddr)
                    || (e.dport != 0 && e.dport != sport)
                    || (e.rcvSaddr != 0 && e.rcvSaddr != daddr)
                    || (e.boundDevIf != 0 && e.boundDevIf != dif)) {
                continue;
            }
            boolean dup = false;
            for (int i = 0; i < n; i++) {
                if (out[i] == e.sk) {
                    dup = true;
                    break;
                }
            }
            if (!dup) {
                out[n++] = e.sk;
            }
        }
        return n;
    }

    // ================================================================ writers

    /**
     * Linux: {@code udp_lib_get_port()}. Binds {@code sk} (whose {@code rcvSaddr}, {@code boundDevIf},
     * {@code reuse} and {@code reuseport} are set) to local port {@code snum}, or to an ephemeral port
     * when {@code snum} is 0, and hashes it: sets {@code sk.num}. Returns 0, or -EADDRINUSE (the port
     * conflicts, or no ephemeral port is free).
     */
    public synchronized int getPort(Sock sk, int snum) {
        if (entries.containsKey(sk)) {
            throw new IllegalStateException("sock already hashed: " + sk);
        }
        if (snum < 0 || snum > 0xffff) {
            throw new IllegalArgumentException("port out of range: " + snum);
        }
        if (snum == 0) {
            snum = ports.pick(sk.rcvSaddr, 0, 0, false, p -> !lportInuse(sk, p, true));
            if (snum < 0) {
                return Errno.EADDRINUSE.neg();
            }
        } else if (lportInuse(sk, snum, false)) {
            return Errno.EADDRINUSE.neg();
        }
        sk.num = snum;
        HashedSock e = new HashedSock(sk);
        if (sk.reuseport && sk.state != Sock.TCP_LISTEN) {
            reuseportAdd(e);
        }
        ArrayList<HashedSock> l = byPort[snum];
        if (l == null) {
            l = byPort[snum] = new ArrayList<>(2);
        }
        l.addFirst(e);
        entries.put(sk, e);
        chainAddHead(e);
        if (entries.size() > hash2.length) {
            resize(hash2.length * 2);
        }
        return 0;
    }

    /**
     * Linux: {@code udp_lib_rehash()}. Call after changing a hashed sock's local address, peer
     * ({@code connect}/disconnect) or bound device. A change of local address or device takes the
     * sock out of its SO_REUSEPORT group, as in Linux; connecting a group member marks the group as
     * having connections.
     */
    public synchronized void rehash(Sock sk) {
        HashedSock old = entries.get(sk);
        if (old == null) {
            return;
        }
        HashedSock e = new HashedSock(sk);
        SockReuseport g = old.group;
        boolean moved = e.rcvSaddr != old.rcvSaddr || e.boundDevIf != old.boundDevIf;
        if (g != null) {
            if (moved) {
                g.detach(old);
            } else {
                g.replace(old, e);
                if (e.connected) {
                    g.hasConns = true;
                }
            }
        }
        ArrayList<HashedSock> l = byPort[old.num];
        l.set(l.indexOf(old), e);
        entries.put(sk, e);
        if (slotOf(hash2, old) == slotOf(hash2, e)) {
            chainReplace(old, e);
        } else {
            chainRemove(old);
            chainAddHead(e);
        }
    }

    /** Linux: {@code udp_lib_unhash()}: out of the table; {@code sk.num} becomes 0. */
    public synchronized void unhash(Sock sk) {
        HashedSock e = entries.remove(sk);
        if (e == null) {
            return;
        }
        SockReuseport g = e.group;
        if (g != null) {
            g.detach(e);
        }
        ArrayList<HashedSock> l = byPort[e.num];
        l.remove(e);
        if (l.isEmpty()) {
            byPort[e.num] = null;
        }
        chainRemove(e);
        sk.num = 0;
    }

    /** Socks hashed. */
    public synchronized int size() {
        return entries.size();
    }

    /** Chains in the lookup array (a power of two). */
    public int slots() {
        return hash2.length;
    }

    /** Whether {@code sk} is hashed here. */
    public synchronized boolean contains(Sock sk) {
        return entries.containsKey(sk);
    }

    /** Socks bound to {@code port}, most recent first. */
    public synchronized java.util.List<Sock> socksOnPort(int port) {
        java.util.List<Sock> out = new ArrayList<>();
        ArrayList<HashedSock> l = byPort[port];
        if (l != null) {
            for (HashedSock e : l) {
                out.add(e.sk);
            }
        }
        return out;
    }

    /** Size of {@code sk}'s SO_REUSEPORT group, 0 when it has none. */
    public synchronized int reuseportGroupSize(Sock sk) {
        HashedSock e = entries.get(sk);
        SockReuseport g = e == null ? null : e.group;
        return g == null ? 0 : g.size();
    }

    /** Linux: {@code udp_lib_lport_inuse()}; {@code bitmapMode} is the ephemeral search's variant. */
    private boolean lportInuse(Sock sk, int port, boolean bitmapMode) {
        ArrayList<HashedSock> l = byPort[port];
        if (l == null) {
            return false;
        }
        int dev = sk.boundDevIf;
        int addr = sk.rcvSaddr;
        boolean inuse = false;
        for (int i = 0, n = l.size(); i < n; i++) {
            HashedSock e = l.get(i);
            Sock sk2 = e.sk;
            if (sk2 == sk) {
                continue;
            }
            if (sk2.reuse && sk.reuse) {
                continue;
            }
            if (e.boundDevIf != 0 && dev != 0 && e.boundDevIf != dev) {
                continue;
            }
            if (e.rcvSaddr != addr && e.rcvSaddr != 0 && addr != 0) {
                continue;
            }
            if (sk2.reuseport && sk.reuseport) {
                if (!bitmapMode) {
                    return false; // Linux stops at the first sock sharing the port by SO_REUSEPORT
                }
            } else {
                if (!bitmapMode) {
                    return true;
                }
                inuse = true;
            }
        }
        return inuse;
    }

    /** Linux: {@code udp_reuseport_add_sock()}: joins the group of an equal binding, or starts one. */
    private void reuseportAdd(HashedSock e) {
        ArrayList<HashedSock> l = byPort[e.num];
        if (l != null) {
            for (HashedSock e2 : l) {
                if (e2.sk != e.sk && e2.boundDevIf == e.boundDevIf && e2.sk.reuseport && e2.rcvSaddr == e.rcvSaddr) {
                    SockReuseport g = e2.group;
                    if (g == null) {
                        g = new SockReuseport();
                        g.add(e2);
                    }
                    g.add(e);
                    return;
                }
            }
        }
        new SockReuseport().add(e);
    }

    // ================================================================ chains

    private int portaddrHash(int addr, int port) {
        return JHash.jhash1Word(addr, hashMix) ^ port;
    }

    /** Linux: {@code udp_ehashfn()}. */
    private int ehashfn(int laddr, int lport, int faddr, int fport) {
        return JHash.jhash3Words(laddr, faddr, (lport << 16) | fport, ehashSecret + hashMix);
    }

    private int slotOf(Object[] t, HashedSock e) {
        return portaddrHash(e.rcvSaddr, e.num) & (t.length - 1);
    }

    /** A slot's chain as an array (writers and {@link #lookupAll}). */
    private static HashedSock[] chain(Object slot) {
        return slot == null ? EMPTY : slot instanceof HashedSock e ? new HashedSock[] {e} : (HashedSock[]) slot;
    }

    /** What a slot holds for {@code chain}: null, its one entry, or the array. */
    private static Object pack(HashedSock[] chain) {
        return chain.length == 0 ? null : chain.length == 1 ? chain[0] : chain;
    }

    private void chainAddHead(HashedSock e) {
        Object[] t = hash2;
        int s = slotOf(t, e);
        HashedSock[] o = chain(t[s]);
        HashedSock[] n = new HashedSock[o.length + 1];
        n[0] = e;
        System.arraycopy(o, 0, n, 1, o.length);
        SLOT.setRelease(t, s, pack(n));
    }

    private void chainRemove(HashedSock e) {
        Object[] t = hash2;
        int s = slotOf(t, e);
        HashedSock[] o = chain(t[s]);
        for (int i = 0; i < o.length; i++) {
            if (o[i] == e) {
                HashedSock[] n = o.length == 1 ? EMPTY : new HashedSock[o.length - 1];
                System.arraycopy(o, 0, n, 0, i);
                System.arraycopy(o, i + 1, n, i, o.length - i - 1);
                SLOT.setRelease(t, s, pack(n));
                return;
            }
        }
        throw new IllegalStateException("hashed sock missing from its chain: " + e);
    }

    private void chainReplace(HashedSock old, HashedSock e) {
        Object[] t = hash2;
        int s = slotOf(t, e);
        HashedSock[] n = chain(t[s]).clone();
        for (int i = 0; i < n.length; i++) {
            if (n[i] == old) {
                n[i] = e;
                SLOT.setRelease(t, s, pack(n));
                return;
            }
        }
        throw new IllegalStateException("hashed sock missing from its chain: " + old);
    }

    /** Rebuilds every chain into {@code slots} chains and publishes the new array. Order within chains is kept. */
    private void resize(int slots) {
        Object[] old = hash2;
        int[] counts = new int[slots];
        for (Object slot : old) {
            for (HashedSock e : chain(slot)) {
                counts[portaddrHash(e.rcvSaddr, e.num) & (slots - 1)]++;
            }
        }
        HashedSock[][] chains = new HashedSock[slots][];
        for (int i = 0; i < slots; i++) {
            chains[i] = counts[i] == 0 ? EMPTY : new HashedSock[counts[i]];
            counts[i] = 0;
        }
        for (Object slot : old) {
            for (HashedSock e : chain(slot)) {
                int s = portaddrHash(e.rcvSaddr, e.num) & (slots - 1);
                chains[s][counts[s]++] = e;
            }
        }
        Object[] t = new Object[slots];
        for (int i = 0; i < slots; i++) {
            t[i] = pack(chains[i]);
        }
        hash2 = t; // volatile write publishes every chain
    }
}
