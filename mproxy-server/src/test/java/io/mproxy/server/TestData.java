package io.mproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.test.Binary;
import io.mproxy.common.test.BinaryProcess;
import io.mproxy.common.test.TestFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Inputs and checks shared by the end-to-end tests. */
final class TestData {
    private TestData() {
    }

    /** @return {@code count} numbered lines of varying length, tagged so two senders' lines differ. */
    static byte[] lines(String tag, int count) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            text.append(tag).append(" line ").append(i).append(' ').append("x".repeat(i % 53)).append('\n');
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Waits until {@code file} holds {@code expected} bytes, then checks they are exactly those. */
    static void awaitContent(Path file, byte[] expected) {
        TestFiles.awaitSize(file, expected.length);
        assertThat(TestFiles.read(file)).as(file.toString()).isEqualTo(expected);
    }

    /** @return a server on 127.0.0.1, any free port, appending to {@code out}, with {@code extra} arguments. */
    static BinaryProcess unicastServer(Path dir, Path out, String... extra) {
        String[] args = Arrays.copyOf(new String[] {"--listen-addr", "127.0.0.1:0", "--path", out.toString()},
            4 + extra.length);
        System.arraycopy(extra, 0, args, 4, extra.length);
        return BinaryProcess.start(Binary.SERVER, dir, args);
    }

    /**
     * Writes {@code input} to the file {@code name} in {@code dir} and sends it with mproxy-client, which must exit
     * cleanly.
     */
    static void send(Path dir, byte[] input, String name, String destination) throws IOException {
        Path in = Files.write(dir.resolve(name), input);
        assertCleanExit(BinaryProcess.run(Binary.CLIENT, dir, "--path", in.toString(), "--server-addr", destination));
    }

    /** Sends SIGTERM and checks the process stops cleanly. */
    static void stop(BinaryProcess process) {
        process.terminate();
        assertCleanExit(process);
    }

    /** Checks the process ran cleanly: exit 0 and nothing on stderr but log events (no error, no stack trace). */
    static void assertCleanExit(BinaryProcess process) {
        assertThat(process.awaitExit()).as(process + " stderr:\n" + process.stderr()).isZero();
        assertThat(process.nonLogLines()).as(process + " stderr").isEmpty();
    }
}
