package dev.packetflow.net.core;

import static dev.packetflow.net.socket.Uapi.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.packetflow.drivers.net.channel.ChannelDevice;
import dev.packetflow.kernel.Simulation;
import dev.packetflow.net.NetStack;
import dev.packetflow.net.ethernet.Eth;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Linux's {@code netstamp_needed_key}: {@code netif_receive_skb} stamps packets with their arrival
 * time only while some socket asked for receive timestamps, and stops when the last one closes.
 */
class NetstampTest {
    final Simulation sim = new Simulation(3);
    final NetStack net = NetStack.create(sim, "n");
    final ChannelDevice dev = net.addDevice(new ChannelDevice("eth0", Eth.localMac(0x0a0001)));
    final List<Long> stamps = new ArrayList<>();

    @AfterEach
    void close() {
        net.close();
    }

    long receiveOne() {
        stamps.clear();
        byte[] f = new byte[60];
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) 0xff;
        }
        f[12] = (byte) 0x88;
        f[13] = (byte) 0xb5; // a local experimental ethertype: nobody handles it, taps see it
        dev.inject(f);
        sim.run();
        assertThat(stamps).hasSize(1);
        return stamps.get(0);
    }

    @Test
    void stampsOnlyWhileASocketWantsTimestamps() {
        net.devices().open(dev);
        Dev.addTap(dev, (d, skb, outgoing) -> {
            if (!outgoing) {
                stamps.add(skb.tstampNs);
            }
        });
        assertThat(net.netstampNeeded()).isFalse();
        assertThat(receiveOne()).as("no socket wants a stamp: the clock is not read").isZero();

        int fd = net.sockets().socket(AF_INET, SOCK_DGRAM, 0);
        assertThat(net.sockets().setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1)).isZero();
        assertThat(net.sockets().setsockopt(fd, SOL_SOCKET, SO_TIMESTAMP, 1)).isZero(); // counted once
        assertThat(net.netstampNeeded()).isTrue();
        assertThat(receiveOne()).isEqualTo(net.clock().nanoTime());

        assertThat(net.sockets().close(fd)).isZero();
        assertThat(net.netstampNeeded()).as("the last one closed").isFalse();
        assertThat(receiveOne()).isZero();
    }

    @Test
    void clearingTheOptionGivesTheShareBack() {
        int fd = net.sockets().socket(AF_INET, SOCK_DGRAM, 0);
        assertThat(net.sockets().setsockopt(fd, SOL_SOCKET, SO_TIMESTAMP, 1)).isZero();
        assertThat(net.netstampNeeded()).isTrue();
        assertThat(net.sockets().setsockopt(fd, SOL_SOCKET, SO_TIMESTAMP, 0)).isZero();
        assertThat(net.netstampNeeded()).isFalse();
        assertThat(net.sockets().close(fd)).isZero();
        assertThat(net.netstampNeeded()).isFalse();
    }
}
