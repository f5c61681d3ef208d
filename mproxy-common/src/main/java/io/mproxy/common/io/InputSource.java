package io.mproxy.common.io;

import io.mproxy.common.Errors;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A stream to read: a file, a device, a FIFO, {@code /dev/fd/N}, or stdin ({@code -}). Knows whether it is a regular
 * file (read in large chunks, datagrams filled) or interactive (sent as soon as a read returns).
 */
public final class InputSource implements AutoCloseable {
    private final String name;
    private final ReadableByteChannel channel;
    private final boolean regularFile;
    private final long size;

    private InputSource(String name, ReadableByteChannel channel, boolean regularFile, long size) {
        this.name = name;
        this.channel = channel;
        this.regularFile = regularFile;
        this.size = size;
    }

    /**
     * @param path a path, or {@code -} for stdin.
     * @return the open source.
     * @throws IOException with a message naming the path and the reason (missing, a directory, no permission).
     */
    public static InputSource open(String path) throws IOException {
        if ("-".equals(path)) {
            Path stdin = Path.of("/proc/self/fd/0");
            boolean regular = Files.isRegularFile(stdin);
            long size = regular ? Files.size(stdin) : -1;
            return new InputSource("stdin", new FileInputStream(FileDescriptor.in).getChannel(), regular, size);
        }
        Path file = Path.of(path);
        if (Files.isDirectory(file)) {
            throw new IOException("cannot read " + path + ": is a directory");
        }
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
            boolean regular = Files.isRegularFile(file);
            return new InputSource(path, channel, regular, regular ? channel.size() : -1);
        } catch (IOException e) {
            throw new IOException("cannot read " + path + ": " + Errors.describe(e), e);
        }
    }

    /** @return the path, or {@code stdin}. */
    public String name() {
        return name;
    }

    /** @return the channel to read. */
    public ReadableByteChannel channel() {
        return channel;
    }

    /** @return true for a regular file, false for pipes, terminals, devices and sockets. */
    public boolean isRegularFile() {
        return regularFile;
    }

    /** @return the size of a regular file, else -1. */
    public long size() {
        return size;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
