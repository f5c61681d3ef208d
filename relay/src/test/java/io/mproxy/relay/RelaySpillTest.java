package io.mproxy.relay;

import static io.mproxy.relay.RelayTestSupport.awaitLost;
import static io.mproxy.relay.RelayTestSupport.spillBytes;
import static io.mproxy.relay.RelayTestSupport.spillBytesOf;
import static io.mproxy.relay.RelayTestSupport.spillFiles;
import static io.mproxy.relay.RelayTestSupport.start;
import static io.mproxy.relay.RelayTestSupport.total;
import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.test.Await;
import io.mproxy.common.test.BinaryProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Destinations going down and up, the relay killed, the disk full: nothing lost, nothing twice. */
class RelaySpillTest {
    @TempDir
    Path dir;

    private List<String> fast(String... more) {
        List<String> sets = new java.util.ArrayList<>(List.of("spill_dir=" + dir.resolve("spill"), "spill_after=300ms",
            "reconnect_min=50ms", "reconnect_max=200ms"));
        sets.addAll(List.of(more));
        return sets;
    }

    @Test
    void shouldDeliverEverythingInOrderOnceAndRemoveSpillWhenSinkComesBackUp() throws Exception {
        try (TcpSink fallback = new TcpSink(); TcpSink sink = new TcpSink();
             BinaryProcess relay = start(dir, fast(), "127.0.0.1:0", fallback.spec(), sink.spec())) {
            int port = relay.listeningPort();
            Packets.udp(port, 0, 500, 50);
            Await.until("500 packets at the sink", () -> sink.count() == 500, Await.DEFAULT, relay::stderr);
            sink.down();
            awaitLost(relay, sink.spec(), 1);
            Packets.udp(port, 500, 5000, 50);
            Await.until("spill files", () -> spillBytes(dir.resolve("spill")) == spillBytesOf(500, 5000),
                Await.DEFAULT, relay::stderr);
            sink.up();
            Await.until("5000 packets at the sink", () -> sink.count() >= 5000, Await.DEFAULT, relay::stderr);
            Await.until("spill files removed", () -> spillFiles(dir.resolve("spill")).isEmpty());
            relay.terminate();
            assertThat(relay.awaitExit()).as(relay.stderr()).isZero();
            assertThat(sink.messages()).isEqualTo(Packets.texts(0, 5000));
            assertThat(total(relay, sink.spec(), "spilled")).isEqualTo(4500);
            assertThat(total(relay, sink.spec(), "replayed")).isEqualTo(4500);
            assertThat(total(relay, sink.spec(), "reconnects")).isEqualTo(1);
            assertThat(total(relay, sink.spec(), "dropped")).isZero();
            assertThat(fallback.count()).isZero();
        }
    }

    @Test
    void shouldDrainTheSpillWhileLiveTrafficArrivesFasterThanTheReplayRate() throws Exception {
        TcpSink fallback = new TcpSink();
        TcpSink sink = new TcpSink();
        sink.down();
        try (fallback; sink; BinaryProcess relay = start(dir, fast("replay_rate=1K"), "127.0.0.1:0", fallback.spec(),
            sink.spec())) {
            int port = relay.listeningPort();
            Packets.udp(port, 0, 100, 50);
            Await.until("100 packets spilled", () -> spillBytes(dir.resolve("spill")) == spillBytesOf(0, 100),
                Await.DEFAULT, relay::stderr);
            sink.up();
            // live traffic at ~40 KB/s, 40 times the replay rate, until the spill is gone (at most 20 s of it): a
            // replay budget of 1K/s alone would never drain it, one of 1K/s more than the live traffic does
            int sent = 100;
            while (!spillFiles(dir.resolve("spill")).isEmpty() && sent < 50_000) {
                Packets.udp(port, sent, sent + 50, 50);
                sent += 50;
                LockSupport.parkNanos(20_000_000);
            }
            assertThat(spillFiles(dir.resolve("spill"))).as("drained while live traffic went on").isEmpty();
            int all = sent;
            Await.until(all + " packets at the sink", () -> sink.count() >= all, Await.DEFAULT, relay::stderr);
            relay.terminate();
            assertThat(relay.awaitExit()).as(relay.stderr()).isZero();
            assertThat(sink.messages()).isEqualTo(Packets.texts(0, all));
            assertThat(total(relay, sink.spec(), "replayed")).isEqualTo(total(relay, sink.spec(), "spilled"))
                .isGreaterThanOrEqualTo(100);
            assertThat(total(relay, sink.spec(), "dropped")).isZero();
            assertThat(fallback.count()).isZero();
        }
    }

