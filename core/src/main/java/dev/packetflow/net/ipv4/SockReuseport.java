package dev.packetflow.net.ipv4;

import dev.packetflow.lib.JHash;

/**
 * An {@code SO_REUSEPORT} group: sockets bound to the same address and port (and device), over
 * which incoming flows are spread by a hash of their 4-tuple, so each flow sticks to one socket
 * and the load divides evenly. Members are kept in an array, copied on change; removing a member
 * moves the last one into its place, as Linux does.
 *
 * <p>Linux: {@code net/core/sock_reuseport.c} ({@code reuseport_select_sock_by_hash()}).
 */
final class SockReuseport {
    private static final HashedSock[] NONE = new HashedSock[0];

    volatile HashedSock[] socks = NONE;
    /** Some member is connected: lookups must score the chosen member (Linux: {@code has_conns}). */
    volatile boolean hasConns;

    void add(HashedSock e) {
        HashedSock[] o = socks;
        HashedSock[] n = java.util.Arrays.copyOf(o, o.length + 1);
        n[o.length] = e;
        e.group = this;
        socks = n;
    }

    void detach(HashedSock e) {
        HashedSock[] o = socks;
        for (int i = 0; i < o.length; i++) {
            if (o[i] == e) {
                HashedSock[] n = java.util.Arrays.copyOf(o, o.length - 1);
                if (i < n.length) {
                    n[i] = o[o.length - 1];
                }
                socks = n;
                e.group = null;
                return;
            }
        }
    }

    void replace(HashedSock old, HashedSock e) {
        HashedSock[] o = socks;
        for (int i = 0; i < o.length; i++) {
            if (o[i] == old) {
                HashedSock[] n = o.clone();
                n[i] = e;
                e.group = this;
                old.group = null;
                socks = n;
                return;
            }
        }
    }

    int size() {
        return socks.length;
    }

    /**
     * Linux: {@code reuseport_select_sock_by_hash()}: the member the hash selects, skipping connected
     * members; null if every member is connected.
     */
    HashedSock select(int hash) {
        HashedSock[] s = socks;
        int n = s.length;
        if (n == 0) {
            return null;
        }
        int i = JHash.reciprocalScale(hash, n);
        int j = i;
        do {
            HashedSock e = s[i];
            if (!e.connected) {
                return e;
            }
            if (++i >= n) {
                i = 0;
            }
        } while (i != j);
        return null;
    }
}
