package io.mproxy.server;

import static io.mproxy.common.test.TestFiles.read;
import static io.mproxy.server.TestData.assertCleanExit;
import static io.mproxy.server.TestData.awaitContent;
import static io.mproxy.server.TestData.lines;
import static io.mproxy.server.TestData.stop;
import static io.mproxy.server.TestData.unicastServer;
import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.test.Await;
import io.mproxy.common.test.Binary;
import io.mproxy.common.test.BinaryProcess;
import io.mproxy.common.test.FreePorts;
import io.mproxy.common.test.TestFiles;
import io.mproxy.common.test.TestNetwork;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mproxy-client to mproxy-server as processes over real sockets, in every transport, byte-exact. */
class ClientToServerTest {
    @TempDir
    Path dir;

    /**
     * Starts a server listening on {@code listen} (port 0) writing {@code out}, sends {@code input} from a file with
     * the client to {@code host:port} with {@code clientArgs}, and checks the file holds exactly the input.
     */
    private void deliver(String listen, String host, List<String> serverArgs, List<String> clientArgs)
        throws IOException {
        byte[] input = lines("a", 5_000);
        Path in = Files.write(dir.resolve("in.txt"), input);
        Path out = dir.resolve("out.txt");
        List<String> server = new ArrayList<>(List.of("--listen-addr", listen, "--path", out.toString()));
        server.addAll(serverArgs);
        try (BinaryProcess process = BinaryProcess.start(Binary.SERVER, dir, server.toArray(String[]::new))) {
            int port = process.listeningPort();
            List<String> client = new ArrayList<>(List.of("--path", in.toString(), "--server-addr", host + ":" + port));
            client.addAll(clientArgs);
            BinaryProcess sender = BinaryProcess.run(Binary.CLIENT, dir, client.toArray(String[]::new));
            assertCleanExit(sender);
            assertThat(sender.stderr()).as("no progress bar when stderr is not a terminal").doesNotContain("\r", "ETA");
            awaitContent(out, input);
            stop(process);
        }
        assertThat(read(out)).isEqualTo(input);
    }

    @Test
    void shouldDeliverFileByteExactOverIpv4Unicast() throws IOException {
        deliver("127.0.0.1:0", "127.0.0.1", List.of(), List.of());
    }

    @Test
    void shouldDeliverFileByteExactOverIpv6Unicast() throws IOException {
        deliver("[::1]:0", "[::1]", List.of(), List.of());
    }

    @Test
    void shouldDeliverToAServerNamedLocalhost() throws IOException {
        deliver("localhost:0", "localhost", List.of(), List.of());
    }

    @Test
    void shouldDeliverOverIpv4MulticastOnLoopback() throws IOException {
        TestNetwork.assumeTestNamespace();
        deliver("239.255.77.1:0", "239.255.77.1", List.of("--multicast-interface", "lo"),
            List.of("--multicast-interface", "lo"));
    }

    @Test
    void shouldDeliverOverIpv6MulticastOnTheVeth() throws IOException {
        TestNetwork.assumeTestNamespace();
        deliver("[ff15::77]:0", "[ff15::77]", List.of("--multicast-interface", TestNetwork.V6_INTERFACE),
            List.of("--multicast-interface", TestNetwork.V6_INTERFACE));
    }

    @Test
    void shouldSend64KiBDatagramsByDefaultToAGroupPinnedToLoopback() throws IOException {
        TestNetwork.assumeTestNamespace();
        byte[] input = TestFiles.digitLines(20, 20_000);
        Path in = Files.write(dir.resolve("in.txt"), input);
        Path out = dir.resolve("out.txt");
        try (BinaryProcess server = BinaryProcess.start(Binary.SERVER, dir, "--listen-addr", "239.255.77.2:0",
                "--multicast-interface", "lo", "--path", out.toString())) {
            BinaryProcess client = BinaryProcess.run(Binary.CLIENT, dir, "--path", in.toString(), "--stats=0",
                "--multicast-interface", "lo", "--server-addr", "239.255.77.2:" + server.listeningPort());
            assertThat(client.awaitExit()).as(client.stderr()).isZero();
            assertThat(client.nonLogLines().get(0)).as("three whole lines per datagram, none split")
                .endsWith(": bytes in 400020, datagrams out 7, split lines 0");
            awaitContent(out, input);
            stop(server);
        }
    }

