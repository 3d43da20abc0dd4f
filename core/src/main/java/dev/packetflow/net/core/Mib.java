package dev.packetflow.net.core;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One group of SNMP MIB counters as {@code /proc/net/snmp} shows them ("Ip", "Icmp", "Udp", ...):
 * a fixed list of field names and a counter for each. TX (application threads) and RX (softnet
 * workers) share them; like Linux's per-CPU MIBs they are kept per thread and summed when read
 * ({@link StripedCounters}), so counting a packet costs no atomic instruction.
 *
 * <p>Linux: {@code include/net/snmp.h}, {@code net/ipv4/proc.c snmp4_*_list}.
 */
public final class Mib {
    private final String group;
    private final String[] fields;
    private final StripedCounters v;

    public Mib(String group, String... fields) {
        this.group = group;
        this.fields = fields.clone();
        this.v = new StripedCounters(fields.length);
    }

    public String group() {
        return group;
    }

    public String[] fields() {
        return fields.clone();
    }

    public void inc(int field) {
        v.inc(field);
    }

    public void add(int field, long n) {
        v.add(field, n);
    }

    /** Adds {@code a} to {@code field} and {@code b} to {@code field2} (a packet and its bytes). */
    public void add(int field, long a, int field2, long b) {
        v.add(field, a, field2, b);
    }

    /** Sets a field that is a value rather than a counter (Ip Forwarding, DefaultTTL). */
    public void set(int field, long n) {
        v.set(field, n);
    }

    public long get(int field) {
        return v.get(field);
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
