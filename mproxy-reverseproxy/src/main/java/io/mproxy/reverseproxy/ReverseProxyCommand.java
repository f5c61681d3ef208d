package io.mproxy.reverseproxy;

import io.mproxy.common.cli.BinaryCommand;
import io.mproxy.common.cli.CommandModel;
import io.mproxy.common.cli.Converters;
import io.mproxy.common.cli.Foreground;
import io.mproxy.common.cli.MaxDatagram;
import io.mproxy.common.cli.MulticastOptions;
import io.mproxy.common.cli.StatsOptions;
import io.mproxy.common.framing.Framing;
import io.mproxy.common.net.Endpoint;
import io.mproxy.reverseproxy.output.SlowClientPolicy;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The {@code mproxy-reverseproxy} command line. */
public final class ReverseProxyCommand implements BinaryCommand {
    private final CommandSpec spec = CommandModel.command(this, "mproxy-reverseproxy",
        "Puts UDP and TCP input onto a multicast group, and fans the group out to TCP clients, TCP downstreams and "
            + "UDP outputs. Reverse proxies on one group share nothing: start more of them, anywhere on the link, "
            + "and each delivers the whole stream to its own outputs.",
        "SIGTERM/SIGINT: inputs stop, outputs get up to 1 s to write what they hold, exit 0.",
        "Exit codes: 0 stopped cleanly, 1 runtime failure (e.g. a port in use), 2 bad usage.");

    private final OptionSpec group = CommandModel.option(spec,
        OptionSpec.builder("--multicast-addr", "--multicast_addr").paramLabel("GROUP:PORT").type(Endpoint.class)
            .converters(new Converters.EndpointConverter()).defaultValue(ReverseProxyContext.DEFAULT_GROUP)
            .description("The multicast group everything meets on (default: ${DEFAULT-VALUE})."));

    private final OptionSpec udpInputs = CommandModel.option(spec,
        CommandModel.endpoints(new Converters.ListenEndpointConverter(), "--udp-listen-addr", "--udp_listen_addr")
            .description("Input: UDP address (or another group) whose datagrams go onto the group; repeatable."));

    private final OptionSpec tcpInputs = CommandModel.option(spec,
        CommandModel.endpoints(new Converters.ListenEndpointConverter(), "--tcp-listen-addr", "--tcp_listen_addr")
            .description("Input: TCP address; each client's stream is framed into datagrams onto the group; "
                + "repeatable."));

    private final OptionSpec tcpOutputs = CommandModel.option(spec,
        CommandModel.endpoints(new Converters.ListenEndpointConverter(), "--tcp-output-addr", "--tcp_output_addr")
            .description("Output: TCP address to listen on; every client that connects gets the group's stream from "
                + "then on; repeatable."));

    private final OptionSpec udpOutputs = CommandModel.option(spec,
        CommandModel.endpoints(new Converters.EndpointConverter(), "--udp-output-addr", "--udp_output_addr")
            .description("Output: UDP address (or another group) to send the group's datagrams to; repeatable."));

    private final OptionSpec downstreams = CommandModel.option(spec,
        CommandModel.endpoints(new Converters.EndpointConverter(), "--tcp-downstream-addr", "--tcp_downstream_addr")
            .description("Output: TCP server to keep one connection to (batched, corked writes; reconnects with "
                + "backoff); repeatable."));

    private final OptionSpec inputFraming = CommandModel.option(spec,
        OptionSpec.builder("--input-framing", "--input_framing").paramLabel("line|raw|length").type(Framing.class)
            .converters(new Converters.FramingConverter()).defaultValue("line")
            .description("How TCP input streams become datagrams: line (whole lines up to --max-datagram), raw (as "
                + "read, the Rust tool's way), length (4-byte big-endian length prefix) (default: "
                + "${DEFAULT-VALUE})."));

    private final OptionSpec outputFraming = CommandModel.option(spec,
        OptionSpec.builder("--output-framing", "--output_framing").paramLabel("raw|line|length").type(Framing.class)
            .converters(new Converters.FramingConverter()).defaultValue("raw")
            .description("How datagrams are written to outputs: raw (as they are), line (a newline added where one "
                + "is missing), length (4-byte big-endian length prefix) (default: ${DEFAULT-VALUE})."));

