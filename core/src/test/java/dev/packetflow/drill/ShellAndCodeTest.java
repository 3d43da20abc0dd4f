package dev.packetflow.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShellAndCodeTest {
    @Test
    void defaultsSh_theGoogleAndKernelVariants() throws Exception {
        List<StackSettings.Setting> g = ShellCommands.interpret("../../common/defaults.sh");
        assertThat(g).isEqualTo(StackSettings.GOOGLE_DEFAULTS);
        assertThat(g).contains(new StackSettings.Setting("net.ipv4.tcp_rmem", "4096 540000 15728640"),
                new StackSettings.Setting("net.ipv4.tcp_fastopen", "0x70403"), new StackSettings.Setting("net.ipv4.tcp_ecn", "0"));
        List<StackSettings.Setting> k = ShellCommands.interpret("./defaults.sh");
        assertThat(k).contains(new StackSettings.Setting("net.ipv4.tcp_fastopen", "0x3"));
        assertThat(k).noneMatch(s -> s.name().equals("net.ipv4.tcp_ecn_option"));
        assertThat(k).hasSize(g.size() - 1);
    }

    @Test
    void sysctlAndSetSysctls_giveSettings_harmlessCommandsNothing() throws Exception {
        assertThat(ShellCommands.interpret("sysctl -q net.ipv4.tcp_rmem=\"4096 1000 2000\" net.ipv4.tcp_sack=0"))
                .containsExactly(new StackSettings.Setting("net.ipv4.tcp_rmem", "4096 1000 2000"),
                        new StackSettings.Setting("net.ipv4.tcp_sack", "0"));
        assertThat(ShellCommands.interpret("../common/set_sysctls.py /proc/sys/net/ipv4/tcp_min_tso_segs=10"))
                .containsExactly(new StackSettings.Setting("net.ipv4.tcp_min_tso_segs", "10"));
        assertThat(ShellCommands.interpret("nstat -n")).isEmpty();
        assertThat(ShellCommands.interpret("/tmp/sysctl_restore_${PPID}.sh")).isEmpty();
        assertThat(ShellCommands.interpret("ip tcp_metrics flush all; sysctl -q net.ipv4.tcp_ecn=1"))
                .containsExactly(new StackSettings.Setting("net.ipv4.tcp_ecn", "1"));
        assertThatThrownBy(() -> ShellCommands.interpret("nstat | grep TcpExtTCPSpuriousRTOs"))
                .hasMessageContaining("unsupported shell command");
        assertThatThrownBy(() -> ShellCommands.interpret("sysctl -a")).hasMessageContaining("unsupported sysctl flag -a");
    }

    @Test
    void stackSysctls_applyWhatTheStackHas() {
        dev.packetflow.kernel.Simulation sim = new dev.packetflow.kernel.Simulation(1);
        try (dev.packetflow.net.NetStack net = dev.packetflow.net.NetStack.create(sim, "s")) {
            assertThat(StackSettings.STACK.set(net, "net.core.somaxconn", "128")).isNull();
            assertThat(net.sockets().sysctl().somaxconn()).isEqualTo(128);
            assertThat(StackSettings.STACK.set(net, "net.ipv4.ip_local_port_range", "40000 50000")).isNull();
            assertThat(net.localPorts().low()).isEqualTo(40000);
            assertThat(StackSettings.STACK.set(net, "net.ipv4.tcp_sack", "0")).isNull();
            assertThat(net.tcp().sysctl().sack).isZero();
            assertThat(StackSettings.STACK.set(net, "net.ipv4.tcp_fack", "0")).isEqualTo("not modelled by packetflow's TCP");
            assertThat(StackSettings.STACK.set(net, "kernel.foo", "1")).isEqualTo("not known to this stack");
            assertThatThrownBy(() -> StackSettings.STACK.set(net, "net.core.somaxconn", "many")).hasMessageContaining("not an integer");
        }
    }

    @Test
    void codeBlocks_evaluatePythonAssertions() throws Exception {
        Map<String, Long> v = Map.of("tcpi_rtt", 10_500L, "tcpi_state", 1L, "tcpi_options", 7L, "tcpi_pacing_rate", -1L);
        for (String ok : List.of("assert tcpi_rtt == 10500", "assert 10000 <= tcpi_rtt <= 11000, tcpi_rtt",
                "assert tcpi_state == TCP_ESTABLISHED", "assert tcpi_options & TCPI_OPT_SACK",
                "assert not (tcpi_rtt < 100 or tcpi_state != 1) and True", "assert tcpi_rtt // 1000 == 10",
                "assert tcpi_rtt / 1000 > 10.4", "assert tcpi_rtt % 1000 == 500", "assert -tcpi_state + 2 == 1",
                "assert tcpi_pacing_rate == 0xffffffffffffffff", "assert (tcpi_options | 8) == 15 # comment")) {
            List<CodeBlock.Assertion> a = CodeBlock.parse(ok);
            assertThat(a).hasSize(1);
            assertThat(CodeBlock.check(a.getFirst(), v)).as(ok).isNull();
        }
        CodeBlock.Assertion bad = CodeBlock.parse("assert tcpi_rtt > 11000, tcpi_rtt").getFirst();
        assertThat(CodeBlock.check(bad, v)).isEqualTo("assertion failed: tcpi_rtt > 11000 (tcpi_rtt=10500)");
        assertThat(CodeBlock.parse("print(tcpi_rtt)\n\n# only a comment\n")).isEmpty();
        assertThatThrownBy(() -> CodeBlock.parse("assert tcpi_rtt in range(3)")).hasMessageContaining("cannot evaluate");
        assertThatThrownBy(() -> CodeBlock.parse("assert len(x) == 3")).hasMessageContaining("calls, indexing");
        assertThatThrownBy(() -> CodeBlock.check(CodeBlock.parse("assert SK_MEMINFO_RCVBUF == 3").getFirst(), v))
                .hasMessageContaining("unknown variable SK_MEMINFO_RCVBUF");
    }

    @Test
    void tcpInfo_decodesLinuxsLayout() {
        byte[] b = new byte[TcpInfo.SIZE];
        b[0] = 1;
        b[5] = 7;
        b[6] = (byte) 0x87;
        b[68] = 0x10;
        b[69] = 0x27;
        b[104] = (byte) 0xff;
        b[111] = (byte) 0x7f;
        Map<String, Long> m = TcpInfo.decode(b, b.length);
        assertThat(m).containsEntry("tcpi_state", 1L).containsEntry("tcpi_options", 7L).containsEntry("tcpi_snd_wscale", 7L)
                .containsEntry("tcpi_rcv_wscale", 8L).containsEntry("tcpi_rtt", 10_000L)
                .containsEntry("tcpi_pacing_rate", 0x7f00_0000_0000_00ffL);
        assertThat(TcpInfo.decode(b, 104)).containsKey("tcpi_total_retrans").doesNotContainKey("tcpi_pacing_rate");
    }
}
