package io.mproxy.relay.spill;

import io.mproxy.common.Errors;
import io.mproxy.common.ring.LazyMemory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * One destination's spill: append-only segment files {@code 00000000000000000001.spill}, ... in its own directory,
 * each a sequence of records {@code [4-byte big-endian length][payload][4-byte CRC32C of length and payload]}.
 * Records are appended at the newest segment and read back from the oldest; a segment is deleted only once every
 * record in it was sent ({@link #commit(int)}). The total on disk is bounded: an append that would pass the bound
 * is refused and the caller hands the packet on. A record cut short or failing its checksum (a crash mid-write) is
 * skipped and counted, never sent.
 *
 * <p>Not thread-safe: the destination's worker alone uses it. A lock file keeps two relays out of one directory.
 */
public final class SpillStore implements AutoCloseable {
    /** Bytes around each payload: length before, checksum after. */
    public static final int OVERHEAD = 8;
    private static final String SUFFIX = ".spill";

    private final Path dir;
    private final long maxBytes;
    private final long segmentBytes;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Deque<Segment> segments = new ArrayDeque<>();
    private final ByteBuffer writeBuffer;
    private final ByteBuffer readBuffer;
    private final ByteBuffer readView;
    private final CRC32C crc = new CRC32C();
    private final int[] batchSizes;
    private final int maxRecord;
    private long totalBytes;
    private long nextSequence;
    private long torn;
    private int batchCount;
    private FileChannel reading;
    private Segment readingSegment;
    private long readOffset;
    private long committedOffset;

    private static final class Segment {
        final Path path;
        long size;
        FileChannel writer;

        Segment(Path path, long size) {
            this.path = path;
            this.size = size;
        }
    }

    /**
     * Opens (creating) the directory, takes its lock and finds the segments an earlier run left.
     *
     * @param dir          this destination's directory.
     * @param maxBytes     the bound on all segments together.
     * @param segmentBytes the size at which a new segment is started.
     * @param maxRecord    the largest payload.
     * @param maxBatch     the most records one {@link #read} returns.
     * @return the store.
     * @throws IOException naming the directory and the reason.
     */
    public static SpillStore open(Path dir, long maxBytes, long segmentBytes, int maxRecord, int maxBatch)
        throws IOException {
        try {
            Files.createDirectories(dir);
        } catch (FileAlreadyExistsException | NotDirectoryException e) {
            throw new IOException("cannot create spill directory " + dir + ": a file is in the way", e);
        } catch (IOException e) {
            throw new IOException("cannot create spill directory " + dir + ": " + Errors.describe(e), e);
        }
        if (!Files.isWritable(dir)) {
            throw new IOException("spill directory " + dir + " is not writable");
        }
        return new SpillStore(dir, maxBytes, segmentBytes, maxRecord, maxBatch);
    }

    private SpillStore(Path dir, long maxBytes, long segmentBytes, int maxRecord, int maxBatch) throws IOException {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.segmentBytes = segmentBytes;
        int bufferSize = Math.max(1 << 20, 2 * (maxRecord + OVERHEAD));
        // mapped lazily: a destination that never spills does not hold these 2 MiB in RAM
        this.writeBuffer = LazyMemory.allocate(bufferSize).asByteBuffer();
        this.readBuffer = LazyMemory.allocate(bufferSize).asByteBuffer();
        this.readView = readBuffer.duplicate();
        this.batchSizes = new int[maxBatch];
        this.maxRecord = maxRecord;
        try {
            lockChannel = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IOException("cannot write in spill directory " + dir + ": " + Errors.describe(e), e);
        }
        FileLock taken;
        try {
            taken = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            taken = null;
        }
        if (taken == null) {
            lockChannel.close();
            throw new IOException("spill directory " + dir + " is in use by another relay");
        }
        lock = taken;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(SUFFIX)).sorted().toList()) {
                long size = Files.size(file);
                segments.add(new Segment(file, size));
                totalBytes += size;
                nextSequence = Math.max(nextSequence, sequence(file));
            }
        }
        nextSequence++;
        readBuffer.limit(0);
    }

    private static long sequence(Path file) {
        String name = file.getFileName().toString();
        try {
            return Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** @return the directory. */
    public Path dir() {
        return dir;
    }

    /** @return true when no record waits to be sent. */
    public boolean isEmpty() {
        return segments.isEmpty() && writeBuffer.position() == 0;
    }

    private int pendingWrite() {
        return writeBuffer.position();
    }

    /** @return bytes on disk and buffered. */
    public long bytes() {
        return totalBytes + pendingWrite();
    }

    /** @return records found cut short or corrupt so far. */
    public long tornRecords() {
        return torn;
    }

    /**
     * Appends one record (to the write buffer; {@link #flush()} writes it).
     *
     * @param source a buffer holding the 4-byte big-endian length then the payload.
     * @param index  where the length starts.
     * @param length the payload length.
     * @return false when the spill is full (the bound would be passed).
     * @throws IOException when writing out the buffer failed (disk full...); the buffered records are then handed
     *                     back through {@code failed}.
     */
    public boolean append(ByteBuffer source, int index, int length, FailedRecords failed) throws IOException {
        int size = length + OVERHEAD;
        if (bytes() + size > maxBytes) {
            return false;
        }
        if (writeBuffer.remaining() < size) {
            flush(failed);
        }
        int at = writeBuffer.position();
        ByteBuffer record = source.duplicate().limit(index + 4 + length).position(index);
        writeBuffer.put(record);
        crc.reset();
        crc.update(writeBuffer.duplicate().position(at).limit(at + 4 + length));
        writeBuffer.putInt((int) crc.getValue());
        return true;
    }

    /** Receives the records of a write that failed, so they can go elsewhere. */
    @FunctionalInterface
    public interface FailedRecords {
        /**
         * @param buffer holds the record: its 4-byte length then the payload.
         * @param index  where the length starts.
         * @param length the payload length.
         */
        void accept(ByteBuffer buffer, int index, int length);
    }

    /**
     * Writes the buffered records to the newest segment, starting a new segment when it is full. On a failure the
     * segment is cut back to its last good size and the buffered records go to {@code failed}.
     *
     * @param failed receives the records that could not be written.
     * @throws IOException when the write failed (after the records were handed to {@code failed}).
     */
    public void flush(FailedRecords failed) throws IOException {
        if (writeBuffer.position() == 0) {
            return;
        }
        writeBuffer.flip();
        while (writeBuffer.hasRemaining()) {
            Segment segment = writeSegment();
            int end = recordsFitting(segment);
            int limit = writeBuffer.limit();
            int start = writeBuffer.position();
            writeBuffer.limit(end);
            long before = segment.size;
            try {
                while (writeBuffer.hasRemaining()) {
                    segment.size += segment.writer.write(writeBuffer);
                }
                totalBytes += segment.size - before;
                writeBuffer.limit(limit);
            } catch (IOException e) {
                try {
                    segment.writer.truncate(before);
                } catch (IOException ignored) {
                    // a torn tail is found by its checksum when read
                }
                segment.size = before;
                writeBuffer.limit(limit);
                handBack(failed, start);
                throw e;
            }
        }
        writeBuffer.clear();
    }

    /** @return the end of the records (from the write buffer's position) that fit in the segment, at least one. */
    private int recordsFitting(Segment segment) {
        int at = writeBuffer.position();
        long room = segmentBytes - segment.size;
        int end = at + writeBuffer.getInt(at) + OVERHEAD;
        while (end < writeBuffer.limit()) {
            int next = end + writeBuffer.getInt(end) + OVERHEAD;
            if (next - at > room) {
                break;
            }
            end = next;
        }
        return end;
    }

    /** Hands every record not written (from the start of the failed write to the end of the buffer) back. */
    private void handBack(FailedRecords failed, int start) {
        int at = start;
        while (at + OVERHEAD <= writeBuffer.limit()) {
            int length = writeBuffer.getInt(at);
            failed.accept(writeBuffer, at, length);
            at += length + OVERHEAD;
        }
        writeBuffer.clear();
    }

    private Segment writeSegment() throws IOException {
        Segment last = segments.peekLast();
        if (last != null && last.writer != null && last.size < segmentBytes) {
            return last;
        }
        if (last != null && last.writer != null) {
            last.writer.close();
            last.writer = null;
        }
        Path path = dir.resolve(String.format("%020d%s", nextSequence++, SUFFIX));
        Segment segment = new Segment(path, 0);
        segment.writer = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        segments.add(segment);
        return segment;
    }

    /**
     * Reads the next records in order, as views of {@code [length][payload]} (or the payload alone) in
     * {@code frames}; they stay valid until the next read. Every record of the previous read must have been
     * committed or rewound. Segments read and committed entirely are deleted here.
     *
     * @param frames     where the views go; each a duplicate of {@link #readBufferDuplicate()}.
     * @param withLength true to include the 4-byte length in each view.
     * @param maxBytes   the most payload bytes to return (at least one record is returned if any).
     * @param failed     receives buffered records when the flush before reading fails.
     * @return how many records were read (0 when none is available).
     * @throws IOException when a segment cannot be read or deleted.
     */
    public int read(ByteBuffer[] frames, boolean withLength, long maxBytes, FailedRecords failed) throws IOException {
        if (writeBuffer.position() > 0) {
            flush(failed);
        }
        batchCount = 0;
        long bytes = 0;
        int most = Math.min(frames.length, batchSizes.length);
        while (batchCount < most && ensureSegment()) {
            int at = readBuffer.position();
            int length = readBuffer.remaining() >= 4 ? readBuffer.getInt(at) : -1;
            if (length > maxRecord || length < -1) {
                skipRestOfSegment();
                continue;
            }
            if (length >= 0 && readBuffer.remaining() >= length + OVERHEAD) {
                if (!checksumOk(at, length)) {
                    skipRestOfSegment();
                    continue;
                }
                if (batchCount > 0 && bytes + length > maxBytes) {
                    break;
                }
                frames[batchCount].limit(at + 4 + length).position(withLength ? at : at + 4);
                batchSizes[batchCount++] = length + OVERHEAD;
                readBuffer.position(at + length + OVERHEAD);
                readOffset += length + OVERHEAD;
                bytes += length;
                continue;
            }
            if (batchCount > 0) {
                break;
            }
            if (fill()) {
                continue;
            }
            if (readingSegment.writer != null && (writeBuffer.position() > 0 || readOffset < readingSegment.size)) {
                break;
            }
            if (readBuffer.hasRemaining()) {
                skipRestOfSegment();
            }
            finishSegment();
        }
        return batchCount;
    }

    /** @return a duplicate of the read buffer, for the frames {@link #read} fills. */
    public ByteBuffer readBufferDuplicate() {
        return readView.duplicate();
    }

    private boolean checksumOk(int at, int length) {
        crc.reset();
        crc.update(readBuffer.duplicate().limit(at + 4 + length).position(at));
        return (int) crc.getValue() == readBuffer.getInt(at + 4 + length);
    }

    /** Opens the oldest segment for reading if none is open. @return false when there is nothing to read. */
    private boolean ensureSegment() throws IOException {
        if (reading != null) {
            return true;
        }
        Segment first = segments.peekFirst();
        if (first == null) {
            return false;
        }
        reading = FileChannel.open(first.path, StandardOpenOption.READ);
        readingSegment = first;
        readOffset = 0;
        committedOffset = 0;
        readBuffer.clear().limit(0);
        return true;
    }

    /** Reads more of the segment after what the buffer holds. @return false when nothing more is there (yet). */
    private boolean fill() throws IOException {
        readBuffer.compact();
        int n = reading.read(readBuffer, readOffset + readBuffer.position());
        readBuffer.flip();
        return n > 0;
    }

    /** A record cut short at the end of a closed segment, or a bad checksum: what follows cannot be trusted. */
    private void skipRestOfSegment() {
        torn++;
        readBuffer.position(readBuffer.limit());
        readOffset = Math.max(readOffset, readingSegment.size);
    }

    /** Closes and deletes the segment being read: every record in it was sent or skipped. */
    private void finishSegment() throws IOException {
        if (readingSegment.writer != null) {
            readingSegment.writer.close();
            readingSegment.writer = null;
        }
        reading.close();
        reading = null;
        Files.deleteIfExists(readingSegment.path);
        totalBytes -= readingSegment.size;
        segments.removeFirst();
        readingSegment = null;
    }

    /**
     * Marks the first {@code records} of the last {@link #read} as sent.
     *
     * @param records how many were sent.
     */
    public void commit(int records) {
        for (int i = 0; i < records; i++) {
            committedOffset += batchSizes[i];
        }
        batchCount = 0;
    }

    /** Goes back to the first record not committed: it is read again. */
    public void rewind() {
        readOffset = committedOffset;
        readBuffer.clear().limit(0);
        batchCount = 0;
    }

    /** @return the spill segment files, oldest first (for tests and messages). */
    public int segmentCount() {
        return segments.size();
    }

    @Override
    public void close() throws IOException {
        for (Segment segment : segments) {
            if (segment.writer != null) {
                segment.writer.close();
            }
        }
        if (reading != null) {
            reading.close();
        }
        lock.release();
        lockChannel.close();
    }
}
