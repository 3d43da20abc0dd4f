package dev.packetflow.drill;

import dev.packetflow.net.NetStack;
import java.util.List;

/**
 * Applies Linux sysctl settings (as {@code defaults.sh} and {@code sysctl -q name=value} lines set
 * them) to the stack under test. The runner never runs shell commands; it interprets them
 * ({@link ShellCommands}) into {@link Setting}s and hands each to an implementation of this.
 *
 * <p>{@link #STACK} is the default: it knows the knobs packetflow has. The TCP sysctls
 * ({@code net.ipv4.tcp_*}) are routed through {@link Sysctls#tcp} onto the stack's TcpSysctl.
 */
@FunctionalInterface
public interface StackSettings {
    /**
     * Applies {@code name = value} (a sysctl name such as {@code net.ipv4.tcp_sack}, value as
     * written). Returns null when applied, or the reason it was not, without the name (the runner
     * prints the names not applied, grouped by reason, as a warning and goes on). Throws
     * IllegalArgumentException for a value the setting refuses.
     */
    String set(NetStack net, String name, String value);

    /** The settings packetflow's own stack understands; see {@link Sysctls}. */
    StackSettings STACK = Sysctls::set;

    /**
     * One setting to apply.
     *
     * @param name sysctl name, dotted ({@code net.ipv4.tcp_rmem})
     * @param value as written ({@code 4096 540000 15728640})
     */
    record Setting(String name, String value) {
        @Override
        public String toString() {
            return name + "=" + value;
        }
    }

    /**
     * What the google packetdrill suite's {@code gtests/net/common/defaults.sh} sets (GRAMMAR.md
     * 9.3), in its order.
     */
    List<Setting> GOOGLE_DEFAULTS = List.of(
            new Setting("net.ipv4.tcp_rmem", "4096 540000 15728640"),
            new Setting("net.ipv4.tcp_wmem", "4096 262144 4194304"),
            new Setting("net.ipv4.tcp_timestamps", "1"),
            new Setting("net.ipv4.tcp_sack", "1"),
            new Setting("net.ipv4.tcp_dsack", "1"),
            new Setting("net.ipv4.tcp_fack", "0"),
            new Setting("net.ipv4.tcp_syn_retries", "5"),
            new Setting("net.ipv4.tcp_synack_retries", "5"),
            new Setting("net.ipv4.tcp_frto", "2"),
            new Setting("net.ipv4.tcp_reordering", "3"),
            new Setting("net.ipv4.tcp_congestion_control", "cubic"),
            new Setting("net.ipv4.tcp_slow_start_after_idle", "0"),
            new Setting("net.ipv4.tcp_early_retrans", "4"),
            new Setting("net.ipv4.tcp_recovery", "1"),
            new Setting("net.ipv4.tcp_tso_win_divisor", "3"),
            new Setting("net.ipv4.tcp_ecn", "0"),
            new Setting("net.ipv4.tcp_ecn_option", "2"),
            new Setting("net.ipv4.tcp_pacing_ss_ratio", "200"),
            new Setting("net.ipv4.tcp_pacing_ca_ratio", "120"),
            new Setting("net.ipv4.tcp_notsent_lowat", "4294967295"),
            new Setting("net.ipv4.tcp_fastopen", "0x70403"),
            new Setting("net.ipv4.tcp_fastopen_key", "a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4"),
            new Setting("net.ipv4.tcp_syncookies", "1"));

    /**
     * What the kernel selftests' {@code tools/testing/selftests/net/packetdrill/defaults.sh} sets:
     * the same, except Fast Open 0x3 and no AccECN option policy.
     */
    List<Setting> KERNEL_DEFAULTS = GOOGLE_DEFAULTS.stream()
            .filter(s -> !s.name().equals("net.ipv4.tcp_ecn_option"))
            .map(s -> s.name().equals("net.ipv4.tcp_fastopen") ? new Setting(s.name(), "0x3") : s)
            .toList();
}
