package dev.packetflow.net.core;

/**
 * A FIFO of skbs linked through their own {@code next}/{@code prev} fields, so queueing allocates
 * nothing. Not thread-safe: the owner (a qdisc band, a socket queue) provides the locking.
 *
 * <p>Linux: {@code struct sk_buff_head}, {@code __skb_queue_tail()}, {@code __skb_dequeue()}.
 */
public final class SkBuffHead {
    private SkBuff head;
    private SkBuff tail;
    private int qlen;

    public int qlen() {
        return qlen;
    }

    public boolean isEmpty() {
        return qlen == 0;
    }

    public SkBuff peek() {
        return head;
    }

    public SkBuff peekTail() {
        return tail;
    }

    public void queueTail(SkBuff skb) {
        skb.next = null;
        skb.prev = tail;
        if (tail == null) {
            head = skb;
        } else {
            tail.next = skb;
        }
        tail = skb;
        qlen++;
    }

    public void queueHead(SkBuff skb) {
        skb.prev = null;
        skb.next = head;
        if (head == null) {
            tail = skb;
        } else {
            head.prev = skb;
        }
        head = skb;
        qlen++;
    }

    /** Inserts {@code skb} after {@code at}, which is on this list (null means at the head). */
    public void insertAfter(SkBuff at, SkBuff skb) {
        if (at == null) {
            queueHead(skb);
            return;
        }
        skb.prev = at;
        skb.next = at.next;
        if (at.next == null) {
            tail = skb;
        } else {
            at.next.prev = skb;
        }
        at.next = skb;
        qlen++;
    }

    public SkBuff dequeue() {
        SkBuff s = head;
        if (s != null) {
            unlink(s);
        }
        return s;
    }

    /** Removes {@code skb}, which must be on this list. */
    public void unlink(SkBuff skb) {
        if (skb.prev == null) {
            head = skb.next;
        } else {
            skb.prev.next = skb.next;
        }
        if (skb.next == null) {
            tail = skb.prev;
        } else {
            skb.next.prev = skb.prev;
        }
        skb.next = null;
        skb.prev = null;
        qlen--;
    }
}
