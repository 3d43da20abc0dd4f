package dev.packetflow.net.ipv4;

import static dev.packetflow.net.ipv4.UdpGroTest.cmsg;
import static dev.packetflow.net.ipv4.UdpGroTest.concat;
import static dev.packetflow.net.ipv4.UdpGroTest.segCmsg;
import static dev.packetflow.net.ipv4.UdpGsoTest.A;
import static dev.packetflow.net.ipv4.UdpGsoTest.B;
import static dev.packetflow.net.ipv4.UdpGsoTest.bound;
import static dev.packetflow.net.ipv4.UdpGsoTest.drain;
import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.packetflow.drivers.net.veth.Veth;
import dev.packetflow.drivers.net.wire.WireConditions;
import dev.packetflow.net.core.Dev;
import dev.packetflow.net.core.NetDevice;
import dev.packetflow.net.socket.Errno;
import dev.packetflow.net.socket.MMsgHdr;
import dev.packetflow.net.socket.MsgHdr;
import dev.packetflow.net.socket.Scm;
import dev.packetflow.net.socket.SockAddrIn;
import dev.packetflow.net.socket.SocketLayer;
import dev.packetflow.testing.VethHosts;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The {@code SOL_IP} and {@code SOL_SOCKET} control messages of a UDP send ({@code ip_cmsg_send},
 * {@link IpCmsgSend}): {@code IP_PKTINFO} choosing the source address and the interface,
 * {@code IP_TTL} and {@code IP_TOS} for one datagram, {@code SO_MARK} and {@code SO_PRIORITY},
 * Linux's EINVAL/EPERM/route errors with nothing sent, per-message control in {@code sendmmsg},
 * and a corked datagram keeping its first send's messages.
 */
class UdpCmsgSendTest {
    static final int A2 = InetAddr.parse("198.18.0.11");
    static final int A_ETH1 = InetAddr.parse("198.18.1.1");
    static final SockAddrIn TO_B = new SockAddrIn(B, 6000);

    // ---------------------------------------------------------------- helpers

    static byte[] intCmsg(int level, int type, int v) {
        byte[] d = new byte[4];
        Scm.putLe32(d, 0, v);
        return cmsg(Scm.cmsgLen(4), level, type, d);
    }

    static byte[] ttlCmsg(int ttl) {
        return intCmsg(SOL_IP, IpSockglue.IP_TTL, ttl);
    }

    static byte[] tosCmsg(int tos) {
        return intCmsg(SOL_IP, IpSockglue.IP_TOS, tos);
    }

    /** {@code struct in_pktinfo}: ifindex (host order), spec_dst and addr (network order). */
    static byte[] pktinfoCmsg(int ifindex, int specDst) {
        byte[] d = new byte[12];
        Scm.putLe32(d, 0, ifindex);
        Scm.putBe32(d, 4, specDst);
        Scm.putBe32(d, 8, InetAddr.parse("198.18.0.77")); // ipi_addr: ignored on a send
        return cmsg(Scm.cmsgLen(12), SOL_IP, IpSockglue.IP_PKTINFO, d);
    }

    static int sendmsg(SocketLayer s, int fd, byte[] data, byte[] control, int flags) {
        MsgHdr m = new MsgHdr().setBuffer(data, 0, data.length).setName(TO_B).setControl(control);
        return s.sendmsg(fd, m, flags);
    }

    /** B's socket on 6000 (any address), with the TTL and TOS of each datagram in control messages. */
    static int receiver(VethHosts h) {
        int rx = bound(h.sb, 0, 6000);
        assertThat(h.sb.setsockopt(rx, SOL_IP, IpSockglue.IP_RECVTTL, 1)).isZero();
        assertThat(h.sb.setsockopt(rx, SOL_IP, IpSockglue.IP_RECVTOS, 1)).isZero();
        return rx;
    }

    record Got(int src, int ttl, int tos, String data) {}

    /** Reads one datagram with {@code recvmsg}: its source, and TTL and TOS from the control messages. */
    static Got recv(SocketLayer s, int fd) {
        byte[] buf = new byte[2000];
        byte[] c = new byte[128];
        MsgHdr m = new MsgHdr().setBuffer(buf, 0, buf.length).setControl(c);
        int n = s.recvmsg(fd, m, MSG_DONTWAIT);
        assertThat(n).as("recvmsg").isGreaterThanOrEqualTo(0);
        int ttl = -1;
        int tos = -1;
        for (int o = 0; o + Scm.CMSG_HDR_LEN <= m.controllen; o += Scm.cmsgSpace((int) UdpCmsgTest.le64(c, o) - 16)) {
            int type = UdpCmsgTest.le32(c, o + 12);
            if (type == IpSockglue.IP_TTL) {
                ttl = UdpCmsgTest.le32(c, o + 16);
            } else if (type == IpSockglue.IP_TOS) {
                tos = c[o + 16] & 0xff;
            }
        }
        return new Got(m.nameAddr, ttl, tos, new String(buf, 0, n));
    }

