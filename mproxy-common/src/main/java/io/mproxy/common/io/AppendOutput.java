package io.mproxy.common.io;

import io.mproxy.common.Errors;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A file opened for append, or stdout ({@code -}), written with gathering writes straight from direct buffers.
 * {@link #reopen()} closes and opens the path again, so logrotate can move the file away and send SIGHUP; a FIFO or a
 * device is kept open.
 * A regular file is written with direct I/O where the file system allows it ({@link DirectAppender} says why), unless
 * {@code -Dmproxy.directIo=false}.
 */
public final class AppendOutput implements AutoCloseable {
    private static final boolean DIRECT_IO = Boolean.parseBoolean(System.getProperty("mproxy.directIo", "true"));

    private final String path;
    private FileChannel channel;
    private DirectAppender direct;
    /** The open file's identity (device and inode), null for stdout. */
    private Object fileKey;

    private AppendOutput(String path, FileChannel channel) {
        this.path = path;
        this.channel = channel;
        this.direct = directFor(path, channel);
        this.fileKey = fileKey(path);
    }

    private static DirectAppender directFor(String path, FileChannel channel) {
        return DIRECT_IO && !"-".equals(path) ? DirectAppender.open(Path.of(path), channel) : null;
    }

    /**
     * @param path a file path, or {@code -} for stdout.
     * @return the open output.
     * @throws IOException naming the path and the reason.
     */
    public static AppendOutput open(String path) throws IOException {
        return new AppendOutput(path, "-".equals(path) ? stdout() : openFile(path));
    }

    /** @return a channel on fd 1 that writes without any user-space buffer. */
    public static FileChannel stdout() {
        return new FileOutputStream(FileDescriptor.out).getChannel();
    }

    private static FileChannel openFile(String path) throws IOException {
        Path file = Path.of(path);
        if (Files.isDirectory(file)) {
            throw new IOException("cannot write " + path + ": is a directory");
        }
        try {
            return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IOException("cannot write " + path + ": " + Errors.describe(e), e);
        }
    }

    /** @return the path, or {@code -}. */
    public String path() {
        return path;
    }

    /** @return true when this is stdout. */
    public boolean isStdout() {
        return "-".equals(path);
    }

    /**
     * Writes every byte of {@code buffers[0..count)} (position to limit).
     *
     * @param buffers the buffers; their positions are advanced.
     * @param count   how many to write.
     * @throws IOException when the write fails (disk full, pipe closed, ...).
     */
    public void write(ByteBuffer[] buffers, int count) throws IOException {
        if (direct != null) {
            if (direct.write(buffers, count)) {
                return;
            }
            direct.close();
            direct = null;
        }
        writeFully(channel, buffers, count);
    }

    /**
     * Writes every byte of {@code buffers[0..count)} to {@code channel}, retrying short writes.
     *
     * @param channel the channel.
     * @param buffers the buffers; their positions are advanced.
     * @param count   how many to write.
     * @throws IOException from the channel.
     */
    public static void writeFully(java.nio.channels.GatheringByteChannel channel, ByteBuffer[] buffers, int count)
        throws IOException {
        int first = 0;
        while (first < count) {
            channel.write(buffers, first, count - first);
            while (first < count && !buffers[first].hasRemaining()) {
                first++;
            }
        }
    }

    /**
     * Closes and opens the path again, so logrotate can move the file away. Stdout, and a FIFO or a device still at
     * the path, are kept open: there is nothing to rotate, and opening a FIFO again would block until it has a
     * reader, where no thread can be interrupted (a new reader of the same FIFO gets the stream anyway).
     *
     * @return true when the path was opened again, false when the output was kept open.
     * @throws IOException naming the path when it cannot be opened; the old file stays in use then.
     */
    public boolean reopen() throws IOException {
        if (isStdout() || isSpecialFileStillAtPath()) {
            return false;
        }
        FileChannel fresh = openFile(path);
        FileChannel old = channel;
        DirectAppender oldDirect = direct;
        channel = fresh;
        direct = directFor(path, fresh);
        fileKey = fileKey(path);
        if (oldDirect != null) {
            oldDirect.close();
        }
        old.close();
        return true;
    }

    private boolean isSpecialFileStillAtPath() {
        try {
            BasicFileAttributes now = Files.readAttributes(Path.of(path), BasicFileAttributes.class);
            return now.isOther() && fileKey != null && fileKey.equals(now.fileKey());
        } catch (IOException e) {
            return false; // moved away or unreadable: opening it says which
        }
    }

    /** @return the identity of the file at {@code path} (stat does not block, even on a FIFO), or null. */
    private static Object fileKey(String path) {
        if ("-".equals(path)) {
            return null;
        }
        try {
            return Files.readAttributes(Path.of(path), BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null; // already moved away: the next reopen opens the path
        }
    }

    @Override
    public void close() throws IOException {
        if (!isStdout()) {
            if (direct != null) {
                direct.close();
            }
            channel.close();
        }
    }
}