    @Test
    void shouldDeliverEverythingSpilledAfterKillNineAndSkipATornLastRecord() throws Exception {
        TcpSink fallback = new TcpSink();
        TcpSink sink = new TcpSink();
        sink.down();
        try (BinaryProcess relay = start(dir, fast(), "127.0.0.1:0", fallback.spec(), sink.spec())) {
            int port = relay.listeningPort();
            Packets.udp(port, 0, 2000, 50);
            Await.until("everything spilled", () -> spillBytes(dir.resolve("spill")) == spillBytesOf(0, 2000),
                Await.DEFAULT, relay::stderr);
            relay.signal("KILL");
            relay.awaitExit();
        }
        List<Path> files = spillFiles(dir.resolve("spill"));
        Files.write(files.get(files.size() - 1), new byte[] {0, 0, 0, 100, 'p', 'a'}, StandardOpenOption.APPEND);
        sink.up();
        try (fallback; sink;
             BinaryProcess relay = start(dir, fast(), "127.0.0.1:0", fallback.spec(), sink.spec())) {
            relay.awaitStderr("spill from an earlier run");
            Await.until("2000 packets at the sink", () -> sink.count() >= 2000, Await.DEFAULT, relay::stderr);
            Await.until("spill files removed", () -> spillFiles(dir.resolve("spill")).isEmpty());
            relay.terminate();
            assertThat(relay.awaitExit()).as(relay.stderr()).isZero();
            assertThat(sink.messages()).isEqualTo(Packets.texts(0, 2000));
            assertThat(total(relay, sink.spec(), "replayed")).isEqualTo(2000);
            assertThat(total(relay, sink.spec(), "truncated")).isEqualTo(1);
        }
    }

    @Test
    void shouldCountDropsAndKeepRunningWhenTheSpillIsFullAndTheFallbackDown() throws Exception {
        TcpSink fallback = new TcpSink();
        TcpSink sink = new TcpSink();
        fallback.down();
        sink.down();
        int count = 6000;
        try (BinaryProcess relay = start(dir, fast("spill_max_bytes=64Ki", "spill_segment_bytes=64Ki"),
            "127.0.0.1:0", fallback.spec(), sink.spec())) {
            int port = relay.listeningPort();
            Packets.udp(port, 0, count, 50);
            relay.awaitStderr("spill is full");
            relay.awaitStderr("the fallback " + java.util.regex.Pattern.quote(fallback.spec()) + " is down too");
            long fits = 65536 / (Packets.text(count - 1).length() + 8);
            Await.until("spill at its bound", () -> spillBytes(dir.resolve("spill")) > 65536 - 32, Await.DEFAULT,
                relay::stderr);
            assertThat(relay.isAlive()).isTrue();
            relay.terminate();
            assertThat(relay.awaitExit()).as(relay.stderr()).isZero();
            long spilled = total(relay, sink.spec(), "spilled");
            long dropped = total(relay, sink.spec(), "dropped");
            assertThat(spilled + dropped).isEqualTo(count);
            assertThat(spilled).isGreaterThanOrEqualTo(fits);
            assertThat(total(relay, "fallback " + fallback.spec(), "dropped")).isEqualTo(dropped);
            assertThat(spillBytes(dir.resolve("spill"))).isEqualTo(spillBytesOf(0, (int) spilled));
        }
    }

