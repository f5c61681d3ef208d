package io.mproxy.reverseproxy;

import io.mproxy.common.cli.Converters;
import io.mproxy.common.cli.Foreground;
import io.mproxy.common.cli.MaxDatagram;
import io.mproxy.common.cli.MulticastOptions;
import io.mproxy.common.cli.StatsOptions;
import io.mproxy.common.cli.VerboseOption;
import io.mproxy.common.cli.VersionProvider;
import io.mproxy.common.framing.Framing;
import io.mproxy.common.net.Endpoint;
import io.mproxy.reverseproxy.output.SlowClientPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The {@code mproxy-reverseproxy} command line. */
@Command(name = "mproxy-reverseproxy", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    sortOptions = false, usageHelpAutoWidth = true,
    description = {"Puts UDP and TCP input onto a multicast group, and fans the group out to TCP clients, TCP "
        + "downstreams and UDP outputs. Reverse proxies on one group share nothing: start more of them, anywhere "
        + "on the link, and each delivers the whole stream to its own outputs.",
        "SIGTERM/SIGINT: inputs stop, outputs get up to 1 s to write what they hold, exit 0.",
        "Exit codes: 0 stopped cleanly, 1 runtime failure (e.g. a port in use), 2 bad usage."})
public final class ReverseProxyCommand implements Callable<Integer> {
    @Option(names = {"--multicast-addr", "--multicast_addr"}, paramLabel = "GROUP:PORT",
        converter = Converters.EndpointConverter.class, defaultValue = ReverseProxyContext.DEFAULT_GROUP,
        description = "The multicast group everything meets on (default: ${DEFAULT-VALUE}).")
    Endpoint group;

    @Option(names = {"--udp-listen-addr", "--udp_listen_addr"}, paramLabel = "HOST:PORT",
        converter = Converters.ListenEndpointConverter.class,
        description = "Input: UDP address (or another group) whose datagrams go onto the group; repeatable.")
    List<Endpoint> udpInputs = new ArrayList<>();

    @Option(names = {"--tcp-listen-addr", "--tcp_listen_addr"}, paramLabel = "HOST:PORT",
        converter = Converters.ListenEndpointConverter.class,
        description = "Input: TCP address; each client's stream is framed into datagrams onto the group; "
            + "repeatable.")
    List<Endpoint> tcpInputs = new ArrayList<>();

    @Option(names = {"--tcp-output-addr", "--tcp_output_addr"}, paramLabel = "HOST:PORT",
        converter = Converters.ListenEndpointConverter.class,
        description = "Output: TCP address to listen on; every client that connects gets the group's stream from "
            + "then on; repeatable.")
    List<Endpoint> tcpOutputs = new ArrayList<>();

    @Option(names = {"--udp-output-addr", "--udp_output_addr"}, paramLabel = "HOST:PORT",
        converter = Converters.EndpointConverter.class,
        description = "Output: UDP address (or another group) to send the group's datagrams to; repeatable.")
    List<Endpoint> udpOutputs = new ArrayList<>();

    @Option(names = {"--tcp-downstream-addr", "--tcp_downstream_addr"}, paramLabel = "HOST:PORT",
        converter = Converters.EndpointConverter.class,
        description = "Output: TCP server to keep one connection to (batched, corked writes; reconnects with "
            + "backoff); repeatable.")
    List<Endpoint> downstreams = new ArrayList<>();

    @Option(names = {"--input-framing", "--input_framing"}, paramLabel = "line|raw|length",
        converter = Converters.FramingConverter.class, defaultValue = "line",
        description = "How TCP input streams become datagrams: line (whole lines up to --max-datagram), raw (as "
            + "read, the Rust tool's way), length (4-byte big-endian length prefix) (default: ${DEFAULT-VALUE}).")
    Framing inputFraming;

    @Option(names = {"--output-framing", "--output_framing"}, paramLabel = "raw|line|length",
        converter = Converters.FramingConverter.class, defaultValue = "raw",
        description = "How datagrams are written to outputs: raw (as they are), line (a newline added where one "
            + "is missing), length (4-byte big-endian length prefix) (default: ${DEFAULT-VALUE}).")
    Framing outputFraming;

