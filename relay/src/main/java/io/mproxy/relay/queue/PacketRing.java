package io.mproxy.relay.queue;

import io.mproxy.common.ring.FirstPassPopulator;
import io.mproxy.common.ring.LazyMemory;
import io.mproxy.common.ring.Wakeup;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One producer, many consumers: every packet is stored once, in one direct buffer, and each worker reads it through
 * its own {@link Cursor}. Room is freed when the slowest cursor has released it, so N destinations cost one copy of
 * each packet, not N, and nothing is allocated per packet.
 *
 * <p>A record is {@code [8-byte receive time (nanoTime)][4-byte big-endian length][payload]}, 4-byte aligned, so the
 * length and payload are exactly the {@code length} framing's wire format and a worker writes them straight from the
 * ring. A record never wraps: a length of -1 (or fewer than 12 bytes left) means "continue at the start".
 *
 * <p>The producer claims room at the tail, for one datagram ({@link #claim()}) or for a region to receive straight
 * into ({@link #claimRegion}); makes records at the tail, of bytes already there ({@link #commit}) or copied there
 * ({@link #append}); and publishes them ({@link #publish()}), once per batch received.
 *
 * <p>The buffer is {@link LazyMemory}: mapped, so an idle relay does not hold its {@code queue_limit} (64 MiB) in RAM
 * ({@code allocateDirect} zeroed, and so made resident, all of it at start). Its pages are faulted in as traffic first
 * fills the ring ({@link FirstPassPopulator}), by the consumers, up to {@link #POPULATE_AHEAD} ahead of the producer
 * and {@link #POPULATE_STEP} per call, so that the listener thread seldom takes a first-write page fault. 4 KiB pages (no huge page advice): a fresh
 * huge page took milliseconds to back on the bench VM.
 */
public final class PacketRing {
    /** Bytes before the payload. */
    public static final int HEADER = 12;
    /** Offset of the length within a record. */
    public static final int LENGTH_OFFSET = 8;
    private static final int PADDING = -1;
    /** How far ahead of the producer the consumers fault in the ring's pages during its first pass. */
    private static final long POPULATE_AHEAD = 16 << 20;
    /** Bytes faulted in per call (~1 ms): a consumer does not stop sending for long. */
    private static final long POPULATE_STEP = 4 << 20;

    private final MemorySegment memory;
    private final ByteBuffer buffer;
    private final int capacity;
    private final int maxRecord;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong publishedCount = new AtomicLong();
    private final ByteBuffer producerView;
    private volatile Cursor[] cursors = new Cursor[0];
    private final FirstPassPopulator populator;
    private long producerTail;
    private long producerCount;
    private long freeUpTo;
    /** Where the room claimed last ends: records are made up to there. */
    private long claimedEnd;

    /**
     * A ring whose memory is faulted in as traffic first fills it.
     *
     * @param capacity  bytes; at least twice {@code maxRecord} plus headers.
     * @param maxRecord the largest payload.
     */
    public PacketRing(int capacity, int maxRecord) {
        this(capacity, maxRecord, false);
    }

    /**
     * @param capacity  bytes; at least twice {@code maxRecord} plus headers.
     * @param maxRecord the largest payload.
     * @param prefault  fault the whole memory in now ({@code queue_prefault}), as {@code allocateDirect} did.
     */
    public PacketRing(int capacity, int maxRecord, boolean prefault) {
        int aligned = capacity & ~3;
        if (aligned < 2 * (maxRecord + HEADER)) {
            throw new IllegalArgumentException(
                "ring of " + capacity + " bytes is too small for packets of " + maxRecord);
        }
        this.capacity = aligned;
        this.maxRecord = maxRecord;
        this.memory = LazyMemory.allocate(aligned);
        this.buffer = memory.asByteBuffer();
        this.populator = new FirstPassPopulator(memory, POPULATE_AHEAD, POPULATE_STEP);
        if (prefault) {
            populator.all();
        }
        this.producerView = buffer.duplicate();
        this.freeUpTo = aligned;
    }

    /** @return the capacity in bytes. */
    public int capacity() {
        return capacity;
    }

    /** @return the largest payload. */
    public int maxRecord() {
        return maxRecord;
    }

    /** @return a read-only-by-convention view of the whole buffer, for consumers' slices. */
    public ByteBuffer duplicateBuffer() {
        return buffer.duplicate();
    }

    /**
     * Adds a consumer that sees every packet published from now on.
     *
     * @return the cursor.
     */
    public synchronized Cursor attach() {
        Cursor cursor = new Cursor(this, published.get(), publishedCount.get());
        Cursor[] next = Arrays.copyOf(cursors, cursors.length + 1);
        next[next.length - 1] = cursor;
        cursors = next;
        return cursor;
    }

    /** @param cursor a consumer that has finished; its unreleased records no longer hold room. */
    public synchronized void detach(Cursor cursor) {
        cursors = Arrays.stream(cursors).filter(c -> c != cursor).toArray(Cursor[]::new);
    }

    /**
     * Producer: reserves room at the tail for one payload of up to {@code maxRecord} bytes.
     *
     * @return a view to fill from its position, or null when the slowest consumer holds all the room.
     */
    public ByteBuffer claim() {
        int index = claimAtTail(HEADER + maxRecord);
        if (index < 0) {
            return null;
        }
        producerView.limit(capacity).position(index + HEADER).limit(index + HEADER + maxRecord);
        return producerView;
    }

    /**
     * Producer: reserves {@code bytes} side by side at the tail, to receive straight into; records are then made of
     * what landed there, in order from the tail ({@link #commit}, {@link #append}).
     *
     * @param bytes the region's size, at least a record of {@link #maxRecord()} and at most the capacity.
     * @return the buffer index where the region (and the next record's header) starts, or -1 when the slowest
     *         consumer holds the room.
     */
    public int claimRegion(int bytes) {
        if (bytes < HEADER + maxRecord || bytes > capacity) {
            throw new IllegalArgumentException("region of " + bytes + " bytes in a ring of " + capacity);
        }
        return claimAtTail(bytes);
    }

    /** @return where {@code need} bytes start (after a padding record to the buffer's end if need be), or -1. */
    private int claimAtTail(int need) {
        int index = (int) (producerTail % capacity);
        int contiguous = capacity - index;
        long tail = contiguous < need ? producerTail + contiguous : producerTail;
        if (tail + need > freeUpTo && tail + need > (freeUpTo = minReleased() + capacity)) {
            return -1;
        }
        if (contiguous < need) {
            if (contiguous >= HEADER) {
                buffer.putInt(index + LENGTH_OFFSET, PADDING);
            }
            producerTail = tail;
            index = 0;
        }
        claimedEnd = tail + need;
        return index;
    }

    /** @return the ring's memory, for a producer that receives into a region of it ({@link #claimRegion}). */
    public MemorySegment memory() {
        return memory;
    }

    private long minReleased() {
        long min = producerTail;
        for (Cursor cursor : cursors) {
            min = Math.min(min, cursor.released.getAcquire());
        }
        return min;
    }

    /**
     * Producer: makes the {@code length} bytes at the tail, after the room for a header, the next record (filled
     * through {@link #claim()}'s view or received into a region); consumers see it after {@link #publish()}.
     *
     * @param length   bytes filled.
     * @param received when it arrived ({@link System#nanoTime()}).
     */
    public void commit(int length, long received) {
        int index = (int) (producerTail % capacity);
        if (length < 0 || length > maxRecord || producerTail + HEADER + length > claimedEnd) {
            throw new IllegalStateException("commit of " + length + " bytes without a claim of that size");
        }
        buffer.putLong(index, received);
        buffer.putInt(index + LENGTH_OFFSET, length);
        producerTail += align(HEADER + length);
        producerCount++;
    }

    /**
     * Producer: copies {@code length} bytes to the tail and makes them the next record (within the room claimed
     * last).
     *
     * @param from     the bytes.
     * @param offset   where they start in {@code from}.
     * @param length   how many.
     * @param received when they arrived ({@link System#nanoTime()}).
     */
    public void append(MemorySegment from, long offset, int length, long received) {
        if (length < 0 || producerTail + HEADER + length > claimedEnd) {
            throw new IllegalStateException("append of " + length + " bytes without a claim of that size");
        }
        MemorySegment.copy(from, offset, memory, producerTail % capacity + HEADER, length);
        commit(length, received);
    }

    /** Producer: makes every record made since the last publication visible and wakes the consumers that wait. */
    public void publish() {
        publishedCount.setRelease(producerCount);
        published.setRelease(producerTail);
        for (Cursor cursor : cursors) {
            cursor.wakeup.signal();
        }
    }

    /** @return the position after the last published record (a removed worker drains up to it). */
    public long publishedPosition() {
        return published.getAcquire();
    }

    /**
     * Consumers, when a record waits: until the whole ring has been faulted in once, faults in the next pages while
     * fewer than {@link #POPULATE_AHEAD} are present past what was published; afterwards one volatile read.
     */
    private void populateAhead() {
        populator.ahead(published.getAcquire());
    }

    private static int align(int n) {
        return (n + 3) & ~3;
    }

    /**
     * One consumer's place in the ring: {@code read} moves as records are taken, {@code released} when they are done
     * (sent or spilled); {@link #rewind()} goes back to the first record not done, after a failed send.
     */
    public static final class Cursor {
        private final PacketRing ring;
        private final AtomicLong released;
        private final Wakeup wakeup = new Wakeup();
        private long read;
        private long readCount;
        private long releasedCount;
        private long end = Long.MAX_VALUE;

        private Cursor(PacketRing ring, long start, long count) {
            this.ring = ring;
            this.released = new AtomicLong(start);
            this.read = start;
            this.readCount = count;
            this.releasedCount = count;
        }

        /** @return signalled when a record is published. */
        public Wakeup wakeup() {
            return wakeup;
        }

        /** @param position the consumer stops there (a removed destination takes only what came before). */
        public void endAt(long position) {
            end = position;
        }

        /** @return true when every record up to the end (if set) was read. */
        public boolean atEnd() {
            return read >= Math.min(end, ring.published.getAcquire());
        }

        /**
         * @return the buffer index of the next record to read (its header), or -1 when there is none.
         */
        public int peek() {
            long limit = Math.min(end, ring.published.getAcquire());
            if (read >= limit) {
                return -1;
            }
            ring.populateAhead();
            int index = (int) (read % ring.capacity);
            int left = ring.capacity - index;
            if (left < HEADER || ring.buffer.getInt(index + LENGTH_OFFSET) == PADDING) {
                read += left;
                if (read >= limit) {
                    return -1;
                }
                index = 0;
            }
            return index;
        }

        /** @param index from {@link #peek()}. @return the record's payload length. */
        public int length(int index) {
            return ring.buffer.getInt(index + LENGTH_OFFSET);
        }

        /** @param index from {@link #peek()}. @return when the record arrived (nanoTime). */
        public long received(int index) {
            return ring.buffer.getLong(index);
        }

        /** Moves past the record {@link #peek()} returned. @return the position after it. */
        public long advance() {
            int index = (int) (read % ring.capacity);
            read += align(HEADER + ring.buffer.getInt(index + LENGTH_OFFSET));
            readCount++;
            return read;
        }

        /** @return records read so far (a running count since the ring began). */
        public long readCount() {
            return readCount;
        }

        /** @return the read position. */
        public long position() {
            return read;
        }

        /**
         * Frees the room up to a position reached by {@link #advance()}.
         *
         * @param position a position returned by {@link #advance()}.
         * @param count    the {@link #readCount()} at that position.
         */
        public void releaseTo(long position, long count) {
            releasedCount = count;
            released.setRelease(position);
        }

        /** Frees everything read. */
        public void release() {
            releaseTo(read, readCount);
        }

        /** Goes back to the first record not released (its send failed; it is read again). */
        public void rewind() {
            read = released.get();
            readCount = releasedCount;
        }

        /** @return bytes published and not yet released by this consumer. */
        public long lagBytes() {
            return ring.published.getAcquire() - released.get();
        }

        /** @return records published and not yet released by this consumer. */
        public long lagCount() {
            return ring.publishedCount.getAcquire() - releasedCount;
        }

        /** @return true when records wait to be read. */
        public boolean hasRecords() {
            return read < Math.min(end, ring.published.getAcquire());
        }
    }
}
