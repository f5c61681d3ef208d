package io.mproxy.common.test;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.mproxy.common.net.LinuxDowncalls;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** How many pages of some memory are resident, counted with {@code mincore}: what a ring really holds in RAM. */
public final class ResidentPages {
    /** Pages of 4 KiB in a MiB. */
    public static final int PER_MIB = 256;
    private static final MethodHandle MINCORE = LinuxDowncalls.find("mincore",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));

    private ResidentPages() {
    }

    /** @return whether {@link #of} can count (Linux, the foreign function API enabled). */
    public static boolean isAvailable() {
        return MINCORE != null;
    }

    /**
     * @param memory page-aligned native memory.
     * @return how many of its pages are resident.
     */
    public static long of(MemorySegment memory) {
        long pages = (memory.byteSize() + 4095) / 4096;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment vector = arena.allocate(pages);
            int result;
            try {
                result = (int) MINCORE.invokeExact(memory, memory.byteSize(), vector);
            } catch (Throwable e) {
                throw new AssertionError("mincore", e);
            }
            if (result != 0) {
                throw new AssertionError("mincore failed: " + result);
            }
            long resident = 0;
            for (long i = 0; i < pages; i++) {
                resident += vector.get(JAVA_BYTE, i) & 1;
            }
            return resident;
        }
    }
}
