package io.mproxy.server;

import static io.mproxy.common.test.TestFiles.fifo;
import static io.mproxy.server.TestData.lines;
import static io.mproxy.server.TestData.send;
import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.test.Binary;
import io.mproxy.common.test.BinaryProcess;
import io.mproxy.common.test.TestFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * FIFOs at both ends, as a user pipes the tools into other programs: opening one blocks until its other end is
 * opened, where no thread can be interrupted, yet SIGTERM and SIGINT still end the process with 0 and one line.
 */
class FifoTest {
    @TempDir
    Path dir;

    private static String stoppedWhileStarting(String signal) {
        return "stopping (SIG" + signal + ") before the start finished: still blocked after 2000 ms (opening a FIFO "
            + "that nobody opened at the other end?)";
    }

    @ParameterizedTest
    @ValueSource(strings = {"TERM", "INT"})
    void shouldExit0WithOneLineOnStopSignalWhileTheClientWaitsForTheFifosWriter(String signal) {
        Path in = fifo(dir.resolve("in.fifo"));
        try (BinaryProcess client = BinaryProcess.start(Binary.CLIENT, dir, "--path", in.toString(),
            "--server-addr", "127.0.0.1:9")) {
            client.awaitBlockedOpeningFifo();
            client.signal(signal);
            assertThat(client.awaitExit()).as(client.stderr()).isZero();
            assertThat(client.stderrLines()).containsExactly(stoppedWhileStarting(signal));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"TERM", "INT"})
    void shouldExit0WithOneLineOnStopSignalWhileTheServerWaitsForTheFifosReader(String signal) {
        Path out = fifo(dir.resolve("out.fifo"));
        try (BinaryProcess server = BinaryProcess.start(Binary.SERVER, dir, "--listen-addr", "127.0.0.1:0",
            "--path", out.toString())) {
            server.awaitBlockedOpeningFifo();
            server.signal(signal);
            assertThat(server.awaitExit()).as(server.stderr()).isZero();
            assertThat(server.stderrLines()).containsExactly(stoppedWhileStarting(signal));
        }
    }

