package dev.packetflow.drill;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * TCP option lists: encoding a script's list in the order written, decoding the options of a
 * captured segment, and printing either in script notation ({@code <mss 1460,nop,wscale 8>}).
 */
public final class TcpOptions {
    /** Largest option space of a TCP header (data offset 15 words, minus the 20-byte header). */
    public static final int MAX_LEN = 40;

    private TcpOptions() {}

    /** Wire bytes of {@code opts}, in order, without padding. */
    public static byte[] encode(List<TcpOption> opts) {
        int n = 0;
        for (TcpOption o : opts) {
            n += o.length();
        }
        byte[] b = new byte[n];
        int p = 0;
        for (TcpOption o : opts) {
            o.encode(b, p);
            p += o.length();
        }
        return b;
    }

    /** Encoded length of {@code opts}. */
    public static int length(List<TcpOption> opts) {
        int n = 0;
        for (TcpOption o : opts) {
            n += o.length();
        }
        return n;
    }

    /**
     * Decodes {@code len} bytes of options at {@code b[off]}. An option whose length byte is missing,
     * below 2 or past the end ends the list: the rest is returned as one {@link TcpOption.Unknown}
     * of kind -1 (printed, and never equal to anything a script writes). Known kinds with an
     * unexpected length decode as {@link TcpOption.Unknown} too.
     */
    public static List<TcpOption> decode(byte[] b, int off, int len) {
        List<TcpOption> out = new ArrayList<>();
        int p = off;
        int end = off + len;
        while (p < end) {
            int kind = b[p] & 0xff;
            if (kind == TcpOption.KIND_EOL) {
                out.add(new TcpOption.Eol());
                p++;
                continue;
            }
            if (kind == TcpOption.KIND_NOP) {
                out.add(new TcpOption.Nop());
                p++;
                continue;
            }
            if (p + 1 >= end || (b[p + 1] & 0xff) < 2 || p + (b[p + 1] & 0xff) > end) {
                out.add(new TcpOption.Unknown(-1, Arrays.copyOfRange(b, p, end)));
                break;
            }
            int olen = b[p + 1] & 0xff;
            out.add(decodeOne(b, p, kind, olen));
            p += olen;
        }
        return out;
    }

    private static TcpOption decodeOne(byte[] b, int p, int kind, int olen) {
        switch (kind) {
            case TcpOption.KIND_MSS -> {
                if (olen == 4) {
                    return new TcpOption.Mss(Bytes.u16(b, p + 2));
                }
            }
            case TcpOption.KIND_WSCALE -> {
                if (olen == 3) {
                    return new TcpOption.WScale(b[p + 2] & 0xff);
                }
            }
            case TcpOption.KIND_SACK_PERM -> {
                if (olen == 2) {
                    return new TcpOption.SackPermitted();
                }
            }
            case TcpOption.KIND_SACK -> {
                if (olen >= 10 && (olen - 2) % 8 == 0) {
                    List<TcpOption.SackBlock> blocks = new ArrayList<>();
                    for (int q = p + 2; q < p + olen; q += 8) {
                        blocks.add(new TcpOption.SackBlock(Bytes.u32(b, q), Bytes.u32(b, q + 4)));
                    }
                    return new TcpOption.Sack(blocks);
                }
            }
            case TcpOption.KIND_TIMESTAMP -> {
                if (olen == 10) {
                    return new TcpOption.Timestamp(Bytes.u32(b, p + 2), Bytes.u32(b, p + 6));
                }
            }
            case TcpOption.KIND_MD5 -> {
                if (olen == 18) {
                    return new TcpOption.Md5(Arrays.copyOfRange(b, p + 2, p + 18));
                }
            }
            case TcpOption.KIND_FASTOPEN -> {
                return new TcpOption.FastOpen(Arrays.copyOfRange(b, p + 2, p + olen), false);
            }
            case TcpOption.KIND_EXP -> {
                if (olen >= 4 && Bytes.u16(b, p + 2) == TcpOption.TCPOPT_FASTOPEN_MAGIC) {
                    return new TcpOption.FastOpen(Arrays.copyOfRange(b, p + 4, p + olen), true);
                }
            }
            case TcpOption.KIND_ACCECN0, TcpOption.KIND_ACCECN1 -> {
                if ((olen - 2) % 3 == 0 && olen <= 11) {
                    List<Long> c = new ArrayList<>();
                    for (int q = p + 2; q < p + olen; q += 3) {
                        c.add((long) ((b[q] & 0xff) << 16 | (b[q + 1] & 0xff) << 8 | (b[q + 2] & 0xff)));
                    }
                    return new TcpOption.AccEcn(kind == TcpOption.KIND_ACCECN1, c);
                }
            }
            default -> {
            }
        }
        return new TcpOption.Unknown(kind, Arrays.copyOfRange(b, p + 2, p + olen));
    }

    /** Script notation: {@code <mss 1460,nop,wscale 8>}; an empty list prints as the empty string. */
    public static String format(List<TcpOption> opts) {
        if (opts.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("<");
        for (int i = 0; i < opts.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(opts.get(i));
        }
        return sb.append('>').toString();
    }
}
