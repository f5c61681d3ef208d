package io.mproxy.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.cli.Cli;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The client's command line through picocli, without running: exit codes and the exact stderr line. The input is a
 * file that does not exist, so a usage check that came too late would fail with "cannot read" instead of passing.
 */
class ClientCommandTest {
    private static final String NOT_A_SIZE =
        "is not a size: expected a number with an optional k, M, G (x1000) or Ki, Mi, Gi (x1024)";

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int execute(String... args) {
        return Cli.execute(new ClientCommand(), args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        nope            | 'nope' has no port: expected HOST:PORT or [IPv6]:PORT
        127.0.0.1:0     | '127.0.0.1:0' has an invalid port '0': expected 1 to 65535
        127.0.0.1:70000 | '127.0.0.1:70000' has an invalid port '70000': expected 1 to 65535
        ::1:9000        | '::1:9000' is ambiguous: write IPv6 addresses in brackets, as [::1]:9000
        :9000           | ':9000' has no host: expected HOST:PORT or [IPv6]:PORT
        """)
    void shouldExit2NamingTheValueWhenTheServerAddressIsBad(String address, String reason) {
        assertThat(execute("--path", "in.txt", "--server-addr", address)).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("mproxy-client: Invalid value for option '--server-addr' (HOST:PORT): "
            + reason + " (see 'mproxy-client --help')\n");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void shouldExit1WithoutPointingAtHelpWhenTheServerHostIsUnknown() {
        assertThat(execute("--path", "in.txt", "--server-addr", "no-such-host.invalid:9000")).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("mproxy-client: Invalid value for option '--server-addr' (HOST:PORT): "
            + "unknown host 'no-such-host.invalid' in 'no-such-host.invalid:9000'\n");
    }

    @Test
    void shouldAcceptTheUnderscoreSpellingOfTheRustTool() {
        assertThat(execute("--path", "in.txt", "--server_addr", "127.0.0.1:70000")).isEqualTo(2);
        assertThat(err.toString()).startsWith("mproxy-client: Invalid value for option '--server-addr' (HOST:PORT): "
            + "'127.0.0.1:70000' has an invalid port");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        70000 | --max-datagram 70000 is out of range: expected 1 to 65507 (the largest UDP payload)
        65508 | --max-datagram 65508 is out of range: expected 1 to 65507 (the largest UDP payload)
        0     | --max-datagram 0 is out of range: expected 1 to 65507 (the largest UDP payload)
        """)
    void shouldExit2WhenTheMaximumDatagramIsOutOfRange(String value, String message) {
        assertThat(execute("--path", "in.txt", "--server-addr", "127.0.0.1:9", "--max-datagram", value)).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("mproxy-client: " + message + " (see 'mproxy-client --help')\n");
    }

    @Test
    void shouldExit2ListingTheInterfacesWhenTheMulticastInterfaceIsUnknown() {
        assertThat(execute("--path", "in.txt", "--server-addr", "239.1.2.3:9", "--multicast-interface", "nosuch0"))
            .isEqualTo(2);
        assertThat(err.toString()).matches("mproxy-client: Invalid value for option '--multicast-interface': unknown "
            + "network interface 'nosuch0' \\(there are: [^)]*\\blo\\b[^)]*\\) \\(see 'mproxy-client --help'\\)\n");
    }

    @Test
    void shouldExit2WhenThePathIsMissing() {
        assertThat(execute("--server-addr", "127.0.0.1:9")).isEqualTo(2);
        assertThat(err.toString())
            .isEqualTo("mproxy-client: Missing required option: '--path=FILE|-' (see 'mproxy-client --help')\n");
    }

    @Test
    void shouldExit2WhenNoServerIsGivenWithoutTee() {
        assertThat(execute("--path", "in.txt")).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("mproxy-client: --server-addr is required (at least one) unless --tee is"
            + " given (see 'mproxy-client --help')\n");
    }

    @Test
    void shouldExit2WhenAskedForLengthFraming() {
        assertThat(execute("--path", "in.txt", "--server-addr", "127.0.0.1:9", "--framing", "length")).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("mproxy-client: --framing length is for TCP streams: use line or raw"
            + " (see 'mproxy-client --help')\n");
    }

    @Test
    void shouldExit2NamingTheChoicesWhenTheFramingIsUnknown() {
        assertThat(execute("--path", "in.txt", "--server-addr", "127.0.0.1:9", "--framing", "lines")).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("mproxy-client: Invalid value for option '--framing': unknown"
            + " framing 'lines': expected line, raw or length (see 'mproxy-client --help')\n");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        --rate      | fast  | Invalid value for option '--rate': 'fast' SIZE
        --multicast-ttl | 256 | --multicast-ttl 256 is out of range: expected 0 to 255
        --stats     | -1    | --stats -1 is negative: expected seconds, 0 or more
        --unknown   | x     | Unknown options: '--unknown', 'x'
        """)
    void shouldExit2NamingTheOptionForOtherBadValues(String option, String value, String message) {
        assertThat(execute("--path", "in.txt", "--server-addr", "127.0.0.1:9", option, value)).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("mproxy-client: " + message.replace("SIZE", NOT_A_SIZE)
            + " (see 'mproxy-client --help')\n");
    }

    @Test
    void shouldPrintHelpAndExit0() {
        assertThat(execute("--help")).isZero();
        assertThat(out.toString()).startsWith("Usage: mproxy-client ")
            .contains("--path=FILE|-", "--server_addr=HOST:PORT", "--tee", "--framing=line|raw",
                "--max_datagram=BYTES", "--rate=BYTES/S", "--multicast_interface=NAME|ADDRESS", "--stats[=SECONDS]",
                "Exit codes: 0 done");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void shouldPrintTheVersionAndExit0() {
        assertThat(execute("--version")).isZero();
        assertThat(out.toString()).matches("mproxy-client \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(Java \\S+\\)\n");
        assertThat(err.toString()).isEmpty();
    }
}
