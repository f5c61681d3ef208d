package io.mproxy.reverseproxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.test.Await;
import io.mproxy.common.test.Binary;
import io.mproxy.common.test.BinaryProcess;
import io.mproxy.common.test.TestNetwork;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Rust tool's default group, [ff02::1]:9918 (link-local: it takes the interface's scope), and line output. */
class DefaultGroupTest {
    @TempDir
    Path dir;

    @Test
    void shouldRunOnTheDefaultLinkLocalGroupAndEndEveryDatagramWithANewlineWhenLineFramed() throws IOException {
        TestNetwork.assumeTestNamespace();
        try (BinaryProcess proxy = BinaryProcess.start(Binary.REVERSE_PROXY, dir, "--multicast-interface",
            TestNetwork.V6_INTERFACE, "--udp-listen-addr", "127.0.0.1:0", "--tcp-output-addr", "127.0.0.1:0",
            "--output-framing", "line")) {
            List<Integer> ports = proxy.listeningPorts(2);
            assertThat(proxy.stderr()).contains("joined group [ff02::1]:9918 ([ff02::1%mp0]:9918) on mp0");
            try (StreamClient client = StreamClient.connect(ports.get(1));
                 DatagramChannel sender = DatagramChannel.open()) {
                proxy.awaitStderr("tcp output client \\S+ connected");
                sender.connect(new InetSocketAddress("127.0.0.1", ports.get(0)));
                for (String datagram : new String[] {"no newline", "one line\n", "two\nlines"}) {
                    sender.write(ByteBuffer.wrap(datagram.getBytes(StandardCharsets.US_ASCII)));
                }
                String expected = "no newline\none line\ntwo\nlines\n";
                Await.until("three datagrams, line framed", () -> client.size() >= expected.length(), Await.DEFAULT,
                    () -> "received: " + new String(client.bytes(), StandardCharsets.US_ASCII) + "\n" + proxy.stderr());
                assertThat(new String(client.bytes(), StandardCharsets.US_ASCII)).isEqualTo(expected);
            }
            proxy.terminate();
            assertThat(proxy.awaitExit()).as(proxy.stderr()).isZero();
        }
    }
}
