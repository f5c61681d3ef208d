package io.mproxy.proxy;

import static io.mproxy.common.test.TestFiles.awaitSize;
import static io.mproxy.proxy.TestData.lines;
import static io.mproxy.proxy.TestData.listenTcp;
import static io.mproxy.proxy.TestData.serveOnce;
import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.test.Binary;
import io.mproxy.common.test.BinaryProcess;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several inputs at once into the same downstreams: every datagram arrives whole, each input's in its order. */
class FanInTest {
    @TempDir
    Path dir;

    @Test
    void shouldKeepEveryLineWholeAndInOrderWhenTwoTcpUpstreamsAndAUdpListenerShareTheDownstream()
        throws IOException {
        byte[] tcp1 = lines("tcp-one", 5_000);
        byte[] tcp2 = lines("tcp-two", 5_000);
        byte[] udp = lines("udp", 5_000);
        Path in = Files.write(dir.resolve("udp.txt"), udp);
        Path out = dir.resolve("out.txt");
        try (ServerSocket upstream1 = listenTcp(0); ServerSocket upstream2 = listenTcp(0);
             BinaryProcess server = BinaryProcess.start(Binary.SERVER, dir, "--listen-addr", "127.0.0.1:0",
                 "--path", out.toString())) {
            int udpPort = server.listeningPort();
            try (BinaryProcess proxy = BinaryProcess.start(Binary.PROXY, dir, "--udp-listen-addr", "127.0.0.1:0",
                "--tcp-connect-addr", "127.0.0.1:" + upstream1.getLocalPort(), "--tcp-connect-addr",
                "127.0.0.1:" + upstream2.getLocalPort(), "--udp-downstream-addr", "127.0.0.1:" + udpPort)) {
                int proxyPort = proxy.listeningPort();
                CompletableFuture<Void> one = CompletableFuture.runAsync(() -> serveOnce(upstream1, tcp1));
                CompletableFuture<Void> two = CompletableFuture.runAsync(() -> serveOnce(upstream2, tcp2));
                BinaryProcess client = BinaryProcess.run(Binary.CLIENT, dir, "--path", in.toString(), "--rate", "20M",
                    "--server-addr", "127.0.0.1:" + proxyPort);
                assertThat(client.awaitExit()).as(client.stderr()).isZero();
                one.join();
                two.join();
                awaitSize(out, tcp1.length + tcp2.length + udp.length);
                proxy.terminate();
                assertThat(proxy.awaitExit()).as(proxy.stderr()).isZero();
            }
            server.terminate();
            assertThat(server.awaitExit()).isZero();
        }
        List<String> received = Files.readAllLines(out, StandardCharsets.US_ASCII);
        for (byte[] input : List.of(tcp1, tcp2, udp)) {
            List<String> expected = new String(input, StandardCharsets.US_ASCII).lines().toList();
            String tag = expected.get(0).substring(0, expected.get(0).indexOf(' '));
            assertThat(received).filteredOn(l -> l.startsWith(tag + " ")).containsExactlyElementsOf(expected);
        }
        assertThat(received).hasSize(15_000);
    }
}