    @Test
    void shouldDeliverRawFramingAndLargeDatagramsUntruncated() throws IOException {
        deliver("127.0.0.1:0", "127.0.0.1", List.of(), List.of("--framing", "raw", "--max-datagram", "65507"));
    }

    @Test
    void shouldSplitLinesLongerThanADatagramCountThemAndDeliverThemWhole() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            text.append("short ").append(i).append('\n').append(String.valueOf(i % 10).repeat(2_500)).append('\n');
        }
        byte[] input = text.toString().getBytes(StandardCharsets.US_ASCII);
        Path in = Files.write(dir.resolve("in.txt"), input);
        Path out = dir.resolve("out.txt");
        try (BinaryProcess server = unicastServer(dir, out)) {
            BinaryProcess client = BinaryProcess.run(Binary.CLIENT, dir, "--path", in.toString(), "--stats=0",
                "--max-datagram", "1000", "--server-addr", "127.0.0.1:" + server.listeningPort());
            assertThat(client.awaitExit()).as(client.stderr()).isZero();
            assertThat(client.nonLogLines().get(0)).endsWith(", split lines 20");
            awaitContent(out, input);
            stop(server);
        }
    }

    @Test
    void shouldSendEveryDatagramToEveryServer() throws IOException {
        byte[] input = lines("a", 5_000);
        Path in = Files.write(dir.resolve("in.txt"), input);
        Path out1 = dir.resolve("out1.txt");
        Path out2 = dir.resolve("out2.txt");
        try (BinaryProcess server1 = BinaryProcess.start(Binary.SERVER, dir, "--listen-addr", "127.0.0.1:0",
                "--path", out1.toString());
             BinaryProcess server2 = BinaryProcess.start(Binary.SERVER, dir, "--listen-addr", "[::1]:0",
                "--path", out2.toString())) {
            int port1 = server1.listeningPort();
            int port2 = server2.listeningPort();
            assertCleanExit(BinaryProcess.run(Binary.CLIENT, dir, "--path", in.toString(),
                "--server-addr", "127.0.0.1:" + port1, "--server-addr", "[::1]:" + port2));
            awaitContent(out1, input);
            awaitContent(out2, input);
            server1.terminate();
            server2.terminate();
            assertCleanExit(server1);
            assertCleanExit(server2);
        }
    }

    @Test
    void shouldNeverInterleaveHalfLinesWhenTwoClientsSendToOneServer() throws IOException {
        byte[] inputA = lines("client-a", 5_000);
        byte[] inputB = lines("client-b", 5_000);
        Path inA = Files.write(dir.resolve("a.txt"), inputA);
        Path inB = Files.write(dir.resolve("b.txt"), inputB);
        Path out = dir.resolve("out.txt");
        try (BinaryProcess server = unicastServer(dir, out)) {
            String destination = "127.0.0.1:" + server.listeningPort();
            BinaryProcess clientA = BinaryProcess.start(Binary.CLIENT, dir, "--path", inA.toString(),
                "--server-addr", destination, "--max-datagram", "500", "--rate", "10M");
            BinaryProcess clientB = BinaryProcess.start(Binary.CLIENT, dir, "--path", inB.toString(),
                "--server-addr", destination, "--max-datagram", "500", "--rate", "10M");
            assertCleanExit(clientA);
            assertCleanExit(clientB);
            Await.until("both inputs in " + out,
                () -> TestFiles.size(out) >= inputA.length + inputB.length);
            stop(server);
        }
        List<String> expected = new ArrayList<>(new String(inputA, StandardCharsets.US_ASCII).lines().toList());
        expected.addAll(new String(inputB, StandardCharsets.US_ASCII).lines().toList());
        String written = new String(read(out), StandardCharsets.US_ASCII);
        assertThat(written).endsWith("\n").hasSize(inputA.length + inputB.length);
        assertThat(written.lines().toList()).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void shouldCopyTheInputToStdoutExactlyWithTee() throws IOException {
        byte[] input = lines("tee", 3_000);
        Path in = Files.write(dir.resolve("in.txt"), input);
        Path out = dir.resolve("out.txt");
        try (BinaryProcess server = unicastServer(dir, out)) {
            BinaryProcess client = BinaryProcess.run(Binary.CLIENT, dir, "--path", in.toString(), "--tee",
                "--server-addr", "127.0.0.1:" + server.listeningPort());
            assertCleanExit(client);
            assertThat(client.stdoutBytes()).isEqualTo(input);
            awaitContent(out, input);
            stop(server);
        }
    }

    @Test
    void shouldCopyTheInputToStdoutWithTeeAndNoServer() throws IOException {
        byte[] input = lines("tee", 3_000);
        Path in = Files.write(dir.resolve("in.txt"), input);
        BinaryProcess client = BinaryProcess.run(Binary.CLIENT, dir, "--path", in.toString(), "-t");
        assertCleanExit(client);
        assertThat(client.stdoutBytes()).isEqualTo(input);
    }

    @Test
    void shouldSendWhatWasReadUnpacedAndExitZeroWhenStoppedWhilePacedSlowly() throws IOException {
        byte[] input = lines("slow", 1_000);
        Path in = Files.write(dir.resolve("in.txt"), input);
        Path out = dir.resolve("out.txt");
        try (BinaryProcess server = unicastServer(dir, out)) {
            // 100 bytes/s: after the first datagram, the rest of the file would take minutes to pace out.
            BinaryProcess client = BinaryProcess.start(Binary.CLIENT, dir, "--path", in.toString(),
                "--server-addr", "127.0.0.1:" + server.listeningPort(), "--rate", "100");
            Await.until("the first datagram in " + out, () -> TestFiles.size(out) > 0);
            client.terminate();
            assertCleanExit(client);
            awaitContent(out, input);
            stop(server);
        }
    }

    @Test
    void shouldSendStdinFromAPipeAndEachLineAsItComes() throws IOException {
        Path out = dir.resolve("out.txt");
        try (BinaryProcess server = unicastServer(dir, out)) {
            BinaryProcess client = BinaryProcess.start(Binary.CLIENT, dir, "--path", "-",
                "--server-addr", "127.0.0.1:" + server.listeningPort());
            OutputStream stdin = client.stdin();
            byte[] first = "a first line, alone\n".getBytes(StandardCharsets.US_ASCII);
            stdin.write(first);
            stdin.flush();
            // Low rate: the line must reach the file while the client still waits for more input.
            awaitContent(out, first);
            byte[] rest = lines("pipe", 3_000);
            stdin.write(rest);
            stdin.write("a last line without newline".getBytes(StandardCharsets.US_ASCII));
            client.closeStdin();
            assertCleanExit(client);
            awaitContent(out, TestFiles.concat(first, rest,
                "a last line without newline".getBytes(StandardCharsets.US_ASCII)));
            stop(server);
        }
    }

    @Test
    void shouldKeepSendingToTheOtherServerAndCountErrorsWhenOneIsUnreachable() throws IOException {
        byte[] input = lines("a", 5_000);
        Path in = Files.write(dir.resolve("in.txt"), input);
        Path out = dir.resolve("out.txt");
        int closed = FreePorts.udp();
        try (BinaryProcess server = unicastServer(dir, out)) {
            int port = server.listeningPort();
            BinaryProcess client = BinaryProcess.run(Binary.CLIENT, dir, "--path", in.toString(), "--stats=0",
                "--server-addr", "127.0.0.1:" + closed, "--server-addr", "127.0.0.1:" + port);
            assertThat(client.awaitExit()).as(client.stderr()).isZero();
            awaitContent(out, input);
            stop(server);

            List<String> summary = client.nonLogLines();
            assertThat(summary).hasSize(3);
            Matcher inputLine = Pattern.compile("total input " + Pattern.quote(
                in.toString()) + ": bytes in " + input.length + ", datagrams out (\\d+), split lines 0")
                .matcher(summary.get(0));
            assertThat(inputLine.matches()).as(summary.get(0)).isTrue();
            long datagrams = Long.parseLong(inputLine.group(1));
            Matcher unreachable = Pattern.compile("total server 127\\.0\\.0\\.1:" + closed
                + ": datagrams out (\\d+), bytes out \\d+, send errors (\\d+)").matcher(summary.get(1));
            assertThat(unreachable.matches()).as(summary.get(1)).isTrue();
            long errors = Long.parseLong(unreachable.group(2));
            assertThat(errors).as("send errors").isPositive();
            assertThat(Long.parseLong(unreachable.group(1)) + errors).as("each datagram sent or counted")
                .isEqualTo(datagrams);
            assertThat(summary.get(2)).isEqualTo("total server 127.0.0.1:" + port
                + ": datagrams out " + datagrams + ", bytes out " + input.length + ", send errors 0");
            assertThat(client.stderrLines()).contains("cannot send to 127.0.0.1:" + closed
                + ": port unreachable (nothing listens there)");
        }
    }
}