    record Tx(String dev, int src, int ttl, int tos, int priority, int mark) {}

    /** The IPv4/UDP frames {@code devs} send: device, source address, TTL, TOS, skb priority and mark. */
    static List<Tx> watchTx(NetDevice... devs) {
        List<Tx> seen = new ArrayList<>();
        for (NetDevice dev : devs) {
            Dev.addTap(dev, (d, skb, outgoing) -> {
                int ip = skb.data + 14;
                if (outgoing && skb.u16(skb.data + 12) == 0x0800 && skb.u8(ip + 9) == 17) {
                    seen.add(new Tx(d.name(), skb.u32(ip + 12), skb.u8(ip + 8), skb.u8(ip + 1), skb.priority, skb.mark));
                }
            });
        }
        return seen;
    }

    // ---------------------------------------------------------------- IP_PKTINFO

    @Test
    void ipPktinfo_specDst_isTheSource_theReceiverSees_evenOnASocketBoundToAnother() {
        try (VethHosts h = new VethHosts(31)) {
            h.a.exec("ip addr add 198.18.0.11/24 dev eth0");
            h.sim.run();
            List<Tx> tx = watchTx(h.a.device("eth0"));
            int rx = receiver(h);
            int any = bound(h.sa, 0, 5000);
            int toA = bound(h.sa, A, 5001);

            assertThat(sendmsg(h.sa, any, "one".getBytes(), pktinfoCmsg(0, A2), 0)).isEqualTo(3);
            assertThat(sendmsg(h.sa, any, "two".getBytes(), null, 0)).isEqualTo(3);
            assertThat(sendmsg(h.sa, toA, "three".getBytes(), pktinfoCmsg(0, A2), 0)).isEqualTo(5);
            h.sim.run();

            assertThat(recv(h.sb, rx).src()).isEqualTo(A2);
            assertThat(recv(h.sb, rx).src()).as("no message: the route's choice").isEqualTo(A);
            assertThat(recv(h.sb, rx)).extracting(Got::src, Got::data).containsExactly(A2, "three");
            assertThat(tx).extracting(Tx::src).containsExactly(A2, A, A2);
        }
    }

    @Test
    void ipPktinfo_ifindex_isTheOutputInterface_andItsAddressTheSource() {
        try (VethHosts h = new VethHosts(32)) {
            Veth.pair(h.a, "eth1", h.b, "eth1", WireConditions.PERFECT);
            h.a.exec("ip link set eth1 up");
            h.b.exec("ip link set eth1 up");
            h.a.exec("ip addr add 198.18.1.1/24 dev eth1");
            h.b.exec("ip addr add 198.18.1.2/24 dev eth1");
            h.sim.run();
            NetDevice eth0 = h.a.device("eth0");
            NetDevice eth1 = h.a.device("eth1");
            List<Tx> tx = watchTx(eth0, eth1);
            int rx = receiver(h);
            int fd = bound(h.sa, 0, 5000);

            // B's 198.18.0.2 is not on eth1's subnet: Linux takes it as on link there
            assertThat(sendmsg(h.sa, fd, "via1".getBytes(), pktinfoCmsg(eth1.ifindex(), 0), 0)).isEqualTo(4);
            h.sim.run();
            assertThat(sendmsg(h.sa, fd, "via0".getBytes(), null, 0)).isEqualTo(4);
            h.sim.run();

            assertThat(tx).extracting(Tx::dev, Tx::src)
                    .containsExactly(tuple("eth1", A_ETH1),
                            tuple("eth0", A));
            assertThat(recv(h.sb, rx)).extracting(Got::src, Got::data).containsExactly(A_ETH1, "via1");
            assertThat(recv(h.sb, rx)).extracting(Got::src, Got::data).containsExactly(A, "via0");
        }
    }

