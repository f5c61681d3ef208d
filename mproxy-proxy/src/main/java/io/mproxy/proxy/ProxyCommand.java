package io.mproxy.proxy;

import io.mproxy.common.cli.BinaryCommand;
import io.mproxy.common.cli.CommandModel;
import io.mproxy.common.cli.Converters;
import io.mproxy.common.cli.Foreground;
import io.mproxy.common.cli.MaxDatagram;
import io.mproxy.common.cli.MulticastOptions;
import io.mproxy.common.cli.StatsOptions;
import io.mproxy.common.cli.UsageException;
import io.mproxy.common.framing.Framing;
import io.mproxy.common.net.Endpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The {@code mproxy-proxy} command line. */
public final class ProxyCommand implements BinaryCommand {
    private final CommandSpec spec = CommandModel.command(this, "mproxy-proxy",
        "Forwards UDP listeners (unicast or multicast) and TCP/TLS servers it connects to, to one or more UDP "
            + "downstreams (unicast or multicast).",
        "TCP upstreams reconnect after end of stream or errors, with exponential backoff and jitter.",
        "Exit codes: 0 stopped by SIGTERM/SIGINT, 1 runtime failure, 2 bad usage.");

    private final OptionSpec udpListeners = CommandModel.option(spec,
        CommandModel.endpoints(new Converters.ListenEndpointConverter(), "--udp-listen-addr", "--udp_listen_addr")
            .description("UDP address to receive on: unicast (port 0: any free port) or a multicast group to join; "
                + "repeat for several."));

    private final OptionSpec downstreams = CommandModel.option(spec,
        CommandModel.endpoints(new Converters.EndpointConverter(), "--udp-downstream-addr", "--udp_downstream_addr")
            .description("UDP address to send everything to, unicast or multicast; repeat for several."));

    private final OptionSpec upstreams = CommandModel.option(spec,
        OptionSpec.builder("--tcp-connect-addr", "--tcp_connect_addr").paramLabel("[tls://]HOST:PORT")
            .type(List.class).auxiliaryTypes(Upstream.class).converters(new UpstreamConverter())
            .description("TCP server to connect to and forward, framed into datagrams; tls:// for TLS; repeat for "
                + "several."));

    private final OptionSpec tee = CommandModel.flag(spec, "Copy every datagram forwarded to stdout.", "-t", "--tee");

    private final OptionSpec framing = CommandModel.option(spec, OptionSpec.builder("--framing")
        .paramLabel("line|raw|length").type(Framing.class).converters(new Converters.FramingConverter())
        .defaultValue("line")
        .description("How TCP streams become datagrams: line (whole lines packed up to --max-datagram), raw (chunks "
            + "as read), length (4-byte big-endian length before each message) (default: ${DEFAULT-VALUE})."));

    private final OptionSpec maxDatagram = CommandModel.option(spec,
        OptionSpec.builder("--max-datagram", "--max_datagram").paramLabel("BYTES").type(Integer.class)
            .description("Largest datagram cut from a TCP stream, at most 65507 (default: " + MaxDatagram.DEFAULT
                + ", or " + MaxDatagram.LIMIT + " when every downstream is on loopback or a group sent through a "
                + "loopback --multicast-interface)."));

    private final OptionSpec reconnectMax = CommandModel.option(spec,
        OptionSpec.builder("--reconnect-max", "--reconnect_max").paramLabel("DURATION").type(Duration.class)
            .converters(new Converters.DurationConverter()).defaultValue("30s")
            .description("Longest wait between two connect attempts; the first retry comes within 0.5 s, then the "
                + "wait doubles, with jitter (default: ${DEFAULT-VALUE})."));

    private final OptionSpec tlsAll = CommandModel.flag(spec, "Use TLS on every --tcp-connect-addr.", "--tls");

    private final OptionSpec trustStore = CommandModel.option(spec,
        OptionSpec.builder("--tls-trust-store", "--tls_trust_store").paramLabel("FILE").type(Path.class)
            .description("The CAs to trust (a private CA) instead of the JDK's: a PEM file of certificates, or a "
                + "PKCS12 trust store."));

    private final OptionSpec trustStorePassword = CommandModel.option(spec,
        OptionSpec.builder("--tls-trust-store-password", "--tls_trust_store_password").paramLabel("PASSWORD")
            .type(String.class).description("Password of a PKCS12 --tls-trust-store (none by default)."));

    private final OptionSpec tlsInsecure = CommandModel.flag(spec,
        "Check neither the server's certificate nor its host name (testing only: anyone on the path can read and "
            + "change the stream).", "--tls-insecure", "--tls_insecure");

    private final OptionSpec receiveBuffer = CommandModel.size(spec, ProxyContext.DEFAULT_RECEIVE_BUFFER,
        "SO_RCVBUF of UDP listeners (default: ${DEFAULT-VALUE}).", "--rcvbuf");

    private final OptionSpec sendBuffer = CommandModel.size(spec, ProxyContext.DEFAULT_SEND_BUFFER,
        "SO_SNDBUF of downstream sockets (default: ${DEFAULT-VALUE}).", "--sndbuf");

    private final MulticastOptions multicast = new MulticastOptions(spec);

    private final StatsOptions stats = new StatsOptions(spec);

    @Override
    public CommandSpec spec() {
        return spec;
    }

    @Override
    public Integer call() throws Exception {
        long receiveBuffer = this.receiveBuffer.getValue();
        long sendBuffer = this.sendBuffer.getValue();
        if (receiveBuffer > Integer.MAX_VALUE || sendBuffer > Integer.MAX_VALUE) {
            throw new UsageException("--rcvbuf and --sndbuf must be below 2Gi");
        }
        ProxyContext context = new ProxyContext().tee(tee.getValue()).framing(framing.getValue());
        if (maxDatagram.getValue() != null) {
            context.maxDatagram(maxDatagram.getValue());
        }
        String password = trustStorePassword.getValue();
        context.reconnectMax(reconnectMax.getValue()).tlsAll(tlsAll.getValue()).trustStore(trustStore.getValue())
            .trustStorePassword(password == null ? null : password.toCharArray())
            .tlsInsecure(tlsInsecure.getValue()).receiveBuffer((int) receiveBuffer).sendBuffer((int) sendBuffer)
            .multicast(multicast.settings());
        CommandModel.<Endpoint>values(udpListeners).forEach(context::udpListener);
        CommandModel.<Endpoint>values(downstreams).forEach(context::downstream);
        CommandModel.<Upstream>values(upstreams).forEach(context::upstream);
        context.validate();
        return Foreground.run(stats, (signals, reporter) ->
            Proxy.start(context, () -> signals.stop("stdout closed"), reporter));
    }

    /** {@code [tls://]HOST:PORT}; the parser's exception stays the cause, so an unknown host exits 1, not 2. */
    static final class UpstreamConverter implements ITypeConverter<Upstream> {
        @Override
        public Upstream convert(String value) {
            return Converters.converting(Upstream::parse, value);
        }
    }
}
