package io.mproxy.server;

import static io.mproxy.common.test.TestFiles.read;
import static io.mproxy.server.TestData.assertCleanExit;
import static io.mproxy.server.TestData.awaitContent;
import static io.mproxy.server.TestData.lines;
import static io.mproxy.server.TestData.send;
import static io.mproxy.server.TestData.stop;
import static io.mproxy.server.TestData.unicastServer;
import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.test.Await;
import io.mproxy.common.test.Binary;
import io.mproxy.common.test.BinaryProcess;
import io.mproxy.common.test.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's files as a user sees them: one per listener or merged, reopened on SIGHUP, flushed on SIGTERM. */
class ServerOutputTest {
    @TempDir
    Path dir;

    @Test
    void shouldWriteOneFileNamedAfterEachListener() throws IOException {
        byte[] inputA = lines("v4", 2_000);
        byte[] inputB = lines("v6", 3_000);
        Path out = dir.resolve("out.log");
        try (BinaryProcess server = BinaryProcess.start(Binary.SERVER, dir, "--listen-addr", "127.0.0.1:0",
                "--listen-addr", "[::1]:0", "--path", out.toString())) {
            List<Integer> ports = server.listeningPorts(2);
            send(dir, inputA, "a.txt", "127.0.0.1:" + ports.get(0));
            send(dir, inputB, "b.txt", "[::1]:" + ports.get(1));
            awaitContent(dir.resolve("out.log.127.0.0.1_" + ports.get(0)), inputA);
            awaitContent(dir.resolve("out.log.__1_" + ports.get(1)), inputB);
            stop(server);
        }
        assertThat(out).doesNotExist();
    }

