package dev.packetflow.iproute2;

import java.util.List;

/**
 * The words of a command with a cursor, and iproute2's way of reading them: a keyword may be
 * abbreviated to any prefix ({@code a} for {@code address}, {@code sh} for {@code show}), and where
 * several keywords share a prefix the one iproute2 tests first wins.
 */
final class Args {
    private final List<String> words;
    private int pos;

    Args(List<String> words, int pos) {
        this.words = words;
        this.pos = pos;
    }

    boolean hasNext() {
        return pos < words.size();
    }

    String peek() {
        return hasNext() ? words.get(pos) : null;
    }

    String next() {
        if (!hasNext()) {
            throw new IllegalStateException("no more words");
        }
        return words.get(pos++);
    }

    /** The word after {@code key}, which must be there. */
    String value(String key) {
        if (!hasNext()) {
            throw IpCommand.error("missing value after", key);
        }
        return next();
    }

    /** iproute2's {@code matches()}: {@code word} is a non-empty prefix of {@code keyword}. */
    static boolean matches(String word, String keyword) {
        return !word.isEmpty() && keyword.startsWith(word);
    }

    /** The first of {@code keywords} (in iproute2's order) that {@code word} abbreviates, or null. */
    static String keyword(String word, String... keywords) {
        for (String k : keywords) {
            if (matches(word, k)) {
                return k;
            }
        }
        return null;
    }
}