    @Test
    void shouldHandWhatCannotBeSpilledToTheFallbackInOrder() throws Exception {
        TcpSink sink = new TcpSink();
        sink.down();
        int count = 6000;
        try (TcpSink fallback = new TcpSink();
             BinaryProcess relay = start(dir, fast("spill_max_bytes=64Ki", "spill_segment_bytes=64Ki"),
                 "127.0.0.1:0", fallback.spec(), sink.spec())) {
            int port = relay.listeningPort();
            Packets.udp(port, 0, count, 50);
            Await.until("a prefix spilled and the rest at the fallback", () -> fallback.count() > 0
                && spillBytes(dir.resolve("spill")) == spillBytesOf(0, count - fallback.count()), Await.DEFAULT,
                relay::stderr);
            relay.terminate();
            assertThat(relay.awaitExit()).as(relay.stderr()).isZero();
            int spilled = (int) total(relay, sink.spec(), "spilled");
            assertThat(total(relay, sink.spec(), "dropped")).isEqualTo(count - spilled);
            assertThat(spillBytes(dir.resolve("spill"))).isEqualTo(spillBytesOf(0, spilled));
            assertThat(fallback.messages()).isEqualTo(Packets.texts(spilled, count));
            assertThat(total(relay, "fallback " + fallback.spec(), "dropped")).isZero();
        }
    }

    @Test
    void shouldSpillBeyondTheQueueLimitLongBeforeSpillAfterWhenSinkIsDown() throws Exception {
        TcpSink fallback = new TcpSink();
        TcpSink sink = new TcpSink();
        sink.down();
        int count = 20_000;
        try (fallback; BinaryProcess relay = start(dir, List.of("spill_dir=" + dir.resolve("spill"),
            "spill_after=10m", "queue_limit=1Mi", "queue_limit_count=1000"), "127.0.0.1:0", fallback.spec(),
            sink.spec())) {
            int port = relay.listeningPort();
            Packets.udp(port, 0, count, 50);
            Await.until("all but the queue limit spilled", () -> spillBytes(dir.resolve("spill"))
                >= spillBytesOf(0, count - 1000), Await.DEFAULT, relay::stderr);
            relay.terminate();
            assertThat(relay.awaitExit()).as(relay.stderr()).isZero();
            assertThat(spillBytes(dir.resolve("spill"))).as("the rest spilled at exit")
                .isEqualTo(spillBytesOf(0, count));
            assertThat(total(relay, sink.spec(), "dropped")).isZero();
        }
    }

    @Test
    void shouldNeverLeaveAHalfFrameBeforeAnotherWhenAStalledConnectionIsDropped() throws Exception {
        int count = 20_000;
        String pad = "x".repeat(1000);
        try (TcpSink fallback = new TcpSink(); TcpSink sink = new TcpSink();
             BinaryProcess relay = start(dir, fast("send_timeout=500ms"), "127.0.0.1:0", fallback.spec(),
                 sink.spec())) {
            sink.stallAfter(100);
            int port = relay.listeningPort();
            try (java.nio.channels.DatagramChannel channel = java.nio.channels.DatagramChannel.open()) {
                channel.connect(new java.net.InetSocketAddress("127.0.0.1", port));
                for (int i = 0; i < count; i++) {
                    channel.write(java.nio.ByteBuffer.wrap((Packets.text(i) + pad).getBytes()));
                    if (i % 20 == 19) {
                        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                    }
                }
            }
            Await.until("all packets at the sink", () -> sink.count() >= count, Await.DEFAULT,
                () -> sink.count() + " arrived; " + relay.stderr());
            assertThat(sink.connections()).isGreaterThanOrEqualTo(2);
            List<String> expected = Packets.texts(0, count).stream().map(t -> t + pad).toList();
            assertThat(sink.messages()).isEqualTo(expected);
            relay.terminate();
            assertThat(relay.awaitExit()).as(relay.stderr()).isZero();
        }
    }
}
