package io.mproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.test.Await;
import io.mproxy.common.test.Binary;
import io.mproxy.common.test.BinaryProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mproxy-client to mproxy-server as processes over real sockets. */
class ClientToServerTest {
    @TempDir
    Path dir;

    @Test
    void shouldDeliverFileByteExactOverIpv4Unicast() throws IOException {
        byte[] input = lines(20_000);
        Path in = Files.write(dir.resolve("in.txt"), input);
        Path out = dir.resolve("out.txt");
        try (BinaryProcess server = BinaryProcess.start(Binary.SERVER, dir,
            "--listen-addr", "127.0.0.1:0", "--path", out.toString())) {
            int port = server.listeningPort();
            BinaryProcess client = BinaryProcess.run(Binary.CLIENT, dir,
                "--path", in.toString(), "--server-addr", "127.0.0.1:" + port);
            assertThat(client.awaitExit()).as(client.stderr()).isZero();
            Await.until("all bytes in " + out, () -> size(out) == input.length);
            server.terminate();
            assertThat(server.awaitExit()).isZero();
        }
        assertThat(Files.readAllBytes(out)).isEqualTo(input);
    }

    private static long size(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static byte[] lines(int count) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            text.append("line ").append(i).append(" of the test input\n");
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
