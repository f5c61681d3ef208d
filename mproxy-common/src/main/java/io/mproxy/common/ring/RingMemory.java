package io.mproxy.common.ring;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The memory of a {@link DatagramRing}: {@link LazyMemory}, mapped on Linux through the foreign function API, so that
 * it costs nothing until used, with transparent huge pages asked for; elsewhere a direct buffer.
 *
 * <p>Why: {@code ByteBuffer.allocateDirect} zeroes the whole ring at start, so an idle server held its 64 MiB ring
 * in RAM. Mapped lazily, a page is faulted in when first written, which on the receiving thread costs time the socket
 * buffer must cover; so the consumer faults pages in ahead of the producer ({@link #populate}, {@code
 * MADV_POPULATE_WRITE}, which never changes what a page holds), and the first {@link #INITIAL_POPULATE} bytes are
 * faulted in at once. With 2 MiB pages the whole ring is 32 faults.
 */
final class RingMemory {
    /** Bytes faulted in when the ring is made, for the first burst before the consumer has run. */
    static final int INITIAL_POPULATE = 4 << 20;
    /** The transparent huge page size on x86-64 and aarch64 (4 KiB pages); also a multiple of any page size. */
    private static final long HUGE_PAGE = 2 << 20;

    private final ByteBuffer buffer;
    private final MemorySegment segment;
    private long populated;

    private RingMemory(ByteBuffer buffer, MemorySegment segment) {
        this.buffer = buffer;
        this.segment = segment;
    }

    /**
     * @param capacity bytes.
     * @return mapped memory (freed when unreachable), or a direct buffer where mapping is unavailable or fails.
     */
    static RingMemory allocate(int capacity) {
        if (!LazyMemory.isAvailable()) {
            RingMemory memory = new RingMemory(ByteBuffer.allocateDirect(capacity), null);
            memory.populated = capacity;
            return memory;
        }
        MemorySegment segment = LazyMemory.allocate(capacity);
        LazyMemory.adviseHugePages(segment);
        RingMemory memory = new RingMemory(segment.asByteBuffer(), segment);
        memory.populate(Math.min(capacity, INITIAL_POPULATE));
        return memory;
    }

    /** @return the ring's bytes. */
    ByteBuffer buffer() {
        return buffer;
    }

    /**
     * Faults in the memory up to {@code end} (from the consumer, ahead of the producer); does nothing past what was
     * faulted in already, and nothing at all once the whole ring has been.
     *
     * @param end the offset up to which pages should be present.
     */
    void populate(long end) {
        // madvise wants a page-aligned start: advance in whole huge pages
        long to = Math.min((end + HUGE_PAGE - 1) & -HUGE_PAGE, buffer.capacity());
        if (to <= populated) {
            return;
        }
        LazyMemory.populate(segment, populated, to - populated);
        populated = to;
    }

    /** @return true once every page has been faulted in. */
    boolean isPopulated() {
        return populated >= buffer.capacity();
    }
}
