package dev.packetflow.drill;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The run options of one script (GRAMMAR.md 2.1 and 9.2): the script's header options, overridden
 * by the command line. Options that make no difference to a userspace stack ({@code --send_omit_free},
 * {@code --verbose}, ...) are accepted and ignored; unknown ones produce a warning.
 */
public final class DrillConfig {
    /** Absolute timing slack (µs); GRAMMAR.md 3.2. */
    public long toleranceUsecs = 4000;
    /** Relative timing slack in percent of the scripted gap to the previous event. */
    public double tolerancePercent = 12.5;
    /** Inbound TCP packets longer than this are handed over as a GSO aggregate of mss-byte segments; 0 = off. */
    public int mss;
    public int mtu = 1500;
    /** Script-space addresses (as the scripts' own run suite would pass them); remapped by {@link AddressMap}. */
    public String localIp = "192.168.0.1";
    public String remoteIp = "192.0.2.1";
    public String gatewayIp = "192.168.0.1";
    public String netmaskIp = "255.255.0.0";
    public int bindPort = 8080;
    public int connectPort = 8080;
    /** Check outbound TS val as one tick per this many µs; 0 = not checked. */
    public long tcpTsTickUsecs;
    /** Allow inbound TS ecr values the SUT never sent (interpolated). */
    public boolean tcpTsEcrScaled;
    /** An expected outbound segment must be one packet: no aggregation (6.5). */
    public boolean strictSegments;
    /** Also compare outbound TS ecr (GRAMMAR.md 6.3 "strict mode"; upstream packetdrill does not). */
    public boolean strictTsEcr;
    /** Mismatch kinds that only warn: "packet", "syscall". */
    public final Set<String> nonFatal = new HashSet<>();
    /** How long (virtual µs) to wait for an expected packet beyond its scripted time before "timed out". */
    public long packetTimeoutUsecs = 2_000_000;
    /**
     * The kernel's CONFIG_HZ the stack under test emulates (packetflow's own option, {@code --hz=N}:
     * 100, 250 or 1000): timers Linux keeps in jiffies round up to whole jiffies of it. 250 by
     * default, the kernel the google corpus was recorded on (Linux 6.1 on GCE, Debian's
     * CONFIG_HZ_250): its fr-4pkt-fack-last-mss expects RACK's reordering timer (min_rtt/4 + two
     * jiffies) 40 ms after the SACK, which is 36 ms at HZ=250 and 27 ms at HZ=1000.
     */
    public int hz = 250;
    /** Virtual-time cap for {@code *} events: a script that waits longer is stuck. */
    public long anyTimeLimitUsecs = 3_600_000_000L;

    /**
     * Applies {@code --name[=value]} as written in a script or on a command line. Returns a warning
     * for an option that is accepted but ignored or unknown, else null. Throws
     * IllegalArgumentException for a bad value or an unsupported run mode.
     */
    public String apply(String option) {
        if (!option.startsWith("--")) {
            throw new IllegalArgumentException("not an option: " + option);
        }
        int eq = option.indexOf('=');
        String name = eq < 0 ? option.substring(2) : option.substring(2, eq);
        String v = eq < 0 ? null : option.substring(eq + 1);
        switch (name) {
            case "tolerance_usecs" -> toleranceUsecs = longValue(name, v, 0, 100_000_000L);
            case "tolerance_percent" -> {
                try {
                    tolerancePercent = Double.parseDouble(required(name, v));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--tolerance_percent: not a number: " + v);
                }
            }
            case "mss" -> mss = (int) longValue(name, v, 1, 65535);
            case "mtu" -> mtu = (int) longValue(name, v, 68, 65535);
            case "local_ip" -> localIp = required(name, v);
            case "remote_ip" -> remoteIp = required(name, v);
            case "gateway_ip" -> gatewayIp = required(name, v);
            case "netmask_ip" -> netmaskIp = required(name, v);
            case "bind_port" -> bindPort = (int) longValue(name, v, 1, 65535);
            case "connect_port" -> connectPort = (int) longValue(name, v, 1, 65535);
            case "tcp_ts_tick_usecs" -> tcpTsTickUsecs = longValue(name, v, 0, 1_000_000_000L);
            case "tcp_ts_ecr_scaled" -> tcpTsEcrScaled = v == null || !v.equals("0");
            case "strict_segments" -> strictSegments = v == null || !v.equals("0");
            case "hz" -> {
                hz = (int) longValue(name, v, 100, 1000);
                if (hz != 100 && hz != 250 && hz != 1000) {
                    throw new IllegalArgumentException("--hz=" + v + ": 100, 250 or 1000");
                }
            }
            case "strict_ts_ecr" -> strictTsEcr = v == null || !v.equals("0");
            case "non_fatal" -> {
                for (String k : required(name, v).split(",")) {
                    if (!k.equals("packet") && !k.equals("syscall")) {
                        throw new IllegalArgumentException("--non_fatal: unknown kind '" + k + "' (packet, syscall)");
                    }
                    nonFatal.add(k);
                }
            }
            case "ip_version" -> {
                if (!"ipv4".equals(v)) {
                    throw new IllegalArgumentException("--ip_version=" + v + ": only ipv4 is supported");
                }
            }
            case "send_omit_free", "verbose", "dry_run", "debug", "so_filename", "so_flags", "wire_client", "wire_server",
                    "wire_server_ip", "wire_server_port", "wire_client_dev", "wire_server_dev", "init_scripts",
                    "speculative_connect_port", "persist_ipv4", "speed", "tun_dev", "no_tun_dev" -> {
                return "option " + option + " has no meaning for this runner; ignored";
            }
            default -> {
                return "unknown option " + option + "; ignored";
            }
        }
        return null;
    }

    /** Applies every option in order; returns the warnings. */
    public List<String> applyAll(List<String> options) {
        List<String> warnings = new ArrayList<>();
        for (String o : options) {
            String w = apply(o);
            if (w != null) {
                warnings.add(w);
            }
        }
        return warnings;
    }

    /**
     * The tolerance for an event expected {@code gapUs} after the previous event's scripted time:
     * {@code max(tolerance_usecs, tolerance_percent% of the gap)} (GRAMMAR.md 3.2).
     */
    public long toleranceUs(long gapUs) {
        long pct = (long) Math.floor(tolerancePercent / 100.0 * Math.max(0, gapUs));
        return Math.max(toleranceUsecs, pct);
    }

    private static String required(String name, String v) {
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException("--" + name + " needs a value");
        }
        return v;
    }

    private static long longValue(String name, String v, long min, long max) {
        long n;
        try {
            n = Long.parseLong(required(name, v));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + ": not an integer: " + v);
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException("--" + name + ": " + n + " out of range " + min + ".." + max);
        }
        return n;
    }
}
