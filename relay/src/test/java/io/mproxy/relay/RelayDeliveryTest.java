package io.mproxy.relay;

import static io.mproxy.relay.RelayTestSupport.start;
import static io.mproxy.relay.RelayTestSupport.total;
import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.test.Await;
import io.mproxy.common.test.Binary;
import io.mproxy.common.test.BinaryProcess;
import io.mproxy.common.test.SegmentedSend;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The relay as a process: every sink gets every packet, in order, exactly once. */
class RelayDeliveryTest {
    private static final int COUNT = 3000;

    @TempDir
    Path dir;

    @Test
    void shouldDeliverEveryPacketInOrderOnceToThreeTcpSinksAndOneUdpSinkWhenUdpIn() throws Exception {
        try (TcpSink fallback = new TcpSink(); TcpSink a = new TcpSink(); TcpSink b = new TcpSink();
             TcpSink c = new TcpSink(); UdpSink u = new UdpSink();
             BinaryProcess relay = start(dir, List.of("spill_dir=" + dir.resolve("spill")), "127.0.0.1:0",
                 fallback.spec(), a.spec(), b.spec(), c.spec(), u.spec())) {
            int port = relay.listeningPort();
            Packets.udp(port, 0, COUNT, 50);
            for (TcpSink sink : List.of(a, b, c)) {
                Await.until("all packets at " + sink.spec(), () -> sink.count() >= COUNT, Await.DEFAULT,
                    relay::stderr);
            }
            Await.until("all packets at " + u.spec(), () -> u.count() >= COUNT, Await.DEFAULT, relay::stderr);
            relay.terminate();
            assertThat(relay.awaitExit()).as(relay.stderr()).isZero();
            for (TcpSink sink : List.of(a, b, c)) {
                assertThat(sink.messages()).isEqualTo(Packets.texts(0, COUNT));
                assertThat(sink.connections()).isEqualTo(1);
            }
            assertThat(u.messages()).isEqualTo(Packets.texts(0, COUNT));
            assertThat(fallback.count()).isZero();
            assertThat(total(relay, a.spec(), "datagrams out")).isEqualTo(COUNT);
            assertThat(total(relay, u.spec(), "datagrams out")).isEqualTo(COUNT);
        }
    }

