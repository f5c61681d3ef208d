package io.mproxy.relay;

import io.mproxy.common.Errors;
import io.mproxy.common.cli.BinaryCommand;
import io.mproxy.common.cli.CommandModel;
import io.mproxy.common.cli.Converters;
import io.mproxy.common.cli.MulticastOptions;
import io.mproxy.common.cli.StatsOptions;
import io.mproxy.common.cli.UsageException;
import io.mproxy.common.lifecycle.Signals;
import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.SocketSpec;
import io.mproxy.common.stats.StatsReporter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** The {@code relay} command line. */
public final class RelayCommand implements BinaryCommand {
    private final CommandSpec spec = CommandModel.command(this, "relay",
        "Receives datagrams on a UDP address or a unix datagram socket and relays every one to every worker "
            + "destination (tcp@HOST:PORT, udp@HOST:PORT or HOST:PORT, a unix socket path): corked batches on TCP, "
            + "spilled to disk while a destination is down and replayed in order once it is back.",
        "Forms: relay LISTENER FALLBACK WORKER...   relay CONFIG_FILE   relay --config CONFIG_FILE",
        "SIGHUP re-reads the config file; SIGTERM/SIGINT send what is queued (or spill it) and exit 0.",
        "Exit codes: 0 stopped cleanly, 1 runtime failure, 2 bad usage.");

    private final PositionalParamSpec specs = CommandModel.positional(spec,
        PositionalParamSpec.builder().paramLabel("SPEC").arity("0..*").type(List.class).auxiliaryTypes(String.class)
            .description("LISTENER FALLBACK WORKER..., or one CONFIG_FILE."));

    private final OptionSpec config = CommandModel.option(spec, OptionSpec.builder("-c", "--config")
        .paramLabel("FILE").type(Path.class)
        .description("Config file: one spec per line, 'name = value' tunables, # comments; SIGHUP reloads it."));

    private final OptionSpec sets = CommandModel.option(spec, OptionSpec.builder("-s", "--set")
        .paramLabel("NAME=VALUE").type(List.class).auxiliaryTypes(String.class)
        .description("Set a tunable (overrides the config file), e.g. --set spill_after=1s. Tunables: "
            + "queue_limit, queue_limit_count, queue_prefault, spill_after, spill_dir, spill_max_bytes, "
            + "spill_segment_bytes, replay_rate, send_timeout, flush_timeout, reconnect_min, reconnect_max, rcvbuf, "
            + "framing."));

    private final OptionSpec metrics = CommandModel.option(spec,
        OptionSpec.builder("--metrics-addr", "--metrics_addr").paramLabel("HOST:PORT").type(Endpoint.class)
            .converters(new Converters.ListenEndpointConverter())
            .description("Serve the counters as Prometheus text at http://HOST:PORT/metrics."));

    private final MulticastOptions multicast = new MulticastOptions(spec);

    private final StatsOptions stats = new StatsOptions(spec);

    @Override
    public CommandSpec spec() {
        return spec;
    }

    @Override
    public Integer call() throws Exception {
        Path file = configFile();
        RelayContext context = buildContext(file);
        Signals signals = Signals.install();
        AtomicBoolean hangup = new AtomicBoolean();
        // Before the relay starts: "listening on" is when a user (or a test) may send SIGHUP, and without a handler
        // the JVM exits 129 on it. One that arrives while starting is a reload once the relay runs.
        signals.onHangup("reload the configuration", () -> hangup.set(true));
        try (StatsReporter reporter = new StatsReporter(System.err, stats.enabled() ? stats.interval() : 0)) {
            signals.onForcedExit(reporter::printTotals);
            try (Relay relay = Relay.start(context, multicast.settings(), reporter);
                 MetricsServer server = metrics.getValue() == null ? null
                     : MetricsServer.start(metrics.getValue(), relay)) {
                signals.started();
                awaitStop(signals, hangup, relay, file);
                log().info("stopping ({})", signals.reason());
            }
            reporter.finish(stats.enabled());
        }
        return 0;
    }

    /** Waits for SIGTERM/SIGINT, reloading on every SIGHUP in between (a burst of them counts as one). */
    private void awaitStop(Signals signals, AtomicBoolean hangup, Relay relay, Path file) throws InterruptedException {
        while (!signals.await(100, TimeUnit.MILLISECONDS)) {
            if (hangup.getAndSet(false)) {
                reload(relay, file);
            }
        }
    }

    private void reload(Relay relay, Path file) {
        if (file == null) {
            log().warn("SIGHUP: nothing to reload (started without a config file)");
            return;
        }
        try {
            relay.reload(buildContext(file));
        } catch (UsageException | IllegalArgumentException | IOException e) {
            log().warn("reload of {} failed, running on unchanged: {}", file, Errors.describe(e));
        }
    }

    /**
     * The logger, looked up when first used rather than when the class loads: --help and usage errors then never
     * start the logging back end (a date formatter and its locale data), as with every other binary.
     */
    private static Logger log() {
        return LoggerFactory.getLogger(RelayCommand.class);
    }

    private Path configFile() {
        List<String> specs = CommandModel.values(this.specs);
        if (config.getValue() != null) {
            if (!specs.isEmpty()) {
                throw new UsageException("--config and socket specs on the command line: give one or the other");
            }
            return config.getValue();
        }
        return specs.size() == 1 ? Path.of(specs.get(0)) : null;
    }

    private RelayContext buildContext(Path file) throws IOException {
        RelayContext context = new RelayContext();
        List<String> specs = CommandModel.values(this.specs);
        if (file != null) {
            ConfigFile.read(file, context);
        } else {
            if (specs.size() < 3) {
                throw new UsageException("expected LISTENER FALLBACK WORKER... or a config file");
            }
            context.listener(SocketSpec.parse(specs.get(0), true)).fallback(SocketSpec.parse(specs.get(1), false));
            specs.subList(2, specs.size()).forEach(s -> context.worker(SocketSpec.parse(s, false)));
        }
        for (String set : CommandModel.<String>values(sets)) {
            int equals = set.indexOf('=');
            if (equals <= 0) {
                throw new UsageException("--set '" + set + "': expected NAME=VALUE");
            }
            context.set(set.substring(0, equals).strip(), set.substring(equals + 1));
        }
        return context.validate();
    }
}
