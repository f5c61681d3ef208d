package io.mproxy.proxy;

import static io.mproxy.common.test.TestFiles.awaitSize;
import static io.mproxy.proxy.TestData.lines;
import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.test.Binary;
import io.mproxy.common.test.BinaryProcess;
import io.mproxy.common.test.FreePorts;
import io.mproxy.common.test.TestNetwork;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mproxy-client to mproxy-proxy to mproxy-server, all as processes over real sockets. */
class UdpForwardTest {
    /** Slow enough that a correct program on a busy shared machine cannot lose a datagram. */
    private static final String RATE = "20M";

    @TempDir
    Path dir;

    @Test
    void shouldDeliverByteExactToEveryDownstreamOverIpv4WhenOneDownstreamIsDead() throws IOException {
        byte[] input = lines("v4", 20_000);
        Path in = Files.write(dir.resolve("in.txt"), input);
        Path out1 = dir.resolve("out1.txt");
        Path out2 = dir.resolve("out2.txt");
        int dead = FreePorts.udp();
        try (BinaryProcess server1 = server("127.0.0.1:0", out1); BinaryProcess server2 = server("127.0.0.1:0", out2)) {
            int port1 = server1.listeningPort();
            int port2 = server2.listeningPort();
            try (BinaryProcess proxy = BinaryProcess.start(Binary.PROXY, dir, "--udp-listen-addr", "127.0.0.1:0",
                "--udp-downstream-addr", "127.0.0.1:" + port1, "--udp-downstream-addr", "127.0.0.1:" + dead,
                "--udp_downstream_addr", "127.0.0.1:" + port2, "--stats=0")) {
                int proxyPort = proxy.listeningPort();
                send(in, "127.0.0.1:" + proxyPort);
                awaitSize(out1, input.length);
                awaitSize(out2, input.length);
                proxy.terminate();
                assertThat(proxy.awaitExit()).as(proxy.stderr()).isZero();
                assertThat(proxy.stderr())
                    .contains("total udp-listener 127.0.0.1:" + proxyPort + ": datagrams in ")
                    .containsPattern("total downstream 127\\.0\\.0\\.1:" + port1 + ": datagrams out [1-9]\\d*, "
                        + "bytes out " + input.length + ", send errors 0")
                    .containsPattern("total downstream 127\\.0\\.0\\.1:" + dead + ": datagrams out \\d+, bytes out "
                        + "\\d+, send errors [1-9]");
            }
            stop(server1);
            stop(server2);
        }
        assertThat(Files.readAllBytes(out1)).isEqualTo(input);
        assertThat(Files.readAllBytes(out2)).isEqualTo(input);
    }

    @Test
    void shouldDeliverByteExactOverIpv6AndCopyToStdoutWithTee() throws IOException {
        byte[] input = lines("v6", 20_000);
        Path in = Files.write(dir.resolve("in.txt"), input);
        Path out = dir.resolve("out.txt");
        try (BinaryProcess server = server("[::1]:0", out)) {
            int port = server.listeningPort();
            try (BinaryProcess proxy = BinaryProcess.start(Binary.PROXY, dir, "--udp_listen_addr", "[::1]:0",
                "--udp-downstream-addr", "[::1]:" + port, "-t")) {
                send(in, "[::1]:" + proxy.listeningPort());
                awaitSize(out, input.length);
                proxy.terminate();
                assertThat(proxy.awaitExit()).as(proxy.stderr()).isZero();
                assertThat(proxy.stdoutBytes()).isEqualTo(input);
            }
            stop(server);
        }
        assertThat(Files.readAllBytes(out)).isEqualTo(input);
    }

    @Test
    void shouldJoinAnIpv4GroupAndForwardToAnIpv6GroupDownstream() throws IOException {
        TestNetwork.assumeTestNamespace();
        byte[] input = lines("multicast", 5_000);
        Path in = Files.write(dir.resolve("in.txt"), input);
        Path out = dir.resolve("out.txt");
        try (BinaryProcess server = server("[ff15::4242]:0", out, "--multicast-interface",
            TestNetwork.V6_INTERFACE)) {
            int port = server.listeningPort();
            try (BinaryProcess proxy = BinaryProcess.start(Binary.PROXY, dir, "--udp-listen-addr", "239.255.42.42:0",
                "--udp-downstream-addr", "[ff15::4242%" + TestNetwork.V6_INTERFACE
                    + "]:" + port)) {
                int group = proxy.listeningPort();
                BinaryProcess client = BinaryProcess.run(Binary.CLIENT, dir, "--path", in.toString(), "--rate", RATE,
                    "--server-addr", "239.255.42.42:" + group);
                assertThat(client.awaitExit()).as(client.stderr()).isZero();
                awaitSize(out, input.length);
                proxy.terminate();
                assertThat(proxy.awaitExit()).as(proxy.stderr()).isZero();
            }
            stop(server);
        }
        assertThat(Files.readAllBytes(out)).isEqualTo(input);
    }

    private BinaryProcess server(String listen, Path out, String... more) {
        String[] args = new String[4 + more.length];
        args[0] = "--listen-addr";
        args[1] = listen;
        args[2] = "--path";
        args[3] = out.toString();
        System.arraycopy(more, 0, args, 4, more.length);
        return BinaryProcess.start(Binary.SERVER, dir, args);
    }

    private void send(Path in, String to) {
        BinaryProcess client = BinaryProcess.run(Binary.CLIENT, dir, "--path", in.toString(), "--rate", RATE,
            "--server-addr", to);
        assertThat(client.awaitExit()).as(client.stderr()).isZero();
    }

    private static void stop(BinaryProcess process) {
        process.terminate();
        assertThat(process.awaitExit()).as(process.stderr()).isZero();
    }
}
