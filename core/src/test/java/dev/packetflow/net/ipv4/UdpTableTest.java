package dev.packetflow.net.ipv4;

import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.MsgHdr;
import dev.packetflow.net.socket.Proto;
import dev.packetflow.net.socket.Sock;
import dev.packetflow.net.socket.Uapi;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Linux's UDP lookup precedence, SO_REUSEADDR/SO_REUSEPORT, bind conflicts, ephemeral ports, scale. */
class UdpTableTest {
    static final int A = InetAddr.parse("198.18.0.1");
    static final int A2 = InetAddr.parse("198.18.0.3");
    static final int PEER = InetAddr.parse("198.18.1.2");
    static final int PEER2 = InetAddr.parse("198.18.1.3");
    static final int EADDRINUSE = -Errno.EADDRINUSE.code;

    final Simulation sim = new Simulation(9);
    final NetStack net = NetStack.create(sim, "h");
    final UdpTable table = new UdpTable(net);

    static final Proto PROTO = new Proto() {
        @Override
        public String name() {
            return "T";
        }

        @Override
        public Sock newSock(NetStack n, int type, int protocol) {
            return new Sock(n, this, type, protocol);
        }

        @Override
        public void close(Sock sk, long timeoutNs) {
            sk.skCommonRelease();
        }

        @Override
        public int sendmsg(Sock sk, MsgHdr msg, int len) {
            return 0;
        }

        @Override
        public int recvmsg(Sock sk, MsgHdr msg, int len, int flags) {
            return 0;
        }
    };

    @AfterEach
    void close() {
        net.close();
    }

    Sock sock(int addr, boolean reuse, boolean reuseport, int dev) {
        Sock sk = PROTO.newSock(net, Uapi.SOCK_DGRAM, Uapi.IPPROTO_UDP);
        sk.rcvSaddr = addr;
        sk.reuse = reuse;
        sk.reuseport = reuseport;
        sk.boundDevIf = dev;
        return sk;
    }

    Sock bind(int addr, int port) {
        return bind(addr, port, false, false, 0);
    }

    Sock bind(int addr, int port, boolean reuse, boolean reuseport, int dev) {
        Sock sk = sock(addr, reuse, reuseport, dev);
        assertThat(table.getPort(sk, port)).isZero();
        assertThat(sk.num).isEqualTo(port == 0 ? sk.num : port);
        return sk;
    }

    void connect(Sock sk, int daddr, int dport) {
        sk.daddr = daddr;
        sk.dport = dport;
        sk.state = Sock.TCP_ESTABLISHED;
        table.rehash(sk);
    }

    // ================================================================ lookup

    @Test
    void lookup_connectedBeatsSpecificBeatsWildcard() {
        Sock wild = bind(0, 5000, true, false, 0);
        Sock specific = bind(A, 5000, true, false, 0);
        Sock connected = bind(A, 5000, true, false, 0);
        connect(connected, PEER, 7000);
        assertThat(table.lookup(PEER, 7000, A, 5000, 1)).isSameAs(connected);
        assertThat(table.lookup(PEER, 7001, A, 5000, 1)).isSameAs(specific);
        assertThat(table.lookup(PEER2, 7000, A, 5000, 1)).isSameAs(specific);
        assertThat(table.lookup(PEER, 7000, A2, 5000, 1)).isSameAs(wild);
        assertThat(table.lookup(PEER, 7000, A, 5001, 1)).isNull();
        table.unhash(specific);
        assertThat(table.lookup(PEER2, 7000, A, 5000, 1)).isSameAs(wild);
        assertThat(specific.num).isZero();
    }

    @Test
    void lookup_boundDevice_scoresHigherAndExcludesOtherDevices() {
        Sock any = bind(0, 5000, true, false, 0);
        Sock onDev2 = bind(0, 5000, true, false, 2);
        assertThat(table.lookup(PEER, 1, A, 5000, 2)).isSameAs(onDev2);
        assertThat(table.lookup(PEER, 1, A, 5000, 3)).isSameAs(any);
        table.unhash(any);
        assertThat(table.lookup(PEER, 1, A, 5000, 3)).isNull();
    }