    @Test
    void ipPktinfo_nonLocalSource_isEinval_unknownInterfaceEnodev_andNothingIsSent() {
        try (VethHosts h = new VethHosts(33)) {
            List<Tx> tx = watchTx(h.a.device("eth0"));
            int rx = receiver(h);
            int fd = bound(h.sa, 0, 5000);
            byte[] d = "x".getBytes();

            assertThat(sendmsg(h.sa, fd, d, pktinfoCmsg(0, InetAddr.parse("198.18.0.99")), 0))
                    .isEqualTo(Errno.EINVAL.neg());
            assertThat(sendmsg(h.sa, fd, d, pktinfoCmsg(0, B), 0)).as("the peer's address").isEqualTo(Errno.EINVAL.neg());
            assertThat(sendmsg(h.sa, fd, d, pktinfoCmsg(0, InetAddr.parse("224.0.0.1")), 0)).isEqualTo(Errno.EINVAL.neg());
            assertThat(sendmsg(h.sa, fd, d, pktinfoCmsg(99, 0), 0)).isEqualTo(Errno.ENODEV.neg());
            h.sim.run();

            assertThat(tx).isEmpty();
            assertThat(drain(h.sb, rx)).isEmpty();
            assertThat(h.a.udp().mib().get("OutDatagrams")).isZero();
            assertThat(h.a.mib("Ip").get("OutRequests")).isZero();
            assertThat(h.a.mib("Ip").get("OutNoRoutes")).isZero();
        }
    }

    // ---------------------------------------------------------------- IP_TTL, IP_TOS

    @Test
    void ipTtlAndIpTos_applyToThisDatagramOnly_andTheTosSetsThePriority() {
        try (VethHosts h = new VethHosts(34)) {
            List<Tx> tx = watchTx(h.a.device("eth0"));
            int rx = receiver(h);
            int fd = bound(h.sa, A, 5000);
            assertThat(h.sa.setsockopt(fd, SOL_IP, IpSockglue.IP_TTL, 33)).isZero();
            assertThat(h.sa.setsockopt(fd, SOL_IP, IpSockglue.IP_TOS, 0x08)).isZero();
            byte[] oneByteTos = cmsg(Scm.cmsgLen(1), SOL_IP, IpSockglue.IP_TOS, new byte[] {(byte) 0xb8});

            assertThat(sendmsg(h.sa, fd, "a".getBytes(), concat(ttlCmsg(7), tosCmsg(0x10)), 0)).isEqualTo(1);
            assertThat(sendmsg(h.sa, fd, "b".getBytes(), null, 0)).isEqualTo(1);
            assertThat(sendmsg(h.sa, fd, "c".getBytes(), concat(oneByteTos, ttlCmsg(255)), 0)).isEqualTo(1);
            assertThat(sendmsg(h.sa, fd, "d".getBytes(), concat(ttlCmsg(1), ttlCmsg(200)), 0)).as("the last wins")
                    .isEqualTo(1);
            h.sim.run();

            assertThat(List.of(recv(h.sb, rx), recv(h.sb, rx), recv(h.sb, rx), recv(h.sb, rx)))
                    .extracting(Got::ttl, Got::tos, Got::data)
                    .containsExactly(tuple(7, 0x10, "a"),
                            tuple(33, 0x08, "b"),
                            tuple(255, 0xb8, "c"),
                            tuple(200, 0x08, "d"));
            // rt_tos2priority(): 0x10 (low delay) is TC_PRIO_INTERACTIVE (6), 0x08 TC_PRIO_BULK (2)
            assertThat(tx).extracting(Tx::priority).containsExactly(6, 2, IpSockglue.rtTos2priority(0xb8), 2);
        }
    }

    @Test
    void soMarkAndSoPriority_setTheSkb_forThisDatagram() {
        try (VethHosts h = new VethHosts(35)) {
            List<Tx> tx = watchTx(h.a.device("eth0"));
            int rx = receiver(h);
            int fd = bound(h.sa, A, 5000);

            assertThat(sendmsg(h.sa, fd, "m".getBytes(),
                    concat(intCmsg(SOL_SOCKET, SO_MARK, 0x1234), intCmsg(SOL_SOCKET, SO_PRIORITY, 5)), 0)).isEqualTo(1);
            // IP_TOS's priority, then SO_PRIORITY's: the last one wins
            assertThat(sendmsg(h.sa, fd, "p".getBytes(),
                    concat(tosCmsg(0x10), intCmsg(SOL_SOCKET, SO_PRIORITY, 1)), 0)).isEqualTo(1);
            assertThat(sendmsg(h.sa, fd, "z".getBytes(), null, 0)).isEqualTo(1);
            h.sim.run();

            assertThat(tx).extracting(Tx::mark, Tx::priority)
                    .containsExactly(tuple(0x1234, 5),
                            tuple(0, 1),
                            tuple(0, 0));
            assertThat(drain(h.sb, rx)).hasSize(3);
        }
    }

