package io.mproxy.common.ring;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.mproxy.common.net.LinuxDowncalls;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;

/**
 * The memory of a {@link DatagramRing}: anonymous memory mapped on Linux (through the foreign function API), so that
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
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_PRIVATE = 2;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MADV_HUGEPAGE = 14;
    private static final int MADV_POPULATE_WRITE = 23;
    private static final MethodHandle MMAP = LinuxDowncalls.find("mmap",
        FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = LinuxDowncalls.find("munmap",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle MADVISE = LinuxDowncalls.find("madvise",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

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
        MemorySegment mapped = MMAP == null || MUNMAP == null || MADVISE == null ? MemorySegment.NULL
            : map(capacity);
        if (mapped.equals(MemorySegment.NULL)) {
            RingMemory memory = new RingMemory(ByteBuffer.allocateDirect(capacity), null);
            memory.populated = capacity;
            return memory;
        }
        MemorySegment segment = mapped.reinterpret(capacity, Arena.ofAuto(), RingMemory::unmap);
        madvise(segment, 0, capacity, MADV_HUGEPAGE);
        RingMemory memory = new RingMemory(segment.asByteBuffer(), segment);
        memory.populate(Math.min(capacity, INITIAL_POPULATE));
        return memory;
    }

    private static MemorySegment map(long capacity) {
        try {
            MemorySegment address = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, capacity,
                PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
            return address.address() == -1L ? MemorySegment.NULL : address;
        } catch (Throwable e) {
            return MemorySegment.NULL;
        }
    }

    private static void unmap(MemorySegment segment) {
        try {
            int ignored = (int) MUNMAP.invokeExact(segment, segment.byteSize());
        } catch (Throwable e) {
            // the process is leaking one ring's address space at worst
        }
    }

    private static void madvise(MemorySegment segment, long offset, long length, int advice) {
        try {
            // advice only: where refused (no THP, a kernel before 5.14), pages fault in on first write instead
            int ignored = (int) MADVISE.invokeExact(segment.asSlice(offset, length), length, advice);
        } catch (Throwable e) {
            // as above
        }
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
        madvise(segment, populated, to - populated, MADV_POPULATE_WRITE);
        populated = to;
    }

    /** @return true once every page has been faulted in. */
    boolean isPopulated() {
        return populated >= buffer.capacity();
    }
}
