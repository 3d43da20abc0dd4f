package dev.packetflow.net.ipv4.tcp;

import dev.packetflow.lib.JHash;
import dev.packetflow.net.ipv4.LocalPorts;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;

/**
 * TCP's lookup tables of one stack (Linux's {@code struct inet_hashinfo}):
 * <ul>
 * <li>the <b>established</b> table, keyed by the full 4-tuple, holding connected socks, request
 *     socks (a SYN was answered, the handshake's ACK is awaited) and TIME_WAIT socks, so that one
 *     lookup finds whatever owns a segment. Chains are found by a jhash of the 4-tuple salted with a
 *     per-stack secret (Linux's {@code inet_ehashfn()}), so a remote host cannot aim connections
 *     at one chain;
 * <li>the <b>listening</b> table, by local port, scored like Linux's {@code compute_score()}
 *     (an exact local address beats the wildcard, a bound device must match);
 * <li>the <b>bind</b> table, by local port, for {@code bind()} conflicts and ephemeral ports.
 * </ul>
 * Lookups take no lock and allocate nothing: chains are immutable arrays replaced whole by writers
 * (copy-on-write, read with acquire semantics; the garbage collector plays RCU's grace period).
 * Writers serialise on the table's monitor.
 *
 * <p>Linux: {@code net/ipv4/inet_hashtables.c}, {@code inet_connection_sock.c inet_csk_get_port()}.
 */
