package dev.packetflow.drivers.net.wire;

import dev.packetflow.net.core.SkBuff;
import java.util.Arrays;

/**
 * Frames in flight on one direction of a wire, ordered by (delivery time, sequence number): a binary
 * min-heap over parallel arrays, so that thousands of frames in flight cost O(log n) each and no
 * allocation once the arrays have grown to the largest backlog seen. The sequence number breaks
 * ties in sending order, which keeps delivery deterministic. Not thread-safe: the lane locks.
 */
final class FrameHeap {
    private SkBuff[] frames;
    private long[] timeNs;
    private long[] seq;
    private int size;

    FrameHeap(int initialCapacity) {
        frames = new SkBuff[initialCapacity];
        timeNs = new long[initialCapacity];
        seq = new long[initialCapacity];
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Delivery time of the earliest frame; only when not empty. */
    long peekTimeNs() {
        return timeNs[0];
    }

    void push(SkBuff skb, long tNs, long s) {
        if (size == frames.length) {
            int n = frames.length * 2;
            frames = Arrays.copyOf(frames, n);
            timeNs = Arrays.copyOf(timeNs, n);
            seq = Arrays.copyOf(seq, n);
        }
        int i = size++;
        // sift up
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!less(tNs, s, timeNs[parent], seq[parent])) {
                break;
            }
            move(parent, i);
            i = parent;
        }
        frames[i] = skb;
        timeNs[i] = tNs;
        seq[i] = s;
    }

    /** Removes and returns the earliest frame, or null when empty. */
    SkBuff pop() {
        if (size == 0) {
            return null;
        }
        SkBuff top = frames[0];
        int last = --size;
        SkBuff x = frames[last];
        long xt = timeNs[last];
        long xs = seq[last];
        frames[last] = null;
        if (last > 0) {
            int i = 0;
            int half = last >>> 1;
            while (i < half) {
                int child = 2 * i + 1;
                int right = child + 1;
                if (right < last && less(timeNs[right], seq[right], timeNs[child], seq[child])) {
                    child = right;
                }
                if (!less(timeNs[child], seq[child], xt, xs)) {
                    break;
                }
                move(child, i);
                i = child;
            }
            frames[i] = x;
            timeNs[i] = xt;
            seq[i] = xs;
        }
        return top;
    }

    private void move(int from, int to) {
        frames[to] = frames[from];
        timeNs[to] = timeNs[from];
        seq[to] = seq[from];
    }

    private static boolean less(long t1, long s1, long t2, long s2) {
        return t1 < t2 || (t1 == t2 && s1 < s2);
    }
}
