package io.mproxy.proxy;

import static io.mproxy.common.test.TestFiles.awaitSize;
import static io.mproxy.common.test.TestFiles.concat;
import static io.mproxy.proxy.TestData.lines;
import static io.mproxy.proxy.TestData.listenTcp;
import static io.mproxy.proxy.TestData.serveOnce;
import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.test.Await;
import io.mproxy.common.test.Binary;
import io.mproxy.common.test.BinaryProcess;
import io.mproxy.common.test.FreePorts;
import io.mproxy.common.test.ReceivedDatagrams;
import io.mproxy.common.test.TestFiles;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A TCP server in the test JVM, mproxy-proxy --tcp-connect-addr as a process, and what reaches the downstream. */
class TcpUpstreamTest {
    @TempDir
    Path dir;

    @Test
    void shouldForwardEveryLineAndReconnectWhenTheTcpServerRestarts() throws IOException {
        byte[] before = lines("before", 5_000);
        byte[] after = lines("after", 5_000);
        Path out = dir.resolve("out.txt");
        try (BinaryProcess server = BinaryProcess.start(Binary.SERVER, dir, "--listen-addr", "127.0.0.1:0",
            "--path", out.toString())) {
            int udpPort = server.listeningPort();
            int tcpPort;
            try (ServerSocket upstream = listenTcp(0)) {
                tcpPort = upstream.getLocalPort();
                try (BinaryProcess proxy = BinaryProcess.start(Binary.PROXY, dir, "--tcp-connect-addr",
                    "127.0.0.1:" + tcpPort, "--udp-downstream-addr", "127.0.0.1:" + udpPort, "--stats=0")) {
                    serveOnce(upstream, before);
                    awaitSize(out, before.length);
                    upstream.close();
                    proxy.awaitStderr("127\\.0\\.0\\.1:" + tcpPort + ": connection closed by the server after "
                        + before.length + " bytes; retrying in \\d\\.\\d s");
                    try (ServerSocket restarted = listenTcp(tcpPort)) {
                        serveOnce(restarted, after);
                        awaitSize(out, before.length + after.length);
                    }
                    proxy.terminate();
                    assertThat(proxy.awaitExit()).as(proxy.stderr()).isZero();
                    assertThat(proxy.stderr().split("connected to 127\\.0\\.0\\.1:" + tcpPort + " ", -1)).hasSize(3)
                        .as("two connections logged");
                    assertThat(proxy.stderr()).containsPattern("total tcp-upstream 127\\.0\\.0\\.1:" + tcpPort
                        + ": bytes in " + (before.length + after.length) + ", datagrams out [1-9]\\d*, dropped 0");
                }
            }
            server.terminate();
            assertThat(server.awaitExit()).isZero();
        }
        assertThat(Files.readAllBytes(out)).isEqualTo(concat(before, after));
    }

    @Test
    void shouldCutWholeLinesInto64KiBDatagramsByDefaultWhenTheDownstreamIsOnLoopback() throws IOException {
        byte[] bytes = TestFiles.digitLines(20, 20_000);
        try (DatagramChannel downstream = DatagramChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             ServerSocket upstream = listenTcp(0);
             BinaryProcess proxy = BinaryProcess.start(Binary.PROXY, dir, "--tcp-connect-addr",
                 "127.0.0.1:" + upstream.getLocalPort(), "--udp-downstream-addr",
                 "127.0.0.1:" + ((InetSocketAddress) downstream.getLocalAddress()).getPort())) {
            downstream.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            CompletableFuture<Void> served = CompletableFuture.runAsync(() -> serveOnce(upstream, bytes));
            ReceivedDatagrams received = ReceivedDatagrams.receive(downstream, bytes.length);
            served.join();
            assertThat(received.sizes())
                .as("whole lines of 20 001 bytes, up to three per datagram (as TCP reads bring them)")
                .allSatisfy(size -> assertThat(size % 20_001).isZero()).allSatisfy(size -> assertThat(size)
                    .isBetween(20_001, 60_003));
            assertThat(received.bytes()).isEqualTo(bytes);
            proxy.terminate();
            assertThat(proxy.awaitExit()).as(proxy.stderr()).isZero();
        }
    }

    @Test
    void shouldSendEachLengthPrefixedMessageAsOneDatagram() throws IOException {
        List<byte[]> messages = new ArrayList<>();
        ByteBuffer stream = ByteBuffer.allocate(1 << 20);
        for (int i = 0; i < 200; i++) {
            byte[] message = new byte[1 + ThreadLocalRandom.current().nextInt(3000)];
            ThreadLocalRandom.current().nextBytes(message);
            messages.add(message);
            stream.putInt(message.length).put(message);
        }
        byte[] bytes = java.util.Arrays.copyOf(stream.array(), stream.position());
        try (DatagramChannel downstream = DatagramChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             ServerSocket upstream = listenTcp(0);
             BinaryProcess proxy = BinaryProcess.start(Binary.PROXY, dir, "--tcp_connect_addr",
                 "127.0.0.1:" + upstream.getLocalPort(), "--framing", "length", "--udp-downstream-addr",
                 "127.0.0.1:" + ((InetSocketAddress) downstream.getLocalAddress()).getPort())) {
            // Every message must fit in the socket buffer: the proxy sends them in one burst.
            downstream.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            assertThat(downstream.getOption(StandardSocketOptions.SO_RCVBUF)).isGreaterThanOrEqualTo(4 << 20);
            CompletableFuture<Void> served = CompletableFuture.runAsync(() -> serveOnce(upstream, bytes));
            downstream.socket().setSoTimeout((int) Await.DEFAULT.toMillis());
            List<byte[]> received = new ArrayList<>();
            DatagramPacket packet = new DatagramPacket(new byte[65_536], 65_536);
            while (received.size() < messages.size()) {
                downstream.socket().receive(packet);
                received.add(java.util.Arrays.copyOf(packet.getData(), packet.getLength()));
            }
            served.join();
            assertThat(received).containsExactlyElementsOf(messages);
            proxy.terminate();
            assertThat(proxy.awaitExit()).as(proxy.stderr()).isZero();
        }
    }

    @Test
    void shouldKeepRetryingWithBackoffWhenRefusedAndExitZeroOnSigterm() throws IOException {
        int closedPort = FreePorts.tcp();
        try (BinaryProcess proxy = BinaryProcess.start(Binary.PROXY, dir, "--tcp-connect-addr",
            "127.0.0.1:" + closedPort, "--udp-downstream-addr", "127.0.0.1:9", "--reconnect-max", "2s")) {
            proxy.awaitStderr("cannot connect to 127\\.0\\.0\\.1:" + closedPort + ": connection refused; "
                + "retrying in \\d\\.\\d s \\(3 failed attempts in a row\\)");
            proxy.terminate();
            assertThat(proxy.awaitExit()).as(proxy.stderr()).isZero();
            List<String> retries = proxy.stderrLines().stream().filter(l -> l.contains("cannot connect")).toList();
            assertThat(retries).hasSizeGreaterThanOrEqualTo(3);
            assertThat(delays(retries)).allSatisfy(d -> assertThat(d).isBetween(0.2, 2.0));
            assertThat(proxy.stderr()).doesNotContain("Exception").doesNotContain("\tat ");
        }
    }

    /** The delays announced by retry lines, in seconds. */
    private static List<Double> delays(List<String> retries) {
        return retries.stream().map(l -> l.replaceAll(".*retrying in (\\d+\\.\\d) s.*", "$1"))
            .map(Double::parseDouble).toList();
    }
}
