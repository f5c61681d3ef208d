package io.mproxy.client;

import io.mproxy.common.cli.Converters;
import io.mproxy.common.cli.MulticastOptions;
import io.mproxy.common.cli.StatsOptions;
import io.mproxy.common.cli.VerboseOption;
import io.mproxy.common.cli.VersionProvider;
import io.mproxy.common.framing.Framing;
import io.mproxy.common.lifecycle.Signals;
import io.mproxy.common.net.Endpoint;
import io.mproxy.common.stats.Counters;
import io.mproxy.common.stats.StatsReporter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The {@code mproxy-client} command line. */
@Command(name = "mproxy-client", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    sortOptions = false, usageHelpAutoWidth = true,
    description = {"Streams a file, a device or stdin as UDP datagrams to one or more unicast or multicast servers.",
        "Exit codes: 0 done (or stopped by SIGTERM/SIGINT), 1 runtime failure, 2 bad usage."})
public final class ClientCommand implements Callable<Integer> {
    @Option(names = {"-p", "--path"}, paramLabel = "FILE|-", required = true,
        description = "What to send: a file, a device, /dev/fd/N, or - for stdin.")
    String path;

    @Option(names = {"-s", "--server-addr", "--server_addr"}, paramLabel = "HOST:PORT",
        converter = Converters.EndpointConverter.class,
        description = "A server to send to, unicast or multicast, IPv4 or [IPv6]; repeat for several.")
    List<Endpoint> servers = new ArrayList<>();

    @Option(names = {"-t", "--tee"}, description = "Copy the input to stdout, byte for byte.")
    boolean tee;

    @Option(names = "--framing", paramLabel = "line|raw", converter = Converters.FramingConverter.class,
        defaultValue = "line",
        description = "line: whole lines packed up to --max-datagram (longer lines split); raw: chunks as read "
            + "(default: ${DEFAULT-VALUE}).")
    Framing framing;

    @Option(names = {"--max-datagram", "--max_datagram"}, paramLabel = "BYTES",
        description = "Largest datagram, at most 65507 (default: " + ClientContext.DEFAULT_MAX_DATAGRAM + ", or "
            + ClientContext.LOOPBACK_MAX_DATAGRAM + " when every server is on loopback).")
    Integer maxDatagram;

    @Option(names = "--rate", paramLabel = "BYTES/S", converter = Converters.SizeConverter.class,
        description = "Pace sending to this many bytes per second, k/M/G suffixes, 0 for unpaced (default: "
            + ClientContext.DEFAULT_RATE / 1_000_000 + "M, or " + ClientContext.LOOPBACK_RATE / 1_000_000
            + "M when every server is on loopback; lower it when the server's disk is slower than that).")
    Long rate;

    @Option(names = "--sndbuf", paramLabel = "BYTES", converter = Converters.SizeConverter.class,
        defaultValue = "4Mi", description = "SO_SNDBUF to request (default: ${DEFAULT-VALUE}).")
    long sendBuffer;

    @Mixin
    MulticastOptions multicast;

    @Mixin
    StatsOptions stats;

    @Mixin
    VerboseOption verbose;

    @Override
    public Integer call() throws Exception {
        if (framing == Framing.LENGTH) {
            throw new io.mproxy.common.cli.UsageException("--framing length is for TCP streams: use line or raw");
        }
        ClientContext context = new ClientContext().path(path).tee(tee).framing(framing)
            .sendBuffer((int) Math.min(Integer.MAX_VALUE, sendBuffer)).multicast(multicast.settings())
            .progress(ProgressBar.stderrIsTerminal());
        servers.forEach(context::destination);
        if (maxDatagram != null) {
            context.maxDatagram(maxDatagram);
        }
        if (rate != null) {
            context.rate(rate);
        }
        context.validate();
        int statsInterval = stats.interval();
        Signals signals = Signals.install();
        try (Client client = new Client(context);
             StatsReporter reporter = new StatsReporter(System.err, statsInterval)) {
            reporter.add(client.counters());
            for (Counters destination : client.destinationCounters()) {
                reporter.add(destination);
            }
            Thread.ofPlatform().daemon().name("signals").start(() -> {
                try {
                    signals.await();
                    client.stop();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            signals.started();
            client.run();
            reporter.finish(stats.enabled());
        }
        return 0;
    }
}
