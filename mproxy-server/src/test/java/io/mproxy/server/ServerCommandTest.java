package io.mproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.cli.Cli;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The server's command line through picocli, without running: exit codes and the exact stderr line. */
class ServerCommandTest {
    private static final String NOT_A_SIZE =
        "is not a size: expected a number with an optional k, M, G (x1000) or Ki, Mi, Gi (x1024)";

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int execute(String... args) {
        return Cli.execute(new ServerCommand(), args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        nope            | 'nope' has no port: expected HOST:PORT or [IPv6]:PORT
        127.0.0.1:70000 | '127.0.0.1:70000' has an invalid port '70000': expected 0 to 65535
        [::1]:-1        | '[::1]:-1' has an invalid port '-1': expected 0 to 65535
        ff15::1:9000    | 'ff15::1:9000' is ambiguous: write IPv6 addresses in brackets, as [ff15::1]:9000
        """)
    void shouldExit2NamingTheValueWhenTheListenAddressIsBad(String address, String reason) {
        assertThat(execute("--listen-addr", address)).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("mproxy-server: Invalid value for option '--listen-addr' (HOST:PORT): "
            + reason + " (see 'mproxy-server --help')\n");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void shouldExit1WhenTheListenHostIsUnknown() {
        assertThat(execute("--listen_addr", "no-such-host.invalid:9000")).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("mproxy-server: Invalid value for option '--listen-addr' (HOST:PORT): "
            + "unknown host 'no-such-host.invalid' in 'no-such-host.invalid:9000'\n");
    }

    @Test
    void shouldExit2WhenNoListenAddressIsGiven() {
        assertThat(execute("--path", "out.log")).isEqualTo(2);
        assertThat(err.toString()).isEqualTo(
            "mproxy-server: Missing required option: '--listen-addr=HOST:PORT' (see 'mproxy-server --help')\n");
    }

    @Test
    void shouldExit2ListingTheInterfacesWhenTheMulticastInterfaceIsUnknown() {
        assertThat(execute("--listen-addr", "239.1.2.3:9000", "--multicast-interface", "nosuch0")).isEqualTo(2);
        assertThat(err.toString()).matches("mproxy-server: Invalid value for option '--multicast-interface': unknown "
            + "network interface 'nosuch0' \\(there are: [^)]*\\blo\\b[^)]*\\) \\(see 'mproxy-server --help'\\)\n");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        --path   | ''    | --path must not be empty: a file, or - for stdout
        --buffer | 1000  | --buffer 1000 is too small: expected at least 256Ki
        --buffer | 4Gi   | --buffer and --rcvbuf must be below 2Gi
        --rcvbuf | big   | Invalid value for option '--rcvbuf': 'big' SIZE
        """)
    void shouldExit2NamingTheOptionForOtherBadValues(String option, String value, String message) {
        assertThat(execute("--listen-addr", "127.0.0.1:0", option, value)).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("mproxy-server: " + message.replace("SIZE", NOT_A_SIZE)
            + " (see 'mproxy-server --help')\n");
    }

    @Test
    void shouldPrintHelpAndExit0() {
        assertThat(execute("--help")).isZero();
        assertThat(out.toString()).startsWith("Usage: mproxy-server ")
            .contains("--listen_addr=HOST:PORT", "--path=FILE|-", "--tee", "--merge", "--rcvbuf=BYTES",
                "--buffer=BYTES", "--multicast_interface=NAME|ADDRESS", "--stats[=SECONDS]", "FILE.HOST_PORT",
                "SIGHUP reopens the files");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void shouldPrintTheVersionAndExit0() {
        assertThat(execute("-V")).isZero();
        assertThat(out.toString()).matches("mproxy-server \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(Java \\S+\\)\n");
    }
}
