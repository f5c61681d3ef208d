package io.mproxy.proxy;

import io.mproxy.common.cli.Converters;
import io.mproxy.common.cli.Foreground;
import io.mproxy.common.cli.MaxDatagram;
import io.mproxy.common.cli.MulticastOptions;
import io.mproxy.common.cli.StatsOptions;
import io.mproxy.common.cli.UsageException;
import io.mproxy.common.cli.VerboseOption;
import io.mproxy.common.cli.VersionProvider;
import io.mproxy.common.framing.Framing;
import io.mproxy.common.net.Endpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The {@code mproxy-proxy} command line. */
@Command(name = "mproxy-proxy", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    sortOptions = false, usageHelpAutoWidth = true,
    description = {"Forwards UDP listeners (unicast or multicast) and TCP/TLS servers it connects to, to one or more "
        + "UDP downstreams (unicast or multicast).",
        "TCP upstreams reconnect after end of stream or errors, with exponential backoff and jitter.",
        "Exit codes: 0 stopped by SIGTERM/SIGINT, 1 runtime failure, 2 bad usage."})
public final class ProxyCommand implements Callable<Integer> {
    @Option(names = {"--udp-listen-addr", "--udp_listen_addr"}, paramLabel = "HOST:PORT",
        converter = Converters.ListenEndpointConverter.class,
        description = "UDP address to receive on: unicast (port 0: any free port) or a multicast group to join; "
            + "repeat for several.")
    List<Endpoint> udpListeners = new ArrayList<>();

    @Option(names = {"--udp-downstream-addr", "--udp_downstream_addr"}, paramLabel = "HOST:PORT",
        converter = Converters.EndpointConverter.class,
        description = "UDP address to send everything to, unicast or multicast; repeat for several.")
    List<Endpoint> downstreams = new ArrayList<>();

    @Option(names = {"--tcp-connect-addr", "--tcp_connect_addr"}, paramLabel = "[tls://]HOST:PORT",
        converter = UpstreamConverter.class,
        description = "TCP server to connect to and forward, framed into datagrams; tls:// for TLS; repeat for "
            + "several.")
    List<Upstream> upstreams = new ArrayList<>();

    @Option(names = {"-t", "--tee"}, description = "Copy every datagram forwarded to stdout.")
    boolean tee;

    @Option(names = "--framing", paramLabel = "line|raw|length", converter = Converters.FramingConverter.class,
        defaultValue = "line",
        description = "How TCP streams become datagrams: line (whole lines packed up to --max-datagram), raw (chunks "
            + "as read), length (4-byte big-endian length before each message) (default: ${DEFAULT-VALUE}).")
    Framing framing;

    @Option(names = {"--max-datagram", "--max_datagram"}, paramLabel = "BYTES",
        description = "Largest datagram cut from a TCP stream, at most 65507 (default: " + MaxDatagram.DEFAULT
            + ", or " + MaxDatagram.LIMIT + " when every downstream is on loopback or a group sent through a "
            + "loopback --multicast-interface).")
    Integer maxDatagram;

    @Option(names = {"--reconnect-max", "--reconnect_max"}, paramLabel = "DURATION",
        converter = Converters.DurationConverter.class, defaultValue = "30s",
        description = "Longest wait between two connect attempts; the first retry comes within 0.5 s, then the "
            + "wait doubles, with jitter (default: ${DEFAULT-VALUE}).")
    Duration reconnectMax;

    @Option(names = "--tls", description = "Use TLS on every --tcp-connect-addr.")
    boolean tlsAll;

    @Option(names = {"--tls-trust-store", "--tls_trust_store"}, paramLabel = "FILE",
        description = "The CAs to trust (a private CA) instead of the JDK's: a PEM file of certificates, or a PKCS12 "
            + "trust store.")
    Path trustStore;

    @Option(names = {"--tls-trust-store-password", "--tls_trust_store_password"}, paramLabel = "PASSWORD",
        description = "Password of a PKCS12 --tls-trust-store (none by default).")
    String trustStorePassword;

    @Option(names = {"--tls-insecure", "--tls_insecure"},
        description = "Check neither the server's certificate nor its host name (testing only: anyone on the path "
            + "can read and change the stream).")
    boolean tlsInsecure;

    @Option(names = "--rcvbuf", paramLabel = "BYTES", converter = Converters.SizeConverter.class,
        defaultValue = "32Mi", description = "SO_RCVBUF of UDP listeners (default: ${DEFAULT-VALUE}).")
    long receiveBuffer;

    @Option(names = "--sndbuf", paramLabel = "BYTES", converter = Converters.SizeConverter.class,
        defaultValue = "4Mi", description = "SO_SNDBUF of downstream sockets (default: ${DEFAULT-VALUE}).")
    long sendBuffer;

    @Mixin
    MulticastOptions multicast;

    @Mixin
    StatsOptions stats;

    @Mixin
    VerboseOption verbose;

    @Override
    public Integer call() throws Exception {
        if (receiveBuffer > Integer.MAX_VALUE || sendBuffer > Integer.MAX_VALUE) {
            throw new UsageException("--rcvbuf and --sndbuf must be below 2Gi");
        }
        ProxyContext context = new ProxyContext().tee(tee).framing(framing);
        if (maxDatagram != null) {
            context.maxDatagram(maxDatagram);
        }
        context.reconnectMax(reconnectMax).tlsAll(tlsAll).trustStore(trustStore)
            .trustStorePassword(trustStorePassword == null ? null : trustStorePassword.toCharArray())
            .tlsInsecure(tlsInsecure).receiveBuffer((int) receiveBuffer).sendBuffer((int) sendBuffer)
            .multicast(multicast.settings());
        udpListeners.forEach(context::udpListener);
        downstreams.forEach(context::downstream);
        upstreams.forEach(context::upstream);
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
