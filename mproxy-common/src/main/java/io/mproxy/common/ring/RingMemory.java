package io.mproxy.common.ring;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The memory of a {@link DatagramRing}: on Linux {@link LazyMemory}, which costs nothing until written, kept faulted
 * in ahead of the producer by a {@link RingPager} and given back after the ring has drained and stayed idle;
 * elsewhere a direct buffer.
 *
 * <p>Why: {@code ByteBuffer.allocateDirect} zeroes the whole ring at start, so an idle server held its ring in RAM.
 * Mapped lazily, a page is faulted in when first written, which on the receiving thread costs time that only the
 * socket buffer covers. So another thread faults pages in ahead of the producer ({@code MADV_POPULATE_WRITE}, which
 * never changes what a page holds), {@link #AHEAD} bytes ahead, from the first datagram on: nothing is present at
 * start. No transparent huge pages, whatever the system's setting: on the bench VM 256 MiB of fresh huge pages
 * faulted in at 250-400 MB/s (the host backs each one, up to 22 ms), slower than the traffic; 4 KiB pages at
 * 3.0-3.7 GB/s.
 *
 * <p>Giving pages back ({@code MADV_DONTNEED}) must never zero a page the producer has written: the producer
 * announces how far it may write ({@link #reserve}) and the pager marks where it frees ({@code fence}); each reads
 * the other's mark after writing its own, so at least one of them sees the conflict: the pager then stops freeing,
 * and the producer waits for the chunk in progress (one {@code madvise}) to end.
 */
final class RingMemory {
    /** How far ahead of the producer pages are kept present: ~40 ms of traffic at 800 MB/s. */
    static final long AHEAD = 32 << 20;
    /** Bytes per {@code madvise}, the unit of what is present: short calls, so a producer waits ~0.1 ms for one. */
    static final long CHUNK = 2 << 20;
    /**
     * Bytes kept present from the producer's position when the ring is trimmed: where the next burst writes first,
     * before the pager has woken. A new ring holds none: an idle server, which may never receive anything, holds
     * nothing of its ring, and its first datagrams are faulted in as they are written, until the pager, woken by
     * the first, runs ahead.
     */
    static final long KEEP = 2 << 20;
    /** How far past its current claim the producer reserves at once: one handshake per this many bytes. */
    private static final long RESERVE_STEP = 1 << 20;

    private final ByteBuffer buffer;
    private final MemorySegment segment;
    private final PageWindow window;
    private final RingPager pager;
    /** Producer side: how far it may write; read by the pager before each freeing step. */
    private volatile long reserved;
    private long reservedByProducer;
    /** Pager side: the first position it is freeing, or {@link Long#MAX_VALUE}. */
    private volatile long fence = Long.MAX_VALUE;
    /** The producer position at which to wake the pager. */
    private volatile long wakeAt = Long.MAX_VALUE;

    private RingMemory(ByteBuffer buffer, MemorySegment segment, PageWindow window, RingPager pager) {
        this.buffer = buffer;
        this.segment = segment;
        this.window = window;
        this.pager = pager;
        if (pager != null) {
            wakeAt = Long.MIN_VALUE;
        }
    }

    /**
     * @param capacity bytes.
     * @return the whole ring faulted in now (a direct buffer where mapping is unavailable).
     */
    static RingMemory prefaulted(int capacity) {
        if (!LazyMemory.isAvailable()) {
            return new RingMemory(ByteBuffer.allocateDirect(capacity), null, null, null);
        }
        MemorySegment segment = LazyMemory.allocate(capacity);
        LazyMemory.populate(segment, 0, capacity);
        return new RingMemory(segment.asByteBuffer(), segment, null, null);
    }

    /**
     * @param capacity bytes.
     * @param pager    keeps pages present ahead of the producer.
     * @return mapped memory with nothing present yet (freed when unreachable), or a direct buffer where mapping is
     *         unavailable.
     */
    static RingMemory paged(int capacity, RingPager pager) {
        if (!LazyMemory.isAvailable()) {
            return prefaulted(capacity);
        }
        MemorySegment segment = LazyMemory.allocate(capacity);
        LazyMemory.adviseNoHugePages(segment);
        return new RingMemory(segment.asByteBuffer(), segment, new PageWindow(capacity, CHUNK, 0, AHEAD, KEEP),
            pager);
    }

    /** @return the ring's bytes. */
    ByteBuffer buffer() {
        return buffer;
    }

    /**
     * Producer: before writing below {@code limit}; returns at once unless the pager is freeing pages there.
     *
     * @param limit the position up to which the producer is about to write.
     */
    void reserve(long limit) {
        if (limit <= reservedByProducer) {
            return;
        }
        long next = limit + RESERVE_STEP;
        reserved = next;
        while (fence < next) {
            Thread.onSpinWait();
        }
        reservedByProducer = next;
    }

    /**
     * Producer: after publishing up to {@code tail}; wakes the pager when it should fault more in.
     *
     * @param tail the producer's position.
     */
    void produced(long tail) {
        if (tail >= wakeAt) {
            pager.wake();
        }
    }

    /**
     * Pager: faults pages in ahead of the producer.
     *
     * @param tail the producer's position.
     */
    void extend(long tail) {
        if (window == null || window.isFull()) {
            return;
        }
        wakeAt = window.extend(tail, (offset, length) -> LazyMemory.populate(segment, offset, length));
    }

    /**
     * Pager: gives back every chunk but those holding the backlog (records not yet released) and the {@link #KEEP}
     * bytes from the producer's position on.
     *
     * @param head the consumer's position: every record before it has been released.
     * @param tail the producer's position.
     * @return true when chunks were given back.
     */
    boolean trim(long head, long tail) {
        if (window == null || !window.isWorthTrimming()) {
            return false;
        }
        window.trim(head, tail, this::mayFree, (offset, length) -> LazyMemory.free(segment, offset, length));
        fence = Long.MAX_VALUE;
        wakeAt = Long.MIN_VALUE;
        return true;
    }

    private boolean mayFree(long position) {
        fence = position;
        return reserved <= position;
    }

    /** @return which chunks are present, for tests. */
    PageWindow window() {
        return window;
    }
}
