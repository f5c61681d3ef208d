package io.mproxy.reverseproxy;

import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.MulticastSettings;
import io.mproxy.common.net.UdpChannels;
import io.mproxy.common.net.UdpFanOut;
import io.mproxy.common.stats.StatsReporter;
import io.mproxy.reverseproxy.broadcast.BroadcastRing;
import io.mproxy.reverseproxy.broadcast.GroupReader;
import io.mproxy.reverseproxy.input.GroupSender;
import io.mproxy.reverseproxy.input.TcpInput;
import io.mproxy.reverseproxy.input.UdpInput;
import io.mproxy.reverseproxy.output.TcpDownstream;
import io.mproxy.reverseproxy.output.TcpOutputListener;
import io.mproxy.reverseproxy.output.UdpOutput;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Inputs onto a multicast group, and the group fanned out to outputs. The process holds no state beyond its
 * buffers: any number of reverse proxies, on any hosts of the link, can share a group, and every one of them
 * delivers the whole stream to its own outputs.
 *
 * <p>Inputs (UDP listeners, TCP listeners) send onto the group. If there are outputs, the process joins the group:
 * one thread receives it into a {@link BroadcastRing}, and every output (each TCP client, each downstream, the UDP
 * outputs) reads the ring from its own thread at its own pace.
 *
 * <pre>{@code
 * ReverseProxyContext context = new ReverseProxyContext().group(Endpoint.parse("239.1.2.3:9918"))
 *     .udpInput(Endpoint.parse("127.0.0.1:9000")).tcpOutput(Endpoint.parse("127.0.0.1:9001"));
 * try (ReverseProxy proxy = ReverseProxy.start(context.validate(), () -> { }, stats)) {
 *     signals.await();
 * }
 * }</pre>
 */
