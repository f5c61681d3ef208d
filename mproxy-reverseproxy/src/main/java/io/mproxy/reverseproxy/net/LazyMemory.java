package io.mproxy.reverseproxy.net;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;

/**
 * Large buffers that cost no memory until they are written: an anonymous private {@code mmap} (Linux, through the
 * foreign function API) instead of {@link ByteBuffer#allocateDirect}, which zeroes, and so makes resident, every
 * byte at start. A 64 MiB ring then adds nothing to the resident size of an idle process, and only what traffic
 * has reached once later. A ring written front to back may ask for transparent huge pages, so that its first pass
 * takes one page fault per 2 MiB rather than one per 4 KiB. It is unmapped when no longer reachable.
 * Elsewhere, or when the call fails, this falls back to {@link ByteBuffer#allocateDirect}.
 */
public final class LazyMemory {
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE_ANONYMOUS_NORESERVE = 0x02 | 0x20 | 0x4000;
    private static final int MADV_HUGEPAGE = 14;
    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle MADVISE;

    static {
        MethodHandle mmap = null;
        MethodHandle munmap = null;
        MethodHandle madvise = null;
        if (System.getProperty("os.name", "").startsWith("Linux")) {
            try {
                Linker linker = Linker.nativeLinker();
                mmap = linker.downcallHandle(linker.defaultLookup().findOrThrow("mmap"),
                    FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
                munmap = linker.downcallHandle(linker.defaultLookup().findOrThrow("munmap"),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
                madvise = linker.downcallHandle(linker.defaultLookup().findOrThrow("madvise"),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
            } catch (RuntimeException | LinkageError e) {
                mmap = null;
            }
        }
        MMAP = mmap;
        MUNMAP = munmap;
        MADVISE = madvise;
    }

    private LazyMemory() {
    }

    /**
     * @param bytes     the size.
     * @param hugePages true for memory that is written front to back (a ring); false where only the start of each
     *                  large slot is written (a huge page would make whole slots resident).
     * @return zeroed memory of that size whose pages are mapped on first write.
     */
    public static MemorySegment allocate(long bytes, boolean hugePages) {
        MemorySegment mapped = map(bytes, hugePages);
        return mapped != null ? mapped : Arena.ofAuto().allocate(bytes, 4096);
    }

    /**
     * @param bytes     the size, at most {@link Integer#MAX_VALUE}.
     * @param hugePages as for {@link #allocate(long, boolean)}.
     * @return a direct buffer over {@link #allocate(long, boolean)}.
     */
    public static ByteBuffer allocateBuffer(int bytes, boolean hugePages) {
        return allocate(bytes, hugePages).asByteBuffer();
    }

    private static MemorySegment map(long bytes, boolean hugePages) {
        if (MMAP == null || bytes <= 0) {
            return null;
        }
        try {
            MemorySegment address = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, bytes, PROT_READ_WRITE,
                MAP_PRIVATE_ANONYMOUS_NORESERVE, -1, 0L);
            if (address.address() == -1L) {
                return null;
            }
            if (hugePages) {
                // Advice only: without transparent huge pages the mapping still works, with 4 KiB pages.
                int ignored = (int) MADVISE.invokeExact(address, bytes, MADV_HUGEPAGE);
            }
            return address.reinterpret(bytes, Arena.ofAuto(), LazyMemory::unmap);
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