    @Test
    void lookup_equalScores_mostRecentlyBoundWins() {
        Sock first = bind(A, 5000, true, false, 0);
        Sock second = bind(A, 5000, true, false, 0);
        assertThat(table.lookup(PEER, 1, A, 5000, 1)).isSameAs(second);
        table.unhash(second);
        assertThat(table.lookup(PEER, 1, A, 5000, 1)).isSameAs(first);
    }

    @Test
    void lookup_connectedWildcardSocket_afterRehashToItsSourceAddress() {
        Sock sk = bind(0, 5000);
        sk.rcvSaddr = A; // what connect() does when the socket was bound to the wildcard
        connect(sk, PEER, 53);
        assertThat(table.lookup(PEER, 53, A, 5000, 1)).isSameAs(sk);
        assertThat(table.lookup(PEER, 54, A, 5000, 1)).isNull();
        assertThat(table.lookup(PEER, 53, A2, 5000, 1)).isNull();
    }

    @Test
    void reuseport_spreadsFlowsOverTheGroup_andEachFlowSticksToOneSocket() {
        Sock[] g = new Sock[4];
        for (int i = 0; i < 4; i++) {
            g[i] = bind(A, 5000, false, true, 0);
        }
        assertThat(table.reuseportGroupSize(g[0])).isEqualTo(4);
        Map<Sock, Integer> counts = new HashMap<>();
        for (int sport = 1000; sport < 5000; sport++) {
            Sock s = table.lookup(PEER, sport, A, 5000, 1);
            assertThat(table.lookup(PEER, sport, A, 5000, 1)).isSameAs(s);
            counts.merge(s, 1, Integer::sum);
        }
        assertThat(counts).hasSize(4);
        for (int c : counts.values()) {
            assertThat(c).isBetween(800, 1200); // 1000 each on average
        }
        // a member leaves: its flows move, the others' stay where they were
        Map<Integer, Sock> before = new HashMap<>();
        for (int sport = 1000; sport < 1100; sport++) {
            before.put(sport, table.lookup(PEER, sport, A, 5000, 1));
        }
        table.unhash(g[1]);
        assertThat(table.reuseportGroupSize(g[0])).isEqualTo(3);
        for (int sport = 1000; sport < 1100; sport++) {
            assertThat(table.lookup(PEER, sport, A, 5000, 1)).isNotSameAs(g[1]);
        }
    }

    @Test
    void reuseport_groupWithConnectedMember_connectedFlowGoesToIt() {
        Sock a = bind(A, 5000, false, true, 0);
        Sock b = bind(A, 5000, false, true, 0);
        connect(b, PEER, 7000);
        assertThat(table.lookup(PEER, 7000, A, 5000, 1)).isSameAs(b);
        for (int sport = 1; sport < 200; sport++) {
            if (sport != 7000) {
                assertThat(table.lookup(PEER, sport, A, 5000, 1)).isSameAs(a);
            }
        }
    }

    @Test
    void lookupAll_findsEveryMatchingSocketForBroadcast() {
        Sock w = bind(0, 67, true, false, 0);
        Sock s = bind(A, 67, true, false, 0);
        Sock other = bind(A2, 67, true, false, 0);
        Sock[] out = new Sock[8];
        int n = table.lookupAll(PEER, 68, A, 67, 1, out);
        assertThat(java.util.Arrays.asList(out).subList(0, n)).containsExactlyInAnyOrder(w, s);
        assertThat(other).isNotIn((Object[]) out);
    }

    // ================================================================ bind conflicts

    @Test
    void bind_conflictRules_matchLinuxUdp() {
        bind(A, 5000);
        assertThat(table.getPort(sock(A, false, false, 0), 5000)).isEqualTo(EADDRINUSE); // same address
        assertThat(table.getPort(sock(0, false, false, 0), 5000)).isEqualTo(EADDRINUSE); // wildcard overlaps
        assertThat(table.getPort(sock(A, true, false, 0), 5000)).isEqualTo(EADDRINUSE); // only one has REUSEADDR
        assertThat(table.getPort(sock(A, false, true, 0), 5000)).isEqualTo(EADDRINUSE); // only one has REUSEPORT
        assertThat(table.getPort(sock(A2, false, false, 0), 5000)).isZero(); // another address
        assertThat(table.size()).isEqualTo(2);

        bind(0, 6000, true, false, 0);
        assertThat(table.getPort(sock(A, true, false, 0), 6000)).isZero(); // both REUSEADDR
        assertThat(table.getPort(sock(A, false, false, 0), 6000)).isEqualTo(EADDRINUSE);

        bind(A, 7000, false, true, 0);
        assertThat(table.getPort(sock(A, false, true, 0), 7000)).isZero(); // both REUSEPORT
        assertThat(table.getPort(sock(0, false, true, 0), 7000)).isZero(); // REUSEPORT across wildcard too

        bind(A, 8000, false, false, 2);
        assertThat(table.getPort(sock(A, false, false, 3), 8000)).isZero(); // different devices
        assertThat(table.getPort(sock(A, false, false, 0), 8000)).isEqualTo(EADDRINUSE); // unbound overlaps all
        assertThat(table.getPort(sock(A, false, false, 2), 8000)).isEqualTo(EADDRINUSE);
    }

