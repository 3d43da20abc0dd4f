package dev.packetflow.net.ipv4;

import dev.packetflow.lib.JHash;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.socket.Sock;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.IdentityHashMap;

/**
 * The established-connection table: socks keyed by their full 4-tuple, found in one chain by a
 * keyed hash (Linux's {@code inet_ehashfn()}: jhash of the addresses and ports salted with a
 * per-stack secret, so a remote host cannot aim connections at one chain). TCP's input path looks
 * up every segment here first (the seed's "look up socket by 4-tuple").
 *
 * <p>Lookups are lock-free and allocation-free over immutable chain arrays, writers serialise on
 * the table's monitor, and the array doubles by rebuild-and-publish when it holds more socks than
 * chains: the same scheme as {@link UdpTable}.
 *
 * <p>Linux: {@code net/ipv4/inet_hashtables.c} ({@code __inet_lookup_established()},
 * {@code inet_ehash_insert()}, {@code inet_ehashfn()}).
 */
public final class InetEhash {
    public static final int MIN_SLOTS = 256;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(HashedSock[][].class);
    private static final HashedSock[] EMPTY = new HashedSock[0];

    private final int secret;
    private volatile HashedSock[][] table;
    private final IdentityHashMap<Sock, HashedSock> entries = new IdentityHashMap<>();

    public InetEhash(NetStack net) {
        this(net.localPorts().nextSecret());
    }

    InetEhash(int secret) {
        this.secret = secret;
        HashedSock[][] t = new HashedSock[MIN_SLOTS][];
        java.util.Arrays.fill(t, EMPTY);
        this.table = t;
    }

    /** Linux: {@code inet_ehashfn()}: local address and port, foreign address and port. */
    public int ehashfn(int laddr, int lport, int faddr, int fport) {
        return JHash.jhash3Words(laddr, faddr, (lport << 16) | fport, secret);
    }

    /**
     * Linux: {@code __inet_lookup_established()}. The sock of the connection from
     * {@code saddr:sport} to local {@code daddr:dport} on device {@code dif}, or null.
     */
    public Sock lookup(int saddr, int sport, int daddr, int dport, int dif) {
        HashedSock[][] t = table;
        HashedSock[] chain = (HashedSock[]) SLOT.getAcquire(t, ehashfn(daddr, dport, saddr, sport) & (t.length - 1));
        for (HashedSock e : chain) {
            if (e.num == dport && e.dport == sport && e.rcvSaddr == daddr && e.daddr == saddr
                    && (e.boundDevIf == 0 || e.boundDevIf == dif)) {
                return e.sk;
            }
        }
        return null;
    }

    /**
     * Linux: {@code inet_ehash_insert()} with the uniqueness check of {@code __inet_check_established()}:
     * hashes {@code sk} by its current (rcvSaddr, num, daddr, dport). Returns false, changing
     * nothing, if a sock with that 4-tuple is already present.
     */
    public synchronized boolean insert(Sock sk) {
        if (entries.containsKey(sk)) {
            throw new IllegalStateException("sock already in the established table: " + sk);
        }
        HashedSock e = new HashedSock(sk);
        HashedSock[][] t = table;
        int s = slot(t, e);
        HashedSock[] o = t[s];
        for (HashedSock x : o) {
            if (x.num == e.num && x.dport == e.dport && x.rcvSaddr == e.rcvSaddr && x.daddr == e.daddr
                    && (x.boundDevIf == 0 || e.boundDevIf == 0 || x.boundDevIf == e.boundDevIf)) {
                return false;
            }
        }
        HashedSock[] n = new HashedSock[o.length + 1];
        n[0] = e;
        System.arraycopy(o, 0, n, 1, o.length);
        SLOT.setRelease(t, s, n);
        entries.put(sk, e);
        if (entries.size() > t.length) {
            resize(t.length * 2);
        }
        return true;
    }

    /** Linux: {@code inet_ehash_nolisten()}'s undo / {@code inet_unhash()}. Returns whether it was present. */
    public synchronized boolean remove(Sock sk) {
        HashedSock e = entries.remove(sk);
        if (e == null) {
            return false;
        }
        HashedSock[][] t = table;
        int s = slot(t, e);
        HashedSock[] o = t[s];
        for (int i = 0; i < o.length; i++) {
            if (o[i] == e) {
                HashedSock[] n = o.length == 1 ? EMPTY : new HashedSock[o.length - 1];
                System.arraycopy(o, 0, n, 0, i);
                System.arraycopy(o, i + 1, n, i, o.length - i - 1);
                SLOT.setRelease(t, s, n);
                return true;
            }
        }
        throw new IllegalStateException("hashed sock missing from its chain: " + e);
    }

    public synchronized int size() {
        return entries.size();
    }

    public int slots() {
        return table.length;
    }

    private int slot(HashedSock[][] t, HashedSock e) {
        return ehashfn(e.rcvSaddr, e.num, e.daddr, e.dport) & (t.length - 1);
    }

    private void resize(int slots) {
        HashedSock[][] old = table;
        int[] counts = new int[slots];
        for (HashedSock[] chain : old) {
            for (HashedSock e : chain) {
                counts[ehashfn(e.rcvSaddr, e.num, e.daddr, e.dport) & (slots - 1)]++;
            }
        }
        HashedSock[][] t = new HashedSock[slots][];
        for (int i = 0; i < slots; i++) {
            t[i] = counts[i] == 0 ? EMPTY : new HashedSock[counts[i]];
            counts[i] = 0;
        }
        for (HashedSock[] chain : old) {
            for (HashedSock e : chain) {
                int s = ehashfn(e.rcvSaddr, e.num, e.daddr, e.dport) & (slots - 1);
                t[s][counts[s]++] = e;
            }
        }
        table = t;
    }
}
