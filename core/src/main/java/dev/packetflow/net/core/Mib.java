package dev.packetflow.net.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One group of SNMP MIB counters as {@code /proc/net/snmp} shows them ("Ip", "Icmp", "Udp", ...):
 * a fixed list of field names and a counter for each. Counters are bumped with an atomic add so
 * that TX (application threads) and RX (softnet workers) can share them.
 *
 * <p>Linux: {@code include/net/snmp.h}, {@code net/ipv4/proc.c snmp4_*_list}.
 */
public final class Mib {
    private static final VarHandle ARR = MethodHandles.arrayElementVarHandle(long[].class);

    private final String group;
    private final String[] fields;
    private final long[] v;

    public Mib(String group, String... fields) {
        this.group = group;
        this.fields = fields.clone();
        this.v = new long[fields.length];
    }

    public String group() {
        return group;
    }

    public String[] fields() {
        return fields.clone();
    }

    public void inc(int field) {
        ARR.getAndAdd(v, field, 1L);
    }

    public void add(int field, long n) {
        ARR.getAndAdd(v, field, n);
    }

    /** Sets a field that is a value rather than a counter (Ip Forwarding, DefaultTTL). */
    public void set(int field, long n) {
        ARR.setVolatile(v, field, n);
    }

    public long get(int field) {
        return (long) ARR.getVolatile(v, field);
    }

    /** The counter called {@code name} (as /proc/net/snmp spells it); throws if there is none. */
    public long get(String name) {
        for (int i = 0; i < fields.length; i++) {
            if (fields[i].equals(name)) {
                return get(i);
            }
        }
        throw new IllegalArgumentException("no counter " + group + "." + name);
    }

    public int index(String name) {
        for (int i = 0; i < fields.length; i++) {
            if (fields[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    public Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < fields.length; i++) {
            m.put(fields[i], get(i));
        }
        return m;
    }
}
