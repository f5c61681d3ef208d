package io.mproxy.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.cli.Cli;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The command line in-process: usage errors exit 2 with one line naming the value; nothing is opened. */
class ProxyCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Cli.execute(new ProxyCommand(), args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--udp-listen-addr|127.0.0.1|'127.0.0.1' has no port: expected HOST:PORT or [IPv6]:PORT",
        "--udp_downstream_addr|127.0.0.1:99999|'127.0.0.1:99999' has an invalid port '99999': expected 1 to 65535",
        "--tcp-connect-addr|::1:80|'::1:80' is ambiguous: write IPv6 addresses in brackets, as [::1]:80",
        "--tcp-connect-addr|http://localhost:80|'http://localhost:80' has an unknown scheme: expected HOST:PORT, "
            + "tls://HOST:PORT or tcp://HOST:PORT",
        "--tcp_connect_addr|tls://[::1:80|'[::1:80' has no closing ']': expected [IPv6]:PORT",
        "--reconnect-max|soon|'soon' is not a duration: expected a number with ms, s, m or h (seconds when none), "
            + "for example 30s",
        "--framing|lines|unknown framing 'lines': expected line, raw or length"})
    void shouldExitTwoNamingTheValueWhenAnOptionCannotBeParsed(String option, String value, String message) {
        assertThat(run(option, value)).isEqualTo(2);
        assertThat(err.toString()).startsWith("mproxy-proxy: Invalid value for option '")
            .contains(message).endsWith("(see 'mproxy-proxy --help')\n");
        assertThat(err.toString().lines()).hasSize(1);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--udp-listen-addr 127.0.0.1:0|--udp-downstream-addr is required (at least one) unless --tee is given",
        "--udp-downstream-addr 127.0.0.1:9|nothing to forward: give --udp-listen-addr or --tcp-connect-addr",
        "--udp_listen_addr 127.0.0.1:7000 --udp-downstream-addr 127.0.0.1:7000|--udp-downstream-addr 127.0.0.1:7000 "
            + "is also a --udp-listen-addr",
        "--tcp-connect-addr 127.0.0.1:80 --udp-downstream-addr 127.0.0.1:9 --tls-insecure|need a TLS upstream",
        "--tcp-connect-addr tls://localhost:80 --tee --tls-insecure --tls-trust-store x.p12|give one or the other",
        "--tcp-connect-addr 127.0.0.1:80 --tee --reconnect_max 100ms|--reconnect-max 100ms is too short",
        "--tcp-connect-addr 127.0.0.1:80 --tee --max-datagram 70000|--max-datagram 70000 is out of range"})
    void shouldExitTwoNamingTheOptionWhenOptionsConflict(String args, String message) {
        assertThat(run(args.split(" "))).isEqualTo(2);
        assertThat(err.toString()).startsWith("mproxy-proxy: ").contains(message);
        assertThat(err.toString().lines()).hasSize(1);
    }

    @Test
    void shouldExitOneWhenAnUpstreamHostDoesNotResolve() {
        assertThat(run("--tcp-connect-addr", "tls://no-such-host.invalid:443", "--tee")).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("mproxy-proxy: Invalid value for option '--tcp-connect-addr' "
            + "([tls://]HOST:PORT): unknown host 'no-such-host.invalid' in 'no-such-host.invalid:443'\n");
    }

    @Test
    void shouldPrintHelpWithEveryOptionAndExitZero() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("--udp-listen-addr", "--udp_listen_addr", "--udp-downstream-addr",
            "--tcp-connect-addr", "--tee", "--framing", "--reconnect-max", "--tls", "--tls-trust-store",
            "--tls-trust-store-password", "--tls-insecure", "--multicast-interface", "--stats", "--verbose",
            "--version");
    }

    @Test
    void shouldPrintTheVersionAndExitZero() {
        assertThat(run("--version")).isZero();
        assertThat(out.toString()).startsWith("mproxy-proxy ");
    }
}