    @Test
    void shouldCarryEveryByteFromAFifoIntoAFifoOnceTheirOtherEndsOpen() throws Exception {
        byte[] input = lines("fifo", 5_000);
        Path in = fifo(dir.resolve("in.fifo"));
        Path out = fifo(dir.resolve("out.fifo"));
        try (BinaryProcess server = BinaryProcess.start(Binary.SERVER, dir, "--listen-addr", "127.0.0.1:0",
            "--path", out.toString())) {
            server.awaitBlockedOpeningFifo();
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> TestFiles.read(out));
            int port = server.listeningPort();
            try (BinaryProcess client = BinaryProcess.start(Binary.CLIENT, dir, "--path", in.toString(),
                "--server-addr", "127.0.0.1:" + port)) {
                client.awaitBlockedOpeningFifo();
                try (OutputStream writer = Files.newOutputStream(in)) {
                    writer.write(input);
                }
                assertThat(client.awaitExit()).as(client.stderr()).isZero();
                assertThat(client.nonLogLines()).isEmpty();
            }
            // Everything the client sent sits in the server's socket buffer or its ring at worst: SIGTERM flushes
            // it to the FIFO and closes it, which ends the reader's stream.
            server.terminate();
            assertThat(server.awaitExit()).as(server.stderr()).isZero();
            assertThat(received.get(20, TimeUnit.SECONDS)).isEqualTo(input);
            assertThat(server.stderrLines()).contains("stopping (SIGTERM)");
        }
    }

    /**
     * A FIFO is not rotated: SIGHUP keeps it open, where opening it again would block until a reader came (and then
     * SIGTERM waited on that forever). A reader that opens the FIFO later gets the rest of the stream.
     */
    @Test
    void shouldKeepTheOutputFifoOpenOnSighupSoANewReaderGetsTheRestAndSigtermStillStops() throws Exception {
        byte[] first = lines("first", 1_000);
        byte[] second = lines("second", 1_000);
        Path out = fifo(dir.resolve("out.fifo"));
        try (BinaryProcess server = BinaryProcess.start(Binary.SERVER, dir, "--listen-addr", "127.0.0.1:0",
            "--path", out.toString())) {
            server.awaitBlockedOpeningFifo();
            CompletableFuture<byte[]> firstReader = CompletableFuture.supplyAsync(() -> read(out, first.length));
            int port = server.listeningPort();
            send(dir, first, "first.txt", "127.0.0.1:" + port);
            assertThat(firstReader.get(20, TimeUnit.SECONDS)).isEqualTo(first);

            server.signal("HUP");
            server.awaitStderr("kept " + Pattern.quote(out.toString()) + " open: not a regular file");
            CompletableFuture<byte[]> secondReader = CompletableFuture.supplyAsync(() -> read(out, second.length));
            send(dir, second, "second.txt", "127.0.0.1:" + port);
            assertThat(secondReader.get(20, TimeUnit.SECONDS)).isEqualTo(second);

            server.terminate();
            assertThat(server.awaitExit()).as(server.stderr()).isZero();
            assertThat(server.stderrLines()).contains("stopping (SIGTERM)");
        }
    }

    /**
     * A reader that opened the FIFO and stopped reading leaves SIGTERM's flush waiting for ever; a second SIGTERM
     * gives up on it at once, says so, prints the totals (what came in against what went out: the loss, counted) and
     * exits 1. The reader still has an exact start of the stream, at least what the totals say was written (the
     * write the server was blocked in had put part of its bytes in the pipe, not yet counted).
     */
    @Test
    void shouldExit1AtOnceOnASecondSigtermWhileTheFlushWaitsForAReaderThatStoppedReading() throws Exception {
        byte[] input = lines("stuck", 50_000);
        Path out = fifo(dir.resolve("out.fifo"));
        try (BinaryProcess server = BinaryProcess.start(Binary.SERVER, dir, "--listen-addr", "127.0.0.1:0",
            "--path", out.toString())) {
            server.awaitBlockedOpeningFifo();
            try (InputStream reader = Files.newInputStream(out)) {
                // 2 MB into a pipe of 64 KiB that nobody reads: the server's writer blocks, the rest waits in its ring
                send(dir, input, "input.txt", "127.0.0.1:" + server.listeningPort());
                server.terminate();
                server.awaitStderr(Pattern.quote("stopping (SIGTERM)"));
                server.signal("TERM");
                assertThat(server.awaitExit()).as(server.stderr()).isEqualTo(1);
                List<String> lines = server.stderrLines();
                assertThat(lines.get(lines.size() - 3)).isEqualTo("SIGTERM while stopping (SIGTERM): exiting at once "
                    + "with 1; what was not yet written or sent is lost (totals follow)");
                List<String> totals = server.nonLogLines();
                assertThat(totals).hasSize(2);
                assertThat(totals.get(0)).matches("total listener 127\\.0\\.0\\.1:[0-9]+: datagrams in [0-9]+, bytes in "
                    + input.length + ", dropped 0, errors 0, kernel drops 0");
                Matcher output = Pattern.compile("total output " + Pattern.quote(out.toString())
                    + ": datagrams out [0-9]+, bytes out ([0-9]+), dropped 0, errors 0").matcher(totals.get(1));
                assertThat(output.matches()).as(totals.get(1)).isTrue();
                byte[] received = reader.readAllBytes();
                assertThat(received.length).isLessThan(input.length)
                    .isGreaterThanOrEqualTo(Integer.parseInt(output.group(1)));
                assertThat(received).isEqualTo(Arrays.copyOf(input, received.length));
            }
        }
    }

    /** @return the first {@code length} bytes a reader of {@code fifo} gets; it then closes its end. */
    private static byte[] read(Path fifo, int length) {
        try (InputStream reader = Files.newInputStream(fifo)) {
            return reader.readNBytes(length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
