package io.mproxy.proxy;

import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.UdpChannels;
import io.mproxy.common.net.UdpFanOut;
import io.mproxy.common.net.UdpReceiver;
import io.mproxy.common.ring.DatagramRing;
import io.mproxy.common.ring.Wakeup;
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
 * Forwards every input to every downstream. Each input has a reader thread: a {@link UdpReceiver} that only drains
 * its socket into a ring, or a {@link TcpUpstream} that frames its stream into one. One {@link Forwarder} thread
 * drains all rings into the downstream sockets, so a receiving socket is never left unread while datagrams are
 * being sent, and inputs never share a socket between threads.
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

    private final List<UdpReceiver> receivers = new ArrayList<>();
    private final List<TcpUpstream> upstreams = new ArrayList<>();
    private final List<Endpoint> bound = new ArrayList<>();
    private UdpFanOut fanOut;
    private Forwarder forwarder;

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
        if (!context.downstreams().isEmpty()) {
            fanOut = new UdpFanOut(context.downstreams(), context.multicast(), context.sendBuffer(), "downstream");
            fanOut.counters().forEach(stats::add);
        }
        Wakeup wakeup = new Wakeup();
        List<DatagramRing> rings = new ArrayList<>();
        List<DatagramChannel> channels = new ArrayList<>();
        try {
            for (Endpoint listener : context.udpListeners()) {
                channels.add(UdpChannels.openReceiver(listener, context.multicast(), context.receiveBuffer()));
            }
        } catch (IOException | RuntimeException e) {
            channels.forEach(UdpChannels::closeQuietly);
            throw e;
        }
        for (int i = 0; i < channels.size(); i++) {
            Endpoint listener = context.udpListeners().get(i);
            Endpoint endpoint = listener.withPort(((InetSocketAddress) channels.get(i).getLocalAddress()).getPort());
            bound.add(endpoint);
            DatagramRing ring = new DatagramRing(context.ring(), UdpChannels.MAX_UDP_PAYLOAD, wakeup);
            rings.add(ring);
            Counters counters = new Counters("udp-listener " + endpoint.text(),
                EnumSet.of(Counter.DATAGRAMS_IN, Counter.BYTES_IN, Counter.DROPPED, Counter.ERRORS));
            UdpReceiver receiver = new UdpReceiver(endpoint, channels.get(i), ring, counters);
            receivers.add(receiver);
            stats.add(counters, "kernel drops", receiver::kernelDrops);
        }
        for (Upstream upstream : context.upstreams()) {
            DatagramRing ring = new DatagramRing(context.ring(), context.maxDatagram(), wakeup);
            rings.add(ring);
            Counters counters = new Counters("tcp-upstream " + upstream.text(), EnumSet.of(Counter.BYTES_IN,
                Counter.DATAGRAMS_OUT, Counter.SPLIT_LINES, Counter.DROPPED, Counter.TRUNCATED, Counter.RECONNECTS));
            upstreams.add(new TcpUpstream(upstream, connector, context, ring, counters));
            stats.add(counters);
        }
        forwarder = new Forwarder(rings, wakeup, fanOut, context.tee(), onStdoutClosed).start();
        for (Endpoint downstream : context.downstreams()) {
            LOG.info("forwarding to {} ({})", downstream.text(), downstream.numeric());
        }
        for (UdpReceiver receiver : receivers) {
            receiver.start();
            LOG.info("listening on {} ({})", receiver.endpoint().text(), receiver.endpoint().numeric());
        }
        for (TcpUpstream upstream : upstreams) {
            upstream.start();
            LOG.info("reading {} ({}, {} framing)", upstream.upstream().text(), upstream.upstream().tls() ? "TLS"
                : "TCP", context.framing().cliName());
        }
    }

    /** @return the UDP listeners with the ports they are bound to (an ephemeral port 0 resolved). */
    public List<Endpoint> endpoints() {
        return List.copyOf(bound);
    }

    /** Stops the inputs, sends what they delivered, closes the downstream sockets. */
    @Override
    public void close() {
        receivers.forEach(UdpReceiver::close);
        upstreams.forEach(TcpUpstream::close);
        if (forwarder != null) {
            forwarder.close();
        }
        UdpChannels.closeQuietly(fanOut);
    }
}
