package io.mproxy.reverseproxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.cli.Cli;
import io.mproxy.common.test.Binary;
import io.mproxy.common.test.BinaryProcess;
import io.mproxy.common.test.TestNetwork;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad input: one clear line naming the value and what is expected, and the exit code. */
class BadInputTest {
    private static final String HELP = " (see 'mproxy-reverseproxy --help')";

    @TempDir
    Path dir;

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.execute(new ReverseProxyCommand(), args, new PrintWriter(out), new PrintWriter(err));
        return new String[] {Integer.toString(code), err.toString().strip()};
    }

    @Test
    void shouldExitTwoWhenTheGroupIsNotMulticast() {
        assertThat(run("--multicast-addr", "127.0.0.1:9918", "--tcp-output-addr", "127.0.0.1:0")).containsExactly("2",
            "mproxy-reverseproxy: --multicast-addr '127.0.0.1:9918' is not a multicast address (expected 224.0.0.0/4"
                + " or ff00::/8, for example [ff15::1]:9918 or 239.1.2.3:9918)" + HELP);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--tcp-output-addr|nohost|Invalid value for option '--tcp-output-addr' (HOST:PORT): 'nohost' has no port: "
            + "expected HOST:PORT or [IPv6]:PORT",
        "--udp_listen_addr|127.0.0.1:70000|Invalid value for option '--udp-listen-addr' (HOST:PORT): "
            + "'127.0.0.1:70000' has an invalid port '70000': expected 0 to 65535",
        "--tcp-downstream-addr|::1:80|Invalid value for option '--tcp-downstream-addr' (HOST:PORT): '::1:80' is "
            + "ambiguous: write IPv6 addresses in brackets, as [::1]:80",
        "--multicast-addr|[ff15::1:9918|Invalid value for option '--multicast-addr': '[ff15::1:9918' has "
            + "no closing ']': expected [IPv6]:PORT",
        "--slow-client|never|Invalid value for option '--slow-client': unknown slow-client policy 'never': expected "
            + "drop or disconnect",
        "--output-framing|json|Invalid value for option '--output-framing': unknown framing 'json': expected line, "
            + "raw or length",
    })
    void shouldExitTwoWhenAValueCannotBeParsed(String option, String value, String message) {
        assertThat(run(option, value, "--tcp-output-addr", "127.0.0.1:0"))
            .containsExactly("2", "mproxy-reverseproxy: " + message + HELP);
    }

    @Test
    void shouldExitTwoWhenThereIsNothingToDo() {
        assertThat(run("--multicast-addr", "239.1.2.3:9918")).containsExactly("2", "mproxy-reverseproxy: nothing to "
            + "do: give an input (--udp-listen-addr, --tcp-listen-addr) and/or an output (--tcp-output-addr, "
            + "--udp-output-addr, --tcp-downstream-addr)" + HELP);
    }

    @Test
    void shouldExitTwoWhenTheUdpOutputIsTheGroupItself() {
        assertThat(run("--multicast-addr", "239.1.2.3:9918", "--udp-output-addr", "239.1.2.3:9918"))
            .containsExactly("2", "mproxy-reverseproxy: --udp-output-addr 239.1.2.3:9918 is the group itself "
                + "(--multicast-addr): its datagrams would loop" + HELP);
    }

    @Test
    void shouldExitTwoWhenTheClientBufferIsTooSmall() {
        assertThat(run("--client-buffer", "1000", "--tcp-output-addr", "127.0.0.1:0")).containsExactly("2",
            "mproxy-reverseproxy: --client-buffer 1000 is out of range: expected 256Ki to 512Mi" + HELP);
    }

    @Test
    void shouldExitOneWhenTheTcpOutputPortIsInUse() throws IOException {
        TestNetwork.assumeTestNamespace();
        try (ServerSocketChannel taken = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            int port = ((InetSocketAddress) taken.getLocalAddress()).getPort();
            BinaryProcess proxy = BinaryProcess.run(Binary.REVERSE_PROXY, dir, "--multicast-addr", "239.1.2.6:19501",
                "--multicast-interface", "lo", "--tcp-output-addr", "127.0.0.1:" + port);
            assertThat(proxy.awaitExit()).isEqualTo(1);
            assertThat(proxy.stderrLines()).filteredOn(l -> l.startsWith("mproxy-reverseproxy:"))
                .containsExactly("mproxy-reverseproxy: cannot listen on 127.0.0.1:" + port
                    + ": address already in use");
            assertThat(proxy.stderr()).doesNotContain("Exception");
        }
    }

    @Test
    void shouldPrintUsageAndVersionAndExitZero() {
        StringWriter out = new StringWriter();
        int code = Cli.execute(new ReverseProxyCommand(), new String[] {"--help"}, new PrintWriter(out),
            new PrintWriter(new StringWriter()));
        assertThat(code).isZero();
        assertThat(out.toString()).contains("--tcp-output-addr, --tcp_output_addr=HOST:PORT")
            .contains("--slow-client, --slow_client=drop|disconnect").contains("[ff02::1]:9918).");
        StringWriter version = new StringWriter();
        assertThat(Cli.execute(new ReverseProxyCommand(), new String[] {"--version"}, new PrintWriter(version),
            new PrintWriter(new StringWriter()))).isZero();
        assertThat(version.toString()).startsWith("mproxy-reverseproxy ");
    }
}
