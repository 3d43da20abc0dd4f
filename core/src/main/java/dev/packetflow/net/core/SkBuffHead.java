package dev.packetflow.net.core;

/**
 * A FIFO of skbs linked through their own {@code next}/{@code prev} fields, so queueing allocates
 * nothing. The list operations are not thread-safe: the owner (a qdisc band, a socket queue)
 * provides the locking, either its own or the queue's spinlock ({@link #lock()}, Linux's
 * {@code sk_buff_head.lock}), which a socket's receive queue uses.
 *
 * <p>Linux: {@code struct sk_buff_head}, {@code __skb_queue_tail()}, {@code __skb_dequeue()}.
 */
public final class SkBuffHead {
    private static final java.lang.invoke.VarHandle LOCK;

    static {
        try {
            LOCK = java.lang.invoke.MethodHandles.lookup().findVarHandle(SkBuffHead.class, "lock", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Spins before a waiter for {@link #lock()} gives its core away. */
    private static final int SPINS_BEFORE_YIELD = 64;

    private SkBuff head;
    private SkBuff tail;
    private int qlen;
    @SuppressWarnings("unused") // through LOCK
    private volatile int lock;

    /**
     * Linux: {@code spin_lock_bh(&list->lock)}. A spinlock, not a monitor: a socket queue's
     * critical sections are a few stores long and taken twice per packet (queue, dequeue); a
     * monitor's enter and exit are two atomic instructions, this is one and a plain store. A waiter
     * spins a while, then yields its core, so a holder the OS preempted gets it back (Linux
     * disables preemption while it holds one; a JVM cannot).
     */
    public void lock() {
        if (!LOCK.compareAndSet(this, 0, 1)) {
            lockSlow();
        }
    }

    private void lockSlow() {
        int spins = 0;
        for (;;) {
            if ((int) LOCK.getOpaque(this) == 0 && LOCK.compareAndSet(this, 0, 1)) {
                return;
            }
            if (++spins < SPINS_BEFORE_YIELD) {
                Thread.onSpinWait();
            } else {
                spins = 0;
                Thread.yield();
            }
        }
    }

    /** Linux: {@code spin_unlock_bh()}. Only the holder may call it. */
    public void unlock() {
        LOCK.setRelease(this, 0);
    }

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
