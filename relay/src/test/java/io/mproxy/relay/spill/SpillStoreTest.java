package io.mproxy.relay.spill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spill format and its reader, on files only. */
class SpillStoreTest {
    private static final SpillStore.FailedRecords NONE = (b, i, l) -> {
        throw new AssertionError("no record should fail");
    };

    @TempDir
    Path dir;

    @Test
    void shouldWriteRecordsWithLengthPayloadAndChecksum() throws IOException {
        try (SpillStore store = SpillStore.open(dir, 1 << 20, 1 << 16, 1000, 16)) {
            append(store, "hello");
            store.flush(NONE);
        }
        byte[] file = Files.readAllBytes(only());
        CRC32C crc = new CRC32C();
        crc.update(new byte[] {0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o'});
        ByteBuffer expected = ByteBuffer.allocate(13).putInt(5).put("hello".getBytes(StandardCharsets.US_ASCII))
            .putInt((int) crc.getValue());
        assertThat(file).isEqualTo(expected.array());
    }

    @Test
    void shouldReadBackInOrderAcrossSegmentsAndDeleteThemWhenCommitted() throws IOException {
        try (SpillStore store = SpillStore.open(dir, 1 << 20, 1 << 16, 1000, 16)) {
            for (int i = 0; i < 10_000; i++) {
                append(store, "record " + i);
            }
            store.flush(NONE);
            assertThat(store.segmentCount()).isGreaterThan(1);
            assertThat(readAll(store)).isEqualTo(texts(10_000));
            assertThat(store.isEmpty()).isTrue();
        }
        assertThat(Files.list(dir).filter(f -> f.toString().endsWith(".spill")).count()).isZero();
    }

    @Test
    void shouldSendARecordAgainAfterRewindWhenItsSendFailed() throws IOException {
        try (SpillStore store = SpillStore.open(dir, 1 << 20, 1 << 16, 1000, 16)) {
            append(store, "a");
            append(store, "b");
            ByteBuffer[] frames = frames(store, 16);
            assertThat(store.read(frames, false, 1 << 20, NONE)).isEqualTo(2);
            store.commit(1);
            store.rewind();
            assertThat(store.read(frames, false, 1 << 20, NONE)).isEqualTo(1);
            assertThat(StandardCharsets.US_ASCII.decode(frames[0]).toString()).isEqualTo("b");
        }
    }

    @Test
    void shouldSkipAndCountATornLastRecordLeftByACrash() throws IOException {
        try (SpillStore store = SpillStore.open(dir, 1 << 20, 1 << 16, 1000, 16)) {
            append(store, "whole");
            store.flush(NONE);
        }
        Files.write(only(), new byte[] {0, 0, 0, 9, 'h', 'a'}, java.nio.file.StandardOpenOption.APPEND);
        try (SpillStore store = SpillStore.open(dir, 1 << 20, 1 << 16, 1000, 16)) {
            assertThat(readAll(store)).containsExactly("whole");
            assertThat(store.tornRecords()).isEqualTo(1);
        }
    }

    @Test
    void shouldRefuseAppendsBeyondTheBound() throws IOException {
        try (SpillStore store = SpillStore.open(dir, 1 << 16, 1 << 16, 1000, 16)) {
            int stored = 0;
            while (append(store, "x".repeat(100))) {
                stored++;
            }
            assertThat(stored).isEqualTo((1 << 16) / 108);
        }
    }

    @Test
    void shouldRefuseADirectoryWhoseParentIsAFile() throws IOException {
        Path file = Files.writeString(dir.resolve("file"), "");
        assertThatThrownBy(() -> SpillStore.open(file.resolve("spill"), 1 << 20, 1 << 16, 1000, 16))
            .isInstanceOf(IOException.class)
            .hasMessage("cannot create spill directory " + file.resolve("spill") + ": not a directory");
    }

    @Test
    void shouldRefuseADirectoryAnotherStoreHolds() throws IOException {
        try (SpillStore first = SpillStore.open(dir, 1 << 20, 1 << 16, 1000, 16)) {
            assertThatThrownBy(() -> SpillStore.open(dir, 1 << 20, 1 << 16, 1000, 16))
                .hasMessage("spill directory " + dir + " is in use by another relay");
        }
    }

    private Path only() throws IOException {
        try (var files = Files.list(dir)) {
            List<Path> spill = files.filter(f -> f.toString().endsWith(".spill")).toList();
            assertThat(spill).hasSize(1);
            return spill.get(0);
        }
    }

    private static boolean append(SpillStore store, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer record = ByteBuffer.allocate(4 + bytes.length).putInt(bytes.length).put(bytes);
        return store.append(record, 0, bytes.length, NONE);
    }

    private static ByteBuffer[] frames(SpillStore store, int n) {
        ByteBuffer[] frames = new ByteBuffer[n];
        for (int i = 0; i < n; i++) {
            frames[i] = store.readBufferDuplicate();
        }
        return frames;
    }

    private static List<String> readAll(SpillStore store) throws IOException {
        ByteBuffer[] frames = frames(store, 16);
        List<String> out = new ArrayList<>();
        int n;
        while ((n = store.read(frames, false, 1 << 20, NONE)) > 0 || !store.isEmpty()) {
            for (int i = 0; i < n; i++) {
                out.add(StandardCharsets.US_ASCII.decode(frames[i]).toString());
            }
            store.commit(n);
            if (n == 0 && out.size() > 1_000_000) {
                throw new AssertionError("no progress");
            }
        }
        return out;
    }

    private static List<String> texts(int n) {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            texts.add("record " + i);
        }
        return texts;
    }
}
