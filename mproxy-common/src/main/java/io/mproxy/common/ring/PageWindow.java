package io.mproxy.common.ring;

import java.util.function.LongPredicate;

/**
 * Which chunks of a lazily mapped ring to fault in ahead of its producer, and which to give back once it has drained:
 * arithmetic only (no system calls), so that it can be tested exactly; {@link RingMemory} applies it.
 *
 * <p>The ring is cut into chunks (the last one may be shorter); a chunk is marked present once faulted in here, and
 * unmarked once given back. Positions are the ring's absolute byte counts (a position's byte is at {@code position %
 * capacity}); nothing is assumed present because the producer passed it (it may have outrun the pager).
 */
final class PageWindow {
    /** Receives one range of ring offsets: a whole chunk. */
    @FunctionalInterface
    interface Ranges {
        /**
         * @param offset where the chunk starts in the ring, a multiple of the chunk size.
         * @param length its length in bytes.
         */
        void apply(long offset, long length);
    }

    private final long capacity;
    private final long chunk;
    private final long ahead;
    private final long keep;
    private final boolean[] present;
    private int count;

    /**
     * @param capacity the ring's bytes.
     * @param chunk    bytes per chunk (one {@code madvise}), a multiple of the page size.
     * @param initial  chunks from offset 0 already present.
     * @param ahead    how far ahead of the producer chunks should be present.
     * @param keep     bytes kept present from the producer's position on when the ring is trimmed.
     */
    PageWindow(long capacity, long chunk, int initial, long ahead, long keep) {
        this.capacity = capacity;
        this.chunk = chunk;
        this.ahead = ahead;
        this.keep = keep;
        this.present = new boolean[(int) ((capacity + chunk - 1) / chunk)];
        for (int c = 0; c < Math.min(initial, present.length); c++) {
            present[c] = true;
            count++;
        }
    }

    /** @return how many chunks are present. */
    int presentChunks() {
        return count;
    }

    /** @param c a chunk. @return whether it is present. */
    boolean isPresent(int c) {
        return present[c];
    }

    /** @return true when every chunk is present. */
    boolean isFull() {
        return count == present.length;
    }

    /**
     * Faults in every chunk holding a byte of the positions {@code [tail, tail + ahead)} that is not present yet,
     * nearest first.
     *
     * @param tail     the producer's position.
     * @param populate faults a chunk in.
     * @return the producer position at which to come back: half of {@code ahead} on, or {@link Long#MAX_VALUE}
     *         once every chunk is present.
     */
    long extend(long tail, Ranges populate) {
        long offset = tail % capacity;
        long remaining = Math.min(ahead, capacity);
        while (remaining > 0) {
            int c = (int) (offset / chunk);
            if (!present[c]) {
                populate.apply(c * chunk, length(c));
                present[c] = true;
                count++;
            }
            long next = Math.min((c + 1) * chunk, capacity);
            remaining -= next - offset;
            offset = next == capacity ? 0 : next;
        }
        return isFull() ? Long.MAX_VALUE : tail + ahead / 2;
    }

    /**
     * @return true when trimming would give back a chunk: more are present than {@code keep} can span.
     */
    boolean isWorthTrimming() {
        return count > (keep + chunk - 1) / chunk + 1;
    }

    /**
     * Gives back every chunk that holds no byte of the backlog {@code [head, tail)} nor of {@code [tail, tail +
     * keep)}, present or not (the producer may have faulted some in itself), farthest from the producer first (the
     * chunks just behind it, which it reaches last), asking {@code mayFree} before each with the first position at
     * which the producer would reach that chunk, and stopping for good at its first refusal.
     *
     * @param head    the consumer's position: every record before it has been released.
     * @param tail    the producer's position.
     * @param mayFree true when nothing will be written at or after the given position until this chunk is given back.
     * @param free    gives a chunk back (its pages read as zero when next touched).
     */
    void trim(long head, long tail, LongPredicate mayFree, Ranges free) {
        long lapStart = tail - tail % capacity;
        int first = (int) (tail % capacity / chunk);
        int chunks = present.length;
        for (int i = chunks - 1; i > 0; i--) {
            int c = (first + i) % chunks;
            long reached = lapStart + c * chunk + (c <= first ? capacity : 0);
            // kept: ahead of the producer, or holding bytes of the backlog (their last lap: reached - capacity)
            if (reached < tail + keep || reached + length(c) - capacity > head) {
                continue;
            }
            if (!mayFree.test(reached)) {
                return;
            }
            free.apply(c * chunk, length(c));
            if (present[c]) {
                present[c] = false;
                count--;
            }
        }
    }

    private long length(int c) {
        return Math.min(chunk, capacity - c * chunk);
    }
}
