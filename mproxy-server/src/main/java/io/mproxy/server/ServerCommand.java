package io.mproxy.server;

import io.mproxy.common.cli.BinaryCommand;
import io.mproxy.common.cli.CommandModel;
import io.mproxy.common.cli.Converters;
import io.mproxy.common.cli.Foreground;
import io.mproxy.common.cli.MulticastOptions;
import io.mproxy.common.cli.StatsOptions;
import io.mproxy.common.cli.UsageException;
import io.mproxy.common.net.Endpoint;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The {@code mproxy-server} command line. */
public final class ServerCommand implements BinaryCommand {
    private final CommandSpec spec = CommandModel.command(this, "mproxy-server",
        "Listens on UDP unicast or multicast addresses and appends every datagram to a file or stdout.",
        "SIGHUP reopens the files (logrotate); SIGTERM/SIGINT write out what was received and exit 0.",
        "Exit codes: 0 stopped cleanly, 1 runtime failure, 2 bad usage.");

    private final OptionSpec listeners = CommandModel.option(spec,
        CommandModel.endpoints(new Converters.ListenEndpointConverter(), "-l", "--listen-addr", "--listen_addr")
            .required(true)
            .description("Address to listen on: unicast (port 0: any free port) or a multicast group to join; "
                + "repeat for several."));

    private final OptionSpec path = CommandModel.option(spec, OptionSpec.builder("-p", "--path").paramLabel("FILE|-")
        .type(String.class).defaultValue("-")
        .description("Where to append: a file, or - for stdout (default: ${DEFAULT-VALUE}). With several "
            + "listeners and no --merge, one file per listener: FILE.HOST_PORT."));

    private final OptionSpec tee = CommandModel.flag(spec, "Also copy everything to stdout.", "-t", "--tee");

    private final OptionSpec merge = CommandModel.flag(spec, "Write every listener into the one --path file.",
        "--merge");

    private final OptionSpec receiveBuffer = CommandModel.size(spec, ServerContext.DEFAULT_RECEIVE_BUFFER,
        "SO_RCVBUF to request (default: ${DEFAULT-VALUE}).", "--rcvbuf");

    private final OptionSpec ring = CommandModel.size(spec, ServerContext.DEFAULT_RING,
        "In-memory ring per listener between the socket and the file (default: ${DEFAULT-VALUE}); it holds what "
            + "arrives while the file write lags; paged in as traffic needs it, given back after.", "--buffer");

    private final OptionSpec prefault = CommandModel.option(spec, OptionSpec.builder("--prefault").type(boolean.class)
        .negatable(true).defaultValue("false").fallbackValue("true")
        .description("Fault in the whole ring at start and keep it resident. Default (--no-prefault): nothing "
            + "until the first datagram, then faulted in by another thread ahead of the receiving one, and given "
            + "back within 10 s of the traffic dropping."));

    private final MulticastOptions multicast = new MulticastOptions(spec);

    private final StatsOptions stats = new StatsOptions(spec);

    @Override
    public CommandSpec spec() {
        return spec;
    }

    @Override
    public Integer call() throws Exception {
        long receiveBuffer = this.receiveBuffer.getValue();
        long ring = this.ring.getValue();
        if (ring > Integer.MAX_VALUE - 8 || receiveBuffer > Integer.MAX_VALUE) {
            throw new UsageException("--buffer and --rcvbuf must be below 2Gi");
        }
        ServerContext context = new ServerContext().path(path.getValue()).tee(tee.getValue()).merge(merge.getValue())
            .receiveBuffer((int) receiveBuffer).ring((int) ring).prefault(prefault.getValue())
            .multicast(multicast.settings());
        CommandModel.<Endpoint>values(listeners).forEach(context::listener);
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
