package io.mproxy.common.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mproxy.common.test.TestFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppendOutputTest {
    private static final int BLOCK = 4096;

    @TempDir
    Path dir;

    private final Random random = new Random(42);
    private final ByteArrayOutputStream expected = new ByteArrayOutputStream();

    @Test
    void shouldUseDirectIoWhenTheFileSystemAllowsIt() throws IOException {
        Path file = dir.resolve("out");
        try (FileChannel append = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.APPEND); DirectAppender direct = DirectAppender.open(file, append)) {
            assumeTrue(direct != null, "the temporary directory's file system refuses O_DIRECT");
            assertThat(direct.write(new ByteBuffer[] {data(5000)}, 1)).isTrue();
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(expected.toByteArray());
    }

    @Test
    void shouldHoldEveryByteInOrderAfterEachWriteWhenBatchesCrossBlocksAndTheStage() throws IOException {
        Path file = dir.resolve("out");
        int stage = DirectAppender.STAGE;
        int[][] batches = {{1}, {BLOCK - 2}, {1, 1}, {BLOCK}, {BLOCK + 1, 3}, {stage - 7}, {stage, stage + 9},
            {100, 200, 300}, {0}, {2 * stage + BLOCK - 1}};
        try (AppendOutput output = AppendOutput.open(file.toString())) {
            for (int[] sizes : batches) {
                write(output, sizes);

                assertThat(Files.readAllBytes(file)).isEqualTo(expected.toByteArray());
            }
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(expected.toByteArray());
    }

    @Test
    void shouldKeepWhatTheFileHeldWhenItEndsInAPartialBlock() throws IOException {
        Path file = dir.resolve("out");
        Files.write(file, data(BLOCK + 904).array());
        try (AppendOutput output = AppendOutput.open(file.toString())) {
            write(output, BLOCK * 3 + 11);
            write(output, 7);
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(expected.toByteArray());
    }

    @Test
    void shouldAppendAtTheNewEndWhenTheFileIsTruncatedUnderIt() throws IOException {
        Path file = dir.resolve("out");
        try (AppendOutput output = AppendOutput.open(file.toString())) {
            write(output, 3 * BLOCK + 100);
            try (FileChannel rotate = FileChannel.open(file, StandardOpenOption.WRITE)) {
                rotate.truncate(0);
            }
            expected.reset();

            write(output, 2 * BLOCK + 5);
            write(output, 10);
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(expected.toByteArray());
    }

    @Test
    void shouldWriteANewFileWhenReopenedAfterTheOldOneWasMoved() throws IOException {
        Path file = dir.resolve("out");
        Path rotated = dir.resolve("out.1");
        try (AppendOutput output = AppendOutput.open(file.toString())) {
            write(output, BLOCK + 1);
            byte[] before = expected.toByteArray();
            Files.move(file, rotated);
            expected.reset();

            assertThat(output.reopen()).as("reopened").isTrue();
            write(output, 2 * BLOCK + 3);

            assertThat(Files.readAllBytes(rotated)).isEqualTo(before);
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(expected.toByteArray());
    }

    /** Opening a FIFO again would block until it had a reader: reopen keeps it, and a write still reaches it. */
    @Test
    void shouldKeepAFifoOpenWhenReopened() throws Exception {
        Path fifo = TestFiles.fifo(dir.resolve("out.fifo"));
        CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> TestFiles.read(fifo));
        try (AppendOutput output = AppendOutput.open(fifo.toString())) {
            write(output, 100);

            assertThat(output.reopen()).as("reopened").isFalse();
            write(output, 200, 300);
        }
        assertThat(read.get(20, TimeUnit.SECONDS)).isEqualTo(expected.toByteArray());
    }

    private void write(AppendOutput output, int... sizes) throws IOException {
        ByteBuffer[] buffers = new ByteBuffer[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            // direct buffers sliced at odd offsets, as a ring's records are
            ByteBuffer source = data(sizes[i]);
            ByteBuffer buffer = ByteBuffer.allocateDirect(sizes[i] + 3).position(3);
            buffers[i] = buffer.put(source).position(3);
        }
        output.write(buffers, buffers.length);
        for (ByteBuffer buffer : buffers) {
            assertThat(buffer.hasRemaining()).isFalse();
        }
    }

    private ByteBuffer data(int size) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        expected.writeBytes(bytes);
        return ByteBuffer.wrap(bytes);
    }
}
