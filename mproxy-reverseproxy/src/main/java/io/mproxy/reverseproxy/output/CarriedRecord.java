package io.mproxy.reverseproxy.output;

import java.nio.ByteBuffer;

/**
 * The unwritten rest of a ring record that a full socket buffer cut, copied out of the ring so that it can still be
 * written whole after its output skipped ahead (the ring may overwrite it meanwhile). The record may be a run of
 * datagrams: this knows which of them each write completed, so an output counts as delivered exactly the datagrams
 * its peer got whole, and as dropped the rest, the one cut included, if the rest is never written.
 */
final class CarriedRecord {
    private final ByteBuffer bytes;
    /** Bytes of the record written before the cut. */
    private int before;
    /** The size of the record's datagrams (the record's length for a single datagram). */
    private int unit;
    /** Datagrams of the record not written whole before the cut. */
    private int datagrams;
    /** Of those, how many were reported whole since. */
    private int reported;

    /** @param capacity the largest record. */
    CarriedRecord(int capacity) {
        this.bytes = ByteBuffer.allocateDirect(capacity).flip();
    }

    /** @return the bytes still to write (position to limit). */
    ByteBuffer bytes() {
        return bytes;
    }

    /** @return true while some of the rest is unwritten. */
    boolean hasRemaining() {
        return bytes.hasRemaining();
    }

    /** Forgets any rest (a new connection). */
    void clear() {
        bytes.clear().flip();
        datagrams = 0;
        reported = 0;
    }

    /**
     * Copies the unwritten rest of a record that a write cut.
     *
     * @param view      the record's view, its position where the write stopped (after at least one byte).
     * @param length    the record's length.
     * @param segment   its segment size, 0 for one datagram.
     * @param total     how many datagrams it holds.
     * @return how many of its datagrams were written whole before the cut.
     */
    int keep(ByteBuffer view, int length, int segment, int total) {
        before = length - view.remaining();
        unit = segment > 0 ? segment : length;
        int whole = before / unit;
        datagrams = total - whole;
        reported = 0;
        bytes.clear();
        bytes.put(view).flip();
        return whole;
    }

    /** @return how many more of the rest's datagrams are whole since the last call (after a write of the rest). */
    int completed() {
        int done = bytes.hasRemaining() ? (before + bytes.position()) / unit - before / unit : datagrams;
        int completed = done - reported;
        reported = done;
        return completed;
    }

    /** @return the datagrams of the rest not reported whole: dropped when it is given up. */
    int unwritten() {
        return bytes.hasRemaining() ? datagrams - reported : 0;
    }
}