    @Option(names = {"--max-datagram", "--max_datagram"}, paramLabel = "BYTES",
        description = "Largest datagram cut from a TCP input, at most 65507 (default: " + MaxDatagram.DEFAULT
            + ", or " + MaxDatagram.LIMIT + " when --multicast-interface is a loopback interface).")
    Integer maxDatagram;

    @Option(names = {"--client-buffer", "--client_buffer"}, paramLabel = "BYTES",
        converter = Converters.SizeConverter.class, defaultValue = "64Mi",
        description = "How far an output may fall behind the group before --slow-client applies (one shared "
            + "ring of twice this, whatever the number of clients) (default: ${DEFAULT-VALUE}).")
    long clientBuffer;

    @Option(names = {"--slow-client", "--slow_client"}, paramLabel = "drop|disconnect",
        converter = SlowClientConverter.class, defaultValue = "drop",
        description = "An output further behind: drop (skip to the newest data, whole datagrams dropped, counted) "
            + "or disconnect (a downstream reconnects) (default: ${DEFAULT-VALUE}).")
    SlowClientPolicy slowClient;

    @Option(names = {"--client-sndbuf", "--client_sndbuf"}, paramLabel = "BYTES",
        converter = Converters.SizeConverter.class, defaultValue = "0",
        description = "SO_SNDBUF of TCP outputs, 0 for the kernel's autotuning (default: ${DEFAULT-VALUE}).")
    long clientSendBuffer;

    @Option(names = {"--reconnect-max", "--reconnect_max"}, paramLabel = "SECONDS", defaultValue = "30",
        description = "Longest wait between reconnect attempts of a downstream (default: ${DEFAULT-VALUE}).")
    long reconnectMax;

    @Option(names = "--rcvbuf", paramLabel = "BYTES", converter = Converters.SizeConverter.class,
        defaultValue = "32Mi", description = "SO_RCVBUF of the group and UDP inputs (default: ${DEFAULT-VALUE}).")
    long receiveBuffer;

    @Option(names = "--sndbuf", paramLabel = "BYTES", converter = Converters.SizeConverter.class,
        defaultValue = "4Mi", description = "SO_SNDBUF for UDP sends (default: ${DEFAULT-VALUE}).")
    long sendBuffer;

    @Option(names = {"-t", "--tee"}, description = "Copy what enters the group to stdout.")
    boolean tee;

    @Mixin
    MulticastOptions multicast;

    @Mixin
    StatsOptions stats;

    @Mixin
    VerboseOption verbose;

    /** {@code drop} or {@code disconnect}. */
    static final class SlowClientConverter implements ITypeConverter<SlowClientPolicy> {
        @Override
        public SlowClientPolicy convert(String value) {
            return Converters.converting(SlowClientPolicy::parse, value);
        }
    }

    @Override
    public Integer call() throws Exception {
        ReverseProxyContext context = new ReverseProxyContext().group(group).inputFraming(inputFraming)
            .outputFraming(outputFraming).clientBuffer(clientBuffer).slowClient(slowClient)
            .clientSendBuffer(clientSendBuffer).receiveBuffer(receiveBuffer).sendBuffer(sendBuffer)
            .reconnectMax(Duration.ofSeconds(Math.max(0, reconnectMax))).tee(tee)
            .multicast(multicast.settings());
        if (maxDatagram != null) {
            context.maxDatagram(maxDatagram);
        }
        udpInputs.forEach(context::udpInput);
        tcpInputs.forEach(context::tcpInput);
        tcpOutputs.forEach(context::tcpOutput);
        udpOutputs.forEach(context::udpOutput);
        downstreams.forEach(context::tcpDownstream);
        context.validate();
        return Foreground.run(stats, (signals, reporter) ->
            ReverseProxy.start(context, () -> signals.stop("stdout closed"), reporter));
    }
}
