package io.mproxy.reverseproxy.broadcast;

import io.mproxy.common.ring.FirstPassPopulator;
import io.mproxy.common.ring.LazyMemory;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One producer, any number of readers, one copy of each datagram: the group reader receives straight into this
 * ring and never waits for anyone; each output keeps its own {@link RingCursor} and writes straight from the ring
 * to its socket. The producer overwrites the oldest records freely, so a reader that falls a whole ring behind
 * loses records instead of slowing the producer or the other readers (the caller decides what that means: drop or
 * disconnect).
 *
 * <p>Records are 8-byte aligned: a 4-byte length, 4 unused bytes, an 8-byte sequence number, then the bytes. A
 * record never wraps: a padding record fills the end. Before writing anything the producer raises {@code intent}
 * to the highest position it may write; a reader checks {@link #intact(long)} after reading (a seqlock), so it can
 * tell when what it read may have been overwritten meanwhile. Records become visible to readers in batches
 * ({@link #publish()}), so a reader is woken once per batch the producer received, not once per datagram.
 *
 * <p>The memory is mapped lazily ({@link LazyMemory}): an idle process does not hold the whole ring resident. On
 * the first pass the producer maps the pages 2 MiB ahead of itself in one call ({@link FirstPassPopulator}), rather
 * than stalling on a page fault every 4 KiB.
 */
public final class BroadcastRing {
    /** Bytes before each record's data. */
    public static final int HEADER = 16;
    private static final int PADDING = -1;

    /** How far ahead of the producer the pages of the first pass are mapped, in one call per step. */
    private static final int POPULATE_STEP = 2 << 20;

    private final ByteBuffer buffer;
    private final FirstPassPopulator populator;
    private final int capacity;
    private final int maxRecord;
    private final AtomicLong intent = new AtomicLong();
    private final AtomicLong tail = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    /** Copied on change (rare), read on every commit without allocating. */
    private volatile Runnable[] waiters = new Runnable[0];
    private final ByteBuffer producerView;
    private long producerTail;
    private long sequence;
    private int claimedIndex = -1;
    private int claimedLength;

    /**
     * @param capacity  bytes of the ring, at least four records of {@code maxRecord}.
     * @param maxRecord the largest record's data.
     */
    public BroadcastRing(int capacity, int maxRecord) {
        int aligned = capacity & ~7;
        if (aligned < 4 * align(HEADER + maxRecord)) {
            throw new IllegalArgumentException(
                "ring of " + capacity + " bytes is too small for records of " + maxRecord);
        }
        this.capacity = aligned;
        this.maxRecord = maxRecord;
        MemorySegment memory = LazyMemory.allocate(aligned);
        this.buffer = memory.asByteBuffer();
        this.populator = new FirstPassPopulator(memory, POPULATE_STEP, POPULATE_STEP);
        this.producerView = buffer.duplicate();
    }

    /** @return the capacity in bytes. */
    public int capacity() {
        return capacity;
    }

    /** @return the largest record's data in bytes. */
    public int maxRecord() {
        return maxRecord;
    }

    /**
     * Producer: reserves room for one record of {@code length} bytes; always succeeds (it may overwrite the oldest
     * records).
     *
     * @param length the record's size, at most {@link #maxRecord()}.
     * @return a view to fill from its position (absolute puts within its limit are allowed too).
     */
    public ByteBuffer claim(int length) {
        if (length < 0 || length > maxRecord) {
            throw new IllegalArgumentException(
                "record of " + length + " bytes in a ring of records up to " + maxRecord);
        }
        populator.ahead(producerTail + HEADER + maxRecord);
        int index = index(producerTail);
        int need = HEADER + length;
        boolean wrap = capacity - index < need;
        intent.set(producerTail + (wrap ? capacity - index : 0) + need);
        // The writes below must not become visible before the intent that warns readers of them.
        VarHandle.storeStoreFence();
        if (wrap) {
            buffer.putInt(index, PADDING);
            producerTail += capacity - index;
            index = 0;
        }
        claimedIndex = index;
        claimedLength = length;
        producerView.limit(capacity).position(index + HEADER).limit(index + HEADER + length);
        return producerView;
    }

    /**
     * Producer: ends the record claimed last; readers see it after the next {@link #publish()}.
     *
     * @param length how many bytes of the claimed view were filled.
     */
    public void commit(int length) {
        if (claimedIndex < 0 || length < 0 || length > claimedLength) {
            throw new IllegalStateException("commit of " + length + " bytes without a claim of that size");
        }
        buffer.putInt(claimedIndex, length);
        buffer.putLong(claimedIndex + 8, sequence++);
        producerTail += align(HEADER + length);
        claimedIndex = -1;
    }

    /** Producer: makes every committed record visible to the readers and wakes those that wait. */
    public void publish() {
        published.set(sequence);
        // A volatile store, not a release: readers announce a wait, then read the tail (Dekker), so a store-load
        // order is needed here for no wake-up to be lost.
        tail.set(producerTail);
        for (Runnable waiter : waiters) {
            waiter.run();
        }
    }

    /** @return the position after the last published record. */
    public long tail() {
        return tail.get();
    }

    /** @return how many records were published so far (the next record's sequence number). */
    public long published() {
        return published.get();
    }

    /**
     * @param position a reader's position.
     * @return true when nothing at or after {@code position} has been overwritten, so what was read there is good.
     */
    public boolean intact(long position) {
        VarHandle.loadLoadFence();
        return intent.get() - capacity <= position;
    }

    /**
     * @param waiter run by the producer after each publication; must be cheap when its reader is busy (check a
     *               flag first).
     */
    public synchronized void addWaiter(Runnable waiter) {
        Runnable[] grown = Arrays.copyOf(waiters, waiters.length + 1);
        grown[waiters.length] = waiter;
        waiters = grown;
    }

    /** @param waiter a waiter added before. */
    public synchronized void removeWaiter(Runnable waiter) {
        waiters = Arrays.stream(waiters).filter(w -> w != waiter).toArray(Runnable[]::new);
    }

    ByteBuffer buffer() {
        return buffer;
    }

    int index(long position) {
        return (int) (position % capacity);
    }

    /** @return the length of the record at {@code position}, or -1 for the padding that ends the buffer. */
    int lengthAt(long position) {
        return buffer.getInt(index(position));
    }

    long sequenceAt(long position) {
        return buffer.getLong(index(position) + 8);
    }

    /** @return the position after the padding record at {@code position}. */
    long skipPadding(long position) {
        return position + capacity - index(position);
    }

    static boolean isPadding(int length) {
        return length == PADDING;
    }

    static int align(int n) {
        return (n + 7) & ~7;
    }
}
