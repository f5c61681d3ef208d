package io.mproxy.reverseproxy.broadcast;

import io.mproxy.common.net.DatagramBatch;
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
 * <p>Records are 8-byte aligned: a 4-byte length, a 4-byte segment size, an 8-byte sequence number, then the bytes.
 * A record is one datagram (segment size 0), or a run of datagrams of the segment size (the last maybe shorter) as
 * the kernel hands them over coalesced ({@code UDP_GRO}), kept whole for outputs that write the bytes as they are.
 * Sequence numbers count datagrams, not records: a record's is that of its first datagram, so a reader counts exactly
 * the datagrams it missed. A record never wraps: a padding record fills the end. Before writing anything the
 * producer raises {@code intent} to the highest position it may write; a reader checks {@link #intact(long)} after
 * reading (a seqlock), so it can tell when what it read may have been overwritten meanwhile. Records become visible
 * to readers in batches ({@link #publish()}), so a reader is woken once per batch the producer received, not once
 * per datagram.
 *
 * <p>The producer may also receive straight into the ring ({@link #claimSlots}): a batch of slots of the largest
 * record, side by side from the tail, each committed in turn ({@link #commitSlot}). Where the record before was
 * shorter than its slot, a short record is moved down onto it and a long one (a run nearly filling its slot) stays,
 * behind a gap record that says where it starts. So runs are never copied in user space, and small datagrams, which
 * would waste most of a slot each, are.
 *
 * <p>The memory is mapped lazily ({@link LazyMemory}): an idle process holds none of the ring resident until the
 * first datagram arrives. From then on, during the first pass, the producer maps the pages 2 MiB ahead of itself in
 * one call ({@link FirstPassPopulator}), rather than stalling on a page fault every 4 KiB.
 */
public final class BroadcastRing {
    /** Bytes before each record's data. */
    public static final int HEADER = 16;
    /** A padding record: the rest of the buffer is unused. */
    private static final int PADDING = -1;
    /** A gap record: the next record starts the number of bytes after it that its next 4 bytes say. */
    private static final int GAP = -2;

    /** How far ahead of the producer the pages of the first pass are mapped, in one call per step. */
    private static final int POPULATE_STEP = 2 << 20;

    private final MemorySegment memory;
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
    /** Slots claimed by the last {@link #claimSlots}, where the first starts, and how many were committed. */
    private int slots;
    private int slotsIndex;
    private int slotsCommitted;

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
        this.memory = LazyMemory.allocate(aligned);
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
        int need = HEADER + length;
        int index = reserve(need, need);
        claimedIndex = index;
        claimedLength = length;
        producerView.limit(capacity).position(index + HEADER).limit(index + HEADER + length);
        return producerView;
    }

    /**
     * Producer: ends the record claimed last, one datagram; readers see it after the next {@link #publish()}.
     *
     * @param length how many bytes of the claimed view were filled.
     */
    public void commit(int length) {
        if (claimedIndex < 0 || length < 0 || length > claimedLength) {
            throw new IllegalStateException("commit of " + length + " bytes without a claim of that size");
        }
        write(claimedIndex, length, 0);
        claimedIndex = -1;
    }

    /**
     * Producer: reserves up to {@code max} slots of {@link #slotStride()} bytes side by side from the tail, to receive
     * into ({@link #slotAddress()}), and returns how many fit before the end of the buffer (at least one: it wraps
     * first when none does). Commit them in order with {@link #commitSlot}; the ones not committed are given up.
     *
     * @param max the most slots wanted, at least one.
     * @return how many slots were claimed.
     */
    public int claimSlots(int max) {
        int stride = slotStride();
        int most = Math.max(1, Math.min(max, capacity / 4 / stride));
        if (producerTail > 0) {
            // Not before the first datagram: an idle reverse proxy waits in a receive call with slots claimed, and
            // faulting them in would hold 8 MiB of an unused ring resident. The first batch's pages are faulted in
            // by the kernel as it copies, once.
            populator.ahead(producerTail + (long) most * stride);
        }
        int fit = (capacity - index(producerTail)) / stride;
        int n = Math.min(most, fit == 0 ? capacity / stride : fit);
        slotsIndex = reserve(stride, n * stride);
        claimedIndex = -1;
        slots = n;
        slotsCommitted = 0;
        return n;
    }

    /**
     * Raises the intent over the next {@code extent} bytes, after a padding record to the end of the buffer when
     * fewer than {@code need} bytes are left before it.
     *
     * @return the index where the reserved bytes start.
     */
    private int reserve(int need, int extent) {
        int index = index(producerTail);
        boolean wrap = capacity - index < need;
        intent.set(producerTail + (wrap ? capacity - index : 0) + extent);
        // The writes below must not become visible before the intent that warns readers of them.
        VarHandle.storeStoreFence();
        if (wrap) {
            buffer.putInt(index, PADDING);
            producerTail += capacity - index;
            index = 0;
        }
        return index;
    }

    /** @return bytes from one slot of {@link #claimSlots} to the next: a record of {@link #maxRecord()}. */
    public int slotStride() {
        return align(HEADER + maxRecord);
    }

    /** @return the address of the first slot's data; slot {@code i}'s is {@code i * slotStride()} further. */
    public long slotAddress() {
        return memory.address() + slotsIndex + HEADER;
    }

    /**
     * Producer: ends the next slot as a record (they are committed in order); readers see it after the next
     * {@link #publish()}.
     *
     * @param length  how many bytes were received into the slot, at most {@link #maxRecord()}.
     * @param segment 0 for one datagram, else the size of the datagrams of the run the slot holds.
     */
    public void commitSlot(int length, int segment) {
        if (slotsCommitted >= slots || length < 0 || length > maxRecord) {
            throw new IllegalStateException("commit of " + length + " bytes into slot " + slotsCommitted + " of "
                + slots);
        }
        int index = index(producerTail);
        int slot = slotsIndex + slotsCommitted++ * slotStride();
        int gap = slot - index;
        if (gap > 0 && gap <= length / 8) {
            // a run nearly as long as its slot: skipping the few bytes the one before left free costs less ring than
            // moving it costs CPU
            buffer.putInt(index, GAP);
            buffer.putInt(index + 4, gap);
            producerTail += gap;
            index = slot;
        } else if (gap > 0) {
            MemorySegment.copy(memory, slot + HEADER, memory, index + HEADER, length);
        }
        write(index, length, segment);
    }

    private void write(int index, int length, int segment) {
        buffer.putInt(index, length);
        buffer.putInt(index + 4, segment);
        buffer.putLong(index + 8, sequence);
        sequence += DatagramBatch.datagramsIn(length, segment);
        producerTail += align(HEADER + length);
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

    /** @return how many datagrams were published so far (the next record's sequence number). */
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

    /** @return the length of the record at {@code position}; negative for padding or a gap ({@link #isPadding}). */
    int lengthAt(long position) {
        return buffer.getInt(index(position));
    }

    int segmentAt(long position) {
        return buffer.getInt(index(position) + 4);
    }

    long sequenceAt(long position) {
        return buffer.getLong(index(position) + 8);
    }

    /** @return the position after the padding or gap record at {@code position}. */
    long skipPadding(long position) {
        int index = index(position);
        return position + (buffer.getInt(index) == PADDING ? capacity - index : buffer.getInt(index + 4));
    }

    /** @return true for the length of a record that only says where the next one starts. */
    static boolean isPadding(int length) {
        return length == PADDING || length == GAP;
    }

    static int align(int n) {
        return (n + 7) & ~7;
    }
}
