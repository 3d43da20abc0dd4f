package dev.packetflow.net.socket;

import java.util.Objects;

/**
 * One entry of the vector {@link SocketLayer#sendmmsg} and {@link SocketLayer#recvmmsg} take:
 * Linux's {@code struct mmsghdr}, a message header ({@code msg_hdr}) and the bytes the call moved
 * for it ({@code msg_len}). Reusable like {@link MsgHdr}: set each header's buffers (and, for a
 * receive, its control room) again before every call, since a call consumes them.
 *
 * <pre>{@code
 * MMsgHdr[] vec = MMsgHdr.array(32);                 // once
 * for (MMsgHdr e : vec) e.msg.setBuffer(bufs[i]);    // before each call
 * int n = sys.recvmmsg(fd, vec, vec.length, MSG_WAITFORONE, -1);
 * }</pre>
 */
public final class MMsgHdr {
    /** {@code msg_hdr}: the message, exactly as {@link SocketLayer#sendmsg}/{@link SocketLayer#recvmsg} use it. */
    public final MsgHdr msg;
    /** {@code msg_len}: bytes sent or received for this message; written only for messages the call processed. */
    public int msgLen;

    /** An entry with a fresh header. */
    public MMsgHdr() {
        this(new MsgHdr());
    }

    /** An entry around an existing header. */
    public MMsgHdr(MsgHdr msg) {
        this.msg = Objects.requireNonNull(msg, "msg");
    }

    /** {@code n} entries, each with a fresh header. */
    public static MMsgHdr[] array(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("negative length " + n);
        }
        MMsgHdr[] v = new MMsgHdr[n];
        for (int i = 0; i < n; i++) {
            v[i] = new MMsgHdr();
        }
        return v;
    }
}
