package io.mproxy.common.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** The files a binary under test reads and writes: long-line input, sizes while they grow, a wait, their bytes. */
public final class TestFiles {
    private TestFiles() {
    }

    /** @param file a file. @return its size, 0 while it does not exist. */
    public static long size(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** Waits ({@link Await#DEFAULT}) until {@code file} holds at least {@code length} bytes. */
    public static void awaitSize(Path file, long length) {
        Await.until(length + " bytes in " + file, () -> size(file) >= length, Await.DEFAULT,
            () -> "it has " + size(file));
    }

    /** Makes a FIFO (named pipe) at {@code path} with mkfifo(1): the JDK has no call for it. @return the path. */
    public static Path fifo(Path path) {
        Commands.run("mkfifo", path.toString());
        return path;
    }

    /** @param file a file. @return its bytes. */
    public static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param count  how many lines.
     * @param length the bytes of each line before its newline: line i repeats the digit i % 10.
     * @return the lines, ASCII.
     */
    public static byte[] digitLines(int count, int length) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            text.append(String.valueOf(i % 10).repeat(length)).append('\n');
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** @param parts byte arrays. @return them one after the other, as a reader of the stream sees them. */
    public static byte[] concat(byte[]... parts) {
        byte[] all = new byte[Arrays.stream(parts).mapToInt(p -> p.length).sum()];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }
}
