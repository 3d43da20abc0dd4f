package dev.packetflow.iproute2;

import dev.packetflow.net.NetStack;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.ipv4.InetAddr;
import dev.packetflow.net.socket.Sock;
import dev.packetflow.net.socket.SocketLayer;
import dev.packetflow.net.socket.Uapi;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code ss}: the stack's sockets, one per line, in iproute2's layout.
 *
 * <pre>
 * State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process
 * UNCONN 0      0         198.18.1.2:7000      0.0.0.0:*    fd=3
 * ESTAB  2304   0         198.18.0.2:41234  198.18.1.2:7000 fd=4
 * </pre>
 *
 * As in Linux: Recv-Q and Send-Q are the bytes the socket is charged for ({@code sk_rmem_alloc},
 * {@code sk_wmem_alloc}: buffer truesize, not payload); an unconnected UDP socket is UNCONN and
 * shows only with {@code -a} or {@code -l}; the wildcard address is {@code 0.0.0.0}, an unset
 * peer port {@code *}; a socket bound to a device shows {@code %dev} after its address; sockets that
 * are not bound are not listed (they are in no table). Addresses are always numeric. The process
 * column ({@code -p}) names the descriptor ({@code fd=N}) in the stack's socket table, since the
 * stack has no processes; {@code -m} adds {@code skmem:(r..,rb..,t..,tb..,d..)}.
 *
 * <p>Linux: iproute2 {@code misc/ss.c} over {@code inet_diag}.
 */
public final class Ss {
    /**
     * One socket as {@code ss} sees it.
     *
     * @param netid "udp" (later "tcp")
     * @param state ss's state name: UNCONN, ESTAB, LISTEN...
     * @param recvQ bytes charged to the receive queue
     * @param sendQ bytes charged to the send queue
     * @param rcvbuf receive buffer limit
     * @param sndbuf send buffer limit
     * @param drops packets the socket dropped
     * @param fd descriptor in the stack's socket table
     */
    public record Entry(String netid, String state, int recvQ, int sendQ, String local, String peer, int rcvbuf,
                        int sndbuf, int drops, int fd) {}

    /** ss's {@code sstate_name[]}, indexed by {@code sk_state}. */
    private static final String[] STATE = {
        "UNKNOWN", "ESTAB", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "UNCONN",
        "CLOSE-WAIT", "LAST-ACK", "LISTEN", "CLOSING",
    };

    private Ss() {}

    /** Every bound socket of {@code net}, by descriptor. */
    public static List<Entry> sockets(NetStack net) {
        SocketLayer sys = net.sockets();
        List<Entry> out = new ArrayList<>();
        for (int fd : sys.openFds()) {
            Sock sk = sys.sock(fd);
            if (sk == null || sk.num == 0) {
                continue;
            }
            String netid = switch (sk.protocol) {
                case Uapi.IPPROTO_UDP -> "udp";
                case Uapi.IPPROTO_TCP -> "tcp";
                default -> "p" + sk.protocol;
            };
            int st = sk.state;
            String state = st >= 0 && st < STATE.length ? STATE[st] : "UNKNOWN";
            int la = sk.rcvSaddr;
            String local = addr(net, la, sk.boundDevIf) + ":" + sk.num;
            String peer = InetAddr.toString(sk.daddr) + ":" + (sk.dport == 0 ? "*" : Integer.toString(sk.dport));
            out.add(new Entry(netid, state, sk.rmemAlloc(), sk.wmemAlloc(), local, peer, sk.rcvbuf, sk.sndbuf,
                    sk.drops(), fd));
        }
        return out;
    }

    private static String addr(NetStack net, int a, int devIf) {
        String s = InetAddr.toString(a);
        if (devIf != 0) {
            NetDevice d = net.deviceByIndex(devIf);
            s += "%" + (d != null ? d.name() : Integer.toString(devIf));
        }
        return s;
    }