    @Test
    void shouldWriteEveryListenerIntoOneFileWithMerge() throws IOException {
        byte[] inputA = lines("v4", 2_000);
        byte[] inputB = lines("v6", 3_000);
        Path out = dir.resolve("out.log");
        try (BinaryProcess server = BinaryProcess.start(Binary.SERVER, dir, "--listen-addr", "127.0.0.1:0",
                "--listen-addr", "[::1]:0", "--path", out.toString(), "--merge")) {
            List<Integer> ports = server.listeningPorts(2);
            send(dir, inputA, "a.txt", "127.0.0.1:" + ports.get(0));
            awaitContent(out, inputA);
            send(dir, inputB, "b.txt", "[::1]:" + ports.get(1));
            awaitContent(out, TestFiles.concat(inputA, inputB));
            stop(server);
        }
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("out.log."));
        }
    }

    @Test
    void shouldReopenTheFileOnSighup() throws IOException {
        byte[] before = lines("before", 2_000);
        byte[] after = lines("after", 2_000);
        Path out = dir.resolve("out.log");
        Path rotated = dir.resolve("out.log.1");
        try (BinaryProcess server = unicastServer(dir, out)) {
            String destination = "127.0.0.1:" + server.listeningPort();
            send(dir, before, "before.txt", destination);
            awaitContent(out, before);
            Files.move(out, rotated);
            server.signal("HUP");
            server.awaitStderr("reopened " + Pattern.quote(out.toString()));
            send(dir, after, "after.txt", destination);
            awaitContent(out, after);
            stop(server);
        }
        assertThat(read(rotated)).isEqualTo(before);
        assertThat(read(out)).isEqualTo(after);
    }

    /**
     * Started with SIGHUP ignored, as under nohup, the JVM leaves it ignored: the server says so when it starts,
     * rather than let a logrotate's SIGHUP go silently without effect, and keeps writing the file it has open.
     */
    @Test
    void shouldWarnAtStartThatSighupWillNotReopenWhenItWasIgnoredAndKeepWriting() throws IOException {
        byte[] input = lines("nohup", 1_000);
        Path out = dir.resolve("out.log");
        List<String> command = new ArrayList<>(List.of("sh", "-c", "trap '' HUP; exec \"$@\"", "sh"));
        command.addAll(BinaryProcess.command(Binary.SERVER, "--listen-addr", "127.0.0.1:0", "--path", out.toString()));
        try (BinaryProcess server = BinaryProcess.launch(Binary.SERVER, dir, null, command)) {
            int port = server.listeningPort();
            assertThat(server.stderrLines()).first().isEqualTo("SIGHUP was ignored when this process started "
                + "(nohup?) and stays ignored: it will not reopen the output files; start it without nohup (setsid, "
                + "systemd) to use SIGHUP");
            server.signal("HUP");
            send(dir, input, "input.txt", "127.0.0.1:" + port);
            awaitContent(out, input);
            stop(server);
            assertThat(server.stderr()).doesNotContain("reopened");
        }
    }

    @Test
    void shouldWriteEverythingReceivedAndExit0OnSigterm() throws IOException {
        byte[] input = lines("term", 8_000);
        Path in = Files.write(dir.resolve("in.txt"), input);
        Path out = dir.resolve("out.log");
        try (BinaryProcess server = unicastServer(dir, out, "--stats=0")) {
            int port = server.listeningPort();
            // Stopped, the server cannot read: everything sent waits in its socket's kernel queue (~350 kB of
            // 4 MiB) when SIGTERM and SIGCONT arrive. What the kernel accepted before SIGTERM must be written.
            server.stop();
            BinaryProcess client = BinaryProcess.run(Binary.CLIENT, dir, "--path", in.toString(), "--stats=0",
                "--server-addr", "127.0.0.1:" + port);
            assertThat(client.awaitExit()).as(client.stderr()).isZero();
            server.terminate();
            server.signal("CONT");
            assertThat(server.awaitExit()).as(server.stderr()).isZero();
            assertThat(read(out)).isEqualTo(input);

            String datagrams = client.nonLogLines().get(0).replaceAll(".*datagrams out (\\d+),.*", "$1");
            assertThat(server.stderrLines()).contains("stopping (SIGTERM)");
            assertThat(server.nonLogLines()).containsExactly(
                "total listener 127.0.0.1:" + port + ": datagrams in " + datagrams + ", bytes in " + input.length
                    + ", dropped 0, errors 0, kernel drops 0",
                "total output " + out + ": datagrams out " + datagrams + ", bytes out " + input.length
                    + ", dropped 0, errors 0");
        }
    }

    @Test
    void shouldReportEveryDatagramAsWrittenOrDroppedByTheKernelWhenTheServerCannotRead() throws IOException {
        Path in = Files.write(dir.resolve("in.txt"), lines("drop", 5_000));
        Path out = dir.resolve("out.log");
        try (BinaryProcess server = unicastServer(dir, out, "--stats=0", "--rcvbuf", "16Ki")) {
            int port = server.listeningPort();
            long sent = sendWhileStopped(server, in);

            Matcher listener = Pattern.compile("total listener 127\\.0\\.0\\.1:" + port + ": datagrams in (\\d+), "
                + "bytes in (\\d+), dropped 0, errors 0, kernel drops (\\d+)").matcher(server.nonLogLines().get(0));
            assertThat(listener.matches()).as(server.nonLogLines().get(0)).isTrue();
            long received = Long.parseLong(listener.group(1));
            long kernelDrops = Long.parseLong(listener.group(3));
            assertThat(kernelDrops).as("kernel drops").isPositive();
            assertThat(received + kernelDrops).as("received + kernel drops").isEqualTo(sent);
            assertThat(server.nonLogLines().get(1)).isEqualTo("total output " + out + ": datagrams out " + received
                + ", bytes out " + listener.group(2) + ", dropped 0, errors 0");
            assertThat(TestFiles.size(out)).isEqualTo(Long.parseLong(listener.group(2)));
        }
    }

    @Test
    void shouldPrintTheTotalsOfWhatLostDataAtExitEvenWithoutStats() throws IOException {
        Path in = Files.write(dir.resolve("in.txt"), lines("drop", 5_000));
        Path out = dir.resolve("out.log");
        try (BinaryProcess server = unicastServer(dir, out, "--rcvbuf", "16Ki")) {
            int port = server.listeningPort();
            long sent = sendWhileStopped(server, in);

            // Only the listener lost data, in the kernel: its totals are the one line besides the log.
            assertThat(server.nonLogLines()).as(server.stderr()).hasSize(1);
            Matcher listener = Pattern.compile("total listener 127\\.0\\.0\\.1:" + port + ": datagrams in (\\d+), "
                + "bytes in (\\d+), dropped 0, errors 0, kernel drops (\\d+)").matcher(server.nonLogLines().get(0));
            assertThat(listener.matches()).as(server.nonLogLines().get(0)).isTrue();
            assertThat(Long.parseLong(listener.group(3))).as("kernel drops").isPositive();
            assertThat(Long.parseLong(listener.group(1)) + Long.parseLong(listener.group(3))).isEqualTo(sent);
        }
    }

    /**
     * Sends ~200 datagrams to a stopped server with a small socket buffer, so that the kernel must drop most of them,
     * then stops it (SIGTERM, then SIGCONT) and waits for exit 0.
     *
     * @return how many datagrams the client sent.
     */
    private long sendWhileStopped(BinaryProcess server, Path in) {
        int port = server.listeningPort();
        server.stop();
        BinaryProcess client = BinaryProcess.run(Binary.CLIENT, dir, "--path", in.toString(), "--stats=0",
            "--server-addr", "127.0.0.1:" + port, "--max-datagram", "1000", "--rate", "20M");
        assertThat(client.awaitExit()).as(client.stderr()).isZero();
        server.terminate();
        server.signal("CONT");
        assertThat(server.awaitExit()).as(server.stderr()).isZero();
        return Long.parseLong(client.nonLogLines().get(0).replaceAll(".*datagrams out (\\d+),.*", "$1"));
    }

    @Test
    void shouldWriteToStdoutByDefaultAndWithTee() throws IOException {
        byte[] input = lines("stdout", 2_000);
        Path out = dir.resolve("out.log");
        try (BinaryProcess toStdout = BinaryProcess.start(Binary.SERVER, dir, "--listen-addr", "127.0.0.1:0");
             BinaryProcess teed = unicastServer(dir, out, "--tee")) {
            Path in = Files.write(dir.resolve("in.txt"), input);
            assertCleanExit(BinaryProcess.run(Binary.CLIENT, dir, "--path", in.toString(),
                "--server-addr", "127.0.0.1:" + toStdout.listeningPort(),
                "--server-addr", "127.0.0.1:" + teed.listeningPort()));
            awaitContent(out, input);
            Await.until("stdout of both servers",
                () -> toStdout.stdoutBytes().length >= input.length && teed.stdoutBytes().length >= input.length);
            toStdout.terminate();
            teed.terminate();
            assertCleanExit(toStdout);
            assertCleanExit(teed);
            assertThat(toStdout.stdoutBytes()).isEqualTo(input);
            assertThat(teed.stdoutBytes()).isEqualTo(input);
        }
    }
}
