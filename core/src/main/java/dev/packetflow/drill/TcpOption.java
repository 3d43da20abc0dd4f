package dev.packetflow.drill;

import java.util.HexFormat;
import java.util.List;

/**
 * One TCP option as a script writes it inside {@code <...>} (GRAMMAR.md 6.1), with its wire
 * encoding. {@link #toString()} prints the script notation, so a parsed option list prints back as
 * written.
 */
public sealed interface TcpOption {
    int KIND_EOL = 0;
    int KIND_NOP = 1;
    int KIND_MSS = 2;
    int KIND_WSCALE = 3;
    int KIND_SACK_PERM = 4;
    int KIND_SACK = 5;
    int KIND_TIMESTAMP = 8;
    int KIND_MD5 = 19;
    int KIND_FASTOPEN = 34;
    /** AccECN option, order 0 (e0b, ceb, e1b) and order 1 (e1b, ceb, e0b). */
    int KIND_ACCECN0 = 172;
    int KIND_ACCECN1 = 174;
    /** RFC 6994 experimental option; Fast Open's experimental form uses magic 0xF989. */
    int KIND_EXP = 254;
    int TCPOPT_FASTOPEN_MAGIC = 0xF989;

    /** Option kind on the wire. */
    int kind();

    /** Bytes on the wire. */
    int length();

    /** Writes the option at {@code b[off]}. */
    void encode(byte[] b, int off);

    record Nop() implements TcpOption {
        public int kind() {
            return KIND_NOP;
        }

        public int length() {
            return 1;
        }

        public void encode(byte[] b, int off) {
            b[off] = KIND_NOP;
        }

        @Override
        public String toString() {
            return "nop";
        }
    }

    record Eol() implements TcpOption {
        public int kind() {
            return KIND_EOL;
        }

        public int length() {
            return 1;
        }

        public void encode(byte[] b, int off) {
            b[off] = KIND_EOL;
        }

        @Override
        public String toString() {
            return "eol";
        }
    }

    record Mss(int mss) implements TcpOption {
        public int kind() {
            return KIND_MSS;
        }

        public int length() {
            return 4;
        }

        public void encode(byte[] b, int off) {
            b[off] = KIND_MSS;
            b[off + 1] = 4;
            b[off + 2] = (byte) (mss >>> 8);
            b[off + 3] = (byte) mss;
        }

        @Override
        public String toString() {
            return "mss " + mss;
        }
    }

    record WScale(int shift) implements TcpOption {
        public int kind() {
            return KIND_WSCALE;
        }

        public int length() {
            return 3;
        }

        public void encode(byte[] b, int off) {
            b[off] = KIND_WSCALE;
            b[off + 1] = 3;
            b[off + 2] = (byte) shift;
        }

        @Override
        public String toString() {
            return "wscale " + shift;
        }
    }

    record SackPermitted() implements TcpOption {
        public int kind() {
            return KIND_SACK_PERM;
        }

        public int length() {
            return 2;
        }

        public void encode(byte[] b, int off) {
            b[off] = KIND_SACK_PERM;
            b[off + 1] = 2;
        }

        @Override
        public String toString() {
            return "sackOK";
        }
    }

    /** A SACK block {@code left:right}, each an unsigned 32-bit sequence number. */
    record SackBlock(long left, long right) {
        @Override
        public String toString() {
            return left + ":" + right;
        }
    }

    record Sack(List<SackBlock> blocks) implements TcpOption {
        public Sack {
            blocks = List.copyOf(blocks);
        }

        public int kind() {
            return KIND_SACK;
        }

        public int length() {
            return 2 + 8 * blocks.size();
        }

        public void encode(byte[] b, int off) {
            b[off] = KIND_SACK;
            b[off + 1] = (byte) length();
            int p = off + 2;
            for (SackBlock s : blocks) {
                Bytes.put32(b, p, s.left());
                Bytes.put32(b, p + 4, s.right());
                p += 8;
            }
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("sack");
            for (SackBlock s : blocks) {
                sb.append(' ').append(s);
            }
            return sb.toString();
        }
    }

    record Timestamp(long val, long ecr) implements TcpOption {
        public int kind() {
            return KIND_TIMESTAMP;
        }

