package io.mproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.test.Binary;
import io.mproxy.common.test.BinaryProcess;
import io.mproxy.common.test.TestNetwork;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input to the binaries as processes: the exact stderr line (log events aside), the exit code, and never a stack
 * trace unless --verbose.
 */
class BadInputTest {
    @TempDir
    Path dir;

    private void assertFails(BinaryProcess process, int code, String line) {
        assertThat(process.awaitExit()).as(process.stderr()).isEqualTo(code);
        assertThat(process.nonLogLines()).containsExactly(line);
        assertThat(process.stderr()).doesNotContain("Exception", "\tat ");
    }

    @Test
    void shouldExit1WhenTheClientInputIsMissing() {
        Path missing = dir.resolve("missing.txt");
        assertFails(BinaryProcess.run(Binary.CLIENT, dir, "--path", missing.toString(), "--server-addr", "127.0.0.1:9"),
            1, "mproxy-client: cannot read " + missing + ": no such file or directory");
    }

    @Test
    void shouldExit1WhenTheClientInputIsADirectory() {
        assertFails(BinaryProcess.run(Binary.CLIENT, dir, "--path", dir.toString(), "--server-addr", "127.0.0.1:9"),
            1, "mproxy-client: cannot read " + dir + ": is a directory");
    }

    @Test
    void shouldShowTheStackTraceOnlyWithVerbose() {
        Path missing = dir.resolve("missing.txt");
        BinaryProcess client = BinaryProcess.run(Binary.CLIENT, dir, "--path", missing.toString(), "--server-addr",
            "127.0.0.1:9", "--verbose");
        assertThat(client.awaitExit()).isEqualTo(1);
        assertThat(client.nonLogLines()).first()
            .isEqualTo("mproxy-client: cannot read " + missing + ": no such file or directory");
        assertThat(client.stderr()).contains("java.io.IOException: cannot read " + missing, "\tat ");
    }

    @Test
    void shouldExit2WhenTheClientMaximumDatagramIsTooLarge() {
        assertFails(BinaryProcess.run(Binary.CLIENT, dir, "--path", "-", "--server-addr", "127.0.0.1:9",
            "--max-datagram", "70000"), 2, "mproxy-client: --max-datagram 70000 is out of range: expected 1 to 65507"
            + " (the largest UDP payload) (see 'mproxy-client --help')");
    }

    @Test
    void shouldExit1WhenTheServerHostIsUnknown() {
        assertFails(BinaryProcess.run(Binary.CLIENT, dir, "--path", "-", "--server-addr", "no-such-host.invalid:9"),
            1, "mproxy-client: Invalid value for option '--server-addr' (HOST:PORT): unknown host "
                + "'no-such-host.invalid' in 'no-such-host.invalid:9'");
    }

    @Test
    void shouldExit2WhenTheMulticastInterfaceIsUnknown() {
        BinaryProcess server = BinaryProcess.run(Binary.SERVER, dir, "--listen-addr", "239.255.77.2:9000",
            "--multicast-interface", "nosuch0");
        assertThat(server.awaitExit()).isEqualTo(2);
        assertThat(server.nonLogLines()).singleElement().asString()
            .startsWith("mproxy-server: Invalid value for option '--multicast-interface': unknown network interface"
                + " 'nosuch0' (there are: ");
    }

    @Test
    void shouldExit1WhenTheInterfaceHasNoAddressOfTheGroupsFamily() {
        TestNetwork.assumeTestNamespace();
        assertFails(BinaryProcess.run(Binary.SERVER, dir, "--listen-addr", "239.255.77.3:0", "--multicast-interface",
            TestNetwork.V6_INTERFACE), 1, "mproxy-server: cannot listen on 239.255.77.3:0: interface "
            + TestNetwork.V6_INTERFACE + " has no IPv4 address for group 239.255.77.3:0");
    }

    /**
     * A file whose parent is a regular file cannot be created by anyone, root included (tests run as root in CI,
     * where a directory of mode 000 would not stop the server).
     */
    @Test
    void shouldExit1WhenTheServerOutputCannotBeCreated() throws IOException {
        Path notADirectory = Files.writeString(dir.resolve("plain-file"), "x");
        Path out = notADirectory.resolve("out.log");
        assertFails(BinaryProcess.run(Binary.SERVER, dir, "--listen-addr", "127.0.0.1:0", "--path", out.toString()),
            1, "mproxy-server: cannot write " + out + ": not a directory");
    }

    @Test
    void shouldExit1WhenTheServerOutputIsADirectory() {
        assertFails(BinaryProcess.run(Binary.SERVER, dir, "--listen-addr", "127.0.0.1:0", "--path", dir.toString()),
            1, "mproxy-server: cannot write " + dir + ": is a directory");
    }

    @Test
    void shouldExit1NamingTheAddressWhenThePortIsInUse() throws IOException {
        try (DatagramChannel taken = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            int port = ((InetSocketAddress) taken.getLocalAddress()).getPort();
            assertFails(BinaryProcess.run(Binary.SERVER, dir, "--listen-addr", "127.0.0.1:" + port,
                "--path", dir.resolve("out.log").toString()),
                1, "mproxy-server: cannot listen on 127.0.0.1:" + port + ": address already in use");
        }
        assertThat(dir.resolve("out.log")).doesNotExist();
    }
}
