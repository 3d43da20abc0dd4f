package dev.packetflow.drill;

import dev.packetflow.net.ipv4.InetAddr;

/**
 * One connection as the remote peer sees it, with the mapping between script numbering and live
 * numbers (GRAMMAR.md 6.2 and 6.3):
 *
 * <ul>
 * <li>remote-side numbers (inbound seq, outbound ack, outbound SACK blocks) are used literally: the
 *     scripted inbound SYN's seq is the remote ISN on the wire;
 * <li>local-side numbers (outbound seq, inbound ack, inbound SACK blocks) are offsets from the
 *     SUT's ISN, learned from its SYN or SYN-ACK: {@code live = ISN + script (mod 2^32)};
 * <li>the SUT's TS val is rebased by the offset learned from the first TS option the script
 *     checks: {@code live = script + tsOffset}; inbound TS ecr on ACKs are mapped the same way.
 * </ul>
 * Before the SUT's ISN is known, local-side numbers pass through unchanged.
 */
final class Conn {
    static final long MASK = 0xffffffffL;

    final int localIp;
    final int remoteIp;
    /** The SUT's port; 0 until an active open's SYN shows it. */
    int localPort;
    final int remotePort;
    final boolean passive;
    boolean sutIsnKnown;
    long sutIsn;
    boolean tsKnown;
    long tsOffset;

    Conn(int localIp, int localPort, int remoteIp, int remotePort, boolean passive) {
        this.localIp = localIp;
        this.localPort = localPort;
        this.remoteIp = remoteIp;
        this.remotePort = remotePort;
        this.passive = passive;
    }

    /** Live value of a local-side script number (outbound seq space). */
    long liveLocal(long script) {
        return sutIsnKnown ? (sutIsn + script) & MASK : script & MASK;
    }

    /** Script value of a live local-side number. */
    long scriptLocal(long live) {
        return sutIsnKnown ? (live - sutIsn) & MASK : live & MASK;
    }

    void learnIsn(long liveSeq, long scriptSeq) {
        if (!sutIsnKnown) {
            sutIsn = (liveSeq - scriptSeq) & MASK;
            sutIsnKnown = true;
        }
    }

    /** The live TS val the SUT sent for a script TS val. */
    long liveTsVal(long script) {
        return tsKnown ? (script + tsOffset) & MASK : script & MASK;
    }

    /** A live SUT TS val rebased into script terms. */
    long scriptTsVal(long live) {
        return tsKnown ? (live - tsOffset) & MASK : live & MASK;
    }

    void learnTs(long liveVal, long scriptVal) {
        if (!tsKnown) {
            tsOffset = (liveVal - scriptVal) & MASK;
            tsKnown = true;
        }
    }

    @Override
    public String toString() {
        return InetAddr.toString(localIp) + ":" + localPort + " <-> " + InetAddr.toString(remoteIp) + ":" + remotePort;
    }
}