    private final OptionSpec maxDatagram = CommandModel.option(spec,
        OptionSpec.builder("--max-datagram", "--max_datagram").paramLabel("BYTES").type(Integer.class)
            .description("Largest datagram cut from a TCP input, at most 65507 (default: " + MaxDatagram.DEFAULT
                + ", or " + MaxDatagram.LIMIT + " when --multicast-interface is a loopback interface)."));

    private final OptionSpec clientBuffer = CommandModel.size(spec, ReverseProxyContext.DEFAULT_CLIENT_BUFFER,
        "How far an output may fall behind the group before --slow-client applies (one shared ring of twice this, "
            + "whatever the number of clients) (default: ${DEFAULT-VALUE}).", "--client-buffer", "--client_buffer");

    private final OptionSpec slowClient = CommandModel.option(spec,
        OptionSpec.builder("--slow-client", "--slow_client").paramLabel("drop|disconnect")
            .type(SlowClientPolicy.class).converters(new SlowClientConverter()).defaultValue("drop")
            .description("An output further behind: drop (skip to the newest data, whole datagrams dropped, "
                + "counted) or disconnect (a downstream reconnects) (default: ${DEFAULT-VALUE})."));

    private final OptionSpec clientSendBuffer = CommandModel.size(spec, 0,
        "SO_SNDBUF of TCP outputs, 0 for the kernel's autotuning (default: ${DEFAULT-VALUE}).", "--client-sndbuf",
        "--client_sndbuf");

    private final OptionSpec reconnectMax = CommandModel.option(spec,
        OptionSpec.builder("--reconnect-max", "--reconnect_max").paramLabel("SECONDS").type(long.class)
            .defaultValue("30")
            .description("Longest wait between reconnect attempts of a downstream (default: ${DEFAULT-VALUE})."));

    private final OptionSpec receiveBuffer = CommandModel.size(spec, ReverseProxyContext.DEFAULT_RECEIVE_BUFFER,
        "SO_RCVBUF of the group and UDP inputs (default: ${DEFAULT-VALUE}).", "--rcvbuf");

    private final OptionSpec sendBuffer = CommandModel.size(spec, ReverseProxyContext.DEFAULT_SEND_BUFFER,
        "SO_SNDBUF for UDP sends (default: ${DEFAULT-VALUE}).", "--sndbuf");

    private final OptionSpec tee = CommandModel.flag(spec, "Copy what enters the group to stdout.", "-t", "--tee");

    private final MulticastOptions multicast = new MulticastOptions(spec);

    private final StatsOptions stats = new StatsOptions(spec);

    @Override
    public CommandSpec spec() {
        return spec;
    }

    /** {@code drop} or {@code disconnect}. */
    static final class SlowClientConverter implements ITypeConverter<SlowClientPolicy> {
        @Override
        public SlowClientPolicy convert(String value) {
            return Converters.converting(SlowClientPolicy::parse, value);
        }
    }

    @Override
    public Integer call() throws Exception {
        long reconnectMax = this.reconnectMax.getValue();
        ReverseProxyContext context = new ReverseProxyContext().group(group.getValue())
            .inputFraming(inputFraming.getValue()).outputFraming(outputFraming.getValue())
            .clientBuffer(clientBuffer.getValue()).slowClient(slowClient.getValue())
            .clientSendBuffer(clientSendBuffer.getValue()).receiveBuffer(receiveBuffer.getValue())
            .sendBuffer(sendBuffer.getValue()).reconnectMax(Duration.ofSeconds(Math.max(0, reconnectMax)))
            .tee(tee.getValue()).multicast(multicast.settings());
        if (maxDatagram.getValue() != null) {
            context.maxDatagram(maxDatagram.getValue());
        }
        CommandModel.<Endpoint>values(udpInputs).forEach(context::udpInput);
        CommandModel.<Endpoint>values(tcpInputs).forEach(context::tcpInput);
        CommandModel.<Endpoint>values(tcpOutputs).forEach(context::tcpOutput);
        CommandModel.<Endpoint>values(udpOutputs).forEach(context::udpOutput);
        CommandModel.<Endpoint>values(downstreams).forEach(context::tcpDownstream);
        context.validate();
        return Foreground.run(stats, (signals, reporter) ->
            ReverseProxy.start(context, () -> signals.stop("stdout closed"), reporter));
    }
}
