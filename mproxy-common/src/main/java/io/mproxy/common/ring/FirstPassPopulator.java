package io.mproxy.common.ring;

import java.lang.foreign.MemorySegment;

/**
 * Faults a {@link LazyMemory lazily mapped} ring in ahead of its producer while the producer makes its first pass,
 * one {@code MADV_POPULATE_WRITE} step at a time, so that the producer's thread seldom takes a page fault per 4 KiB;
 * once every page is present it costs one volatile read. Faulting in never changes what a page holds, so any thread
 * may do it: the reverse proxy's producer calls it before each record, the relay's consumers while they wait. Any
 * number of threads may call it; they take turns.
 *
 * <p>Unlike {@link RingPager} (the server's rings), nothing is given back: these rings stay resident once traffic has
 * passed through them.
 *
 * <pre>{@code
 * MemorySegment memory = LazyMemory.allocate(64 << 20);
 * FirstPassPopulator populator = new FirstPassPopulator(memory, 16 << 20, 4 << 20);
 * populator.ahead(producerPosition); // before writing at producerPosition
 * }</pre>
 */
public final class FirstPassPopulator {
    private final MemorySegment memory;
    private final long ahead;
    private final long step;
    /** The end of what is present, guarded by {@code this}. */
    private long populatedTo;
    private volatile boolean complete;

    /**
     * @param memory the ring's memory, nothing of it present yet.
     * @param ahead  how far past the producer's position pages should be present.
     * @param step   bytes faulted in per call at most: the longest a caller is held up.
     */
    public FirstPassPopulator(MemorySegment memory, long ahead, long step) {
        if (ahead <= 0 || step <= 0) {
            throw new IllegalArgumentException("ahead and step must be positive: " + ahead + ", " + step);
        }
        this.memory = memory;
        this.ahead = ahead;
        this.step = step;
    }

    /**
     * Faults in the next step if fewer than {@code ahead} bytes are present past {@code position}.
     *
     * @param position the producer's position: a byte count since the ring was made (past the ring's size once it
     *                 has wrapped).
     */
    public void ahead(long position) {
        if (complete) {
            return;
        }
        synchronized (this) {
            long size = memory.byteSize();
            if (populatedTo < Math.min(position + ahead, size)) {
                long to = Math.min(populatedTo + step, size);
                LazyMemory.populate(memory, populatedTo, to - populatedTo);
                populatedTo = to;
            }
            complete = populatedTo >= size;
        }
    }

    /** Faults the whole ring in now. */
    public synchronized void all() {
        long size = memory.byteSize();
        LazyMemory.populate(memory, populatedTo, size - populatedTo);
        populatedTo = size;
        complete = true;
    }

    /** @return how many bytes from the start are present. */
    public synchronized long populatedTo() {
        return populatedTo;
    }

    /** @return true once every page is present. */
    public boolean isComplete() {
        return complete;
    }
}
