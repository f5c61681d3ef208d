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
 * Large buffers that cost no memory until they are written: an anonymous private {@code mmap} (Linux, through the
 * foreign function API) instead of {@link ByteBuffer#allocateDirect}, which zeroes, and so makes resident, every
 * byte at start. A 64 MiB ring then adds nothing to the resident size of an idle process, and only what traffic
 * has reached once later. It is unmapped when no longer reachable, or when a given arena closes. No transparent
 * huge pages are asked for: with the usual {@code defrag=madvise} setting a huge-page fault may stall on
 * compaction, and a stalled reader loses datagrams; 4 KiB faults cost ~25 ms spread over the first pass of a 64 MiB
 * ring. Elsewhere, or when the call fails, this falls back to memory from the arena.
 */
public final class LazyMemory {
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE_ANONYMOUS_NORESERVE = 0x02 | 0x20 | 0x4000;
    private static final int MADV_DONTNEED = 4;
    private static final int MADV_NOHUGEPAGE = 15;
    private static final int MADV_POPULATE_WRITE = 23;
    private static final MethodHandle MMAP = LinuxDowncalls.find("mmap",
        FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = LinuxDowncalls.find("munmap",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle MADVISE = LinuxDowncalls.find("madvise",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    private LazyMemory() {
    }

    /** @return true where memory is mapped lazily (Linux, the foreign function API enabled); else it is allocated. */
    public static boolean isAvailable() {
        return MMAP != null && MUNMAP != null;
    }

    /**
     * Asks for no transparent huge pages over the whole of {@code memory}, whatever the system's setting: for memory
     * faulted in and given back in ranges of its own ({@code populate}, {@code free}), where a huge page would make
     * 2 MiB resident for one written byte, and where a fresh huge page can cost milliseconds to fault in. Advice
     * only; nothing where refused or unavailable.
     *
     * @param memory from {@link #allocate(long)}.
     */
    public static void adviseNoHugePages(MemorySegment memory) {
        advise(memory, 0, memory.byteSize(), MADV_NOHUGEPAGE);
    }

    /**
     * @param bytes the size.
     * @return zeroed memory of that size whose pages are mapped on first write.
     */
    public static MemorySegment allocate(long bytes) {
        return allocate(bytes, Arena.ofAuto());
    }

    /**
     * @param bytes the size.
     * @param arena unmaps (or frees) the memory when it closes.
     * @return zeroed memory of that size whose pages are mapped on first write.
     */
    public static MemorySegment allocate(long bytes, Arena arena) {
        MemorySegment mapped = map(bytes, arena);
        return mapped != null ? mapped : arena.allocate(bytes, 4096);
    }

    /**
     * Maps the pages of a range now, in one call ({@code MADV_POPULATE_WRITE}, Linux 5.14+), instead of one page
     * fault each when they are first written: a writer that runs ahead of itself this way does not stall on
     * thousands of faults. Does nothing where unavailable.
     *
     * @param memory from {@link #allocate(long)}, page-aligned.
     * @param offset where the range starts, a multiple of 4096.
     * @param length its length.
     */
    public static void populate(MemorySegment memory, long offset, long length) {
        advise(memory, offset, length, MADV_POPULATE_WRITE);
    }

    /**
     * Gives the pages of a range back to the system ({@code MADV_DONTNEED}): they read as zero and cost nothing
     * until written again. Does nothing where unavailable.
     *
     * @param memory from {@link #allocate(long)}, page-aligned.
     * @param offset where the range starts, a multiple of 4096.
     * @param length its length.
     */
    public static void free(MemorySegment memory, long offset, long length) {
        advise(memory, offset, length, MADV_DONTNEED);
    }

    private static void advise(MemorySegment memory, long offset, long length, int advice) {
        if (MADVISE == null || !memory.isNative() || length <= 0) {
            return;
        }
        try {
            int ignored = (int) MADVISE.invokeExact(memory.asSlice(offset, length), length, advice);
        } catch (Throwable e) {
            // advice only: where refused (no THP, a kernel before 5.14) pages are mapped on first write instead
        }
    }

    private static MemorySegment map(long bytes, Arena arena) {
        if (MMAP == null || MUNMAP == null || bytes <= 0) {
            return null;
        }
        try {
            MemorySegment address = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, bytes, PROT_READ_WRITE,
                MAP_PRIVATE_ANONYMOUS_NORESERVE, -1, 0L);
            if (address.address() == -1L) {
                return null;
            }
            return address.reinterpret(bytes, arena, LazyMemory::unmap);
        } catch (Throwable e) {
            return null;
        }
    }

    private static void unmap(MemorySegment segment) {
        try {
            int ignored = (int) MUNMAP.invokeExact(segment, segment.byteSize());
        } catch (Throwable e) {
            // nothing to do: the process keeps the mapping until it exits
        }
    }
}