    @Test
    void bind_failure_changesNothing() {
        Sock held = bind(A, 5000);
        Sock loser = sock(A, false, false, 0);
        int slotsBefore = table.slots();
        assertThat(table.getPort(loser, 5000)).isEqualTo(EADDRINUSE);
        assertThat(loser.num).isZero();
        assertThat(table.contains(loser)).isFalse();
        assertThat(table.size()).isEqualTo(1);
        assertThat(table.slots()).isEqualTo(slotsBefore);
        assertThat(table.lookup(PEER, 1, A, 5000, 1)).isSameAs(held);
        assertThat(table.socksOnPort(5000)).containsExactly(held);
    }

    // ================================================================ ephemeral ports

    @Test
    void ephemeral_allPortsOfTheRangeUsedOnce_thenEaddrinuse() {
        net.localPorts().setRange(40000, 40099);
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            Sock sk = sock(A, false, false, 0);
            assertThat(table.getPort(sk, 0)).isZero();
            assertThat(sk.num).isBetween(40000, 40099);
            assertThat(ports.add(sk.num)).isTrue();
        }
        assertThat(ports).hasSize(100);
        Sock none = sock(A, false, false, 0);
        assertThat(table.getPort(none, 0)).isEqualTo(EADDRINUSE);
        assertThat(none.num).isZero();
        // another address has the whole range again
        assertThat(table.getPort(sock(A2, false, false, 0), 0)).isZero();
    }

    @Test
    void ephemeral_bindPrefersTheParityConnectDoesNot() {
        net.localPorts().setRange(40000, 40999);
        int odd = 0;
        for (int i = 0; i < 50; i++) {
            Sock sk = sock(A, false, false, 0);
            table.getPort(sk, 0);
            odd += sk.num & 1;
        }
        assertThat(odd).isEqualTo(50); // the range starts even: bind() takes odd ports first
        int connEven = 0;
        LocalPorts lp = net.localPorts();
        for (int i = 0; i < 50; i++) {
            int p = lp.pick(A, PEER, 80 + i, true, x -> true);
            assertThat(p).isBetween(40000, 40999);
            connEven += 1 - (p & 1);
        }
        assertThat(connEven).isEqualTo(50);
    }

    @Test
    void ephemeral_connectToSamePeer_movesOnEachTime() {
        LocalPorts lp = net.localPorts();
        Set<Integer> used = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            int p = lp.pick(A, PEER, 443, true, x -> !used.contains(x));
            assertThat(p).isBetween(LocalPorts.DEFAULT_LOW, LocalPorts.DEFAULT_HIGH);
            assertThat(used.add(p)).isTrue();
        }
        // the search for one peer is near-sequential from a secret offset: no two picks repeat,
        // and a port freed again is not immediately reused (the perturbation moved on)
        int last = lp.pick(A, PEER, 443, true, x -> true);
        assertThat(used).doesNotContain(last);
    }

    @Test
    void localPortRange_invalidValues_rejectedAndUnchanged() {
        LocalPorts lp = net.localPorts();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> lp.setRange(50000, 40000))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> lp.setRange(80, 40000))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> lp.setRange(40000, 70000))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(lp.low()).isEqualTo(32768);
        assertThat(lp.high()).isEqualTo(60999);
    }

    @Test
    void reservedPorts_areSkippedByEphemeralSelection() {
        net.localPorts().setRange(40000, 40003);
        net.localPorts().setReserved(40001, true);
        net.localPorts().setReserved(40003, true);
        Set<Integer> got = new HashSet<>();
        for (int i = 0; i < 2; i++) {
            Sock sk = sock(A, false, false, 0);
            assertThat(table.getPort(sk, 0)).isZero();
            got.add(sk.num);
        }
        assertThat(got).containsExactlyInAnyOrder(40000, 40002);
        assertThat(table.getPort(sock(A, false, false, 0), 0)).isEqualTo(EADDRINUSE);
        assertThat(table.getPort(sock(A, false, false, 0), 40001)).isZero(); // explicit bind still works
    }

    // ================================================================ scale

    @Test
    void hundredThousandBoundSockets_lookupStaysCorrect_andTableGrew() {
        int addrs = 100;
        int portsPer = 1000;
        Sock[][] socks = new Sock[addrs][portsPer];
        for (int a = 0; a < addrs; a++) {
            for (int p = 0; p < portsPer; p++) {
                socks[a][p] = bind(InetAddr.parse("198.18.2.0") + a, 10000 + p);
            }
        }
        Sock wild = bind(0, 9999);
        assertThat(table.size()).isEqualTo(100_001);
        assertThat(table.slots()).isEqualTo(131072);
        for (int a = 0; a < addrs; a++) {
            for (int p = 0; p < portsPer; p++) {
                assertThat(table.lookup(PEER, 1234, InetAddr.parse("198.18.2.0") + a, 10000 + p, 1))
                        .isSameAs(socks[a][p]);
            }
        }
        assertThat(table.lookup(PEER, 1, InetAddr.parse("198.18.2.0") + 7, 9999, 1)).isSameAs(wild);
        assertThat(table.lookup(PEER, 1, InetAddr.parse("198.18.9.9"), 10000, 1)).isNull();
        // unhashing half keeps the rest findable
        for (int a = 0; a < addrs; a += 2) {
            for (int p = 0; p < portsPer; p++) {
                table.unhash(socks[a][p]);
            }
        }
        assertThat(table.size()).isEqualTo(50_001);
        assertThat(table.lookup(PEER, 1, InetAddr.parse("198.18.2.0") + 3, 10500, 1)).isSameAs(socks[3][500]);
        assertThat(table.lookup(PEER, 1, InetAddr.parse("198.18.2.0") + 4, 10500, 1)).isNull();
    }

    // ================================================================ the established table

    @Test
    void ehash_findsExactFourTupleOnly_andRefusesDuplicates() {
        InetEhash eh = new InetEhash(net);
        Sock c = sock(A, false, false, 0);
        c.num = 40000;
        c.daddr = PEER;
        c.dport = 80;
        assertThat(eh.insert(c)).isTrue();
        Sock dup = sock(A, false, false, 0);
        dup.num = 40000;
        dup.daddr = PEER;
        dup.dport = 80;
        assertThat(eh.insert(dup)).isFalse();
        assertThat(eh.lookup(PEER, 80, A, 40000, 1)).isSameAs(c);
        assertThat(eh.lookup(PEER, 81, A, 40000, 1)).isNull();
        assertThat(eh.lookup(PEER2, 80, A, 40000, 1)).isNull();
        assertThat(eh.lookup(PEER, 80, A2, 40000, 1)).isNull();
        assertThat(eh.remove(c)).isTrue();
        assertThat(eh.lookup(PEER, 80, A, 40000, 1)).isNull();
        assertThat(eh.insert(dup)).isTrue();
    }

    @Test
    void ehash_hundredThousandConnections() {
        InetEhash eh = new InetEhash(net);
        Sock[] s = new Sock[100_000];
        for (int i = 0; i < s.length; i++) {
            Sock c = sock(A, false, false, 0);
            c.num = 1024 + (i % 50000);
            c.daddr = PEER + (i / 50000);
            c.dport = 443;
            assertThat(eh.insert(c)).isTrue();
            s[i] = c;
        }
        assertThat(eh.size()).isEqualTo(100_000);
        assertThat(eh.slots()).isEqualTo(131072);
        for (int i = 0; i < s.length; i++) {
            assertThat(eh.lookup(PEER + (i / 50000), 443, A, 1024 + (i % 50000), 1)).isSameAs(s[i]);
        }
    }
}
