package io.mproxy.relay.listen;

import io.mproxy.common.net.DatagramBatch;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import io.mproxy.relay.queue.PacketRing;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Receives a UDP socket's datagrams into the {@link PacketRing}, the runs a sender segmented (taken coalesced,
 * {@code UDP_GRO}) straight where they stay, so that the bytes of a run are never copied in user space.
 *
 * <p>While runs arrive, each receive takes one message at the ring's tail, spread over pieces of the segment size the
 * last run had, one record header apart ({@link DatagramBatch#receiveSpread}): a run of that size lands one datagram
 * per piece, and each becomes a record where it is; so does one datagram that fits a piece. One message per system
 * call costs little here, since a run is up to 64 datagrams. Anything else (a run of another size, a datagram longer
 * than a piece) is gathered and cut into records: two copies, until the next receive expects the new size.
 *
 * <p>After {@value #SINGLES_TO_BATCH} single datagrams in a row the receiver goes back to batches of up to 64
 * messages ({@code recvmmsg}) into the batch's own memory, each datagram then copied into the ring, until a batch
 * holds a run again. Why: at 700 k pkt/s of 1400 B (bench job 4's sender, {@code perf record -a}) the listener's copy
 * of every datagram from its batch into the ring took 14 % of the two cores, more than the kernel's receive.
 */
final class RingReceiver {
    /** Room past a message's pieces for the headers of a run cut into records: up to 128 datagrams. */
    private static final int CUT_ROOM = 128 * 16;
    /** Single datagrams in a row, one per receive, before batches of them are received instead. */
    static final int SINGLES_TO_BATCH = 16;
    /** The longest message gathered: a UDP payload, or a run, is at most 64 KiB. */
    private static final int SCRATCH = 2 * DatagramBatch.RUN_SLOT;

    private final DatagramBatch batch;
    private final int fd;
    private final MemorySegment slots;
    private final Arena arena = Arena.ofShared();
    /** Where a message taken whole is gathered before it is cut; allocated at the first. */
    private MemorySegment scratch;
    /** The segment size of the last run, while runs are expected; 0 while batches of single datagrams are. */
    private int segment;
    private int singles;
    /** Messages of the last batch received and the next to make records of, with where in it (a run is cut). */
    private int received;
    private int next;
    private int offset;

    /**
     * @param batch a batch of {@link DatagramBatch#RUN_SLOT} slots, closed with this receiver.
     * @param fd    the socket's descriptor, {@code UDP_GRO} on where the kernel has it.
     */
    RingReceiver(DatagramBatch batch, int fd) {
        this.batch = batch;
        this.fd = fd;
        this.slots = MemorySegment.ofBuffer(batch.data());
    }

    /**
     * Takes what the socket holds now, without waiting, as records of the ring, and publishes them.
     *
     * @param ring     where the datagrams go.
     * @param counters counts datagrams and bytes in.
     * @return how many datagrams were published, 0 when none waited, or {@link DatagramSource#NO_ROOM}.
     * @throws IOException on a receive error.
     */
    int receive(PacketRing ring, Counters counters) throws IOException {
        if (next < received) {
            return copyBatch(ring, counters);
        }
        return segment > 0 ? receiveRun(ring, counters) : receiveBatch(ring, counters);
    }

    /** One message at the tail, in pieces of the expected segment size. */
    private int receiveRun(PacketRing ring, Counters counters) throws IOException {
        int maxRecord = ring.maxRecord();
        int pieces = Math.min(DatagramBatch.MAX_PIECES, (maxRecord + segment - 1) / segment);
        int pieceStride = align(PacketRing.HEADER + segment);
        int region = Math.max(pieces * pieceStride, align(PacketRing.HEADER + maxRecord)) + CUT_ROOM;
        int at = ring.claimRegion(region);
        if (at < 0) {
            return DatagramSource.NO_ROOM;
        }
        MemorySegment memory = ring.memory();
        if (batch.receiveSpread(fd, false, memory.address() + at + PacketRing.HEADER, region, pieces, segment,
            pieceStride, 1) == 0) {
            return 0;
        }
        long now = System.nanoTime();
        int length = batch.length(0);
        int size = batch.segmentSize(0);
        boolean run = size > 0 && length > size;
        int count = run ? DatagramBatch.datagramsIn(length, size) : 1;
        if (run ? size == segment && length <= pieces * segment : length <= segment) {
            for (int k = 0; k < count; k++) {
                ring.commit(run ? Math.min(size, length - k * size) : length, now);
            }
        } else {
            int inPieces = Math.min(length, pieces * segment);
            MemorySegment gathered = scratch(length);
            for (int k = 0, done = 0; done < inPieces; k++, done += segment) {
                MemorySegment.copy(memory, at + PacketRing.HEADER + (long) k * pieceStride, gathered, done,
                    Math.min(segment, inPieces - done));
            }
            MemorySegment.copy(slots, batch.offset(0), gathered, inPieces, length - inPieces);
            cut(ring, gathered, 0, length, run ? size : length, now);
        }
        ring.publish();
        counters.add(Counter.DATAGRAMS_IN, count);
        counters.add(Counter.BYTES_IN, length);
        if (run) {
            segment = size;
            singles = 0;
        } else if (++singles >= SINGLES_TO_BATCH) {
            segment = 0;
        }
        return count;
    }

    /** Up to the batch's capacity of messages into its own slots, then copied. */
    private int receiveBatch(PacketRing ring, Counters counters) throws IOException {
        received = batch.receive(fd, false);
        next = 0;
        offset = 0;
        return received == 0 ? 0 : copyBatch(ring, counters);
    }

    /** Copies the batch's messages from {@code next} on into the ring, as far as there is room. */
    private int copyBatch(PacketRing ring, Counters counters) {
        long now = System.nanoTime();
        int datagrams = 0;
        long bytes = 0;
        while (next < received) {
            int length = batch.length(next);
            int size = batch.segmentSize(next);
            int take = size > 0 ? Math.min(size, length - offset) : length;
            // room for one record of any size at the tail (after a padding record where the buffer ends)
            if (ring.claimRegion(PacketRing.HEADER + ring.maxRecord()) < 0) {
                break;
            }
            ring.append(slots, batch.offset(next) + offset, take, now);
            datagrams++;
            bytes += take;
            offset += take;
            if (offset >= length) {
                if (size > 0 && length > size) {
                    // runs again: the next receive takes them in place
                    segment = size;
                    singles = 0;
                }
                next++;
                offset = 0;
            }
        }
        if (datagrams > 0) {
            ring.publish();
            counters.add(Counter.DATAGRAMS_IN, datagrams);
            counters.add(Counter.BYTES_IN, bytes);
        }
        return datagrams > 0 || next == received ? datagrams : DatagramSource.NO_ROOM;
    }

    private void cut(PacketRing ring, MemorySegment from, long start, int length, int size, long now) {
        for (int at = 0; at < length || at == 0; at += Math.max(size, 1)) {
            ring.append(from, start + at, Math.min(size, length - at), now);
        }
    }

    private MemorySegment scratch(int length) {
        if (length > SCRATCH) {
            throw new IllegalStateException("a message of " + length + " bytes");
        }
        if (scratch == null) {
            scratch = arena.allocate(SCRATCH, 8);
        }
        return scratch;
    }

    /** Frees the batch and the memory gathered into. */
    void close() {
        arena.close();
        batch.close();
    }

    private static int align(int n) {
        return (n + 3) & ~3;
    }
}
