package io.mproxy.reverseproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mproxy.common.net.ThreadPriority;
import io.mproxy.common.test.Await;
import io.mproxy.common.test.Binary;
import io.mproxy.common.test.BinaryProcess;
import io.mproxy.common.test.TestNetwork;
import io.mproxy.common.test.ThreadNice;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The group reader's thread runs ahead of the outputs (nice -10, read back from /proc/PID/task) when the process has
 * no UDP inputs, and at the process's own priority when it has: an input's thread must not lose the CPU to it.
 */
class ReceivePriorityTest {
    @TempDir
    Path dir;

    @BeforeEach
    void inTestNamespace() throws InterruptedException {
        TestNetwork.assumeTestNamespace();
        assumeTrue(ThreadNice.mayRaisePriority(), "this process may not lower nice values (needs CAP_SYS_NICE)");
    }

    @Test
    void shouldReceiveTheGroupAheadOfTheOutputsWhenThereAreNoUdpInputs() {
        try (BinaryProcess proxy = BinaryProcess.start(Binary.REVERSE_PROXY, dir, "--multicast-addr",
            "239.77.9.1:19731", "--multicast-interface", "lo", "--tcp-output-addr", "127.0.0.1:0", "--stats=0")) {
            proxy.listeningPort();
            Await.until("the group reader at nice -10",
                () -> groupReaderNice(proxy.pid()).equals(OptionalInt.of(ThreadPriority.RECEIVER_NICE)),
                Await.DEFAULT, () -> "nice " + groupReaderNice(proxy.pid()) + "\n" + proxy.stderr());
            assertThat(groupReaderNice(proxy.pid())).hasValue(-10);
            proxy.terminate();
            assertThat(proxy.awaitExit()).as(proxy.stderr()).isZero();
        }
    }

    @Test
    void shouldKeepTheGroupReaderAtTheProcessPriorityWhenThereAreUdpInputs() throws IOException {
        try (BinaryProcess proxy = BinaryProcess.start(Binary.REVERSE_PROXY, dir, "--multicast-addr",
            "239.77.9.2:19732", "--multicast-interface", "lo", "--udp-listen-addr", "127.0.0.1:0",
            "--tcp-output-addr", "127.0.0.1:0", "--stats=0")) {
            List<Integer> ports = proxy.listeningPorts(2);
            try (StreamClient client = StreamClient.connect(ports.get(1));
                 DatagramChannel sender = DatagramChannel.open()) {
                proxy.awaitStderr("tcp output client \\S+ connected");
                sender.send(ByteBuffer.wrap("x\n".getBytes(StandardCharsets.US_ASCII)),
                    new InetSocketAddress("127.0.0.1", ports.get(0)));
                // delivered: the group reader has run well past where it would have set its priority
                Await.until("one datagram through the group", () -> client.size() >= 2, Await.DEFAULT,
                    proxy::stderr);
                assertThat(new String(client.bytes(), StandardCharsets.US_ASCII)).isEqualTo("x\n");
            }
            assertThat(groupReaderNice(proxy.pid())).hasValue(ThreadNice.of(Path.of("/proc/" + proxy.pid() + "/stat")));
            proxy.terminate();
            assertThat(proxy.awaitExit()).as(proxy.stderr()).isZero();
        }
    }

    private static OptionalInt groupReaderNice(long pid) {
        return ThreadNice.ofThread(pid, "group-receive");
    }
}