public final class ReverseProxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReverseProxy.class);

    private final List<UdpInput> udpInputs = new ArrayList<>();
    private final List<TcpInput> tcpInputs = new ArrayList<>();
    private final List<TcpOutputListener> tcpOutputs = new ArrayList<>();
    private final List<TcpDownstream> downstreams = new ArrayList<>();
    private UdpFanOut groupFanOut;
    private GroupSender groupSender;
    private GroupReader groupReader;
    private UdpOutput udpOutput;

    private ReverseProxy() {
    }

    /**
     * Opens every socket (so a port in use fails here, before anything runs), then starts the threads.
     *
     * @param context        validated settings.
     * @param onStdoutClosed runs when stdout (--tee) is a closed pipe.
     * @param stats          receives every component's counters.
     * @return the running proxy.
     * @throws IOException naming the endpoint that cannot be opened (what was opened is closed).
     */
    public static ReverseProxy start(ReverseProxyContext context, Runnable onStdoutClosed, StatsReporter stats)
        throws IOException {
        ReverseProxy proxy = new ReverseProxy();
        try {
            proxy.open(context, onStdoutClosed, stats);
            return proxy;
        } catch (IOException | RuntimeException e) {
            proxy.close();
            throw e;
        }
    }

    private void open(ReverseProxyContext context, Runnable onStdoutClosed, StatsReporter stats) throws IOException {
        MulticastSettings multicast = context.multicast();
        Endpoint group = UdpChannels.scopedGroup(context.group(), multicast);
        if (context.hasOutputs()) {
            openOutputs(context, group, stats);
        }
        if (context.hasInputs()) {
            groupFanOut = new UdpFanOut(List.of(group), multicast, context.sendBuffer(), "to group");
            groupFanOut.counters().forEach(stats::add);
            groupSender = new GroupSender(groupFanOut, UdpChannels.openSender(group, multicast, context.sendBuffer()),
                group, context.tee(), onStdoutClosed);
            for (Endpoint listen : context.udpInputs()) {
                DatagramChannel channel = UdpChannels.openReceiver(listen, multicast, context.receiveBuffer());
                UdpInput input;
                try {
                    Endpoint bound = listen.withPort(((InetSocketAddress) channel.getLocalAddress()).getPort());
                    input = new UdpInput(bound, channel, groupSender);
                } catch (IOException | RuntimeException e) {
                    UdpChannels.closeQuietly(channel);
                    throw e;
                }
                udpInputs.add(input);
                stats.add(input.counters(), input.kernelDropsLabel(), input::kernelDrops);
            }
            for (Endpoint listen : context.tcpInputs()) {
                TcpInput input = new TcpInput(listen, context.inputFraming(), context.maxDatagram(), groupSender);
                tcpInputs.add(input);
                stats.add(input.counters());
            }
        }
        for (UdpInput input : udpInputs) {
            LOG.info("listening on {} ({}) for udp input -> {}", input.endpoint().text(), input.endpoint().numeric(),
                group.text());
        }
        for (TcpInput input : tcpInputs) {
            LOG.info("listening on {} ({}) for tcp input ({} framing) -> {}", input.endpoint().text(),
                input.endpoint().numeric(), context.inputFraming().cliName(), group.text());
        }
        for (TcpOutputListener output : tcpOutputs) {
            LOG.info("listening on {} ({}) for tcp output ({} framing) <- {}", output.endpoint().text(),
                output.endpoint().numeric(), context.outputFraming().cliName(), group.text());
        }
        if (groupReader != null) {
            groupReader.start();
            tcpOutputs.forEach(TcpOutputListener::start);
            downstreams.forEach(TcpDownstream::start);
            if (udpOutput != null) {
                udpOutput.start();
            }
        }
        udpInputs.forEach(UdpInput::start);
        tcpInputs.forEach(TcpInput::start);
    }

    private void openOutputs(ReverseProxyContext context, Endpoint group, StatsReporter stats) throws IOException {
        BroadcastRing ring = new BroadcastRing(context.ringSize(), GroupReader.maxRecord());
        DatagramChannel channel = UdpChannels.openReceiver(group, context.multicast(), context.receiveBuffer());
        try {
            groupReader = new GroupReader(group, channel, ring, context.outputFraming());
        } catch (IOException | RuntimeException e) {
            UdpChannels.closeQuietly(channel);
            throw e;
        }
        if (context.udpInputs().isEmpty()) {
            groupReader.urgent();
        }
        stats.add(groupReader.counters(), groupReader.kernelDropsLabel(), groupReader::kernelDrops);
        LOG.info("joined group {} ({}) on {}", group.text(), group.numeric(), interfaceName(group, context));
        for (Endpoint listen : context.tcpOutputs()) {
            TcpOutputListener output = new TcpOutputListener(listen, ring, context.limits());
            tcpOutputs.add(output);
            stats.add(output.counters(), "clients", output::clientCount);
        }
        for (Endpoint destination : context.tcpDownstreams()) {
            TcpDownstream downstream = new TcpDownstream(destination, ring, context.limits(), context.reconnectMax());
            downstreams.add(downstream);
            stats.add(downstream.counters());
        }
        if (!context.udpOutputs().isEmpty()) {
            UdpFanOut fanOut = new UdpFanOut(context.udpOutputs(), context.multicast(), context.sendBuffer(),
                "udp output");
            udpOutput = new UdpOutput(ring, fanOut, context.limits());
            stats.add(udpOutput.counters());
            fanOut.counters().forEach(stats::add);
            for (Endpoint destination : context.udpOutputs()) {
                LOG.info("sending to {} ({}) for udp output <- {}", destination.text(), destination.numeric(),
                    group.text());
            }
        }
    }

    private static String interfaceName(Endpoint group, ReverseProxyContext context) throws IOException {
        return UdpChannels.interfaceFor(group, context.multicast()).getName();
    }

    /**
     * Stops the inputs (what they read is still sent), then the group reader, then lets every output write what it
     * holds (up to {@link ReverseProxyContext#DRAIN_MILLIS}) and closes it.
     */
    @Override
    public void close() {
        udpInputs.forEach(UdpInput::close);
        tcpInputs.forEach(TcpInput::close);
        UdpChannels.closeQuietly(groupFanOut);
        if (groupSender != null) {
            groupSender.close();
        }
        if (groupReader != null) {
            groupReader.close();
        }
        long deadline = System.nanoTime() + ReverseProxyContext.DRAIN_MILLIS * 1_000_000L;
        tcpOutputs.forEach(output -> output.stop(deadline));
        downstreams.forEach(downstream -> downstream.stop(deadline));
        if (udpOutput != null) {
            udpOutput.stop(deadline);
        }
        tcpOutputs.forEach(TcpOutputListener::close);
        downstreams.forEach(TcpDownstream::close);
        if (udpOutput != null) {
            udpOutput.close();
        }
    }
}
