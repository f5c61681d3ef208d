package io.mproxy.proxy;

import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.UdpChannels;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import io.mproxy.common.stats.StatsReporter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards every input to every downstream. Each input has a platform thread of its own that reads and sends: a
 * {@link UdpInput} receives a datagram and sends it on, a {@link TcpUpstream} frames its stream and sends each
 * datagram. They share the {@link Downstreams}: one connected socket per downstream, whose writes the JDK serialises
 * datagram by datagram.
 *
 * <pre>{@code
 * ProxyContext context = new ProxyContext().udpListener(Endpoint.parse("[ff15::1]:9920"))
 *     .downstream(Endpoint.parse("127.0.0.1:9921"));
 * try (Proxy proxy = Proxy.start(context.validate(), () -> { }, reporter)) {
 *     signals.await();
 * }
 * }</pre>
 */
public final class Proxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Proxy.class);

    private final List<UdpInput> udpInputs = new ArrayList<>();
    private final List<TcpUpstream> upstreams = new ArrayList<>();
    private Downstreams downstreams;

    private Proxy() {
    }

    /**
     * Opens the downstream sockets and the listeners, then starts every thread.
     *
     * @param context        validated settings.
     * @param onStdoutClosed runs when stdout (--tee) is a closed pipe.
     * @param stats          receives every component's counters.
     * @return the running proxy.
     * @throws IOException naming what cannot be opened (what was opened is closed).
     */
    public static Proxy start(ProxyContext context, Runnable onStdoutClosed, StatsReporter stats) throws IOException {
        Proxy proxy = new Proxy();
        try {
            proxy.open(context, onStdoutClosed, stats);
            return proxy;
        } catch (IOException | RuntimeException e) {
            proxy.close();
            throw e;
        }
    }

    private void open(ProxyContext context, Runnable onStdoutClosed, StatsReporter stats) throws IOException {
        UpstreamConnector connector = UpstreamConnector.create(context);
        if (connector.insecure()) {
            LOG.warn("*** --tls-insecure: server certificates and host names are NOT checked; anyone on the path "
                + "can read and change these streams. Use --tls-trust-store for a private CA instead. ***");
        }
        downstreams = new Downstreams(context, onStdoutClosed);
        downstreams.counters().forEach(stats::add);
        for (Endpoint listener : context.udpListeners()) {
            DatagramChannel channel = UdpChannels.openReceiver(listener, context.multicast(), context.receiveBuffer());
            Endpoint endpoint = listener.withPort(((InetSocketAddress) channel.getLocalAddress()).getPort());
            Counters counters = new Counters("udp-listener " + endpoint.text(),
                EnumSet.of(Counter.DATAGRAMS_IN, Counter.BYTES_IN, Counter.ERRORS));
            UdpInput input = new UdpInput(endpoint, channel, downstreams, counters);
            udpInputs.add(input);
            stats.add(counters, StatsReporter.KERNEL_DROPS, input::kernelDrops);
        }
        for (Upstream upstream : context.upstreams()) {
            Counters counters = new Counters("tcp-upstream " + upstream.text(), EnumSet.of(Counter.BYTES_IN,
                Counter.DATAGRAMS_OUT, Counter.SPLIT_LINES, Counter.DROPPED, Counter.TRUNCATED, Counter.RECONNECTS));
            upstreams.add(new TcpUpstream(upstream, connector, context, downstreams, counters));
            stats.add(counters);
        }
        for (Endpoint downstream : context.downstreams()) {
            LOG.info("forwarding to {} ({})", downstream.text(), downstream.numeric());
        }
        for (UdpInput input : udpInputs) {
            input.start();
            LOG.info("listening on {} ({})", input.endpoint().text(), input.endpoint().numeric());
        }
        for (TcpUpstream upstream : upstreams) {
            upstream.start();
            LOG.info("reading {} ({}, {} framing)", upstream.upstream().text(), upstream.upstream().tls() ? "TLS"
                : "TCP", context.framing().cliName());
        }
    }

    /** @return the UDP listeners with the ports they are bound to (an ephemeral port 0 resolved). */
    public List<Endpoint> endpoints() {
        return udpInputs.stream().map(UdpInput::endpoint).toList();
    }

    /** Stops the inputs (what they read is sent), then closes the downstream sockets. */
    @Override
    public void close() {
        udpInputs.forEach(UdpInput::close);
        upstreams.forEach(TcpUpstream::close);
        UdpChannels.closeQuietly(downstreams);
    }
}
