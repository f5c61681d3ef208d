package io.mproxy.common.ring;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A single-producer, single-consumer ring of datagrams in one direct buffer. The producer receives straight into
 * the ring ({@link #claim()} then {@link #commit(int)}), so a socket is drained at memory speed while the consumer
 * writes to a slow file or peer at its own pace; when the ring is full the producer is told at once and drops (and
 * counts) instead of stalling the socket. Records are a 4-byte length then the bytes, 4-byte aligned; a record never
 * wraps (a padding record fills the end).
 */
public final class DatagramRing {
    private static final int HEADER = 4;
    private static final int PADDING = -1;

    private final RingMemory memory;
    private final ByteBuffer buffer;
    private final int capacity;
    private final int maxRecord;
    private final Wakeup wakeup;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong released = new AtomicLong();
    private final ByteBuffer producerView;
    private long producerTail;
    private int claimedIndex = -1;
    private long consumerHead;

    /**
     * A ring whose whole memory is faulted in now, as {@code ByteBuffer.allocateDirect} would.
     *
     * @param capacity  bytes of the ring; at least twice {@code maxRecord} plus headers.
     * @param maxRecord the largest record.
     * @param wakeup    signalled when a record is published (shared when one consumer drains several rings).
     */
    public DatagramRing(int capacity, int maxRecord, Wakeup wakeup) {
        this(capacity, maxRecord, wakeup, null);
    }

    /**
     * A ring whose memory costs nothing until used ({@link RingMemory}): {@code pager} faults its pages in ahead of
     * the producer, so that the producer never waits for a first-use page fault, and gives them back once the ring
     * has drained and stayed idle.
     *
     * @param capacity  bytes of the ring; at least twice {@code maxRecord} plus headers.
     * @param maxRecord the largest record.
     * @param wakeup    signalled when a record is published.
     * @param pager     the thread that pages the ring's memory.
     * @return the ring, registered with {@code pager}.
     */
    public static DatagramRing paged(int capacity, int maxRecord, Wakeup wakeup, RingPager pager) {
        DatagramRing ring = new DatagramRing(capacity, maxRecord, wakeup, pager);
        pager.add(ring);
        return ring;
    }

    private DatagramRing(int capacity, int maxRecord, Wakeup wakeup, RingPager pager) {
        int aligned = capacity & ~3;
        if (aligned < 2 * (maxRecord + HEADER)) {
            throw new IllegalArgumentException("ring of " + capacity + " bytes is too small for records of " + maxRecord);
        }
        this.capacity = aligned;
        this.maxRecord = maxRecord;
        this.wakeup = wakeup;
        this.memory = pager == null ? RingMemory.prefaulted(aligned) : RingMemory.paged(aligned, pager);
        this.buffer = memory.buffer();
        this.producerView = buffer.duplicate();
    }

    /** @return the capacity in bytes. */
    public int capacity() {
        return capacity;
    }

    /** @return the wake-up this ring signals. */
    public Wakeup wakeup() {
        return wakeup;
    }

    /**
     * Producer: reserves room for one record of up to {@code maxRecord} bytes.
     *
     * @return a view to fill between its position and limit, or null when the ring is full.
     */
    public ByteBuffer claim() {
        int index = (int) (producerTail % capacity);
        int contiguous = capacity - index;
        int need = HEADER + maxRecord;
        long head = released.getAcquire();
        if (contiguous < need) {
            if (producerTail + contiguous + need - head > capacity) {
                return null;
            }
            buffer.putInt(index, PADDING);
            producerTail += contiguous;
            index = 0;
        } else if (producerTail + need - head > capacity) {
            return null;
        }
        memory.reserve(producerTail + need);
        claimedIndex = index;
        producerView.limit(capacity).position(index + HEADER).limit(index + HEADER + maxRecord);
        return producerView;
    }

    /**
     * Producer: publishes the record claimed last.
     *
     * @param length how many bytes of the claimed view were filled.
     */
    public void commit(int length) {
        if (claimedIndex < 0 || length < 0 || length > maxRecord) {
            throw new IllegalStateException("commit of " + length + " bytes without a claim of that size");
        }
        buffer.putInt(claimedIndex, length);
        producerTail += align(HEADER + length);
        claimedIndex = -1;
        published.setRelease(producerTail);
        wakeup.signal();
        memory.produced(producerTail);
    }

    /**
     * Producer: copies {@code datagram} (position to limit) in as one record.
     *
     * @param datagram the bytes; its position is left unchanged.
     * @return false when the ring is full or the datagram too large.
     */
    public boolean offer(ByteBuffer datagram) {
        int length = datagram.remaining();
        if (length > maxRecord) {
            return false;
        }
        ByteBuffer view = claim();
        if (view == null) {
            return false;
        }
        view.put(datagram.duplicate());
        commit(length);
        return true;
    }

    /** @return true when the consumer has records to read. */
    public boolean hasRecords() {
        return published.getAcquire() != consumerHead;
    }

    /** @return true when everything published has been released by the consumer. */
    public boolean isDrained() {
        return released.getAcquire() == published.getAcquire();
    }

    /**
     * Consumer: hands up to {@code maxRecords} records to {@code handler}, in order, without releasing them.
     *
     * @param handler    sees each record in place.
     * @param maxRecords the most records to read.
     * @return how many records were read.
     */
    public int read(RecordHandler handler, int maxRecords) {
        long tail = published.getAcquire();
        int count = 0;
        while (consumerHead != tail && count < maxRecords) {
            int index = (int) (consumerHead % capacity);
            int length = buffer.getInt(index);
            if (length == PADDING) {
                consumerHead += capacity - index;
                continue;
            }
            handler.onRecord(buffer, index + HEADER, length);
            consumerHead += align(HEADER + length);
            count++;
        }
        return count;
    }

    /** Consumer: frees the room of every record read so far. */
    public void release() {
        released.setRelease(consumerHead);
    }

    /** @return the consumer's position: bytes released so far, padding included. */
    long released() {
        return released.getAcquire();
    }

    /** @return the producer's position: bytes published so far, padding included. */
    long published() {
        return published.getAcquire();
    }

    /** @return the ring's memory, for its pager. */
    RingMemory memory() {
        return memory;
    }

    private static int align(int n) {
        return (n + 3) & ~3;
    }
}
