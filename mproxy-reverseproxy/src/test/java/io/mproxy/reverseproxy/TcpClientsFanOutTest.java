package io.mproxy.reverseproxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.test.Await;
import io.mproxy.common.test.Binary;
import io.mproxy.common.test.BinaryProcess;
import io.mproxy.common.test.TestNetwork;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** UDP into the group, the group out to TCP clients: every client gets the whole stream, whatever the others do. */
class TcpClientsFanOutTest {
    @TempDir
    Path dir;

    @BeforeEach
    void inTestNamespace() {
        TestNetwork.assumeTestNamespace();
    }

    private BinaryProcess startProxy(String group, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("--multicast-addr", group, "--multicast-interface", "lo",
            "--udp-listen-addr", "127.0.0.1:0", "--tcp-output-addr", "127.0.0.1:0"));
        args.addAll(List.of(extra));
        if (args.stream().noneMatch(a -> a.startsWith("--stats"))) {
            args.add("--stats=0");
        }
        return BinaryProcess.start(Binary.REVERSE_PROXY, dir, args.toArray(String[]::new));
    }

    private static void awaitConnected(BinaryProcess proxy, int clients) {
        Await.until(clients + " clients connected", () -> count(proxy.stderr(), "tcp output client \\S+ connected")
            >= clients, Await.DEFAULT, proxy::stderr);
    }

    private static int count(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** Sends the feed to the UDP input, checks every client got all of it byte for byte, stops the proxy. */
    private static void sendAndStop(BinaryProcess proxy, int input, StreamClient[] clients, int datagrams, int size,
                                    int burst) {
        Feed.send(input, 0, datagrams, size, burst,
            sent -> Arrays.stream(clients).allMatch(c -> c.size() >= sent * size));
        byte[] expected = Feed.stream(0, datagrams, size);
        for (StreamClient client : clients) {
            assertThat(client.bytes()).isEqualTo(expected);
            client.close();
        }
        proxy.terminate();
        assertThat(proxy.awaitExit()).as(proxy.stderr()).isZero();
    }

    @Test
    void shouldGiveEveryTcpClientTheIdenticalFullStreamWhenUdpComesIn() {
        int datagrams = 4000;
        int size = 250;
        try (BinaryProcess proxy = startProxy("239.1.2.3:19101")) {
            List<Integer> ports = proxy.listeningPorts(2);
            StreamClient[] clients = {StreamClient.connect(ports.get(1)), StreamClient.connect(ports.get(1)),
                StreamClient.connect(ports.get(1))};
            awaitConnected(proxy, 3);
            sendAndStop(proxy, ports.get(0), clients, datagrams, size, 200);
            assertThat(proxy.stderr())
                .contains("total group 239.1.2.3:19101: datagrams in 4000, bytes in 1000000, errors 0")
                .contains("total tcp output 127.0.0.1:" + ports.get(1)
                    + ": datagrams out 12000, bytes out 3000000, dropped 0, errors 0")
                .contains("total udp input 127.0.0.1:" + ports.get(0) + ": datagrams in 4000, bytes in 1000000, "
                    + "datagrams out 4000, errors 0")
                .contains("total to group 239.1.2.3:19101: datagrams out 4000, bytes out 1000000, send errors 0");
        }
    }

    @Test
    void shouldNotSlowOtherClientsAndCountDropsWhenOneClientNeverReads() throws IOException {
        int datagrams = 3000;
        int size = 1000;
        try (BinaryProcess proxy = startProxy("239.1.2.3:19102", "--client-buffer", "256Ki",
            "--client-sndbuf", "32Ki")) {
            List<Integer> ports = proxy.listeningPorts(2);
            try (Socket stalled = new Socket()) {
                stalled.setReceiveBufferSize(4096);
                stalled.connect(new InetSocketAddress("127.0.0.1", ports.get(1)));
                StreamClient[] clients = {StreamClient.connect(ports.get(1)), StreamClient.connect(ports.get(1))};
                awaitConnected(proxy, 3);
                sendAndStop(proxy, ports.get(0), clients, datagrams, size, 100);
                byte[] late = readToEnd(stalled);
                int delivered = wholeDatagramsInOrder(late, size);
                assertThat(delivered).isLessThan(datagrams);
                assertThat(proxy.stderr())
                    .contains("is too slow (more than --client-buffer behind): dropping datagrams")
                    .contains("total tcp output 127.0.0.1:" + ports.get(1) + ": datagrams out "
                        + (2 * datagrams + delivered)
                        + ", bytes out ")
                    .contains(", dropped " + (datagrams - delivered) + ", errors 0");
            }
        }
    }

    @Test
    void shouldDisconnectOnlyTheStalledClientWhenThePolicyIsDisconnect() throws IOException {
        int datagrams = 3000;
        int size = 1000;
        try (BinaryProcess proxy = startProxy("239.1.2.3:19104", "--client-buffer", "256Ki", "--client-sndbuf", "32Ki",
            "--slow-client", "disconnect")) {
            List<Integer> ports = proxy.listeningPorts(2);
            try (Socket stalled = new Socket()) {
                stalled.setReceiveBufferSize(4096);
                stalled.connect(new InetSocketAddress("127.0.0.1", ports.get(1)));
                String stalledName = "tcp output client 127.0.0.1:" + stalled.getLocalPort();
                StreamClient reading = StreamClient.connect(ports.get(1));
                awaitConnected(proxy, 2);
                Feed.send(ports.get(0), 0, datagrams, size, 100, sent -> reading.size() >= sent * size);
                assertThat(reading.bytes()).isEqualTo(Feed.stream(0, datagrams, size));
                reading.close();
                Matcher gone = proxy.awaitStderr(Pattern.quote(stalledName) + " gone: too slow \\(more than "
                    + "--client-buffer 262144 bytes behind\\), disconnected; sent (\\d+) datagrams \\(\\d+ bytes\\), "
                    + "dropped (\\d+)");
                int delivered = wholeDatagramsInOrder(readToEnd(stalled), size);
                long missed = Long.parseLong(gone.group(2));
                assertThat(Integer.parseInt(gone.group(1))).isEqualTo(delivered);
                assertThat(missed).as("missed while connected").isPositive();
                proxy.terminate();
                assertThat(proxy.awaitExit()).as(proxy.stderr()).isZero();
                assertThat(proxy.stderr())
                    .contains("total tcp output 127.0.0.1:" + ports.get(1) + ": datagrams out "
                        + (datagrams + delivered) + ", bytes out ")
                    .contains(", dropped " + missed + ", errors 0");
            }
        }
    }

    /**
     * Runs of equal sizes, a shorter datagram ending a run, empty datagrams and large ones, sent in bursts so the
     * input takes them many at a time: they travel the group as segmented runs, and each must come out whole, in
     * order, with its own length prefix.
     */
    @Test
    void shouldDeliverEveryDatagramWholeAndInOrderWhenSizesVaryInBursts() throws IOException {
        int[] pattern = {100, 100, 100, 100, 100, 40, 0, 1400, 1400, 1400, 1399, 1400, 7, 7, 0, 0, 8000, 8000, 3};
        int rounds = 40;
        java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
        try (BinaryProcess proxy = startProxy("239.1.2.3:19106", "--output-framing", "length");
             java.nio.channels.DatagramChannel sender = java.nio.channels.DatagramChannel.open()) {
            List<Integer> ports = proxy.listeningPorts(2);
            StreamClient client = StreamClient.connect(ports.get(1));
            awaitConnected(proxy, 1);
            sender.connect(new InetSocketAddress("127.0.0.1", ports.get(0)));
            int fd = io.mproxy.common.net.NativeSocketOptions.descriptor(sender);
            int index = 0;
            for (int round = 0; round < rounds; round++) {
                for (int size : pattern) {
                    byte[] datagram = new byte[size];
                    Arrays.fill(datagram, (byte) ('a' + index++ % 26));
                    if (size > 0) {
                        sender.write(java.nio.ByteBuffer.wrap(datagram));
                    } else {
                        // NIO's write sends nothing for an empty buffer
                        assertThat(io.mproxy.common.net.NativeSocketOptions.sendEmpty(fd)).isTrue();
                    }
                    expected.write(java.nio.ByteBuffer.allocate(4).putInt(size).array());
                    expected.write(datagram);
                }
                int sent = expected.size();
                Await.until("round " + round + " delivered", () -> client.size() >= sent, Await.DEFAULT,
                    proxy::stderr);
            }
            assertThat(client.bytes()).isEqualTo(expected.toByteArray());
            client.close();
            proxy.terminate();
            assertThat(proxy.awaitExit()).as(proxy.stderr()).isZero();
            int datagrams = rounds * pattern.length;
            assertThat(proxy.stderr()).contains("total group 239.1.2.3:19106: datagrams in " + datagrams + ", ")
                .contains("send errors 0");
        }
    }

    @Test
    void shouldKeepStreamingToAClientThatOnlyShutsDownItsSendingSide() throws IOException {
        int size = 300;
        try (BinaryProcess proxy = startProxy("239.1.2.3:19105")) {
            List<Integer> ports = proxy.listeningPorts(2);
            try (Socket client = new Socket("127.0.0.1", ports.get(1))) {
                client.shutdownOutput();
                awaitConnected(proxy, 1);
                Feed.send(ports.get(0), 0, 500, size, 500, sent -> true);
                client.setSoTimeout(20_000);
                byte[] got = client.getInputStream().readNBytes(500 * size);
                assertThat(got).isEqualTo(Feed.stream(0, 500, size));
            }
            proxy.terminate();
            assertThat(proxy.awaitExit()).as(proxy.stderr()).isZero();
        }
    }

    /** @return how many whole datagrams {@code stream} holds, checking each is the next of the feed (gaps allowed). */
    private static int wholeDatagramsInOrder(byte[] stream, int size) {
        int whole = stream.length / size;
        int last = -1;
        for (int i = 0; i < whole; i++) {
            int index = Integer.parseInt(new String(stream, i * size, 6, java.nio.charset.StandardCharsets.US_ASCII));
            assertThat(index).as("datagram %d of the slow client", i).isGreaterThan(last);
            assertThat(Arrays.copyOfRange(stream, i * size, (i + 1) * size)).isEqualTo(Feed.datagram(index, size));
            last = index;
        }
        return whole;
    }

    private static byte[] readToEnd(Socket socket) {
        try {
            socket.setSoTimeout(20_000);
            InputStream in = socket.getInputStream();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void shouldCleanUpClientWhenItDisconnectsMidStream() {
        int size = 500;
        try (BinaryProcess proxy = startProxy("239.1.2.3:19103", "--stats=1")) {
            List<Integer> ports = proxy.listeningPorts(2);
            StreamClient leaving = StreamClient.connect(ports.get(1));
            StreamClient staying = StreamClient.connect(ports.get(1));
            awaitConnected(proxy, 2);
            Feed.send(ports.get(0), 0, 1000, size, 100,
                sent -> leaving.size() >= sent * size && staying.size() >= sent * size);
            String leavingName = "tcp output client " + leaving.localAddress();
            leaving.close();
            Feed.send(ports.get(0), 1000, 3000, size, 100, sent -> staying.size() >= sent * size);
            proxy.awaitStderr(Pattern.quote(leavingName) + " gone: (?i:broken pipe|connection reset by peer); "
                + "sent \\d+ datagrams");
            int gone = proxy.stderr().indexOf(leavingName + " gone");
            Await.until("a stats line with one client left",
                () -> proxy.stderr().indexOf("clients 1", gone) > 0, Await.DEFAULT, proxy::stderr);
            assertThat(staying.bytes()).isEqualTo(Feed.stream(0, 3000, size));
            staying.close();
            proxy.terminate();
            assertThat(proxy.awaitExit()).as(proxy.stderr()).isZero();
            assertThat(proxy.stderr()).contains("total tcp output 127.0.0.1:" + ports.get(1) + ": datagrams out ")
                .contains(", dropped 0, errors 0, clients 0");
        }
    }
}
