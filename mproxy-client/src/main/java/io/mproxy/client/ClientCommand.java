package io.mproxy.client;

import io.mproxy.common.cli.BinaryCommand;
import io.mproxy.common.cli.CommandModel;
import io.mproxy.common.cli.Converters;
import io.mproxy.common.cli.MulticastOptions;
import io.mproxy.common.cli.StatsOptions;
import io.mproxy.common.framing.Framing;
import io.mproxy.common.lifecycle.Signals;
import io.mproxy.common.net.Endpoint;
import io.mproxy.common.stats.Counters;
import io.mproxy.common.stats.StatsReporter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The {@code mproxy-client} command line. */
public final class ClientCommand implements BinaryCommand {
    private final CommandSpec spec = CommandModel.command(this, "mproxy-client",
        "Streams a file, a device or stdin as UDP datagrams to one or more unicast or multicast servers.",
        "Exit codes: 0 done (or stopped by SIGTERM/SIGINT), 1 runtime failure, 2 bad usage.");

    private final OptionSpec path = CommandModel.option(spec, OptionSpec.builder("-p", "--path").paramLabel("FILE|-")
        .type(String.class).required(true)
        .description("What to send: a file, a device, /dev/fd/N, or - for stdin."));

    private final OptionSpec servers = CommandModel.option(spec,
        CommandModel.endpoints(new Converters.EndpointConverter(), "-s", "--server-addr", "--server_addr")
            .description("A server to send to, unicast or multicast, IPv4 or [IPv6]; repeat for several."));

    private final OptionSpec tee = CommandModel.flag(spec, "Copy the input to stdout, byte for byte.", "-t", "--tee");

    private final OptionSpec framing = CommandModel.option(spec, OptionSpec.builder("--framing")
        .paramLabel("line|raw").type(Framing.class).converters(new Converters.FramingConverter()).defaultValue("line")
        .description("line: whole lines packed up to --max-datagram (longer lines split); raw: chunks as read "
            + "(default: ${DEFAULT-VALUE})."));

    private final OptionSpec maxDatagram = CommandModel.option(spec,
        OptionSpec.builder("--max-datagram", "--max_datagram").paramLabel("BYTES").type(Integer.class)
            .description("Largest datagram, at most 65507 (default: " + ClientContext.DEFAULT_MAX_DATAGRAM + ", or "
                + ClientContext.LOOPBACK_MAX_DATAGRAM + " when every server is on loopback)."));

    private final OptionSpec rate = CommandModel.option(spec, OptionSpec.builder("--rate").paramLabel("BYTES/S")
        .type(Long.class).converters(new Converters.SizeConverter())
        .description("Pace sending to this many bytes per second, k/M/G suffixes, 0 for unpaced (default: "
            + ClientContext.DEFAULT_RATE / 1_000_000 + "M, or " + ClientContext.LOOPBACK_RATE / 1_000_000
            + "M when every server is on loopback; lower it when the server's disk is slower than that)."));

    private final OptionSpec sendBuffer = CommandModel.size(spec, ClientContext.DEFAULT_SEND_BUFFER,
        "SO_SNDBUF to request (default: ${DEFAULT-VALUE}).", "--sndbuf");

    private final MulticastOptions multicast = new MulticastOptions(spec);

    private final StatsOptions stats = new StatsOptions(spec);

    @Override
    public CommandSpec spec() {
        return spec;
    }

    @Override
    public Integer call() throws Exception {
        if (framing.getValue() == Framing.LENGTH) {
            throw new io.mproxy.common.cli.UsageException("--framing length is for TCP streams: use line or raw");
        }
        ClientContext context = new ClientContext().path(path.getValue()).tee(tee.getValue())
            .framing(framing.getValue()).sendBuffer((int) Math.min(Integer.MAX_VALUE, (long) sendBuffer.getValue()))
            .multicast(multicast.settings()).progress(ProgressBar.stderrIsTerminal());
        CommandModel.<Endpoint>values(servers).forEach(context::destination);
        if (maxDatagram.getValue() != null) {
            context.maxDatagram(maxDatagram.getValue());
        }
        if (rate.getValue() != null) {
            context.rate(rate.getValue());
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
            signals.onForcedExit(reporter::printTotals);
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
