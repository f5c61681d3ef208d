package io.mproxy.reverseproxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.test.Binary;
import io.mproxy.common.test.BinaryProcess;
import io.mproxy.common.test.TestNetwork;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stateless and scalable: two reverse proxies on one group each deliver the whole stream to their own clients. */
class TwoReverseProxiesTest {
    @TempDir
    Path dir;

    @BeforeEach
    void inTestNamespace() {
        TestNetwork.assumeTestNamespace();
    }

    @Test
    void shouldDeliverTheFullStreamFromBothWhenTwoShareAnIpv6Group() {
        String group = "[ff15::1]:19401";
        int datagrams = 3000;
        int size = 400;
        try (BinaryProcess first = BinaryProcess.start(Binary.REVERSE_PROXY, dir, "--multicast-addr", group,
                 "--multicast-interface", TestNetwork.V6_INTERFACE, "--udp-listen-addr", "127.0.0.1:0",
                 "--tcp-output-addr", "127.0.0.1:0");
             BinaryProcess second = BinaryProcess.start(Binary.REVERSE_PROXY, dir, "--multicast-addr", group,
                 "--multicast-interface", TestNetwork.V6_INTERFACE, "--tcp-output-addr", "127.0.0.1:0")) {
            List<Integer> firstPorts = first.listeningPorts(2);
            int secondPort = second.listeningPort();
            try (StreamClient one = StreamClient.connect(firstPorts.get(1));
                 StreamClient two = StreamClient.connect(secondPort)) {
                first.awaitStderr("tcp output client \\S+ connected");
                second.awaitStderr("tcp output client \\S+ connected");
                Feed.send(firstPorts.get(0), 0, datagrams, size, 200,
                    sent -> one.size() >= sent * size && two.size() >= sent * size);
                byte[] expected = Feed.stream(0, datagrams, size);
                assertThat(one.bytes()).isEqualTo(expected);
                assertThat(two.bytes()).isEqualTo(expected);
            }
            first.terminate();
            second.terminate();
            assertThat(first.awaitExit()).as(first.stderr()).isZero();
            assertThat(second.awaitExit()).as(second.stderr()).isZero();
        }
    }
}