        public int length() {
            return 10;
        }

        public void encode(byte[] b, int off) {
            b[off] = KIND_TIMESTAMP;
            b[off + 1] = 10;
            Bytes.put32(b, off + 2, val);
            Bytes.put32(b, off + 6, ecr);
        }

        @Override
        public String toString() {
            return "TS val " + val + " ecr " + ecr;
        }
    }

    /** TCP Fast Open (RFC 7413), kind 34, or the experimental kind 254 with magic 0xF989. */
    record FastOpen(byte[] cookie, boolean experimental) implements TcpOption {
        public int kind() {
            return experimental ? KIND_EXP : KIND_FASTOPEN;
        }

        public int length() {
            return (experimental ? 4 : 2) + cookie.length;
        }

        public void encode(byte[] b, int off) {
            b[off] = (byte) kind();
            b[off + 1] = (byte) length();
            int p = off + 2;
            if (experimental) {
                b[p] = (byte) (TCPOPT_FASTOPEN_MAGIC >>> 8);
                b[p + 1] = (byte) TCPOPT_FASTOPEN_MAGIC;
                p += 2;
            }
            System.arraycopy(cookie, 0, b, p, cookie.length);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof FastOpen f && f.experimental == experimental && java.util.Arrays.equals(f.cookie, cookie);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(cookie) * 31 + (experimental ? 1 : 0);
        }

        @Override
        public String toString() {
            return (experimental ? "FOEXP" : "FO") + (cookie.length == 0 ? "" : " " + HexFormat.of().formatHex(cookie));
        }
    }

    /** TCP MD5 signature (RFC 2385), kind 19: 16 bytes of digest. */
    record Md5(byte[] digest) implements TcpOption {
        public int kind() {
            return KIND_MD5;
        }

        public int length() {
            return 18;
        }

        public void encode(byte[] b, int off) {
            b[off] = KIND_MD5;
            b[off + 1] = 18;
            System.arraycopy(digest, 0, b, off + 2, Math.min(16, digest.length));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Md5 m && java.util.Arrays.equals(m.digest, digest);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(digest);
        }

        @Override
        public String toString() {
            return "md5 " + HexFormat.of().formatHex(digest);
        }
    }

    /**
     * AccECN option: byte counters of 24 bits. {@code order1} false: kind 172 with e0b, ceb, e1b;
     * true: kind 174 with e1b, ceb, e0b. {@code counters} holds the ones written, in wire order.
     */
    record AccEcn(boolean order1, List<Long> counters) implements TcpOption {
        public AccEcn {
            counters = List.copyOf(counters);
        }

        public int kind() {
            return order1 ? KIND_ACCECN1 : KIND_ACCECN0;
        }

        public int length() {
            return 2 + 3 * counters.size();
        }

        public void encode(byte[] b, int off) {
            b[off] = (byte) kind();
            b[off + 1] = (byte) length();
            int p = off + 2;
            for (long c : counters) {
                b[p] = (byte) (c >>> 16);
                b[p + 1] = (byte) (c >>> 8);
                b[p + 2] = (byte) c;
                p += 3;
            }
        }

        @Override
        public String toString() {
            String[] names = order1 ? new String[] {"e1b", "ceb", "e0b"} : new String[] {"e0b", "ceb", "e1b"};
            StringBuilder sb = new StringBuilder("ECN");
            for (int i = 0; i < counters.size(); i++) {
                sb.append(' ').append(names[i]).append(' ').append(counters.get(i));
            }
            return sb.toString();
        }
    }

    /** An option a script cannot write but a packet can carry: printed as {@code kind:hex}. */
    record Unknown(int kind, byte[] data) implements TcpOption {
        public int length() {
            return 2 + data.length;
        }

        public void encode(byte[] b, int off) {
            b[off] = (byte) kind;
            b[off + 1] = (byte) length();
            System.arraycopy(data, 0, b, off + 2, data.length);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Unknown u && u.kind == kind && java.util.Arrays.equals(u.data, data);
        }

        @Override
        public int hashCode() {
            return kind * 31 + java.util.Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "opt" + kind + (data.length == 0 ? "" : " " + HexFormat.of().formatHex(data));
        }
    }
}