    // ---------------------------------------------------------------- errors

    @Test
    void badIpMessages_areEinval_andNothingIsSent_norCounted() {
        try (VethHosts h = new VethHosts(36)) {
            List<Tx> tx = watchTx(h.a.device("eth0"));
            int rx = receiver(h);
            int fd = bound(h.sa, A, 5000);
            byte[] d = "bad".getBytes();
            int einval = Errno.EINVAL.neg();
            List<byte[]> bad = List.of(
                    ttlCmsg(0), ttlCmsg(256), ttlCmsg(-1),
                    cmsg(Scm.cmsgLen(1), SOL_IP, IpSockglue.IP_TTL, new byte[] {9}), // only an int
                    tosCmsg(256), tosCmsg(-1),
                    cmsg(Scm.cmsgLen(2), SOL_IP, IpSockglue.IP_TOS, new byte[] {8, 0}),
                    cmsg(Scm.cmsgLen(8), SOL_IP, IpSockglue.IP_PKTINFO, new byte[8]),
                    cmsg(Scm.cmsgLen(16), SOL_IP, IpSockglue.IP_PKTINFO, new byte[16]),
                    intCmsg(SOL_IP, IpCmsgSend.IP_PROTOCOL, 0),
                    intCmsg(SOL_IP, IpSockglue.IP_RECVTTL, 1), // not a send message
                    intCmsg(SOL_IP, IpSockglue.IP_TOS + 100, 1),
                    cmsg(Scm.cmsgLen(4), SOL_IP, IpSockglue.IP_RETOPTS, new byte[] {1, 1, 1, 0}), // options: not sent here
                    intCmsg(SOL_SOCKET, IpCmsgSend.SCM_TXTIME, 0), // no SO_TXTIME
                    intCmsg(SOL_SOCKET, SO_RCVBUF, 1),
                    intCmsg(SOL_SOCKET, IpCmsgSend.SO_TIMESTAMPING_OLD, 1 << 4), // a reporting flag, not a TX record one
                    cmsg(Scm.cmsgLen(8), SOL_SOCKET, SO_MARK, new byte[8]),
                    concat(ttlCmsg(9), tosCmsg(300)), // a good one before a bad one
                    concat(tosCmsg(300), segCmsg(0))); // the UDP pass is fine, the IP one is not
            for (byte[] c : bad) {
                assertThat(sendmsg(h.sa, fd, d, c, 0)).as(Arrays.toString(c)).isEqualTo(einval);
            }
            h.sim.run();

            assertThat(tx).isEmpty();
            assertThat(drain(h.sb, rx)).isEmpty();
            assertThat(h.a.udp().mib().get("OutDatagrams")).isZero();
            assertThat(h.a.udp().mib().get("SndbufErrors")).isZero();
            assertThat(h.a.mib("Ip").get("OutRequests")).isZero();
        }
    }

    @Test
    void acceptedButUnused_protocolEmptyRetoptsTimestampingAndScmRights_sendNormally() {
        try (VethHosts h = new VethHosts(37)) {
            List<Tx> tx = watchTx(h.a.device("eth0"));
            int rx = receiver(h);
            int fd = bound(h.sa, A, 5000);
            byte[] c = concat(intCmsg(SOL_IP, IpCmsgSend.IP_PROTOCOL, 6),
                    cmsg(Scm.cmsgLen(0), SOL_IP, IpSockglue.IP_RETOPTS, new byte[0]),
                    intCmsg(SOL_SOCKET, IpCmsgSend.SO_TIMESTAMPING_NEW, 1 << 1),
                    intCmsg(SOL_SOCKET, IpCmsgSend.SCM_RIGHTS, 3),
                    intCmsg(SOL_TCP, 1, 1)); // another level: skipped

            assertThat(sendmsg(h.sa, fd, "ok".getBytes(), c, 0)).isEqualTo(2);
            h.sim.run();

            assertThat(recv(h.sb, rx)).extracting(Got::src, Got::ttl, Got::tos, Got::data)
                    .containsExactly(A, 64, 0, "ok");
            assertThat(tx).hasSize(1);
        }
    }

