package io.mproxy.relay;

import static io.mproxy.relay.RelayTestSupport.count;
import static io.mproxy.relay.RelayTestSupport.spillBytes;
import static io.mproxy.relay.RelayTestSupport.spillBytesOf;
import static io.mproxy.relay.RelayTestSupport.spillFiles;
import static org.assertj.core.api.Assertions.assertThat;

import io.mproxy.common.test.Await;
import io.mproxy.common.test.Binary;
import io.mproxy.common.test.BinaryProcess;
import io.mproxy.common.test.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGHUP reloads the config file without losing a packet. */
class RelayReloadTest {
    @TempDir
    Path dir;

    private Path config;

    private void write(String listener, String fallback, List<String> workers, String... settings) throws Exception {
        List<String> lines = new ArrayList<>(List.of("# relay test config", listener + "   # the listener",
            fallback, "spill_dir = " + dir.resolve("spill"), "reconnect_min = 50ms", "reconnect_max = 200ms"));
        lines.addAll(List.of(settings));
        lines.addAll(workers);
        config = dir.resolve("relay.conf");
        Path next = dir.resolve("relay.conf.next");
        Files.write(next, lines);
        Files.move(next, config, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private BinaryProcess startRelay() {
        return BinaryProcess.start(Binary.RELAY, dir, "--stats=0", config.toString());
    }

    @Test
    void shouldLoseNothingForDestinationsPresentThroughoutWhenHupEvery200msAddsAndRemovesOthers() throws Exception {
        int total = 8000;
        try (TcpSink fallback = new TcpSink(); TcpSink a = new TcpSink(); TcpSink b = new TcpSink();
             TcpSink c = new TcpSink(); UdpSink d = new UdpSink()) {
            write("127.0.0.1:0", fallback.spec(), List.of(a.spec(), b.spec()));
            try (BinaryProcess relay = startRelay()) {
                int port = relay.listeningPort();
                AtomicReference<Throwable> failure = new AtomicReference<>();
                Thread sender = Thread.ofPlatform().start(() -> {
                    try {
                        Packets.udp(port, 0, total, 4);
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                });
                int reloads = 0;
                while (sender.isAlive() && reloads < 100) {
                    List<String> workers = new ArrayList<>(List.of(a.spec()));
                    if (reloads % 2 == 0) {
                        workers.add(c.spec());
                    }
                    workers.add(b.spec());
                    if (reloads % 3 == 0) {
                        workers.add(d.spec());
                    }
                    write("127.0.0.1:0", fallback.spec(), workers);
                    relay.signal("HUP");
                    reloads++;
                    LockSupport.parkNanos(200_000_000L);
                }
                sender.join();
                assertThat(failure.get()).isNull();
                assertThat(reloads).isGreaterThanOrEqualTo(5);
                for (TcpSink sink : List.of(a, b)) {
                    Await.until("all packets at " + sink.spec(), () -> sink.count() >= total, Await.DEFAULT,
                        () -> sink.count() + " arrived; " + relay.stderr());
                    assertThat(sink.messages()).isEqualTo(Packets.texts(0, total));
                }
                Await.until("reloads logged", () -> count(relay.stderr(), "reloaded: ") >= 5);
                relay.terminate();
                assertThat(relay.awaitExit()).as(relay.stderr()).isZero();
                assertThat(count(relay.stderr(), "listening on ")).as("the listener is never re-bound").isEqualTo(1);
                assertThat(fallback.count()).isZero();
            }
        }
    }

    @Test
    void shouldSpillARemovedDestinationsQueueAndReplayItWhenTheDestinationIsAddedBack() throws Exception {
        try (TcpSink fallback = new TcpSink(); TcpSink a = new TcpSink(); TcpSink x = new TcpSink()) {
            x.down();
            write("127.0.0.1:0", fallback.spec(), List.of(a.spec(), x.spec()), "spill_after = 10m");
            try (BinaryProcess relay = startRelay()) {
                int port = relay.listeningPort();
                Packets.udp(port, 0, 300, 50);
                Await.until("300 packets at " + a.spec(), () -> a.count() == 300);
                assertThat(spillFiles(dir.resolve("spill"))).as("queued in memory, not spilled yet").isEmpty();
                write("127.0.0.1:0", fallback.spec(), List.of(a.spec()), "spill_after = 10m");
                relay.signal("HUP");
                Await.until("the removed destination's queue spilled",
                    () -> spillBytes(dir.resolve("spill")) == spillBytesOf(0, 300), Await.DEFAULT, relay::stderr);
                x.up();
                write("127.0.0.1:0", fallback.spec(), List.of(a.spec(), x.spec()), "spill_after = 10m");
                relay.signal("HUP");
                Await.until("300 packets at " + x.spec(), () -> x.count() >= 300, Await.DEFAULT, relay::stderr);
                Await.until("spill files removed", () -> spillFiles(dir.resolve("spill")).isEmpty());
                relay.terminate();
                assertThat(relay.awaitExit()).as(relay.stderr()).isZero();
                assertThat(x.messages()).isEqualTo(Packets.texts(0, 300));
                assertThat(a.messages()).isEqualTo(Packets.texts(0, 300));
            }
        }
    }

    @Test
    void shouldKeepRunningOnTheOldConfigWhenTheReloadedFileIsInvalid() throws Exception {
        try (TcpSink fallback = new TcpSink(); TcpSink a = new TcpSink()) {
            write("127.0.0.1:0", fallback.spec(), List.of(a.spec()));
            try (BinaryProcess relay = startRelay()) {
                int port = relay.listeningPort();
                Files.writeString(config, "127.0.0.1:0\n" + fallback.spec() + "\nqueue_limit = lots\n" + a.spec());
                relay.signal("HUP");
                relay.awaitStderr("reload of " + java.util.regex.Pattern.quote(config.toString())
                    + " failed, running on unchanged: " + java.util.regex.Pattern.quote(config + ":3:15: queue_limit: "
                    + "'lots' is not a size"));
                Packets.udp(port, 0, 100, 50);
                Await.until("100 packets at " + a.spec(), () -> a.count() >= 100);
                relay.terminate();
                assertThat(relay.awaitExit()).isZero();
                assertThat(a.messages()).isEqualTo(Packets.texts(0, 100));
            }
        }
    }

    @Test
    void shouldRebindAndLoseNothingWhenTheListenerChanged() throws Exception {
        int first = FreePorts.udp();
        int second = FreePorts.udp();
        try (TcpSink fallback = new TcpSink(); TcpSink a = new TcpSink()) {
            write("127.0.0.1:" + first, fallback.spec(), List.of(a.spec()));
            try (BinaryProcess relay = startRelay()) {
                relay.listeningPort();
                Packets.udp(first, 0, 1000, 50);
                write("127.0.0.1:" + second, fallback.spec(), List.of(a.spec()));
                relay.signal("HUP");
                relay.awaitStderr("listening on 127.0.0.1:" + second);
                Packets.udp(second, 1000, 2000, 50);
                Await.until("2000 packets at " + a.spec(), () -> a.count() >= 2000, Await.DEFAULT, relay::stderr);
                relay.terminate();
                assertThat(relay.awaitExit()).isZero();
                assertThat(a.messages()).isEqualTo(Packets.texts(0, 2000));
            }
        }
    }
}
