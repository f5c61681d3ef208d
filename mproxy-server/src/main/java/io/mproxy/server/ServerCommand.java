package io.mproxy.server;

import io.mproxy.common.cli.Converters;
import io.mproxy.common.cli.Foreground;
import io.mproxy.common.cli.MulticastOptions;
import io.mproxy.common.cli.StatsOptions;
import io.mproxy.common.cli.VerboseOption;
import io.mproxy.common.cli.VersionProvider;
import io.mproxy.common.net.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The {@code mproxy-server} command line. */
@Command(name = "mproxy-server", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    sortOptions = false, usageHelpAutoWidth = true,
    description = {"Listens on UDP unicast or multicast addresses and appends every datagram to a file or stdout.",
        "SIGHUP reopens the files (logrotate); SIGTERM/SIGINT write out what was received and exit 0.",
        "Exit codes: 0 stopped cleanly, 1 runtime failure, 2 bad usage."})
public final class ServerCommand implements Callable<Integer> {
    @Option(names = {"-l", "--listen-addr", "--listen_addr"}, paramLabel = "HOST:PORT", required = true,
        converter = Converters.ListenEndpointConverter.class,
        description = "Address to listen on: unicast (port 0: any free port) or a multicast group to join; repeat "
            + "for several.")
    List<Endpoint> listeners = new ArrayList<>();

    @Option(names = {"-p", "--path"}, paramLabel = "FILE|-", defaultValue = "-",
        description = "Where to append: a file, or - for stdout (default: ${DEFAULT-VALUE}). With several "
            + "listeners and no --merge, one file per listener: FILE.HOST_PORT.")
    String path;

    @Option(names = {"-t", "--tee"}, description = "Also copy everything to stdout.")
    boolean tee;

    @Option(names = "--merge", description = "Write every listener into the one --path file.")
    boolean merge;

    @Option(names = "--rcvbuf", paramLabel = "BYTES", converter = Converters.SizeConverter.class,
        defaultValue = "32Mi", description = "SO_RCVBUF to request (default: ${DEFAULT-VALUE}).")
    long receiveBuffer;

    @Option(names = "--buffer", paramLabel = "BYTES", converter = Converters.SizeConverter.class,
        defaultValue = "1Gi",
        description = "In-memory ring per listener between the socket and the file (default: ${DEFAULT-VALUE}); "
            + "it holds what arrives while the file write lags; paged in as traffic needs it, given back after.")
    long ring;

    @Option(names = "--prefault", negatable = true, defaultValue = "false", fallbackValue = "true",
        description = "Fault in the whole ring at start and keep it resident. Default (--no-prefault): nothing "
            + "until the first datagram, then faulted in by another thread ahead of the receiving one, and given "
            + "back within 10 s of the traffic dropping.")
    boolean prefault;

    @Mixin
    MulticastOptions multicast;

    @Mixin
    StatsOptions stats;

    @Mixin
    VerboseOption verbose;

    @Override
    public Integer call() throws Exception {
        if (ring > Integer.MAX_VALUE - 8 || receiveBuffer > Integer.MAX_VALUE) {
            throw new io.mproxy.common.cli.UsageException("--buffer and --rcvbuf must be below 2Gi");
        }
        ServerContext context = new ServerContext().path(path).tee(tee).merge(merge)
            .receiveBuffer((int) receiveBuffer).ring((int) ring).prefault(prefault)
            .multicast(multicast.settings());
        listeners.forEach(context::listener);
        context.validate();
        return Foreground.run(stats, (signals, reporter) -> {
            // The handler goes in before the server logs "listening on", when logrotate may already send SIGHUP
            // (without one the JVM exits 129). One that comes while the server starts reopens once it runs: the
            // flag is set before the server is looked at, so either side sees the other and one of them reopens.
            AtomicReference<Server> started = new AtomicReference<>();
            AtomicBoolean hangup = new AtomicBoolean();
            signals.onHangup("reopen the output files", () -> {
                hangup.set(true);
                Server running = started.get();
                if (running != null && hangup.getAndSet(false)) {
                    running.reopen();
                }
            });
            Server server = Server.start(context, () -> signals.stop("stdout closed"), reporter);
            started.set(server);
            if (hangup.getAndSet(false)) {
                server.reopen();
            }
            return server;
        });
    }
}