    @Test
    void privilegedMessages_unprivileged_areEperm_andTheUdpPassComesFirst() {
        try (VethHosts h = new VethHosts(38)) {
            int rx = receiver(h);
            int fd = bound(h.sa, A, 5000);
            h.sa.setPrivileged(false);
            byte[] d = "p".getBytes();

            assertThat(sendmsg(h.sa, fd, d, intCmsg(SOL_SOCKET, SO_MARK, 1), 0)).isEqualTo(Errno.EPERM.neg());
            assertThat(sendmsg(h.sa, fd, d, intCmsg(SOL_SOCKET, SO_PRIORITY, 7), 0)).isEqualTo(Errno.EPERM.neg());
            // udp_cmsg_send() reads every message before ip_cmsg_send() reads any
            assertThat(sendmsg(h.sa, fd, d, concat(intCmsg(SOL_SOCKET, SO_MARK, 1),
                    cmsg(Scm.cmsgLen(4), SOL_UDP, Udp.UDP_SEGMENT, new byte[4])), 0)).isEqualTo(Errno.EINVAL.neg());
            assertThat(sendmsg(h.sa, fd, d, intCmsg(SOL_SOCKET, SO_PRIORITY, 6), 0)).isEqualTo(1);
            h.sim.run();

            assertThat(drain(h.sb, rx)).hasSize(1);
            assertThat(h.a.udp().mib().get("OutDatagrams")).isEqualTo(1);
        }
    }

    // ---------------------------------------------------------------- sendmmsg, corking

    @Test
    void sendmmsg_eachMessageHasItsOwnControl_andABadOneStopsTheBatch() {
        try (VethHosts h = new VethHosts(39)) {
            h.a.exec("ip addr add 198.18.0.11/24 dev eth0");
            h.sim.run();
            int rx = receiver(h);
            int fd = bound(h.sa, 0, 5000);
            byte[][] control = {ttlCmsg(10), null, concat(pktinfoCmsg(0, A2), tosCmsg(0x20)), ttlCmsg(0), ttlCmsg(40)};
            MMsgHdr[] v = MMsgHdr.array(5);
            for (int i = 0; i < 5; i++) {
                byte[] data = ("m" + i).getBytes();
                v[i].msg.setName(TO_B).setBuffer(data, 0, data.length).setControl(control[i]);
            }

            assertThat(h.sa.sendmmsg(fd, v, 5, 0)).as("the fourth is EINVAL").isEqualTo(3);
            h.sim.run();

            assertThat(List.of(recv(h.sb, rx), recv(h.sb, rx), recv(h.sb, rx)))
                    .extracting(Got::src, Got::ttl, Got::tos, Got::data)
                    .containsExactly(tuple(A, 10, 0, "m0"),
                            tuple(A, 64, 0, "m1"),
                            tuple(A2, 64, 0x20, "m2"));
            assertThat(drain(h.sb, rx)).isEmpty();
            assertThat(h.a.udp().mib().get("OutDatagrams")).isEqualTo(3);
        }
    }

    @Test
    void corked_theFirstSendsMessagesApply_laterOnesAreNotEvenRead() {
        try (VethHosts h = new VethHosts(40)) {
            h.a.exec("ip addr add 198.18.0.11/24 dev eth0");
            h.sim.run();
            List<Tx> tx = watchTx(h.a.device("eth0"));
            int rx = receiver(h);
            int fd = bound(h.sa, 0, 5000);

            assertThat(sendmsg(h.sa, fd, "ab".getBytes(),
                    concat(pktinfoCmsg(0, A2), ttlCmsg(7), tosCmsg(0x10), intCmsg(SOL_SOCKET, SO_MARK, 42)), MSG_MORE))
                    .isEqualTo(2);
            assertThat(sendmsg(h.sa, fd, "cd".getBytes(), concat(ttlCmsg(99), tosCmsg(0x08)), MSG_MORE)).isEqualTo(2);
            assertThat(sendmsg(h.sa, fd, "ef".getBytes(), ttlCmsg(0), 0)).as("not checked").isEqualTo(2);
            h.sim.run();

            assertThat(recv(h.sb, rx)).extracting(Got::src, Got::ttl, Got::tos, Got::data)
                    .containsExactly(A2, 7, 0x10, "abcdef");
            assertThat(tx).containsExactly(new Tx("eth0", A2, 7, 0x10, 6, 42));
            // a bad message on the first corked send: nothing is pending
            assertThat(sendmsg(h.sa, fd, "gh".getBytes(), ttlCmsg(0), MSG_MORE)).isEqualTo(Errno.EINVAL.neg());
            assertThat(sendmsg(h.sa, fd, "ij".getBytes(), null, 0)).isEqualTo(2);
            h.sim.run();
            assertThat(recv(h.sb, rx)).extracting(Got::src, Got::ttl, Got::data).containsExactly(A, 64, "ij");
        }
    }
}
