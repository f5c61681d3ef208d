package io.mproxy.reverseproxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.test.Await;
import io.mproxy.common.test.Binary;
import io.mproxy.common.test.BinaryProcess;
import io.mproxy.common.test.ReceivedDatagrams;
import io.mproxy.common.test.TestFiles;
import io.mproxy.common.test.TestNetwork;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TCP into the group, framed into datagrams, out to UDP and TCP outputs. */
class TcpInputTest {
    @TempDir
    Path dir;

    @BeforeEach
    void inTestNamespace() {
        TestNetwork.assumeTestNamespace();
    }

    @Test
    void shouldSendWholeLinesToUdpOutputAndTeeWhenTcpComesIn() throws IOException {
        byte[] input = lines(3000);
        try (DatagramChannel sink = DatagramChannel.open()
                 .setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20).bind(new InetSocketAddress("127.0.0.1", 0));
             BinaryProcess proxy = BinaryProcess.start(Binary.REVERSE_PROXY, dir, "--multicast_addr", "239.1.2.4:19201",
                 "--multicast-interface", "lo", "--tcp_listen_addr", "127.0.0.1:0", "--tee", "--max-datagram", "1000",
                 "--udp_output_addr", "127.0.0.1:" + ((InetSocketAddress) sink.getLocalAddress()).getPort(),
                 "--stats=0")) {
            int port = proxy.listeningPort();
            try (Socket client = new Socket("127.0.0.1", port); OutputStream out = client.getOutputStream()) {
                out.write(input);
            }
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            ByteBuffer datagram = ByteBuffer.allocate(65536);
            sink.configureBlocking(false);
            Await.until("every line at the UDP output", () -> {
                try {
                    while (sink.receive(datagram.clear()) != null) {
                        datagram.flip();
                        assertThat(datagram.remaining()).isBetween(1, 1000);
                        assertThat(datagram.get(datagram.limit() - 1)).as("a datagram ends a line")
                            .isEqualTo((byte) '\n');
                        received.write(datagram.array(), 0, datagram.limit());
                    }
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
                return received.size() >= input.length;
            });
            assertThat(received.toByteArray()).isEqualTo(input);
            proxy.terminate();
            assertThat(proxy.awaitExit()).as(proxy.stderr()).isZero();
            assertThat(proxy.stdoutBytes()).as("--tee").isEqualTo(input);
            assertThat(proxy.stderr()).containsPattern("total tcp input 127.0.0.1:" + port + ": bytes in "
                + input.length
                + ", datagrams out \\d+, dropped 0, truncated 0, split lines 0, errors 0");
        }
    }

    @Test
    void shouldCutWholeLinesInto64KiBDatagramsByDefaultWhenTheGroupIsOnLoopback() throws IOException {
        byte[] input = TestFiles.digitLines(20, 20_000);
        try (DatagramChannel sink = DatagramChannel.open()
                 .setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20).bind(new InetSocketAddress("127.0.0.1", 0));
             BinaryProcess proxy = BinaryProcess.start(Binary.REVERSE_PROXY, dir, "--multicast-addr", "239.1.2.4:19203",
                 "--multicast-interface", "lo", "--tcp-listen-addr", "127.0.0.1:0",
                 "--udp-output-addr", "127.0.0.1:" + ((InetSocketAddress) sink.getLocalAddress()).getPort())) {
            int port = proxy.listeningPort();
            try (Socket client = new Socket("127.0.0.1", port); OutputStream out = client.getOutputStream()) {
                out.write(input);
            }
            ReceivedDatagrams received = ReceivedDatagrams.receive(sink, input.length);
            assertThat(received.sizes())
                .as("whole lines of 20 001 bytes, up to three per datagram (as TCP reads bring them)")
                .allSatisfy(size -> assertThat(size % 20_001).isZero()).allSatisfy(size -> assertThat(size)
                    .isBetween(20_001, 60_003));
            assertThat(received.bytes()).isEqualTo(input);
            proxy.terminate();
            assertThat(proxy.awaitExit()).as(proxy.stderr()).isZero();
        }
    }

    @Test
    void shouldKeepMessagesWholeWhenLengthFramedBothWays() throws IOException {
        ByteArrayOutputStream framed = new ByteArrayOutputStream();
        for (int i = 0; i < 500; i++) {
            byte[] message = ("message " + i + " " + "x".repeat(i % 300)).getBytes(StandardCharsets.US_ASCII);
            framed.writeBytes(ByteBuffer.allocate(4).putInt(message.length).array());
            framed.writeBytes(message);
        }
        byte[] input = framed.toByteArray();
        try (BinaryProcess proxy = BinaryProcess.start(Binary.REVERSE_PROXY, dir, "--multicast-addr", "239.1.2.4:19202",
            "--multicast-interface", "lo", "--tcp-listen-addr", "127.0.0.1:0", "--tcp-output-addr", "127.0.0.1:0",
            "--input-framing", "length", "--output-framing", "length")) {
            List<Integer> ports = proxy.listeningPorts(2);
            try (StreamClient reader = StreamClient.connect(ports.get(1))) {
                proxy.awaitStderr("tcp output client \\S+ connected");
                try (Socket writer = new Socket("127.0.0.1", ports.get(0));
                     OutputStream out = writer.getOutputStream()) {
                    out.write(input);
                }
                Await.until("every message at the TCP output", () -> reader.size() >= input.length);
                assertThat(reader.bytes()).isEqualTo(input);
            }
            proxy.terminate();
            assertThat(proxy.awaitExit()).as(proxy.stderr()).isZero();
        }
    }

    private static byte[] lines(int count) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            text.append("line ").append(i).append(" of the tcp input").append("!".repeat(i % 50)).append('\n');
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