final class TcpHashinfo {
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Entry[][].class);
    private static final Entry[] EMPTY = new Entry[0];
    private static final int MIN_SLOTS = 256;
    private static final int LISTEN_SLOTS = 64;

    /** One hashed object as a chain holds it: the keys, copied, and the owner. */
    static final class Entry {
        final Object owner;
        final int laddr;
        final int lport;
        final int faddr;
        final int fport;
        final int dif;

        Entry(Object owner, int laddr, int lport, int faddr, int fport, int dif) {
            this.owner = owner;
            this.laddr = laddr;
            this.lport = lport;
            this.faddr = faddr;
            this.fport = fport;
            this.dif = dif;
        }
    }

    private final int secret;
    private final LocalPorts ports;
    private volatile Entry[][] ehash;
    private int ehashCount;
    private final Entry[][] listen = new Entry[LISTEN_SLOTS][];
    /** Bound socks (full and TIME_WAIT) by port: writer side only, under the monitor. */
    private final HashMap<Integer, ArrayList<Object>> bind = new HashMap<>();

    TcpHashinfo(int secret, LocalPorts ports) {
        this.secret = secret;
        this.ports = ports;
        Entry[][] t = new Entry[MIN_SLOTS][];
        Arrays.fill(t, EMPTY);
        this.ehash = t;
        Arrays.fill(listen, EMPTY);
    }

    /** Linux: {@code inet_ehashfn()}. */
    int ehashfn(int laddr, int lport, int faddr, int fport) {
        return JHash.jhash3Words(laddr, faddr, (lport << 16) | fport, secret);
    }

    // ================================================================ established

    /**
     * Linux: {@code __inet_lookup_established()}: the owner (TcpSock, TcpRequestSock or
     * TcpTimewaitSock) of the connection from {@code saddr:sport} to local {@code daddr:dport}, or
     * null.
     */
    Object lookupEstablished(int saddr, int sport, int daddr, int dport, int dif) {
        Entry[][] t = ehash;
        Entry[] chain = (Entry[]) SLOT.getAcquire(t, ehashfn(daddr, dport, saddr, sport) & (t.length - 1));
        for (Entry e : chain) {
            if (e.lport == dport && e.fport == sport && e.laddr == daddr && e.faddr == saddr
                    && (e.dif == 0 || e.dif == dif)) {
                return e.owner;
            }
        }
        return null;
    }

    /**
     * Linux: {@code inet_ehash_insert()} with {@code __inet_check_established()}: false (nothing
     * changed) if the 4-tuple is taken. Returns the entry to remove it with.
     */
    synchronized Entry ehashInsert(Object owner, int laddr, int lport, int faddr, int fport, int dif) {
        Entry e = new Entry(owner, laddr, lport, faddr, fport, dif);
        Entry[][] t = ehash;
        int s = ehashfn(laddr, lport, faddr, fport) & (t.length - 1);
        Entry[] o = t[s];
        for (Entry x : o) {
            if (x.lport == lport && x.fport == fport && x.laddr == laddr && x.faddr == faddr
                    && (x.dif == 0 || dif == 0 || x.dif == dif)) {
                return null;
            }
        }
        Entry[] n = new Entry[o.length + 1];
        n[0] = e;
        System.arraycopy(o, 0, n, 1, o.length);
        SLOT.setRelease(t, s, n);
        if (++ehashCount > t.length) {
            resize(t.length * 2);
        }
        return e;
    }

    /** Replaces {@code old}'s owner by {@code owner} under the same keys (a sock becoming TIME_WAIT). */
    synchronized Entry ehashReplace(Entry old, Object owner) {
        Entry e = new Entry(owner, old.laddr, old.lport, old.faddr, old.fport, old.dif);
        Entry[][] t = ehash;
        int s = ehashfn(old.laddr, old.lport, old.faddr, old.fport) & (t.length - 1);
        Entry[] o = t[s];
        for (int i = 0; i < o.length; i++) {
            if (o[i] == old) {
                Entry[] n = o.clone();
                n[i] = e;
                SLOT.setRelease(t, s, n);
                return e;
            }
        }
        throw new IllegalStateException("ehash entry missing: " + old.owner);
    }

    /** Linux: {@code inet_ehash_del()}. Returns whether it was present. */
    synchronized boolean ehashRemove(Entry e) {
        if (e == null) {
            return false;
        }
        Entry[][] t = ehash;
        int s = ehashfn(e.laddr, e.lport, e.faddr, e.fport) & (t.length - 1);
        Entry[] o = t[s];
        for (int i = 0; i < o.length; i++) {
            if (o[i] == e) {
                Entry[] n = o.length == 1 ? EMPTY : new Entry[o.length - 1];
                System.arraycopy(o, 0, n, 0, i);
                System.arraycopy(o, i + 1, n, i, o.length - i - 1);
                SLOT.setRelease(t, s, n);
                ehashCount--;
                return true;
            }
        }
        return false;
    }

    synchronized int ehashSize() {
        return ehashCount;
    }

    /** Every owner in the established table (close, inspection). */
    synchronized List<Object> ehashOwners() {
        List<Object> l = new ArrayList<>();
        for (Entry[] chain : ehash) {
            for (Entry e : chain) {
                l.add(e.owner);
            }
        }
        return l;
    }

    private void resize(int slots) {
        Entry[][] old = ehash;
        int[] counts = new int[slots];
        for (Entry[] chain : old) {
            for (Entry e : chain) {
                counts[ehashfn(e.laddr, e.lport, e.faddr, e.fport) & (slots - 1)]++;
            }
        }
        Entry[][] t = new Entry[slots][];
        for (int i = 0; i < slots; i++) {
            t[i] = counts[i] == 0 ? EMPTY : new Entry[counts[i]];
            counts[i] = 0;
        }
        for (Entry[] chain : old) {
            for (Entry e : chain) {
                int s = ehashfn(e.laddr, e.lport, e.faddr, e.fport) & (slots - 1);
                t[s][counts[s]++] = e;
            }
        }
        ehash = t;
    }

    // ================================================================ listening

    /**
     * Linux: {@code __inet_lookup_listener()} with {@code compute_score()}: the best listener for a
     * segment to {@code daddr:dport} arriving on {@code dif}, or null.
     */
    TcpSock lookupListener(int daddr, int dport, int dif) {
        Entry[] chain = (Entry[]) SLOT.getAcquire(listen, dport & (LISTEN_SLOTS - 1));
        TcpSock best = null;
        int bestScore = 0;
        for (Entry e : chain) {
            if (e.lport != dport) {
                continue;
            }
            int score = 1;
            if (e.laddr != 0) {
                if (e.laddr != daddr) {
                    continue;
                }
                score += 4;
            }
            if (e.dif != 0) {
                if (e.dif != dif) {
                    continue;
                }
                score += 4;
            }
            if (score > bestScore) {
                bestScore = score;
                best = (TcpSock) e.owner;
            }
        }
        return best;
    }

    synchronized Entry listenAdd(TcpSock sk) {
        Entry e = new Entry(sk, sk.rcvSaddr, sk.num, 0, 0, sk.boundDevIf);
        int s = sk.num & (LISTEN_SLOTS - 1);
        Entry[] o = listen[s];
        Entry[] n = Arrays.copyOf(o, o.length + 1);
        n[o.length] = e;
        SLOT.setRelease(listen, s, n);
        return e;
    }

    synchronized void listenRemove(Entry e) {
        if (e == null) {
            return;
        }
        int s = e.lport & (LISTEN_SLOTS - 1);
        Entry[] o = listen[s];
        for (int i = 0; i < o.length; i++) {
            if (o[i] == e) {
                Entry[] n = o.length == 1 ? EMPTY : new Entry[o.length - 1];
                System.arraycopy(o, 0, n, 0, i);
                System.arraycopy(o, i + 1, n, i, o.length - i - 1);
                SLOT.setRelease(listen, s, n);
                return;
            }
        }
    }

    // ================================================================ bind

    /**
     * Linux: {@code inet_csk_get_port()}: binds {@code sk} to {@code snum} on its
     * {@code rcvSaddr}, or to a free ephemeral port when {@code snum} is 0. Returns 0, or 1 when
     * the port is taken (the caller reports EADDRINUSE).
     */
    synchronized int getPort(TcpSock sk, int snum) {
        if (snum == 0) {
            int p = ports.pick(sk.rcvSaddr, 0, 0, false, port -> !bindConflict(sk, port));
            if (p < 0) {
                return 1;
            }
            snum = p;
        } else if (bindConflict(sk, snum)) {
            return 1;
        }
        sk.num = snum;
        bind.computeIfAbsent(snum, k -> new ArrayList<>()).add(sk);
        return 0;
    }

    /**
     * Linux: {@code inet_csk_bind_conflict()}: another sock on {@code port} whose address and
     * device overlap ours, unless both set SO_REUSEADDR and the other is not listening (TIME_WAIT
     * socks keep their owner's SO_REUSEADDR), or both set SO_REUSEPORT.
     */
    private boolean bindConflict(TcpSock sk, int port) {
        ArrayList<Object> l = bind.get(port);
        if (l == null) {
            return false;
        }
        for (Object o : l) {
            if (o == sk) {
                continue;
            }
            int laddr;
            int dif;
            boolean reuse;
            boolean reuseport;
            boolean listening;
            if (o instanceof TcpSock s2) {
                laddr = s2.rcvSaddr;
                dif = s2.boundDevIf;
                reuse = s2.reuse;
                reuseport = s2.reuseport;
                listening = s2.state == TcpSock.TCP_LISTEN;
            } else {
                TcpTimewaitSock tw = (TcpTimewaitSock) o;
                laddr = tw.laddr;
                dif = tw.boundDevIf;
                reuse = tw.reuse;
                reuseport = tw.reuseport;
                listening = false;
            }
            if (dif != 0 && sk.boundDevIf != 0 && dif != sk.boundDevIf) {
                continue;
            }
            if (laddr != 0 && sk.rcvSaddr != 0 && laddr != sk.rcvSaddr) {
                continue;
            }
            if (sk.reuse && reuse && !listening) {
                continue;
            }
            if (sk.reuseport && reuseport) {
                continue;
            }
            return true;
        }
        return false;
    }

    synchronized void bindAdd(Object owner, int port) {
        bind.computeIfAbsent(port, k -> new ArrayList<>()).add(owner);
    }

    /** Linux: {@code inet_put_port()}. */
    /** Whether every owner of a port got it from connect() (or there is none). */
    private static boolean onlyConnectBound(ArrayList<Object> owners) {
        if (owners == null) {
            return true;
        }
        for (int i = 0, n = owners.size(); i < n; i++) {
            Object o = owners.get(i);
            boolean byConnect = o instanceof TcpSock s ? s.connectBound : ((TcpTimewaitSock) o).connectBound;
            if (!byConnect) {
                return false;
            }
        }
        return true;
    }

    synchronized void bindRemove(Object owner, int port) {
        ArrayList<Object> l = bind.get(port);
        if (l != null) {
            l.remove(owner);
            if (l.isEmpty()) {
                bind.remove(port);
            }
        }
    }

    /**
     * Linux: {@code inet_hash_connect()} / {@code __inet_hash_connect()}: picks the ephemeral port of
     * an unbound connecting sock (RFC 6056 through {@link LocalPorts#pick}) such that the 4-tuple is
     * unique, binds and hashes it in one step. With a bound port only the 4-tuple is checked.
     * A port that other connect()s chose may be chosen again towards another destination (Linux's
     * bind bucket with {@code fastreuse = -1}), so one address can hold more connections than it has
     * ephemeral ports; a port anyone took with bind() is never reused this way.
     * Returns the entry, or null (EADDRNOTAVAIL).
     */
    synchronized Entry hashConnect(TcpSock sk) {
        if (sk.num != 0) {
            return ehashInsert(sk, sk.rcvSaddr, sk.num, sk.daddr, sk.dport, sk.boundDevIf);
        }
        int p = ports.pick(sk.rcvSaddr, sk.daddr, sk.dport, true,
                port -> onlyConnectBound(bind.get(port))
                        && lookupEstablished(sk.daddr, sk.dport, sk.rcvSaddr, port, sk.boundDevIf) == null);
        if (p < 0) {
            return null;
        }
        sk.num = p;
        sk.sport = p;
        sk.connectBound = true;
        bindAdd(sk, p);
        return ehashInsert(sk, sk.rcvSaddr, p, sk.daddr, sk.dport, sk.boundDevIf);
    }
}
