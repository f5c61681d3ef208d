package io.mproxy.server;

import io.mproxy.common.io.AppendOutput;
import io.mproxy.common.net.Endpoint;
import io.mproxy.common.net.UdpChannels;
import io.mproxy.common.net.UdpReceiver;
import io.mproxy.common.ring.DatagramRing;
import io.mproxy.common.ring.RingPager;
import io.mproxy.common.ring.Wakeup;
import io.mproxy.common.stats.Counter;
import io.mproxy.common.stats.Counters;
import io.mproxy.common.stats.StatsReporter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on every endpoint and appends what arrives to the output files. Each listener has a thread that only
 * drains its socket into a ring; each output has a thread that writes its rings to the file.
 *
 * <pre>{@code
 * ServerContext context = new ServerContext().listener(Endpoint.parse("[ff15::1]:9920")).path("feed.log");
 * try (Server server = Server.start(context.validate(), () -> { })) {
 *     signals.await();
 * }
 * }</pre>
 */
public final class Server implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Server.class);

    private final List<UdpReceiver> receivers = new ArrayList<>();
    private final List<RingWriter> writers = new ArrayList<>();
    private final List<Endpoint> bound = new ArrayList<>();
    /** Pages the rings in and out unless they are faulted in at start (--prefault). */
    private RingPager pager;

    private Server() {
    }

    /**
     * Opens every output and listener, then starts the threads.
     *
     * @param context        validated settings.
     * @param onStdoutClosed runs when stdout (the output or --tee) is a closed pipe.
     * @param stats          receives every component's counters.
     * @return the running server.
     * @throws IOException naming the path or endpoint that cannot be opened (what was opened is closed).
     */
    public static Server start(ServerContext context, Runnable onStdoutClosed, StatsReporter stats) throws IOException {
        Server server = new Server();
        try {
            server.open(context, onStdoutClosed, stats);
            return server;
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    private void open(ServerContext context, Runnable onStdoutClosed, StatsReporter stats) throws IOException {
        List<DatagramChannel> channels = new ArrayList<>();
        try {
            for (Endpoint listener : context.listeners()) {
                DatagramChannel channel = UdpChannels.openReceiver(listener, context.multicast(), context.receiveBuffer());
                channels.add(channel);
                bound.add(listener.withPort(((InetSocketAddress) channel.getLocalAddress()).getPort()));
            }
            Map<String, List<Integer>> outputs = new LinkedHashMap<>();
            for (int i = 0; i < bound.size(); i++) {
                String path = context.merge() ? context.path() : context.pathFor(bound.get(i));
                outputs.computeIfAbsent(path, p -> new ArrayList<>()).add(i);
            }
            List<Runnable> starts = new ArrayList<>();
            if (!context.prefault()) {
                pager = new RingPager(RingPager.DEFAULT_IDLE_NANOS).start();
            }
            for (Map.Entry<String, List<Integer>> output : outputs.entrySet()) {
                Wakeup wakeup = new Wakeup();
                List<DatagramRing> rings = new ArrayList<>();
                for (int i : output.getValue()) {
                    DatagramRing ring = pager == null
                        ? new DatagramRing(context.ring(), UdpChannels.MAX_UDP_PAYLOAD, wakeup)
                        : DatagramRing.paged(context.ring(), UdpChannels.MAX_UDP_PAYLOAD, wakeup, pager);
                    rings.add(ring);
                    Endpoint endpoint = bound.get(i);
                    Counters counters = new Counters(
                        "listener " + endpoint.text(), EnumSet.of(Counter.DATAGRAMS_IN, Counter.BYTES_IN,
                        Counter.DROPPED, Counter.ERRORS));
                    UdpReceiver receiver = new UdpReceiver(endpoint, channels.get(i), ring, counters);
                    receivers.add(receiver);
                    stats.add(counters, StatsReporter.KERNEL_DROPS, receiver::kernelDrops);
                }
                RingWriter writer = new RingWriter(rings, wakeup, AppendOutput.open(output.getKey()), context.tee());
                writers.add(writer);
                stats.add(writer.counters());
                starts.add(() -> writer.start(onStdoutClosed));
                for (int i : output.getValue()) {
                    LOG.info("listening on {} ({}) -> {}", bound.get(i).text(), bound.get(i).numeric(), output.getKey());
                }
            }
            starts.forEach(Runnable::run);
            receivers.forEach(UdpReceiver::start);
        } catch (IOException | RuntimeException e) {
            // Receivers not started yet own some of them; closing twice is harmless, leaving any open is not.
            channels.forEach(UdpChannels::closeQuietly);
            throw e;
        }
    }

    /** @return the listeners with the ports they are bound to (an ephemeral port 0 resolved). */
    public List<Endpoint> endpoints() {
        return List.copyOf(bound);
    }

    /** Reopens every output file (logrotate, SIGHUP). */
    public void reopen() {
        writers.forEach(RingWriter::reopen);
    }

    /** Stops receiving, writes everything received, closes the files. */
    @Override
    public void close() {
        receivers.forEach(UdpReceiver::close);
        writers.forEach(RingWriter::close);
        if (pager != null) {
            pager.close();
        }
    }
}