    @Test
    void shouldDeliverTheDatagramsOfASegmentedSendOneByOneWithTheirOwnLengths() throws Exception {
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 63; i++) {
            sent.add(Packets.text(i).repeat(20).substring(0, 120).getBytes(StandardCharsets.US_ASCII));
        }
        sent.add("short".getBytes(StandardCharsets.US_ASCII));
        try (TcpSink fallback = new TcpSink(); TcpSink a = new TcpSink();
             BinaryProcess relay = start(dir, List.of("spill_dir=" + dir.resolve("spill")), "127.0.0.1:0",
                 fallback.spec(), a.spec())) {
            SegmentedSend.send(new InetSocketAddress("127.0.0.1", relay.listeningPort()), sent);
            Await.until("64 packets", () -> a.count() >= 64, Await.DEFAULT, relay::stderr);
            relay.terminate();
            assertThat(relay.awaitExit()).as(relay.stderr()).isZero();

            assertThat(a.messages()).containsExactlyElementsOf(
                sent.stream().map(b -> new String(b, StandardCharsets.US_ASCII)).toList());
            assertThat(total(relay, a.spec(), "datagrams out")).isEqualTo(64);
            assertThat(total(relay, "listener 127.0.0.1:0", "datagrams in")).isEqualTo(64);
            assertThat(total(relay, "listener 127.0.0.1:0", "kernel dropped runs")).isZero();
            assertThat(fallback.count()).isZero();
        }
    }

    @Test
    void shouldTakeWhatTheSocketHoldsAtSigtermAndPrintTheKernelDropsEvenWithoutStats() throws Exception {
        int sent = 2_000;
        try (TcpSink fallback = new TcpSink(); TcpSink a = new TcpSink();
             BinaryProcess relay = BinaryProcess.start(Binary.RELAY, dir, "--set", "rcvbuf=16Ki",
                 "--set", "spill_dir=" + dir.resolve("spill"), "127.0.0.1:0", fallback.spec(), a.spec())) {
            int port = relay.listeningPort();
            relay.stop();
            Packets.udp(port, 0, sent, sent);
            relay.terminate();
            relay.signal("CONT");
            assertThat(relay.awaitExit()).as(relay.stderr()).isZero();

            // Only the listener lost data, in the kernel: its totals are the one line besides the log. The datagrams
            // were sent one by one, so each dropped run was one datagram.
            assertThat(relay.nonLogLines()).as(relay.stderr()).hasSize(1);
            Matcher listener = Pattern.compile(
                "total listener 127\\.0\\.0\\.1:0: datagrams in (\\d+), bytes in \\d+, errors 0, kernel dropped runs (\\d+)")
                .matcher(relay.nonLogLines().get(0));
            assertThat(listener.matches()).as(relay.nonLogLines().get(0)).isTrue();
            int received = Integer.parseInt(listener.group(1));
            assertThat(Long.parseLong(listener.group(2))).as("kernel drops").isEqualTo(sent - received);
            assertThat(received).isPositive();
            assertThat(a.messages()).isEqualTo(Packets.texts(0, received));
            assertThat(fallback.count()).isZero();
        }
    }

    @Test
    void shouldRelayFromAMulticastGroupWhenTheListenerIsAGroup() throws Exception {
        io.mproxy.common.test.TestNetwork.assumeTestNamespace();
        int port;
        try (java.net.DatagramSocket probe = new java.net.DatagramSocket(0)) {
            port = probe.getLocalPort();
        }
        try (TcpSink fallback = new TcpSink(); TcpSink a = new TcpSink();
             BinaryProcess relay = start(dir, List.of("spill_dir=" + dir.resolve("spill")), "--multicast-interface",
                 "lo", "239.1.2.3:" + port, fallback.spec(), a.spec());
             java.nio.channels.DatagramChannel sender = java.nio.channels.DatagramChannel.open(
                 java.net.StandardProtocolFamily.INET)) {
            relay.listeningPort();
            sender.setOption(java.net.StandardSocketOptions.IP_MULTICAST_IF,
                io.mproxy.common.test.TestNetwork.loopback());
            sender.connect(new java.net.InetSocketAddress("239.1.2.3", port));
            for (int i = 0; i < 200; i++) {
                sender.write(java.nio.ByteBuffer.wrap(Packets.text(i).getBytes()));
            }
            Await.until("200 packets", () -> a.count() >= 200, Await.DEFAULT, relay::stderr);
            assertThat(a.messages()).isEqualTo(Packets.texts(0, 200));
            relay.terminate();
            assertThat(relay.awaitExit()).isZero();
        }
    }

    @Test
    void shouldDeliverEveryPacketInOrderOnceAndRemoveTheSocketFileWhenUnixDatagramIn() throws Exception {
        Path socket = dir.resolve("in.sock");
        try (TcpSink fallback = new TcpSink(); TcpSink a = new TcpSink(); TcpSink b = new TcpSink();
             TcpSink c = new TcpSink(); UdpSink u = new UdpSink();
             BinaryProcess relay = start(dir, List.of("spill_dir=" + dir.resolve("spill")), socket.toString(),
                 fallback.spec(), a.spec(), b.spec(), c.spec(), u.spec())) {
            relay.awaitStderr("listening on " + socket);
            Packets.unix(socket, 0, COUNT);
            for (TcpSink sink : List.of(a, b, c)) {
                Await.until("all packets at " + sink.spec(), () -> sink.count() >= COUNT, Await.DEFAULT,
                    relay::stderr);
                assertThat(sink.messages()).isEqualTo(Packets.texts(0, COUNT));
            }
            Await.until("all packets at " + u.spec(), () -> u.count() >= COUNT, Await.DEFAULT, relay::stderr);
            assertThat(u.messages()).isEqualTo(Packets.texts(0, COUNT));
            relay.terminate();
            assertThat(relay.awaitExit()).as(relay.stderr()).isZero();
        }
        assertThat(Files.exists(socket)).isFalse();
    }

    @Test
    void shouldRemoveAStaleSocketFileAndDeliverToAUnixDestination() throws Exception {
        Path socket = dir.resolve("in.sock");
        Path out = dir.resolve("out.sock");
        try (TcpSink fallback = new TcpSink();
             io.mproxy.common.unix.UnixDatagramSocket sink = io.mproxy.common.unix.UnixDatagramSocket.bind(out, 0)) {
            BinaryProcess first = start(dir, List.of("spill_dir=" + dir.resolve("spill")), socket.toString(),
                fallback.spec(), out.toString());
            first.awaitStderr("listening on");
            first.signal("KILL");
            first.awaitExit();
            assertThat(Files.exists(socket)).as("stale socket file left by kill -9").isTrue();
            try (BinaryProcess relay = start(dir, List.of("spill_dir=" + dir.resolve("spill")), socket.toString(),
                fallback.spec(), out.toString())) {
                relay.awaitStderr("listening on " + socket);
                Packets.unix(socket, 0, 100);
                java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocateDirect(256);
                for (int i = 0; i < 100; i++) {
                    buffer.clear();
                    assertThat(sink.receive(buffer, 5000)).isPositive();
                    buffer.flip();
                    assertThat(java.nio.charset.StandardCharsets.UTF_8.decode(buffer).toString())
                        .isEqualTo(Packets.text(i));
                }
                relay.terminate();
                assertThat(relay.awaitExit()).as(relay.stderr()).isZero();
            }
        }
    }
}
