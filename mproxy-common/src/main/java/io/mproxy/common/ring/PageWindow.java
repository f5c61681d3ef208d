package io.mproxy.common.ring;

import java.util.function.LongPredicate;

/**
 * Which pages of a lazily mapped ring to fault in ahead of its producer, and which to give back once it has drained:
 * arithmetic only (no system calls), so that it can be tested exactly; {@link RingMemory} applies it.
 *
 * <p>Positions are the ring's absolute byte counts (they only grow; a position's byte is at {@code position %
 * capacity}). The window {@code [from, end)} is a range of positions whose bytes are known to be in memory, at most
 * one lap long; it may under-report (pages present but outside it), never over-report.
 */
final class PageWindow {
    /** The page size that ranges are rounded to (4 KiB; also a divisor of any larger page size). */
    static final long PAGE = 4096;

    /** Receives one range of ring offsets, page-aligned at its start. */
    @FunctionalInterface
    interface Ranges {
        /**
         * @param offset where the range starts in the ring, a multiple of {@link #PAGE}.
         * @param length its length in bytes (the last page may be partial at the ring's end).
         */
        void apply(long offset, long length);
    }

    private final long capacity;
    private final long ahead;
    private final long step;
    private final long keep;
    private long from;
    private long end;

    /**
     * @param capacity the ring's bytes.
     * @param present  bytes from offset 0 already in memory.
     * @param ahead    how far ahead of the producer pages should be present.
     * @param step     bytes per call to the range operation (one {@code madvise}).
     * @param keep     bytes kept from the producer's position on when the ring is trimmed.
     */
    PageWindow(long capacity, long present, long ahead, long step, long keep) {
        this.capacity = capacity;
        this.ahead = ahead;
        this.step = step;
        this.keep = keep;
        this.end = Math.min(present, capacity);
    }

    /** @return the first position known present. */
    long from() {
        return from;
    }

    /** @return the position after the last one known present. */
    long end() {
        return end;
    }

    /** @return true when the whole ring is known present. */
    boolean isFull() {
        return end - from >= capacity;
    }

    /**
     * @return the producer position at which this window wants extending: half of {@code ahead} before its end, or
     *         {@link Long#MAX_VALUE} once the whole ring is present.
     */
    long wakeAt() {
        return isFull() ? Long.MAX_VALUE : end - ahead / 2;
    }

    /**
     * Extends the window to {@code tail + ahead} (at most one lap from its start), handing {@code populate} the
     * ranges to fault in, {@code step} bytes at a time, nearest first.
     *
     * @param tail     the producer's position.
     * @param populate faults a range in.
     */
    void extend(long tail, Ranges populate) {
        // Behind the producer every page is present: it wrote them (faulting them itself when this ran late).
        end = Math.max(end, Math.min(tail, from + capacity));
        long target = Math.min(tail + ahead, from + capacity);
        while (end < target) {
            long next = Math.min(end + step, target);
            ranges(end, next, true, populate);
            end = next;
        }
    }

    /**
     * @param tail the producer's position, with every record before it released.
     * @return true when trimming at {@code tail} would give back at least one {@code step}.
     */
    boolean isWorthTrimming(long tail) {
        return end - from > keep + step && tail >= from;
    }

    /**
     * Gives back everything but {@code [tail, tail + keep)}, one {@code step} at a time from the far end (the
     * offsets just behind the producer, which it reaches last), asking {@code mayFree} before each step with the
     * step's first position, and stopping for good at its first refusal (the producer came near).
     *
     * @param tail    the producer's position, with every record before it released.
     * @param mayFree true when nothing will be written at or after the given position until this step is done.
     * @param free    gives a range back (its pages read as zero when next touched).
     */
    void trim(long tail, LongPredicate mayFree, Ranges free) {
        long freedFrom = tail + capacity;
        long low = tail + keep;
        while (freedFrom > low) {
            long start = Math.max(freedFrom - step, low);
            if (!mayFree.test(start)) {
                break;
            }
            ranges(start, freedFrom, false, free);
            freedFrom = start;
        }
        long present = isFull() ? Long.MAX_VALUE : end;
        end = Math.max(tail, Math.min(present, freedFrom));
        from = tail;
    }

    /**
     * Splits the positions {@code [start, stop)} (at most one lap) into ranges of ring offsets at the wrap, rounded
     * to whole pages: outward to fault in, inward to give back (never a page partly outside the range, nor a partial
     * last page of the ring, which the kernel would round up past its end).
     */
    private void ranges(long start, long stop, boolean outward, Ranges op) {
        long offset = start % capacity;
        long length = stop - start;
        if (offset + length <= capacity) {
            pages(offset, offset + length, outward, op);
        } else {
            pages(offset, capacity, outward, op);
            pages(0, offset + length - capacity, outward, op);
        }
    }

    private void pages(long start, long stop, boolean outward, Ranges op) {
        long first = outward ? start & -PAGE : (start + PAGE - 1) & -PAGE;
        long last = outward ? Math.min((stop + PAGE - 1) & -PAGE, capacity) : stop & -PAGE;
        if (last > first) {
            op.apply(first, last - first);
        }
    }
}
