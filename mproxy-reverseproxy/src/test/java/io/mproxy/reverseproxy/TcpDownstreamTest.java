package io.mproxy.reverseproxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.test.Await;
import io.mproxy.common.test.Binary;
import io.mproxy.common.test.BinaryProcess;
import io.mproxy.common.test.FreePorts;
import io.mproxy.common.test.SegmentedSend;
import io.mproxy.common.test.TestNetwork;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --tcp-downstream-addr}: one outbound connection that survives its server being down. */
class TcpDownstreamTest {
    @TempDir
    Path dir;

    @BeforeEach
    void inTestNamespace() {
        TestNetwork.assumeTestNamespace();
    }

    @Test
    void shouldDeliverEverythingSentAfterTheSinkComesUpWhenItWasDownAtStart() throws IOException {
        int size = 300;
        int whileDown = 100;
        int afterUp = 2000;
        int sinkPort = FreePorts.tcp();
        try (DatagramChannel observer = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             BinaryProcess proxy = BinaryProcess.start(Binary.REVERSE_PROXY, dir, "--multicast-addr", "239.1.2.5:19301",
                 "--multicast-interface", "lo", "--udp-listen-addr", "127.0.0.1:0",
                 "--tcp-downstream-addr", "127.0.0.1:" + sinkPort, "--stats=0",
                 "--udp-output-addr", "127.0.0.1:" + ((InetSocketAddress) observer.getLocalAddress()).getPort())) {
            int input = proxy.listeningPort();
            proxy.awaitStderr("cannot connect to 127.0.0.1:" + sinkPort + ": connection refused; retrying");
            AtomicInteger observed = new AtomicInteger();
            observer.configureBlocking(false);
            ByteBuffer scratch = ByteBuffer.allocate(65536);
            Feed.send(input, 0, whileDown, size, 50, sent -> {
                try {
                    while (observer.receive(scratch.clear()) != null) {
                        observed.incrementAndGet();
                    }
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
                return observed.get() >= sent;
            });
            try (ServerSocketChannel sink = ServerSocketChannel.open()) {
                sink.bind(new InetSocketAddress("127.0.0.1", sinkPort));
                try (SocketChannel connection = accept(sink)) {
                    ByteArrayOutputStream received = new ByteArrayOutputStream();
                    connection.configureBlocking(false);
                    Feed.send(input, whileDown, whileDown + afterUp, size, 100, sent -> {
                        read(connection, received);
                        return received.size() >= (sent - whileDown) * size;
                    });
                    assertThat(received.toByteArray()).isEqualTo(Feed.stream(whileDown, whileDown + afterUp, size));
                    proxy.terminate();
                    assertThat(proxy.awaitExit()).as(proxy.stderr()).isZero();
                }
            }
            List<String> warnings = proxy.stderrLines().stream().filter(l -> l.contains("cannot connect")).toList();
            assertThat(warnings).as("a refused attempt is logged once, not per attempt").hasSize(1);
            assertThat(proxy.stderr()).contains("connected to 127.0.0.1:" + sinkPort)
                .containsPattern("total tcp downstream 127.0.0.1:" + sinkPort + ": datagrams out " + afterUp
                    + ", bytes out " + afterUp * size + ", dropped " + whileDown + ", errors [1-9]\\d*, reconnects 0");
        }
    }

    @Test
    void shouldPassTheDatagramsOfASegmentedSendOnOneByOneAndCountEach() throws Exception {
        List<byte[]> sent = new ArrayList<>();
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        for (int i = 0; i < 64; i++) {
            byte[] datagram = (i == 63 ? "the short last one" : String.format("%05d", i).repeat(24))
                .getBytes(StandardCharsets.US_ASCII);
            sent.add(datagram);
            stream.write(datagram);
        }
        int sinkPort = FreePorts.tcp();
        try (DatagramChannel observer = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             ServerSocketChannel sink = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", sinkPort));
             BinaryProcess proxy = BinaryProcess.start(Binary.REVERSE_PROXY, dir, "--multicast-addr", "239.1.2.5:19303",
                 "--multicast-interface", "lo", "--udp-listen-addr", "127.0.0.1:0",
                 "--tcp-downstream-addr", "127.0.0.1:" + sinkPort, "--stats=0",
                 "--udp-output-addr", "127.0.0.1:" + ((InetSocketAddress) observer.getLocalAddress()).getPort());
             SocketChannel connection = accept(sink)) {
            SegmentedSend.send(new InetSocketAddress("127.0.0.1", proxy.listeningPort()), sent);

            List<String> observed = new ArrayList<>();
            observer.configureBlocking(false);
            ByteBuffer datagram = ByteBuffer.allocate(65536);
            Await.until("64 datagrams at the UDP output", () -> {
                try {
                    while (observer.receive(datagram.clear()) != null) {
                        observed.add(StandardCharsets.US_ASCII.decode(datagram.flip()).toString());
                    }
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
                return observed.size() >= 64;
            }, Await.DEFAULT, proxy::stderr);
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            connection.configureBlocking(false);
            Await.until("the stream at the TCP downstream", () -> {
                read(connection, received);
                return received.size() >= stream.size();
            }, Await.DEFAULT, proxy::stderr);
            proxy.terminate();
            assertThat(proxy.awaitExit()).as(proxy.stderr()).isZero();

            assertThat(observed).containsExactlyElementsOf(
                sent.stream().map(b -> new String(b, StandardCharsets.US_ASCII)).toList());
            assertThat(received.toByteArray()).isEqualTo(stream.toByteArray());
            assertThat(proxy.stderr()).containsPattern("total udp input 127\\.0\\.0\\.1:\\d+: datagrams in 64, "
                + "bytes in " + stream.size() + ", datagrams out 64, errors 0, kernel dropped runs 0");
            // the group socket takes the run whole, into one record of the ring: the outputs still count datagrams
            assertThat(proxy.stderr()).contains("total group 239.1.2.5:19303: datagrams in 64, bytes in "
                + stream.size() + ", errors 0, kernel dropped runs 0");
            assertThat(proxy.stderr()).contains("total tcp downstream 127.0.0.1:" + sinkPort + ": datagrams out 64, "
                + "bytes out " + stream.size() + ", dropped 0, errors 0, reconnects 0");
            assertThat(proxy.stderr()).contains("total udp outputs: datagrams out 64, dropped 0");
        }
    }

    @Test
    void shouldReconnectAndDeliverWhatComesAfterWhenTheSinkRestartsMidStream() throws IOException {
        int size = 200;
        int sinkPort = FreePorts.tcp();
        try (BinaryProcess proxy = BinaryProcess.start(Binary.REVERSE_PROXY, dir, "--multicast-addr", "239.1.2.5:19302",
            "--multicast-interface", "lo", "--udp-listen-addr", "127.0.0.1:0", "--stats=0",
            "--tcp_downstream_addr", "127.0.0.1:" + sinkPort)) {
            int input = proxy.listeningPort();
            for (int round = 0; round < 2; round++) {
                try (ServerSocketChannel sink = ServerSocketChannel.open()) {
                    sink.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
                    sink.bind(new InetSocketAddress("127.0.0.1", sinkPort));
                    try (SocketChannel connection = accept(sink)) {
                        ByteArrayOutputStream received = new ByteArrayOutputStream();
                        connection.configureBlocking(false);
                        int from = round * 1000;
                        Feed.send(input, from, from + 1000, size, 100, sent -> {
                            read(connection, received);
                            return received.size() >= (sent - from) * size;
                        });
                        assertThat(received.toByteArray()).isEqualTo(Feed.stream(from, from + 1000, size));
                    }
                }
                proxy.awaitStderr("tcp downstream 127.0.0.1:" + sinkPort + " gone: closed by the peer");
            }
            proxy.terminate();
            assertThat(proxy.awaitExit()).as(proxy.stderr()).isZero();
            assertThat(proxy.stderr()).containsPattern("total tcp downstream 127.0.0.1:" + sinkPort + ": datagrams out "
                + "2000, bytes out 400000, dropped 0, errors \\d+, reconnects 1");
        }
    }

    private static void read(SocketChannel connection, ByteArrayOutputStream received) {
        ByteBuffer buffer = ByteBuffer.allocate(65536);
        try {
            int n;
            while ((n = connection.read(buffer.clear())) > 0) {
                received.write(buffer.array(), 0, n);
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static SocketChannel accept(ServerSocketChannel sink) throws IOException {
        sink.configureBlocking(false);
        SocketChannel[] accepted = new SocketChannel[1];
        Await.until("the proxy to connect to the sink", () -> {
            try {
                accepted[0] = sink.accept();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            return accepted[0] != null;
        });
        return accepted[0];
    }
}
