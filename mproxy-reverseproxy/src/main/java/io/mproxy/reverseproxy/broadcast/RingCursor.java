package io.mproxy.reverseproxy.broadcast;

import io.mproxy.common.net.DatagramBatch;
import java.nio.ByteBuffer;

/**
 * One reader's place in a {@link BroadcastRing}: gathers the next records as views of the ring (no copy) for one
 * gathering write, then advances past what was written. Sequence numbers tell it exactly how many datagrams it
 * missed, whether it was lapped, skipped ahead or disconnected for a while.
 *
 * <pre>{@code
 * RingCursor cursor = new RingCursor(ring, 256);
 * int n = cursor.gather();
 * long written = cursor.intact() ? channel.write(cursor.views(), 0, n) : 0;
 * long missed = cursor.advance(n);
 * }</pre>
 */
public final class RingCursor {
    private final BroadcastRing ring;
    private final ByteBuffer[] views;
    private final long[] ends;
    private final long[] sequences;
    private final int[] segments;
    private final int[] datagrams;
    private long position;
    private long expected;

    /**
     * Starts at the ring's tail, expecting the next record published (so a cursor made before the producer starts
     * counts every record it ever misses).
     *
     * @param ring  the ring.
     * @param batch the most records one {@link #gather()} returns.
     */
    public RingCursor(BroadcastRing ring, int batch) {
        this.ring = ring;
        this.views = new ByteBuffer[batch];
        this.ends = new long[batch];
        this.sequences = new long[batch];
        this.segments = new int[batch];
        this.datagrams = new int[batch];
        for (int i = 0; i < batch; i++) {
            views[i] = ring.buffer().duplicate();
        }
        this.position = ring.tail();
        this.expected = ring.published();
    }

    /**
     * Skips everything published so far.
     *
     * @param countSkipped true to count the skipped records (and every later gap) as missed; false to start afresh,
     *                     as a client that connects now and wants the stream from now on.
     */
    public void toTail(boolean countSkipped) {
        position = ring.tail();
        if (!countSkipped) {
            expected = -1;
        }
    }

    /** @return how many bytes of the ring this reader is behind the producer. */
    public long lag() {
        return ring.tail() - position;
    }

    /** @return true when there are records to read. */
    public boolean hasData() {
        return ring.tail() != position;
    }

    /**
     * Gathers the next records as views of the ring; call {@link #intact()} afterwards before trusting them.
     *
     * @return how many views of {@link #views()} are filled.
     */
    public int gather() {
        int count = 0;
        long p = position;
        long tail = ring.tail();
        while (p != tail && count < views.length) {
            int length = ring.lengthAt(p);
            if (BroadcastRing.isPadding(length)) {
                p = ring.skipPadding(p);
                if (count == 0) {
                    position = p;
                }
                continue;
            }
            if (length < 0 || length > ring.maxRecord()) {
                break;
            }
            int start = ring.index(p) + BroadcastRing.HEADER;
            views[count].limit(ring.capacity()).position(start).limit(start + length);
            sequences[count] = ring.sequenceAt(p);
            segments[count] = ring.segmentAt(p);
            datagrams[count] = DatagramBatch.datagramsIn(length, segments[count]);
            p += BroadcastRing.align(BroadcastRing.HEADER + length);
            ends[count] = p;
            count++;
        }
        return count;
    }

    /** @return the views filled by the last {@link #gather()}; their positions move as they are written. */
    public ByteBuffer[] views() {
        return views;
    }

    /**
     * @param i a record of the last {@link #gather()}.
     * @return 0 when it is one datagram, else the size of the datagrams of the run it holds (the last maybe shorter).
     */
    public int segmentSize(int i) {
        return segments[i];
    }

    /**
     * @param i a record of the last {@link #gather()}.
     * @return how many datagrams it holds.
     */
    public int datagrams(int i) {
        return datagrams[i];
    }

    /**
     * @param from the first record of the last {@link #gather()}.
     * @param to   one past the last.
     * @return how many datagrams records {@code from} to {@code to - 1} hold.
     */
    public int datagrams(int from, int to) {
        int sum = 0;
        for (int i = from; i < to; i++) {
            sum += datagrams[i];
        }
        return sum;
    }

    /** @return true when nothing from this cursor's position on has been overwritten (checked after reading). */
    public boolean intact() {
        return ring.intact(position);
    }

    /**
     * Moves past the first {@code count} gathered records.
     *
     * @param count how many were written (or given up).
     * @return how many datagrams were missed before them (a gap in the sequence numbers).
     */
    public long advance(int count) {
        long missed = 0;
        for (int i = 0; i < count; i++) {
            if (expected >= 0 && sequences[i] != expected) {
                missed += sequences[i] - expected;
            }
            expected = sequences[i] + datagrams[i];
        }
        if (count > 0) {
            position = ends[count - 1];
        }
        return missed;
    }

    /**
     * Gives up on everything not yet delivered (at shutdown, once the producer has stopped, or when disconnected as
     * too slow): moves to the tail.
     *
     * @return how many datagrams were published but never advanced past, counting from the first this cursor
     *         expected.
     */
    public long abandon() {
        if (expected < 0) {
            if (!hasData() || gather() == 0 || !intact()) {
                toTail(false);
                return 0;
            }
            expected = sequences[0];
        }
        long published = ring.published();
        long missed = Math.max(0, published - expected);
        expected = published;
        position = ring.tail();
        return missed;
    }
}