    /**
     * Runs {@code ss} with {@code args} ("-uanp", "-u -a", "--udp --all"...) against {@code net}
     * and returns what it prints. Options: {@code -u/--udp}, {@code -t/--tcp}, {@code -a/--all},
     * {@code -l/--listening}, {@code -n/--numeric} (always numeric anyway), {@code -p/--processes},
     * {@code -m/--memory}, {@code -H/--no-header}. An unknown option is an IllegalArgumentException
     * naming it.
     */
    public static String exec(NetStack net, String args) {
        boolean udp = false;
        boolean tcp = false;
        boolean all = false;
        boolean listening = false;
        boolean processes = false;
        boolean memory = false;
        boolean header = true;
        for (String w : args.trim().split("\\s+")) {
            if (w.isEmpty() || w.equals("ss")) {
                continue;
            }
            if (w.startsWith("--")) {
                switch (w) {
                    case "--udp" -> udp = true;
                    case "--tcp" -> tcp = true;
                    case "--all" -> all = true;
                    case "--listening" -> listening = true;
                    case "--numeric" -> { }
                    case "--processes" -> processes = true;
                    case "--memory" -> memory = true;
                    case "--no-header" -> header = false;
                    default -> throw new IllegalArgumentException("ss: unrecognized option '" + w + "'");
                }
                continue;
            }
            if (!w.startsWith("-") || w.length() < 2) {
                throw new IllegalArgumentException("ss: unexpected argument '" + w + "'");
            }
            for (char c : w.substring(1).toCharArray()) {
                switch (c) {
                    case 'u' -> udp = true;
                    case 't' -> tcp = true;
                    case 'a' -> all = true;
                    case 'l' -> listening = true;
                    case 'n' -> { }
                    case 'p' -> processes = true;
                    case 'm' -> memory = true;
                    case 'H' -> header = false;
                    default -> throw new IllegalArgumentException("ss: invalid option -- '" + c + "'");
                }
            }
        }
        if (!udp && !tcp) {
            udp = true;
            tcp = true;
        }
        List<Entry> shown = new ArrayList<>();
        for (Entry e : sockets(net)) {
            if (e.netid().equals("udp") ? !udp : e.netid().equals("tcp") ? !tcp : true) {
                continue;
            }
            boolean listen = e.state().equals("UNCONN") || e.state().equals("LISTEN");
            if (listening ? !listen : !all && listen) {
                continue;
            }
            shown.add(e);
        }
        return format(shown, udp && tcp, processes, memory, header);
    }

    /** {@code ss -uanp}: every UDP socket, with descriptors. */
    public static String udp(NetStack net) {
        return exec(net, "-uanp");
    }

    private static String format(List<Entry> entries, boolean netid, boolean processes, boolean memory,
                                 boolean header) {
        // The header sets the columns' minimum widths even when it is not printed, as in ss.
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"Netid", "State", "Recv-Q", "Send-Q", "Local Address", "Port", "Peer Address", "Port",
            "Process"});
        for (Entry e : entries) {
            int lc = e.local().lastIndexOf(':');
            int pc = e.peer().lastIndexOf(':');
            StringBuilder proc = new StringBuilder();
            if (processes) {
                proc.append("fd=").append(e.fd());
            }
            if (memory) {
                if (!proc.isEmpty()) {
                    proc.append(' ');
                }
                proc.append(String.format(Locale.ROOT, "skmem:(r%d,rb%d,t%d,tb%d,d%d)", e.recvQ(), e.rcvbuf(), e.sendQ(),
                        e.sndbuf(), e.drops()));
            }
            rows.add(new String[] {e.netid(), e.state(), Integer.toString(e.recvQ()), Integer.toString(e.sendQ()),
                e.local().substring(0, lc), e.local().substring(lc + 1), e.peer().substring(0, pc),
                e.peer().substring(pc + 1), proc.toString()});
        }
        int[] w = new int[9];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int k = header ? 0 : 1; k < rows.size(); k++) {
            String[] r = rows.get(k);
            StringBuilder line = new StringBuilder();
            if (netid) {
                pad(line, r[0], w[0], false).append(' ');
            }
            pad(line, r[1], w[1], false).append(' ');
            pad(line, r[2], w[2], false).append(' ');
            pad(line, r[3], w[3], false).append(' ');
            pad(line, r[4], w[4], true).append(':');
            pad(line, r[5], w[5], false).append(' ');
            pad(line, r[6], w[6], true).append(':');
            pad(line, r[7], w[7], false);
            if (processes || memory) {
                line.append(' ').append(r[8]);
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    private static StringBuilder pad(StringBuilder sb, String s, int width, boolean right) {
        if (right) {
            sb.append(" ".repeat(width - s.length())).append(s);
        } else {
            sb.append(s).append(" ".repeat(width - s.length()));
        }
        return sb;
    }
}
