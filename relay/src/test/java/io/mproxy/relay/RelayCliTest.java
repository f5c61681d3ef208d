package io.mproxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.test.Await;
import io.mproxy.common.test.Binary;
import io.mproxy.common.test.BinaryProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: help, bad usage, bad config files, bad addresses, an unusable spill directory, metrics. */
class RelayCliTest {
    @TempDir
    Path dir;

    private BinaryProcess run(String... args) {
        return BinaryProcess.run(Binary.RELAY, dir, args);
    }

    private void assertFails(BinaryProcess relay, int code, String message) {
        assertThat(relay.awaitExit()).as(relay.stderr()).isEqualTo(code);
        assertThat(relay.stderrLines()).containsExactly(message);
    }

    @Test
    void shouldPrintHelpAndExitZero() {
        BinaryProcess relay = run("--help");
        assertThat(relay.awaitExit()).isZero();
        assertThat(new String(relay.stdoutBytes(), StandardCharsets.UTF_8))
            .startsWith("Usage: relay ").contains("relay LISTENER FALLBACK WORKER...").contains("--config");
    }

    @Test
    void shouldNameLineAndColumnAndExitTwoWhenAConfigLineIsGarbage() throws Exception {
        Path file = Files.writeString(dir.resolve("bad.conf"),
            "# relay\n127.0.0.1:0\ntcp@127.0.0.1:1\n  tcp@127.0.0.1:2 extra\n");
        assertFails(run(file.toString()), 2, "relay: " + file + ":4:19: unexpected 'extra' after the socket spec: "
            + "expected one spec per line (see 'relay --help')");
    }

    @Test
    void shouldNameLineAndColumnWhenASettingIsUnknown() throws Exception {
        Path file = Files.writeString(dir.resolve("bad.conf"),
            "127.0.0.1:0\ntcp@127.0.0.1:1\ntcp@127.0.0.1:2\n  spil_after = 3s\n");
        assertFails(run("--config", file.toString()), 2, "relay: " + file + ":4:3: unknown setting 'spil_after': "
            + "expected one of queue_limit, queue_limit_count, queue_prefault, spill_after, spill_dir, "
            + "spill_max_bytes, spill_segment_bytes, replay_rate, send_timeout, flush_timeout, reconnect_min, "
            + "reconnect_max, rcvbuf, framing (see 'relay --help')");
    }

    @Test
    void shouldNameLineAndColumnWhenASpecIsBad() throws Exception {
        Path file = Files.writeString(dir.resolve("bad.conf"), "127.0.0.1:0\n\tsctp@127.0.0.1:1\ntcp@127.0.0.1:2\n");
        assertFails(run(file.toString()), 2, "relay: " + file + ":2:2: 'sctp@127.0.0.1:1' has an unknown transport "
            + "'sctp@': expected udp@HOST:PORT, tcp@HOST:PORT, HOST:PORT or a unix socket path (see 'relay --help')");
    }

    @Test
    void shouldExitTwoOnAnUnknownOption() {
        assertFails(run("--nope"), 2, "relay: Unknown option: '--nope' (see 'relay --help')");
    }

    @Test
    void shouldExitTwoOnABadAddress() {
        assertFails(run("127.0.0.1:0", "tcp@127.0.0.1:1", "tcp@127.0.0.1:99999"), 2,
            "relay: 'tcp@127.0.0.1:99999' has an invalid port '99999': expected 1 to 65535 (see 'relay --help')");
    }

    @Test
    void shouldExitTwoWhenTheListenerIsTcp() {
        assertFails(run("tcp@127.0.0.1:0", "tcp@127.0.0.1:1", "tcp@127.0.0.1:2"), 2,
            "relay: listener 'tcp@127.0.0.1:0' is TCP: expected a UDP address or a unix datagram socket path "
                + "(see 'relay --help')");
    }

    @Test
    void shouldExitTwoWhenAFlagIsNeitherTrueNorFalse() {
        assertFails(run("--set", "queue_prefault=yes", "127.0.0.1:0", "tcp@127.0.0.1:1", "tcp@127.0.0.1:2"), 2,
            "relay: queue_prefault: 'yes' is not a flag: expected true or false (see 'relay --help')");
    }

    @Test
    void shouldExitOneWhenTheSpillDirectoryCannotBeCreated() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "");
        assertFails(run("--set", "spill_dir=" + file.resolve("spill"), "127.0.0.1:0", "tcp@127.0.0.1:1",
            "tcp@127.0.0.1:2"), 1, "relay: cannot create spill directory " + file.resolve("spill")
            .resolve("tcp_127.0.0.1_2") + ": not a directory");
    }

    @Test
    void shouldServeCountersAsPrometheusText() throws Exception {
        try (TcpSink fallback = new TcpSink(); TcpSink a = new TcpSink();
             BinaryProcess relay = BinaryProcess.start(Binary.RELAY, dir, "--metrics-addr", "127.0.0.1:0",
                 "--set", "spill_dir=" + dir.resolve("spill"), "127.0.0.1:0", fallback.spec(), a.spec())) {
            int port = relay.listeningPort();
            Packets.udp(port, 0, 10, 10);
            Await.until("10 packets", () -> a.count() == 10);
            Matcher metrics = relay.awaitStderr("metrics on http://(\\S+)/metrics");
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://" + metrics.group(1) + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body().lines().toList()).contains(
                "relay_received_total{component=\"" + a.spec() + "\"} 10",
                "relay_sent_total{component=\"" + a.spec() + "\"} 10",
                "relay_sent_bytes_total{component=\"" + a.spec() + "\"} " + Packets.texts(0, 10).stream()
                    .mapToInt(String::length).sum(),
                "relay_spilled_total{component=\"" + a.spec() + "\"} 0",
                "relay_received_total{component=\"listener 127.0.0.1:0\"} 10");
            relay.terminate();
            assertThat(relay.awaitExit()).isZero();
        }
    }
}
